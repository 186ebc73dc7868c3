"""Train the machine-failure classifier on the AI4I 2020 training file and write model/artifacts/.

Run from the repository root (``npm run train``). Every fit is seeded and single-threaded, and the fits
run in independent worker processes whose results are gathered in a fixed order, so a re-run on the
same machine writes byte-identical artifacts whatever the number of workers.

Protocol (seed 20200101; see PROTOCOL below, fixed before any test-split figure was looked at):
  train (80 %) -- a stratified 5-fold cross-validation on it gives out-of-fold probabilities, on which
                  each class's decision threshold is chosen; then the scaler and the shipped bag of
                  networks are fitted on all of it;
  test (20 %)  -- the only rows the reported metrics come from (used for neither of the above).
Every variant the protocol names is evaluated on the test split and recorded in metrics.json
(``variants``); which one is shipped is decided on out-of-fold figures alone.
``--repeats`` runs the same protocol on other split seeds and writes repeated-splits.json instead.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import multiprocessing
import os
import random
import sys
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnx
import sklearn
import torch
from sklearn.model_selection import StratifiedKFold, train_test_split
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

# The network and its optimisation are those of the previous 60/20/20 protocol, unchanged: only how the
# rows are spent (no separate threshold split) and the bagging are new.
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
    "split": {"train": 0.8, "test": 0.2},
    "cv_folds": 5,
    # Bag member j is initialised from split seed + j and shuffled with SEED + j (member_seeds); member 0
    # is the single network of variant B, and of the previous train.py.
    "bag_members": 3,
    "bag_combination": "mean of the members' sigmoid probabilities, per class",
    "threshold_selection": "per class, max F1 on the out-of-fold probabilities of the cross-validation on the "
    "train split (each fold: scaler and bag fitted on its other folds); midpoint between the two out-of-fold "
    "probabilities that bound the best cut; a class is flagged when probability > threshold",
    # A class whose best out-of-fold F1 is below this is not predictable from the readings (RNF is
    # random by construction): threshold 1.0, never flagged, rather than flagging most rows.
    "min_oof_f1": 0.1,
}

# Written down before any of these variants was scored on the test split; all of them are reported.
PROTOCOL = {
    "fixedBeforeTestEvaluation": True,
    "shippedSeed": SEED,
    "variants": {
        "A": "previous protocol: 60/20/20 split, one network fitted on the 4,800 train rows, thresholds on the "
        "1,600 validation rows",
        "B": "80/20 split, one network (member 0) fitted on the 6,400 train rows, thresholds on 5-fold "
        "out-of-fold probabilities",
        "C": "as B with a bag of 3 networks (seeds seed+0..2; member 0 is B's network), probabilities "
        "averaged, out-of-fold probabilities from bags fitted per fold",
    },
    "amendments": [
        "C was declared with 5 members or 3 if the run took over ~5 min; the 5-member run took 312 s, so 3 "
        "(decided before its test figures were read; they are reported in model/artifacts/README.md)",
        "A's first re-implementation sorted the 80 % before the 75/25 cut and so had other validation rows; "
        "fixed to reproduce the previous train.py exactly (its figures are in the README too)",
    ],
    "shippingRule": "C if its out-of-fold ANY F1 >= B's, else B (no test rows involved)",
    "testSplit": "identical for A, B and C: the first stratified 20 % cut with random_state=seed",
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


def stratify_keys(y: np.ndarray, min_count: int = 6) -> np.ndarray:
    """The label combination of each row; combinations with fewer than min_count rows share one key."""
    keys = np.array(["".join(str(int(v)) for v in row) for row in y])
    counts = Counter(keys)
    return np.array([k if counts[k] >= min_count else "rare" for k in keys])


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
    broadcasting over an [N, F, K] tensor. EnsembleServing lays several of these side by side.
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




class EnsembleServing(torch.nn.Module):
    """A bag of trained FailureModels as one graph: the mean of their probabilities.

    Every member's ServingModel matrices are laid side by side (steps) or block-diagonally (step
    weights), so the whole bag costs the same three small GEMMs as one network, only wider; the
    members' outputs are then reshaped to [N, members, classes] and averaged. With one member it
    computes what ServingModel computes. Thresholds, metrics and golden outputs are all computed with
    this module, so they describe exactly what is shipped.
    """

    def __init__(self, members: list[FailureModel]) -> None:
        super().__init__()
        parts = [ServingModel(m) for m in members]
        self.n_members = len(parts)
        self.n_modes = parts[0].bias.shape[0]
        with torch.no_grad():
            self.register_buffer("spread", torch.cat([p.spread for p in parts], 1).contiguous())
            self.register_buffer("offset", torch.cat([p.offset for p in parts]).contiguous())
            self.register_buffer("w_steps", torch.block_diag(*[p.w_steps for p in parts]).contiguous())
            self.register_buffer("w_linear", torch.cat([p.w_linear for p in parts], 1).contiguous())
            self.register_buffer("bias", torch.cat([p.bias for p in parts]))
            self.register_buffer("any_a", torch.stack([p.any_a for p in parts]))  # [B, M]
            self.register_buffer("any_c", torch.stack([p.any_c for p in parts]))  # [B, M]
            self.register_buffer("any_d", torch.cat([p.any_d for p in parts]))  # [B]

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        steps = torch.sigmoid(torch.addmm(self.offset, features, self.spread))  # [N, live steps of all]
        modes = torch.nn.functional.linear(steps, self.w_steps, self.bias) + features @ self.w_linear
        modes = modes.reshape(-1, self.n_members, self.n_modes)  # [N, B, M]
        any_logit = torch.logsumexp(modes * self.any_a + self.any_c, dim=2) + self.any_d  # [N, B]
        probs = torch.sigmoid(torch.cat([modes, any_logit.unsqueeze(2)], 2))  # [N, B, M + 1]
        return probs.mean(dim=1)


def fit(
    model: FailureModel, x: np.ndarray, y: np.ndarray, cfg: dict, epochs: int, lr: float, lasso: float, seed: int
) -> None:
    pos = y.sum(axis=0)
    neg = len(y) - pos
    pos_weight = torch.tensor(np.minimum(neg / np.maximum(pos, 1), cfg["pos_weight_cap"]), dtype=torch.float32)
    loss_fn = torch.nn.BCEWithLogitsLoss(pos_weight=pos_weight)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs)
    xt = torch.from_numpy(x)
    yt = torch.from_numpy(y)
    gen = torch.Generator().manual_seed(seed)
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


def train(x: np.ndarray, y: np.ndarray, cfg: dict, init_seed: int, shuffle_seed: int) -> FailureModel:
    """One network: weights initialised from init_seed, mini-batch order drawn from shuffle_seed."""
    seed_everything(init_seed)
    model = FailureModel(x, y.shape[1] - 1, cfg)
    fit(model, x, y, cfg, cfg["select_epochs"], cfg["select_learning_rate"], cfg["group_lasso"], shuffle_seed)
    model.prune(cfg["prune_fraction"])
    fit(model, x, y, cfg, cfg["refit_epochs"], cfg["refit_learning_rate"], 0.0, shuffle_seed)
    return model


def member_seeds(split_seed: int, j: int) -> tuple[int, int]:
    """(init, shuffle) seeds of bag member j. The previous train.py initialised from the split seed and
    shuffled with SEED whatever the split; member 0 keeps exactly that, so variant B is member 0 of C."""
    return split_seed + j, SEED + j


def fit_job(job: tuple[np.ndarray, np.ndarray, dict, int, int]) -> dict[str, np.ndarray]:
    """Worker-process entry: train one network, return its state as numpy arrays (picklable, exact)."""
    x, y, cfg, init_seed, shuffle_seed = job
    model = train(x, y, cfg, init_seed, shuffle_seed)
    return {k: v.detach().numpy().copy() for k, v in model.state_dict().items()}


def rebuild(state: dict[str, np.ndarray], x: np.ndarray, cfg: dict) -> FailureModel:
    model = FailureModel(x, len(MODES), cfg)
    model.load_state_dict({k: torch.from_numpy(v) for k, v in state.items()})
    return model.eval()


def predict(model: torch.nn.Module, x: np.ndarray) -> np.ndarray:
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
    """The threshold maximising F1 on held-back probabilities, placed mid-way between the two that bound it.

    With a few dozen positives many cuts tie; the midpoint keeps the decision as far as the data allows
    from the rows on either side. If no cut reaches min_f1, the class is never flagged: threshold 1.0
    (the decision is probability > threshold).
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


