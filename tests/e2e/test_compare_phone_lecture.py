"""Compare mode, the phone, lecture mode's chrome and the charts, in Debian's Chromium.

Compare mode moves its two runs in lockstep (the same step and kind of phase at every press, the
deeper run setting the pace) and charts both; a lecture link opened on a phone gets the phone
layout; lecture mode's captions and chart text are large enough for a hall; the step axis has
whole steps only; the gradient-norm lines have distinct, colour-blind-safe colours; a one-sample
data set shows ŷ against y.
"""

from __future__ import annotations

import re

from tests.e2e.harness import api, idle, open_url
from tests.e2e.helpers import counter, phase, rgb

XOR_A = "XOR with 2-2-1"
XOR_B = "no hidden layer"
# Okabe–Ito and Paul Tol's bright, muted and vibrant schemes: colour-blind-safe categorical colours.
SAFE = {
    *["#000000", "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7"],
    *["#4477AA", "#EE6677", "#228833", "#CCBB44", "#66CCEE", "#AA3377", "#BBBBBB"],
    *[
        "#332288",
        "#88CCEE",
        "#44AA99",
        "#117733",
        "#999933",
        "#DDCC77",
        "#CC6677",
        "#882255",
        "#AA4499",
    ],
    *["#0077BB", "#33BBEE", "#009988", "#EE7733", "#CC3311", "#EE3377"],
}


def lesson(page, lesson_id: str) -> None:
    page.get_by_test_id("lessons").click()
    page.locator(f"li.lesson[data-lesson={lesson_id}] [data-testid=lesson-open]").click()
    idle(page)


def kind(label: str) -> str:
    """'forward · layer 2' -> 'forward'."""
    return label.split(" ")[0]


def css_color(value: str) -> str:
    r, g, b = (int(v) for v in re.findall(r"\d+", value)[:3])
    return f"#{r:02X}{g:02X}{b:02X}"


def font_px(page, selector: str) -> list[float]:
    return page.evaluate(
        """(sel) => [...document.querySelectorAll(sel)].filter((e) => e.offsetParent !== null)
            .map((e) => parseFloat(getComputedStyle(e).fontSize))""",
        selector,
    )


# ---------------------------------------------------------------- compare mode


def test_compare_runs_of_different_depths_move_in_lockstep_and_are_both_charted(page):
    lesson(page, "xor")
    assert page.evaluate("window.playground.scenario.hidden_layers") == [2]
    assert page.get_by_test_id("compare-pane").is_visible()
    b_edges = page.locator("[data-testid=compare-pane] [data-edge]").count()
    assert b_edges == 2  # B: no hidden layer, one weight layer

    def same(what: str) -> str:
        a_phase, b_phase = phase(page), page.get_by_test_id("compare-phase").text_content()
        b_step = int(page.get_by_test_id("compare-step").text_content())
        assert (counter(page), kind(a_phase)) == (b_step, kind(b_phase)), what
        return f"{a_phase} | {b_phase}"

    seen = []
    presses = [("click", "next-phase")] * 7 + [("key", "ArrowRight")] * 2
    presses += [("click", "prev-phase")] * 3 + [("key", "ArrowLeft")] + [("key", " ")]
    presses += [("click", "step"), ("click", "next-phase"), ("click", "next-phase")]
    for how, what in presses:
        if how == "click":
            page.get_by_test_id(what).click()
        else:
            page.keyboard.press(what)
        idle(page)
        seen.append(same(f"after {what}"))
    # The deeper run (A, 2-2-1) sets the pace: B holds its one layer while A walks layer 2.
    assert seen[:7] == [
        "forward · layer 1 | forward · layer 1",
        "forward · layer 2 | forward · layer 1",
        "loss | loss",
        "backward · layer 2 | backward · layer 1",
        "backward · layer 1 | backward · layer 1",
        "update | update",
        "forward · layer 1 | forward · layer 1",
    ]

    # Both runs in every chart, each named in the chart's legend.
    page.wait_for_timeout(300)
    idle(page)
    for chart in ["#chart-loss", "#chart-grads", "#chart-lr"]:
        legend = page.locator(chart).text_content()
        assert XOR_A in legend and XOR_B in legend, (chart, legend)
    labels = page.locator("#chart-loss .u-legend .u-label").all_text_contents()
    assert labels == [f"train · {XOR_A}", f"test · {XOR_A}", f"train · {XOR_B}", f"test · {XOR_B}"]
    markers = page.locator("#chart-loss .u-legend .u-marker").evaluate_all(
        "ms => ms.map((m) => getComputedStyle(m).borderColor)"
    )
    assert css_color(markers[0]) != css_color(markers[2]), "the two runs have distinct colours"
    # Both output planes, each named.
    assert page.get_by_test_id("compare-output").is_visible()
    assert page.get_by_test_id("output-name-a").text_content() == f"A · {XOR_A}"
    assert page.get_by_test_id("output-name-b").text_content() == f"B · {XOR_B}"
    drawn = page.evaluate(
        """() => [...document.querySelectorAll('.output-run canvas.output-base')].map((c) => {
            const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            let colours = new Set();
            for (let k = 0; k < d.length; k += 4 * 97) colours.add(`${d[k]},${d[k + 1]},${d[k + 2]}`);
            return colours.size; })"""
    )
    assert len(drawn) == 2 and min(drawn) > 10, drawn  # two planes, each a picture


