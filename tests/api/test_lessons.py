"""The lesson gallery: every lesson's effect happens, measured through the API.

Each test runs a lesson preset's scenario (and its `compare` twin) with POST /train, /step,
/snapshot or /heatmaps and asserts on the numbers the lesson's summary talks about.
"""

from __future__ import annotations

import base64
import copy
import math
import re

import numpy as np
import pytest

from backprop_playground.schemas import Scenario

LESSONS = {
    "worked-example",
    "xor",
    "lr-too-high",
    "lr-too-low",
    "vanishing-gradients",
    "exploding-gradients",
    "zero-init",
    "xavier-vs-he",
    "dying-relu",
    "l1-vs-l2",
    "sgd-vs-adam",
    "momentum",
    "warmup",
    "cyclic-lr",
    "prune-90",
    "plane-regression",
    "spiral3-softmax",
    "batchnorm-init",
    "overfitting-dropout",
}
OLD_IDS = {
    "worked-example",
    "xor",
    "tf-circle",
    "tf-xor",
    "tf-gauss",
    "tf-spiral",
    "tf-plane",
    "tf-multi-gauss",
    "lr-too-high",
}


# ---------------------------------------------------------------- helpers


def _post(client, path: str, **body) -> dict:
    r = client.post(f"/api/v1/{path}", json=body)
    assert r.status_code == 200, r.text
    return r.json()


def snapshot(client, sc: dict, step: int) -> dict:
    return _post(client, "snapshot", scenario=sc, step=step)


def train(client, sc: dict, steps: int, step: int = 0) -> dict:
    return _post(client, "train", scenario=sc, step=step, steps=steps)


def trace(client, sc: dict, step: int) -> dict:
    body = _post(client, "step", scenario=sc, step=step)
    assert body["trace"] is not None
    return body["trace"]


def weights(snap: dict) -> np.ndarray:
    """Every weight (no biases) of a snapshot, flattened."""
    return np.concatenate([np.ravel(np.asarray(p["W"], dtype=float)) for p in snap["params"]])


def mean_grad_norms(history: list[dict], first: int | None = None) -> np.ndarray:
    rows = history[:first] if first else history
    return np.mean([h["grad_norm"] for h in rows], axis=0)


def lesson(presets: dict, pid: str) -> tuple[dict, dict | None, int]:
    p = presets[pid]
    return p["scenario"], p.get("compare"), p["steps"]


def hidden_rms(client, sc: dict, step: int = 0, resolution: int = 40) -> list[float]:
    """Root-mean-square output of each hidden layer over the heatmap grid."""
    hm = _post(client, "heatmaps", scenario=sc, step=step, resolution=resolution)
    out = []
    for layer in hm["layers"][1:-1]:
        a = np.stack([np.frombuffer(base64.b64decode(u), "<f4") for u in layer["units"]])
        out.append(float(np.sqrt(np.mean(a.astype(np.float64) ** 2))))
    return out


def _sentences(text: str) -> int:
    return len(re.findall(r"[.!?](?:\s|$)", text))


def _without_title(sc: dict) -> dict:
    out = copy.deepcopy(sc)
    out.pop("title", None)
    return out


# ---------------------------------------------------------------- the gallery itself


