"""Short links: status code first, then the body."""

from __future__ import annotations

import re
from contextlib import contextmanager

import numpy as np
import pytest
import zxingcpp
from fastapi.testclient import TestClient

from backprop_playground.api.links import MAX_LINK_BYTES, RateLimiter
from backprop_playground.app import create_app
from backprop_playground.schemas import Scenario
from backprop_playground.settings import Settings

ID = re.compile(r"^[A-Za-z0-9_-]{12}$")
UNKNOWN_ID = "AAAAAAAAAAAA"
# Random floats everywhere (points, explicit initial weights), and every kind of event.
SCENARIO = {
    "title": "events & exact floats",
    "dataset": {
        "kind": "points",
        "points": {
            "inputs": np.random.default_rng(7).normal(size=(40, 2)).tolist(),
            "labels": np.random.default_rng(8).integers(0, 2, 40).tolist(),
        },
        "train_fraction": 0.75,
    },
    "hidden_layers": [3],
    "init": {"scheme": "normal", "scale": 0.7, "seed": 11},
    "optimizer": {"kind": "sgd", "lr": 0.1 / 3, "momentum": 0.9},
    "batch_size": 7,
    "events": [
        {"step": 2, "kind": "set", "changes": {"optimizer": {"kind": "adam", "lr": 0.01}}},
        {"step": 4, "kind": "set_weight", "layer": 1, "to": 0, "from": 1, "value": 0.1 + 0.2},
        {"step": 6, "kind": "prune", "fraction": 0.5},
        {"step": 7, "kind": "add_points", "inputs": [[1.0, 1 / 7], [-1.0, -2.0]], "labels": [1, 0]},
    ],
}
VIEW = {"phase": "backward", "sample": 3, "color_mode": "sign", "lecture": True}


def db_url(tmp_path_factory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('links') / 'links.sqlite3'}"


@contextmanager
def serve(url: str, **settings):
    app = create_app(Settings(database_url=url, **{"link_rate_per_minute": 10_000, **settings}))
    with TestClient(app) as c:
        yield c


@pytest.fixture(scope="module")
def url(tmp_path_factory) -> str:
    return db_url(tmp_path_factory)


@pytest.fixture(scope="module")
def links(url):
    with serve(url) as c:
        yield c


def create(client, **body):
    r = client.post("/api/v1/links", json={"scenario": SCENARIO, "step": 9, **body})
    assert r.status_code == 201, r.text
    return r.json()


# ---------------------------------------------------------------- create and read


def test_create_then_get_round_trip(links):
    r = links.post(
        "/api/v1/links",
        json={"scenario": SCENARIO, "step": 9, "view": VIEW, "title": "Lesson 3"},
    )
    assert r.status_code == 201
    made = r.json()
    assert ID.fullmatch(made["id"])
    assert made["url"] == f"http://testserver/s/{made['id']}"
    assert made["qr_svg_url"] == f"/api/v1/links/{made['id']}/qr.svg"
    assert made["format_version"] == 1
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", made["created_at"])
    assert made["step"] == 9 and made["view"] == VIEW and made["title"] == "Lesson 3"
    validated = Scenario.model_validate(SCENARIO)
    assert made["scenario"] == validated.model_dump(mode="json", by_alias=True, exclude_none=False)

    r = links.get(f"/api/v1/links/{made['id']}")
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/json"
    assert r.json() == made


def test_title_defaults_to_the_scenarios(links):
    made = create(links)
    assert made["title"] == SCENARIO["title"]
    assert made["view"] == {}


def test_each_link_gets_its_own_id(links):
    ids = {create(links)["id"] for _ in range(20)}
    assert len(ids) == 20


def test_link_replays_bit_for_bit_after_a_restart(links, url):
    made = create(links, step=12)
    original = {"scenario": SCENARIO, "step": 12}
    want_snapshot = links.post("/api/v1/snapshot", json=original)
    want_step = links.post("/api/v1/step", json=original)
    assert want_snapshot.status_code == 200 and want_step.status_code == 200
    with serve(url) as fresh:  # another process's view: same file, empty caches
        r = fresh.get(f"/api/v1/links/{made['id']}")
        assert r.status_code == 200
        stored = r.json()
        again = {"scenario": stored["scenario"], "step": stored["step"]}
        snapshot = fresh.post("/api/v1/snapshot", json=again)
        step = fresh.post("/api/v1/step", json=again)
    assert snapshot.status_code == 200 and step.status_code == 200
    assert snapshot.content == want_snapshot.content  # the same bytes: every float exact
    assert step.content == want_step.content