def test_the_lecture_caption_speaks_of_both_runs(page):
    page.set_viewport_size({"width": 1024, "height": 768})
    lesson(page, "xor")
    page.get_by_test_id("lecture-toggle").click()
    idle(page)
    caption = page.get_by_test_id("caption")
    for _ in range(2):  # forward · layer 2: B holds its output layer
        page.keyboard.press("PageDown")
        idle(page)
    text = caption.text_content()
    assert "Forward pass, layer 2" in text and f"B · {XOR_B}" in text and "holds" in text, text
    page.keyboard.press("PageDown")  # the loss: both runs' batch loss
    idle(page)
    text = caption.text_content()
    assert f"A · {XOR_A}" in text and f"B · {XOR_B}" in text, text


# ---------------------------------------------------------------- phones


def lecture_link(chromium, base: str) -> str:
    page = open_url(chromium, f"{base}/", 1024, 768)
    try:
        lesson(page, "worked-example")
        page.get_by_test_id("lecture-toggle").click()
        idle(page)
        for testid in ["step", "next-phase", "next-phase", "next-phase"]:
            page.get_by_test_id(testid).click()
            idle(page)
        page.wait_for_timeout(300)  # the address bar is written after the frame
        assert "lec=1" in page.url
        return page.url
    finally:
        page.context.close()


def on_screen(page, testid: str, min_height: float = 40) -> None:
    """The element is inside the viewport and nothing covers its centre."""
    box = page.get_by_test_id(testid).bounding_box()
    width = page.viewport_size["width"]
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= width, (testid, box)
    assert box["y"] >= 0 and box["height"] >= min_height, (testid, box)
    hit = page.evaluate(
        """([id, x, y]) => !!document.elementFromPoint(x, y)?.closest(`[data-testid="${id}"]`)""",
        [testid, box["x"] + box["width"] / 2, box["y"] + box["height"] / 2],
    )
    assert hit, f"{testid} is covered"
    # The label is not cut off: its text fits in the button.
    assert page.get_by_test_id(testid).evaluate("(b) => b.scrollWidth <= b.clientWidth + 1"), testid


def test_a_lecture_link_on_a_phone_gets_the_phone_layout(chromium, server_url):
    url = lecture_link(chromium, server_url)
    page = open_url(chromium, url, 390, 844)
    try:
        assert page.evaluate("window.playground.state.lecture") is True  # the link says so
        assert not page.evaluate("document.body.classList.contains('lecture')")
        assert page.evaluate("document.scrollingElement.scrollWidth <= innerWidth")
        assert page.evaluate("document.body.scrollWidth <= innerWidth")
        for testid in ["prev-phase", "step", "next-phase"]:
            on_screen(page, testid)
        assert phase(page) == "loss" and counter(page) == 1
        titles = page.locator("#network .layer-name").evaluate_all(
            "ts => ts.map((t) => { const r = t.getBoundingClientRect();"
            " return [r.left, r.right, r.top, r.bottom]; })"
        )
        assert len(titles) == 3
        for (_l1, r1, t1, b1), (l2, _r2, t2, b2) in zip(titles, titles[1:], strict=False):
            assert r1 <= l2 or b1 <= t2 or b2 <= t1, f"layer titles overlap: {titles}"
        # Settings: one button, and the open settings never cover Share.
        page.get_by_test_id("panel-toggle").click()
        assert page.locator(".controls").is_visible()
        on_screen(page, "share", 30)
        on_screen(page, "panel-toggle", 30)
        page.mouse.wheel(0, 600)
        page.wait_for_timeout(100)
        on_screen(page, "share", 30)
        page.get_by_test_id("panel-toggle").click()
        assert page.locator(".controls").is_hidden()
        assert page.evaluate("document.scrollingElement.scrollWidth <= innerWidth")
    finally:
        page.context.close()


