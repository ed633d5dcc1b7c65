"""The first screen, as a TensorFlow Playground user meets it: data sets and features as pictures
that are clicked, + and − on the network within the schema's limits, a hovered or focused neuron
shown large in the output view, the settings folded beyond the essentials, a hint beside the
transport, a header of one row at 1366 px and no sideways scrolling at the usual sizes."""

from __future__ import annotations

import pytest

from tests.e2e.harness import idle, open_playground
from tests.e2e.helpers import counter, open_advanced

# The number of non-background pixels of a canvas (the thumbnails' background is #f7f7f7).
INKED_JS = """(c) => {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let k = 0; k < d.length; k += 4) if (Math.abs(d[k] - 247) + Math.abs(d[k + 1] - 247) + Math.abs(d[k + 2] - 247) > 60) n++;
    return n;
}"""
OUTPUT_PIXELS_JS = "() => document.querySelector('#output canvas.output-base').toDataURL()"


def scenario(page) -> dict:
    return page.evaluate("window.playground.scenario")


def load(page, sc: dict) -> None:
    assert page.evaluate("(s) => window.playground.session.loadScenario(s)", sc)
    idle(page)


def pictures_loaded(page) -> None:
    page.wait_for_function(
        "() => document.querySelectorAll('[data-testid=dataset-thumb] canvas').length >= 8"
    )


def test_data_set_thumbnails_are_pictures_that_load_their_kind(page):
    pictures_loaded(page)
    thumbs = page.get_by_test_id("dataset-thumb")
    kinds = thumbs.evaluate_all("(bs) => bs.map((b) => b.dataset.kind)")
    assert {"circle", "xor", "gauss", "spiral", "plane", "multi_gauss"} <= set(kinds)
    # Each picture shows its points, in more than one colour for the classes.
    for kind in ("circle", "spiral", "plane"):
        canvas = page.locator(f"[data-testid=dataset-thumb][data-kind={kind}] canvas")
        assert canvas.evaluate(INKED_JS) > 60, kind
    circle = page.locator("[data-testid=dataset-thumb][data-kind=circle]")
    assert circle.get_attribute("aria-pressed") == "true"
    page.get_by_test_id("step").click()
    page.wait_for_function("() => window.playground.step === 1")
    before = scenario(page)
    page.locator("[data-testid=dataset-thumb][data-kind=xor]").click()
    page.wait_for_function("() => window.playground.scenario.dataset.kind === 'xor'")
    idle(page)
    after = scenario(page)
    assert counter(page) == 0  # new data, a new run
    assert (
        page.locator("[data-testid=dataset-thumb][data-kind=xor]").get_attribute("aria-pressed")
        == "true"
    )
    assert circle.get_attribute("aria-pressed") == "false"
    # The other settings stay.
    for key in ("features", "hidden_layers", "activation", "optimizer", "batch_size"):
        assert after.get(key) == before.get(key), key
    assert after["dataset"]["n_samples"] == before["dataset"]["n_samples"]
    assert (
        page.evaluate("window.playground.state.dataset.inputs.length")
        == before["dataset"]["n_samples"]
    )


def test_feature_thumbnails_toggle_the_features(page):
    feats = page.get_by_test_id("feature-thumb")
    names = feats.evaluate_all("(bs) => bs.map((b) => b.dataset.feature)")
    assert names == ["x1", "x2", "x1_sq", "x2_sq", "x1_x2", "sin_x1", "sin_x2"]
    # Each picture is the feature over the plane: x1 varies left to right, x2 bottom to top.
    x1 = page.locator("#feature-thumb-x1 canvas").evaluate(
        """(c) => { const g = c.getContext('2d'); const w = c.width, h = c.height;
        const px = (x, y) => [...g.getImageData(x, y, 1, 1).data.slice(0, 3)];
        return [px(1, h / 2), px(w - 2, h / 2), px(w / 2, 1), px(w / 2, h - 2)]; }"""
    )
    left, right, top, bottom = x1
    assert left != right and top == bottom
    assert page.locator("#feature-thumb-x1").get_attribute("aria-pressed") == "true"
    assert page.locator("#feature-thumb-x1_sq").get_attribute("aria-pressed") == "false"
    page.locator("#feature-thumb-x1_sq").click()
    page.wait_for_function("() => window.playground.scenario.features.includes('x1_sq')")
    idle(page)
    assert scenario(page)["features"] == ["x1", "x2", "x1_sq"]
    assert page.locator("#network [data-node^='0:']").count() == 3
    assert page.locator("#feature-thumb-x1_sq").get_attribute("aria-pressed") == "true"
    page.locator("#feature-thumb-x1").click()
    page.wait_for_function("() => !window.playground.scenario.features.includes('x1')")
    idle(page)
    assert scenario(page)["features"] == ["x2", "x1_sq"]
    # The last feature cannot be dropped (the schema asks for one at least).
    page.locator("#feature-thumb-x2").click()
    page.wait_for_function("() => window.playground.scenario.features.length === 1")
    idle(page)
    page.locator("#feature-thumb-x1_sq").click()
    page.wait_for_timeout(300)
    idle(page)
    assert scenario(page)["features"] == ["x1_sq"]


