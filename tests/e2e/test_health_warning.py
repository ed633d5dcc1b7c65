"""A run going wrong without going non-finite gets a warning in plain words, where the eye is."""

from __future__ import annotations

from tests.e2e.harness import idle


def test_dead_relu_layer_is_said_in_words(page):
    scenario = {
        "dataset": {"kind": "circle"},
        "hidden_layers": [4, 2],
        "activation": "relu",
        "optimizer": {"kind": "sgd", "lr": 50},
    }
    assert page.evaluate("(s) => window.playground.session.loadScenario(s)", scenario)
    idle(page)
    warning = page.get_by_test_id("health-warning")
    warning.wait_for(state="visible")  # the first update already overshoots
    assert "far above where it started" in warning.text_content()
    page.get_by_test_id("play").click()
    page.wait_for_function("() => window.playground.step >= 300", timeout=30_000)
    page.get_by_test_id("play").click()
    idle(page)
    warning.wait_for(state="visible")
    text = warning.text_content()
    assert "hidden layer 2 is dead" in text
    assert "Try a learning rate of 0.03 (now 50)" in text
    # above the network, on screen without scrolling
    box = warning.bounding_box()
    network = page.locator("#network").bounding_box()
    assert box["y"] + box["height"] <= network["y"] + 1
    assert box["y"] >= 0


def test_a_healthy_run_shows_no_warning(page):
    page.get_by_test_id("step").click()
    idle(page)
    assert page.get_by_test_id("health-warning").is_hidden()
