"""Compressed and plain answers carry the same bytes once decoded: static files (gzipped once),
JSON answers (gzipped as they go out), cached link answers (gzipped once, never twice)."""

from __future__ import annotations

import gzip
import re

import pytest
from fastapi.testclient import TestClient
from starlette.responses import StreamingResponse

from backprop_playground.api.compression import GZIP_MIN_BYTES, AnswerCompression

GZIP = {"accept-encoding": "gzip"}
PLAIN = {"accept-encoding": "identity"}


def fetch(client, method: str, url: str, headers: dict, **kwargs) -> tuple[object, bytes]:
    """The response and its body exactly as sent (not decoded)."""
    with client.stream(method, url, headers=headers, **kwargs) as r:
        return r, b"".join(r.iter_raw())


def vary_names(r) -> list[str]:
    return [name.strip().lower() for name in r.headers.get("vary", "").split(",") if name]


def assert_same_bytes(client, method: str, url: str, **kwargs) -> bytes:
    """The gzip answer decodes to the plain answer; both name Accept-Encoding once in Vary and
    give the Content-Length of what they sent. Returns the plain body."""
    plain, body = fetch(client, method, url, PLAIN, **kwargs)
    packed, raw = fetch(client, method, url, GZIP, **kwargs)
    assert plain.status_code == packed.status_code == 200
    assert "content-encoding" not in plain.headers
    assert packed.headers["content-encoding"] == "gzip"
    assert gzip.decompress(raw) == body
    assert len(raw) < len(body)
    for r, sent in ((plain, body), (packed, raw)):
        assert vary_names(r) == ["accept-encoding"]
        assert int(r.headers["content-length"]) == len(sent)
    assert plain.headers["content-type"] == packed.headers["content-type"]
    assert plain.headers.get("cache-control") == packed.headers.get("cache-control")
    return body


@pytest.fixture(scope="module")
def build(client) -> str:
    return client.app.state.build_id


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/index.html",
        "/js/main.js",
        "/assets/{build}/js/main.js",
        "/assets/{build}/css/app.css",
        "/assets/{build}/_page.css",
        "/assets/{build}/js/later.js",
        "/assets/{build}/vendor/uplot/dist/uPlot.esm.js",
        "/assets/{build}/vendor/katex/dist/katex.min.js",
        "/vendor/katex/dist/katex.min.css",
    ],
)
def test_static_files_decode_to_the_same_bytes(client, build, path):
    body = assert_same_bytes(client, "GET", path.format(build=build))
    if path.startswith("/assets/"):
        r = client.get(path.format(build=build), headers=GZIP)
        assert r.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert r.headers["etag"]
    if path.endswith(".js") and "vendor" not in path:
        name = path.split("/js/", 1)[1]
        assert body == (client.app.state.settings.frontend_dir / "js" / name).read_bytes()


def test_static_files_are_compressed_once(client, build):
    url = f"/assets/{build}/js/api.js"
    _, first = fetch(client, "GET", url, GZIP)
    _, second = fetch(client, "GET", url, GZIP)
    assert first == second  # the bytes kept, not a new compression


def test_static_revalidation_and_head_still_work(client):
    r = client.get("/js/main.js", headers=GZIP)
    again = client.get("/js/main.js", headers={**GZIP, "if-none-match": r.headers["etag"]})
    assert again.status_code == 304
    head = client.head("/js/main.js", headers=GZIP)
    assert head.status_code == 200
    size = (client.app.state.settings.frontend_dir / "js/main.js").stat().st_size
    assert int(head.headers["content-length"]) == size


def test_the_page_revalidates_by_its_build(client):
    for headers in (GZIP, PLAIN):
        r = client.get("/", headers=headers)
        again = client.get("/", headers={**headers, "if-none-match": r.headers["etag"]})
        assert again.status_code == 304
        assert again.headers["cache-control"] == "no-cache"


def test_already_compressed_files_are_left_alone(client):
    fonts = client.app.state.settings.node_modules_dir / "katex/dist/fonts"
    woff2 = sorted(fonts.glob("*.woff2"))[0].name
    packed, raw = fetch(client, "GET", f"/vendor/katex/dist/fonts/{woff2}", GZIP)
    assert packed.status_code == 200
    assert "content-encoding" not in packed.headers
    assert raw == (fonts / woff2).read_bytes()


