"""Analysis only (not used by training or serving): what the readings decide, what they cannot, and which of
the shipped model's errors fall where.

The labels are deterministic in the readings wherever the dataset's documented rules apply: evaluated in
float64 on the raw CSV values they reproduce every HDF, PWF and OSF flag of the file. What one reading cannot
decide bounds every model:
  * TWF (a random wear between 200 and 240 min), RNF (random), and a few `Machine failure` rows without a
    mode flag: the ceiling of the any-failure F1;
  * at a displayed temperature delta of exactly 8.6 K (speed < 1380 rpm) the HDF flag is decided by the
    float64 value of `process - air` (310.7 - 302.1 = 8.599999999999966 -> HDF, 310.6 - 302.0 =
    8.600000000000023 -> no HDF). The readings do decide it, in the precision they are recorded in; a model
    that sees the delta only in float32 (8.6000004 for all of these rows) cannot. This is a choice of input
    precision, not a label ceiling: model/artifacts/README.md, "The dT = 8.6 K decision".

Run: /usr/bin/python3 model/label_ceiling.py   (reads model/artifacts/metrics.json for sections 4 and 5)
"""

from __future__ import annotations

import json
import sys
from fractions import Fraction

import numpy as np

import train as T

HDF_SPEED_RPM = 1380.0


def f1(y: np.ndarray, pred: np.ndarray) -> float:
    tp = float(((pred == 1) & (y == 1)).sum())
    denom = float(pred.sum() + y.sum())
    return 2 * tp / denom if denom else 0.0


def column(rows: list[dict[str, str]], name: str) -> np.ndarray:
    # float() of the CSV string is the double nearest the decimal, as the dataset's generator had it.
    return np.array([float(r[name]) for r in rows])


