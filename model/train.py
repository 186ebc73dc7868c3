"""Train the machine-failure classifier on the AI4I 2020 training file and write model/artifacts/.

Run from the repository root (``npm run train``). Every step is seeded and single-threaded, so a
re-run on the same machine writes byte-identical artifacts.

Splits (stratified on the label combination, fixed seed):
  train      -- fits the scaler and the network weights;
  validation -- chooses each class's decision threshold;
  test       -- the only rows the reported metrics come from (used for neither of the above).
The same pipeline is then repeated on a few other split seeds (``repeatedSplits`` in metrics.json) to
show how much the held-out figures move with the split; the shipped model is the one from SEED.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import random
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnx
import sklearn
import torch
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

ROOT = Path(__file__).resolve().parent.parent
DATA_PATH = ROOT.parent / "shared" / "data" / "ai4i2020-train.csv"
OUT_DIR = ROOT / "model" / "artifacts"

SEED = 20200101
REPEAT_SEEDS = [1, 2, 3, 4]
MODEL_NAME = "pfm-failure-nam"

# Order matters: it is the column order of the model input and of features.txt, and
# model/features.ts writes the same columns in the same order.
FEATURES = [
    "air_temperature_k",
    "process_temperature_k",
    "rotational_speed_rpm",
    "torque_nm",
    "tool_wear_min",
    "temperature_delta_k",
    "power_w",
    "wear_torque_min_nm",
    "quality_type_ordinal",
]
CLASSES = ["TWF", "HDF", "PWF", "OSF", "RNF", "ANY"]
MODES = CLASSES[:-1]
LABEL_COLUMNS = {"TWF": "TWF", "HDF": "HDF", "PWF": "PWF", "OSF": "OSF", "RNF": "RNF", "ANY": "Machine failure"}
# Ordinal rather than one-hot: the variants are ordered (low, medium, high quality), and one column
# lets the quality type act as a per-type offset on every mode's log-odds.
QUALITY_ORDINAL = {"L": 0.0, "M": 1.0, "H": 2.0}

TRAIN_CONFIG = {
    "architecture": "neural additive model: per-feature sums of learned soft steps + linear term; "
    "ANY = learned soft-OR (logsumexp) of the mode logits",
    "steps_per_feature": 8,
    "initial_step_sharpness": 3.0,
    "optimizer": "adam",
    "batch_size": 256,
    "loss": "bce_with_logits with per-class pos_weight = min(neg/pos, cap)",
    "pos_weight_cap": 30.0,
    # Phase 1: group lasso over (feature, mode) paths picks which quantities each mode depends on.
    "select_epochs": 200,
    "select_learning_rate": 0.003,
    "group_lasso": 0.01,
    # The quality type is a context covariate (a per-type offset, like an intercept), not a candidate
    # explanation, so it is neither penalised nor pruned.
    "unpenalised_features": ["quality_type_ordinal"],
    # Paths whose weight norm is below this fraction of the mode's strongest path are switched off.
    "prune_fraction": 0.05,
    # Phase 2: refit the kept paths without penalty, cosine-decayed learning rate.
    "refit_epochs": 800,
    "refit_learning_rate": 0.01,
    "split": {"train": 0.6, "validation": 0.2, "test": 0.2},
    "threshold_selection": "per class, max F1 on validation; midpoint between the two validation "
    "probabilities that bound the best cut; a class is flagged when probability > threshold",
    # A class whose best validation F1 is below this is not predictable from the readings (RNF is
    # random by construction): threshold 1.0, never flagged, rather than flagging most rows.
    "min_validation_f1": 0.1,
}

GOLDEN_ROWS = 20


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)
    if torch.get_num_interop_threads() != 1:
        torch.set_num_interop_threads(1)


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def engineer(rows: list[dict[str, str]]) -> np.ndarray:
    """Unscaled features as float32, computed in float64 in the same operation order as features.ts."""
    out = np.empty((len(rows), len(FEATURES)), dtype=np.float64)
    for i, r in enumerate(rows):
        air = float(r["Air temperature [K]"])
        proc = float(r["Process temperature [K]"])
        rpm = float(r["Rotational speed [rpm]"])
        torque = float(r["Torque [Nm]"])
        wear = float(r["Tool wear [min]"])
        out[i] = [
            air,
            proc,
            rpm,
            torque,
            wear,
            proc - air,
            torque * rpm * 2 * np.pi / 60,
            wear * torque,
            QUALITY_ORDINAL[r["Type"]],
        ]
    return out.astype(np.float32)


def labels(rows: list[dict[str, str]]) -> np.ndarray:
    return np.array([[float(r[LABEL_COLUMNS[c]]) for c in CLASSES] for r in rows], dtype=np.float32)


def scale(x32: np.ndarray, mean: np.ndarray, scale_: np.ndarray) -> np.ndarray:
    # Same arithmetic as scaler.ts: float32 input widened to float64, result narrowed to float32.
    return ((x32.astype(np.float64) - mean) / scale_).astype(np.float32)


def stratify_keys(y: np.ndarray) -> np.ndarray:
    """The label combination of each row; combinations too rare to spread over three splits share a key."""
    keys = np.array(["".join(str(int(v)) for v in row) for row in y])
    counts = Counter(keys)
    return np.array([k if counts[k] >= 6 else "rare" for k in keys])


class SoftOr(torch.nn.Module):
    """logit(ANY) = logsumexp_m(a_m * logit_m + c_m) + d: a smooth maximum, i.e. a learned OR of the modes."""

    def __init__(self, n_modes: int) -> None:
        super().__init__()
        self.a = torch.nn.Parameter(torch.ones(n_modes))
        self.c = torch.nn.Parameter(torch.zeros(n_modes))
        self.d = torch.nn.Parameter(torch.zeros(1))

    def forward(self, logits: torch.Tensor) -> torch.Tensor:
        return torch.logsumexp(logits * self.a + self.c, dim=1, keepdim=True) + self.d


class FailureModel(torch.nn.Module):
    """A neural additive model (Agarwal et al. 2021) for the modes, with ANY stacked on top.

    Each mode's logit is a sum over input columns of a learned shape function; each shape function
    is a weighted sum of soft steps sigmoid(s_k * (x - t_k)) with learned positions t_k and
    sharpness s_k, plus a linear term. A threshold on one quantity, a band (two thresholds), a
    conjunction of thresholds on two quantities and a threshold shifted by quality type are all
    additive in log-odds, so the physics is expressible, but the cross-feature shortcuts a dense MLP
    grabs with ~50 positives a class (torque and speed standing in for power, ...) are not. A dense
    9-128-128-64-6 MLP on the same features reached only ~0.56-0.70 ANY F1 on held-out rows.
    """

    def __init__(self, x: np.ndarray, n_modes: int, cfg: dict) -> None:
        super().__init__()
        n_in = x.shape[1]
        k = cfg["steps_per_feature"]
        # Initial step positions spread over each feature's training distribution.
        qs = np.quantile(x.astype(np.float64), np.linspace(0.02, 0.98, k), axis=0).T
        self.t = torch.nn.Parameter(torch.tensor(qs, dtype=torch.float32))
        self.log_s = torch.nn.Parameter(torch.full((n_in, k), float(np.log(cfg["initial_step_sharpness"]))))
        self.weight = torch.nn.Parameter(torch.cat([torch.randn(n_in, k, n_modes) * 0.1, torch.zeros(n_in, 1, n_modes)], 1))
        self.bias = torch.nn.Parameter(torch.zeros(n_modes))
        self.any_head = SoftOr(n_modes)
        self.register_buffer("mask", torch.ones(n_in, 1, n_modes))
        penalised = torch.ones(n_in, 1, n_modes)
        penalised[[FEATURES.index(f) for f in cfg["unpenalised_features"]]] = 0.0
        self.register_buffer("penalised", penalised)

    def path_norms(self) -> torch.Tensor:
        """[F, 1, M]: the weight norm of each (feature, mode) path."""
        return (self.weight * self.mask).norm(dim=1, keepdim=True)

    def group_lasso(self) -> torch.Tensor:
        return (self.path_norms() * self.penalised).sum()

    @torch.no_grad()
    def prune(self, fraction: float) -> None:
        norms = self.path_norms()
        keep = (norms >= fraction * norms.amax(dim=0, keepdim=True)) | (self.penalised == 0)
        self.mask.copy_(keep.to(self.mask.dtype))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        steps = torch.sigmoid(torch.exp(self.log_s) * (x.unsqueeze(-1) - self.t))  # [N, F, K]
        basis = torch.cat([steps, x.unsqueeze(-1)], 2).flatten(1)  # [N, F * (K + 1)]
        modes = basis @ (self.weight * self.mask).flatten(0, 1) + self.bias  # [N, M]
        return torch.cat([modes, self.any_head(modes)], 1)


class ServingModel(torch.nn.Module):
    """The trained FailureModel as constant matrices, in the shape the ONNX graph should have.

    The per-feature steps become one block-diagonal GEMM (s * x - s * t) over the live steps only, the
    step and linear weights two small GEMMs, and the output goes through the sigmoid: probabilities,
    not logits, so consumers never re-implement the link. Several times faster under onnxruntime than
    broadcasting over an [N, F, K] tensor. Thresholds, metrics and golden outputs are all computed with this module,
    so they describe exactly what is shipped.
    """

    def __init__(self, trained: FailureModel) -> None:
        super().__init__()
        with torch.no_grad():
            n_in, k = trained.t.shape
            s = torch.exp(trained.log_s)
            spread = torch.zeros(n_in, n_in * k)
            for f in range(n_in):
                spread[f, f * k : (f + 1) * k] = s[f]
            w = trained.weight * trained.mask  # [F, K + 1, M]
            w_steps = w[:, :k, :].flatten(0, 1).t()  # [M, F*K]
            # Steps of features no mode kept (pruned paths) contribute exactly zero: drop them.
            live = (w_steps != 0).any(dim=0)
            self.register_buffer("spread", spread[:, live].contiguous())
            self.register_buffer("offset", (-s * trained.t).flatten()[live].contiguous())
            self.register_buffer("w_steps", w_steps[:, live].contiguous())
            self.register_buffer("w_linear", w[:, k, :].contiguous())  # [F, M]
            self.register_buffer("bias", trained.bias.detach().clone())
            self.register_buffer("any_a", trained.any_head.a.detach().clone())
            self.register_buffer("any_c", trained.any_head.c.detach().clone())
            self.register_buffer("any_d", trained.any_head.d.detach().clone())

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        steps = torch.sigmoid(torch.addmm(self.offset, features, self.spread))  # [N, live steps]
        modes = torch.nn.functional.linear(steps, self.w_steps, self.bias) + features @ self.w_linear
        any_logit = torch.logsumexp(modes * self.any_a + self.any_c, dim=1, keepdim=True) + self.any_d
        return torch.sigmoid(torch.cat([modes, any_logit], 1))


def fit(model: FailureModel, x: np.ndarray, y: np.ndarray, cfg: dict, epochs: int, lr: float, lasso: float) -> None:
    pos = y.sum(axis=0)
    neg = len(y) - pos
    pos_weight = torch.tensor(np.minimum(neg / np.maximum(pos, 1), cfg["pos_weight_cap"]), dtype=torch.float32)
    loss_fn = torch.nn.BCEWithLogitsLoss(pos_weight=pos_weight)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs)
    xt = torch.from_numpy(x)
    yt = torch.from_numpy(y)
    gen = torch.Generator().manual_seed(SEED)
    n = len(x)
    model.train()
    for _epoch in range(epochs):
        perm = torch.randperm(n, generator=gen)
        for start in range(0, n, cfg["batch_size"]):
            idx = perm[start : start + cfg["batch_size"]]
            opt.zero_grad()
            loss = loss_fn(model(xt[idx]), yt[idx])
            if lasso:
                loss = loss + lasso * model.group_lasso()
            loss.backward()
            opt.step()
        sched.step()
    model.eval()


def train(x: np.ndarray, y: np.ndarray, cfg: dict) -> FailureModel:
    model = FailureModel(x, y.shape[1] - 1, cfg)
    fit(model, x, y, cfg, cfg["select_epochs"], cfg["select_learning_rate"], cfg["group_lasso"])
    model.prune(cfg["prune_fraction"])
    fit(model, x, y, cfg, cfg["refit_epochs"], cfg["refit_learning_rate"], 0.0)
    return model


def predict(model: ServingModel, x: np.ndarray) -> np.ndarray:
    with torch.no_grad():
        return model(torch.from_numpy(x)).numpy()


def confusion(y: np.ndarray, pred: np.ndarray) -> dict[str, int]:
    return {
        "tp": int(((pred == 1) & (y == 1)).sum()),
        "fp": int(((pred == 1) & (y == 0)).sum()),
        "fn": int(((pred == 0) & (y == 1)).sum()),
        "tn": int(((pred == 0) & (y == 0)).sum()),
    }


def prf(c: dict[str, int]) -> dict[str, float]:
    p = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 0.0
    r = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 6), "recall": round(r, 6), "f1": round(f, 6)}


def choose_threshold(y: np.ndarray, p: np.ndarray, min_f1: float) -> float:
    """The threshold maximising validation F1, placed mid-way between the probabilities that bound it.

    With a couple of dozen positives many cuts tie; the midpoint keeps the decision as far as the
    validation data allows from the rows on either side. If no cut reaches min_f1, the class is
    never flagged: threshold 1.0 (the decision is probability > threshold).
    """
    order = np.argsort(-p, kind="stable")
    ps = p[order].astype(np.float64)
    ys = y[order]
    tp = np.cumsum(ys)
    fp = np.cumsum(1 - ys)
    total_pos = ys.sum()
    # Entry k: predicting the top k + 1 rows positive; only cuts between distinct probabilities count.
    f1 = np.where(tp > 0, 2 * tp / (tp + fp + total_pos), 0.0)
    valid = np.append(ps[:-1] > ps[1:], True)
    f1 = np.where(valid, f1, -1.0)
    k = int(np.argmax(f1))
    if f1[k] < min_f1:
        return 1.0
    lower = ps[k + 1] if k + 1 < len(ps) else 0.0
    return float((ps[k] + lower) / 2)


def evaluate(y: np.ndarray, p: np.ndarray, thresholds: list[float]) -> dict[str, dict]:
    out = {}
    for j, c in enumerate(CLASSES):
        pred = (p[:, j] > thresholds[j]).astype(np.float32)
        conf = confusion(y[:, j], pred)
        out[c] = {**prf(conf), **conf, "support": int(y[:, j].sum())}
    return out


@dataclass
class Run:
    seed: int
    train_idx: np.ndarray
    val_idx: np.ndarray
    test_idx: np.ndarray
    scaler: StandardScaler
    scaled: np.ndarray
    model: FailureModel
    serving: ServingModel
    probabilities: np.ndarray
    thresholds: list[float]
    test: dict[str, dict]
    validation: dict[str, dict]
    seconds: float


def split_indices(y: np.ndarray, seed: int, cfg: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sorted row indices of train, validation and test."""
    idx = np.arange(len(y))
    keys = stratify_keys(y)
    test_frac = cfg["split"]["test"]
    val_frac = cfg["split"]["validation"] / (1 - test_frac)
    rest, test = train_test_split(idx, test_size=test_frac, stratify=keys, random_state=seed)
    tr, val = train_test_split(rest, test_size=val_frac, stratify=keys[rest], random_state=seed)
    return np.sort(tr), np.sort(val), np.sort(test)


