"""Batch normalization and dropout on the page, in Debian's Chromium.

A normalized hidden layer is drawn with its normalization (a BN band on each node, "BN" in the
column's name) and walked in sub-phases of the forward and backward kinds: forward z, BN
(μ_B, σ²_B, x̂, y), a; backward δ_y, BN → δ. The network and the inspector show the trace's own
numbers for the selected sample (the inspector's formulas too); a unit that dropout turned off
for the sample is drawn off; the parameter count (72% weights on the default network) sits under
the network; the whole-set metrics say that they are eval mode; compare mode walks the
normalized run and the plain one in lockstep; no two texts overlap at 1366×768 and at 1024×768
in lecture mode.
"""

from __future__ import annotations

import pytest

from tests.e2e.harness import api, idle, open_url
from tests.e2e.helpers import counter, phase
from tests.e2e.test_network_legibility import check_legible


def preset(base: str, lesson: str) -> dict:
    return api(base, f"presets/{lesson}")


def load(page, scenario: dict) -> None:
    assert page.evaluate("(s) => window.playground.session.loadScenario(s)", scenario)
    idle(page)


def next_phase(page) -> str:
    page.get_by_test_id("next-phase").click()
    idle(page)
    return phase(page)


def network_texts(page) -> list[str]:
    return page.eval_on_selector_all(
        "#network svg text", "ts => ts.map((t) => t.textContent).filter(Boolean)"
    )


def inspector_value(page, key: str) -> float:
    v = page.locator(f"#inspector-body [data-key='{key}']").first.get_attribute("data-value")
    return float(v)


def fmt3(x: float) -> str:
    """The page's 3-significant-digit numbers (format.js fmt(x, 3)) for |x| in [0.001, 1000)."""
    return f"{x:.3g}".replace("-", "−")


def tex4(x: float) -> str:
    """format.js tex(x): 4 significant digits, exponent form below 1e-3 (for |x| < 1e5)."""
    if x == 0:
        return "0"
    if abs(x) < 1e-3:
        mant, exp = f"{x:.3e}".split("e")
        mant = mant.rstrip("0").rstrip(".") if "." in mant else mant
        return f"{mant}\\times10^{{{int(exp)}}}"
    return f"{x:.4g}"


def bn_scenario(base: str) -> dict:
    return preset(base, "batchnorm-init")["compare"]


