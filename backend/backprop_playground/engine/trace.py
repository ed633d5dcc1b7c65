"""Every number of one update (the `/step` trace) and the gradient check, read off the kernels'
work buffers after they made that update."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from . import evaluation
from .state import State
from .tuples import Data as KernelData
from .tuples import Work

if TYPE_CHECKING:
    from .run import Run

GRADCHECK_H = 1e-6


def trace(run: Run, state: State, trace_samples: int = 32) -> tuple[State, dict[str, Any]]:
    """Update `state.step` -> +1 through the same kernel as `Run.advance`; the update's numbers.

    Returns the new state (events at the new step applied) and the trace as the contract
    describes it: per-sample values for the first `trace_samples` rows of the batch. A hidden
    layer with normalization has a `bn` object, one with dropout a `dropout_mask`; with
    normalization anywhere, the per-sample backward values are B times the derivatives of the
    batch loss (see `kernels.hidden_backward`).
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
    dropout = before.hyper.drop_rate > 0.0
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
                "bn": _bn(run, before, after, work, layer, ts) if lay.normalized(layer) else None,
                "dropout_mask": lay.units(work.MK, layer)[:ts] if dropout and layer < L else None,
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


def _bn(run: Run, before: State, after: State, work: Work, layer: int, ts: int) -> dict:
    """A normalized layer's numbers: per unit, the batch statistics, gamma and beta before and
    after with their gradients (the ones the optimizer used), the running statistics after the
    update and the backward pass's two batch means; per sample, x_hat, y and delta_y."""
    lay = run.layout
    stats = lay.unit_values(work.bn_stats, layer)
    return {
        "mean": stats[0],
        "var": stats[1],
        "inv_std": stats[2],
        "gamma": lay.gamma(before.theta, layer),
        "beta": lay.beta(before.theta, layer),
        "grad_gamma": lay.gamma(work.G, layer),
        "grad_beta": lay.beta(work.G, layer),
        "gamma_after": lay.gamma(after.theta, layer),
        "beta_after": lay.beta(after.theta, layer),
        "running_mean": lay.unit_values(after.params.run_mean, layer),
        "running_var": lay.unit_values(after.params.run_var, layer),
        "mean_delta_y": stats[3],
        "mean_delta_y_xhat": stats[4],
        "x_hat": lay.units(work.XH, layer)[:ts],
        "y": lay.units(work.YB, layer)[:ts],
        "delta_y": lay.units(work.DY, layer)[:ts],
    }


def optimizer_state(run: Run, state: State, layer: int, kind: str) -> dict[str, Any]:
    """The optimizer's buffers for layer `layer` after the update, named as torch names them
    (with `_gamma` and `_beta` entries for a normalized layer)."""
    lay = run.layout
    m1, m2 = state.params.m1, state.params.m2
    views = [("W", lay.W), ("b", lay.b)]
    if lay.normalized(layer):
        views += [("gamma", lay.gamma), ("beta", lay.beta)]

    def named(prefix: str, buf) -> dict[str, Any]:
        return {f"{prefix}_{name}": view(buf, layer) for name, view in views}

    if kind == "sgd":
        if state.hyper.momentum == 0.0:
            return {}
        return named("momentum_buffer", m1)
    if kind == "rmsprop":
        return named("square_avg", m2)
    return {"step": state.opt_t, **named("exp_avg", m1), **named("exp_avg_sq", m2)}


def gradcheck(run: Run, state: State) -> dict[str, Any]:
    """Analytic gradient of the next batch's total loss (before clipping) against central
    differences with h = 1e-6, for every trainable parameter (gamma and beta included).

    A bias right before a normalization has a gradient of exactly 0 in exact arithmetic (the
    normalization removes any shift), so both sides are rounding noise: those biases count in
    `max_abs_error` only, not in `max_rel_error`.
    """
    probe = state.copy()
    work, nb, _ = run.run_kernel(probe, 1, None)
    analytic = (work.GD + work.GR) * state.mask
    lay = run.layout
    numeric = np.zeros(lay.n_params)
    rows = work.rows[:nb].copy()
    scratch = run.make_work(nb, 1, state.hyper)
    params = state.copy().params  # probed in place, restored after each probe
    data = KernelData(run.F, run.Y, rows, run.seed)
    evaluation.numeric_gradient(
        params,
        run.net,
        state.hyper,
        data,
        rows,
        nb,
        state.step,
        GRADCHECK_H,
        scratch,
        numeric,
        run.special(state.hyper),
    )
    trainable = state.mask != 0
    abs_only = np.zeros(lay.n_params, dtype=bool)  # biases right before a normalization
    for layer in range(1, lay.n_layers + 1):
        if lay.normalized(layer):
            lay.b(abs_only, layer)[:] = True
    a = analytic[trainable]
    n = numeric[trainable]
    abs_err = np.abs(a - n)
    rel_err = abs_err / np.maximum(np.maximum(np.abs(a), np.abs(n)), 1e-8)
    rel_err = rel_err[~abs_only[trainable]]
    an = np.where(trainable, analytic, np.nan)
    layers = []
    for layer in range(1, lay.n_layers + 1):
        entry = {
            "grad_W": lay.W(an, layer),
            "numeric_W": lay.W(numeric, layer),
            "grad_b": lay.b(an, layer),
            "numeric_b": lay.b(numeric, layer),
            "grad_gamma": None,
            "numeric_gamma": None,
            "grad_beta": None,
            "numeric_beta": None,
        }
        if lay.normalized(layer):
            entry["grad_gamma"] = lay.gamma(an, layer)
            entry["numeric_gamma"] = lay.gamma(numeric, layer)
            entry["grad_beta"] = lay.beta(an, layer)
            entry["numeric_beta"] = lay.beta(numeric, layer)
        layers.append(entry)
    return {
        "h": GRADCHECK_H,
        "batch_indices": rows,
        "layers": layers,
        "n_params": int(trainable.sum()),
        "max_abs_error": float(abs_err.max()) if abs_err.size else 0.0,
        "max_rel_error": float(rel_err.max()) if rel_err.size else 0.0,
    }
