"""The network of a scenario: layer sizes, parameter layout, hyperparameters, initialization."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from . import codes
from .datasets import Data
from .errors import ScenarioError
from .tuples import Hyper, Net


@dataclass
class Layout:
    """Where each layer's W, b and units live in the flat arrays (see `kernels`)."""

    sizes: np.ndarray  # [L+1] units per layer, sizes[0] = number of features
    woff: np.ndarray  # [L+1] offset of W_l in theta (index 0 unused)
    boff: np.ndarray  # [L+1] offset of b_l in theta
    uoff: np.ndarray  # [L+1] offset of layer l's units in Z, A, DA, D
    n_params: int
    n_units: int
    goff: np.ndarray  # [L+1] offset of gamma_l (beta_l follows), -1 for layers not normalized
    pend: np.ndarray  # [L+1] end of layer l's parameters

    @classmethod
    def of(cls, sizes: list[int], normalized: bool = False) -> Layout:
        """W_l, b_l (and gamma_l, beta_l of every hidden layer when `normalized`), layer by
        layer; without normalization the layout is the one it always was."""
        L = len(sizes) - 1
        woff = np.zeros(L + 1, dtype=np.int64)
        boff = np.zeros(L + 1, dtype=np.int64)
        uoff = np.zeros(L + 1, dtype=np.int64)
        goff = np.full(L + 1, -1, dtype=np.int64)
        pend = np.zeros(L + 1, dtype=np.int64)
        p = 0
        for layer in range(1, L + 1):
            woff[layer] = p
            p += sizes[layer] * sizes[layer - 1]
            boff[layer] = p
            p += sizes[layer]
            if normalized and layer < L:
                goff[layer] = p
                p += 2 * sizes[layer]
            pend[layer] = p
        u = 0
        for layer in range(L + 1):
            uoff[layer] = u
            u += sizes[layer]
        return cls(np.asarray(sizes, dtype=np.int64), woff, boff, uoff, p, u, goff, pend)

    @property
    def n_layers(self) -> int:
        return len(self.sizes) - 1

    def W(self, theta: np.ndarray, layer: int) -> np.ndarray:
        """View of W_l [sizes[l], sizes[l-1]] inside a flat array."""
        o = int(self.woff[layer])
        rows, cols = int(self.sizes[layer]), int(self.sizes[layer - 1])
        return theta[o : o + rows * cols].reshape(rows, cols)

    def b(self, theta: np.ndarray, layer: int) -> np.ndarray:
        o = int(self.boff[layer])
        return theta[o : o + int(self.sizes[layer])]

    def normalized(self, layer: int) -> bool:
        return bool(self.goff[layer] >= 0)

    def gamma(self, theta: np.ndarray, layer: int) -> np.ndarray:
        o = int(self.goff[layer])
        return theta[o : o + int(self.sizes[layer])]

    def beta(self, theta: np.ndarray, layer: int) -> np.ndarray:
        n = int(self.sizes[layer])
        o = int(self.goff[layer]) + n
        return theta[o : o + n]

    def unit_values(self, v: np.ndarray, layer: int) -> np.ndarray:
        """Layer l's entries of a per-unit [U] (or [k, U]) array."""
        o = int(self.uoff[layer])
        return v[..., o : o + int(self.sizes[layer])]

    def units(self, M: np.ndarray, layer: int) -> np.ndarray:
        """Layer l's units of a unit-major [U, batch] buffer, as [batch, units]."""
        o = int(self.uoff[layer])
        return M[o : o + int(self.sizes[layer])].T

    def net(self) -> Net:
        """The kernels' view of this layout."""
        return Net(
            self.sizes, self.woff, self.boff, self.uoff, self.weight_mask(), self.goff, self.pend
        )

    def weight_mask(self) -> np.ndarray:
        wmask = np.zeros(self.n_params)
        for layer in range(1, self.n_layers + 1):
            self.W(wmask, layer)[:] = 1.0
        return wmask


def resolve_head(scenario: dict, data: Data) -> tuple[str, str, int]:
    """(output activation, loss, output width), with the contract's defaults and checks."""
    out_act = scenario["output_activation"]
    loss = scenario["loss"]
    if out_act is None:
        if data.is_classification:
            out_act = "sigmoid" if data.n_classes == 2 else "softmax"
        else:
            out_act = "linear"
    if loss is None:
        loss = {"sigmoid": "bce", "softmax": "cross_entropy"}.get(out_act, "mse")
        if out_act == "sigmoid" and not data.is_classification:
            loss = "mse"
    if (out_act == "softmax") != (loss == "cross_entropy"):
        if out_act == "softmax":
            raise ScenarioError(("loss",), "softmax output requires loss 'cross_entropy'")
        raise ScenarioError(("loss",), "cross_entropy requires output_activation 'softmax'")
    if loss == "bce" and out_act != "sigmoid":
        raise ScenarioError(("loss",), "bce requires output_activation 'sigmoid'")
    if data.is_classification:
        width = data.n_classes if (out_act == "softmax" or data.n_classes > 2) else 1
    else:
        assert data.targets is not None
        width = int(data.targets.shape[1])
        if loss == "bce" and (np.any(data.targets < 0) or np.any(data.targets > 1)):
            raise ScenarioError(("dataset", "points", "targets"), "bce needs targets in [0, 1]")
    if out_act == "softmax" and width < 2:
        raise ScenarioError(
            ("output_activation",), "softmax needs at least 2 outputs; these targets have 1"
        )
    return out_act, loss, width


