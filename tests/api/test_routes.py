"""The contract's routes: status code first, then the body."""

from __future__ import annotations

import base64
import math

import numpy as np
import pytest


def test_health(client):
    r = client.get("/api/v1/health")
    assert r.status_code == 200
    assert r.json()["status"] == "ok"


def test_presets_include_the_named_ones(client, presets):
    assert {
        "worked-example",
        "xor",
        "tf-circle",
        "tf-xor",
        "tf-gauss",
        "tf-spiral",
        "tf-plane",
        "tf-multi-gauss",
    } <= set(presets)
    for p in presets.values():
        r = client.get(f"/api/v1/presets/{p['id']}")
        assert r.status_code == 200
        assert r.json()["scenario"] == p["scenario"]


def test_tf_defaults_are_tf_playgrounds(presets):
    sc = presets["tf-circle"]["scenario"]
    assert sc["dataset"]["n_samples"] == 500 and sc["dataset"]["train_fraction"] == 0.5
    assert sc["hidden_layers"] == [4, 2] and sc["activation"] == "tanh"
    assert sc["optimizer"]["lr"] == 0.03 and sc["batch_size"] == 10
    assert sc["init"]["scheme"] == "uniform" and sc["init"]["scale"] == 0.5
    assert sc["init"]["bias"] == 0.1
    assert sc["output_activation"] == "tanh" and sc["loss"] == "half_sse"
    assert presets["tf-plane"]["scenario"]["output_activation"] == "linear"


def test_tanh_output_uses_minus_one_plus_one_labels(client, presets):
    r = client.post("/api/v1/step", json={"scenario": presets["tf-circle"]["scenario"], "step": 0})
    assert r.status_code == 200
    targets = {t[0] for t in r.json()["trace"]["batch"]["targets"]}
    assert targets <= {-1.0, 1.0} and len(targets) == 2


def test_snapshot_shape(client, presets):
    r = client.post(
        "/api/v1/snapshot", json={"scenario": presets["tf-circle"]["scenario"], "step": 300}
    )
    assert r.status_code == 200
    body = r.json()
    assert body["step"] == 300
    assert body["epoch"] == 300 / 25
    assert [np.shape(p["W"]) for p in body["params"]] == [(4, 2), (2, 4), (1, 2)]
    assert set(body["metrics"]) == {"train_loss", "test_loss", "train_accuracy", "test_accuracy"}
    assert body["diverged"] is False and body["diverged_at_step"] is None


def test_defaults_by_data(client):
    cases = [
        ({"kind": "circle", "n_samples": 50}, "sigmoid", "bce", 1),
        ({"kind": "spiral3", "n_samples": 60}, "softmax", "cross_entropy", 3),
        ({"kind": "plane", "n_samples": 50}, "linear", "mse", 1),
    ]
    for ds, act, loss, width in cases:
        r = client.post("/api/v1/snapshot", json={"scenario": {"dataset": ds}, "step": 0})
        assert r.status_code == 200
        body = r.json()
        assert (body["output_activation"], body["loss"], body["layer_sizes"][-1]) == (
            act,
            loss,
            width,
        )


def test_step_trace_has_every_number(client, presets):
    sc = presets["tf-spiral"]["scenario"]
    r = client.post("/api/v1/step", json={"scenario": sc, "step": 3, "trace_samples": 4})
    assert r.status_code == 200
    body = r.json()
    tr = body["trace"]
    assert body["step"] == 4
    assert len(tr["batch"]["indices"]) == 10
    assert len(tr["loss"]["per_sample"]) == 10
    assert math.isclose(tr["loss"]["data"], sum(tr["loss"]["per_sample"]) / 10, rel_tol=1e-12)
    for layer in tr["layers"]:
        assert len(layer["z"]) == 4 and len(layer["delta"]) == 4
        W = np.array(layer["W"])
        assert np.array_equal(np.array(layer["update_W"]), np.array(layer["W_after"]) - W)
        # plain SGD: the update is -lr * grad
        assert np.allclose(
            layer["update_W"], -tr["lr"] * np.array(layer["grad_W"]), rtol=1e-9, atol=1e-15
        )
    # features a_0 feed layer 1
    a0 = np.array(tr["batch"]["features"][:4])
    l1 = tr["layers"][0]
    assert np.allclose(np.array(l1["z"]), a0 @ np.array(l1["W"]).T + np.array(l1["b"]), rtol=1e-12)


