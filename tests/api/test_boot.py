"""`/` carries the answers of its default open (static.py's boot block): each is the API's own
answer to the request it names, and the request is the one the page makes (schema.js's
defaults, computed by node here). Links' pages carry none. The stylesheets come as one file."""

from __future__ import annotations

import html
import json
import re
import subprocess

import pytest

from backprop_playground.static import BOOT_ID, PAGE_CSS, boot_requests, stylesheets
from tests.e2e.harness import REPO

BOOT = re.compile(rf'<script type="application/json" id="{BOOT_ID}">(.*?)</script>', re.S)

# What main.js's start() and session.js's loadScenario send for the default open, by the page's
# own code (schema.js), from the API's OpenAPI document on stdin.
PAGE_DEFAULTS_JS = """
import { defaultsFor, requestField, scenarioSchema } from './frontend/js/schema.js';
let text = '';
for await (const chunk of process.stdin) text += chunk;
const doc = JSON.parse(text);
const scenario = defaultsFor(scenarioSchema(doc));
const traceSamples = requestField(doc, 'step', 'trace_samples')?.default ?? 32;
console.log(JSON.stringify({ scenario, traceSamples }));
"""


@pytest.fixture(scope="module")
def boot(client) -> list[dict]:
    page = client.get("/").text
    found = BOOT.findall(page)
    assert len(found) == 1
    assert "</" not in found[0] and "<!--" not in found[0]  # nothing in it ends the block
    return json.loads(found[0])


def test_the_block_names_the_requests_of_the_default_open(client, boot):
    assert [(e["method"], e["path"]) for e in boot] == [
        ("GET", "/openapi.json"),
        ("GET", "/api/v1/presets"),
        ("POST", "/api/v1/snapshot"),
        ("POST", "/api/v1/step"),
        ("POST", "/api/v1/dataset"),
    ]
    doc = client.get("/openapi.json").text
    out = subprocess.run(
        ["node", "--input-type=module", "-e", PAGE_DEFAULTS_JS],
        input=doc,
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
        check=True,
    )
    page = json.loads(out.stdout)
    assert page["scenario"]["dataset"]["kind"] == "circle"  # a real scenario, not an empty one
    bodies = {e["path"].rsplit("/", 1)[-1]: e["body"] for e in boot}
    # JSON values compared as the page compares them (1.0 == 1, any key order)
    assert bodies["snapshot"] == {"scenario": page["scenario"], "step": 0}
    assert bodies["step"] == {
        "scenario": page["scenario"],
        "step": 0,
        "trace_samples": page["traceSamples"],
    }
    assert bodies["dataset"] == {"scenario": page["scenario"], "step": 0}
    assert [body for _, _, body in boot_requests(json.loads(doc))] == [e["body"] for e in boot]


def test_each_answer_is_the_api_answer_to_its_request(client, boot):
    for e in boot:
        r = client.request(e["method"], e["path"], json=e["body"])
        assert r.status_code == 200, e["path"]
        assert r.json() == e["answer"], e["path"]
    step = next(e for e in boot if e["path"].endswith("/step"))["answer"]
    assert step["trace"]["layers"]  # a whole trace, as the page draws it


def test_the_page_is_made_once_and_revalidates_by_its_bytes(client):
    first = client.get("/")
    again = client.get("/")
    assert first.content == again.content
    assert first.headers["etag"] == again.headers["etag"]
    r = client.get("/", headers={"if-none-match": first.headers["etag"]})
    assert r.status_code == 304
    # the answers are in `/` only: the page does not preload what it carries
    assert 'rel="preload" href="/openapi.json"' not in first.text


def test_a_link_page_carries_no_answers_but_preloads_its_first_ones(client, presets):
    r = client.post("/api/v1/links", json={"scenario": presets["xor"]["scenario"]})
    assert r.status_code == 201
    page = client.get(f"/s/{r.json()['id']}").text
    assert BOOT.search(page) is None
    assert '<link rel="preload" href="/openapi.json" as="fetch" crossorigin>' in page


def test_the_stylesheets_are_one_file_in_the_pages_order(client):
    settings = client.app.state.settings
    build = client.app.state.build_id
    index = (settings.frontend_dir / "index.html").read_text(encoding="utf-8")
    listed = re.findall(r'<link rel="stylesheet" href="([^"]+)">', index)
    sheets = stylesheets(settings.frontend_dir, settings.node_modules_dir)
    assert sheets == listed and len(sheets) > 3
    page = client.get("/").text
    assert re.findall(r'<link rel="stylesheet" href="([^"]+)">', page) == [
        f"/assets/{build}/{PAGE_CSS}"
    ]
    r = client.get(f"/assets/{build}/{PAGE_CSS}")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/css")
    assert r.headers["cache-control"] == "public, max-age=31536000, immutable"
    css = r.text
    at = 0
    for path in sheets:
        file = (
            settings.node_modules_dir / path.removeprefix("vendor/")
            if path.startswith("vendor/")
            else settings.frontend_dir / path
        )
        text = file.read_text(encoding="utf-8")
        # joining keeps the cascade only without @import, @charset and relative url()
        assert "@import" not in text and "@charset" not in text, path
        assert not re.search(r"url\((?!['\"]?data:)", text), path
        found = css.index(text, at)
        at = found + len(text)
    assert html.unescape(page).count("stylesheet") == 1


def test_every_process_makes_the_same_page(client, tmp_path):
    """The server runs several processes: each makes `/` itself, and they must agree (same
    bytes, same ETag), or a revalidation would depend on the process that answers."""
    from fastapi.testclient import TestClient

    from backprop_playground.app import create_app
    from backprop_playground.settings import Settings

    settings = Settings(database_url=f"sqlite:///{tmp_path / 'links.sqlite3'}")
    with TestClient(create_app(settings)) as other:
        theirs = other.get("/")
    ours = client.get("/")
    assert theirs.content == ours.content
    assert theirs.headers["etag"] == ours.headers["etag"]