def run_split(x: np.ndarray, y: np.ndarray, seed: int, cfg: dict) -> Run:
    """Split, fit scaler and model on train, choose thresholds on validation, score test."""
    started = time.monotonic()
    seed_everything(seed)
    tr, val, test = split_indices(y, seed, cfg)
    scaler = StandardScaler().fit(x[tr].astype(np.float64))
    xs = scale(x, scaler.mean_, scaler.scale_)
    model = train(xs[tr], y[tr], cfg)
    serving = ServingModel(model).eval()
    p = predict(serving, xs)
    thresholds = [choose_threshold(y[val, j], p[val, j], cfg["min_validation_f1"]) for j in range(len(CLASSES))]
    return Run(
        seed=seed,
        train_idx=tr,
        val_idx=val,
        test_idx=test,
        scaler=scaler,
        scaled=xs,
        model=model,
        serving=serving,
        probabilities=p,
        thresholds=thresholds,
        test=evaluate(y[test], p[test], thresholds),
        validation=evaluate(y[val], p[val], thresholds),
        seconds=time.monotonic() - started,
    )


def reference_stats(x32: np.ndarray, scaler: StandardScaler) -> dict:
    feats = {}
    for j, name in enumerate(FEATURES):
        col = x32[:, j].astype(np.float64)
        edges = np.quantile(col, np.linspace(0.1, 0.9, 9))
        # Bin i holds edges[i-1] < x <= edges[i] (edges[-1] = -inf, edges[9] = +inf): the bin index
        # is the number of edges strictly below x, which is numpy's searchsorted(side="left").
        bins = np.searchsorted(edges, col, side="left")
        counts = np.bincount(bins, minlength=10)
        feats[name] = {
            "mean": float(scaler.mean_[j]),
            "std": float(scaler.scale_[j]),
            "min": float(col.min()),
            "max": float(col.max()),
            "n": int(len(col)),
            "binEdges": [float(e) for e in edges],
            "proportions": [round(float(c) / len(col), 8) for c in counts],
        }
    return feats


