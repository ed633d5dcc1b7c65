"""The engine against a second, deliberately simple implementation of the contract's maths.

``tests/reference/simple_net.py`` is written straight from shared/API.md in plain Python
loops and shares no code with the engine. Driven through the HTTP API (the contract), the
engine must agree with it to a relative 1e-10 on random small scenarios: forward values,
per-sample losses, dL/da and deltas, gradients, regularization, clipping, every optimizer
and schedule over several steps, minibatches, and fixed biases. The ``client`` fixture is
the session's app from tests/conftest.py.
"""

from __future__ import annotations

import copy
import math
import random
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.reference.compare import assert_matches, close
from tests.reference.scenarios import HEADS, OPTIMIZERS, random_params, random_scenario
from tests.reference.simple_net import ReferenceNet, scheduled_lr

LAYER_FIELDS = [
    "W", "b", "z", "a", "dL_da", "delta", "grad_W_data", "grad_W_reg", "grad_W", "grad_b",
    "W_after", "b_after", "update_W", "update_b",
]  # fmt: skip


def post(client: TestClient, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(f"/api/v1{path}", json=body)
    assert response.status_code == 200, f"{path} -> {response.status_code}: {response.text}"
    return response.json()


def expected_trace(ref_trace: dict[str, Any]) -> dict[str, Any]:
    """The reference's trace without the entries the contract leaves open (None)."""
    out = copy.deepcopy(ref_trace)
    for layer in out["layers"]:
        for key in [k for k, v in layer.items() if v is None]:
            del layer[key]
    return out


def check_step(
    client: TestClient, scenario: dict[str, Any], ref: ReferenceNet, what: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """POST /step at the reference's current step; compare the whole trace; advance ``ref``.
    Returns the response and the reference's trace."""
    k = ref.k
    body = post(client, "/step", {"scenario": scenario, "step": k})
    assert body["step"] == k + 1
    assert body["diverged"] is False, f"{what}: diverged at {body['diverged_at_step']}"
    trace = body["trace"]
    rows = trace["batch"]["indices"]
    ref_trace = ref.step(rows)
    assert len(trace["layers"]) == len(ref_trace["layers"])
    for layer in trace["layers"]:
        assert set(LAYER_FIELDS) <= set(layer), sorted(set(LAYER_FIELDS) - set(layer))
    assert_matches(trace, expected_trace(ref_trace), f"{what}, trace of step {k}->{k + 1}")
    # The state after the update is the trace's W_after, and the snapshot's params.
    assert_matches(body["params"], ref.params, f"{what}, params after step {k + 1}")
    return body, ref_trace


def check_snapshot(client: TestClient, scenario: dict[str, Any], ref: ReferenceNet, what: str):
    """POST /snapshot at the reference's step: params, and the whole-train-set total loss."""
    body = post(client, "/snapshot", {"scenario": scenario, "step": ref.k})
    assert body["step"] == ref.k
    assert_matches(body["params"], ref.params, f"{what}, /snapshot params at {ref.k}")
    train_rows = list(range(len(ref.features)))  # train_fraction 1: every row
    assert_matches(body["metrics"]["train_loss"], ref.total_loss(train_rows), f"{what}, train_loss")
    assert body["metrics"]["test_loss"] is None  # no test set
    assert body["metrics"]["test_accuracy"] is None
    if ref.labels is not None:
        assert_matches(body["metrics"]["train_accuracy"], ref.accuracy(train_rows), "accuracy")
    return body


# ---------------------------------------------------------------- the reference itself


@pytest.mark.parametrize("seed", range(12))
def test_reference_gradient_matches_its_own_finite_differences(seed: int) -> None:
    """Before trusting the reference as a yardstick: its gradients are its loss's slopes."""
    rng = random.Random(1000 + seed)
    head = HEADS[seed % len(HEADS)]
    scenario = random_scenario(
        rng, head=head, clip={"kind": "none", "threshold": 1.0}, train_biases=True,
        activation=rng.choice(["sigmoid", "tanh", "linear"]),
        regularization={"kind": "l2", "rate": 0.05},
    )  # fmt: skip
    ref = ReferenceNet(scenario)
    rows = list(range(len(ref.features)))
    trace = ReferenceNet(scenario).step(rows)
    h = 1e-6
    for l, layer in enumerate(ref.params):
        for name, grads in (
            ("W", trace["layers"][l]["grad_W"]),
            ("b", [trace["layers"][l]["grad_b"]]),
        ):
            values = layer[name] if name == "W" else [layer["b"]]
            for j, row in enumerate(values):
                for i in range(len(row)):
                    saved = row[i]
                    row[i] = saved + h
                    up = ref.total_loss(rows)
                    row[i] = saved - h
                    down = ref.total_loss(rows)
                    row[i] = saved
                    numeric = (up - down) / (2 * h)
                    where = (l, name, j, i)
                    assert close(grads[j][i], numeric, rel=1e-6, abs_=1e-8), where


def test_reference_schedules_at_known_points() -> None:
    """The reference's schedule formulas at hand-computed values."""
    assert scheduled_lr(0.1, {"kind": "step", "step_size": 3, "gamma": 0.5}, 7) == 0.1 * 0.25
    assert scheduled_lr(1.0, {"kind": "cosine", "total_steps": 4, "min_lr": 0.0}, 2) == 0.5
    assert scheduled_lr(1.0, {"kind": "cosine", "total_steps": 4, "min_lr": 0.2}, 9) == 0.2
    assert scheduled_lr(0.4, {"kind": "warmup", "warmup_steps": 4}, 0) == 0.1
    assert scheduled_lr(0.4, {"kind": "warmup", "warmup_steps": 4}, 4) == 0.4
    cyc = {"kind": "cyclic", "step_size": 2, "max_lr": 1.0}
    expected = [0.0, 0.5, 1.0, 0.5, 0.0, 0.5]
    assert [scheduled_lr(0.0, cyc, k) for k in range(6)] == expected


# ---------------------------------------------------------------- one update, everything


@pytest.mark.parametrize("seed", range(60))
def test_one_step_trace_matches_reference(client: TestClient, seed: int) -> None:
    """Random architecture, head, loss, activation, regularization, clipping, optimizer."""
    rng = random.Random(seed)
    head = HEADS[seed % len(HEADS)]
    scenario = random_scenario(rng, head=head)
    check_step(client, scenario, ReferenceNet(scenario), f"seed {seed}")


@pytest.mark.parametrize("activation", ["relu", "leaky_relu"])
def test_kinks_follow_pytorch(client: TestClient, activation: str) -> None:
    """relu'(0) = 0, leaky_relu'(0) = 0.01 and the L1 subgradient at w = 0 is 0."""
    scenario = random_scenario(
        random.Random(7), head=("linear", "half_sse", "targets"), activation=activation,
        regularization={"kind": "l1", "rate": 0.1}, clip={"kind": "none", "threshold": 1.0},
        optimizer={"kind": "sgd", "lr": 0.1}, train_biases=True,
    )  # fmt: skip
    points = scenario["dataset"]["points"]
    n_in = len(points["inputs"][0])
    if n_in == 2:
        scenario["features"] = ["x1", "x2"]
    K = len(points["targets"][0])
    # Hidden unit 0 has an all-zero W row and b = 0: z = 0 exactly for every sample.
    scenario["hidden_layers"] = [2]
    scenario["init"]["params"] = [
        {"W": [[0.0] * n_in, [0.5] * n_in], "b": [0.0, 0.1]},
        {"W": [[0.7, -0.3] for _ in range(K)], "b": [0.2] * K},
    ]
    ref = ReferenceNet(scenario)
    body, _ = check_step(client, scenario, ref, activation)
    hidden = body["trace"]["layers"][0]
    assert all(row[0] == 0.0 for row in hidden["z"])
    assert all(g == 0.0 for g in hidden["grad_W_reg"][0])  # L1 at w = 0
    slope = 0.0 if activation == "relu" else 0.01
    for dL_da, delta in zip(hidden["dL_da"], hidden["delta"], strict=True):
        assert close(delta[0], slope * dL_da[0])


# ---------------------------------------------------------------- several updates


def optimizer_id(o: dict[str, Any]) -> str:
    extra = "-nesterov" if o.get("nesterov") else ("-momentum" if o.get("momentum") else "")
    return o["kind"] + extra


@pytest.mark.parametrize("optimizer", OPTIMIZERS, ids=optimizer_id)
@pytest.mark.parametrize("seed", range(3))
def test_optimizers_over_several_steps(
    client: TestClient, optimizer: dict[str, Any], seed: int
) -> None:
    """Chained /step traces, then /snapshot and /train at the end, against the reference."""
    rng = random.Random(100 + seed)
    scenario = random_scenario(rng, optimizer=optimizer, head=HEADS[(seed * 3) % len(HEADS)])
    ref = ReferenceNet(scenario)
    what = f"{optimizer['kind']} seed {seed}"
    n_steps = 6
    for _ in range(n_steps):
        check_step(client, scenario, ref, what)
    check_snapshot(client, scenario, ref, what)
    trained = post(client, "/train", {"scenario": scenario, "step": 0, "steps": n_steps})
    assert trained["step"] == n_steps
    assert_matches(trained["params"], ref.params, f"{what}, /train params")


SCHEDULES = [
    {"kind": "constant"},
    {"kind": "step", "step_size": 3, "gamma": 0.5},
    {"kind": "exponential", "gamma": 0.8},
    {"kind": "cosine", "total_steps": 5, "min_lr": 0.01},
    {"kind": "warmup", "warmup_steps": 4},
    {"kind": "cyclic", "step_size": 2, "max_lr": 0.4},
]


@pytest.mark.parametrize("schedule", SCHEDULES, ids=lambda s: s["kind"])
def test_schedules_over_several_steps(client: TestClient, schedule: dict[str, Any]) -> None:
    """lr_k in every trace follows the contract's formula, and the updates use it."""
    rng = random.Random(200)
    optimizer = {"kind": "sgd", "lr": 0.1, "momentum": 0.5}
    scenario = random_scenario(rng, optimizer=optimizer, schedule=schedule)
    ref = ReferenceNet(scenario)
    lrs = []
    for _ in range(9):
        body, _ = check_step(client, scenario, ref, schedule["kind"])
        lrs.append(body["trace"]["lr"])
    assert_matches(lrs, [scheduled_lr(0.1, schedule, k) for k in range(9)], "lr_k")
    check_snapshot(client, scenario, ref, schedule["kind"])


@pytest.mark.parametrize("optimizer", OPTIMIZERS[3:], ids=lambda o: o["kind"])
def test_scheduled_adaptive_optimizers(client: TestClient, optimizer: dict[str, Any]) -> None:
    """A schedule under rmsprop/adam/adamw: lr_k enters the update (and adamw's decay)."""
    rng = random.Random(300)
    schedule = {"kind": "cyclic", "step_size": 2, "max_lr": 0.05}
    scenario = random_scenario(rng, optimizer=optimizer, schedule=schedule)
    ref = ReferenceNet(scenario)
    for _ in range(5):
        check_step(client, scenario, ref, optimizer["kind"])


def test_fixed_biases_never_move(client: TestClient) -> None:
    """train_biases false: every bias stays, and clipping's norm leaves the biases out."""
    for seed in range(4):
        rng = random.Random(400 + seed)
        scenario = random_scenario(
            rng, train_biases=False, optimizer=OPTIMIZERS[seed + 1],
            clip={"kind": "norm", "threshold": 0.05},
        )  # fmt: skip
        ref = ReferenceNet(scenario)
        start_b = [list(layer["b"]) for layer in scenario["init"]["params"]]
        for _ in range(3):
            body, _ = check_step(client, scenario, ref, f"fixed biases seed {seed}")
            for layer in body["trace"]["layers"]:
                assert all(u == 0.0 for u in layer["update_b"])
        assert [layer["b"] for layer in body["params"]] == start_b


def test_clipping_is_active_and_exact(client: TestClient) -> None:
    """Thresholds far below the gradient: norm scales everything, value clamps entries."""
    for kind, threshold in (("norm", 0.01), ("value", 0.002)):
        rng = random.Random(500)
        scenario = random_scenario(
            rng, clip={"kind": kind, "threshold": threshold},
            head=("linear", "half_sse", "targets"), optimizer={"kind": "sgd", "lr": 0.1},
        )  # fmt: skip
        ref = ReferenceNet(scenario)
        body, _ = check_step(client, scenario, ref, f"clip {kind}")
        norms = body["trace"]["grad_norm"]
        assert norms["before_clip"] > 10 * threshold
        if kind == "norm":
            assert close(
                norms["after_clip"],
                threshold * norms["before_clip"] / (norms["before_clip"] + 1e-6),
            )
        else:
            for layer in body["trace"]["layers"]:
                assert all(abs(g) <= threshold for row in layer["grad_W"] for g in row)


# ---------------------------------------------------------------- minibatches


def test_minibatches_follow_the_contract(client: TestClient) -> None:
    """5 rows, batch 2: batches of 2, 2, 1 per epoch, each epoch a permutation of the rows."""
    rng = random.Random(600)
    scenario = random_scenario(
        rng, n_rows=5, batch_size=2, optimizer={"kind": "adam", "lr": 0.02},
    )  # fmt: skip
    ref = ReferenceNet(scenario)
    epochs: list[list[int]] = [[], [], []]
    for k in range(8):
        body, _ = check_step(client, scenario, ref, "minibatch")
        indices = body["trace"]["batch"]["indices"]
        assert len(indices) == [2, 2, 1][k % 3]
        epochs[k // 3].extend(indices)
        assert math.isclose(body["epoch"], (k + 1) / 3, rel_tol=1e-12)
    assert sorted(epochs[0]) == sorted(epochs[1]) == list(range(5))
    check_snapshot(client, scenario, ref, "minibatch")


# ---------------------------------------------------------------- everything at once


def check_history(history: list[dict[str, Any]], ref_traces: list[dict[str, Any]], act: str):
    """/train's history against the reference's traces: batch loss, lr, per-layer gradient
    norms before clipping, dead (relu: z <= 0 for the whole batch) and saturated units."""
    assert len(history) == len(ref_traces)
    steps = [entry["step"] for entry in history]
    assert steps == list(range(steps[0], steps[0] + len(history))), steps
    for entry, trace in zip(history, ref_traces, strict=True):
        what = f"history entry {entry['step']}"
        assert_matches(entry["loss"], trace["loss"]["total"], what + " loss")
        assert_matches(entry["lr"], trace["lr"], what + " lr")
        norms = [layer["grad_norm"] for layer in trace["layers"]]
        assert_matches(entry["grad_norm"], norms, what + " grad_norm")
        hidden = trace["layers"][:-1]
        assert len(entry["dead"]) == len(entry["saturated"]) == len(hidden), what
        for la, dead, saturated in zip(hidden, entry["dead"], entry["saturated"], strict=True):
            units = range(len(la["b"]))
            if act == "relu":
                assert dead == sum(all(z[j] <= 0 for z in la["z"]) for j in units) / len(units)
            if act in ("sigmoid", "tanh"):
                slopes = [
                    [a[j] * (1 - a[j]) if act == "sigmoid" else 1 - a[j] ** 2 for a in la["a"]]
                    for j in units
                ]
                expected = sum(all(abs(f) < 0.01 for f in unit) for unit in slopes) / len(units)
                assert saturated == expected, what
            if act in ("sigmoid", "tanh", "linear"):
                assert dead == 0.0, what
            if act in ("relu", "leaky_relu", "linear"):
                assert saturated == 0.0, what


SCHEDULE_CHOICES = [
    {"kind": "constant"},
    {"kind": "step", "step_size": 2, "gamma": 0.7},
    {"kind": "exponential", "gamma": 0.9},
    {"kind": "cosine", "total_steps": 6, "min_lr": 0.001},
    {"kind": "warmup", "warmup_steps": 3},
    {"kind": "cyclic", "step_size": 3, "max_lr": 0.2},
]


@pytest.mark.parametrize("seed", range(30))
def test_random_runs_match_reference(client: TestClient, seed: int) -> None:
    """Random optimizer, schedule, regularization, clipping and batch size, 8 updates:
    every /step trace, then /snapshot and /train (params and history) at the end."""
    rng = random.Random(700 + seed)
    n_rows = rng.randint(3, 6)
    scenario = random_scenario(
        rng, head=HEADS[seed % len(HEADS)], n_rows=n_rows,
        schedule=rng.choice(SCHEDULE_CHOICES), batch_size=rng.randint(1, n_rows + 1),
    )  # fmt: skip
    ref = ReferenceNet(scenario)
    what = f"random run {seed}"
    n_steps = 8
    ref_traces = [check_step(client, scenario, ref, what)[1] for _ in range(n_steps)]
    check_snapshot(client, scenario, ref, what)
    trained = post(client, "/train", {"scenario": scenario, "step": 0, "steps": n_steps})
    assert trained["step"] == n_steps
    assert_matches(trained["params"], ref.params, f"{what}, /train params")
    check_history(trained["history"], ref_traces, scenario["activation"])


@pytest.mark.parametrize("head", [h for h in HEADS if h[1] in ("bce", "cross_entropy")])
def test_saturated_heads_are_computed_stably(client: TestClient, head: tuple[str, str, str]):
    """Logits of ±30..60: bce and cross-entropy from z stay finite and exact."""
    rng = random.Random(800)
    scenario = random_scenario(
        rng, head=head, optimizer={"kind": "sgd", "lr": 1e-4},
        regularization={"kind": "none", "rate": 0.0}, clip={"kind": "none", "threshold": 1.0},
    )  # fmt: skip
    scenario["hidden_layers"] = []
    params = scenario["init"]["params"]
    n_features = len(params[0]["W"][0])
    K = len(params[-1]["b"])
    scenario["init"]["params"] = [
        {
            "W": [[rng.choice([-30.0, 30.0]) for _ in range(n_features)] for _ in range(K)],
            "b": [rng.choice([-30.0, 30.0]) for _ in range(K)],
        }
    ]
    ref = ReferenceNet(scenario)
    body, ref_trace = check_step(client, scenario, ref, f"saturated {head}")
    assert max(abs(z) for row in ref_trace["layers"][0]["z"] for z in row) > 25
    assert all(math.isfinite(x) for x in body["trace"]["loss"]["per_sample"])


def test_trace_samples_limits_rows_not_gradients(client: TestClient) -> None:
    """trace_samples = 2 of a 6-row batch: z, a, dL_da, delta show the first 2 rows;
    the loss and every gradient still cover the whole batch."""
    rng = random.Random(900)
    scenario = random_scenario(rng, n_rows=6, head=("tanh", "mse", "signed_targets"))
    scenario["hidden_layers"] = [3]
    n_features = len(scenario["init"]["params"][0]["W"][0])
    K = len(scenario["init"]["params"][-1]["b"])
    scenario["init"]["params"] = random_params(rng, [n_features, 3, K])
    body = post(client, "/step", {"scenario": scenario, "step": 0, "trace_samples": 2})
    trace = body["trace"]
    ref_trace = expected_trace(ReferenceNet(scenario).step(trace["batch"]["indices"]))
    assert len(trace["batch"]["indices"]) == 6
    for layer in ref_trace["layers"]:
        for key in ("z", "a", "dL_da", "delta"):
            layer[key] = layer[key][:2]
    assert_matches(trace, ref_trace, "trace_samples 2")


@pytest.mark.parametrize("optimizer", OPTIMIZERS, ids=optimizer_id)
def test_jump_to_a_later_step(client: TestClient, optimizer: dict[str, Any]) -> None:
    """/step at k = 15 straight away (no chained requests) equals 15 reference updates."""
    rng = random.Random(1000)
    schedule = {"kind": "cosine", "total_steps": 12, "min_lr": 0.001}
    scenario = random_scenario(rng, optimizer=optimizer, schedule=schedule)
    ref = ReferenceNet(scenario)
    all_rows = list(range(len(ref.features)))
    for _ in range(15):
        ref.step(all_rows)  # full batch: the row order only changes rounding
    check_step(client, scenario, ref, f"jump {optimizer_id(optimizer)}")
    check_snapshot(client, scenario, ref, f"jump {optimizer_id(optimizer)}")


@pytest.mark.parametrize("head", [HEADS[0], HEADS[4], HEADS[8], HEADS[6]], ids=lambda h: h[0])
def test_split_metrics(client: TestClient, head: tuple[str, str, str]) -> None:
    """With a test set: train_loss is the total loss (data + regularization) over the train
    rows, test_loss the data loss over the test rows; accuracies for class data only."""
    rng = random.Random(1100)
    scenario = random_scenario(
        rng,
        head=head,
        n_rows=6,
        batch_size=6,
        regularization={"kind": "l2", "rate": 0.05},
    )
    scenario["dataset"]["train_fraction"] = 0.5
    ref = ReferenceNet(scenario)
    body, _ = check_step(client, scenario, ref, "split")
    train_rows = body["trace"]["batch"]["indices"]  # full batch: every train row
    test_rows = sorted(set(range(6)) - set(train_rows))
    assert len(train_rows) == 3 and len(test_rows) == 3
    metrics = post(client, "/snapshot", {"scenario": scenario, "step": 1})["metrics"]
    assert_matches(metrics["train_loss"], ref.total_loss(train_rows), "train_loss")
    assert_matches(metrics["test_loss"], ref.data_loss(test_rows), "test_loss")
    if ref.labels is None:
        assert metrics["train_accuracy"] is None and metrics["test_accuracy"] is None
    else:
        assert_matches(metrics["train_accuracy"], ref.accuracy(train_rows), "train_accuracy")
        assert_matches(metrics["test_accuracy"], ref.accuracy(test_rows), "test_accuracy")
