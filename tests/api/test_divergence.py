"""A diverging run is an answer: diverged, where, and nulls for non-finite numbers."""

from __future__ import annotations

import base64
import warnings

import numpy as np


def test_diverging_preset(client, presets):
    sc = presets["lr-too-high"]["scenario"]
    r = client.post("/api/v1/snapshot", json={"scenario": sc, "step": 300})
    assert r.status_code == 200
    body = r.json()
    assert body["diverged"] is True
    at = body["diverged_at_step"]
    assert 0 < at <= 300
    # later steps stay diverged at the same step, with the same frozen state
    later = client.post("/api/v1/snapshot", json={"scenario": sc, "step": 400}).json()
    assert later["diverged_at_step"] == at and later["params"] == body["params"]
    before = client.post("/api/v1/snapshot", json={"scenario": sc, "step": at - 1}).json()
    assert before["diverged"] is False
    # the diverging update itself is traced, with nulls where numbers are not finite
    r = client.post("/api/v1/step", json={"scenario": sc, "step": at - 1})
    assert r.status_code == 200
    step = r.json()
    assert step["diverged"] is True and step["trace"] is not None
    # stepping on from a diverged state answers, without a trace
    r = client.post("/api/v1/step", json={"scenario": sc, "step": at + 5})
    assert r.status_code == 200
    assert r.json()["trace"] is None and r.json()["diverged"] is True
    r = client.post("/api/v1/train", json={"scenario": sc, "step": 0, "steps": 300})
    assert r.status_code == 200
    assert r.json()["diverged_at_step"] == at
    assert r.json()["history"][-1]["step"] == at


def test_overflow_reaches_json_as_null(client):
    sc = {
        "dataset": {"kind": "plane", "n_samples": 40},
        "hidden_layers": [],
        "optimizer": {"kind": "sgd", "lr": 900.0},
        "batch_size": 40,
    }
    r = client.post("/api/v1/snapshot", json={"scenario": sc, "step": 200})
    assert r.status_code == 200
    body = r.json()
    assert body["diverged"] is True
    flat = [w for p in body["params"] for row in p["W"] for w in row]
    assert None in flat or body["metrics"]["train_loss"] is None


def test_heatmaps_of_a_diverged_run_are_non_finite_not_a_warning(client, presets):
    sc = presets["lr-too-high"]["scenario"]
    body = {"scenario": sc, "step": 0, "steps": 400, "heatmaps_resolution": 8}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an overflow in the float32 cast would fail here
        r = client.post("/api/v1/train", json=body)
    assert r.status_code == 200
    answer = r.json()
    assert answer["diverged"] is True
    hidden = answer["heatmaps"]["layers"][1]["units"]
    grids = [np.frombuffer(base64.b64decode(u), dtype="<f4") for u in hidden]
    assert any(not np.all(np.isfinite(g)) for g in grids)
    same = client.post("/api/v1/heatmaps", json={"scenario": sc, "step": 400, "resolution": 8})
    assert same.json() == answer["heatmaps"]
