"""Training health: /train and /step say when a run is going wrong, in words, with a cause and
one thing to try; healthy runs say nothing."""

from __future__ import annotations

import pytest

from backprop_playground.health import judge


def _health(client, route: str, scenario: dict, step: int, steps: int = 0) -> dict:
    body = {"scenario": scenario, "step": step}
    if route == "train":
        body["steps"] = steps
    r = client.post(f"/api/v1/{route}", json=body)
    assert r.status_code == 200, r.text
    return r.json()["health"]


def _kinds(health: dict) -> list[tuple[str, int | None]]:
    return [(w["kind"], w["layer"]) for w in health["warnings"]]


CIRCLE = {"dataset": {"kind": "circle"}, "hidden_layers": [4, 2]}


@pytest.mark.parametrize("route", ["train", "step"])
def test_relu_at_a_huge_learning_rate_kills_a_layer(client, route):
    scenario = {**CIRCLE, "activation": "relu", "optimizer": {"kind": "sgd", "lr": 50}}
    health = _health(client, route, scenario, 0 if route == "train" else 500, 500)
    assert health["status"] == "warning"
    assert ("dead_layer", 2) in _kinds(health)
    dead = next(w for w in health["warnings"] if w["kind"] == "dead_layer")
    assert "hidden layer 2" in dead["message"] and "dead" in dead["message"]
    assert "learning rate of 0.03 (now 50)" in dead["suggestion"]


def test_the_loss_far_above_its_start_is_said(client):
    scenario = {**CIRCLE, "activation": "relu", "optimizer": {"kind": "sgd", "lr": 50}}
    health = _health(client, "train", scenario, 0, 500)
    rising = next(w for w in health["warnings"] if w["kind"] == "loss_rising")
    assert "far above where it started" in rising["message"]


def test_tanh_with_adam_at_a_high_rate_saturates(client):
    scenario = {**CIRCLE, "activation": "tanh", "optimizer": {"kind": "adam", "lr": 1.0}}
    health = _health(client, "train", scenario, 0, 500)
    assert ("saturated_layer", 2) in _kinds(health)


def test_vanishing_gradients_in_the_lesson_that_shows_them(client, presets):
    lesson = presets["vanishing-gradients"]
    health = _health(client, "train", lesson["scenario"], 0, 300)
    assert ("vanishing_gradients", 1) in _kinds(health)
    # its compare run (the cure) is healthy
    assert _health(client, "train", lesson["compare"], 0, 300)["status"] == "ok"


def test_a_diverged_run_says_so(client, presets):
    health = _health(client, "train", presets["lr-too-high"]["scenario"], 0, 10)
    assert health["status"] == "diverged"
    assert health["warnings"][0]["kind"] == "diverged"
    step = _health(client, "step", presets["lr-too-high"]["scenario"], 10)
    assert step["status"] == "diverged"


@pytest.mark.parametrize("preset", ["tf-circle", "tf-spiral", "xor", "worked-example"])
def test_healthy_runs_say_nothing(client, presets, preset):
    scenario = presets[preset]["scenario"]
    assert _health(client, "train", scenario, 0, 300) == {"status": "ok", "warnings": []}
    assert _health(client, "step", scenario, 300)["status"] == "ok"


def test_exploding_gradients_and_lr_suggestions():
    health = judge(
        n_layers=4,
        hidden_act="tanh",
        lr=0.01,
        diverged_at=None,
        start_loss=0.7,
        loss=0.6,
        grad_norms=[[5e3, 10.0, 3.0, 1.0]] * 5,
        dead=[[0.0, 0.0, 0.0]] * 5,
        saturated=[[0.0, 0.0, 0.0]] * 5,
    )
    assert _kinds(health) == [("exploding_gradients", 1)]
    assert "learning rate of 0.001 (now 0.01)" in health["warnings"][0]["suggestion"]


def test_the_first_overshooting_update_is_said_before_the_units_die(client):
    # update 0 -> 1 at lr 50 takes the loss from 0.64 to 10.8 (8e6 an update later); the
    # units die on the whole training set a few updates later
    scenario = {**CIRCLE, "activation": "relu", "optimizer": {"kind": "sgd", "lr": 50}}
    assert _kinds(_health(client, "step", scenario, 0)) == [("loss_rising", None)]
    assert ("dead_layer", 2) in _kinds(_health(client, "step", scenario, 5))


def test_a_layer_dead_in_few_of_the_rows_given_is_not_called_dead():
    rows = [[1.0, 0.0]] * 7 + [[0.5, 0.0]] * 3  # dead in 7 of 10
    health = judge(
        n_layers=3,
        hidden_act="relu",
        lr=0.1,
        diverged_at=None,
        start_loss=0.7,
        loss=0.6,
        grad_norms=[[1.0, 1.0, 1.0]] * 10,
        dead=rows,
        saturated=[[0.0, 0.0]] * 10,
    )
    assert health["status"] == "ok"