def main() -> int:
    rows = T.read_rows(T.DATA_PATH)
    y = T.labels(rows)
    x64 = T.engineer64(rows)
    x32 = x64.astype(np.float32)
    air = column(rows, "Air temperature [K]")
    proc = column(rows, "Process temperature [K]")
    rpm = column(rows, "Rotational speed [rpm]")
    torque = column(rows, "Torque [Nm]")
    wear = column(rows, "Tool wear [min]")
    limit = np.array([T.OSF_LIMIT_MIN_NM[r["Type"]] for r in rows])
    delta = proc - air
    power = torque * rpm * 2 * np.pi / 60
    hdf = (delta < T.HDF_MAX_DELTA_K) & (rpm < HDF_SPEED_RPM)
    pwf = (power < 3500) | (power > 9000)
    osf = wear * torque > limit
    rule = hdf | pwf | osf
    tie = (np.round(delta, 1) == T.HDF_MAX_DELTA_K) & (rpm < HDF_SPEED_RPM)
    clear_hdf = hdf & ~tie
    any_y = y[:, 5] == 1

    print("1. The documented rules, in float64 on the raw CSV values, against the labels of all rows:")
    for name, flag, j in (("HDF", hdf, 1), ("PWF", pwf, 2), ("OSF", osf, 3)):
        print(f"   {name}: rule == label on {int((flag == (y[:, j] == 1)).sum())} of {len(y)} rows")
    print(f"   ANY positives {int(any_y.sum())}: {int((any_y & rule).sum())} explained by HDF/PWF/OSF, "
          f"{int((any_y & ~rule & (y[:, 0] == 1)).sum())} TWF only, {int((any_y & ~rule & (y[:, 4] == 1)).sum())} "
          f"RNF only, {int((any_y & (y[:, :5].sum(1) == 0)).sum())} without any mode flag; "
          f"rule rows with ANY = 0: {int((rule & ~any_y).sum())}")

    print("\n2. Tie rows (speed < 1380, process - air displayed as 8.6 K):")
    d32 = x32[:, T.FEATURES.index("temperature_delta_k")]
    ind = x32[:, T.FEATURES.index("delta_below_hdf_limit")]
    print(f"   {int(tie.sum())} rows, HDF on {int(y[tie, 1].sum())}; distinct float32 temperature_delta_k among "
          f"them: {np.unique(d32[tie]).tolist()}; the float64 indicator delta_below_hdf_limit equals the HDF label "
          f"on {int((ind[tie] == y[tie, 1]).sum())} of them")
    # Both temperatures lie in [256, 512) K, where doubles are 2**-44 K apart, so the encoding error of a
    # one-decimal value depends only on its tenths digit; the subtraction itself is exact (Sterbenz).
    fl_limit = Fraction(T.HDF_MAX_DELTA_K)
    digit = np.array([r["Air temperature [K]"].split(".")[1][:1] if "." in r["Air temperature [K]"] else "0"
                      for r in rows])
    consistent = True
    print("   air tenths digit | air encoding error (K) | process encoding error (K) | rows | HDF")
    for d in sorted(set(digit[tie])):
        sel = tie & (digit == d)
        errs_a = {Fraction(float(rows[i]["Air temperature [K]"])) - Fraction(rows[i]["Air temperature [K]"])
                  for i in np.flatnonzero(sel)}
        errs_p = {Fraction(float(rows[i]["Process temperature [K]"])) - Fraction(rows[i]["Process temperature [K]"])
                  for i in np.flatnonzero(sel)}
        below = {Fraction(float(proc[i])) - Fraction(float(air[i])) < fl_limit for i in np.flatnonzero(sel)}
        consistent &= len(below) == 1 and (y[sel, 1] == 1).all() == below.pop() and len(set(y[sel, 1])) == 1
        ea = ", ".join(f"{float(e):+.1e}" for e in sorted(errs_a))
        ep = ", ".join(f"{float(e):+.1e}" for e in sorted(errs_p))
        print(f"   {d:>17} | {ea:>22} | {ep:>26} | {int(sel.sum()):4d} | {int(y[sel, 1].sum()):3d}")
    print(f"   label = (exact float64 difference < float64(8.6)), and constant per tenths digit: {consistent}")

    print("\n3. TWF: can flagging a tool-wear window raise ANY F1?")
    # Adding k rows of which t are positive raises F1 = 2TP / (2TP + FP + FN) iff t / k > F1 / 2.
    free = ~rule
    best = (0.0, 0, 0, 0)
    for lo in range(0, 260):
        for hi in range(lo + 5, 261):
            sel = free & (wear >= lo) & (wear < hi)
            n = int(sel.sum())
            if n >= 20:
                rate = float(any_y[sel].mean())
                best = max(best, (rate, lo, hi, n))
    print(f"   among rows no rule flags, the highest ANY rate in any window of >= 5 min and >= 20 rows is "
          f"{best[0]:.3f} (wear {best[1]}-{best[2]} min, {best[3]} rows); break-even is F1/2 ~ 0.45, so "
          "flagging TWF by wear only lowers ANY F1: TWF is never flagged")

    metrics = json.loads((T.OUT_DIR / "metrics.json").read_text(encoding="utf-8"))
    test = np.array(metrics["split"]["testLines"]) - 2
    print("\n4. Ceilings: an oracle that applies the documented rules, on all rows and on the test split:")
    print(f"   {'rows':>12} {'ANY pos':>7} {'TWF-only':>8} {'no-mode':>7} {'ties':>5} {'tie HDF':>7} | "
          f"{'ANY f32 none':>12} {'f32 all':>7} {'float64':>7} | {'HDF f32 none':>12} {'f32 all':>7} {'float64':>7}")
    for label, sel_rows in (("all 8,000", np.arange(len(y))), ("test 1,600", test)):
        yt, at, tt = y[sel_rows], any_y[sel_rows], tie[sel_rows]
        base = (pwf | osf | clear_hdf)[sel_rows]
        flagged = (np.zeros_like(tt), tt, tt & (yt[:, 1] == 1))
        a = [f1(yt[:, 5], (base | f).astype(int)) for f in flagged]
        h = [f1(yt[:, 1], (clear_hdf[sel_rows] | f).astype(int)) for f in flagged]
        print(f"   {label:>12} {int(at.sum()):7d} {int((at & ~rule[sel_rows] & (yt[:, 0] == 1)).sum()):8d} "
              f"{int((at & (yt[:, :5].sum(1) == 0)).sum()):7d} {int(tt.sum()):5d} {int((tt & (yt[:, 1] == 1)).sum()):7d} | "
              f"{a[0]:12.3f} {a[1]:7.3f} {a[2]:7.3f} | {h[0]:12.3f} {h[1]:7.3f} {h[2]:7.3f}")
    print("   (f32 none / all: a model that sees the delta only in float32 flags none or all of the tie rows; "
          "float64: the tie rows decided as the label generator did)")

    print("\n5. The shipped model's errors (metrics.json outOfFoldErrors and testErrors):")

    def why(i: int, cls: str, kind: str) -> str:
        if tie[i] and cls in ("HDF", "ANY"):
            return "tie row (HDF decided by float64 rounding)"
        if cls == "ANY" and kind == "fn" and not rule[i]:
            if y[i, 0] == 1:
                return "TWF only (random in the wear window)"
            if y[i, 4] == 1:
                return "RNF only (random)"
            return "no mode flag"
        if cls in ("TWF", "RNF"):
            return f"{cls} (random)"
        margins = []
        if cls in ("OSF", "ANY") and (osf[i] or kind == "fp"):
            margins.append(f"wear x torque {wear[i] * torque[i]:.1f} vs {limit[i]:.0f} ({wear[i] * torque[i] / limit[i]:.5f})")
        if cls in ("PWF", "ANY") and (pwf[i] or kind == "fp"):
            margins.append(f"power {power[i]:.1f} W vs 3500/9000")
        if cls in ("HDF", "ANY") and (hdf[i] or kind == "fp"):
            margins.append(f"delta {delta[i]:.2f} K, speed {rpm[i]:.0f} rpm")
        return "decidable by the rules: " + "; ".join(margins)

    for source, split_rows, counts in (
        ("out-of-fold", np.arange(len(y)), metrics["outOfFold"]),
        ("test", test, metrics["test"]),
    ):
        errors = metrics["outOfFoldErrors" if source == "out-of-fold" else "testErrors"]
        for cls in ("ANY", "HDF", "PWF", "OSF"):
            decidable = {"fp": 0, "fn": 0}
            undecidable = 0
            for kind in ("fp", "fn"):
                for line in errors[cls][kind]:
                    reason = why(line - 2, cls, kind)
                    if reason.startswith("decidable"):
                        decidable[kind] += 1
                        print(f"   {source} {cls} {kind.upper()} line {line}: {reason}")
                    else:
                        undecidable += 1
            m = counts[cls]
            tp = m["tp"] + decidable["fn"]
            fixed = 2 * tp / (2 * tp + m["fp"] - decidable["fp"] + m["fn"] - decidable["fn"])
            print(f"   {source} {cls}: F1 {m['f1']:.3f} on {len(split_rows)} rows; {decidable['fp'] + decidable['fn']} "
                  f"errors decidable by the rules (listed), {undecidable} not; with the decidable ones right: {fixed:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
