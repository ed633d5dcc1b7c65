"""Changes made during a run are events; replay applies them at their steps."""

from __future__ import annotations

import numpy as np

BASE = {
    "dataset": {"kind": "gauss", "n_samples": 60, "noise": 0.2, "seed": 3},
    "hidden_layers": [4],
    "activation": "tanh",
    "optimizer": {"kind": "sgd", "lr": 0.05},
    "batch_size": 6,
}


def _sc(*events):
    return {**BASE, "events": list(events)}


def _step(client, sc, step):
    r = client.post("/api/v1/step", json={"scenario": sc, "step": step})
    assert r.status_code == 200, r.text
    return r.json()


def test_learning_rate_change_applies_from_its_step(client):
    sc = _sc({"step": 5, "kind": "set", "changes": {"optimizer": {"lr": 0.5}}})
    assert _step(client, sc, 4)["trace"]["lr"] == 0.05
    assert _step(client, sc, 5)["trace"]["lr"] == 0.5
    # before the event, the run is the run without it
    plain = client.post("/api/v1/snapshot", json={"scenario": BASE, "step": 5}).json()
    changed = client.post("/api/v1/snapshot", json={"scenario": sc, "step": 5}).json()
    assert plain["params"] == changed["params"]
    later_plain = client.post("/api/v1/snapshot", json={"scenario": BASE, "step": 6}).json()
    later = client.post("/api/v1/snapshot", json={"scenario": sc, "step": 6}).json()
    assert later_plain["params"] != later["params"]


def test_replay_across_events_is_bit_identical(client):
    sc = _sc(
        {"step": 2, "kind": "set", "changes": {"optimizer": {"kind": "adam", "lr": 0.01}}},
        {"step": 4, "kind": "set_weight", "layer": 1, "to": 0, "from": 1, "value": 0.75},
        {"step": 6, "kind": "prune", "fraction": 0.5},
        {"step": 7, "kind": "add_points", "inputs": [[1.0, 1.0], [-1.0, -2.0]], "labels": [1, 0]},
        {
            "step": 7,
            "kind": "set",
            "changes": {"batch_size": 4, "clip": {"kind": "value", "threshold": 0.01}},
        },
    )
    chained = None
    for k in range(10):
        chained = _step(client, sc, k)
    snap = client.post("/api/v1/snapshot", json={"scenario": sc, "step": 10}).json()
    train = client.post("/api/v1/train", json={"scenario": sc, "step": 0, "steps": 10}).json()
    assert chained["params"] == snap["params"] == train["params"]


def test_new_optimizer_starts_with_empty_state(client):
    sc = _sc({"step": 3, "kind": "set", "changes": {"optimizer": {"kind": "adam", "lr": 0.01}}})
    tr = _step(client, sc, 3)["trace"]
    assert tr["optimizer"] == "adam" and tr["optimizer_step"] == 1
    # Adam's first step moves every trainable weight by about lr
    upd = np.abs(np.array(tr["layers"][0]["update_W"]))
    assert np.allclose(upd, 0.01, rtol=1e-3)


def test_set_weight(client):
    sc = _sc(
        {"step": 4, "kind": "set_weight", "layer": 2, "to": 0, "from": 3, "value": -1.25},
        {"step": 4, "kind": "set_weight", "layer": 1, "to": 2, "bias": True, "value": 0.5},
    )
    snap = client.post("/api/v1/snapshot", json={"scenario": sc, "step": 4}).json()
    assert snap["params"][1]["W"][0][3] == -1.25
    assert snap["params"][0]["b"][2] == 0.5
    assert _step(client, sc, 4)["trace"]["layers"][1]["W"][0][3] == -1.25


def test_pruned_weights_stay_zero(client):
    sc = _sc({"step": 3, "kind": "prune", "fraction": 0.5})
    before = client.post("/api/v1/snapshot", json={"scenario": sc, "step": 2}).json()
    w = np.abs(np.concatenate([np.ravel(p["W"]) for p in before["params"]]))
    for k in (3, 4, 20):
        snap = client.post("/api/v1/snapshot", json={"scenario": sc, "step": k}).json()
        flat = np.concatenate([np.ravel(p["W"]) for p in snap["params"]])
        mask = np.concatenate([np.ravel(p) for p in snap["pruned"]])
        assert mask.sum() == 6  # half of 2*4 + 4*1 weights
        assert np.all(flat[mask] == 0.0)
    tr = _step(client, sc, 3)["trace"]
    for layer in tr["layers"]:
        pruned = ~np.array(layer["trainable_W"])
        assert np.all(np.array(layer["grad_W"])[pruned] == 0.0)
        assert np.all(np.array(layer["update_W"])[pruned] == 0.0)
    assert w.size == 12


