"""Reference training maths: plain Python loops over floats, straight from shared/API.md.

Deliberately slow and literal, so that a reader can check each line against the
contract's "Loss, exactly", "Update, exactly" and schedule formulas. It shares no code
with the engine (no numpy either): agreement between the two is evidence that both
implement the contract, not that they share a mistake.

Conventions (the contract's): layer l has ``W[j][i]`` (units_l x units_{l-1}) and
``b[j]``; ``z = W a_prev + b``, ``a = f(z)``; ``a_0`` is the feature vector.
A scenario is the same plain dict that is posted to the API; only ``dataset.kind ==
"points"`` with explicit ``init.params`` is supported, since that fixes the data and the
initial state exactly.
"""

from __future__ import annotations

import copy
import math
from typing import Any

LEAKY_SLOPE = 0.01
NORM_CLIP_EPS = 1e-6  # torch.nn.utils.clip_grad_norm_ adds this to the norm

OPTIMIZER_DEFAULTS = {
    "kind": "sgd",
    "lr": 0.03,
    "momentum": 0.0,
    "nesterov": False,
    "alpha": 0.99,
    "beta1": 0.9,
    "beta2": 0.999,
    "eps": 1e-8,
    "weight_decay": 0.0,
}


# ---------------------------------------------------------------- activations


def sigmoid(z: float) -> float:
    """σ(z) = 1 / (1 + e^−z), evaluated without overflow for either sign of z."""
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def activate(name: str, z: float) -> float:
    """a = f(z) for one unit (not softmax, which needs the whole layer)."""
    if name == "sigmoid":
        return sigmoid(z)
    if name == "tanh":
        return math.tanh(z)
    if name == "relu":
        return z if z > 0 else 0.0
    if name == "leaky_relu":
        return z if z > 0 else LEAKY_SLOPE * z
    if name == "linear":
        return z
    raise ValueError(f"unknown activation {name!r}")


def activate_prime(name: str, z: float, a: float) -> float:
    """f'(z) for one unit; at the kinks as PyTorch: relu'(0) = 0, leaky_relu'(0) = 0.01."""
    if name == "sigmoid":
        return a * (1.0 - a)
    if name == "tanh":
        return 1.0 - a * a
    if name == "relu":
        return 1.0 if z > 0 else 0.0
    if name == "leaky_relu":
        return 1.0 if z > 0 else LEAKY_SLOPE
    if name == "linear":
        return 1.0
    raise ValueError(f"unknown activation {name!r}")


def softmax(zs: list[float]) -> list[float]:
    """ŷ_k = e^{z_k} / Σ_m e^{z_m}, shifted by max z so that nothing overflows."""
    top = max(zs)
    exps = [math.exp(z - top) for z in zs]
    total = sum(exps)
    return [e / total for e in exps]


def log_sum_exp(zs: list[float]) -> float:
    top = max(zs)
    return top + math.log(sum(math.exp(z - top) for z in zs))


# ---------------------------------------------------------------- data


def feature_vector(raw: list[float], features: list[str] | None) -> list[float]:
    """a_0 for one row: the named features for 2-column data, the raw row otherwise."""
    if len(raw) != 2 or not features:
        return [float(x) for x in raw]
    x1, x2 = float(raw[0]), float(raw[1])
    table = {
        "x1": x1,
        "x2": x2,
        "x1_sq": x1 * x1,
        "x2_sq": x2 * x2,
        "x1_x2": x1 * x2,
        "sin_x1": math.sin(x1),
        "sin_x2": math.sin(x2),
    }
    return [table[name] for name in features]


def encode_label(label: int, output_activation: str, n_classes: int) -> list[float]:
    """Classes for the head: 0/1 for sigmoid, −1/+1 for tanh, one-hot for softmax."""
    if output_activation == "sigmoid":
        return [float(label)]
    if output_activation == "tanh":
        return [2.0 * label - 1.0]
    if output_activation == "softmax":
        return [1.0 if k == label else 0.0 for k in range(n_classes)]
    raise ValueError(f"no class encoding for {output_activation!r}")


# ---------------------------------------------------------------- schedules