def export_onnx(model: ServingModel, path: Path) -> None:
    dummy = torch.zeros(2, len(FEATURES), dtype=torch.float32)
    torch.onnx.export(
        model,
        dummy,
        str(path),
        input_names=["features"],
        output_names=["probabilities"],
        dynamic_axes={"features": {0: "N"}, "probabilities": {0: "N"}},
        opset_version=17,
        do_constant_folding=True,
    )
    m = onnx.load(str(path))
    onnx.checker.check_model(m)
    m.doc_string = f"{MODEL_NAME}: sigmoid probabilities for {' '.join(CLASSES)}"
    onnx.save(m, str(path))


def write_json(path: Path, obj: object) -> None:
    path.write_text(json.dumps(obj, indent=2) + "\n", encoding="utf-8")


def pick_golden(test_idx: np.ndarray, y: np.ndarray) -> list[int]:
    """Two failures of each mode first, then ordinary rows, all from the test split."""
    chosen: list[int] = []
    for j in range(len(MODES)):
        hits = [int(i) for i in test_idx if y[i, j] == 1 and int(i) not in chosen]
        chosen += hits[:2]
    ok = [int(i) for i in test_idx if y[i].sum() == 0]
    chosen += ok[: GOLDEN_ROWS - len(chosen)]
    return sorted(chosen)


