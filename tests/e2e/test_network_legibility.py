"""The network view is legible on every screen: no two of its texts overlap in any phase, lecture
mode's numbers are at least 20 px, the worked example shows the targets and the new weights,
the ready state shows no δ or gradient, the largest network keeps an element per unit and per
weight, and the inspector neither halves the network nor clips a formula."""

from __future__ import annotations

import pytest

from tests.e2e.harness import api, idle, open_playground

SIZES = [
    (1920, 1080, False),
    (1366, 768, False),
    (1024, 768, False),
    (1024, 768, True),
    (390, 844, False),
]

# Every text drawn in the network view with its box on screen. The edge canvas (used for large
# networks and while playing) paints lines and thumbnails only, never text, so these are all.
TEXTS_JS = """() => {
  const net = document.querySelector('#network');
  const r0 = net.getBoundingClientRect();
  const out = [];
  for (const t of net.querySelectorAll('text, span, p, div, label')) {
    const s = (t.textContent || '').trim();
    if (!s || t.children.length) continue;
    if (!t.checkVisibility({ visibilityProperty: true, opacityProperty: true })) continue;
    const r = t.getBoundingClientRect();
    if (r.width < 0.5 || r.height < 0.5) continue;
    const scale = t.getScreenCTM ? t.getScreenCTM().a : 1;
    out.push({ text: s, cls: t.getAttribute('class'), x0: r.left, y0: r.top, x1: r.right, y1: r.bottom,
               px: parseFloat(getComputedStyle(t).fontSize) * scale });
  }
  return { texts: out, view: [r0.left, r0.top, r0.right, r0.bottom] };
}"""


def texts(page) -> tuple[list[dict], list[float]]:
    got = page.evaluate(TEXTS_JS)
    return got["texts"], got["view"]


def overlaps(items: list[dict], tol: float = 0.5) -> list[tuple[str, str]]:
    bad = []
    for k, a in enumerate(items):
        for b in items[k + 1 :]:
            w = min(a["x1"], b["x1"]) - max(a["x0"], b["x0"])
            h = min(a["y1"], b["y1"]) - max(a["y0"], b["y0"])
            if w > tol and h > tol:
                bad.append((a["text"], b["text"]))
    return bad


def check_legible(page, where: str, lecture: bool) -> list[dict]:
    items, (vx0, vy0, vx1, vy1) = texts(page)
    assert overlaps(items) == [], f"{where}: overlapping texts"
    for t in items:
        inside = (
            t["x0"] >= vx0 - 0.5
            and t["x1"] <= vx1 + 0.5
            and t["y0"] >= vy0 - 0.5
            and t["y1"] <= vy1 + 0.5
        )
        assert inside, f"{where}: {t['text']!r} runs out of the network view"
        if lecture and any(c.isdigit() for c in t["text"]):
            assert t["px"] >= 20 - 1e-6, (
                f"{where}: {t['text']!r} is {t['px']:.1f} px in lecture mode"
            )
    return items


def load(page, scenario: dict) -> None:
    assert page.evaluate("(s) => window.playground.session.loadScenario(s)", scenario)
    idle(page)


def mid_size(page) -> dict:
    s = page.evaluate("window.playground.scenario")
    return {**s, "features": ["x1", "x2", "x1_sq", "x2_sq"], "hidden_layers": [8, 6, 4]}


def worked_example(page) -> None:
    # Through the session: lecture mode and phones hide the preset menu.
    scenario = page.evaluate(
        "async () => (await (await fetch('/api/v1/presets/worked-example')).json()).scenario"
    )
    load(page, scenario)
    assert page.evaluate("window.playground.scenario.title") == "The classic worked example"


def walk(page, where: str, lecture: bool) -> dict[str, list[dict]]:
    """Checks the view at ready and at every phase of one update; the texts by phase label."""
    L = page.evaluate("window.playground.state.params.length")
    assert page.evaluate("window.playground.phase") == -1
    seen = {"ready": check_legible(page, f"{where}, ready", lecture)}
    for _ in range(2 * L + 2):
        page.get_by_test_id("next-phase").click()
        idle(page)
        label = page.get_by_test_id("phase-label").text_content()
        seen[label] = check_legible(page, f"{where}, {label}", lecture)
    return seen


@pytest.mark.parametrize(("width", "height", "lecture"), SIZES, ids=lambda v: str(v))
def test_no_two_texts_of_the_network_overlap_in_any_phase(
    chromium, server_url, width, height, lecture
):
    page = open_playground(chromium, server_url, width, height)
    try:
        if lecture:
            page.get_by_test_id("lecture-toggle").click()
            idle(page)
        where = f"{width}x{height}{' lecture' if lecture else ''}"
        walk(page, f"default network at {where}", lecture)
        load(page, mid_size(page))
        walk(page, f"2-4-8-6-4-1 at {where}", lecture)
        # The focused unit's numbers (a selected neuron of the widest layer) fit too.
        page.locator("[data-node='1:3']").dispatch_event("click")
        idle(page)
        check_legible(page, f"2-4-8-6-4-1 at {where}, unit 1:3 selected", lecture)
        worked_example(page)
        walk(page, f"worked example at {where}", lecture)
        assert page.errors == []
    finally:
        page.context.close()