def test_every_preset_validates_and_every_lesson_is_complete(client, presets):
    assert set(presets) >= OLD_IDS
    lessons = {pid for pid, p in presets.items() if p.get("lesson")}
    assert lessons >= LESSONS
    for pid, p in presets.items():
        Scenario.model_validate(p["scenario"])
        if p.get("compare") is not None:
            Scenario.model_validate(p["compare"])
        if not p.get("lesson"):
            continue
        assert p["title"].strip(), pid
        assert 1 <= _sentences(p["summary"]) <= 3, (pid, p["summary"])
        assert "<" not in p["summary"], pid
        assert p["watch"].strip(), pid
        assert p["steps"] > 0, pid
        scenarios = [p["scenario"]]
        if p.get("compare") is not None:
            assert p["compare_label"].strip(), pid
            assert _without_title(p["compare"]) != _without_title(p["scenario"]), pid
            assert p["compare"].get("title") != p["scenario"].get("title"), pid
            scenarios.append(p["compare"])
        else:
            assert not p.get("compare_label"), pid
        for sc in scenarios:
            # small enough to run its suggested steps at once, and 2-D so heatmaps show
            if sc["dataset"]["kind"] != "points":
                assert sc["dataset"]["n_samples"] <= 500, pid
            assert sum(sc["hidden_layers"]) <= 200, pid
            hm = client.post("/api/v1/heatmaps", json={"scenario": sc, "step": 0, "resolution": 4})
            assert hm.status_code == 200, (pid, hm.text)


def test_lessons_that_contrast_two_settings_have_a_compare(presets):
    single = {"worked-example", "prune-90", "plane-regression", "spiral3-softmax"}
    for pid in LESSONS - single:
        assert presets[pid].get("compare") is not None, pid


# ---------------------------------------------------------------- one test per lesson


def test_worked_example(client, presets):
    sc, _, steps = lesson(presets, "worked-example")
    body = _post(client, "step", scenario=sc, step=steps - 1)
    assert body["trace"]["loss"]["total"] == pytest.approx(0.298371109, abs=1e-9)
    assert body["trace"]["layers"][1]["W_after"][0][0] == pytest.approx(0.35891648, abs=1e-8)
    assert body["metrics"]["train_loss"] == pytest.approx(0.291027774, abs=1e-9)


def test_xor_needs_a_hidden_layer(client, presets):
    sc, cmp, steps = lesson(presets, "xor")
    assert cmp["hidden_layers"] == [] and sc["hidden_layers"] == [2]
    with_hidden = snapshot(client, sc, steps)["metrics"]
    without = snapshot(client, cmp, steps)["metrics"]
    assert with_hidden["train_accuracy"] == 1.0
    assert with_hidden["train_loss"] < 0.1
    assert without["train_accuracy"] <= 0.75
    # the best a straight line can do is to say 0.5 everywhere: loss ln 2
    assert without["train_loss"] == pytest.approx(math.log(2), abs=1e-3)


def test_lr_too_high_overshoots_then_diverges(client, presets):
    sc, cmp, steps = lesson(presets, "lr-too-high")
    assert sc["title"] == "Learning rate too high"
    run = train(client, sc, steps)
    assert run["diverged"] is True
    at = run["diverged_at_step"]
    assert 3 <= at <= steps
    # each update overshoots: the output bias swings to the other side, further every time
    moves = [trace(client, sc, k)["layers"][-1]["update_b"][0] for k in range(at - 1)]
    for a, b in zip(moves, moves[1:], strict=False):
        assert a * b < 0, moves
        assert abs(b) > 10 * abs(a), moves
    # the same network at a thirtieth of the rate learns
    good = train(client, cmp, 300)
    assert good["diverged"] is False
    start = snapshot(client, cmp, 0)["metrics"]["train_loss"]
    assert good["metrics"]["train_loss"] < 0.01 * start


def test_lr_too_low_barely_moves(client, presets):
    sc, cmp, steps = lesson(presets, "lr-too-low")
    assert sc["optimizer"]["lr"] < cmp["optimizer"]["lr"] / 100
    start = snapshot(client, sc, 0)["metrics"]["train_loss"]
    assert snapshot(client, cmp, 0)["metrics"]["train_loss"] == start  # same start
    low = snapshot(client, sc, steps)["metrics"]["train_loss"]
    good = snapshot(client, cmp, steps)["metrics"]["train_loss"]
    assert low < start  # it does go the right way ...
    assert low > 0.6 * start  # ... but barely
    assert good < 0.01 * start


