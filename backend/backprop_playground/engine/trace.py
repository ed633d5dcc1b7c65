"""Every number of one update (the `/step` trace) and the gradient check, read off the kernels'
work buffers after they made that update."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from . import evaluation
from .state import State, make_work
from .tuples import Data as KernelData

if TYPE_CHECKING:
    from .run import Run

GRADCHECK_H = 1e-6


def trace(run: Run, state: State, trace_samples: int = 32) -> tuple[State, dict[str, Any]]:
    """Update `state.step` -> +1 through the same kernel as `Run.advance`; the update's numbers.

    Returns the new state (events at the new step applied) and the trace as the contract
    describes it: per-sample values for the first `trace_samples` rows of the batch.
    """
    before = state
    after = state.copy()
    work, nb, result = run.run_kernel(after, 1, None, stats=True)
    lay = run.layout
    rows = work.rows[:nb].copy()
    ts = min(trace_samples, nb)
    opt_kind = before.settings["optimizer"]["kind"]
    L = lay.n_layers
    softmax_out = run.out_act == "softmax"
    layers = []
    for layer in range(1, L + 1):
        W = lay.W(before.theta, layer)
        b = lay.b(before.theta, layer)
        W_after = lay.W(after.theta, layer)
        b_after = lay.b(after.theta, layer)
        fprime = None if (layer == L and softmax_out) else lay.units(work.FP, layer)[:ts]
        layers.append(
            {
                "W": W,
                "b": b,
                "z": lay.units(work.Z, layer)[:ts],
                "a": lay.units(work.A, layer)[:ts],
                "dL_da": lay.units(work.DA, layer)[:ts],
                "delta": lay.units(work.D, layer)[:ts],
                "grad_W_data": lay.W(work.GD, layer),
                "grad_W_reg": lay.W(work.GR, layer),
                "grad_W": lay.W(work.G, layer),
                "grad_b_data": lay.b(work.GD, layer),
                "grad_b": lay.b(work.G, layer),
                "W_after": W_after,
                "b_after": b_after,
                "update_W": W_after - W,
                "update_b": b_after - b,
                "trainable_W": lay.W(before.mask, layer) != 0,
                "trainable_b": lay.b(before.mask, layer) != 0,
                "grad_norm": work.layer_stats[0, layer],
                "dead": work.layer_stats[1, layer],
                "saturated": work.layer_stats[2, layer],
                "optimizer_state": optimizer_state(run, after, layer, opt_kind),
                "fprime": fprime,
            }
        )
    body = {
        "lr": result.lr,
        "optimizer": opt_kind,
        "optimizer_step": after.opt_t,
        "batch": {
            "indices": rows,
            "inputs": run.inputs_all[rows],
            "features": run.F[rows],
            "targets": run.Y[rows],
        },
        "loss": {
            "total": result.total,
            "data": result.data,
            "reg": result.reg,
            "per_sample": work.loss_s[:nb].copy(),
        },
        "grad_norm": {
            "before_clip": result.norm_before,
            "after_clip": result.norm_after,
            "clip_scale": result.clip_scale,
        },
        "layers": layers,
    }
    return after, body


def optimizer_state(run: Run, state: State, layer: int, kind: str) -> dict[str, Any]:
    """The optimizer's buffers for layer `layer` after the update, named as torch names them."""
    lay = run.layout
    m1, m2 = state.params.m1, state.params.m2
    if kind == "sgd":
        if state.hyper.momentum == 0.0:
            return {}
        return {"momentum_buffer_W": lay.W(m1, layer), "momentum_buffer_b": lay.b(m1, layer)}
    if kind == "rmsprop":
        return {"square_avg_W": lay.W(m2, layer), "square_avg_b": lay.b(m2, layer)}
    return {
        "step": state.opt_t,
        "exp_avg_W": lay.W(m1, layer),
        "exp_avg_b": lay.b(m1, layer),
        "exp_avg_sq_W": lay.W(m2, layer),
        "exp_avg_sq_b": lay.b(m2, layer),
    }


def gradcheck(run: Run, state: State) -> dict[str, Any]:
    """Analytic gradient of the next batch's total loss (before clipping) against central
    differences with h = 1e-6, for every trainable parameter."""
    probe = state.copy()
    work, nb, _ = run.run_kernel(probe, 1, None)
    analytic = (work.GD + work.GR) * state.mask
    lay = run.layout
    numeric = np.zeros(lay.n_params)
    rows = work.rows[:nb].copy()
    scratch = make_work(lay, nb, 1)
    params = state.copy().params  # probed in place, restored after each probe
    data = KernelData(run.F, run.Y, rows, run.seed)
    evaluation.numeric_gradient(
        params, run.net, state.hyper, data, rows, nb, GRADCHECK_H, scratch, numeric
    )
    trainable = state.mask != 0
    a = analytic[trainable]
    n = numeric[trainable]
    abs_err = np.abs(a - n)
    rel_err = abs_err / np.maximum(np.maximum(np.abs(a), np.abs(n)), 1e-8)
    an = np.where(trainable, analytic, np.nan)
    layers = [
        {
            "grad_W": lay.W(an, layer),
            "numeric_W": lay.W(numeric, layer),
            "grad_b": lay.b(an, layer),
            "numeric_b": lay.b(numeric, layer),
        }
        for layer in range(1, lay.n_layers + 1)
    ]
    return {
        "h": GRADCHECK_H,
        "batch_indices": rows,
        "layers": layers,
        "n_params": int(trainable.sum()),
        "max_abs_error": float(abs_err.max()) if abs_err.size else 0.0,
        "max_rel_error": float(rel_err.max()) if rel_err.size else 0.0,
    }