def test_the_page_preloads_the_module_graph_but_not_what_loads_later(client, build):
    page = client.get("/").text
    preloads = re.findall(r'<link rel="modulepreload" href="([^"]+)">', page)
    assert f"/assets/{build}/js/api.js" in preloads
    assert f"/assets/{build}/js/later.js" in preloads
    # main.js imports these with import() once the first frame's modules are in (later.js)
    for lazy in ("js/render/charts.js", "js/render/inspector.js", "js/vendor.js", "vendor/uplot"):
        assert not any(url.startswith(f"/assets/{build}/{lazy}") for url in preloads), lazy
    assert not any("katex" in url for url in preloads)
    assert "katex" not in page  # not even its stylesheet: it loads with the first formula
    assert len(preloads) == len(set(preloads)) > 10
    for url in preloads:
        assert client.get(url).status_code == 200, url
    # before the module script, so the fetches start together
    assert page.index("modulepreload") < page.index('<script type="module"')


def test_json_answers_decode_to_the_same_bytes(client, presets):
    sc = presets["xor"]["scenario"]
    assert_same_bytes(client, "GET", "/openapi.json")
    assert_same_bytes(client, "GET", "/api/v1/presets")
    assert_same_bytes(client, "POST", "/api/v1/step", json={"scenario": sc, "step": 2})
    big = presets["overfitting-dropout"]["scenario"]  # a snapshot over GZIP_MIN_BYTES
    assert_same_bytes(client, "POST", "/api/v1/snapshot", json={"scenario": big, "step": 2})
    assert_same_bytes(client, "POST", "/api/v1/dataset", json={"scenario": big, "step": 0})
    body = {"scenario": sc, "step": 2, "resolution": 24}
    assert_same_bytes(client, "POST", "/api/v1/heatmaps", json=body)


def test_small_answers_stay_plain(client):
    r, raw = fetch(client, "GET", "/api/v1/health", GZIP)
    assert r.status_code == 200
    assert len(raw) < GZIP_MIN_BYTES
    assert "content-encoding" not in r.headers


def test_refusals_of_the_body_guard_still_answer(client):
    r = client.post(
        "/api/v1/step",
        content=b"{not json",
        headers={**GZIP, "content-type": "application/json"},
    )
    assert r.status_code == 422
    assert r.json()["detail"][0]["type"] == "json_invalid"
    limit = client.app.state.settings.max_body_bytes
    r = client.post(
        "/api/v1/step",
        content=b" " * (limit + 1),
        headers={**GZIP, "content-type": "application/json"},
    )
    assert r.status_code == 413
    assert r.json()["detail"][0]["type"] == "too_large"


@pytest.fixture(scope="module")
def link(client, presets):
    r = client.post("/api/v1/links", json={"scenario": presets["tf-circle"]["scenario"]})
    assert r.status_code == 201
    return r.json()["id"], client.get("/api/v1/health").json()["engine_version"]


def test_cached_link_answers_are_compressed_once(client, link):
    link_id, version = link
    url = f"/api/v1/links/{link_id}/step?step=4&trace_samples=8&v={version}"
    body = assert_same_bytes(client, "GET", url)  # the route's answer, now cached
    assert body.startswith(b"{")
    # the fast path sends the bytes kept: one gzip layer that decodes to the same JSON
    packed, raw = fetch(client, "GET", url, GZIP)
    assert packed.headers["content-encoding"] == "gzip"
    assert gzip.decompress(raw) == body
    assert packed.headers["etag"]
    assert vary_names(packed) == ["accept-encoding"]


def test_streaming_answers_are_compressed_chunk_by_chunk():
    chunks = [b'{"part": %d, "pad": "%s"}\n' % (k, b"x" * 700) for k in range(5)]

    async def stream():
        for chunk in chunks:
            yield chunk

    async def app(scope, receive, send):
        await StreamingResponse(stream(), media_type="application/x-ndjson")(scope, receive, send)

    client = TestClient(AnswerCompression(app))  # no `with`: this app has no lifespan
    r, raw = fetch(client, "GET", "/", GZIP)
    assert r.headers["content-encoding"] == "gzip"
    assert gzip.decompress(raw) == b"".join(chunks)
    r, raw = fetch(client, "GET", "/", PLAIN)
    assert raw == b"".join(chunks)