def split_train_test(y: np.ndarray, seed: int, test_frac: float) -> tuple[np.ndarray, np.ndarray]:
    """Sorted row indices of train and test, stratified on the label combination."""
    idx = np.arange(len(y))
    train_idx, test_idx = train_test_split(idx, test_size=test_frac, stratify=stratify_keys(y), random_state=seed)
    return np.sort(train_idx), np.sort(test_idx)


def split_previous(y: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Variant A's 60/20/20 split, call for call as the previous train.py made it: the same test rows,
    the rest (in the order the first call returned it, which the second cut depends on) cut 75/25."""
    keys = stratify_keys(y)
    rest, test_idx = train_test_split(np.arange(len(y)), test_size=0.2, stratify=keys, random_state=seed)
    tr, val = train_test_split(rest, test_size=0.25, stratify=keys[rest], random_state=seed)
    return np.sort(tr), np.sort(val), np.sort(test_idx)


def cv_folds(y: np.ndarray, train_idx: np.ndarray, seed: int, k: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """(fit rows, held-back rows) of each fold, as sorted row indices into the whole file."""
    keys = stratify_keys(y[train_idx], min_count=k)
    skf = StratifiedKFold(n_splits=k, shuffle=True, random_state=seed)
    return [(np.sort(train_idx[a]), np.sort(train_idx[b])) for a, b in skf.split(train_idx, keys)]


@dataclass
class Prepared:
    """A fit on some rows: its scaler, the whole file scaled by it, and which rows it is fitted on."""

    rows: np.ndarray
    scaler: StandardScaler
    scaled: np.ndarray


def prepare(x: np.ndarray, rows: np.ndarray) -> Prepared:
    scaler = StandardScaler().fit(x[rows].astype(np.float64))
    return Prepared(rows=rows, scaler=scaler, scaled=scale(x, scaler.mean_, scaler.scale_))


@dataclass
class Variant:
    name: str
    thresholds: list[float]
    selection_split: str
    selection: dict[str, dict]
    test: dict[str, dict]
    serving: EnsembleServing
    members: list[FailureModel]
    fit: Prepared
    probabilities: np.ndarray


@dataclass
class ProtocolRun:
    seed: int
    train_idx: np.ndarray
    test_idx: np.ndarray
    variants: dict[str, Variant]
    shipped: str
    seconds: float


def run_jobs(jobs: list[tuple], workers: int) -> list[dict[str, np.ndarray]]:
    # Fresh interpreters (spawn): no state inherited from the parent's torch, results returned in job order.
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        return list(pool.map(fit_job, jobs))


def run_protocol(x: np.ndarray, y: np.ndarray, seed: int, cfg: dict, workers: int) -> ProtocolRun:
    """Variants A, B and C on one split seed; see PROTOCOL."""
    started = time.monotonic()
    n_bag = cfg["bag_members"]
    train_idx, test_idx = split_train_test(y, seed, cfg["split"]["test"])
    folds = cv_folds(y, train_idx, seed, cfg["cv_folds"])
    a_train, a_val, a_test = split_previous(y, seed)
    assert np.array_equal(a_test, test_idx)

    fold_fits = [prepare(x, fit_rows) for fit_rows, _ in folds]
    final_fit = prepare(x, train_idx)
    a_fit = prepare(x, a_train)
    jobs: list[tuple] = []
    for f in [*fold_fits, final_fit]:
        jobs += [(f.scaled[f.rows], y[f.rows], cfg, *member_seeds(seed, j)) for j in range(n_bag)]
    jobs.append((a_fit.scaled[a_train], y[a_train], cfg, *member_seeds(seed, 0)))
    states = run_jobs(jobs, workers)

    def members(block: int, fitted: Prepared, count: int) -> list[FailureModel]:
        return [rebuild(states[block * n_bag + j], fitted.scaled, cfg) for j in range(count)]

    variants: dict[str, Variant] = {}
    for name, count in (("B", 1), ("C", n_bag)):
        oof = np.zeros_like(y)
        for i, (f, (_, held)) in enumerate(zip(fold_fits, folds)):
            oof[held] = predict(EnsembleServing(members(i, f, count)), f.scaled[held])
        oy, op = y[train_idx], oof[train_idx]
        thresholds = [choose_threshold(oy[:, j], op[:, j], cfg["min_oof_f1"]) for j in range(len(CLASSES))]
        final = members(len(folds), final_fit, count)
        serving = EnsembleServing(final).eval()
        p = predict(serving, final_fit.scaled)
        variants[name] = Variant(
            name=name,
            thresholds=thresholds,
            selection_split="outOfFold",
            selection=evaluate(oy, op, thresholds),
            test=evaluate(y[test_idx], p[test_idx], thresholds),
            serving=serving,
            members=final,
            fit=final_fit,
            probabilities=p,
        )
    a_model = rebuild(states[-1], a_fit.scaled, cfg)
    a_serving = EnsembleServing([a_model]).eval()
    p = predict(a_serving, a_fit.scaled)
    thresholds = [choose_threshold(y[a_val, j], p[a_val, j], cfg["min_oof_f1"]) for j in range(len(CLASSES))]
    variants["A"] = Variant(
        name="A",
        thresholds=thresholds,
        selection_split="validation",
        selection=evaluate(y[a_val], p[a_val], thresholds),
        test=evaluate(y[test_idx], p[test_idx], thresholds),
        serving=a_serving,
        members=[a_model],
        fit=a_fit,
        probabilities=p,
    )
    shipped = "C" if variants["C"].selection["ANY"]["f1"] >= variants["B"].selection["ANY"]["f1"] else "B"
    return ProtocolRun(
        seed=seed,
        train_idx=train_idx,
        test_idx=test_idx,
        variants={k: variants[k] for k in ("A", "B", "C")},
        shipped=shipped,
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


def export_onnx(model: EnsembleServing, path: Path) -> None:
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
    # The exporter names the class axis after the ReduceMean it comes from; it is always len(CLASSES) wide.
    out_dim = m.graph.output[0].type.tensor_type.shape.dim[1]
    out_dim.Clear()
    out_dim.dim_value = len(CLASSES)
    onnx.checker.check_model(m, full_check=True)
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


def error_lines(y: np.ndarray, p: np.ndarray, thresholds: list[float], rows: np.ndarray) -> dict[str, dict]:
    """Per class, the CSV line numbers (header = line 1) of the given rows flagged wrongly (fp) or missed (fn)."""
    out = {}
    for j, c in enumerate(CLASSES):
        pred = p[rows, j] > thresholds[j]
        truth = y[rows, j] == 1
        out[c] = {
            "fp": [int(i) + 2 for i in rows[pred & ~truth]],
            "fn": [int(i) + 2 for i in rows[~pred & truth]],
        }
    return out


def f1_row(metrics: dict[str, dict]) -> dict[str, float]:
    return {c: metrics[c]["f1"] for c in CLASSES}


def variant_summary(v: Variant) -> dict:
    return {
        "thresholds": {c: v.thresholds[j] for j, c in enumerate(CLASSES)},
        "selectionSplit": v.selection_split,
        "selectionF1": f1_row(v.selection),
        "testF1": f1_row(v.test),
        "test": v.test,
    }


def print_table(v: Variant) -> None:
    print(f"{'class':6} {'thr':>8} {'prec':>7} {'recall':>7} {'f1':>7} {'tp':>4} {'fp':>4} {'fn':>4} {'tn':>5}")
    for j, c in enumerate(CLASSES):
        m = v.test[c]
        print(
            f"{c:6} {v.thresholds[j]:8.4f} {m['precision']:7.3f} {m['recall']:7.3f} {m['f1']:7.3f} "
            f"{m['tp']:4d} {m['fp']:4d} {m['fn']:4d} {m['tn']:5d}"
        )


def print_variants(run: ProtocolRun) -> None:
    for name, v in run.variants.items():
        sel = " ".join(f"{c}={v.selection[c]['f1']:.3f}" for c in CLASSES)
        tst = " ".join(f"{c}={v.test[c]['f1']:.3f}" for c in CLASSES)
        print(f"  {name} {v.selection_split:>10}: {sel}\n  {name} {'test':>10}: {tst}")
    print(f"  shipping rule picks {run.shipped}")


def versions() -> dict[str, str]:
    return {
        "torch": torch.__version__,
        "numpy": np.__version__,
        "sklearn": sklearn.__version__,
        "onnx": onnx.__version__,
    }


def write_repeats(x: np.ndarray, y: np.ndarray, cfg: dict, workers: int) -> None:
    """The whole protocol on other split seeds: how much the held-out figures move with the split."""
    runs = []
    for s in REPEAT_SEEDS:
        r = run_protocol(x, y, s, cfg, workers)
        print(f"split seed {s} ({r.seconds:.0f}s):")
        print_variants(r)
        runs.append(r)
    out: dict = {
        "note": "the same protocol on other split seeds, test-split F1 per variant; none of these models is shipped",
        "seeds": REPEAT_SEEDS,
        "shippingRulePicks": [r.shipped for r in runs],
        "variants": {},
    }
    for name in ("A", "B", "C"):
        out["variants"][name] = {}
        for c in CLASSES:
            f1s = [r.variants[name].test[c]["f1"] for r in runs]
            out["variants"][name][c] = {
                "perSeed": f1s,
                "mean": round(float(np.mean(f1s)), 6),
                "min": round(float(np.min(f1s)), 6),
                "max": round(float(np.max(f1s)), 6),
            }
    out["protocol"] = PROTOCOL
    out["trainConfig"] = cfg
    out["versions"] = versions()
    write_json(OUT_DIR / "repeated-splits.json", out)
    print(f"wrote {(OUT_DIR / 'repeated-splits.json').relative_to(ROOT)}")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--repeats",
        action="store_true",
        help=f"run the protocol on split seeds {REPEAT_SEEDS} and write only repeated-splits.json (slow)",
    )
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1), help="training processes")
    args = parser.parse_args(argv)
    cfg = TRAIN_CONFIG
    rows = read_rows(DATA_PATH)
    x = engineer(rows)
    y = labels(rows)
    if args.repeats:
        write_repeats(x, y, cfg, args.workers)
        return 0

    run = run_protocol(x, y, SEED, cfg, args.workers)
    ship = run.variants[run.shipped]
    tr, test = run.train_idx, run.test_idx
    print(f"seed {SEED}: train={len(tr)} test={len(test)}, {cfg['cv_folds']}-fold CV, bag of {cfg['bag_members']} "
          f"({run.seconds:.0f}s, {args.workers} workers)")
    print_variants(run)
    print(f"shipped: variant {run.shipped}; test-split metrics:")
    print_table(ship)

    OUT_DIR.mkdir(parents=True, exist_ok=True)
    model_path = OUT_DIR / "model.onnx"
    export_onnx(ship.serving, model_path)
    sha = hashlib.sha256(model_path.read_bytes()).hexdigest()
    scaler = ship.fit.scaler

    (OUT_DIR / "features.txt").write_text("\n".join(FEATURES) + "\n", encoding="utf-8")
    (OUT_DIR / "classes.txt").write_text("\n".join(CLASSES) + "\n", encoding="utf-8")
    write_json(
        OUT_DIR / "scaler.json",
        {"features": FEATURES, "mean": [float(v) for v in scaler.mean_], "scale": [float(v) for v in scaler.scale_]},
    )
    write_json(OUT_DIR / "thresholds.json", {c: ship.thresholds[j] for j, c in enumerate(CLASSES)})
    with torch.no_grad():
        kept = {
            m: sorted(
                {FEATURES[f] for member in ship.members for f in range(len(FEATURES)) if member.mask[f, 0, j] > 0},
                key=FEATURES.index,
            )
            for j, m in enumerate(MODES)
        }
    write_json(
        OUT_DIR / "metrics.json",
        {
            "model": MODEL_NAME,
            "modelSha256": sha,
            "metricsSplit": "test",
            "note": "test rows were used neither for training nor for choosing thresholds or the variant",
            "shippedVariant": run.shipped,
            "anyF1": ship.test["ANY"]["f1"],
            "test": ship.test,
            "outOfFold": ship.selection,
            "testErrors": {
                "note": "CSV line numbers (header = line 1) of the test rows the shipped model gets wrong; "
                "model/label_ceiling.py says which of them the readings can decide at all",
                **error_lines(y, ship.probabilities, ship.thresholds, test),
            },
            "thresholdSplit": "outOfFold",
            "protocol": PROTOCOL,
            "variants": {k: variant_summary(v) for k, v in run.variants.items()},
            "featuresPerMode": kept,
            "splitSizes": {"train": len(tr), "test": len(test), "cvFolds": cfg["cv_folds"]},
            "seed": SEED,
            "splitMethod": (
                "sklearn train_test_split (test 20%) stratified on the 6-label combination with combinations of "
                "fewer than 6 rows pooled, random_state=seed; thresholds from sklearn StratifiedKFold(5, shuffle, "
                "random_state=seed) on the train rows (combinations of fewer than 5 rows pooled)"
            ),
            "trainConfig": cfg,
            "data": {"file": "shared/data/ai4i2020-train.csv", "rows": len(rows)},
            "versions": versions(),
        },
    )
    write_json(
        OUT_DIR / "reference.json",
        {
            "model": MODEL_NAME,
            "modelSha256": sha,
            "source": "train split (the rows the scaler and the shipped model were fitted on); unscaled model input "
            "features",
            "binRule": "10 decile bins; bin i holds binEdges[i-1] < x <= binEdges[i], with -inf/+inf outside",
            "features": FEATURES,
            "stats": reference_stats(x[tr], scaler),
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
                    "scaled": [float(v) for v in ship.fit.scaled[i]],
                    "probabilities": [float(v) for v in ship.probabilities[i]],
                }
                for i in golden_idx
            ],
        },
    )
    print(f"wrote {OUT_DIR.relative_to(ROOT)}/ (model.onnx sha256 {sha})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
