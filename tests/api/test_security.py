"""Security headers on every response; /docs works without a CDN."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("path", ["/", "/api/v1/health", "/js/main.js", "/openapi.json"])
def test_security_headers(client, path):
    r = client.get(path)
    assert r.status_code == 200
    csp = r.headers["content-security-policy"]
    assert "script-src 'self';" in csp
    assert "frame-ancestors 'none'" in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "strict-origin-when-cross-origin"


def test_error_responses_carry_headers_too(client):
    r = client.post("/api/v1/step", content=b"{", headers={"content-type": "application/json"})
    assert r.status_code == 422
    assert "content-security-policy" in r.headers


def test_docs_are_served_locally(client):
    r = client.get("/docs")
    assert r.status_code == 200
    assert "/vendor/swagger-ui-dist/swagger-ui-bundle.js" in r.text
    assert "cdn." not in r.text
    js = client.get("/vendor/swagger-ui-dist/swagger-ui-bundle.js")
    assert js.status_code == 200


def test_page_has_no_inline_script(client):
    r = client.get("/")
    assert r.status_code == 200
    chunks = r.text.split("<script")[1:]
    assert chunks
    for chunk in chunks:
        head, _, rest = chunk.partition(">")
        if head == ' type="application/json" id="boot"':
            # the default open's first answers: a data block, never run (and CSP allows no
            # inline script anyway); it holds no "</script" that could end it early
            body, _, _ = rest.partition("</script>")
            assert "<" not in body
            continue
        assert "src=" in head, "inline script in index.html"
        assert rest.lstrip().startswith("</script>")
