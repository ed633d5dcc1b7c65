"""Batch normalization and dropout against the plain-Python reference (tests/reference), to 1e-10.

The reference's `step_batch` writes the contract's section "Batch normalization and dropout"
straight from its formulas; here every /step trace field it shares with the engine (z, x_hat,
y, f'(y), the masks, a after dropout, dL_da, delta_y, delta, the batch means of the backward
pass, every gradient and update, the running statistics) and the snapshot after several updates
(parameters, gamma, beta, running statistics, eval-mode metrics) must agree.
"""

from __future__ import annotations

import copy
import random
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from backprop_playground.engine.kernels import dropout_scale
from tests.engine.test_reference_match import LAYER_FIELDS, expected_trace, post
from tests.reference.compare import assert_matches, close
from tests.reference.scenarios import HEADS, OPTIMIZERS, random_scenario
from tests.reference.simple_net import ReferenceNet, dropout_kept

BN = {"kind": "batch", "momentum": 0.1, "eps": 1e-5}


def _batches_of_two_or_more(rng: random.Random, n_rows: int) -> int:
    """A batch size whose batches (the last, ragged one too) never hold one sample."""
    choices = [b for b in range(2, n_rows + 2) if min(b, n_rows) > 1 and n_rows % b != 1]
    return rng.choice(choices)


def bn_scenario(seed: int, *, norm: bool = True, rate: float = 0.0, **kw: Any) -> dict[str, Any]:
    rng = random.Random(seed)
    n_rows = kw.pop("n_rows", rng.randint(4, 7))
    hidden = kw.pop("hidden", [rng.randint(1, 4) for _ in range(rng.randint(1, 3))])
    scenario = random_scenario(
        rng,
        n_rows=n_rows,
        hidden=hidden,
        batch_size=kw.pop("batch_size", _batches_of_two_or_more(rng, n_rows)),
        normalization=dict(BN, momentum=rng.choice([0.1, 0.3])) if norm else None,
        dropout={"rate": rate, "seed": seed} if rate else None,
        **kw,
    )
    return scenario


# A bias right before a normalization has a gradient of exactly 0 in exact arithmetic (the
# normalization removes any shift of z), so engine and reference (and torch) each hold rounding
# noise there, about 1e-17 at first. SGD moves the bias by lr times that noise; rmsprop, adam
# and adamw divide the noise by its own root mean square and move the bias by up to lr·g/eps,
# different in each implementation: up to about 1e-8 after a few updates. That shifts the
# layer's z and batch (and running) mean by as much; x_hat, y and everything after them are
# immune. Under those optimizers, these fields of a normalized layer are compared to an
# absolute 1e-6.
SHIFTED = ("b", "b_after", "update_b", "z", "grad_b", "grad_b_data", "running_mean")
ADAPTIVE = ("rmsprop", "adam", "adamw")


def _split_shifted(layers: list[dict[str, Any]], normalized: list[bool]) -> list[dict]:
    """Take the fields a noisy bias shifts out of the normalized layers (in place)."""
    taken = []
    for layer, norm in zip(layers, normalized, strict=True):
        part: dict[str, Any] = {}
        if norm:
            for key in SHIFTED:
                if key in layer:
                    part[key] = layer.pop(key)
            if isinstance(layer.get("bn"), dict):
                part["mean"] = layer["bn"].pop("mean")
                part["running_mean"] = layer["bn"].pop("running_mean")
        taken.append(part)
    return taken


def compare(actual: list[dict], expected: list[dict], scenario: dict, what: str) -> None:
    """Per-layer values (trace layers or snapshot params): relative 1e-10, and the fields of a
    normalized layer that its bias's noise shifts to an absolute 1e-6 under adaptive optimizers."""
    actual, expected = copy.deepcopy(actual), copy.deepcopy(expected)
    if scenario["optimizer"]["kind"] in ADAPTIVE:
        normalized = [
            layer.get("gamma") is not None or layer.get("bn") is not None for layer in actual
        ]
        loose_a = _split_shifted(actual, normalized)
        loose_e = _split_shifted(expected, normalized)
        assert_matches(loose_a, loose_e, f"{what} (bias-shifted fields)", abs_=1e-6)
    assert_matches(actual, expected, what)


