"""Batch normalization through the API: the trace's `bn` object, eval mode for whole-set
metrics and heatmaps, /gradcheck of gamma and beta, history and health, the same numbers on
every route, and the response models in /openapi.json."""

from __future__ import annotations

import base64

import numpy as np

BN = {
    "dataset": {"kind": "circle", "n_samples": 120, "noise": 0.1, "seed": 2},
    "hidden_layers": [5, 3],
    "activation": "tanh",
    "optimizer": {"kind": "sgd", "lr": 0.1, "momentum": 0.5},
    "batch_size": 8,
    "normalization": {"kind": "batch", "momentum": 0.1, "eps": 1e-5},
}
BN_FIELDS = {
    "mean", "var", "inv_std", "gamma", "beta", "grad_gamma", "grad_beta", "gamma_after",
    "beta_after", "running_mean", "running_var", "mean_delta_y", "mean_delta_y_xhat", "x_hat",
    "y", "delta_y",
}  # fmt: skip


def _post(client, path: str, **body) -> dict:
    r = client.post(f"/api/v1/{path}", json=body)
    assert r.status_code == 200, r.text
    return r.json()


def _act(name: str, x: np.ndarray) -> np.ndarray:
    return {"tanh": np.tanh, "relu": lambda v: np.maximum(v, 0.0)}[name](x)


def eval_forward(params: list[dict], X: np.ndarray, act: str, eps: float) -> list[np.ndarray]:
    """Every layer's output in eval mode, with numpy: y = gamma (z - running_mean) /
    sqrt(running_var + eps) + beta; the sigmoid head's output last."""
    outs, h = [], X
    for p in params[:-1]:
        z = h @ np.asarray(p["W"]).T + np.asarray(p["b"])
        y = np.asarray(p["gamma"]) * (z - np.asarray(p["running_mean"])) / np.sqrt(
            np.asarray(p["running_var"]) + eps
        ) + np.asarray(p["beta"])
        h = _act(act, y)
        outs.append(h)
    z = h @ np.asarray(params[-1]["W"]).T + np.asarray(params[-1]["b"])
    outs.append(1.0 / (1.0 + np.exp(-z)))
    return outs


def test_trace_has_the_bn_object(client):
    body = _post(client, "step", scenario=BN, step=4, trace_samples=5)
    layers = body["trace"]["layers"]
    assert layers[-1]["bn"] is None
    for layer, n in zip(layers[:-1], [5, 3], strict=True):
        bn = layer["bn"]
        assert set(bn) == BN_FIELDS
        for key in BN_FIELDS - {"x_hat", "y", "delta_y"}:
            assert len(bn[key]) == n, key
        x_hat, y = np.asarray(bn["x_hat"]), np.asarray(bn["y"])
        assert x_hat.shape == y.shape == (5, n)  # trace_samples rows
        assert np.allclose(y, np.asarray(bn["gamma"]) * x_hat + np.asarray(bn["beta"]))
        assert np.allclose(layer["fprime"], 1 - np.tanh(y) ** 2)  # f'(y)
        assert np.allclose(layer["a"], np.tanh(y))
        z = np.asarray(layer["z"])
        assert np.allclose(x_hat, (z - bn["mean"]) * np.asarray(bn["inv_std"]))
        assert layer["dropout_mask"] is None
        # delta_i = gamma/sqrt(var + eps) (delta_y_i - mean delta_y - x_hat_i mean(delta_y x_hat))
        want = (np.asarray(bn["gamma"]) * np.asarray(bn["inv_std"])) * (
            np.asarray(bn["delta_y"]) - bn["mean_delta_y"] - x_hat * bn["mean_delta_y_xhat"]
        )
        assert np.allclose(layer["delta"], want, rtol=1e-12, atol=1e-15)
        # the bias before a normalization gets (numerically) no gradient
        assert np.max(np.abs(layer["grad_b_data"])) < 1e-12
    # the whole batch: x_hat has mean 0 and variance var / (var + eps) per unit
    full = _post(client, "step", scenario=BN, step=4, trace_samples=256)["trace"]["layers"][0]
    x_hat = np.asarray(full["bn"]["x_hat"])
    assert x_hat.shape[0] == 8
    assert np.allclose(x_hat.mean(axis=0), 0.0, atol=1e-12)
    var = np.asarray(full["bn"]["var"])
    assert np.allclose(x_hat.var(axis=0), var / (var + 1e-5), rtol=1e-9)
    assert full["optimizer_state"].keys() >= {"momentum_buffer_gamma", "momentum_buffer_beta"}