def test_a_normalized_layer_is_walked_in_sub_phases_with_the_traces_numbers(chromium, server_url):
    page = open_url(chromium, f"{server_url}/", 1366, 768)
    try:
        scenario = bn_scenario(server_url)
        load(page, scenario)
        L = len(scenario["hidden_layers"]) + 1
        # The extra step is drawn: a BN band on every hidden node, and BN in the column names.
        hidden_units = sum(scenario["hidden_layers"])
        assert page.locator("#network [data-bn]").count() == hidden_units
        names = page.eval_on_selector_all(
            "#network text.layer-name", "ts => ts.map((t) => t.textContent)"
        )
        assert sum("BN" in n for n in names) == len(scenario["hidden_layers"]), names
        trace = api(server_url, "step", {"scenario": scenario, "step": 0})["trace"]
        layer = trace["layers"][0]
        bn = layer["bn"]
        page.locator("[data-node='1:0']").dispatch_event("click")
        idle(page)
        # Forward, layer 1: z, then BN (μ_B, σ²_B, x̂, y), then a.
        assert next_phase(page) == "forward · layer 1 · z"
        assert f"z {fmt3(layer['z'][0][0])}" in network_texts(page)
        assert next_phase(page) == "forward · layer 1 · BN"
        texts = network_texts(page)
        mu_var = f"μ {fmt3(bn['mean'][0])}  σ² {fmt3(bn['var'][0])}"
        assert mu_var in texts, texts
        x_hat = f"x̂ {fmt3(bn['x_hat'][0][0])}"
        assert any(t.startswith(x_hat) for t in texts), texts
        assert any(
            t.startswith("μ_B, σ²_B") and t.endswith(str(len(trace["batch"]["indices"])))
            for t in texts
        )
        assert page.locator("[data-node='1:0'].bn-active").count() == 1
        assert page.locator("[data-node='2:0'].bn-active").count() == 0
        assert next_phase(page) == "forward · layer 1 · a"
        # The inspector: the normalization's forward with the trace's numbers, sample 0.
        for key, want in [
            ("bn.mean", bn["mean"][0]),
            ("bn.var", bn["var"][0]),
            ("bn.inv_std", bn["inv_std"][0]),
            ("bn.x_hat", bn["x_hat"][0][0]),
            ("bn.y", bn["y"][0][0]),
            ("bn.delta_y", bn["delta_y"][0][0]),
            ("bn.mean_delta_y", bn["mean_delta_y"][0]),
            ("bn.mean_delta_y_xhat", bn["mean_delta_y_xhat"][0]),
            ("bn.grad_gamma", bn["grad_gamma"][0]),
            ("bn.grad_beta", bn["grad_beta"][0]),
            ("delta", layer["delta"][0][0]),
        ]:
            assert inspector_value(page, key) == want, key
        body = page.locator("#inspector-body").text_content()
        assert "training mode (batch statistics)" in body
        assert "the batch couples the samples" in body
        # δ through the normalization is written with the trace's numbers (the formula's TeX,
        # which KaTeX keeps in its MathML annotation).
        formula = page.locator("#inspector-body .bn-backward .formula").nth(1).text_content()
        for x in [
            bn["gamma"][0],
            bn["inv_std"][0],
            bn["delta_y"][0][0],
            bn["mean_delta_y"][0],
            bn["x_hat"][0][0],
            bn["mean_delta_y_xhat"][0],
            layer["delta"][0][0],
        ]:
            assert tex4(x) in formula, (tex4(x), formula)
        forward = page.locator("#inspector-body .formula").filter(has_text="hat x").first
        assert tex4(bn["x_hat"][0][0]) in forward.text_content()
        # On to the backward pass of the last hidden layer: δ_y, then δ through BN.
        for _ in range(3 * (L - 1) + 1):  # the rest of the forward pass, to the loss
            if phase(page) == "loss":
                break
            next_phase(page)
        assert phase(page) == "loss"
        assert next_phase(page) == f"backward · layer {L}"
        assert next_phase(page) == f"backward · layer {L - 1} · δ_y"
        last = trace["layers"][L - 2]
        texts = network_texts(page)
        assert f"δ_y {fmt3(last['bn']['delta_y'][0][0])}" in texts, texts
        assert next_phase(page) == f"backward · layer {L - 1} · BN → δ"
        texts = network_texts(page)
        assert any(t.startswith(f"δ {fmt3(last['delta'][0][0])}") for t in texts), texts
        assert any(t.startswith("δ takes the batch means") for t in texts), texts
        # 3 forward sub-phases and 2 backward ones per normalized layer.
        n_hidden = L - 1
        total = 3 * n_hidden + 1 + 1 + 1 + 2 * n_hidden + 1
        assert f"of {total}" in page.get_by_test_id("phase-hint").text_content()
        # The metrics line: whole-set numbers are eval mode.
        assert (
            "eval mode: running statistics, no dropout" in page.locator("#metrics").text_content()
        )
        assert page.errors == []
    finally:
        page.context.close()


def test_a_unit_dropped_for_the_sample_is_drawn_off(chromium, server_url):
    page = open_url(chromium, f"{server_url}/", 1366, 768)
    try:
        scenario = preset(server_url, "overfitting-dropout")["compare"]
        load(page, scenario)
        mask = api(server_url, "step", {"scenario": scenario, "step": 0})["trace"]["layers"][0][
            "dropout_mask"
        ][0]
        off = [j for j, m in enumerate(mask) if m == 0]
        on = [j for j, m in enumerate(mask) if m != 0]
        assert off and on
        next_phase(page)  # forward · layer 1: a = f(z) · m/(1 − p)
        drawn = page.eval_on_selector_all(
            "#network [data-node^='1:'].dropped",
            "ns => ns.map((n) => +n.dataset.node.split(':')[1])",
        )
        assert sorted(drawn) == off
        page.locator(f"[data-node='1:{off[0]}']").dispatch_event("click")
        idle(page)
        assert inspector_value(page, "dropout") == 0
        assert "Dropped for this sample" in page.locator("#inspector-body").text_content()
        page.locator(f"[data-node='1:{on[0]}']").dispatch_event("click")
        idle(page)
        assert inspector_value(page, "dropout") == mask[on[0]] == 2.0  # 1/(1 − 0.5)
        metrics = page.locator("#metrics").text_content()
        assert "eval mode: no dropout" in metrics
        assert page.errors == []
    finally:
        page.context.close()