def summarise_repeats(runs: list[Run]) -> dict:
    out: dict = {"seeds": [r.seed for r in runs], "f1": {}}
    for c in CLASSES:
        f1s = [r.test[c]["f1"] for r in runs]
        out["f1"][c] = {
            "perSeed": f1s,
            "mean": round(float(np.mean(f1s)), 6),
            "min": round(float(np.min(f1s)), 6),
            "max": round(float(np.max(f1s)), 6),
        }
    return out


def print_table(run: Run) -> None:
    print(f"{'class':6} {'thr':>8} {'prec':>7} {'recall':>7} {'f1':>7} {'tp':>4} {'fp':>4} {'fn':>4} {'tn':>5}")
    for j, c in enumerate(CLASSES):
        m = run.test[c]
        print(
            f"{c:6} {run.thresholds[j]:8.4f} {m['precision']:7.3f} {m['recall']:7.3f} {m['f1']:7.3f} "
            f"{m['tp']:4d} {m['fp']:4d} {m['fn']:4d} {m['tn']:5d}"
        )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-repeats", action="store_true", help="skip the repeated-split evaluation")
    args = parser.parse_args(argv)
    cfg = TRAIN_CONFIG
    rows = read_rows(DATA_PATH)
    x = engineer(rows)
    y = labels(rows)

    run = run_split(x, y, SEED, cfg)
    print(f"seed {SEED}: train={len(run.train_idx)} validation={len(run.val_idx)} test={len(run.test_idx)} "
          f"({run.seconds:.1f}s); test-split metrics:")
    print_table(run)
    repeats: list[Run] = []
    if not args.no_repeats:
        for s in REPEAT_SEEDS:
            r = run_split(x, y, s, cfg)
            repeats.append(r)
            print(f"repeat seed {s} ({r.seconds:.1f}s): " + " ".join(f"{c}={r.test[c]['f1']:.3f}" for c in CLASSES))

    OUT_DIR.mkdir(parents=True, exist_ok=True)
    model_path = OUT_DIR / "model.onnx"
    export_onnx(run.serving, model_path)
    sha = hashlib.sha256(model_path.read_bytes()).hexdigest()
    tr, val, test = run.train_idx, run.val_idx, run.test_idx

    (OUT_DIR / "features.txt").write_text("\n".join(FEATURES) + "\n", encoding="utf-8")
    (OUT_DIR / "classes.txt").write_text("\n".join(CLASSES) + "\n", encoding="utf-8")
    write_json(
        OUT_DIR / "scaler.json",
        {
            "features": FEATURES,
            "mean": [float(v) for v in run.scaler.mean_],
            "scale": [float(v) for v in run.scaler.scale_],
        },
    )
    write_json(OUT_DIR / "thresholds.json", {c: run.thresholds[j] for j, c in enumerate(CLASSES)})
    with torch.no_grad():
        kept = {
            m: [FEATURES[f] for f in range(len(FEATURES)) if run.model.mask[f, 0, j] > 0] for j, m in enumerate(MODES)
        }
    write_json(
        OUT_DIR / "metrics.json",
        {
            "model": MODEL_NAME,
            "modelSha256": sha,
            "metricsSplit": "test",
            "note": "test rows were used neither for training nor for choosing thresholds",
            "anyF1": run.test["ANY"]["f1"],
            "test": run.test,
            "validation": run.validation,
            "repeatedSplits": {
                "note": "the same pipeline on other split seeds, test-split F1; not the shipped model",
                **summarise_repeats(repeats),
            }
            if repeats
            else None,
            "featuresPerMode": kept,
            "splitSizes": {"train": len(tr), "validation": len(val), "test": len(test)},
            "seed": SEED,
            "splitMethod": (
                "sklearn train_test_split twice (test 20%, then validation 25% of the rest), stratified on "
                "the 6-label combination with combinations of fewer than 6 rows pooled, random_state=seed"
            ),
            "trainConfig": cfg,
            "data": {"file": "shared/data/ai4i2020-train.csv", "rows": len(rows)},
            "versions": {
                "torch": torch.__version__,
                "numpy": np.__version__,
                "sklearn": sklearn.__version__,
                "onnx": onnx.__version__,
            },
        },
    )
    write_json(
        OUT_DIR / "reference.json",
        {
            "model": MODEL_NAME,
            "modelSha256": sha,
            "source": "train split (the rows the scaler was fitted on); unscaled model input features",
            "binRule": "10 decile bins; bin i holds binEdges[i-1] < x <= binEdges[i], with -inf/+inf outside",
            "features": FEATURES,
            "stats": reference_stats(x[tr], run.scaler),
        },
    )
    golden_idx = pick_golden(test, y)
    write_json(
        OUT_DIR / "golden.json",
        {
            "note": "test-split rows; probabilities from PyTorch (float32) on the scaled features",
            "features": FEATURES,
            "classes": CLASSES,
            "rows": [
                {
                    "line": int(i) + 2,
                    "raw": rows[i],
                    "labels": {c: int(y[i, j]) for j, c in enumerate(CLASSES)},
                    "engineered": [float(v) for v in x[i]],
                    "scaled": [float(v) for v in run.scaled[i]],
                    "probabilities": [float(v) for v in run.probabilities[i]],
                }
                for i in golden_idx
            ],
        },
    )
    print(f"wrote {OUT_DIR.relative_to(ROOT)}/ (model.onnx sha256 {sha})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