def test_plus_and_minus_on_the_network_change_the_layers_within_the_limits(page):
    assert scenario(page)["hidden_layers"] == [4, 2]
    page.get_by_test_id("step").click()
    page.wait_for_function("() => window.playground.step === 1")
    controls = page.get_by_test_id("network-controls")
    # Each hidden column has its + and − above it.
    for layer in (1, 2):
        col = page.locator(f"[data-node='{layer}:0']").bounding_box()
        plus = controls.locator(f"[data-testid=add-neuron][data-layer='{layer}']").bounding_box()
        assert abs(plus["x"] + plus["width"] / 2 - (col["x"] + col["width"] / 2)) < 30
        assert plus["y"] + plus["height"] <= col["y"]
    controls.locator("[data-testid=add-neuron][data-layer='1']").click()
    page.wait_for_function("() => window.playground.scenario.hidden_layers[0] === 5")
    idle(page)
    assert counter(page) == 0  # a new network, a new run
    assert page.locator("#network [data-node^='1:']").count() == 5
    controls.locator("[data-testid=remove-neuron][data-layer='2']").click()
    page.wait_for_function("() => window.playground.scenario.hidden_layers[1] === 1")
    idle(page)
    controls.locator("[data-testid=add-layer]").click()
    page.wait_for_function("() => window.playground.scenario.hidden_layers.length === 3")
    idle(page)
    assert scenario(page)["hidden_layers"] == [5, 1, 1]
    assert controls.locator("[data-testid=add-neuron]").count() == 3
    controls.locator("[data-testid=remove-layer]").click()
    page.wait_for_function("() => window.playground.scenario.hidden_layers.length === 2")
    idle(page)
    assert scenario(page)["hidden_layers"] == [5, 1]
    # One unit: no fewer; the largest network: no more layers and no more units.
    assert controls.locator("[data-testid=remove-neuron][data-layer='2']").is_disabled()
    assert controls.locator("[data-testid=add-neuron][data-layer='2']").is_enabled()
    base = scenario(page)
    load(page, {**base, "hidden_layers": [32] * 8})
    assert controls.locator("[data-testid=add-layer]").is_disabled()
    assert controls.locator("[data-testid=remove-layer]").is_enabled()
    assert controls.locator("[data-testid=add-neuron]").count() == 8
    assert all(b.is_disabled() for b in controls.locator("[data-testid=add-neuron]").all())
    controls.locator("[data-testid=add-layer]").click(force=True)  # a disabled button does nothing
    page.wait_for_timeout(300)
    assert len(scenario(page)["hidden_layers"]) == 8
    load(page, {**base, "hidden_layers": []})
    assert controls.locator("[data-testid=remove-layer]").is_disabled()
    assert controls.locator("[data-testid=add-neuron]").count() == 0
    controls.locator("[data-testid=add-layer]").click()
    page.wait_for_function("() => window.playground.scenario.hidden_layers.length === 1")
    assert scenario(page)["hidden_layers"] == [4]


def test_the_keyboard_stays_on_a_plus_button_for_a_second_press(page):
    plus = "[data-testid=network-controls] [data-testid=add-neuron][data-layer='1']"
    page.locator(plus).focus()
    page.keyboard.press("Enter")
    page.wait_for_function("() => window.playground.scenario.hidden_layers[0] === 5")
    idle(page)
    page.wait_for_function(
        "(sel) => document.activeElement === document.querySelector(sel)", arg=plus
    )
    page.keyboard.press("Enter")
    page.wait_for_function("() => window.playground.scenario.hidden_layers[0] === 6")


