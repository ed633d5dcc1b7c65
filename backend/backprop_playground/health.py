"""Training health: whether a run is going wrong, said in plain words with one thing to try.

A pure function of numbers an answer already carries (the state's whole-set loss, the loss at
step 0, the per-layer statistics of the updates the answer covers), so it is as deterministic as
the rest of the answer. It judges:
- divergence (a non-finite loss or parameter);
- the loss far above where it started (ten times, or more);
- a hidden layer whose units are all dead (ReLU family: output 0 for every training row) or
  all saturated (sigmoid, tanh: |f'(z)| < 0.01 for every training row);
- gradients vanishing towards the input (the first layer's gradient norm under 1/200 of the
  output layer's) or exploding (over 1000 times).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

MOSTLY = 0.8  # a layer is dead or saturated when it is so in this share of the latest updates
RISE = 10.0  # the loss is "far above" where it started at this many times
VANISH = 5e-3
EXPLODE = 1e3
SAFE_LR = 0.03


def _lower_lr(lr: float | None) -> str:
    if lr is None or not math.isfinite(lr) or lr <= 0:
        return "a lower learning rate"
    target = SAFE_LR if lr > SAFE_LR else lr / 10
    return f"a learning rate of {target:g} (now {lr:g})"


def _layer_name(layer: int, n_layers: int) -> str:
    return "the output layer" if layer == n_layers else f"hidden layer {layer}"


def _mostly(fractions) -> bool:
    """Whether the layer had all its units affected in most of the latest updates."""
    flags = [f is not None and f >= 1.0 for f in fractions]
    return bool(flags) and sum(flags) >= MOSTLY * len(flags)


def _finite(x: Any) -> bool:
    return isinstance(x, int | float) and math.isfinite(x)


def judge(
    *,
    n_layers: int,
    hidden_act: str,
    lr: float | None,
    diverged_at: int | None,
    start_loss: float | None,
    loss: float | None,
    grad_norms: Sequence[Sequence[float]],
    dead: Sequence[Sequence[float]],
    saturated: Sequence[Sequence[float]],
) -> dict[str, Any]:
    """The `health` of an answer.

    `grad_norms` [n][L]: the per-layer gradient norms of the latest n updates the answer
    covers; `dead` and `saturated` [m][L - 1]: fractions of each hidden layer's units (a layer
    counts as dead or saturated when all its units are so in at least 80% of the m rows given);
    `start_loss` and `loss` the whole-set train loss at step 0 and now.
    Returns {"status": "ok" | "warning" | "diverged", "warnings": [{kind, layer, message,
    cause, suggestion}]}.
    """
    warnings: list[dict[str, Any]] = []

    def warn(kind: str, layer: int | None, message: str, cause: str, suggestion: str) -> None:
        warnings.append(
            {
                "kind": kind,
                "layer": layer,
                "message": message,
                "cause": cause,
                "suggestion": suggestion,
            }
        )

    if diverged_at is not None:
        warn(
            "diverged",
            None,
            f"Training blew up at step {diverged_at}: the loss or a weight stopped being a "
            "finite number.",
            "The updates grew without bound, usually because the learning rate is too high.",
            f"Try {_lower_lr(lr)}, or clip the gradients.",
        )
        return {"status": "diverged", "warnings": warnings}

    if _finite(start_loss) and _finite(loss) and start_loss and loss > RISE * start_loss:
        warn(
            "loss_rising",
            None,
            f"The loss is {loss:.3g}, far above where it started ({start_loss:.3g}).",
            "Each update overshoots: the learning rate is too high for this network.",
            f"Try {_lower_lr(lr)}.",
        )

    act = "tanh" if hidden_act == "tanh" else "sigmoid"
    layer_problems = (
        (
            "dead_layer",
            dead,
            "is dead: each outputs 0 for every training sample, so no gradient flows back "
            "through it and it cannot recover.",
            "Large updates pushed every unit's z below 0 (ReLU's slope there is 0).",
            "leaky ReLU, or He initialization",
        ),
        (
            "saturated_layer",
            saturated,
            f"is saturated: {act}'(z) < 0.01 for every training sample, so gradients through "
            "it shrink a hundredfold.",
            "Its weights grew large, so every z sits on the flat ends of the curve.",
            "Xavier initialization, or ReLU units",
        ),
    )
    for kind, rows, what, cause, also in layer_problems:
        for j in range(len(rows[0]) if rows else 0):
            if _mostly(row[j] for row in rows):
                layer = j + 1
                warn(
                    kind,
                    layer,
                    f"Every unit of hidden layer {layer} {what}",
                    cause,
                    f"Try {_lower_lr(lr)}, {also}.",
                )

    if grad_norms and n_layers >= 3:
        ratios = sorted(
            row[0] / row[-1]
            for row in grad_norms
            if _finite(row[0]) and _finite(row[-1]) and row[-1] > 0
        )
        if ratios:
            ratio = ratios[len(ratios) // 2]  # the median of the latest updates
            if ratio < VANISH and not any(w["kind"] == "dead_layer" for w in warnings):
                warn(
                    "vanishing_gradients",
                    1,
                    f"Gradients vanish towards the input: layer 1's is {ratio:.1e} of "
                    f"{_layer_name(n_layers, n_layers)}'s, so the first layers barely learn.",
                    f"Each {hidden_act} layer multiplies the error signal δ by f'(z) < 1 on "
                    "its way back.",
                    "Try ReLU units with He initialization, or fewer layers.",
                )
            elif ratio > EXPLODE:
                warn(
                    "exploding_gradients",
                    1,
                    f"Gradients explode towards the input: layer 1's is {ratio:.1e} times "
                    f"{_layer_name(n_layers, n_layers)}'s.",
                    "Large weights multiply the error signal δ on its way back.",
                    f"Try {_lower_lr(lr)} or gradient clipping.",
                )
    return {"status": "warning" if warnings else "ok", "warnings": warnings}