def test_vanishing_gradients_in_deep_sigmoid_not_with_relu_he(client, presets):
    sc, cmp, steps = lesson(presets, "vanishing-gradients")
    sig = train(client, sc, steps)
    relu = train(client, cmp, steps)
    hidden = len(sc["hidden_layers"])
    g = mean_grad_norms(sig["history"], 100)[:hidden]  # layers 1..6
    # each layer's gradient is smaller than the next one's, and the first layer's is more
    # than a hundred times smaller than the last hidden layer's
    assert all(g[i] < 0.8 * g[i + 1] for i in range(hidden - 1)), g
    assert g[-1] / g[0] > 100, g
    r = mean_grad_norms(relu["history"], 100)[:hidden]
    assert r.max() / r.min() < 5, r
    assert r[0] > 100 * g[0]
    assert sig["metrics"]["train_accuracy"] < 0.6
    assert relu["metrics"]["train_accuracy"] > 0.9


def test_exploding_gradients_and_clipping(client, presets):
    sc, cmp, steps = lesson(presets, "exploding-gradients")
    threshold = cmp["clip"]["threshold"]
    assert cmp["clip"]["kind"] == "norm" and sc["clip"]["kind"] == "none"
    first = trace(client, cmp, 0)
    assert first["grad_norm"]["before_clip"] > 100 * threshold
    assert first["grad_norm"]["after_clip"] == pytest.approx(threshold, rel=1e-6)
    unclipped_first = trace(client, sc, 0)
    assert unclipped_first["grad_norm"]["before_clip"] == first["grad_norm"]["before_clip"]
    assert unclipped_first["grad_norm"]["after_clip"] == first["grad_norm"]["before_clip"]
    # clipped: every update is at most lr * threshold long, and the run fits the plane
    clipped = train(client, cmp, steps)
    assert clipped["diverged"] is False
    assert clipped["metrics"]["train_loss"] < 0.1
    clipped_often = sum(np.linalg.norm(h["grad_norm"]) > threshold for h in clipped["history"])
    assert clipped_often > steps // 2
    # unclipped: the gradient norm runs away and the run diverges within a few steps
    wild = train(client, sc, steps)
    assert wild["diverged"] is True and wild["diverged_at_step"] <= 10
    norms = [np.linalg.norm(h["grad_norm"]) for h in wild["history"] if None not in h["grad_norm"]]
    assert max(norms) > 1e6


def test_zero_init_never_breaks_symmetry(client, presets):
    sc, cmp, steps = lesson(presets, "zero-init")
    snap = snapshot(client, sc, steps)
    params = snap["params"]
    for layer in params[:-1]:  # hidden layers: every unit identical, bit for bit
        W = np.asarray(layer["W"])
        assert (W[0] == W).all(), W
        assert len(set(layer["b"])) == 1
        assert np.abs(W).max() > 0.1  # the weights did move, all together
    out = np.asarray(params[-1]["W"])
    assert (out == out[0, 0]).all()
    # random init breaks the tie and the units become different
    other = snapshot(client, cmp, steps)
    W = np.asarray(other["params"][0]["W"])
    assert len({tuple(row) for row in W.tolist()}) == W.shape[0]
    assert snap["metrics"]["train_accuracy"] < 0.8
    assert other["metrics"]["train_accuracy"] > 0.95


def test_xavier_against_he_for_relu(client, presets):
    sc, cmp, steps = lesson(presets, "xavier-vs-he")
    assert sc["init"]["scheme"].startswith("xavier") and cmp["init"]["scheme"].startswith("he")
    xav = hidden_rms(client, sc)
    he = hidden_rms(client, cmp)
    # Xavier: the signal shrinks layer after layer; He: it keeps its size
    assert xav[-1] < xav[0] / 10, xav
    assert he[-1] > he[0] / 2, he
    assert he[-1] > 10 * xav[-1]
    x_loss = snapshot(client, sc, steps)["metrics"]["train_loss"]
    h_loss = snapshot(client, cmp, steps)["metrics"]["train_loss"]
    assert h_loss < 0.5 * x_loss


