"""The playground page against a real server: loading, stepping, phases, colours, inspector."""

from __future__ import annotations

import numpy as np

from tests.e2e.harness import api, idle
from tests.e2e.helpers import (
    api_weights,
    counter,
    distance,
    edges,
    luminance,
    phase,
    pixels,
    rgb,
    weights,
)


def dot(moved: list[int], color: str, zero: str) -> float:
    towards = [a - b for a, b in zip(rgb(color), rgb(zero), strict=True)]
    return sum(m * t for m, t in zip(moved, towards, strict=True))


def scenario_of(page) -> dict:
    return page.evaluate("window.playground.scenario")


def test_page_loads_at_step_zero_without_errors(page):
    assert page.title() == "Backprop Playground"
    assert counter(page) == 0
    assert page.evaluate("window.playground.step") == 0
    assert phase(page) == "ready"
    for hook in ["step", "next-phase", "prev-phase", "play", "reset", "color-mode", "rewind"]:
        assert page.get_by_test_id(hook).is_visible(), hook
    assert page.get_by_test_id("color-mode").evaluate("s => [...s.options].map(o => o.value)") == [
        "weight",
        "gradient",
        "update",
    ]


def test_one_edge_element_per_weight_and_one_node_per_unit(page, server_url):
    snap = api(server_url, "snapshot", {"scenario": scenario_of(page), "step": 0})
    sizes = snap["layer_sizes"]
    assert len(edges(page)) == sum(a * b for a, b in zip(sizes, sizes[1:], strict=False))
    assert page.locator("[data-node]").count() == sum(sizes)
    assert weights(page) == api_weights(snap["params"], "W")
    # Inputs are labelled with their feature names.
    labels = page.locator("[data-node^='0:'] text.name").all_text_contents()
    assert labels == snap["feature_names"]


def test_step_shows_the_apis_weights_after_one_update(page, server_url):
    scenario = scenario_of(page)
    expected = api(server_url, "step", {"scenario": scenario, "step": 0})
    page.get_by_test_id("step").click()
    page.wait_for_function(
        "() => document.querySelector('[data-testid=step-counter]').textContent === '1'"
    )
    idle(page)
    assert counter(page) == 1
    assert page.evaluate("window.playground.step") == 1
    shown = weights(page)
    after = api_weights(expected["trace"]["layers"], "W_after")
    assert shown == after  # exact: data-weight is the shortest round-trip text of the double
    assert "update" in phase(page)


def test_phases_walk_forward_loss_backward_update_in_order(page, server_url):
    scenario = scenario_of(page)
    L = len(scenario["hidden_layers"]) + 1
    before = weights(page)
    expected = api(server_url, "step", {"scenario": scenario, "step": 0})
    seen = []
    for _ in range(2 * L + 2):
        page.get_by_test_id("next-phase").click()
        idle(page)
        label = phase(page)
        seen.append(label)
        if "update" not in label:
            assert counter(page) == 0, label
            assert weights(page) == before, label
    assert seen == (
        [f"forward · layer {k}" for k in range(1, L + 1)]
        + ["loss"]
        + [f"backward · layer {k}" for k in range(L, 0, -1)]
        + ["update"]
    )
    assert counter(page) == 1
    assert weights(page) == api_weights(expected["trace"]["layers"], "W_after")
    # The next phase starts the next update; walking back returns to the update before it.
    page.get_by_test_id("next-phase").click()
    idle(page)
    assert phase(page) == "forward · layer 1" and counter(page) == 1
    page.keyboard.press("ArrowLeft")
    idle(page)
    page.keyboard.press("ArrowLeft")
    idle(page)
    assert phase(page) == "update" and counter(page) == 1