def test_a_hovered_or_focused_neuron_is_shown_large_in_the_output_view(page):
    output = page.locator("#output")
    showing = page.get_by_test_id("output-showing")
    assert output.get_attribute("data-showing") == "output" and showing.is_hidden()
    surface = page.evaluate(OUTPUT_PIXELS_JS)
    page.locator("[data-node='1:0']").hover()
    page.wait_for_function("() => document.querySelector('#output').dataset.showing === '1:0'")
    assert showing.is_visible() and "hidden layer 1, neuron 0" in showing.text_content()
    neuron = page.evaluate(OUTPUT_PIXELS_JS)
    assert neuron != surface
    page.locator("[data-node='1:3']").hover()
    page.wait_for_function("() => document.querySelector('#output').dataset.showing === '1:3'")
    assert page.evaluate(OUTPUT_PIXELS_JS) not in (surface, neuron)
    # Away from the neurons: the network's output again, exactly as before.
    page.mouse.move(5, 760)
    page.wait_for_function("() => document.querySelector('#output').dataset.showing === 'output'")
    assert showing.is_hidden()
    assert page.evaluate(OUTPUT_PIXELS_JS) == surface
    # The keyboard: focus shows it, blur restores the output.
    page.locator("[data-node='2:1']").focus()
    page.wait_for_function("() => document.querySelector('#output').dataset.showing === '2:1'")
    assert page.evaluate(OUTPUT_PIXELS_JS) != surface
    page.locator("[data-node='2:1']").blur()
    page.wait_for_function("() => document.querySelector('#output').dataset.showing === 'output'")
    assert page.evaluate(OUTPUT_PIXELS_JS) == surface
    # An input: its feature over the plane.
    page.locator("[data-node='0:1']").focus()
    page.wait_for_function("() => document.querySelector('#output').dataset.showing === '0:1'")
    assert "input x2" in showing.text_content()


def test_the_settings_beyond_the_essentials_are_folded_until_opened(page):
    fold = page.get_by_test_id("advanced-settings")
    assert fold.get_attribute("open") is None
    for essential in (
        "#f-activation",
        "#f-optimizer-lr",
        "#f-batch_size",
        "#f-regularization-kind",
    ):
        assert page.locator(essential).is_visible(), essential
    for advanced in ("#f-loss", "#f-dataset-n_samples", "#f-optimizer-kind", "#f-init-scheme"):
        assert page.locator(advanced).count() == 1 and page.locator(advanced).is_hidden(), advanced
    assert fold.locator(":scope > summary").is_visible()
    open_advanced(page)
    assert (
        page.locator("#f-loss").is_visible() and page.locator("#f-dataset-n_samples").is_visible()
    )
    # The fold stays open when the form is built again for a new run.
    page.locator("#f-activation").select_option("relu")
    page.wait_for_function("() => window.playground.scenario.activation === 'relu'")
    idle(page)
    assert fold.get_attribute("open") is not None
    assert page.locator("#f-loss").is_visible()
    fold.locator(":scope > summary").click()
    page.locator("[data-testid=dataset-thumb][data-kind=gauss]").click()
    page.wait_for_function("() => window.playground.scenario.dataset.kind === 'gauss'")
    idle(page)
    assert fold.get_attribute("open") is None


def test_the_hint_says_what_next_phase_shows(page):
    hint = page.get_by_test_id("phase-hint")
    assert hint.is_visible()
    assert "forward pass, layer 1" in hint.text_content()
    assert "backward (δ)" in hint.text_content()
    step = page.get_by_test_id("step").bounding_box()
    box = hint.bounding_box()
    assert box["y"] - (step["y"] + step["height"]) < 40  # just under the transport
    for expected in (
        "forward pass, layer 2",
        "forward pass, layer 3",
        "loss",
        "backward pass (δ), layer 3",
    ):
        page.get_by_test_id("next-phase").click()
        idle(page)
        page.wait_for_function(
            "(t) => document.querySelector('[data-testid=phase-hint]').textContent.includes(t)",
            arg=expected,
        )


def header_boxes(page) -> list[dict]:
    return page.evaluate(
        """() => [...document.querySelector('.topbar').children]
            .filter((e) => e.offsetParent !== null && e.getBoundingClientRect().width > 0)
            .map((e) => { const r = e.getBoundingClientRect();
                return {name: e.className || e.tagName, top: r.top, bottom: r.bottom, left: r.left, right: r.right}; })"""
    )