def test_dying_relus(client, presets):
    sc, cmp, steps = lesson(presets, "dying-relu")
    run = train(client, sc, steps)
    late = run["history"][-50:]
    dead = np.mean([h["dead"] for h in late], axis=0)
    assert dead[-1] == 1.0  # every unit of the second hidden layer, for every sample
    # a dead layer passes no gradient back: the hidden layers' gradients are exactly 0
    assert all(h["grad_norm"][0] == 0.0 and h["grad_norm"][1] == 0.0 for h in late)
    assert run["metrics"]["train_loss"] > 0.2  # a constant prediction
    alive = train(client, cmp, steps)
    alive_dead = np.mean([h["dead"] for h in alive["history"][-50:]], axis=0)
    assert alive_dead.max() < 0.3
    assert alive["metrics"]["train_loss"] < 0.02


def test_l1_sparsity_against_l2_shrinkage(client, presets):
    sc, cmp, steps = lesson(presets, "l1-vs-l2")
    assert sc["regularization"]["kind"] == "l1" and cmp["regularization"]["kind"] == "l2"
    assert sc["regularization"]["rate"] == cmp["regularization"]["rate"]
    plain = copy.deepcopy(sc)
    plain["regularization"] = {"kind": "none", "rate": 0.0}
    s1, s2, s0 = (snapshot(client, s, steps) for s in (sc, cmp, plain))
    w1, w2, w0 = weights(s1), weights(s2), weights(s0)
    near_zero = [float(np.mean(np.abs(w) < 1e-3)) for w in (w1, w2)]
    assert near_zero[0] > 0.4, near_zero  # L1: many weights at 0
    assert near_zero[1] < 0.05, near_zero  # L2: (almost) none
    assert np.linalg.norm(w2) < 0.9 * np.linalg.norm(w0)  # L2 shrinks them all
    # L1 keeps the inputs that matter for a circle: x1_sq and x2_sq
    cols = np.linalg.norm(np.asarray(s1["params"][0]["W"]), axis=0)
    top2 = {sc["features"][i] for i in np.argsort(cols)[-2:]}
    assert top2 == {"x1_sq", "x2_sq"}, cols
    for s in (s1, s2):
        assert s["metrics"]["train_accuracy"] > 0.95


def test_sgd_against_adam(client, presets):
    sc, cmp, steps = lesson(presets, "sgd-vs-adam")
    assert sc["optimizer"]["kind"] == "sgd" and cmp["optimizer"]["kind"] == "adam"
    assert sc["optimizer"]["lr"] == cmp["optimizer"]["lr"]
    sgd = snapshot(client, sc, steps)["metrics"]
    adam = snapshot(client, cmp, steps)["metrics"]
    assert adam["train_loss"] < 0.5 * sgd["train_loss"]
    assert adam["train_accuracy"] > 0.9 > sgd["train_accuracy"]


def test_momentum_against_plain_sgd(client, presets):
    sc, cmp, steps = lesson(presets, "momentum")
    assert sc == presets["sgd-vs-adam"]["scenario"]  # the same data and network
    assert cmp["optimizer"]["momentum"] == 0.9 and sc["optimizer"]["momentum"] == 0.0
    plain = snapshot(client, sc, steps)["metrics"]
    heavy = snapshot(client, cmp, steps)["metrics"]
    assert heavy["train_loss"] < 0.5 * plain["train_loss"]
    assert heavy["train_accuracy"] > 0.9
    # the trace shows the momentum buffer carrying past gradients
    t = trace(client, cmp, 10)
    assert t["layers"][0]["optimizer_state"]


