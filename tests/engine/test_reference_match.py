"""The engine against a second, deliberately simple implementation of the contract's maths.

``tests/reference/simple_net.py`` is written straight from shared/API.md in plain Python
loops and shares no code with the engine. Driven through the HTTP API (the contract), the
engine must agree with it to a relative 1e-10 on random small scenarios: forward values,
per-sample losses, dL/da and deltas, gradients, regularization, clipping, every optimizer
and schedule over several steps, minibatches, and fixed biases.
"""

from __future__ import annotations

import copy
import math
import random
import sys
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:  # the reference lives in tests/, outside the package
    sys.path.insert(0, str(REPO_ROOT))

from backprop_playground.app import create_app  # noqa: E402
from backprop_playground.settings import Settings  # noqa: E402

from tests.reference.compare import assert_matches, close  # noqa: E402
from tests.reference.scenarios import HEADS, OPTIMIZERS, random_scenario  # noqa: E402
from tests.reference.simple_net import ReferenceNet, scheduled_lr  # noqa: E402

LAYER_FIELDS = [
    "W", "b", "z", "a", "dL_da", "delta", "grad_W_data", "grad_W_reg", "grad_W", "grad_b",
    "W_after", "b_after", "update_W", "update_b",
]  # fmt: skip


@pytest.fixture(scope="module")
def client() -> TestClient:
    with TestClient(create_app(Settings())) as c:
        yield c


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


def check_step(client: TestClient, scenario: dict[str, Any], ref: ReferenceNet, what: str) -> Any:
    """POST /step at the reference's current step; compare the whole trace; advance ``ref``."""
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
    return body


def check_snapshot(client: TestClient, scenario: dict[str, Any], ref: ReferenceNet, what: str):
    """POST /snapshot at the reference's step: params, and the whole-train-set total loss."""
    body = post(client, "/snapshot", {"scenario": scenario, "step": ref.k})
    assert body["step"] == ref.k
    assert_matches(body["params"], ref.params, f"{what}, /snapshot params at {ref.k}")
    train_rows = list(range(len(ref.features)))  # train_fraction 1: every row
    assert_matches(body["metrics"]["train_loss"], ref.total_loss(train_rows), f"{what}, train_loss")
    assert body["metrics"]["test_loss"] is None  # no test set
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
                    assert close(grads[j][i], numeric, rel=1e-6, abs_=1e-8), (l, name, j, i)


def test_reference_schedules_at_known_points() -> None:
    """The reference's schedule formulas at hand-computed values."""
    assert scheduled_lr(0.1, {"kind": "step", "step_size": 3, "gamma": 0.5}, 7) == 0.1 * 0.25
    assert scheduled_lr(1.0, {"kind": "cosine", "total_steps": 4, "min_lr": 0.0}, 2) == 0.5
    assert scheduled_lr(1.0, {"kind": "cosine", "total_steps": 4, "min_lr": 0.2}, 9) == 0.2
    assert scheduled_lr(0.4, {"kind": "warmup", "warmup_steps": 4}, 0) == 0.1
    assert scheduled_lr(0.4, {"kind": "warmup", "warmup_steps": 4}, 4) == 0.4
    cyc = {"kind": "cyclic", "step_size": 2, "max_lr": 1.0}
    assert [scheduled_lr(0.0, cyc, k) for k in range(6)] == [0.0, 0.5, 1.0, 0.5, 0.0, 0.5]


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
    # Hidden unit 0 has an all-zero W row and b = 0: z = 0 exactly for every sample.
    scenario["hidden_layers"] = [2]
    scenario["init"]["params"] = [
        {"W": [[0.0] * n_in, [0.5] * n_in], "b": [0.0, 0.1]},
        {"W": [[0.7, -0.3]] * len(points["targets"][0]), "b": [0.2] * len(points["targets"][0])},
    ]
    ref = ReferenceNet(scenario)
    body = check_step(client, scenario, ref, activation)
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
        body = check_step(client, scenario, ref, schedule["kind"])
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
            body = check_step(client, scenario, ref, f"fixed biases seed {seed}")
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
        body = check_step(client, scenario, ref, f"clip {kind}")
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
        body = check_step(client, scenario, ref, "minibatch")
        indices = body["trace"]["batch"]["indices"]
        assert len(indices) == [2, 2, 1][k % 3]
        epochs[k // 3].extend(indices)
        assert math.isclose(body["epoch"], (k + 1) / 3, rel_tol=1e-12)
    assert sorted(epochs[0]) == sorted(epochs[1]) == list(range(5))
    check_snapshot(client, scenario, ref, "minibatch")