def hyper_of(
    settings: dict, hidden_act: str, out_act: str, loss: str, normalization: dict
) -> Hyper:
    """The kernels' `Hyper` for the settings in force (the scenario's fully-defaulted optimizer,
    schedule, regularization, clip, batch size and dropout, with the `set` events so far merged
    in) and the scenario's normalization (fixed for the run)."""
    opt = settings["optimizer"]
    drop = settings["dropout"]
    sched = settings["schedule"]
    reg = settings["regularization"]
    clip = settings["clip"]
    sgd = opt["kind"] == "sgd"
    if sgd and opt["nesterov"] and opt["momentum"] <= 0.0:
        raise ScenarioError(("optimizer", "nesterov"), "nesterov requires momentum > 0")
    return Hyper(
        hidden_act=codes.ACTIVATIONS[hidden_act],
        out_act=codes.ACTIVATIONS[out_act],
        loss=codes.LOSSES[loss],
        opt=codes.OPTIMIZERS[opt["kind"]],
        sched=codes.SCHEDULES[sched["kind"]],
        reg=codes.REGULARIZATIONS[reg["kind"]],
        clip=codes.CLIPS[clip["kind"]],
        nesterov=1 if (sgd and opt["nesterov"]) else 0,
        batch_size=int(settings["batch_size"]),
        lr=float(opt["lr"]),
        momentum=float(opt["momentum"]) if sgd else 0.0,
        alpha=float(opt["alpha"]),
        beta1=float(opt["beta1"]),
        beta2=float(opt["beta2"]),
        eps=float(opt["eps"]),
        weight_decay=float(opt["weight_decay"]),
        reg_rate=float(reg["rate"]) if reg["kind"] != "none" else 0.0,
        clip_threshold=float(clip["threshold"]),
        step_size=float(sched["step_size"]),
        gamma=float(sched["gamma"]),
        total_steps=float(sched["total_steps"]),
        min_lr=float(sched["min_lr"]),
        warmup_steps=float(sched["warmup_steps"]),
        max_lr=float(sched["max_lr"]),
        norm=1 if normalization["kind"] == "batch" else 0,
        bn_momentum=float(normalization["momentum"]),
        bn_eps=float(normalization["eps"]),
        drop_rate=float(drop["rate"]),
        drop_seed=int(drop["seed"]),
    )


def initial_params(init: dict, layout: Layout) -> np.ndarray:
    """theta at step 0: the init scheme with a seeded numpy Generator, or explicit params.

    xavier_uniform U(+-scale sqrt(6/(fan_in+fan_out))), xavier_normal N(0, scale sqrt(2/(fan_in+
    fan_out))), he_uniform U(+-scale sqrt(6/fan_in)), he_normal N(0, scale sqrt(2/fan_in)),
    uniform U(+-scale), normal N(0, scale), zeros. Every bias starts at init.bias; gamma at 1
    and beta at 0 (explicit params may give them for normalized layers).
    """
    theta = np.zeros(layout.n_params)
    for layer in range(1, layout.n_layers + 1):
        if layout.normalized(layer):
            layout.gamma(theta, layer)[:] = 1.0
    explicit = init["params"]
    L = layout.n_layers
    if explicit is not None:
        if len(explicit) != L:
            raise ScenarioError(("init", "params"), f"must have {L} layers, got {len(explicit)}")
        for layer in range(1, L + 1):
            spec = explicit[layer - 1]
            W = np.asarray(spec["W"], dtype=np.float64)
            b = np.asarray(spec["b"], dtype=np.float64)
            want = (int(layout.sizes[layer]), int(layout.sizes[layer - 1]))
            if W.shape != want:
                raise ScenarioError(
                    ("init", "params", layer - 1, "W"), f"must have shape {list(want)}"
                )
            if b.shape != (want[0],):
                raise ScenarioError(
                    ("init", "params", layer - 1, "b"), f"must have {want[0]} values"
                )
            layout.W(theta, layer)[:] = W
            layout.b(theta, layer)[:] = b
            for name in ("gamma", "beta"):
                given = spec.get(name)
                if given is None:
                    continue
                if not layout.normalized(layer):
                    raise ScenarioError(
                        ("init", "params", layer - 1, name),
                        "only for a hidden layer with normalization kind 'batch'",
                    )
                values = np.asarray(given, dtype=np.float64)
                if values.shape != (want[0],):
                    raise ScenarioError(
                        ("init", "params", layer - 1, name), f"must have {want[0]} values"
                    )
                view = layout.gamma(theta, layer) if name == "gamma" else layout.beta(theta, layer)
                view[:] = values
        return theta
    rng = np.random.default_rng(int(init["seed"]))
    scheme = init["scheme"]
    scale = float(init["scale"])
    for layer in range(1, L + 1):
        fan_out, fan_in = int(layout.sizes[layer]), int(layout.sizes[layer - 1])
        shape = (fan_out, fan_in)
        if scheme == "xavier_uniform":
            bound = scale * math.sqrt(6.0 / (fan_in + fan_out))
            W = rng.uniform(-bound, bound, shape)
        elif scheme == "xavier_normal":
            W = rng.normal(0.0, scale * math.sqrt(2.0 / (fan_in + fan_out)), shape)
        elif scheme == "he_uniform":
            bound = scale * math.sqrt(6.0 / fan_in)
            W = rng.uniform(-bound, bound, shape)
        elif scheme == "he_normal":
            W = rng.normal(0.0, scale * math.sqrt(2.0 / fan_in), shape)
        elif scheme == "uniform":
            W = rng.uniform(-scale, scale, shape)
        elif scheme == "normal":
            W = rng.normal(0.0, scale, shape)
        else:
            W = np.zeros(shape)
        layout.W(theta, layer)[:] = W
        layout.b(theta, layer)[:] = float(init["bias"])
    return theta