def test_train_history_and_evaluations(client, presets):
    sc = presets["tf-circle"]["scenario"]
    r = client.post(
        "/api/v1/train", json={"scenario": sc, "step": 0, "steps": 5000, "eval_every": 1000}
    )
    assert r.status_code == 200
    body = r.json()
    assert body["step"] == 5000
    hist = body["history"]
    assert len(hist) == 2000
    assert hist[-1]["step"] == 5000 and hist[0]["step"] == 1
    assert len(hist[0]["grad_norm"]) == 3 and len(hist[0]["saturated"]) == 2
    assert [e["step"] for e in body["evaluations"]] == [1000, 2000, 3000, 4000, 5000]
    assert body["metrics"]["train_accuracy"] > 0.95


def test_heatmaps_are_float32_grids(client, presets):
    sc = presets["tf-circle"]["scenario"]
    r = client.post("/api/v1/heatmaps", json={"scenario": sc, "step": 0, "resolution": 16})
    assert r.status_code == 200
    body = r.json()
    assert body["extent"] == [-6.0, 6.0, -6.0, 6.0]
    assert [len(layer["units"]) for layer in body["layers"]] == [2, 4, 2, 1]
    x1 = np.frombuffer(base64.b64decode(body["layers"][0]["units"][0]), dtype="<f4").reshape(16, 16)
    x2 = np.frombuffer(base64.b64decode(body["layers"][0]["units"][1]), dtype="<f4").reshape(16, 16)
    assert x1[0, 0] == -6 and x1[0, -1] == 6  # x varies along a row
    assert x2[0, 0] == -6 and x2[-1, 0] == 6  # y increases with the row
    out = np.frombuffer(base64.b64decode(body["layers"][3]["units"][0]), dtype="<f4")
    assert np.all(np.abs(out) <= 1)


def test_train_can_answer_the_heatmaps_of_its_last_step(client, presets):
    sc = presets["tf-circle"]["scenario"]
    body = {"scenario": sc, "step": 3, "steps": 40, "eval_every": 40}
    plain = client.post("/api/v1/train", json=body).json()
    assert "heatmaps" not in plain
    r = client.post("/api/v1/train", json={**body, "heatmaps_resolution": 12})
    assert r.status_code == 200
    both = r.json()
    assert both["params"] == plain["params"] and both["history"] == plain["history"]
    alone = client.post("/api/v1/heatmaps", json={"scenario": sc, "step": 43, "resolution": 12})
    assert both["heatmaps"] == alone.json()
    assert both["heatmaps"]["step"] == 43 and both["heatmaps"]["resolution"] == 12


def test_openapi_documents_the_contract(client):
    r = client.get("/openapi.json")
    assert r.status_code == 200
    spec = r.json()
    for path in (
        "/api/v1/step",
        "/api/v1/snapshot",
        "/api/v1/train",
        "/api/v1/heatmaps",
        "/api/v1/gradcheck",
        "/api/v1/presets",
    ):
        assert path in spec["paths"]
    step = spec["paths"]["/api/v1/step"]["post"]
    assert {"200", "413", "422", "429"} <= set(step["responses"])
    assert "Scenario" in spec["components"]["schemas"]
    r = client.get("/docs")
    assert r.status_code == 200