def test_parameter_counts_and_no_eval_note_on_the_default_network(chromium, server_url):
    page = open_url(chromium, f"{server_url}/", 1366, 768)
    try:
        assert "25 parameters: 18 weights (72%), 7 biases" in network_texts(page)
        assert "eval mode" not in page.locator("#metrics").text_content()
        load(page, bn_scenario(server_url))
        counts = [t for t in network_texts(page) if t.endswith("γ/β")]
        assert counts == ["489 parameters: 344 weights (70%), 49 biases, 96 γ/β"], counts
        assert page.errors == []
    finally:
        page.context.close()


def test_the_batchnorm_lesson_walks_both_runs_in_lockstep(chromium, server_url):
    page = open_url(chromium, f"{server_url}/", 1366, 768)
    try:
        page.get_by_test_id("lessons").click()
        page.locator("li.lesson[data-lesson=batchnorm-init] [data-testid=lesson-open]").click()
        idle(page)
        assert page.get_by_test_id("compare-pane").is_visible()
        seen = []
        for _ in range(34):
            a, b = next_phase(page), page.get_by_test_id("compare-phase").text_content()
            b_step = int(page.get_by_test_id("compare-step").text_content())
            assert (counter(page), a.split(" ")[0]) == (b_step, b.split(" ")[0]), (a, b)
            seen.append((a, b))
        # The normalized run (B, 34 phases) sets the pace; the plain one holds each layer.
        assert seen[:4] == [
            ("forward · layer 1", "forward · layer 1 · z"),
            ("forward · layer 1", "forward · layer 1 · BN"),
            ("forward · layer 1", "forward · layer 1 · a"),
            ("forward · layer 2", "forward · layer 2 · z"),
        ]
        assert seen[19] == ("loss", "loss")
        assert seen[21:23] == [
            ("backward · layer 6", "backward · layer 6 · δ_y"),
            ("backward · layer 6", "backward · layer 6 · BN → δ"),
        ]
        assert seen[-1] == ("update", "update") and counter(page) == 1
        # And back: one press back is the last backward sub-phase of both.
        page.get_by_test_id("prev-phase").click()
        idle(page)
        assert phase(page) == "backward · layer 1"
        assert page.get_by_test_id("compare-phase").text_content() == "backward · layer 1 · BN → δ"
        assert page.errors == []
    finally:
        page.context.close()


@pytest.mark.parametrize(("width", "height", "lecture"), [(1366, 768, False), (1024, 768, True)])
def test_no_text_overlaps_in_any_sub_phase(chromium, server_url, width, height, lecture):
    page = open_url(chromium, f"{server_url}/", width, height)
    try:
        if lecture:
            page.get_by_test_id("lecture-toggle").click()
            idle(page)
        scenario = bn_scenario(server_url)
        # Three normalized layers keep the walk short; every kind of sub-phase is in it.
        scenario = {**scenario, "hidden_layers": [8, 8, 8]}
        load(page, scenario)
        page.locator("[data-node='2:1']").dispatch_event("click")
        idle(page)
        where = f"{width}x{height}{' lecture' if lecture else ''}"
        labels = []
        check_legible(page, f"{where}, ready", lecture)
        for _ in range(1 + 3 * 3 + 1 + 1 + 2 * 3 + 1):
            label = next_phase(page)
            labels.append(label)
            check_legible(page, f"{where}, {label}", lecture)
            if lecture and "BN" in label:
                caption = page.get_by_test_id("caption-title").text_content()
                assert "normalization" in caption, caption
                px = float(
                    page.get_by_test_id("caption-title").evaluate(
                        "e => parseFloat(getComputedStyle(e).fontSize)"
                    )
                )
                assert px >= 28, px
        assert labels[1] == "forward · layer 1 · BN" and labels[-1] == "update"
        assert page.errors == []
    finally:
        page.context.close()
