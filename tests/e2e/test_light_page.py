"""A light page: KaTeX loads with the first formula the inspector shows, not with the page."""

from __future__ import annotations

from tests.e2e.harness import idle, ready


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