def test_weights_are_drawn_in_the_legends_colours(page):
    legend = page.get_by_test_id("legend")
    assert legend.get_attribute("data-mode") == "weight"
    pos = legend.locator("[data-legend=positive]").get_attribute("data-color")
    neg = legend.locator("[data-legend=negative]").get_attribute("data-color")
    zero = legend.locator("[data-legend=zero]").get_attribute("data-color")
    shown = edges(page)
    positives = sorted(
        (float(e["weight"]), e["stroke"]) for e in shown.values() if float(e["weight"]) > 0
    )
    negatives = sorted(
        (-float(e["weight"]), e["stroke"]) for e in shown.values() if float(e["weight"]) < 0
    )
    assert positives and negatives
    # Each colour lies on its sign's side of the palette: it moved from the zero colour
    # towards the legend's colour for that sign.
    for group, own, other in ((positives, pos, neg), (negatives, neg, pos)):
        for _, stroke in group:
            moved = [a - b for a, b in zip(rgb(stroke), rgb(zero), strict=True)]
            if any(moved):
                assert dot(moved, own, zero) > dot(moved, other, zero), (stroke, own)
    # Larger |w| is darker, on both sides; the largest |w| is close to its sign's end colour
    # (the scale was fitted to these weights).
    largest = max(positives[-1][0], negatives[-1][0])
    for group, end in ((positives, pos), (negatives, neg)):
        lum = [luminance(s) for _, s in group]
        assert all(a >= b - 1 for a, b in zip(lum, lum[1:], strict=False))
        if group[-1][0] == largest:
            assert distance(group[-1][1], end) < 40


def test_gradient_mode_colours_edges_by_gradient_magnitude(page, server_url):
    scenario = scenario_of(page)
    trace = api(server_url, "step", {"scenario": scenario, "step": 0})["trace"]
    grads = {k: abs(v) for k, v in api_weights(trace["layers"], "grad_W").items()}
    page.get_by_test_id("color-mode").select_option("gradient")
    idle(page)
    legend = page.get_by_test_id("legend")
    assert legend.get_attribute("data-mode") == "gradient"
    lo, hi = float(legend.get_attribute("data-lo")), float(legend.get_attribute("data-hi"))
    high = legend.locator("[data-legend=high]").get_attribute("data-color")
    low = legend.locator("[data-legend=low]").get_attribute("data-color")
    shown = edges(page)
    # The page at rest shows the gradient of the coming update (the trace of step 0).
    ranked = sorted((grads[k], shown[k]["stroke"]) for k in shown)
    lum = [luminance(s) for _, s in ranked]
    assert all(a >= b - 1 for a, b in zip(lum, lum[1:], strict=False)), ranked
    for g, stroke in ranked:
        if g >= hi:
            assert stroke == high
        if g <= lo:
            assert stroke == low
    assert ranked[-1][1] == high  # the scale was fitted to these gradients


def test_clicking_an_edge_shows_the_numbers_of_the_trace(page, server_url):
    scenario = scenario_of(page)
    resp = api(server_url, "step", {"scenario": scenario, "step": 0})
    layer = resp["trace"]["layers"][1]  # layer 2
    prev = resp["trace"]["layers"][0]
    page.get_by_test_id("step").click()
    page.wait_for_function("() => window.playground.step === 1")
    page.locator("[data-edge='2:1:0']").dispatch_event("click")
    idle(page)
    inspector = page.get_by_test_id("inspector")

    def value(key: str) -> float:
        return float(inspector.locator(f"[data-key='{key}']").get_attribute("data-value"))

    assert value("w") == layer["W"][0][1]
    assert value("grad_W_data") == layer["grad_W_data"][0][1]
    assert value("grad_W_reg") == layer["grad_W_reg"][0][1]
    assert value("grad_W") == layer["grad_W"][0][1]
    assert value("update_W") == layer["update_W"][0][1]
    assert value("W_after") == layer["W_after"][0][1]
    assert value("lr") == resp["trace"]["lr"]
    # The selected sample's term: δ_j of layer 2 times a_i of layer 1, sample 0.
    assert value("delta") == layer["delta"][0][0]
    assert value("a") == prev["a"][0][1]
    text = inspector.inner_text()
    assert "Weight w0←1 of layer 2" in text
    assert "update (sgd)" in text
    assert inspector.locator(".katex").count() >= 5  # the formulas are typeset