def test_weight_decay_belongs_to_adamw_only(client):
    base = {
        "dataset": {
            "kind": "points",
            "train_fraction": 1.0,
            "points": {"inputs": [[1.0, 0.0]], "targets": [[0.0]]},
        },
        "hidden_layers": [],
        "output_activation": "linear",
        "loss": "half_sse",
        "init": {"params": [{"W": [[0.5, 0.0]], "b": [0.0]}]},
        "batch_size": 1,
    }
    sgd = {**base, "optimizer": {"kind": "sgd", "lr": 0.1, "weight_decay": 1.0}}
    r = client.post("/api/v1/step", json={"scenario": sgd, "step": 0})
    assert r.status_code == 200
    layer = r.json()["trace"]["layers"][0]
    assert layer["grad_W"] == [[0.5, 0.0]]
    assert abs(layer["update_W"][0][0] + 0.05) < 1e-15
    adamw = {**base, "optimizer": {"kind": "adamw", "lr": 0.1, "weight_decay": 1.0}}
    r = client.post("/api/v1/step", json={"scenario": adamw, "step": 0})
    assert r.status_code == 200
    # decoupled: w (1 - lr wd) = 0.45, then Adam's first step of about lr
    assert abs(r.json()["trace"]["layers"][0]["W_after"][0][0] - (0.45 - 0.1)) < 1e-6


def test_gradcheck_of_a_huge_network_is_refused_up_front(client):
    sc = {
        "dataset": {"kind": "circle", "n_samples": 5000},
        "hidden_layers": [32] * 8,
        "batch_size": 5000,
    }
    r = client.post("/api/v1/gradcheck", json={"scenario": sc, "step": 0})
    assert r.status_code == 422
    assert r.json()["detail"][0]["type"] == "work_too_large"


def test_dataset_rows_and_split(client, presets):
    sc = {
        **presets["tf-circle"]["scenario"],
        "events": [{"step": 2, "kind": "add_points", "inputs": [[1.0, 1.0]], "labels": [1]}],
    }
    r = client.post("/api/v1/dataset", json={"scenario": sc, "step": 0})
    assert r.status_code == 200
    body = r.json()
    assert len(body["inputs"]) == 500 and len(body["train"]) == 250 and len(body["test"]) == 250
    assert sorted(body["train"] + body["test"]) == list(range(500))
    assert set(body["labels"]) == {0, 1}
    assert {t[0] for t in body["targets"]} == {-1.0, 1.0}  # tanh head
    later = client.post("/api/v1/dataset", json={"scenario": sc, "step": 2}).json()
    assert len(later["inputs"]) == 501 and 500 in later["train"]


def test_schedule_preview_follows_set_events(client, presets):
    sc = {
        **presets["tf-circle"]["scenario"],
        "schedule": {"kind": "warmup", "warmup_steps": 4},
        "events": [{"step": 6, "kind": "set", "changes": {"optimizer": {"lr": 0.1}}}],
    }
    r = client.post("/api/v1/schedule", json={"scenario": sc, "step": 0, "steps": 8})
    assert r.status_code == 200
    lr = r.json()["lr"]
    assert lr[:4] == pytest.approx([0.0075, 0.015, 0.0225, 0.03])
    assert lr[4:6] == [0.03, 0.03] and lr[6:] == [0.1, 0.1]
    step = client.post("/api/v1/step", json={"scenario": sc, "step": 6}).json()
    assert step["trace"]["lr"] == lr[6]


def test_trace_has_fprime(client, presets):
    sc = presets["tf-circle"]["scenario"]
    tr = client.post("/api/v1/step", json={"scenario": sc, "step": 0}).json()["trace"]
    for layer in tr["layers"]:
        a = np.array(layer["a"])
        assert np.allclose(layer["fprime"], 1 - a * a)  # tanh everywhere in this preset
        assert np.allclose(layer["delta"], np.array(layer["dL_da"]) * np.array(layer["fprime"]))


def test_train_history_can_be_thinned(client, presets):
    sc = presets["tf-circle"]["scenario"]
    r = client.post(
        "/api/v1/train", json={"scenario": sc, "step": 0, "steps": 100, "max_history": 10}
    )
    assert r.status_code == 200
    hist = r.json()["history"]
    assert len(hist) == 10 and hist[0]["step"] == 1 and hist[-1]["step"] == 100