def test_snapshot_params_and_metrics_are_eval_mode(client):
    snap = _post(client, "snapshot", scenario=BN, step=40)
    params = snap["params"]
    assert set(params[0]) == {"W", "b", "gamma", "beta", "running_mean", "running_var"}
    assert set(params[-1]) == {"W", "b"}
    assert np.all(np.asarray(params[0]["running_var"]) > 0)
    data = _post(client, "dataset", scenario=BN, step=40)
    X = np.asarray(data["features"])
    out = eval_forward(params, X, "tanh", 1e-5)[-1][:, 0]
    y = np.asarray(data["targets"])[:, 0]
    test = data["test"]
    bce = -(y * np.log(out) + (1 - y) * np.log(1 - out))
    assert np.isclose(snap["metrics"]["test_loss"], bce[test].mean(), rtol=1e-9)
    acc = np.mean((out[test] > 0.5) == (y[test] > 0.5))
    assert snap["metrics"]["test_accuracy"] == acc


def test_heatmaps_are_eval_mode(client):
    snap = _post(client, "snapshot", scenario=BN, step=25)
    hm = _post(client, "heatmaps", scenario=BN, step=25, resolution=7)
    x0, x1, y0, y1 = hm["extent"]
    gx, gy = np.meshgrid(np.linspace(x0, x1, 7), np.linspace(y0, y1, 7))
    grid = np.column_stack([gx.ravel(), gy.ravel()])
    outs = eval_forward(snap["params"], grid, "tanh", 1e-5)
    for layer, want in zip(hm["layers"][1:], outs, strict=True):
        got = np.stack([np.frombuffer(base64.b64decode(u), "<f4") for u in layer["units"]], 1)
        assert np.allclose(got, want, rtol=1e-5, atol=1e-6)


def test_gradcheck_covers_gamma_and_beta(client):
    body = _post(client, "gradcheck", scenario=BN, step=12)
    sizes = [2, 5, 3, 1]
    n_wb = sum(a * b + b for a, b in zip(sizes, sizes[1:], strict=False))
    assert body["n_params"] == n_wb + 2 * (5 + 3)
    for layer in body["layers"][:-1]:
        for key in ("grad_gamma", "numeric_gamma", "grad_beta", "numeric_beta"):
            assert layer[key] is not None and len(layer[key]) == len(layer["grad_b"])
        assert np.allclose(layer["grad_gamma"], layer["numeric_gamma"], rtol=1e-5, atol=1e-8)
        # the biases right before a normalization: exactly 0 in exact arithmetic
        assert np.max(np.abs(layer["grad_b"])) < 1e-12
        assert np.max(np.abs(layer["numeric_b"])) < 1e-8
    assert body["layers"][-1]["grad_gamma"] is None
    assert body["max_rel_error"] < 1e-5
    assert body["max_abs_error"] < 1e-8


def test_every_route_gives_the_same_numbers(client):
    chained = None
    for k in range(6):
        chained = _post(client, "step", scenario=BN, step=k)
    trained = _post(client, "train", scenario=BN, step=0, steps=6)
    snap = _post(client, "snapshot", scenario=BN, step=6)
    assert chained["params"] == trained["params"] == snap["params"]
    assert chained["metrics"] == trained["metrics"] == snap["metrics"]


def test_history_and_health_with_normalization(client):
    relu = {**BN, "activation": "relu", "hidden_layers": [6, 6, 6]}
    body = _post(client, "train", scenario=relu, step=0, steps=30)
    assert body["health"]["status"] in ("ok", "warning")
    assert len(body["history"]) == 30
    # dead: relu(y) = 0 for every sample of the batch, i.e. f'(y) = 0 throughout
    k = 17
    entry = body["history"][k - 1]
    trace = _post(client, "step", scenario=relu, step=k - 1)["trace"]
    for layer, dead in zip(trace["layers"][:-1], entry["dead"], strict=True):
        fp = np.asarray(layer["fprime"])
        assert dead == np.mean(np.all(fp == 0, axis=0))
    assert entry["grad_norm"] == [layer["grad_norm"] for layer in trace["layers"]]


def test_openapi_documents_the_new_fields(client):
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    assert set(schemas["BatchNormTrace"]["properties"]) == BN_FIELDS
    assert {"bn", "dropout_mask"} <= set(schemas["LayerTrace"]["properties"])
    assert {"gamma", "running_var"} <= set(schemas["LayerValues"]["properties"])
    assert {"normalization", "dropout"} <= set(schemas["Scenario"]["properties"])
    assert schemas["DropoutSpec"]["properties"]["rate"]["maximum"] == 0.9