def test_added_points_join_the_training_set(client):
    sc = _sc({"step": 0, "kind": "add_points", "inputs": [[5.0, 5.0]] * 6, "labels": [1] * 6})
    snap = client.post("/api/v1/snapshot", json={"scenario": sc, "step": 0}).json()
    assert snap["n_train"] == 36 and snap["n_test"] == 30
    seen = set()
    for k in range(6):
        seen |= set(_step(client, sc, k)["trace"]["batch"]["indices"])
    assert set(range(60, 66)) <= seen


def test_set_events_are_checked_against_the_settings_then_in_force(client):
    sc = _sc(
        {"step": 2, "kind": "set", "changes": {"optimizer": {"momentum": 0.9}}},
        {"step": 4, "kind": "set", "changes": {"optimizer": {"nesterov": True}}},
    )
    r = client.post("/api/v1/step", json={"scenario": sc, "step": 5})
    assert r.status_code == 200, r.text
    bad = _sc({"step": 4, "kind": "set", "changes": {"optimizer": {"nesterov": True}}})
    r = client.post("/api/v1/step", json={"scenario": bad, "step": 5})
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"][:4] == ["body", "scenario", "events", 0]


def _error(client, sc):
    r = client.post("/api/v1/snapshot", json={"scenario": sc, "step": 0})
    assert r.status_code == 422, r.text
    (item,) = r.json()["detail"]
    return tuple(item["loc"]), item["msg"]


BN = {**BASE, "normalization": {"kind": "batch"}}  # 30 training rows, batches of 6


def test_normalization_cannot_be_changed_by_an_event(client):
    sc = {
        **BN,
        "events": [{"step": 2, "kind": "set", "changes": {"normalization": {"kind": "none"}}}],
    }
    loc, msg = _error(client, sc)
    assert loc[:5] == ("body", "scenario", "events", 0, "set")
    assert "normalization cannot be changed by an event" in msg
    assert "part of the network" in msg


def test_normalization_refuses_an_event_batch_size_of_one(client):
    for size in (1, 29):  # every batch, or the last of 30 rows
        ev = {"step": 4, "kind": "set", "changes": {"batch_size": size}}
        loc, msg = _error(client, {**BN, "events": [ev]})
        assert loc == ("body", "scenario", "events", 0, "changes", "batch_size")
        assert "at least 2 samples" in msg
    # a later event at the same step puts it right again: no batch of one is ever drawn
    fixed = [
        {"step": 4, "kind": "set", "changes": {"batch_size": 1}},
        {"step": 4, "kind": "set", "changes": {"batch_size": 5}},
    ]
    assert (
        client.post(
            "/api/v1/snapshot", json={"scenario": {**BN, "events": fixed}, "step": 8}
        ).status_code
        == 200
    )


def test_normalization_refuses_added_points_that_leave_one_over(client):
    # 30 + 1 rows in batches of 6: the last batch of each epoch would hold 1
    ev = {"step": 3, "kind": "add_points", "inputs": [[0.1, 0.2]], "labels": [1]}
    loc, msg = _error(client, {**BN, "events": [ev]})
    assert loc == ("body", "scenario", "events", 0, "inputs")
    assert "31 training rows" in msg
    two = {**ev, "inputs": [[0.1, 0.2], [0.3, -0.1]], "labels": [1, 0]}
    r = client.post("/api/v1/snapshot", json={"scenario": {**BN, "events": [two]}, "step": 9})
    assert r.status_code == 200
    assert r.json()["n_train"] == 32
    # the same events are fine without normalization
    r = client.post("/api/v1/snapshot", json={"scenario": {**BASE, "events": [ev]}, "step": 9})
    assert r.status_code == 200


def test_dropout_set_event_is_checked(client):
    ev = {"step": 1, "kind": "set", "changes": {"dropout": {"rate": 0.95}}}
    loc, _ = _error(client, {**BASE, "events": [ev]})
    assert loc[-2:] == ("dropout", "rate")