def test_the_worked_example_shows_the_targets_and_the_new_weights(page):
    worked_example(page)
    seen = walk(page, "worked example at 1920x1080", False)
    shown = lambda phase: {t["text"] for t in seen[phase]}  # noqa: E731
    # The targets y of the lesson (0.01 and 0.99) at the outputs once the loss is computed.
    assert {"y 0.01", "y 0.99"} <= shown("loss")
    assert not any(t.startswith("y ") for t in shown("forward · layer 2"))
    # The update shows the new weight the lesson quotes: w5 = 0.4 becomes 0.35891648.
    assert "w 0.4 → 0.3589" in shown("update")


def test_the_ready_state_shows_no_delta_and_no_gradient_glow(page):
    def glows():
        return page.evaluate(
            "() => [...document.querySelectorAll('#network .halo')].filter(h => Number(h.getAttribute('stroke-opacity')) > 0).length"
        )

    items, _ = texts(page)
    assert page.evaluate("window.playground.phase") == -1
    assert not [t["text"] for t in items if t["text"].startswith(("δ", "g ", "L "))]
    assert glows() == 0
    L = page.evaluate("window.playground.state.params.length")
    for _ in range(L + 2):  # forward…, loss, backward · output layer
        page.get_by_test_id("next-phase").click()
        idle(page)
    assert page.get_by_test_id("phase-label").text_content() == f"backward · layer {L}"
    items, _ = texts(page)
    assert [t["text"] for t in items if t["text"].startswith("δ")]
    assert glows() > 0


@pytest.mark.parametrize("columns", [2, 64])
def test_the_largest_network_has_an_element_per_unit_and_per_weight(chromium, server_url, columns):
    page = open_playground(chromium, server_url, 1366, 768)
    try:
        s = page.evaluate("window.playground.scenario")
        s = {**s, "hidden_layers": [32] * 8}
        if columns == 64:
            rows = [[((r * 7 + c * 13) % 21 - 10) / 10 for c in range(64)] for r in range(100)]
            s["dataset"] = {
                "kind": "points",
                "points": {"inputs": rows, "labels": [r % 2 for r in range(100)]},
            }
            s.pop("features", None)
        load(page, s)
        sizes = [columns] + [32] * 8 + [1]
        n_edges = sum(a * b for a, b in zip(sizes, sizes[1:], strict=False))
        assert page.locator("#network [data-node]").count() == sum(sizes)
        assert page.locator("#network [data-edge][data-weight]").count() == n_edges
        page.get_by_test_id("step").click()
        idle(page)
        params = api(
            server_url,
            "snapshot",
            {"scenario": page.evaluate("window.playground.scenario"), "step": 1},
        )["params"]
        shown = page.evaluate(
            "() => Object.fromEntries([...document.querySelectorAll('#network [data-edge]')].map(e => [e.dataset.edge, Number(e.dataset.weight)]))"
        )
        for key in ["1:0:0", f"1:{columns - 1}:31", "5:17:9", "9:31:0"]:
            L, i, j = map(int, key.split(":"))
            assert shown[key] == params[L - 1]["W"][j][i], key
        # Colour only at rest; the phase's numbers for the focused unit, none overlapping.
        page.locator("[data-node='8:3']").dispatch_event("click")
        idle(page)
        for _ in range(12):  # forward 1…9, loss, backward 9, backward 8
            page.get_by_test_id("next-phase").click()
            idle(page)
        items = check_legible(page, "8x32, unit 8:3 selected", False)
        assert any(t["text"].startswith("δ") for t in items)
        assert len([t for t in items if any(c.isdigit() for c in t["text"])]) < 80
        assert page.errors == []
    finally:
        page.context.close()


FORMULAS_JS = """() => {
  const box = document.querySelector('#inspector').getBoundingClientRect();
  return [...document.querySelectorAll('#inspector .formula')].map((f) => {
    const r = f.getBoundingClientRect();
    const k = f.querySelector('.katex-html').getBoundingClientRect();
    return { clipped: f.scrollWidth > f.clientWidth + 1, right: Math.max(r.right, k.right), inside: box.right + 1 };
  });
}"""


@pytest.mark.parametrize(("width", "height"), [(1366, 768), (1920, 1080), (390, 844)])
def test_the_inspector_neither_halves_the_network_nor_clips_a_formula(
    chromium, server_url, width, height
):
    page = open_playground(chromium, server_url, width, height)
    try:
        s = page.evaluate("window.playground.scenario")
        load(page, {**s, "hidden_layers": [32, 16]})
        before = page.locator("#network").bounding_box()
        # The output neuron's sums have 16 terms; the second layer's, 32 and the backward sum.
        for node in ["2:5", "3:0"]:
            page.locator(f"[data-node='{node}']").dispatch_event("click")
            idle(page)
            # KaTeX is loaded when first needed: wait until every formula is typeset.
            page.wait_for_function(
                "() => [...document.querySelectorAll('#inspector .formula')].every(f => f.querySelector('.katex-html'))"
            )
            formulas = page.evaluate(FORMULAS_JS)
            assert formulas, node
            for f in formulas:
                assert not f["clipped"] and f["right"] <= f["inside"], (node, f)
        after = page.locator("#network").bounding_box()
        if width > 600:  # beside the network: it keeps its height and most of its area
            assert after["width"] * after["height"] >= 0.6 * before["width"] * before["height"], (
                before,
                after,
            )
            assert after["height"] >= 0.9 * before["height"], (before, after)
        else:
            assert after["height"] >= 0.95 * before["height"]
        assert page.errors == []
    finally:
        page.context.close()
