"""One test per kind of bad input: each gets a 4xx JSON answer naming the field, never a 5xx."""

from __future__ import annotations

import pytest

OK = {"dataset": {"kind": "circle", "n_samples": 100}}


def _post(client, path, body):
    return client.post(path, json=body)


def _locs(r):
    return [tuple(item["loc"]) for item in r.json()["detail"]]


def test_malformed_json(client):
    r = client.post(
        "/api/v1/step", content=b'{"scenario": ', headers={"content-type": "application/json"}
    )
    assert r.status_code == 422
    assert r.json()["detail"][0]["type"] == "json_invalid"


def test_deeply_nested_json(client):
    r = client.post(
        "/api/v1/snapshot",
        content=b"[" * 50_000 + b"]" * 50_000,
        headers={"content-type": "application/json"},
    )
    assert r.status_code == 422
    assert "depth" in r.json()["detail"][0]["msg"]


def test_nan_literal_is_refused(client):
    body = b'{"scenario": {"dataset": {"kind": "circle", "noise": NaN}}, "step": 0}'
    r = client.post("/api/v1/snapshot", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 422


def test_oversized_body(client):
    big = b'{"x": "' + b"a" * 3_000_000 + b'"}'
    r = client.post("/api/v1/snapshot", content=big, headers={"content-type": "application/json"})
    assert r.status_code == 413
    assert "limit" in r.json()["detail"][0]["msg"]


def test_missing_dataset(client):
    r = _post(client, "/api/v1/snapshot", {"scenario": {}, "step": 0})
    assert r.status_code == 422
    assert ("body", "scenario", "dataset") in _locs(r)


def test_unknown_field(client):
    r = _post(client, "/api/v1/snapshot", {"scenario": {**OK, "hiden_layers": [3]}, "step": 0})
    assert r.status_code == 422
    assert ("body", "scenario", "hiden_layers") in _locs(r)


def test_wrong_type(client):
    r = _post(client, "/api/v1/snapshot", {"scenario": {**OK, "hidden_layers": "four"}, "step": 0})
    assert r.status_code == 422
    assert ("body", "scenario", "hidden_layers") in _locs(r)


@pytest.mark.parametrize(
    ("patch", "loc", "limit"),
    [
        ({"hidden_layers": [4] * 9}, ("body", "scenario", "hidden_layers"), "8"),
        ({"hidden_layers": [33]}, ("body", "scenario", "hidden_layers", 0), "32"),
        ({"batch_size": 0}, ("body", "scenario", "batch_size"), "1"),
        (
            {"dataset": {"kind": "circle", "n_samples": 10**6}},
            ("body", "scenario", "dataset", "n_samples"),
            "5000",
        ),
        ({"optimizer": {"kind": "sgd", "lr": -1}}, ("body", "scenario", "optimizer", "lr"), "0"),
        ({"title": "x" * 121}, ("body", "scenario", "title"), "120"),
    ],
)
def test_out_of_bounds_names_field_and_limit(client, patch, loc, limit):
    r = _post(client, "/api/v1/snapshot", {"scenario": {**OK, **patch}, "step": 0})
    assert r.status_code == 422
    items = [i for i in r.json()["detail"] if tuple(i["loc"]) == loc]
    assert items, r.json()
    assert limit in items[0]["msg"]


def test_step_out_of_range(client):
    r = _post(client, "/api/v1/snapshot", {"scenario": OK, "step": 10**9})
    assert r.status_code == 422
    assert ("body", "step") in _locs(r)


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"output_activation": "softmax", "loss": "mse"}, "loss"),
        ({"output_activation": "tanh", "loss": "cross_entropy"}, "loss"),
        ({"output_activation": "tanh", "loss": "bce"}, "loss"),
        ({"optimizer": {"kind": "sgd", "nesterov": True, "momentum": 0.0}}, "nesterov"),
    ],
)
def test_combinations_that_make_no_sense(client, patch, field):
    r = _post(client, "/api/v1/step", {"scenario": {**OK, **patch}, "step": 0})
    assert r.status_code == 422
    assert field in r.json()["detail"][0]["loc"]


def test_softmax_on_a_single_target(client):
    sc = {
        "dataset": {"kind": "plane", "n_samples": 50},
        "output_activation": "softmax",
        "loss": "cross_entropy",
    }
    r = _post(client, "/api/v1/step", {"scenario": sc, "step": 0})
    assert r.status_code == 422
    assert "output_activation" in r.json()["detail"][0]["loc"]


def test_explicit_params_of_wrong_shape(client):
    sc = {
        **OK,
        "hidden_layers": [2],
        "init": {"params": [{"W": [[1, 2, 3]], "b": [0]}, {"W": [[1]], "b": [0]}]},
    }
    r = _post(client, "/api/v1/step", {"scenario": sc, "step": 0})
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"][:4] == ["body", "scenario", "init", "params"]


def test_points_without_labels_or_targets(client):
    sc = {"dataset": {"kind": "points", "points": {"inputs": [[0, 1], [1, 0]]}}}
    r = _post(client, "/api/v1/step", {"scenario": sc, "step": 0})
    assert r.status_code == 422
    assert "labels" in r.json()["detail"][0]["msg"]


def test_ragged_points(client):
    sc = {"dataset": {"kind": "points", "points": {"inputs": [[0, 1], [1]], "labels": [0, 1]}}}
    r = _post(client, "/api/v1/step", {"scenario": sc, "step": 0})
    assert r.status_code == 422


