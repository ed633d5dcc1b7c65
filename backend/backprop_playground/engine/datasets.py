"""Datasets: seeded generators, explicit points, features, target encodings and the split.

Generated 2-D sets live on the square [-6, 6]^2, as in TensorFlow Playground; their shapes
follow that tool's generators (noise is its "noise" slider divided by 100, so 0..0.5).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .errors import ScenarioError

EXTENT = 6.0
CLASSIFICATION_2D = ("circle", "xor", "gauss", "spiral", "moons")
REGRESSION_2D = ("plane", "multi_gauss")
GATES = {"and": (0, 0, 0, 1), "or": (0, 1, 1, 1), "xor_gate": (0, 1, 1, 0)}

FEATURES = ("x1", "x2", "x1_sq", "x2_sq", "x1_x2", "sin_x1", "sin_x2")


@dataclass
class Data:
    """Rows of a dataset with what training needs of them.

    inputs [n, d] raw inputs; labels [n] class numbers (None for regression);
    targets [n, t] explicit targets (None for classes); train_rows / test_rows index rows.
    """

    inputs: np.ndarray
    labels: np.ndarray | None
    targets: np.ndarray | None
    n_classes: int
    train_rows: np.ndarray
    test_rows: np.ndarray
    extent: tuple[float, float, float, float] = (-EXTENT, EXTENT, -EXTENT, EXTENT)
    extra: dict = field(default_factory=dict)

    @property
    def is_classification(self) -> bool:
        return self.labels is not None


def _circle(rng, n, noise):
    """Inner disc (class 1) and outer ring (class 0); labels from the noisy position (as TF)."""
    radius = 5.0
    half = n // 2
    r = np.concatenate(
        [rng.uniform(0.0, radius * 0.5, half), rng.uniform(radius * 0.7, radius, n - half)]
    )
    angle = rng.uniform(0.0, 2 * np.pi, n)
    x = r * np.sin(angle)
    y = r * np.cos(angle)
    nx = rng.uniform(-radius, radius, n) * noise
    ny = rng.uniform(-radius, radius, n) * noise
    labels = (np.hypot(x + nx, y + ny) < radius * 0.5).astype(np.int64)
    return np.column_stack([x, y]), labels


def _xor(rng, n, noise):
    """Quadrants: class 1 where x1 x2 >= 0 (of the noisy position, as TF)."""
    padding = 0.3
    x = rng.uniform(-5.0, 5.0, n)
    x = x + np.where(x > 0, padding, -padding)
    y = rng.uniform(-5.0, 5.0, n)
    y = y + np.where(y > 0, padding, -padding)
    nx = rng.uniform(-5.0, 5.0, n) * noise
    ny = rng.uniform(-5.0, 5.0, n) * noise
    labels = ((x + nx) * (y + ny) >= 0).astype(np.int64)
    return np.column_stack([x, y]), labels


def _gauss(rng, n, noise):
    variance = 0.5 + 7.0 * noise  # TF: noise 0..0.5 maps to variance 0.5..4
    half = n // 2
    centers = np.array([[2.0, 2.0]] * half + [[-2.0, -2.0]] * (n - half))
    pts = centers + rng.normal(0.0, np.sqrt(variance), (n, 2))
    labels = np.array([1] * half + [0] * (n - half), dtype=np.int64)
    return pts, labels


def _spiral_arms(rng, n, noise, arms):
    pts = []
    labels = []
    per = [n // arms + (1 if a < n % arms else 0) for a in range(arms)]
    for arm, count in enumerate(per):
        i = np.arange(count)
        r = i / max(count, 1) * 5.0
        t = 1.75 * i / max(count, 1) * 2 * np.pi + arm * 2 * np.pi / arms
        x = r * np.sin(t) + rng.uniform(-1.0, 1.0, count) * noise
        y = r * np.cos(t) + rng.uniform(-1.0, 1.0, count) * noise
        pts.append(np.column_stack([x, y]))
        labels.append(np.full(count, arm, dtype=np.int64))
    return np.concatenate(pts), np.concatenate(labels)


def _moons(rng, n, noise):
    half = n // 2
    t1 = rng.uniform(0.0, np.pi, half)
    t2 = rng.uniform(0.0, np.pi, n - half)
    upper = np.column_stack([np.cos(t1), np.sin(t1)])
    lower = np.column_stack([1.0 - np.cos(t2), 0.5 - np.sin(t2)])
    pts = np.concatenate([upper, lower])
    pts = (pts - np.array([0.5, 0.25])) * 3.2
    pts = pts + rng.normal(0.0, 1.0, (n, 2)) * noise * 2.0
    labels = np.array([1] * half + [0] * (n - half), dtype=np.int64)
    return pts, labels


def _plane(rng, n, noise):
    x = rng.uniform(-EXTENT, EXTENT, n)
    y = rng.uniform(-EXTENT, EXTENT, n)
    nx = rng.uniform(-EXTENT, EXTENT, n) * noise
    ny = rng.uniform(-EXTENT, EXTENT, n) * noise
    target = (x + nx + y + ny) / 10.0  # TF's label scale: [-10, 10] -> [-1, 1]
    return np.column_stack([x, y]), target[:, None]


def _multi_gauss(rng, n, noise):
    gaussians = np.array(
        [[-4, 2.5, 1], [0, 2.5, -1], [4, 2.5, 1], [-4, -2.5, -1], [0, -2.5, 1], [4, -2.5, -1]],
        dtype=float,
    )
    x = rng.uniform(-EXTENT, EXTENT, n)
    y = rng.uniform(-EXTENT, EXTENT, n)
    nx = rng.uniform(-EXTENT, EXTENT, n) * noise
    ny = rng.uniform(-EXTENT, EXTENT, n) * noise
    px, py = x + nx, y + ny
    d = np.hypot(px[:, None] - gaussians[None, :, 0], py[:, None] - gaussians[None, :, 1])
    contrib = gaussians[None, :, 2] * np.clip(1.0 - d / 2.0, 0.0, 1.0)
    # TF Playground keeps the contribution of largest magnitude
    idx = np.argmax(np.abs(contrib), axis=1)
    target = contrib[np.arange(n), idx]
    return np.column_stack([x, y]), target[:, None]


def generate(kind: str, n: int, noise: float, seed: int) -> tuple[np.ndarray, np.ndarray, bool]:
    """(inputs [n, 2], labels [n] or targets [n, 1], is_classification) for a generated kind."""
    rng = np.random.default_rng(seed)
    if kind in GATES:
        pts = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
        return pts, np.array(GATES[kind], dtype=np.int64), True
    makers = {
        "circle": _circle,
        "xor": _xor,
        "gauss": _gauss,
        "spiral": lambda r, m, z: _spiral_arms(r, m, z, 2),
        "spiral3": lambda r, m, z: _spiral_arms(r, m, z, 3),
        "moons": _moons,
        "plane": _plane,
        "multi_gauss": _multi_gauss,
    }
    pts, y = makers[kind](rng, n, noise)
    return pts, y, kind not in REGRESSION_2D


def split(n: int, train_fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A seeded shuffle of the rows; the first round(fraction * n) (at least 1) train."""
    order = np.random.default_rng([seed, 0x5B1]).permutation(n)
    n_train = min(n, max(1, int(round(train_fraction * n))))
    return np.sort(order[:n_train]), np.sort(order[n_train:])