def test_the_header_is_one_row_at_1366_with_room_for_the_class_button(chromium, server_url):
    page = open_playground(chromium, server_url, 1366, 768)
    try:
        # The class tools get one button of about 90 px (another part of the page fills it).
        page.evaluate(
            """() => { const t = document.querySelector('#class-tools');
                if (!t.querySelector('button')) { const b = document.createElement('button');
                    b.textContent = 'Class'; b.style.width = '90px'; t.append(b); } }"""
        )
        idle(page)
        boxes = header_boxes(page)
        names = " ".join(b["name"] for b in boxes)
        for part in ("transport", "counters", "teach-tools", "export", "presets"):
            assert part in names, part
        top = min(b["top"] for b in boxes)
        bottom = max(b["bottom"] for b in boxes)
        assert bottom - top < 48, boxes  # one row
        centres = [(b["top"] + b["bottom"]) / 2 for b in boxes]
        assert max(centres) - min(centres) < 12, boxes
        assert max(b["right"] for b in boxes) <= 1366
        # Play, Step and Next phase are in it, Play the largest.
        play, step, nxt = (
            page.get_by_test_id(t).bounding_box() for t in ("play", "step", "next-phase")
        )
        assert play["width"] >= step["width"] and play["height"] >= step["height"] - 1
        for b in (play, step, nxt):
            assert b["y"] >= top - 1 and b["y"] + b["height"] <= bottom + 1
        assert (
            page.get_by_test_id("play").evaluate("(b) => getComputedStyle(b).color")
            == "rgb(255, 255, 255)"
        )
        assert page.errors == []
    finally:
        page.context.close()


@pytest.mark.parametrize(
    ("width", "height", "lecture"),
    [
        (1366, 768, False),
        (1920, 1080, False),
        (1024, 768, False),
        (1024, 768, True),
        (390, 844, False),
    ],
)
def test_no_sideways_scrolling(chromium, server_url, width, height, lecture):
    page = open_playground(chromium, server_url, width, height)
    try:
        if lecture and width > 600:
            page.get_by_test_id("lecture-toggle").click()
            page.wait_for_function("() => document.body.classList.contains('lecture')")
        pictures_loaded(page)
        idle(page)
        page.wait_for_timeout(300)
        sizes = page.evaluate(
            "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        assert sizes[0] <= sizes[1], sizes
        # Nothing of the header runs off the screen either.
        assert max(b["right"] for b in header_boxes(page)) <= width + 0.5
        if not lecture:
            assert page.get_by_test_id("play").is_visible()
            assert page.get_by_test_id("step").is_visible()
            assert page.get_by_test_id("next-phase").is_visible()
        assert page.errors == []
    finally:
        page.context.close()


# ---------------------------------------------------------------- screenshots

FIRST_SCREENS = [(1366, 768, False), (1920, 1080, False), (1024, 768, True), (390, 844, False)]


def shoot_first_screens() -> None:
    """docs/screenshots/first-*.png: the first screen at 1366×768 and 1920×1080, lecture mode at
    1024×768, a phone at 390×844; at 1366×768 also a hovered neuron and 5 s of Play."""
    from playwright.sync_api import sync_playwright

    from tests.e2e.harness import REPO, launch, running_server

    out = REPO / "docs" / "screenshots"
    with running_server() as base, sync_playwright() as p:
        browser = launch(p)
        for w, h, lecture in FIRST_SCREENS:
            page = open_playground(browser, base, w, h)
            if lecture:
                page.get_by_test_id("lecture-toggle").click()
            pictures_loaded(page)
            page.wait_for_timeout(1200)
            idle(page)
            page.screenshot(path=str(out / f"first-{w}x{h}{'-lecture' if lecture else ''}.png"))
            if (w, h) == (1366, 768):
                page.locator("[data-node='1:1']").hover()
                page.wait_for_timeout(600)
                idle(page)
                page.screenshot(path=str(out / f"first-hover-{w}x{h}.png"))
                page.mouse.move(5, 700)
                page.get_by_test_id("play").click()
                page.wait_for_timeout(5000)
                page.screenshot(path=str(out / f"first-play5s-{w}x{h}.png"))
                acc = page.evaluate("window.playground.state.snapshot.metrics.test_accuracy")
                print(f"test accuracy after 5 s of Play: {acc}")
            assert page.errors == [], page.errors
            page.context.close()
        browser.close()


if __name__ == "__main__":
    shoot_first_screens()