def test_warmup(client, presets):
    sc, cmp, steps = lesson(presets, "warmup")
    lr = sc["optimizer"]["lr"]
    warm = sc["schedule"]["warmup_steps"]
    run = train(client, sc, steps)
    by_step = {h["step"]: h["lr"] for h in run["history"]}
    # history entry s is update k = s - 1, at lr * (k + 1) / warmup_steps while k < warmup
    for s in range(1, warm + 1):
        assert by_step[s] == pytest.approx(lr * s / warm, rel=1e-12)
    assert all(by_step[s] == lr for s in range(warm + 1, steps + 1))
    assert run["metrics"]["train_loss"] < 0.02
    assert np.mean([h["dead"][-1] for h in run["history"][-50:]]) < 0.5
    constant = train(client, cmp, steps)
    assert {h["lr"] for h in constant["history"]} == {lr}
    assert constant["metrics"]["train_loss"] > 0.2
    assert constant["history"][-1]["dead"][-1] == 1.0


def test_cyclic_learning_rate(client, presets):
    sc, cmp, steps = lesson(presets, "cyclic-lr")
    base, top = sc["optimizer"]["lr"], sc["schedule"]["max_lr"]
    size = sc["schedule"]["step_size"]
    run = train(client, sc, steps)
    lrs = [h["lr"] for h in run["history"]]  # lrs[k] is the rate of update k
    assert lrs[0] == pytest.approx(base)
    for c in range(steps // (2 * size)):
        start = 2 * c * size
        up = lrs[start : start + size + 1]
        down = lrs[start + size : start + 2 * size + 1]
        assert all(b > a for a, b in zip(up, up[1:], strict=False))  # rising ...
        assert all(b < a for a, b in zip(down, down[1:], strict=False))  # ... then falling
        assert lrs[start + size] == pytest.approx(top)
        assert lrs[start + 2 * size] == pytest.approx(base)
    steady = train(client, cmp, steps)
    assert {h["lr"] for h in steady["history"]} == {base}
    assert run["metrics"]["train_loss"] < 0.5 * steady["metrics"]["train_loss"]


def test_pruning_90_percent(client, presets):
    sc, _, steps = lesson(presets, "prune-90")
    (event,) = sc["events"]
    at = event["step"]
    assert event["kind"] == "prune" and event["fraction"] == 0.9
    before = snapshot(client, sc, at - 1)
    pruned = snapshot(client, sc, at)
    after = snapshot(client, sc, steps)
    n = weights(pruned).size
    zero = weights(pruned) == 0.0
    assert abs(zero.sum() - 0.9 * n) <= 1
    # the same weights are still exactly 0 after the fine-tuning updates
    assert (weights(after)[zero] == 0.0).all()
    mask = np.concatenate([np.ravel(m) for m in after["pruned"]])
    assert (mask == zero).all()
    step = trace(client, sc, at + 100)
    for layer, m in zip(step["layers"], after["pruned"], strict=True):
        m = np.asarray(m)
        assert not np.asarray(layer["trainable_W"])[m].any()
        assert (np.asarray(layer["update_W"])[m] == 0.0).all()
    # accuracy drops when the weights go, and the remaining 10% win it back
    acc = [s["metrics"]["test_accuracy"] for s in (before, pruned, after)]
    assert acc[0] > 0.95
    assert acc[1] < acc[0]
    assert acc[2] > 0.95, acc


def test_regression_on_a_plane(client, presets):
    sc, _, steps = lesson(presets, "plane-regression")
    start = snapshot(client, sc, 0)["metrics"]["train_loss"]
    end = snapshot(client, sc, steps)
    assert end["metrics"]["train_loss"] < 1e-4 < start
    assert end["metrics"]["test_loss"] < 1e-4
    (layer,) = end["params"]
    assert layer["W"][0] == pytest.approx([0.1, 0.1], abs=0.005)
    assert layer["b"][0] == pytest.approx(0.0, abs=0.01)


def test_three_class_spiral_with_softmax(client, presets):
    sc, _, steps = lesson(presets, "spiral3-softmax")
    assert sc["output_activation"] == "softmax" and sc["loss"] == "cross_entropy"
    start = snapshot(client, sc, 0)
    assert len(start["params"][-1]["b"]) == 3
    assert start["metrics"]["train_accuracy"] < 0.5
    end = snapshot(client, sc, steps)["metrics"]
    assert end["train_accuracy"] > 0.95
    assert end["test_accuracy"] > 0.9


def _only_difference(sc: dict, cmp: dict, key: str) -> None:
    a, b = _without_title(sc), _without_title(cmp)
    a.pop(key, None)
    b.pop(key, None)
    assert a == b


def test_batch_normalization_makes_a_poor_initialization_train(client, presets):
    sc, cmp, steps = lesson(presets, "batchnorm-init")
    _only_difference(sc, cmp, "normalization")
    assert cmp["normalization"]["kind"] == "batch" and sc["normalization"]["kind"] == "none"
    plain = _post(client, "train", scenario=sc, step=0, steps=steps, eval_every=300)
    bn = _post(client, "train", scenario=cmp, step=0, steps=steps, eval_every=300)
    # without: stuck at log 2 with about half the points wrong, gradient fading towards the input
    assert all(e["train_loss"] > 0.68 for e in plain["evaluations"][1:])
    assert plain["metrics"]["train_accuracy"] < 0.6
    g = np.array([h["grad_norm"] for h in plain["history"][:100]])
    assert np.median(g[:, 0] / g[:, -1]) < 1 / 40  # "about 1/70"
    # with: the gradient arrives at full size and the circle is fitted
    gb = np.array([h["grad_norm"] for h in bn["history"][:100]])
    assert np.median(gb[:, 0] / gb[:, -1]) > 0.5
    assert bn["metrics"]["train_loss"] < 0.15  # "about 0.1"
    assert bn["metrics"]["train_accuracy"] == 1.0 and bn["metrics"]["test_accuracy"] > 0.95
    # the trace shows x_hat and y before the sigmoid in every hidden layer
    layers = trace(client, cmp, 0)["layers"]
    assert all(layer["bn"] is not None for layer in layers[:-1])


def test_overfitting_and_dropout(client, presets):
    sc, cmp, steps = lesson(presets, "overfitting-dropout")
    _only_difference(sc, cmp, "dropout")
    assert cmp["dropout"]["rate"] == 0.5 and sc["dropout"]["rate"] == 0.0
    plain = _post(client, "train", scenario=sc, step=0, steps=steps, eval_every=150)
    drop = _post(client, "train", scenario=cmp, step=0, steps=steps, eval_every=150)
    assert plain["n_train"] == 30
    ev = plain["evaluations"]
    train_losses = [e["train_loss"] for e in ev]
    test_losses = [e["test_loss"] for e in ev]
    best = int(np.argmin(test_losses))
    # the train loss falls towards 0 while the test loss, lowest near update 300, climbs past 3
    assert train_losses[-1] < 0.01 and train_losses[-1] < train_losses[best] / 5
    assert 150 <= ev[best]["step"] <= 450
    assert test_losses[-1] > 3.0 and test_losses[-1] > 4 * test_losses[best]
    assert all(
        b > a for a, b in zip(test_losses[best + 1 :], test_losses[best + 2 :], strict=False)
    )
    # with dropout the test loss stays near 0.45 and the gap stays narrow
    d_test = [e["test_loss"] for e in drop["evaluations"][1:]]
    assert max(d_test[2:]) < 0.6 and abs(d_test[-1] - 0.45) < 0.1
    gap_plain = test_losses[-1] - train_losses[-1]
    gap_drop = drop["metrics"]["test_loss"] - drop["metrics"]["train_loss"]
    assert gap_drop < gap_plain / 5
    # the summary's other cure is a real setting
    assert "regularization l2" in presets["overfitting-dropout"]["summary"]