def test_clicking_a_neuron_explains_forward_and_backward(page, server_url):
    scenario = scenario_of(page)
    trace = api(server_url, "step", {"scenario": scenario, "step": 0})["trace"]
    page.locator("[data-node='1:2']").dispatch_event("click")
    idle(page)
    inspector = page.get_by_test_id("inspector")
    layer = trace["layers"][0]
    for key, expected in (
        ("z", layer["z"][0][2]),
        ("a", layer["a"][0][2]),
        ("delta", layer["delta"][0][2]),
    ):
        assert (
            float(inspector.locator(f"[data-key='{key}']").get_attribute("data-value")) == expected
        )
    text = inspector.inner_text()
    assert "Neuron 2 of hidden layer 1" in text and "backward" in text
    # The output neuron of the default (sigmoid + bce) head shows the fused δ = (ŷ − y)/K.
    L = len(trace["layers"])
    page.locator(f"[data-node='{L}:0']").dispatch_event("click")
    idle(page)
    assert "binary cross-entropy" in inspector.inner_text()


def test_play_advances_and_pause_stops(page, server_url):
    page.get_by_test_id("play").click()
    page.wait_for_function("() => window.playground.step >= 30", timeout=15000)
    # While playing, the SVG edge layer hands its drawing to a canvas; its elements stay current.
    assert (
        page.locator("#network svg.edges-layer").evaluate("e => getComputedStyle(e).visibility")
        == "hidden"
    )
    page.get_by_test_id("play").click()
    idle(page)
    stopped = counter(page)
    assert stopped >= 30
    assert page.get_by_test_id("play").get_attribute("aria-pressed") == "false"
    page.wait_for_timeout(600)
    idle(page)
    assert counter(page) == stopped
    assert page.evaluate("window.playground.step") == stopped
    assert phase(page) == "ready"
    assert (
        page.locator("#network svg.edges-layer").evaluate("e => getComputedStyle(e).visibility")
        == "visible"
    )
    snap = api(server_url, "snapshot", {"scenario": scenario_of(page), "step": stopped})
    assert weights(page) == api_weights(snap["params"], "W")


def test_the_canvas_drawn_while_playing_shows_what_the_network_shows_at_rest(page):
    """While Play runs, a worker paints thumbnails, glows and edges on one canvas (repainting
    only what visibly changed); at rest the SVG draws them. With the whole training set as the
    batch and a negligible learning rate every step looks the same, so both pictures must agree.
    """
    sc = scenario_of(page)
    sc = {
        **sc,
        "hidden_layers": [6, 6, 6],
        "batch_size": 5000,  # the whole training set
        "optimizer": {"kind": "sgd", "lr": 1e-12},
    }
    assert page.evaluate("(s) => window.playground.session.loadScenario(s)", sc)
    idle(page)
    # Node values and the loss are SVG text in both pictures (and name the step's samples).
    page.add_style_tag(content="#network text.val, #network .loss-label { visibility: hidden }")
    net = page.locator("#network")
    page.get_by_test_id("play").click()
    page.wait_for_function("() => window.playground.step >= 40", timeout=15000)
    page.wait_for_timeout(1200)  # a trace (glows, node values) and heatmaps have arrived
    assert page.locator("#network canvas.edge-canvas").is_visible()
    playing = pixels(page, net.screenshot())[..., :3].astype(int)
    page.get_by_test_id("play").click()
    idle(page)
    page.wait_for_timeout(300)
    assert page.locator("#network canvas.edge-canvas").is_hidden()
    rest = pixels(page, net.screenshot())[..., :3].astype(int)
    assert playing.shape == rest.shape
    # The check can fail: edges, glows and thumbnails cover much of the view.
    drawn = np.mean(rest.min(axis=2) < 200)
    assert drawn > 0.08, drawn
    differ = np.abs(playing - rest).max(axis=2) > 60
    # Allowed: antialiasing of filled vs stroked curves, thumbnails from a 32- instead of a
    # 48-point grid, and the loss label, which is written at rest only.
    assert differ.mean() < 0.015, differ.mean()