def test_title_is_plain_text_kept_verbatim(links):
    title = "<img src=x onerror=alert(1)> &amp; </script>\"'"
    made = create(links, title=title)
    r = links.get(f"/api/v1/links/{made['id']}")
    assert r.status_code == 200
    assert r.json()["title"] == title
    page = links.get(f"/s/{made['id']}")
    assert page.status_code == 200
    assert "onerror" not in page.text  # the server never puts user text into HTML
    qr = links.get(made["qr_svg_url"])
    assert qr.status_code == 200 and "onerror" not in qr.text


def test_public_base_url_is_the_links_address(tmp_path_factory):
    public = "https://class.example.org/playground/"
    with serve(db_url(tmp_path_factory), public_base_url=public) as c:
        made = create(c)
        assert made["url"] == f"https://class.example.org/playground/s/{made['id']}"
        assert c.get(f"/api/v1/links/{made['id']}").json()["url"] == made["url"]
        r = c.get(made["qr_svg_url"])
        assert r.status_code == 200
        assert decode_qr_svg(r.text) == made["url"]


# ---------------------------------------------------------------- QR code


def test_qr_code_decodes_to_the_short_link(links):
    made = create(links)
    r = links.get(made["qr_svg_url"])
    assert r.status_code == 200
    assert r.headers["content-type"] == "image/svg+xml"
    assert decode_qr_svg(r.text) == made["url"]


def test_large_qr_code(links):
    made = create(links)
    small = links.get(made["qr_svg_url"])
    large = links.get(made["qr_svg_url"], params={"scale": 16})
    assert large.status_code == 200
    assert svg_width(large.text) == 4 * svg_width(small.text) >= 16 * 21
    assert decode_qr_svg(large.text) == made["url"]
    assert links.get(made["qr_svg_url"], params={"scale": 0}).status_code == 422
    assert links.get(made["qr_svg_url"], params={"scale": 41}).status_code == 422


def svg_width(svg: str) -> int:
    return int(re.search(r'<svg[^>]*\swidth="(\d+)"', svg).group(1))


def decode_qr_svg(svg: str) -> str:
    """Rasterize segno's SVG (one path of horizontal strokes, one unit per module) and decode
    it with zxing-cpp."""
    scale = float(re.search(r'transform="scale\(([\d.]+)\)"', svg).group(1))
    size = round(svg_width(svg) / scale)
    d = re.search(r'<path[^>]*class="qrline"[^>]*\sd="([^"]+)"', svg).group(1)
    modules = np.full((size, size), 255, np.uint8)
    x = y = 0.0
    for cmd, args in re.findall(r"([MmHhVvZz])([^MmHhVvZz]*)", d):
        nums = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", args)]
        if cmd in "Mm":
            x, y = (nums[0], nums[1]) if cmd == "M" else (x + nums[0], y + nums[1])
        elif cmd in "Hh":
            end = nums[0] if cmd == "H" else x + nums[0]
            modules[int(y), int(min(x, end)) : int(max(x, end))] = 0
            x = end
        else:
            raise AssertionError(f"unexpected path command {cmd}")
    image = np.kron(modules, np.ones((8, 8), np.uint8))
    found = zxingcpp.read_barcodes(image)
    assert len(found) == 1 and found[0].format == zxingcpp.BarcodeFormat.QRCode
    return found[0].text


# ---------------------------------------------------------------- the page


def test_short_link_serves_the_page(links):
    made = create(links)
    r = links.get(f"/s/{made['id']}")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert "content-security-policy" in r.headers
    # the same page as / (the same module and stylesheet), its assets loading from the site's
    # root, not from under /s/; only / carries its default open's first answers (static.py)
    home = links.get("/").text
    same = r'<script type="module"[^>]*>|<link rel="stylesheet"[^>]*>|<body[^>]*>'
    assert re.findall(same, r.text) == re.findall(same, home) != []
    assert 'id="boot"' in home and 'id="boot"' not in r.text
    assert re.search(r'<script type="module" src="/[^"]*js/main\.js">', r.text)
    assert not re.search(r'\s(?:src|href)="(?![/#]|https?:)', r.text)


def test_unknown_or_malformed_short_link_is_a_404_page(links):
    for path in (f"/s/{UNKNOWN_ID}", "/s/short", "/s/<b>bold<b>xxxx"):
        r = links.get(path)
        assert r.status_code == 404
        assert r.headers["content-type"].startswith("text/html")
        assert "<b>bold" not in r.text


# ---------------------------------------------------------------- errors


