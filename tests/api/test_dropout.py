"""Dropout through the API: the contract's masks in the trace, a after them, eval mode for
whole-set metrics and heatmaps, dead units judged before dropout, changes by `set` events."""

from __future__ import annotations

import numpy as np

from tests.reference.simple_net import dropout_kept

DROP = {
    "dataset": {"kind": "gauss", "n_samples": 100, "noise": 0.2, "seed": 4},
    "hidden_layers": [6, 4],
    "activation": "relu",
    "init": {"scheme": "he_uniform", "seed": 2},
    "optimizer": {"kind": "sgd", "lr": 0.05},
    "batch_size": 10,
    "dropout": {"rate": 0.4, "seed": 11},
}


def _post(client, path: str, **body) -> dict:
    r = client.post(f"/api/v1/{path}", json=body)
    assert r.status_code == 200, r.text
    return r.json()


def _with(sc: dict, **changes) -> dict:
    return {**sc, **changes}


def test_masks_follow_the_contract_and_a_is_after_them(client):
    k = 13
    trace = _post(client, "step", scenario=DROP, step=k)["trace"]
    rows = trace["batch"]["indices"]
    for layer_no, layer in enumerate(trace["layers"][:-1], start=1):
        mask = np.asarray(layer["dropout_mask"])
        want = [
            [
                1 / 0.6 if dropout_kept(11, k, r, layer_no, j, 0.4) else 0.0
                for j in range(mask.shape[1])
            ]
            for r in rows
        ]
        assert mask.tolist() == want
        z = np.asarray(layer["z"])
        assert np.array_equal(layer["a"], np.maximum(z, 0.0) * mask)
        assert np.array_equal(layer["fprime"], (z > 0).astype(float))  # f'(z), before dropout
        assert np.allclose(layer["delta"], np.asarray(layer["dL_da"]) * mask * layer["fprime"])
        assert layer["bn"] is None
    assert trace["layers"][-1]["dropout_mask"] is None  # never the output layer


def test_metrics_and_heatmaps_do_not_drop_units(client):
    """At step 0 the parameters are the same whatever the rate: eval mode has no dropout."""
    off = _with(DROP, dropout={"rate": 0.0, "seed": 11})
    other_seed = _with(DROP, dropout={"rate": 0.9, "seed": 5})
    for sc in (DROP, other_seed):
        assert (
            _post(client, "snapshot", scenario=sc, step=0)["metrics"]
            == (_post(client, "snapshot", scenario=off, step=0)["metrics"])
        )
        hm = _post(client, "heatmaps", scenario=sc, step=0, resolution=6)
        assert (
            hm["layers"] == _post(client, "heatmaps", scenario=off, step=0, resolution=6)["layers"]
        )
    # training does differ
    assert (
        _post(client, "snapshot", scenario=DROP, step=5)["params"]
        != (_post(client, "snapshot", scenario=off, step=5)["params"])
    )


def test_dead_units_are_judged_before_dropout(client):
    """A dropped unit outputs 0, but it is not dead: dead means relu(z) = 0 for the whole
    batch, whatever the mask (at rate 0.9 most units are dropped for most samples)."""
    sc = _with(DROP, dropout={"rate": 0.9, "seed": 3})
    body = _post(client, "train", scenario=sc, step=0, steps=12)
    for k in (1, 6, 12):
        trace = _post(client, "step", scenario=sc, step=k - 1)["trace"]
        for layer, dead in zip(trace["layers"][:-1], body["history"][k - 1]["dead"], strict=True):
            z = np.asarray(layer["z"])
            assert dead == np.mean(np.all(z <= 0, axis=0))
            a = np.asarray(layer["a"])
            assert np.mean(np.all(a == 0, axis=0)) >= dead


def test_a_set_event_changes_the_rate_mid_run(client):
    sc = _with(DROP, events=[{"step": 3, "kind": "set", "changes": {"dropout": {"rate": 0.0}}}])
    assert _post(client, "step", scenario=sc, step=2)["trace"]["layers"][0]["dropout_mask"]
    assert _post(client, "step", scenario=sc, step=3)["trace"]["layers"][0]["dropout_mask"] is None
    on = _with(sc, events=[{"step": 3, "kind": "set", "changes": {"dropout": {"rate": 0.5}}}])
    masks = _post(client, "step", scenario=on, step=3)["trace"]["layers"][0]["dropout_mask"]
    assert set(np.ravel(masks)) <= {0.0, 2.0}
    chained = None
    for k in range(6):
        chained = _post(client, "step", scenario=on, step=k)
    trained = _post(client, "train", scenario=on, step=0, steps=6)
    assert chained["params"] == trained["params"]
    assert chained["params"] == _post(client, "snapshot", scenario=on, step=6)["params"]


def test_gradcheck_uses_the_updates_masks(client):
    """The checked loss is the next update's, with that update's masks (so the numeric slope
    agrees with the analytic gradient), and with normalization gamma and beta too."""
    tanh = _with(DROP, activation="tanh")
    for sc in (tanh, _with(tanh, normalization={"kind": "batch"})):
        body = _post(client, "gradcheck", scenario=sc, step=7)
        assert body["max_rel_error"] < 1e-5 and body["max_abs_error"] < 1e-8
        trace = _post(client, "step", scenario=sc, step=7)["trace"]
        assert body["batch_indices"] == trace["batch"]["indices"]
        for layer, traced in zip(body["layers"], trace["layers"], strict=True):
            assert np.allclose(layer["grad_W"], traced["grad_W_data"], rtol=1e-12, atol=1e-15)