def test_the_canvas_repainted_piece_by_piece_equals_one_painted_whole(page):
    """While training moves the weights, the worker repaints only the strips whose edges
    visibly changed. Freeze the state mid-play (hold the answers), then make it paint everything
    afresh (a resize rebuilds the view): the two pictures must agree. New traces are held from
    the start, so the glows never change and nothing but those strips is repainted."""
    sc = {**scenario_of(page), "hidden_layers": [6, 6, 6]}
    sc["optimizer"] = {"kind": "sgd", "lr": 0.3}
    assert page.evaluate("(s) => window.playground.session.loadScenario(s)", sc)
    idle(page)
    page.add_style_tag(content="#network text.val, #network .loss-label { visibility: hidden }")
    net = page.locator("#network")
    held = []
    page.route("**/api/v1/step", lambda route: held.append(route))
    page.get_by_test_id("play").click()
    page.wait_for_function("() => window.playground.step >= 300", timeout=20000)
    page.route("**/api/v1/**", lambda route: held.append(route))
    page.wait_for_timeout(1000)  # answers already on their way arrive; later ones wait
    frozen = page.evaluate("window.playground.step")
    piecewise = pixels(page, net.screenshot())[..., :3].astype(int)
    drawn = page.evaluate("window.playground.stats.thumbnailsDrawn")
    size = page.viewport_size
    page.set_viewport_size({"width": size["width"] - 40, "height": size["height"]})
    page.wait_for_timeout(300)
    page.set_viewport_size(size)
    page.wait_for_timeout(600)
    assert page.evaluate("window.playground.step") == frozen
    assert page.evaluate("window.playground.state.playing")
    # The view was built again (its thumbnails were sent to the worker anew).
    assert page.evaluate("window.playground.stats.thumbnailsDrawn") > drawn
    whole = pixels(page, net.screenshot())[..., :3].astype(int)
    page.get_by_test_id("play").click()
    page.unroute_all(behavior="ignoreErrors")  # the held requests never answer; Pause drops them
    assert whole.min(axis=2).mean() < 240  # something is drawn
    # Allowed: what a repaint waits for (a colour step under 7/255, a quarter pixel of width).
    differ = np.abs(piecewise - whole).max(axis=2) > 40
    assert differ.mean() < 0.0005, differ.mean()


def test_rewinding_to_zero_restores_the_initial_weights(page):
    initial = weights(page)
    for k in range(1, 4):
        page.get_by_test_id("step").click()
        page.wait_for_function(f"() => window.playground.step === {k}")
    idle(page)
    assert weights(page) != initial
    rewind = page.get_by_test_id("rewind")
    assert rewind.get_attribute("max") == "3"
    rewind.fill("0")
    page.wait_for_function("() => window.playground.step === 0")
    idle(page)
    assert counter(page) == 0
    assert weights(page) == initial
    # Forward again to a step in between.
    rewind.fill("2")
    page.wait_for_function("() => window.playground.step === 2")
    idle(page)
    assert counter(page) == 2


def test_keyboard_space_steps_arrows_walk_phases_p_plays(page):
    page.locator("body").click(position={"x": 5, "y": 300})
    page.keyboard.press("Space")
    page.wait_for_function("() => window.playground.step === 1")
    page.keyboard.press("ArrowRight")
    idle(page)
    assert phase(page) == "forward · layer 1"
    page.keyboard.press("ArrowLeft")
    idle(page)
    assert phase(page) == "ready"
    page.keyboard.press("p")
    page.wait_for_function("() => window.playground.step > 3")
    page.keyboard.press("p")
    idle(page)
    assert page.get_by_test_id("play").get_attribute("aria-pressed") == "false"


def test_the_worked_example_can_be_taught_number_by_number(page):
    page.locator("#presets").select_option("worked-example")
    page.wait_for_function(
        "() => window.playground.scenario.title === 'The classic worked example'"
    )
    idle(page)
    node = page.locator("[data-node='1:0'] text.val").first
    page.get_by_test_id("next-phase").click()  # forward · layer 1
    idle(page)
    assert node.text_content() == "z 0.378  a 0.593"  # net_h1 = 0.3775, out_h1 = 0.5933
    for _ in range(2):  # forward · layer 2, loss
        page.get_by_test_id("next-phase").click()
        idle(page)
    assert phase(page) == "loss"
    assert page.locator("text.loss-label").text_content().startswith("L 0.2984 (batch)")
    page.get_by_test_id("next-phase").click()  # backward · layer 2
    idle(page)
    page.locator("[data-node='2:0']").dispatch_event("click")
    idle(page)
    delta = (
        page.get_by_test_id("inspector").locator("[data-key='delta']").get_attribute("data-value")
    )
    assert abs(float(delta) - 0.138498562) < 1e-8  # δ_o1 of the worked example
    labels = page.locator("text.edge-label").all_text_contents()
    assert "g 0.0822" in labels  # ∂E/∂w5 = 0.082167041