def build(dataset: dict) -> Data:
    """Data for the scenario's `dataset` field (already validated for types and bounds)."""
    kind = dataset["kind"]
    seed = int(dataset["seed"])
    frac = float(dataset["train_fraction"])
    if kind == "points":
        pts = dataset["points"]
        inputs = np.asarray(pts["inputs"], dtype=np.float64)
        if inputs.ndim != 2 or inputs.shape[0] == 0 or inputs.shape[1] == 0:
            raise ScenarioError(
                ("dataset", "points", "inputs"), "must be a non-empty list of equal-length rows"
            )
        labels = pts["labels"]
        targets = pts["targets"]
        if (labels is None) == (targets is None):
            raise ScenarioError(("dataset", "points"), "give exactly one of labels or targets")
        n = inputs.shape[0]
        lab = tgt = None
        n_classes = 0
        if labels is not None:
            lab = np.asarray(labels, dtype=np.int64)
            if lab.shape != (n,):
                raise ScenarioError(
                    ("dataset", "points", "labels"), f"must have one label per input row ({n})"
                )
            n_classes = max(2, int(lab.max()) + 1)
        else:
            tgt = np.asarray(targets, dtype=np.float64)
            if tgt.ndim != 2 or tgt.shape[0] != n or tgt.shape[1] == 0:
                raise ScenarioError(
                    ("dataset", "points", "targets"),
                    f"must have one non-empty, equal-length row per input row ({n})",
                )
        train, test = split(n, frac, seed)
        extent = (-EXTENT, EXTENT, -EXTENT, EXTENT)
        if inputs.shape[1] == 2:
            lo = inputs.min(axis=0)
            hi = inputs.max(axis=0)
            margin = np.maximum((hi - lo) * 0.1, 0.5)
            extent = (
                float(lo[0] - margin[0]),
                float(hi[0] + margin[0]),
                float(lo[1] - margin[1]),
                float(hi[1] + margin[1]),
            )
        return Data(inputs, lab, tgt, n_classes, train, test, extent=extent)
    n = int(dataset["n_samples"])
    pts, y, is_class = generate(kind, n, float(dataset["noise"]), seed)
    n = pts.shape[0]
    train, test = split(n, frac, seed)
    extent = (-0.5, 1.5, -0.5, 1.5) if kind in GATES else (-EXTENT, EXTENT, -EXTENT, EXTENT)
    if is_class:
        n_classes = int(y.max()) + 1 if y.size else 2
        return Data(pts, y, None, max(n_classes, 2), train, test, extent=extent)
    return Data(pts, None, y, 0, train, test, extent=extent)


def feature_matrix(inputs: np.ndarray, features: list[str] | None) -> np.ndarray:
    """a_0 for every row: the named features of (x1, x2) for 2-D data, else the raw inputs."""
    if inputs.shape[1] != 2 or not features:
        return np.ascontiguousarray(inputs, dtype=np.float64)
    x1 = inputs[:, 0]
    x2 = inputs[:, 1]
    table = {
        "x1": lambda: x1,
        "x2": lambda: x2,
        "x1_sq": lambda: x1 * x1,
        "x2_sq": lambda: x2 * x2,
        "x1_x2": lambda: x1 * x2,
        "sin_x1": lambda: np.sin(x1),
        "sin_x2": lambda: np.sin(x2),
    }
    return np.ascontiguousarray(np.column_stack([table[f]() for f in features]), dtype=np.float64)


def feature_names(n_inputs: int, features: list[str] | None) -> list[str]:
    if n_inputs == 2 and features:
        return list(features)
    return [f"x{i + 1}" for i in range(n_inputs)]


def encode(labels: np.ndarray, output_activation: str, width: int) -> np.ndarray:
    """Targets for class labels: 0/1 (sigmoid), -1/+1 (tanh, linear), one-hot (several outputs)."""
    lo = -1.0 if output_activation in ("tanh", "linear") else 0.0
    if width == 1:
        return np.where(labels[:, None] >= 1, 1.0, lo).astype(np.float64)
    y = np.full((labels.shape[0], width), lo)
    y[np.arange(labels.shape[0]), labels] = 1.0
    return y