def check_step(
    client: TestClient, scenario: dict[str, Any], ref: ReferenceNet, what: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """test_reference_match's check_step, with `compare` for the layers."""
    k = ref.k
    body = post(client, "/step", {"scenario": scenario, "step": k})
    assert body["step"] == k + 1 and body["diverged"] is False, what
    trace = body["trace"]
    ref_trace = ref.step(trace["batch"]["indices"])
    expected = expected_trace(ref_trace)
    for layer in trace["layers"]:
        assert set(LAYER_FIELDS) <= set(layer)
    compare(trace["layers"], expected.pop("layers"), scenario, f"{what}, trace layers of {k}")
    assert_matches(trace, expected, f"{what}, trace of step {k}->{k + 1}")
    compare(body["params"], ref.snapshot_params(), scenario, f"{what}, params after {k + 1}")
    return body, ref_trace


def check_bn_snapshot(client: TestClient, scenario: dict, ref: ReferenceNet, what: str) -> None:
    """/snapshot at the reference's step: W, b, gamma, beta, running statistics, and the
    eval-mode (running statistics, no dropout) whole-set loss and accuracy."""
    body = post(client, "/snapshot", {"scenario": scenario, "step": ref.k})
    compare(body["params"], ref.snapshot_params(), scenario, f"{what}, /snapshot params")
    rows = list(range(len(ref.features)))  # train_fraction 1: every row
    # eval mode subtracts the running mean, which does not cancel a bias's noise exactly
    tol = {"rel": 1e-8} if scenario["optimizer"]["kind"] in ADAPTIVE else {}
    assert_matches(body["metrics"]["train_loss"], ref.total_loss(rows), f"{what}, loss", **tol)
    if ref.labels is not None:
        assert_matches(body["metrics"]["train_accuracy"], ref.accuracy(rows), f"{what}, accuracy")


def test_dropout_mask_is_the_contracts_hash() -> None:
    """The compiled mask against the reference's arbitrary-precision integers, including
    products that wrap around 2^64 many times."""
    rng = random.Random(5)
    for _ in range(3000):
        args = (
            rng.choice([0, 1, 7, 2**31 - 1]),
            rng.choice([0, 3, rng.randrange(10**6)]),
            rng.randrange(5000),
            rng.randint(1, 8),
            rng.randrange(32),
        )
        p = rng.choice([0.05, 0.5, 0.9])
        expected = 1.0 / (1.0 - p) if dropout_kept(*args, p) else 0.0
        assert dropout_scale(*args, p) == expected, args
    # and the masks keep about 1 - p of the units
    kept = [dropout_scale(1, 0, r, 1, j, 0.3) > 0 for r in range(200) for j in range(10)]
    assert abs(np.mean(kept) - 0.7) < 0.03


@pytest.mark.parametrize("seed", range(24))
def test_batchnorm_step_matches_reference(client: TestClient, seed: int) -> None:
    """Random heads, activations, regularization, clipping, optimizers; normalization, and
    dropout in every other scenario; three chained updates, then the snapshot."""
    scenario = bn_scenario(seed, head=HEADS[seed % len(HEADS)], rate=0.4 if seed % 2 else 0.0)
    ref = ReferenceNet(scenario)
    for _ in range(3):
        body, ref_trace = check_step(client, scenario, ref, f"bn seed {seed}")
        for layer, ref_layer in zip(body["trace"]["layers"], ref_trace["layers"], strict=True):
            assert (layer["bn"] is None) == ("bn" not in ref_layer)
    check_bn_snapshot(client, scenario, ref, f"bn seed {seed}")


@pytest.mark.parametrize("seed", range(12))
def test_dropout_without_normalization_matches_reference(client: TestClient, seed: int) -> None:
    scenario = bn_scenario(100 + seed, norm=False, rate=[0.2, 0.5, 0.9][seed % 3])
    ref = ReferenceNet(scenario)
    for _ in range(3):
        body, _ = check_step(client, scenario, ref, f"dropout seed {seed}")
        hidden = body["trace"]["layers"][:-1]
        for layer in hidden:
            assert layer["bn"] is None
            mask, a, fp = (
                np.asarray(layer[k], dtype=float) for k in ("dropout_mask", "a", "fprime")
            )
            assert set(np.unique(mask)) <= {0.0, 1.0 / (1.0 - scenario["dropout"]["rate"])}
            # delta = dL_da * mask * f'
            delta = np.asarray(layer["delta"], dtype=float)
            dL_da = np.asarray(layer["dL_da"], dtype=float)
            assert np.allclose(delta, dL_da * mask * fp, rtol=1e-12, atol=1e-15)
            assert np.all(a[mask == 0] == 0)
    check_bn_snapshot(client, scenario, ref, f"dropout seed {seed}")


@pytest.mark.parametrize(
    "optimizer", OPTIMIZERS, ids=lambda o: o["kind"] + str(o.get("momentum", ""))
)
def test_optimizers_move_gamma_and_beta(client: TestClient, optimizer: dict) -> None:
    """Every optimizer updates gamma and beta like biases (no weight decay, no penalty), over
    a few epochs of ragged minibatches; /train reaches the same state."""
    scenario = bn_scenario(
        300, optimizer=optimizer, n_rows=8, batch_size=3, hidden=[3, 2], rate=0.25,
        regularization={"kind": "l2", "rate": 0.05},
    )  # fmt: skip
    ref = ReferenceNet(scenario)
    for k in range(6):
        body, _ = check_step(client, scenario, ref, f"{optimizer['kind']} step {k}")
        assert len(body["trace"]["batch"]["indices"]) == [3, 3, 2][k % 3]
    check_bn_snapshot(client, scenario, ref, optimizer["kind"])
    trained = post(client, "/train", {"scenario": scenario, "step": 0, "steps": 6})
    compare(trained["params"], ref.snapshot_params(), scenario, "/train params")


def test_fixed_biases_leave_gamma_and_beta_trainable(client: TestClient) -> None:
    """train_biases false fixes b only: gamma and beta still learn (and are clipped)."""
    scenario = bn_scenario(
        400, train_biases=False, clip={"kind": "norm", "threshold": 0.05}, hidden=[3],
        optimizer={"kind": "sgd", "lr": 0.5},
    )  # fmt: skip
    ref = ReferenceNet(scenario)
    body, _ = check_step(client, scenario, ref, "fixed biases")
    hidden = body["trace"]["layers"][0]
    assert all(u == 0.0 for u in hidden["update_b"])
    assert any(
        g != a for g, a in zip(hidden["bn"]["gamma"], hidden["bn"]["gamma_after"], strict=True)
    )
    assert close(body["trace"]["grad_norm"]["after_clip"], 0.05, rel=1e-5)


def test_explicit_gamma_and_beta(client: TestClient) -> None:
    scenario = bn_scenario(500, hidden=[2, 3])
    scenario["init"]["params"][0]["gamma"] = [0.5, -2.0]
    scenario["init"]["params"][1]["beta"] = [0.1, 0.2, -0.3]
    ref = ReferenceNet(scenario)
    body = post(client, "/snapshot", {"scenario": scenario, "step": 0})
    assert body["params"][0]["gamma"] == [0.5, -2.0]
    assert body["params"][1]["gamma"] == [1.0, 1.0, 1.0]
    assert body["params"][1]["beta"] == [0.1, 0.2, -0.3]
    assert body["params"][0]["running_var"] == [1.0, 1.0]
    assert "gamma" not in body["params"][-1]
    for _ in range(2):
        check_step(client, scenario, ref, "explicit gamma")
    check_bn_snapshot(client, scenario, ref, "explicit gamma")


def test_dropout_changed_by_an_event(client: TestClient) -> None:
    """A set event changes the rate and seed at step 2; the reference changes them there."""
    scenario = bn_scenario(600, rate=0.3, hidden=[4])
    scenario["events"] = [
        {"step": 2, "kind": "set", "changes": {"dropout": {"rate": 0.6, "seed": 9}}}
    ]
    ref = ReferenceNet(scenario)
    for k in range(4):
        if k == 2:
            ref.dropout = {"rate": 0.6, "seed": 9}
        check_step(client, scenario, ref, f"dropout event, step {k}")
    check_bn_snapshot(client, scenario, ref, "dropout event")
    # and switched off: no masks any more
    scenario["events"] = [{"step": 1, "kind": "set", "changes": {"dropout": {"rate": 0.0}}}]
    trace = post(client, "/step", {"scenario": scenario, "step": 1})["trace"]
    assert trace["layers"][0]["dropout_mask"] is None