# ---------------------------------------------------------------- lecture mode and charts


def test_lecture_type_is_large_enough_for_a_hall_at_1024_by_768(chromium, server_url):
    page = open_url(chromium, f"{server_url}/", 1024, 768)
    try:
        lesson(page, "worked-example")
        page.get_by_test_id("lecture-toggle").click()
        idle(page)
        for _ in range(3):
            page.get_by_test_id("step").click()
            idle(page)
        page.get_by_test_id("next-phase").click()
        idle(page)
        page.wait_for_timeout(300)
        caption = font_px(page, "[data-testid=caption] p")
        assert len(caption) >= 2 and min(caption) >= 28, caption
        chart_text = font_px(page, ".charts .u-title, .charts .u-legend th, .charts .u-label")
        assert chart_text and min(chart_text) >= 16, chart_text
        # uPlot draws the axes on canvas with the font it is configured with.
        fonts = page.locator(".charts .chart").evaluate_all(
            "cs => cs.filter((c) => c.offsetParent !== null).map((c) => c.dataset.axisFont)"
        )
        assert fonts and all(int(re.match(r"(\d+)px", f)[1]) >= 16 for f in fonts), fonts
        assert page.evaluate("document.scrollingElement.scrollWidth <= innerWidth")
    finally:
        page.context.close()


def test_step_axes_show_whole_steps_only(page):
    page.get_by_test_id("step").click()  # steps 0 and 1: a range that uPlot would split in fifths
    idle(page)
    page.wait_for_timeout(300)
    idle(page)
    for chart in ["#chart-loss", "#chart-grads", "#chart-lr"]:
        ticks = page.locator(chart).get_attribute("data-x-ticks").split()
        assert len(ticks) >= 1, (chart, ticks)
        assert all(re.fullmatch(r"\d+", t) for t in ticks), (chart, ticks)


def test_gradient_norm_lines_have_distinct_colour_blind_safe_colours(page):
    lesson(page, "vanishing-gradients")  # 6 hidden layers: seven weight layers a run
    page.get_by_test_id("step").click()
    idle(page)
    page.wait_for_timeout(300)
    idle(page)
    colours = [
        css_color(c)
        for c in page.locator("#chart-grads .u-legend .u-series .u-marker").evaluate_all(
            "ms => ms.map((m) => getComputedStyle(m).borderColor)"
        )
    ]
    assert len(colours) == 14, colours  # seven layers of each run
    run_a = colours[:7]
    assert set(run_a) <= SAFE, run_a
    for i, a in enumerate(run_a):
        for b in run_a[i + 1 :]:
            dist = sum((x - y) ** 2 for x, y in zip(rgb(a), rgb(b), strict=True)) ** 0.5
            assert dist > 60, f"{a} and {b} are too alike"


def test_a_one_sample_data_set_shows_the_outputs_against_the_targets(page, server_url):
    lesson(page, "worked-example")
    sc = page.evaluate("window.playground.scenario")
    expected = api(server_url, "step", {"scenario": sc, "step": 0})["trace"]
    targets = page.locator("#output [data-testid=output-targets]")
    targets.wait_for(state="visible", timeout=5000)  # drawn in the turn after the frame
    rows = page.locator("#output [data-testid=output-targets] .target-row").evaluate_all(
        "rs => rs.map((r) => [Number(r.dataset.yhat), Number(r.dataset.y)])"
    )
    y_hat = expected["layers"][-1]["a"][0]
    y = expected["batch"]["targets"][0]
    assert rows == [[y_hat[0], y[0]], [y_hat[1], y[1]]]
    assert "0.01" in targets.text_content() and "0.99" in targets.text_content()
    assert page.locator("#output canvas.output-canvas").is_hidden()
