"""A light page: compressed answers (Content-Encoding, Vary), the module graph preloaded, one
stylesheet, the default open's first answers carried by the page (no request for them), links
still asking the API, the charts and inspector loaded after the first frame, KaTeX loaded with
the first formula the inspector shows, not with the page."""

from __future__ import annotations

import json

from tests.e2e.harness import api, idle, open_url, ready

FIRST_ANSWERS = ("/openapi.json", "/api/v1/presets")
FIRST_POSTS = ("/api/v1/snapshot", "/api/v1/step", "/api/v1/dataset")


def record(page) -> list[dict]:
    """Every request of the page (workers' included) and, once answered, its response headers."""
    seen: list[dict] = []

    def on_response(response):
        seen.append(
            {
                "method": response.request.method,
                "url": response.url,
                "headers": response.all_headers(),
                "body": response.request.post_data,
            }
        )

    page.on("response", on_response)
    return seen


def path_of(url: str) -> str:
    return "/" + url.split("/", 3)[3].split("?")[0]


def test_a_cold_open_is_compressed_and_asks_for_no_first_answers(chromium, server_url):
    context = chromium.new_context(viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.on("pageerror", lambda e: errors.append(f"uncaught: {e}"))
    seen = record(page)
    try:
        page.goto(f"{server_url}/")
        ready(page)
        by_path = {path_of(r["url"]): r for r in seen}
        # the page, its modules and its one stylesheet come gzipped, varying on Accept-Encoding
        texts = [r for r in seen if path_of(r["url"]) == "/" or r["url"].endswith((".js", ".css"))]
        assert len(texts) > 20
        for r in texts:
            assert r["headers"].get("content-encoding") == "gzip", r["url"]
            assert "accept-encoding" in r["headers"].get("vary", "").lower(), r["url"]
        assert [r for r in seen if r["url"].endswith(".css")] == [
            r for r in seen if r["url"].endswith("/_page.css")
        ]
        assert len([r for r in seen if r["url"].endswith(".css")]) == 1
        # versioned assets are cached for good, the page revalidates
        module = next(r for r in seen if r["url"].endswith("/js/main.js"))
        assert "immutable" in module["headers"]["cache-control"]
        assert by_path["/"]["headers"]["cache-control"] == "no-cache"
        # the schema, presets and the default scenario's first answers came with the page
        asked = [path_of(r["url"]) for r in seen]
        for path in FIRST_ANSWERS + FIRST_POSTS:
            assert path not in asked, f"{path} was requested: {asked}"
        # and they are the API's answers: the network drawn is the default scenario's
        boot = json.loads(page.locator("#boot").text_content())
        snapshot = next(e for e in boot if e["path"] == "/api/v1/snapshot")
        assert api(server_url, "snapshot", snapshot["body"]) == snapshot["answer"]
        layers = snapshot["answer"]["params"]
        units = len(layers[0]["W"][0]) + sum(len(layer["b"]) for layer in layers)
        assert page.locator("#network [data-node]").count() == units
        assert page.get_by_test_id("step-counter").text_content() == "0"
        # the heatmaps (not needed for the first frame) are asked for as before
        assert "/api/v1/heatmaps" in asked
        # the charts and the inspector, loaded after the first frame, work once the page is ready
        assert [u for u in asked if u.endswith("/js/render/charts.js")]
        assert page.locator("#chart-loss canvas").count() > 0
        page.get_by_test_id("step").click()
        idle(page)
        assert page.get_by_test_id("step-counter").text_content() == "1"
        assert "/api/v1/step" in [path_of(r["url"]) for r in seen]  # the next step is asked for
    finally:
        context.close()
    assert errors == [], f"console errors: {errors}"


def test_a_link_asks_the_api_for_its_own_answers(chromium, server_url):
    preset = api(server_url, "presets/xor")
    link = api(server_url, "links", {"scenario": preset["scenario"], "step": 3})
    page = open_url(chromium, f"{server_url}/s/{link['id']}")
    try:
        snap = api(server_url, "snapshot", {"scenario": preset["scenario"], "step": 3})
        layers = snap["params"]
        units = len(layers[0]["W"][0]) + sum(len(layer["b"]) for layer in layers)
        assert page.locator("#network [data-node]").count() == units
        assert page.get_by_test_id("step-counter").text_content() == "3"
        assert page.locator("#boot").count() == 0  # a link's page carries no answers
        assert page.errors == []
    finally:
        page.context.close()


def test_katex_loads_when_the_inspector_first_shows_a_formula(chromium, server_url):
    context = chromium.new_context(viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.on("pageerror", lambda e: errors.append(f"uncaught: {e}"))
    urls: list[str] = []
    page.on("request", lambda r: urls.append(r.url))
    try:
        page.goto(f"{server_url}/")
        ready(page)
        assert page.locator("#network [data-node]").count() > 0
        assert not [u for u in urls if "katex" in u], "KaTeX loaded before any formula"
        # modulepreload: the module graph is fetched with the page
        assert page.locator("link[rel=modulepreload]").count() > 10

        page.locator("[data-node='1:0']").dispatch_event("click")
        inspector = page.get_by_test_id("inspector")
        formula = inspector.locator(".formula").first
        formula.locator(".katex").wait_for()  # typeset once KaTeX has loaded
        idle(page)
        assert [u for u in urls if u.endswith("katex.min.js")], urls
        assert [u for u in urls if u.endswith("katex.min.css")], urls
        # every formula is typeset, none is left as TeX source
        n = inspector.locator(".formula").count()
        assert n >= 3
        assert inspector.locator(".formula .katex").count() == n
        assert "\\frac" not in inspector.inner_text() and "\\sum" not in inspector.inner_text()
        # KaTeX's stylesheet applies: the MathML copy is hidden, not shown twice
        hidden = page.evaluate(
            "() => getComputedStyle(document.querySelector('#inspector .katex-mathml')).position"
        )
        assert hidden == "absolute"

        # the next selection renders straight away (KaTeX is loaded once)
        before = len(urls)
        page.locator("[data-node='1:1']").dispatch_event("click")
        idle(page)
        assert inspector.locator(".formula .katex").count() == inspector.locator(".formula").count()
        assert not [
            u for u in urls[before:] if "katex" in u and not u.endswith((".woff2", ".woff", ".ttf"))
        ]
    finally:
        context.close()
    assert errors == [], f"console errors: {errors}"