def test_unknown_id_is_404(links):
    r = links.get(f"/api/v1/links/{UNKNOWN_ID}")
    assert r.status_code == 404
    assert r.json()["detail"][0]["type"] == "not_found"
    assert links.get(f"/api/v1/links/{UNKNOWN_ID}/qr.svg").status_code == 404


def test_malformed_id_is_422(links):
    for bad in ("abc", "A" * 13, "AAAAAAAAAAA%21"):
        r = links.get(f"/api/v1/links/{bad}")
        assert r.status_code == 422
        assert r.json()["detail"][0]["loc"] == ["path", "link_id"]


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"scenario": SCENARIO, "step": 1_000_001}, ["body", "step"]),
        ({"scenario": SCENARIO, "step": -1}, ["body", "step"]),
        ({"scenario": SCENARIO, "title": "x" * 121}, ["body", "title"]),
        ({"scenario": SCENARIO, "view": {"k": "x" * 5000}}, ["body", "view"]),
        ({"scenario": SCENARIO, "view": {str(i): i for i in range(33)}}, ["body", "view"]),
        ({"scenario": SCENARIO, "view": []}, ["body", "view"]),
        ({"scenario": SCENARIO, "view": {"n": -(2**63) - 1}}, ["body", "view"]),
        ({"scenario": SCENARIO, "id": UNKNOWN_ID}, ["body", "id"]),
        ({"scenario": {"dataset": {"kind": "nope"}}}, ["body", "scenario", "dataset", "kind"]),
        ({"step": 3}, ["body", "scenario"]),
    ],
)
def test_invalid_link_is_422(links, body, loc):
    r = links.post("/api/v1/links", json=body)
    assert r.status_code == 422
    assert loc in [item["loc"][: len(loc)] for item in r.json()["detail"]]


def test_too_large_link_is_413(links):
    rows = np.random.default_rng(1).normal(size=(4000, 8)).tolist()
    sc = {"dataset": {"kind": "points", "points": {"inputs": rows, "labels": [0, 1] * 2000}}}
    r = links.post("/api/v1/links", json={"scenario": sc})
    assert r.status_code == 413
    assert str(MAX_LINK_BYTES) in r.json()["detail"][0]["msg"]


def test_store_unavailable_is_503():
    with serve("postgresql://nobody@127.0.0.1:1/none") as c:
        r = c.post("/api/v1/links", json={"scenario": SCENARIO})
        assert r.status_code == 503
        assert r.json()["detail"][0]["type"] == "store_unavailable"
        assert c.get(f"/api/v1/links/{UNKNOWN_ID}").status_code == 503
        assert c.get(f"/s/{UNKNOWN_ID}").status_code == 503


# ---------------------------------------------------------------- rate limit


def test_link_creation_is_rate_limited_per_client(tmp_path_factory):
    with serve(db_url(tmp_path_factory), link_rate_per_minute=3) as c:
        made = [create(c) for _ in range(3)]
        r = c.post("/api/v1/links", json={"scenario": SCENARIO})
        assert r.status_code == 429
        assert 1 <= int(r.headers["retry-after"]) <= 60
        item = r.json()["detail"][0]
        assert item["type"] == "rate_limited" and "3 links a minute" in item["msg"]
        # reading is not limited, and other clients are not affected
        assert c.get(f"/api/v1/links/{made[0]['id']}").status_code == 200
        other = TestClient(c.app, client=("192.0.2.7", 5000))
        assert other.post("/api/v1/links", json={"scenario": SCENARIO}).status_code == 201


def test_rate_limit_window_slides():
    now = [1000.0]
    limiter = RateLimiter(2, clock=lambda: now[0])
    assert limiter.retry_after("a") is None
    now[0] += 30
    assert limiter.retry_after("a") is None
    now[0] += 10
    assert limiter.retry_after("a") == pytest.approx(20)  # the first hit leaves the window
    assert limiter.retry_after("b") is None
    now[0] += 20
    assert limiter.retry_after("a") is None
    assert limiter.retry_after("a") == pytest.approx(30)
    assert RateLimiter(0).retry_after("a") is None  # 0 turns the limit off


def test_openapi_documents_the_link_responses(links):
    paths = links.get("/openapi.json").json()["paths"]
    post = paths["/api/v1/links"]["post"]["responses"]
    assert {"201", "413", "422", "429", "503"} <= set(post)
    assert "Retry-After" in post["429"]["headers"]
    assert "200" in paths["/api/v1/links/{link_id}"]["get"]["responses"]
    assert "404" in paths["/api/v1/links/{link_id}"]["get"]["responses"]
    assert (
        "image/svg+xml"
        in paths["/api/v1/links/{link_id}/qr.svg"]["get"]["responses"]["200"]["content"]
    )
