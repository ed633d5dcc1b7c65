"""Presets, divergence, refused requests, points from clicks and CSV, exports, small screens."""

from __future__ import annotations

import json
from pathlib import Path

from tests.e2e.harness import idle, open_playground
from tests.e2e.helpers import counter, edges, open_advanced, weights

CANVAS_COLOURS_JS = """(sel) => {
  const c = document.querySelector(sel);
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  const seen = new Set();
  for (let k = 0; k < d.length; k += 4 * 97) {
    seen.add((d[k] >> 4) * 256 + (d[k + 1] >> 4) * 16 + (d[k + 2] >> 4));
  }
  return seen.size;
}"""


def test_a_diverging_preset_shows_the_banner(page):
    page.locator("#presets").select_option("lr-too-high")
    page.wait_for_function("() => window.playground.scenario.title === 'Learning rate too high'")
    idle(page)
    assert counter(page) == 0
    banner = page.get_by_test_id("diverged-banner")
    assert banner.is_hidden()
    page.get_by_test_id("speed").select_option("25")
    page.get_by_test_id("play").click()
    banner.wait_for(state="visible", timeout=15000)
    assert "diverged at step" in banner.inner_text()
    # Play stops by itself; stepping on says why nothing happens instead of failing.
    page.wait_for_function("() => !window.playground.state.playing")
    idle(page)
    page.get_by_test_id("step").click()
    idle(page)
    assert "diverged" in page.locator("#notice").inner_text()


def test_non_finite_weights_are_drawn_grey(page):
    # The engine stops a run before a weight overflows, so a null weight is injected here to
    # check the drawing path the contract allows (null = non-finite).
    page.evaluate(
        """() => { const s = window.playground.state;
        s.params[0].W[0][0] = null; window.playground.redraw(); }"""
    )
    idle(page)
    edge = edges(page)["1:0:0"]
    assert edge["weight"] == "NaN"
    assert edge["stroke"] == "#9e9e9e"
    assert "nonfinite" in page.locator("[data-edge='1:0:0']").get_attribute("class")


def test_a_refused_scenario_shows_the_apis_message(lenient_page):
    page = lenient_page
    before = page.evaluate("window.playground.scenario")
    open_advanced(page)
    page.locator("#f-loss").select_option("cross_entropy")
    error = page.get_by_test_id("api-error")
    error.wait_for(state="visible")
    assert "cross_entropy requires output_activation 'softmax'" in error.inner_text()
    assert page.locator("#f-loss").get_attribute("aria-invalid") == "true"
    assert page.evaluate("window.playground.scenario") == before
    assert counter(page) == 0
    page.locator("#error-dismiss").click()
    error.wait_for(state="hidden")


def test_changing_a_field_restarts_at_step_zero(page):
    page.get_by_test_id("step").click()
    page.wait_for_function("() => window.playground.step === 1")
    n = len(edges(page))
    open_advanced(page)
    page.get_by_role("button", name="Add a hidden layer").click()
    page.wait_for_function("() => window.playground.scenario.hidden_layers.length === 3")
    idle(page)
    assert counter(page) == 0
    assert len(edges(page)) == n + 2 * 2  # a third hidden layer of 2 units
    page.locator("#f-optimizer-lr").fill("0.1")
    page.locator("#f-optimizer-lr").press("Enter")
    page.wait_for_function("() => window.playground.scenario.optimizer.lr === 0.1")


def test_heatmaps_and_output_view_are_drawn(page):
    assert page.evaluate(CANVAS_COLOURS_JS, "#network canvas.thumbs") > 20
    assert page.evaluate(CANVAS_COLOURS_JS, "#output canvas.output-base") > 20


