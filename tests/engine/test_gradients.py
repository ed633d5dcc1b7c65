"""Every derivative the engine uses, against central differences (tests/gradcheck.py)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from backprop_playground.engine import Run, codes, evaluation, kernels
from backprop_playground.engine.state import make_work
from backprop_playground.engine.tuples import Data as KernelData
from backprop_playground.schemas import Scenario
from tests.gradcheck import check_grads

HIDDEN = ["sigmoid", "tanh", "relu", "leaky_relu", "linear"]


@pytest.mark.parametrize("name", [*HIDDEN])
def test_activation_derivative(name):
    code = codes.ACTIVATIONS[name]
    # avoid the kink of relu-family functions, where the derivative is a convention
    zs = np.array([-3.1, -0.7, -0.05, 0.04, 0.9, 2.7])
    for z in zs:
        a = kernels.act_forward(code, z)
        analytic = kernels.act_grad(code, z, a)
        check_grads(
            lambda x: kernels.act_forward(code, float(x[0])),
            np.array([z]),
            [analytic],
            what=f"{name}'({z})",
        )


def test_kink_conventions_follow_pytorch():
    assert kernels.act_grad(codes.RELU, 0.0, 0.0) == 0.0
    assert kernels.act_grad(codes.LEAKY_RELU, 0.0, 0.0) == 0.01


def _output_delta(loss: str, out_act: str, z: np.ndarray, y: np.ndarray):
    """(per-sample loss, delta) of one sample through the engine's output kernels."""
    K = z.size
    Z = z.reshape(K, 1).copy()
    A = np.zeros((K, 1))
    FP = np.zeros((K, 1))
    code = codes.ACTIVATIONS[out_act]
    if out_act == "softmax":
        e = np.exp(z - z.max())
        A[:, 0] = e / e.sum()
    else:
        for k in range(K):
            A[k, 0] = kernels.act_forward(code, z[k])
            FP[k, 0] = kernels.act_grad(code, z[k], A[k, 0])
    Y = y.reshape(1, K)
    rows = np.zeros(1, dtype=np.int64)
    DA = np.zeros((K, 1))
    D = np.zeros((K, 1))
    loss_s = np.zeros(1)
    total = kernels.output_loss(codes.LOSSES[loss], Z, A, Y, rows, 1, loss_s)
    kernels.output_delta(codes.LOSSES[loss], A, FP, Y, rows, 1, DA, D)
    return total, D[:, 0].copy()


HEADS = [
    ("half_sse", "sigmoid"), ("half_sse", "tanh"), ("half_sse", "linear"),
    ("mse", "sigmoid"), ("mse", "tanh"), ("mse", "linear"),
    ("bce", "sigmoid"), ("cross_entropy", "softmax"),
]  # fmt: skip


@pytest.mark.parametrize(("loss", "out_act"), HEADS)
@pytest.mark.parametrize("K", [1, 3])
def test_output_delta_is_dloss_dz(loss, out_act, K):
    if out_act == "softmax" and K == 1:
        K = 2
    rng = np.random.default_rng(K)
    for _ in range(5):
        z = rng.normal(0, 2, K)
        if out_act == "softmax":
            y = np.eye(K)[rng.integers(K)]
        elif loss == "bce":
            y = rng.uniform(0, 1, K)
        else:
            y = rng.normal(0, 1, K)
        _, delta = _output_delta(loss, out_act, z, y)
        check_grads(
            lambda x, y=y: _output_delta(loss, out_act, x, y)[0], z, delta, what=f"{loss}/{out_act}"
        )


def test_bce_is_stable_for_large_logits():
    total, delta = _output_delta("bce", "sigmoid", np.array([800.0]), np.array([0.0]))
    assert total == pytest.approx(800.0)
    assert delta[0] == pytest.approx(1.0)


def _scenario(draw_arch, act, head, reg, train_biases, seed):
    loss, out_act = head
    n_in, hidden = draw_arch
    rng = np.random.default_rng(seed)
    inputs = rng.normal(0, 1, (6, n_in)).round(6).tolist()
    if out_act == "softmax":
        points = {"inputs": inputs, "labels": [int(v) for v in rng.integers(0, 3, 6)]}
    elif loss == "bce":
        points = {"inputs": inputs, "labels": [int(v) for v in rng.integers(0, 2, 6)]}
    else:
        points = {"inputs": inputs, "targets": rng.normal(0, 1, (6, 2)).tolist()}
    return {
        "dataset": {"kind": "points", "train_fraction": 1.0, "points": points},
        "features": ["x1", "x2"],
        "hidden_layers": hidden,
        "activation": act,
        "output_activation": out_act,
        "loss": loss,
        "init": {"scheme": "xavier_normal", "seed": seed, "bias": 0.1},
        "train_biases": train_biases,
        "regularization": {"kind": reg, "rate": 0.01 if reg != "none" else 0.0},
        "batch_size": 4,
    }


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    arch=st.tuples(st.integers(1, 4), st.lists(st.integers(1, 5), min_size=0, max_size=3)),
    act=st.sampled_from(["sigmoid", "tanh", "linear", "leaky_relu", "relu"]),
    head=st.sampled_from(HEADS),
    reg=st.sampled_from(["none", "l1", "l2"]),
    train_biases=st.booleans(),
    seed=st.integers(0, 10_000),
)
def test_whole_network_gradient(arch, act, head, reg, train_biases, seed):
    """grad (data + regularization, before clipping) of a batch's total loss, whole network."""
    run = Run(
        Scenario.model_validate(_scenario(arch, act, head, reg, train_biases, seed)).engine_dict()
    )
    state = run.initial_state()
    _, trace = run.trace(state)
    rows = np.asarray(trace["batch"]["indices"], dtype=np.int64)
    lay = run.layout
    data = KernelData(run.F, run.Y, rows, run.seed)
    work = make_work(lay, rows.size, 1)

    def total_loss(theta):
        params = state.params._replace(theta=theta)
        return evaluation.batch_total_loss(
            params, run.net, state.hyper, data, rows, rows.size, work, state.step, False
        )

    analytic = np.zeros(lay.n_params)
    for layer, entry in enumerate(trace["layers"], start=1):
        lay.W(analytic, layer)[:] = entry["grad_W_data"] + entry["grad_W_reg"]
        lay.b(analytic, layer)[:] = entry["grad_b_data"]
    # relu-family kinks and L1 at 0 are conventions: keep them off the test's points
    zs = np.concatenate([np.ravel(e["z"]) for e in trace["layers"]])
    assume(act not in ("relu", "leaky_relu") or np.min(np.abs(zs)) >= 1e-5)
    check_grads(total_loss, state.theta.copy(), analytic, what=f"network {arch} {act} {head} {reg}")


def test_gradcheck_endpoint_reports_small_error(client, presets):
    sc = presets["tf-spiral"]["scenario"]
    r = client.post("/api/v1/gradcheck", json={"scenario": sc, "step": 25})
    assert r.status_code == 200
    body = r.json()
    assert body["n_params"] == 2 * 4 + 4 + 4 * 2 + 2 + 2 * 1 + 1
    assert body["max_rel_error"] < 1e-5
    assert body["max_abs_error"] < 1e-8
