"""Share and teach (issue 4) in the browser: short links and QR codes, the address bar, mid-run
changes, lecture mode, the phone layout, lessons and compare mode.

These tests run against a server of their own whose link store lives in a temporary
directory, so that a restart on the same DATABASE_URL can be tested.
"""

from __future__ import annotations

import base64
import contextlib
import os
import re
import tempfile
from pathlib import Path

import numpy as np
import pytest
import zxingcpp

from tests.e2e.harness import REPO, api, idle, open_playground, open_url, ready, running_server
from tests.e2e.helpers import api_weights, counter, open_advanced, phase, weights

# UPDATE_SCREENSHOTS=1 writes the screenshots the tests take into docs/screenshots/.
SHOTS = REPO / "docs" / "screenshots"
HTML_TITLE = '<img src=x onerror="window.__pwned=1"><b>bold</b> & "quotes"'


@contextlib.contextmanager
def link_server(db_url: str):
    """The app on a free port with its link store at db_url (as set in the environment)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DATABASE_URL", db_url)
        mp.setenv("LINK_RATE_PER_MINUTE", "1000")
        mp.setenv("WORKERS", "1")
        with running_server() as base:
            yield base


@pytest.fixture(scope="module")
def db_url(tmp_path_factory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('links') / 'links.sqlite3'}"


@pytest.fixture(scope="module")
def base(db_url):
    with link_server(db_url) as url:
        yield url


@pytest.fixture
def opened(chromium, base):
    """Pages opened by a test (closed after it; none may log a console error)."""
    pages = []

    def open_page(path: str = "/", width: int = 1920, height: int = 1080):
        page = open_playground(chromium, base, width, height)
        if path != "/":
            page.goto(f"{base}{path}")
            ready(page)
        pages.append(page)
        return page

    yield open_page
    errors = [e for p in pages for e in p.errors]
    for p in pages:
        p.context.close()
    assert errors == [], f"console errors: {errors}"


def shot(page, name: str) -> None:
    """A screenshot (always taken: it must render); kept in docs/ when asked to."""
    folder = SHOTS if os.environ.get("UPDATE_SCREENSHOTS") else Path(tempfile.gettempdir())
    page.screenshot(path=str(folder / name))


def click(page, testid: str, times: int = 1) -> None:
    for _ in range(times):
        page.get_by_test_id(testid).click()
        idle(page)


def network_weights(page) -> dict[str, str]:
    """{"L:i:j": data-weight text} of the main network (compare mode adds a second one)."""
    return page.evaluate(
        """() => Object.fromEntries([...document.querySelectorAll('#network [data-edge]')]
            .map((e) => [e.dataset.edge, e.dataset.weight]))"""
    )


def share(page, title: str | None = None) -> str:
    """Makes a short link with the Share button; returns its URL as the page shows it."""
    page.get_by_test_id("share").click()
    if title is not None:
        page.get_by_test_id("share-url").wait_for()
        page.get_by_test_id("share-title").fill(title)
        page.get_by_test_id("share-create").click()
        page.wait_for_function(
            "t => document.querySelector('[data-testid=share-status]').textContent.includes(t)",
            arg=title,
        )
    page.wait_for_function(
        "() => /\\/s\\/[A-Za-z0-9_-]+$/.test(document.querySelector('[data-testid=share-url]')"
        ".textContent)"
    )
    url = page.get_by_test_id("share-url").text_content()
    assert url == page.get_by_test_id("share-url").get_attribute("href")
    return url


def close_dialogs(page) -> None:
    page.evaluate("() => document.querySelectorAll('dialog[open]').forEach((d) => d.close())")


def decode_qr(page, locator) -> str:
    """Decodes the QR code as drawn on screen: a screenshot of the element, turned into grey
    pixels by the browser itself (no image library needed), read with zxing-cpp."""
    locator.evaluate("img => img.decode()")
    png = locator.screenshot()
    w, h, grey = page.evaluate(
        """async (b64) => {
            const img = new Image();
            img.src = 'data:image/png;base64,' + b64;
            await img.decode();
            // At most 400 px a side (a large code's modules stay several pixels wide).
            const f = Math.min(1, 400 / Math.max(img.naturalWidth, img.naturalHeight));
            const c = document.createElement('canvas');
            c.width = Math.round(img.naturalWidth * f);
            c.height = Math.round(img.naturalHeight * f);
            const ctx = c.getContext('2d');
            ctx.drawImage(img, 0, 0, c.width, c.height);
            const d = ctx.getImageData(0, 0, c.width, c.height).data;
            let bin = '';
            for (let k = 0; k < c.width * c.height; k++) {
                const grey = (d[4 * k] + d[4 * k + 1] + d[4 * k + 2]) / 3;
                bin += String.fromCharCode(Math.round(grey));
            }
            return [c.width, c.height, btoa(bin)];
        }""",
        base64.b64encode(png).decode(),
    )
    grey = np.frombuffer(base64.b64decode(grey), dtype=np.uint8)
    # A quiet zone of white around it, as a printed code has.
    image = np.full((h + 40, w + 40), 255, dtype=np.uint8)
    image[20 : 20 + h, 20 : 20 + w] = grey.reshape(h, w)
    found = zxingcpp.read_barcodes(image)
    assert found, "no QR code found in the screenshot"
    return found[0].text


def scenario(page) -> dict:
    return page.evaluate("window.playground.scenario")


def set_field(page, field_id: str, value: str) -> None:
    field = page.locator(f"#{field_id}")
    field.fill(value)
    field.press("Enter")
    idle(page)


# ---------------------------------------------------------------- links


def test_share_opens_the_same_view_in_a_fresh_browser(opened, chromium, base):
    page = opened()
    click(page, "step", 3)
    click(page, "next-phase", 2)  # forward 1, forward 2 of update 3 → 4
    page.get_by_test_id("color-mode").select_option("gradient")
    idle(page)
    url = share(page)
    assert re.fullmatch(rf"{re.escape(base)}/s/[A-Za-z0-9_-]{{12}}", url)

    # The QR code in the dialog and the large one both decode to the short link.
    assert decode_qr(page, page.get_by_test_id("qr")) == url
    shot(page, "share-dialog.png")
    page.get_by_test_id("qr-large-open").click()
    large = page.get_by_test_id("qr-large")
    large.wait_for()
    assert large.bounding_box()["width"] >= 500  # scannable from a projected slide
    assert decode_qr(page, large) == url
    close_dialogs(page)

    other = open_url(chromium, url)
    try:
        assert counter(other) == 3
        assert phase(other) == phase(page) == "forward · layer 2"
        assert network_weights(other) == network_weights(page)
        assert other.get_by_test_id("color-mode").input_value() == "gradient"
        assert other.evaluate("location.pathname") == url.removeprefix(base)
        # Requests about the link's own scenario are its cacheable GETs.
        assert other.evaluate(
            "performance.getEntriesByType('resource')"
            ".some((r) => /\\/links\\/[^/]+\\/step\\?/.test(r.name))"
        )
        assert other.errors == []
    finally:
        other.context.close()


def test_the_address_bar_reproduces_the_view_and_back_and_forward_move_through_views(
    opened, chromium
):
    page = opened()
    click(page, "step", 2)
    page.wait_for_function("() => location.hash.includes('k=2')")
    page.get_by_test_id("color-mode").select_option("update")
    page.wait_for_function("() => location.hash.includes('c=update')")
    open_advanced(page)
    units = page.locator("input.units").first
    units.fill("3")
    units.press("Enter")
    page.wait_for_function("() => window.playground.scenario.hidden_layers[0] === 3")
    idle(page)
    click(page, "step")
    page.wait_for_function("() => location.hash.includes('k=1')")

    # Opened anywhere, the address gives the same numbers.
    other = open_url(chromium, page.url)
    try:
        assert counter(other) == 1
        assert other.evaluate("window.playground.scenario") == scenario(page)
        assert network_weights(other) == network_weights(page)
        assert other.get_by_test_id("color-mode").input_value() == "update"
        at_one = network_weights(other)
    finally:
        other.context.close()

    def back_to(condition: str) -> None:
        page.go_back()
        page.wait_for_function(condition)
        idle(page)

    def forward_to(condition: str) -> None:
        page.go_forward()
        page.wait_for_function(condition)
        idle(page)

    mode = "document.querySelector('[data-testid=color-mode]').value"
    back_to("() => window.playground.step === 0")  # the new network, before its step
    assert scenario(page)["hidden_layers"][0] == 3
    back_to("() => window.playground.scenario.hidden_layers[0] === 4")  # the old one
    assert counter(page) == 2 and page.get_by_test_id("color-mode").input_value() == "update"
    back_to(f"() => {mode} === 'weight'")
    assert counter(page) == 2
    forward_to(f"() => {mode} === 'update'")
    forward_to("() => window.playground.scenario.hidden_layers[0] === 3")
    forward_to("() => window.playground.step === 1")
    assert network_weights(page) == at_one


def test_a_title_with_html_in_it_is_shown_as_text(opened, chromium):
    page = opened()
    click(page, "step")
    url = share(page, HTML_TITLE)
    assert page.get_by_test_id("share-status").text_content() == f"Link made: “{HTML_TITLE}”"
    close_dialogs(page)
    other = open_url(chromium, url)
    try:
        title = other.locator("#scenario-title")
        assert title.text_content() == HTML_TITLE
        assert title.locator("b, img").count() == 0
        assert other.evaluate("window.__pwned") is None
        assert other.errors == []
    finally:
        other.context.close()


def test_a_rate_limited_share_says_so(opened):
    page = opened()
    page.route(
        "**/api/v1/links",
        lambda route: route.fulfill(
            status=429,
            headers={"Retry-After": "42", "Content-Type": "application/json"},
            body='{"detail": [{"loc": [], "msg": "at most 30 links a minute", "type": "x"}]}',
        ),
    )
    page.get_by_test_id("share").click()
    status = page.get_by_test_id("share-status")
    page.wait_for_function(
        "() => document.querySelector('[data-testid=share-status]').textContent.includes('42')"
    )
    assert "Too many links" in status.text_content()
    assert page.get_by_test_id("share-url").is_hidden()
    page.errors.clear()  # the browser logs the refused request


# ---------------------------------------------------------------- mid-run changes


def test_mid_run_changes_are_events_that_a_link_replays(opened, chromium, base):
    page = opened()
    click(page, "step", 3)
    set_field(page, "f-optimizer-lr", "0.3")
    assert counter(page) == 3  # no restart
    assert scenario(page)["events"] == [
        {"step": 3, "kind": "set", "changes": {"optimizer": {"lr": 0.3}}}
    ]
    assert page.locator("#f-optimizer-lr").input_value() == "0.3"
    click(page, "step", 2)

    # A weight typed in by hand.
    page.locator("#network [data-edge='2:1:0']").dispatch_event("click")
    page.get_by_test_id("weight-input").fill("0.75")
    page.get_by_test_id("weight-set").click()
    idle(page)
    assert counter(page) == 5
    assert page.locator("#network [data-edge='2:1:0']").get_attribute("data-weight") == "0.75"
    events = scenario(page)["events"]
    assert events[-1] == {
        "step": 5,
        "kind": "set_weight",
        "layer": 2,
        "to": 0,
        "from": 1,
        "value": 0.75,
    }
    # A point clicked onto the output view while training: an add_points event.
    page.locator(".output-canvas").click(position={"x": 40, "y": 40})
    idle(page)
    assert [e["kind"] for e in scenario(page)["events"]] == ["set", "set_weight", "add_points"]
    click(page, "step", 2)

    # The API, asked directly, agrees with the page.
    sc = scenario(page)
    expected = api(base, "snapshot", {"scenario": sc, "step": 7})
    assert weights(page) == api_weights(expected["params"], "W")
    # The changes are marked on the loss chart, at their steps.
    markers = page.locator("[data-testid=event-markers] .event-marker")
    assert sorted(markers.evaluate_all("ms => ms.map((m) => Number(m.dataset.step))")) == [3, 5]

    url = share(page)
    close_dialogs(page)
    other = open_url(chromium, url)
    try:
        assert counter(other) == 7
        assert other.evaluate("window.playground.scenario.events.length") == 3
        assert network_weights(other) == network_weights(page)
        click(other, "step")
        click(page, "step")
        assert network_weights(other) == network_weights(page)
        assert other.locator("#f-optimizer-lr").input_value() == "0.3"
    finally:
        other.context.close()


def test_rewinding_before_an_event_asks_before_dropping_it(opened):
    page = opened()
    click(page, "step", 4)
    set_field(page, "f-optimizer-lr", "0.2")
    click(page, "step", 2)
    page.evaluate("window.playground.session.goTo(2)")
    idle(page)
    assert page.locator("#f-optimizer-lr").input_value() == "0.03"  # in force at step 2

    page.locator("#f-optimizer-lr").fill("0.1")
    page.locator("#f-optimizer-lr").press("Enter")
    confirm = page.get_by_test_id("confirm")
    confirm.wait_for()
    assert "learning rate → 0.2" in page.get_by_test_id("confirm-text").text_content()
    page.get_by_test_id("confirm-cancel").click()
    idle(page)
    assert [e["step"] for e in scenario(page)["events"]] == [4]

    page.locator("#f-optimizer-lr").fill("0.1")
    page.locator("#f-optimizer-lr").press("Enter")
    confirm.wait_for()
    page.get_by_test_id("confirm-ok").click()
    idle(page)
    assert scenario(page)["events"] == [
        {"step": 2, "kind": "set", "changes": {"optimizer": {"lr": 0.1}}}
    ]
    assert counter(page) == 2
    assert page.locator("#rewind").get_attribute("max") == "2"  # later steps are gone


def test_pruned_weights_stay_zero_and_are_drawn_dashed(opened, base):
    page = opened()
    click(page, "step", 2)
    page.get_by_test_id("prune-fraction").fill("0.5")
    click(page, "prune")
    n = len(weights(page))
    pruned = page.locator("#network .edge.pruned")
    assert pruned.count() == n // 2
    ids = pruned.evaluate_all("es => es.map((e) => e.dataset.edge)")
    click(page, "step", 3)
    shown = weights(page)
    assert all(shown[i] == 0 for i in ids)
    assert sum(1 for w in shown.values() if w == 0) == n // 2
    assert pruned.evaluate_all("es => es.map((e) => e.dataset.edge)") == ids
    dash = pruned.first.evaluate("e => getComputedStyle(e).strokeDasharray")
    assert dash not in ("", "none")
    snap = api(base, "snapshot", {"scenario": scenario(page), "step": 5})
    assert weights(page) == api_weights(snap["params"], "W")


# ---------------------------------------------------------------- lecture mode


def test_lecture_mode_walks_one_step_with_the_keyboard_alone(opened, chromium, base):
    page = opened(width=1024, height=768)
    page.get_by_test_id("lessons").click()
    page.locator("li.lesson[data-lesson=worked-example] [data-testid=lesson-open]").click()
    idle(page)
    sc = scenario(page)
    assert sc["activation"] == "sigmoid" and sc["hidden_layers"] == [2]
    expected = api(base, "step", {"scenario": sc, "step": 0})
    page.get_by_test_id("lecture-toggle").click()
    idle(page)
    assert page.evaluate("document.body.classList.contains('lecture')")
    assert page.locator(".controls").is_hidden()  # advanced controls hidden
    assert page.get_by_test_id("speed").is_hidden()
    page.locator("body").focus()
    L = 2
    seen = []
    for n in range(2 * L + 2):
        page.keyboard.press("PageDown")
        idle(page)
        seen.append((phase(page), page.get_by_test_id("caption-title").text_content()))
        if n == L + 2:  # backward · layer 1: every number of the backward pass is on screen
            page.wait_for_timeout(300)
            shot(page, "lecture-1024x768.png")
    assert [p for p, _ in seen] == [
        "forward · layer 1",
        "forward · layer 2",
        "loss",
        "backward · layer 2",
        "backward · layer 1",
        "update",
    ]
    assert seen[0][1] == "Forward pass, layer 1: z = W·a⁽⁰⁾ + b,  a = σ(z)"
    assert seen[4][1] == "Backward pass, layer 1: δ = ∂ℓ/∂a · σ′(z)"
    assert seen[5][1].startswith("Update: w ← w − η · ∂L/∂w")
    assert counter(page) == 1
    assert weights(page) == api_weights(expected["trace"]["layers"], "W_after")
    page.keyboard.press("PageUp")
    idle(page)
    assert phase(page) == "backward · layer 1" and counter(page) == 0
    page.keyboard.press("PageDown")
    idle(page)
    page.keyboard.press("Space")  # Space: a whole step
    idle(page)
    assert counter(page) == 2

    # Predict, then reveal: the update waits until the class has answered.
    page.keyboard.press("h")
    for _ in range(2 * L + 1):  # up to the last backward phase
        page.keyboard.press("ArrowRight")
        idle(page)
    assert phase(page) == "backward · layer 1"
    assert page.evaluate("document.body.classList.contains('hide-update')")
    page.keyboard.press("PageDown")
    idle(page)
    prompt = page.get_by_test_id("predict-prompt")
    assert prompt.is_visible() and phase(page) == "backward · layer 1" and counter(page) == 2
    assert prompt.text_content().startswith("Predict: will w")
    page.keyboard.press("ArrowUp")
    idle(page)
    assert page.get_by_test_id("predict-up").get_attribute("aria-pressed") == "true"
    page.wait_for_timeout(200)
    shot(page, "lecture-predict-1024x768.png")
    page.keyboard.press("PageDown")
    idle(page)
    assert phase(page) == "update" and counter(page) == 3
    revealed = page.get_by_test_id("caption-detail").text_content()
    assert re.search(r"went (up|down|nowhere)", revealed)

    # Q: the QR code of the view on screen, large; the link opens in lecture mode.
    page.keyboard.press("q")
    big = page.get_by_test_id("qr-large")
    big.wait_for()
    url = page.get_by_test_id("qr-large-url").text_content()
    assert decode_qr(page, big) == url
    record = api(base, f"links/{url.rsplit('/', 1)[1]}")
    assert record["step"] == 3 and record["view"]["lecture"] is True
    other = open_url(chromium, url, 1024, 768)
    try:
        assert other.evaluate("document.body.classList.contains('lecture')")
        assert other.get_by_test_id("caption-title").text_content() == seen[5][1]
        assert network_weights(other) == network_weights(page)
    finally:
        other.context.close()


# ---------------------------------------------------------------- phones, lessons, compare


def test_phone_layout_shows_the_network_and_steps(opened):
    page = opened(width=390, height=844)
    assert page.locator(".controls").is_hidden()
    for hook in ["step", "next-phase", "prev-phase", "step-counter", "phase-label"]:
        box = page.get_by_test_id(hook).bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390, hook
        assert box["height"] >= 20, hook
    net = page.locator("#network").bounding_box()
    assert net["width"] >= 360 and net["height"] >= 300
    click(page, "next-phase")
    assert phase(page) == "forward · layer 1"
    click(page, "step")
    assert counter(page) == 1
    page.wait_for_timeout(800)
    shot(page, "phone.png")
    page.get_by_test_id("panel-toggle").click()
    assert page.locator(".controls").is_visible()
    page.get_by_test_id("panel-toggle").click()
    assert page.locator(".controls").is_hidden()


def test_a_lesson_with_a_twin_opens_in_compare_mode_and_shares_as_one_link(opened, chromium):
    page = opened()
    page.get_by_test_id("lessons").click()
    cards = page.locator("[data-testid=lessons-dialog] li.lesson")
    assert cards.count() >= 15
    xor = page.locator("li.lesson[data-lesson=xor]")
    assert "Watch:" in xor.text_content()
    xor.get_by_test_id("lesson-open").click()
    idle(page)
    pane = page.get_by_test_id("compare-pane")
    assert pane.is_visible()
    assert page.get_by_test_id("compare-label").text_content() == "B · no hidden layer"
    assert scenario(page)["hidden_layers"] == [2]
    click(page, "step", 2)
    click(page, "next-phase")
    assert page.get_by_test_id("compare-step").text_content() == "2"
    assert counter(page) == 2
    assert "hidden" in page.get_by_test_id("lesson-banner").text_content()
    b_edges = page.locator("[data-testid=compare-pane] [data-edge]").count()
    assert b_edges == 2  # 2 inputs → 1 output, no hidden layer

    url = share(page)
    close_dialogs(page)
    other = open_url(chromium, url)
    try:
        assert other.get_by_test_id("compare-pane").is_visible()
        assert other.get_by_test_id("compare-step").text_content() == "2"
        assert other.get_by_test_id("compare-label").text_content() == "B · no hidden layer"
        assert network_weights(other) == network_weights(page)
    finally:
        other.context.close()
    page.get_by_test_id("compare-close").click()
    assert pane.is_hidden()


# ---------------------------------------------------------------- restarts


def test_links_survive_a_server_restart(chromium, tmp_path):
    db_url = f"sqlite:///{tmp_path / 'links.sqlite3'}"
    with link_server(db_url) as first:
        page = open_playground(chromium, first)
        try:
            click(page, "step", 4)
            url = share(page)
            shown = network_weights(page)
            link_id = url.rsplit("/", 1)[1]
        finally:
            page.context.close()
    # The first server has stopped; a second one opens the same database.
    with link_server(db_url) as second:
        other = open_url(chromium, f"{second}/s/{link_id}")
        try:
            assert counter(other) == 4
            assert network_weights(other) == shown
            assert other.errors == []
        finally:
            other.context.close()
    assert os.path.exists(db_url.removeprefix("sqlite:///"))