def test_clicking_the_output_view_adds_points(page):
    n_before = len(page.evaluate("window.playground.state.dataset.inputs"))
    canvas = page.locator("#output canvas.output-canvas")
    box = canvas.bounding_box()
    canvas.click(position={"x": box["width"] * 0.5, "y": box["height"] * 0.5})
    page.wait_for_function("() => window.playground.scenario.dataset.kind === 'points'")
    idle(page)
    pts = page.evaluate("window.playground.scenario.dataset.points")
    assert len(pts["inputs"]) == n_before + 1
    assert abs(pts["inputs"][-1][0]) < 0.5 and abs(pts["inputs"][-1][1]) < 0.5
    canvas.click(position={"x": 10, "y": 10}, modifiers=["Shift"])
    page.wait_for_function(
        f"() => window.playground.scenario.dataset.points.inputs.length === {n_before + 2}"
    )
    pts = page.evaluate("window.playground.scenario.dataset.points")
    assert pts["targets"][-1] != pts["targets"][-2]  # shift-click adds the other class
    assert counter(page) == 0


def test_csv_upload_validates_and_loads_points(page):
    upload = page.locator("#csv-file")
    upload.set_input_files(
        files=[
            {"name": "bad.csv", "mimeType": "text/csv", "buffer": b"x1,x2,label\n0,0,0\n1,oops,1\n"}
        ]
    )
    message = page.locator("#csv-message")
    page.wait_for_function(
        "() => document.querySelector('#csv-message').textContent.includes('oops')"
    )
    assert 'Line 3, column 2: "oops" is not a number' in message.inner_text()
    assert page.evaluate("window.playground.scenario.dataset.kind") == "circle"
    rows = "x1,x2,label\n" + "".join(
        f"{i % 5},{i // 5},{(i % 5 + i // 5) % 2}\n" for i in range(20)
    )
    upload.set_input_files(
        files=[{"name": "good.csv", "mimeType": "text/csv", "buffer": rows.encode()}]
    )
    page.wait_for_function("() => window.playground.scenario.dataset.kind === 'points'")
    idle(page)
    points = page.evaluate("window.playground.scenario.dataset.points")
    assert len(points["inputs"]) == 20 and points["labels"][:3] == [0, 1, 0]
    assert "Loaded 20 points" in message.inner_text()


def test_exports_trace_json_csv_and_network_svg_png(page):
    page.get_by_test_id("step").click()
    page.wait_for_function("() => window.playground.step === 1")
    idle(page)
    page.locator(".export summary").click()
    files = {}
    for button, ext in (
        ("#export-json", "json"),
        ("#export-csv", "csv"),
        ("#export-svg", "svg"),
        ("#export-png", "png"),
    ):
        with page.expect_download() as info:
            page.locator(button).click()
        files[ext] = Path(info.value.path()).read_bytes()
    doc = json.loads(files["json"])
    assert doc["request"]["step"] == 0 and doc["response"]["step"] == 1
    assert doc["response"]["trace"]["layers"][0]["W_after"]
    assert doc["request"]["scenario"] == page.evaluate("window.playground.scenario")
    csv_lines = files["csv"].decode().splitlines()
    assert csv_lines[0].startswith("step,layer,param,to,from,value")
    assert len(csv_lines) == 1 + len(edges(page)) + 4 + 2 + 1  # weights + biases
    svg = files["svg"].decode()
    assert svg.startswith("<svg") and svg.count("data-edge=") == len(edges(page))
    assert files["png"][:8] == b"\x89PNG\r\n\x1a\n"


def test_usable_at_1024_by_768(chromium, server_url):
    page = open_playground(chromium, server_url, 1024, 768)
    try:
        for hook in [
            "step",
            "next-phase",
            "prev-phase",
            "play",
            "reset",
            "color-mode",
            "rewind",
            "step-counter",
            "phase-label",
        ]:
            box = page.get_by_test_id(hook).bounding_box()
            assert box and box["x"] >= 0 and box["x"] + box["width"] <= 1024, hook
            assert box["y"] + box["height"] <= 768, hook
        assert page.evaluate("document.documentElement.scrollWidth") <= 1024
        net = page.locator("#network svg.network").bounding_box()
        assert net["width"] > 350 and net["height"] > 250
        page.get_by_test_id("step").click()
        page.wait_for_function("() => window.playground.step === 1")
        assert weights(page)
        assert page.errors == []
    finally:
        page.context.close()