def scheduled_lr(base_lr: float, schedule: dict[str, Any], k: int) -> float:
    """lr_k for update k (k = 0 first), the contract's own formulas."""
    kind = schedule.get("kind", "constant")
    if kind == "constant":
        return base_lr
    if kind == "step":
        return base_lr * schedule["gamma"] ** (k // schedule["step_size"])
    if kind == "exponential":
        return base_lr * schedule["gamma"] ** k
    if kind == "cosine":
        total, min_lr = schedule["total_steps"], schedule["min_lr"]
        progress = min(k, total) / total
        return min_lr + (base_lr - min_lr) * (1.0 + math.cos(math.pi * progress)) / 2.0
    if kind == "warmup":
        warm = schedule["warmup_steps"]
        return base_lr * (k + 1) / warm if k < warm else base_lr
    if kind == "cyclic":
        size, max_lr = schedule["step_size"], schedule["max_lr"]
        c = math.floor(1 + k / (2 * size))
        x = abs(k / size - 2 * c + 1)
        return base_lr + (max_lr - base_lr) * max(0.0, 1.0 - x)
    raise ValueError(f"unknown schedule {kind!r}")


# ---------------------------------------------------------------- the network


class ReferenceNet:
    """State after k updates of one scenario, advanced one update at a time by ``step``."""

    def __init__(self, scenario: dict[str, Any]) -> None:
        points = scenario["dataset"]["points"]
        self.hidden_activation = scenario.get("activation", "tanh")
        self.output_activation = scenario["output_activation"]
        self.loss_kind = scenario["loss"]
        self.train_biases = scenario.get("train_biases", True)
        self.optimizer = {**OPTIMIZER_DEFAULTS, **scenario.get("optimizer", {})}
        self.schedule = scenario.get("schedule", {"kind": "constant"})
        self.regularization = scenario.get("regularization", {"kind": "none", "rate": 0.0})
        self.clip = scenario.get("clip", {"kind": "none", "threshold": 1.0})

        features = scenario.get("features")
        self.inputs = [list(map(float, row)) for row in points["inputs"]]
        self.features = [feature_vector(row, features) for row in self.inputs]
        self.labels = points.get("labels")
        if self.labels is not None:
            n_classes = max(points["labels"]) + 1
            self.targets = [
                encode_label(lab, self.output_activation, n_classes) for lab in points["labels"]
            ]
        else:
            self.targets = [list(map(float, row)) for row in points["targets"]]

        # Fresh lists of floats: no row may alias another (deepcopy would keep aliasing).
        self.params = [
            {"W": [[float(w) for w in row] for row in p["W"]], "b": [float(x) for x in p["b"]]}
            for p in scenario["init"]["params"]
        ]
        self.k = 0
        # Optimizer state, one entry per scalar parameter, keyed (layer, "W"/"b", j, i).
        self.buffers: dict[tuple, float] = {}
        self.first_moment: dict[tuple, float] = {}
        self.second_moment: dict[tuple, float] = {}

    # ------------------------------------------------------------ forward and loss

    @property
    def n_layers(self) -> int:
        return len(self.params)

    def forward(self, a0: list[float]) -> tuple[list[list[float]], list[list[float]]]:
        """zs[l], acts[l] for layers l = 0..L−1 (the contract's layers 1..L)."""
        zs, acts = [], []
        a_prev = a0
        for l, layer in enumerate(self.params):
            W, b = layer["W"], layer["b"]
            z = []
            for j in range(len(W)):
                total = b[j]
                for i in range(len(a_prev)):
                    total += W[j][i] * a_prev[i]
                z.append(total)
            if l < self.n_layers - 1:
                a = [activate(self.hidden_activation, zj) for zj in z]
            elif self.output_activation == "softmax":
                a = softmax(z)
            else:
                a = [activate(self.output_activation, zj) for zj in z]
            zs.append(z)
            acts.append(a)
            a_prev = a
        return zs, acts

    def sample_loss(self, z: list[float], y_hat: list[float], y: list[float]) -> float:
        """ℓ_i for one sample, with K = len(y) outputs."""
        K = len(y)
        if self.loss_kind == "half_sse":
            return 0.5 * sum((y_hat[k] - y[k]) ** 2 for k in range(K))
        if self.loss_kind == "mse":
            return sum((y_hat[k] - y[k]) ** 2 for k in range(K)) / K
        if self.loss_kind == "bce":
            # −[y log σ(z) + (1−y) log(1−σ(z))] = max(z, 0) − z·y + log(1 + e^−|z|)
            total = 0.0
            for k in range(K):
                total += max(z[k], 0.0) - z[k] * y[k] + math.log1p(math.exp(-abs(z[k])))
            return total / K
        if self.loss_kind == "cross_entropy":
            # −Σ y_k log softmax(z)_k = Σ y_k (logsumexp(z) − z_k)
            lse = log_sum_exp(z)
            return sum(y[k] * (lse - z[k]) for k in range(K))
        raise ValueError(f"unknown loss {self.loss_kind!r}")

    @property
    def fused_head(self) -> bool:
        return (self.output_activation, self.loss_kind) in {
            ("sigmoid", "bce"),
            ("softmax", "cross_entropy"),
        }

    def output_dL_da(self, y_hat: list[float], y: list[float]) -> list[float] | None:
        """∂ℓ_i/∂ŷ for the losses that are not fused with their head (None for fused)."""
        K = len(y)
        if self.loss_kind == "half_sse":
            return [y_hat[k] - y[k] for k in range(K)]
        if self.loss_kind == "mse":
            return [2.0 * (y_hat[k] - y[k]) / K for k in range(K)]
        return None

    def output_delta(self, z: list[float], y_hat: list[float], y: list[float]) -> list[float]:
        """δ = ∂ℓ_i/∂z of the output layer."""
        K = len(y)
        if self.output_activation == "sigmoid" and self.loss_kind == "bce":
            return [(y_hat[k] - y[k]) / K for k in range(K)]
        if self.output_activation == "softmax" and self.loss_kind == "cross_entropy":
            return [y_hat[k] - y[k] for k in range(K)]
        dL_da = self.output_dL_da(y_hat, y)
        assert dL_da is not None
        return [dL_da[k] * activate_prime(self.output_activation, z[k], y_hat[k]) for k in range(K)]

    def reg_loss(self) -> float:
        """rate·Σ|w| (l1) or rate·½·Σw² (l2) over every weight matrix, never biases."""
        kind, rate = self.regularization.get("kind", "none"), self.regularization.get("rate", 0)
        total = 0.0
        for layer in self.params:
            for row in layer["W"]:
                for w in row:
                    if kind == "l1":
                        total += abs(w)
                    elif kind == "l2":
                        total += 0.5 * w * w
        return rate * total if kind in ("l1", "l2") else 0.0

    def reg_grad(self, w: float) -> float:
        kind, rate = self.regularization.get("kind", "none"), self.regularization.get("rate", 0)
        if kind == "l1":
            sign = 1.0 if w > 0 else (-1.0 if w < 0 else 0.0)  # subgradient 0 at 0
            return rate * sign
        if kind == "l2":
            return rate * w
        return 0.0

    def data_loss(self, rows: list[int]) -> float:
        """Mean of ℓ_i over the given rows."""
        total = 0.0
        for r in rows:
            zs, acts = self.forward(self.features[r])
            total += self.sample_loss(zs[-1], acts[-1], self.targets[r])
        return total / len(rows)

    def total_loss(self, rows: list[int]) -> float:
        return self.data_loss(rows) + self.reg_loss()

    def accuracy(self, rows: list[int]) -> float:
        """Fraction of rows whose predicted class is the label (class data only): ŷ > 0.5
        for sigmoid, ŷ > 0 for tanh, the largest output for softmax."""
        assert self.labels is not None
        right = 0
        for r in rows:
            _, acts = self.forward(self.features[r])
            y_hat = acts[-1]
            if self.output_activation == "sigmoid":
                predicted = int(y_hat[0] > 0.5)
            elif self.output_activation == "tanh":
                predicted = int(y_hat[0] > 0.0)
            else:
                predicted = max(range(len(y_hat)), key=lambda k: y_hat[k])
            right += predicted == self.labels[r]
        return right / len(rows)

    # ------------------------------------------------------------ one update

    def lr_at(self, k: int) -> float:
        return scheduled_lr(self.optimizer["lr"], self.schedule, k)

    def backward_sample(self, r: int) -> dict[str, Any]:
        """Forward and backward pass for row r: z, a, dL/da and δ = ∂ℓ_r/∂z per layer.

        Output layer: δ from the loss (fused for sigmoid+bce and softmax+cross-entropy).
        Hidden layer l: dL/da_l = W_{l+1}ᵀ δ_{l+1}, δ_l = dL/da_l · f'(z_l).
        """
        L = self.n_layers
        y = self.targets[r]
        zs, acts = self.forward(self.features[r])
        dL_da: list[list[float] | None] = [None] * L
        deltas: list[list[float]] = [[] for _ in range(L)]
        dL_da[L - 1] = None if self.fused_head else self.output_dL_da(acts[-1], y)
        deltas[L - 1] = self.output_delta(zs[-1], acts[-1], y)
        for l in range(L - 2, -1, -1):
            W_next = self.params[l + 1]["W"]
            da = []
            for j in range(len(zs[l])):
                total = 0.0
                for jn in range(len(W_next)):
                    total += W_next[jn][j] * deltas[l + 1][jn]
                da.append(total)
            dL_da[l] = da
            deltas[l] = [
                da[j] * activate_prime(self.hidden_activation, zs[l][j], acts[l][j])
                for j in range(len(da))
            ]
        return {
            "loss": self.sample_loss(zs[-1], acts[-1], y),
            "z": zs,
            "a": acts,
            "dL_da": dL_da,
            "delta": deltas,
        }

    def layer_gradients(self, l: int, deltas: list[list[float]], a_prev: list[list[float]]):
        """Batch means over samples s: grad_W_data[j][i] = mean δ_j·a_prev_i, grad_b = mean δ_j;
        grad_W_reg from the weights; grad_W = grad_W_data + grad_W_reg (before clipping)."""
        W = self.params[l]["W"]
        n, units, fan_in = len(deltas), len(W), len(W[0])
        gW_data = [[0.0] * fan_in for _ in range(units)]
        gb = [0.0] * units
        for s in range(n):
            for j in range(units):
                gb[j] += deltas[s][j]
                for i in range(fan_in):
                    gW_data[j][i] += deltas[s][j] * a_prev[s][i]
        gW_data = [[g / n for g in row] for row in gW_data]
        gb = [g / n for g in gb]
        gW_reg = [[self.reg_grad(W[j][i]) for i in range(fan_in)] for j in range(units)]
        return {
            "grad_W_data": gW_data,
            "grad_W_reg": gW_reg,
            "grad_W": [[gW_data[j][i] + gW_reg[j][i] for i in range(fan_in)] for j in range(units)],
            "grad_b_data": gb,
            "grad_b": list(gb) if self.train_biases else None,
        }

    def trainable_grads(self, layers: list[dict[str, Any]]) -> list[float]:
        out = []
        for layer in layers:
            for row in layer["grad_W"]:
                out.extend(row)
            if self.train_biases:
                out.extend(layer["grad_b"])
        return out

    def clip_grads(self, layers: list[dict[str, Any]]) -> None:
        """norm: g·min(1, threshold/(‖g‖₂ + 1e-6)) over all trainable params; value: clamp."""
        kind, threshold = self.clip.get("kind", "none"), self.clip.get("threshold", 1.0)
        if kind == "norm":
            norm = math.sqrt(sum(g * g for g in self.trainable_grads(layers)))
            scale = min(1.0, threshold / (norm + NORM_CLIP_EPS))
            self._map_grads(layers, lambda g: g * scale)
        elif kind == "value":
            self._map_grads(layers, lambda g: min(max(g, -threshold), threshold))

    def step(self, rows: list[int]) -> dict[str, Any]:
        """Apply update k → k+1 on the batch ``rows`` and return its trace (contract's shape).

        Trace entries the contract leaves unspecified (the output layer's dL_da for a fused
        head, grad_b of a fixed bias) are None.
        """
        samples = [self.backward_sample(r) for r in rows]
        per_sample = [s["loss"] for s in samples]
        layers: list[dict[str, Any]] = []
        for l, p in enumerate(self.params):
            a_prev = [
                self.features[r] if l == 0 else s["a"][l - 1]
                for r, s in zip(rows, samples, strict=True)
            ]
            deltas = [s["delta"][l] for s in samples]
            dL_da = [s["dL_da"][l] for s in samples]
            layer = {
                "W": copy.deepcopy(p["W"]),
                "b": list(p["b"]),
                "z": [s["z"][l] for s in samples],
                "a": [s["a"][l] for s in samples],
                "dL_da": None if dL_da[0] is None else dL_da,
                "delta": deltas,
                **self.layer_gradients(l, deltas, a_prev),
            }
            own = [g for row in layer["grad_W"] for g in row] + (layer["grad_b"] or [])
            layer["grad_norm"] = math.sqrt(sum(g * g for g in own))  # the layer's, before clip
            layers.append(layer)
        reg = self.reg_loss()  # of the weights before the update
        norm_before = math.sqrt(sum(g * g for g in self.trainable_grads(layers)))
        self.clip_grads(layers)
        norm_after = math.sqrt(sum(g * g for g in self.trainable_grads(layers)))

        # The optimizer.
        lr = self.lr_at(self.k)
        for l, layer in enumerate(layers):
            W, b = self.params[l]["W"], self.params[l]["b"]
            for j in range(len(W)):
                for i in range(len(W[j])):
                    W[j][i] = self._update(
                        (l, "W", j, i), W[j][i], layer["grad_W"][j][i], lr, is_weight=True
                    )
                if self.train_biases:
                    b[j] = self._update((l, "b", j), b[j], layer["grad_b"][j], lr, is_weight=False)
            layer["W_after"] = copy.deepcopy(W)
            layer["b_after"] = list(b)
            layer["update_W"] = [
                [W[j][i] - layer["W"][j][i] for i in range(len(W[j]))] for j in range(len(W))
            ]
            layer["update_b"] = [b[j] - layer["b"][j] for j in range(len(b))]

        data = sum(per_sample) / len(rows)
        self.k += 1
        return {
            "lr": lr,
            "batch": {
                "indices": list(rows),
                "inputs": [self.inputs[r] for r in rows],
                "features": [self.features[r] for r in rows],
                "targets": [self.targets[r] for r in rows],
            },
            "loss": {"total": data + reg, "data": data, "reg": reg, "per_sample": per_sample},
            "grad_norm": {"before_clip": norm_before, "after_clip": norm_after},
            "layers": layers,
        }

    def _map_grads(self, layers: list[dict[str, Any]], fn: Any) -> None:
        for layer in layers:
            layer["grad_W"] = [[fn(g) for g in row] for row in layer["grad_W"]]
            if self.train_biases:
                layer["grad_b"] = [fn(g) for g in layer["grad_b"]]

    def _update(self, key: tuple, theta: float, g: float, lr: float, *, is_weight: bool) -> float:
        """θ after one optimizer update, the contract's (torch.optim's) rules, t = k + 1."""
        opt = self.optimizer
        kind = opt["kind"]
        if kind == "sgd":
            mu = opt["momentum"]
            if mu == 0:
                d = g
            else:
                if key in self.buffers:
                    self.buffers[key] = mu * self.buffers[key] + g
                else:
                    self.buffers[key] = g  # the buffer starts as g, no dampening
                buf = self.buffers[key]
                d = g + mu * buf if opt["nesterov"] else buf
            return theta - lr * d
        if kind == "rmsprop":
            alpha = opt["alpha"]
            v = alpha * self.second_moment.get(key, 0.0) + (1.0 - alpha) * g * g
            self.second_moment[key] = v
            return theta - lr * g / (math.sqrt(v) + opt["eps"])
        if kind in ("adam", "adamw"):
            if kind == "adamw" and is_weight:
                theta = theta - lr * opt["weight_decay"] * theta
            b1, b2, t = opt["beta1"], opt["beta2"], self.k + 1
            m = b1 * self.first_moment.get(key, 0.0) + (1.0 - b1) * g
            v = b2 * self.second_moment.get(key, 0.0) + (1.0 - b2) * g * g
            self.first_moment[key], self.second_moment[key] = m, v
            m_hat = m / (1.0 - b1**t)
            v_hat = v / (1.0 - b2**t)
            return theta - lr * m_hat / (math.sqrt(v_hat) + opt["eps"])
        raise ValueError(f"unknown optimizer {kind!r}")