def test_event_pointing_at_a_missing_weight(client):
    sc = {
        **OK,
        "hidden_layers": [3],
        "events": [{"step": 1, "kind": "set_weight", "layer": 5, "to": 0, "from": 0, "value": 1}],
    }
    r = _post(client, "/api/v1/snapshot", {"scenario": sc, "step": 2})
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"][:5] == ["body", "scenario", "events", 0, "layer"]


def test_heatmaps_need_2d_data(client):
    sc = {
        "dataset": {
            "kind": "points",
            "points": {"inputs": [[0, 1, 2], [1, 0, 2]], "labels": [0, 1]},
        }
    }
    r = _post(client, "/api/v1/heatmaps", {"scenario": sc, "step": 0, "resolution": 10})
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"][:3] == ["body", "scenario", "dataset"]
    body = {"scenario": sc, "step": 0, "steps": 5, "heatmaps_resolution": 10}
    r = _post(client, "/api/v1/train", body)
    assert r.status_code == 422
    assert "2-D" in r.json()["detail"][0]["msg"]
    for bad in (1, 10_000, 2.5, "8"):
        r = _post(client, "/api/v1/train", {**body, "heatmaps_resolution": bad})
        assert r.status_code == 422
        assert r.json()["detail"][0]["loc"] == ["body", "heatmaps_resolution"]


def test_work_over_the_budget_is_refused_up_front(client):
    sc = {
        "dataset": {"kind": "circle", "n_samples": 5000},
        "hidden_layers": [32] * 8,
        "batch_size": 5000,
    }
    r = _post(client, "/api/v1/snapshot", {"scenario": sc, "step": 1_000_000})
    assert r.status_code == 422
    item = r.json()["detail"][0]
    assert item["type"] == "work_too_large"
    assert "limit" in item["msg"]


def test_unknown_preset(client):
    r = client.get("/api/v1/presets/nope")
    assert r.status_code == 404


def test_unknown_route_is_json_404(client):
    r = client.post("/api/v1/nothing", json={})
    assert r.status_code in (404, 405)


@pytest.mark.parametrize("bad", [True, "5", 2.5, None, [1]])
def test_wrong_json_types_are_refused(client, bad):
    r = _post(client, "/api/v1/snapshot", {"scenario": OK, "step": bad})
    assert r.status_code == 422
    assert ("body", "step") in _locs(r)


def test_number_out_of_double_range(client):
    body = b'{"scenario": {"dataset": {"kind": "circle"}, "optimizer": {"lr": 1e400}}, "step": 1}'
    r = client.post("/api/v1/step", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 422


def test_nesting_within_the_parser_limit_is_a_422_too(client):
    r = client.post(
        "/api/v1/snapshot",
        content=b"[" * 1000 + b"]" * 1000,
        headers={"content-type": "application/json"},
    )
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body"]


def test_integers_beyond_64_bits_stay_integers(client):
    body = b'{"scenario": {"dataset": {"kind": "circle"}}, "step": 18446744073709551616}'
    r = client.post("/api/v1/snapshot", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 422
    item = r.json()["detail"][0]
    assert item["loc"] == ["body", "step"]
    assert item["type"] == "less_than_equal"


BN = {"kind": "batch"}


@pytest.mark.parametrize(
    ("batch_size", "which"), [(1, "every batch"), (49, "the last batch"), (7, "the last batch")]
)
def test_normalization_refuses_batches_of_one(client, batch_size, which):
    # 100 samples, half for training: 50 rows; 49 and 7 leave a last batch of 1
    sc = {**OK, "normalization": BN, "batch_size": batch_size}
    r = _post(client, "/api/v1/snapshot", {"scenario": sc, "step": 0})
    assert r.status_code == 422
    assert _locs(r) == [("body", "scenario", "batch_size")]
    msg = r.json()["detail"][0]["msg"]
    assert "at least 2 samples" in msg and which in msg
    ok = {**sc, "normalization": {"kind": "none"}}
    assert _post(client, "/api/v1/snapshot", {"scenario": ok, "step": 0}).status_code == 200


def test_dropout_rate_above_the_limit(client):
    sc = {**OK, "dropout": {"rate": 0.95}}
    r = _post(client, "/api/v1/snapshot", {"scenario": sc, "step": 0})
    assert r.status_code == 422
    assert _locs(r) == [("body", "scenario", "dropout", "rate")]
    assert "0.9" in r.json()["detail"][0]["msg"]


def test_gamma_for_a_layer_without_normalization(client):
    sc = {
        **OK,
        "hidden_layers": [2],
        "init": {"params": [{"W": [[1, 2], [3, 4]], "b": [0, 0], "gamma": [1, 1]},
                            {"W": [[1, 1]], "b": [0]}]},
    }  # fmt: skip
    r = _post(client, "/api/v1/snapshot", {"scenario": sc, "step": 0})
    assert r.status_code == 422
    assert _locs(r) == [("body", "scenario", "init", "params", 0, "gamma")]
    sc["normalization"] = BN
    sc["init"]["params"][0]["gamma"] = [1, 1, 1]
    r = _post(client, "/api/v1/snapshot", {"scenario": sc, "step": 0})
    assert r.status_code == 422 and "2 values" in r.json()["detail"][0]["msg"]
