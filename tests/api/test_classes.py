"""Live classes over HTTP (everything but the event stream, in test_classes_stream.py): status
code first, then the body; every refusal (401, 403, 404, 409, 413, 422, 429)."""

from __future__ import annotations

import re
import time

import pytest
from fastapi.testclient import TestClient

from backprop_playground.api import addresses
from backprop_playground.app import create_app
from backprop_playground.presets import PRESETS
from backprop_playground.settings import Settings
from backprop_playground.storage.classes import CODE_LENGTH, CROCKFORD, normalize_code
from tests.api.test_links import decode_qr_svg

XOR = PRESETS["xor"].scenario.model_dump(mode="json")
CIRCLE = PRESETS["tf-circle"].scenario.model_dump(mode="json")
CODE = re.compile(f"^[{CROCKFORD}]{{4}}-[{CROCKFORD}]{{4}}$")


def make_client(tmp_path, **settings) -> TestClient:
    settings.setdefault("database_url", f"sqlite:///{tmp_path / 'links.sqlite3'}")
    return TestClient(create_app(Settings(**settings)), base_url="http://127.0.0.1:8000")


@pytest.fixture
def client(tmp_path):
    return make_client(tmp_path)


def start(client, **body) -> dict:
    r = client.post("/api/v1/classes", json={"scenario": XOR, "step": 0, **body})
    assert r.status_code == 201, r.text
    return r.json()


def bearer(key: str) -> dict:
    return {"authorization": f"Bearer {key}"}


# -- starting a class -----------------------------------------------------------------------


def test_a_class_starts_on_an_immutable_link_of_its_scenario(client):
    c = start(client, title="Lecture 3", step=4, view={"phase": 2, "lecture": True})
    assert CODE.fullmatch(c["code"]), c["code"]
    assert len(c["lecturer_key"]) >= 22  # at least 128 random bits, URL-safe base64
    assert c["join_url"] == f"http://127.0.0.1:8000/c/{c['code']}"
    assert c["version"] == 1
    link = client.get(f"/api/v1/links/{c['link_id']}")
    assert link.status_code == 200
    assert (link.json()["step"], link.json()["view"]) == (4, {"phase": 2, "lecture": True})
    assert link.json()["scenario"]["dataset"]["kind"] == XOR["dataset"]["kind"]
    state = client.get(f"/api/v1/classes/{c['code']}")
    assert state.status_code == 200
    assert state.json() == {
        "code": c["code"],
        "title": "Lecture 3",
        "version": 1,
        "link_id": c["link_id"],
        "step": 4,
        "view": {"phase": 2, "lecture": True},
        "poll": None,
        "followers": 0,
    }


def test_two_classes_get_different_codes_and_keys(client):
    a, b = start(client), start(client)
    assert a["code"] != b["code"] and a["lecturer_key"] != b["lecturer_key"]
    assert CODE_LENGTH * 5 >= 40  # bits of the code


def test_the_title_defaults_to_the_scenarios(client):
    c = start(client)
    assert client.get(f"/api/v1/classes/{c['code']}").json()["title"] == XOR.get("title")


def test_the_join_url_uses_public_base_url(tmp_path):
    client = make_client(tmp_path, public_base_url="https://class.example/")
    c = start(client)
    assert c["join_url"] == f"https://class.example/c/{c['code']}"


def test_the_join_url_uses_the_network_address_picked(tmp_path, monkeypatch):
    monkeypatch.setattr(addresses, "interface_addresses", lambda: [("eth0", "192.168.1.10")])
    client = make_client(tmp_path)
    r = client.post(
        "/api/v1/classes?base=http://192.168.1.10:8000", json={"scenario": XOR, "step": 0}
    )
    assert r.status_code == 201
    assert r.json()["join_url"] == f"http://192.168.1.10:8000/c/{r.json()['code']}"
    qr = client.get(f"/api/v1/classes/{r.json()['code']}/qr.svg?base=http://192.168.1.10:8000")
    assert qr.status_code == 200
    assert decode_qr_svg(qr.text) == r.json()["join_url"]
    # only this server's addresses
    for base in ("http://evil.example", "http://192.168.1.10:8000/x", "http://127.0.0.2:8000"):
        r = client.post(f"/api/v1/classes?base={base}", json={"scenario": XOR, "step": 0})
        assert r.status_code == 422, base
        assert r.json()["detail"][0]["loc"] == ["query", "base"]


def test_the_qr_code_holds_the_join_url(client):
    c = start(client)
    r = client.get(f"/api/v1/classes/{c['code']}/qr.svg?scale=8")
    assert r.status_code == 200
    assert r.headers["content-type"] == "image/svg+xml"
    assert decode_qr_svg(r.text) == c["join_url"]
    assert client.get("/api/v1/classes/00000000/qr.svg").status_code == 404
    assert client.get(f"/api/v1/classes/{c['code']}/qr.svg?scale=0").status_code == 422


@pytest.mark.parametrize(
    "body, loc",
    [
        ({"step": 0}, ["body", "scenario"]),
        ({"scenario": XOR, "step": -1}, ["body", "step"]),
        ({"scenario": XOR, "step": 0, "title": "x" * 121}, ["body", "title"]),
        ({"scenario": XOR, "step": 0, "view": {"phase": "2"}}, ["body", "view", "phase"]),
        ({"scenario": XOR, "step": 0, "view": {"zoom": 2}}, ["body", "view", "zoom"]),
        ({"scenario": XOR, "step": 0, "view": {"compare_label": "y" * 121}}, None),
        ({"scenario": XOR, "step": 0, "view": {"selection": {"pad": "z" * 5000}}}, None),
        ({"scenario": XOR, "step": 0, "extra": 1}, ["body", "extra"]),
    ],
)
def test_a_class_body_is_validated(client, body, loc):
    r = client.post("/api/v1/classes", json=body)
    assert r.status_code == 422, r.text
    if loc is not None:
        assert any(item["loc"][: len(loc)] == loc for item in r.json()["detail"]), r.json()


def test_starting_classes_is_rate_limited_per_address(tmp_path):
    client = make_client(tmp_path, link_rate_per_minute=2)
    start(client)
    start(client)
    r = client.post("/api/v1/classes", json={"scenario": XOR, "step": 0})
    assert r.status_code == 429
    assert int(r.headers["retry-after"]) >= 1
    assert r.json()["detail"][0]["type"] == "rate_limited"


# -- codes ----------------------------------------------------------------------------------


def test_codes_match_in_any_case_and_with_any_separators(client):
    c = start(client)
    code = c["code"]
    plain = code.replace("-", "")
    typed = [plain.lower(), f" {code.lower()} ", f"{plain[:2]} {plain[2:5]}.{plain[5:]}"]
    typed.append(plain.replace("1", "l").replace("0", "O"))  # Crockford: l and O read as 1, 0
    for text in typed:
        r = client.get(f"/api/v1/classes/{text}")
        assert r.status_code == 200, text
        assert r.json()["code"] == code


def test_normalize_code():
    assert normalize_code("abcd-efgh") == "ABCDEFGH"
    assert normalize_code("iLoO-1234") == "1100" + "1234"
    assert normalize_code("ABCD-EFGU") is None  # U is not in the alphabet
    assert normalize_code("ABCDEFG") is None and normalize_code("ABCDEFGHJ") is None
    assert normalize_code("x" * 100) is None


@pytest.mark.parametrize("code", ["00000000", "ZZZZ-ZZZZ", "nope", "U" * 8, "A" * 40])
def test_unknown_codes_are_404(client, code):
    r = client.get(f"/api/v1/classes/{code}")
    assert r.status_code == 404
    assert r.json()["detail"][0]["type"] == "not_found"
    assert client.get(f"/api/v1/classes/{code}/events").status_code == 404


def test_codes_cannot_be_guessed_by_trying(tmp_path):
    client = make_client(tmp_path, class_misses_per_minute=3)
    c = start(client)
    statuses = [client.get(f"/api/v1/classes/{code}").status_code
                for code in ("00000000", "00000001", "nope", "00000002")]  # fmt: skip
    assert statuses == [404, 404, 404, 429]
    r = client.get("/api/v1/classes/00000003/events")
    assert r.status_code == 429
    assert "unknown class codes" in r.json()["detail"][0]["msg"]
    assert client.get("/c/00000004").status_code == 429
    # a class that exists is still found: only misses count
    assert client.get(f"/api/v1/classes/{c['code']}").status_code == 200


def test_a_code_longer_than_40_characters_is_422(client):
    assert client.get(f"/api/v1/classes/{'A' * 41}").status_code == 422


def test_students_open_the_page_at_c_code(client):
    c = start(client)
    for path in (f"/c/{c['code']}", f"/c/{c['code'].lower().replace('-', '')}"):
        r = client.get(path)
        assert r.status_code == 200, path
        assert r.headers["content-type"].startswith("text/html")
        assert r.text == client.get(f"/s/{c['link_id']}").text  # as short links serve it
    r = client.get("/c/00000000")
    assert r.status_code == 404
    assert "Class not found" in r.text
    assert "<script>" not in client.get("/c/<script>").text


# -- the lecturer's key ---------------------------------------------------------------------

LECTURER_CALLS = [
    ("PUT", "/view", {"step": 1}),
    ("DELETE", "", None),
    ("POST", "/polls", {"question": "Which way?", "choices": ["up", "down"]}),
    ("POST", "/polls/POLL/close", {}),
]


@pytest.mark.parametrize("method, path, body", LECTURER_CALLS)
def test_lecturer_calls_need_the_key(client, method, path, body):
    c = start(client)
    url = f"/api/v1/classes/{c['code']}{path}"
    for headers in ({}, {"authorization": "Basic abc"}, {"authorization": "Bearer "}):
        r = client.request(method, url, json=body, headers=headers)
        assert r.status_code == 401, (headers, r.text)
        assert r.headers["www-authenticate"] == "Bearer"
        assert r.json()["detail"][0]["type"] == "unauthorized"
    other = start(client)
    for key in ("wrong", other["lecturer_key"], c["lecturer_key"] + "x"):
        r = client.request(method, url, json=body, headers=bearer(key))
        assert r.status_code == 403, r.text
        assert r.json()["detail"][0]["type"] == "forbidden"
    # nothing changed
    assert client.get(f"/api/v1/classes/{c['code']}").json()["version"] == 1


# -- the view -------------------------------------------------------------------------------


def test_the_lecturer_publishes_views(client):
    c = start(client, view={"phase": 0})
    url, key = f"/api/v1/classes/{c['code']}", bearer(c["lecturer_key"])
    r = client.put(url + "/view", json={"step": 3, "view": {"phase": 4, "sample": 2}}, headers=key)
    assert r.status_code == 200, r.text
    assert r.json() == {"version": 2, "link_id": c["link_id"]}
    # the same scenario again: no new link
    r = client.put(url + "/view", json={"scenario": XOR, "step": 5}, headers=key)
    assert r.json() == {"version": 3, "link_id": c["link_id"]}
    state = client.get(url).json()
    assert (state["version"], state["step"], state["view"]) == (3, 5, {})
    # a changed setting: a new immutable link, the old one intact
    r = client.put(url + "/view", json={"scenario": CIRCLE, "step": 0}, headers=key)
    assert r.status_code == 200
    new_link = r.json()["link_id"]
    assert new_link != c["link_id"]
    assert (
        client.get(f"/api/v1/links/{new_link}").json()["scenario"]["dataset"]["kind"]
        == (CIRCLE["dataset"]["kind"])
    )
    old = client.get(f"/api/v1/links/{c['link_id']}").json()["scenario"]["dataset"]["kind"]
    assert old == XOR["dataset"]["kind"]
    assert client.get(url).json()["link_id"] == new_link


@pytest.mark.parametrize(
    "body",
    [{}, {"step": -1}, {"step": 1, "view": {"lecture": 1}}, {"step": 1, "view": []},
     {"step": 1, "scenario": {"dataset": {"kind": "nope"}}}, {"step": 1, "other": 2}],
)  # fmt: skip
def test_a_view_change_is_validated(client, body):
    c = start(client)
    r = client.put(
        f"/api/v1/classes/{c['code']}/view", json=body, headers=bearer(c["lecturer_key"])
    )
    assert r.status_code == 422, r.text


def test_view_changes_are_rate_limited_per_class(tmp_path):
    client = make_client(tmp_path, class_views_per_minute=3)
    c = start(client)
    url, key = f"/api/v1/classes/{c['code']}/view", bearer(c["lecturer_key"])
    assert [client.put(url, json={"step": i}, headers=key).status_code for i in range(4)] == [
        200, 200, 200, 429,
    ]  # fmt: skip


def test_new_scenarios_are_rate_limited_per_class(tmp_path):
    client = make_client(tmp_path, class_scenarios_per_minute=1)
    c = start(client)
    url, key = f"/api/v1/classes/{c['code']}/view", bearer(c["lecturer_key"])
    assert client.put(url, json={"scenario": CIRCLE, "step": 0}, headers=key).status_code == 200
    r = client.put(url, json={"scenario": XOR, "step": 0}, headers=key)
    assert r.status_code == 429
    # a view change without a new scenario still goes through
    assert client.put(url, json={"step": 2}, headers=key).status_code == 200


def test_end_class(client):
    c = start(client)
    url, key = f"/api/v1/classes/{c['code']}", bearer(c["lecturer_key"])
    r = client.delete(url, headers=key)
    assert r.status_code == 204
    assert client.get(url).status_code == 404
    assert client.put(url + "/view", json={"step": 1}, headers=key).status_code == 404
    assert client.delete(url, headers=key).status_code == 404
    assert client.get(f"/c/{c['code']}").status_code == 404
    # its link stays: links are immutable
    assert client.get(f"/api/v1/links/{c['link_id']}").status_code == 200


def test_a_class_expires_after_its_ttl_without_a_change(tmp_path):
    client = make_client(tmp_path, class_ttl_hours=0.5 / 3600)  # half a second
    c = start(client)
    url, key = f"/api/v1/classes/{c['code']}", bearer(c["lecturer_key"])
    for i in range(3):  # each change keeps it alive
        time.sleep(0.3)
        assert client.put(url + "/view", json={"step": i}, headers=key).status_code == 200
    time.sleep(0.7)
    assert client.get(url).status_code == 404
    assert client.put(url + "/view", json={"step": 9}, headers=key).status_code == 404


# -- polls ----------------------------------------------------------------------------------


def open_poll(client, c, choices=("up", "down", "no change")) -> str:
    r = client.post(
        f"/api/v1/classes/{c['code']}/polls",
        json={"question": "Which way will w₁ move?", "choices": list(choices)},
        headers=bearer(c["lecturer_key"]),
    )
    assert r.status_code == 201, r.text
    return r.json()["poll_id"]


def vote(client, c, poll_id, voter, choice):
    return client.post(
        f"/api/v1/classes/{c['code']}/polls/{poll_id}/votes",
        json={"voter": voter, "choice": choice},
    )


def test_a_poll_tallies_live_and_closes_with_the_answer(client):
    c = start(client)
    url, key = f"/api/v1/classes/{c['code']}", bearer(c["lecturer_key"])
    poll_id = open_poll(client, c)
    poll = client.get(url).json()["poll"]
    assert poll == {
        "poll_id": poll_id, "question": "Which way will w₁ move?",
        "choices": ["up", "down", "no change"], "open": True, "counts": [0, 0, 0],
        "voters": 0, "answer": None,
    }  # fmt: skip
    for voter, choice in [("a", 0), ("b", 1), ("c", 1), ("a", 1), ("d", 2)]:
        r = vote(client, c, poll_id, voter, choice)
        assert r.status_code == 204, r.text
        assert r.content == b""
    running = client.get(url).json()["poll"]
    assert (running["counts"], running["voters"]) == ([0, 3, 1], 4)  # a changed their mind
    r = client.post(f"{url}/polls/{poll_id}/close", json={"answer": 1}, headers=key)
    assert r.status_code == 200
    assert r.json() == {"counts": [0, 3, 1], "voters": 4, "answer": 1}
    closed = client.get(url).json()["poll"]
    assert (closed["open"], closed["counts"], closed["answer"]) == (False, [0, 3, 1], 1)
    # closed: no more votes, no second close
    r = vote(client, c, poll_id, "e", 0)
    assert r.status_code == 409
    assert r.json()["detail"][0]["type"] == "poll_closed"
    assert client.post(f"{url}/polls/{poll_id}/close", json={}, headers=key).status_code == 409


def test_closing_without_an_answer_or_body(client):
    c = start(client)
    url, key = f"/api/v1/classes/{c['code']}", bearer(c["lecturer_key"])
    poll_id = open_poll(client, c, ["yes", "no"])
    r = client.post(f"{url}/polls/{poll_id}/close", headers=key)
    assert r.status_code == 200
    assert r.json() == {"counts": [0, 0], "voters": 0, "answer": None}


def test_a_new_poll_replaces_the_open_one(client):
    c = start(client)
    first = open_poll(client, c)
    assert vote(client, c, first, "a", 0).status_code == 204
    second = open_poll(client, c, ["yes", "no"])
    assert second != first
    assert vote(client, c, first, "b", 0).status_code == 404  # no longer the class's poll
    assert vote(client, c, second, "b", 1).status_code == 204
    poll = client.get(f"/api/v1/classes/{c['code']}").json()["poll"]
    assert (poll["poll_id"], poll["counts"], poll["voters"]) == (second, [0, 1], 1)


@pytest.mark.parametrize(
    "body",
    [{"question": "?", "choices": ["only one"]}, {"question": "?", "choices": list("abcdefg")},
     {"question": "", "choices": ["a", "b"]}, {"question": "q" * 301, "choices": ["a", "b"]},
     {"question": "?", "choices": ["a", ""]}, {"question": "?", "choices": ["a", "b" * 121]},
     {"question": "?", "choices": ["a", 2]}, {"choices": ["a", "b"]}],
)  # fmt: skip
def test_a_poll_is_validated(client, body):
    c = start(client)
    r = client.post(
        f"/api/v1/classes/{c['code']}/polls", json=body, headers=bearer(c["lecturer_key"])
    )
    assert r.status_code == 422, r.text


@pytest.mark.parametrize(
    "body, loc",
    [({"voter": "a", "choice": 3}, ["body", "choice"]), ({"voter": "a", "choice": -1}, None),
     ({"voter": "v" * 65, "choice": 0}, ["body", "voter"]), ({"voter": "", "choice": 0}, None),
     ({"voter": "a", "choice": "0"}, None), ({"choice": 0}, None)],
)  # fmt: skip
def test_a_vote_is_validated(client, body, loc):
    c = start(client)
    poll_id = open_poll(client, c)
    r = client.post(f"/api/v1/classes/{c['code']}/polls/{poll_id}/votes", json=body)
    assert r.status_code == 422, r.text
    if loc is not None:
        assert r.json()["detail"][0]["loc"] == loc


def test_votes_and_closes_on_unknown_polls_or_classes_are_404(client):
    c = start(client)
    url, key = f"/api/v1/classes/{c['code']}", bearer(c["lecturer_key"])
    assert vote(client, c, "nopoll", "a", 0).status_code == 404
    assert client.post(f"{url}/polls/nopoll/close", headers=key).status_code == 404
    gone = {"code": "00000000"}
    assert vote(client, gone, "nopoll", "a", 0).status_code == 404


def test_an_answer_must_be_one_of_the_choices(client):
    c = start(client)
    poll_id = open_poll(client, c, ["yes", "no"])
    r = client.post(
        f"/api/v1/classes/{c['code']}/polls/{poll_id}/close",
        json={"answer": 2},
        headers=bearer(c["lecturer_key"]),
    )
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", "answer"]


def test_votes_are_rate_limited_per_address(tmp_path):
    client = make_client(tmp_path, class_votes_per_minute=3)
    c = start(client)
    poll_id = open_poll(client, c)
    statuses = [vote(client, c, poll_id, f"v{i}", 0).status_code for i in range(4)]
    assert statuses == [204, 204, 204, 429]


def test_a_class_that_is_full_refuses_followers(tmp_path):
    client = make_client(tmp_path, class_max_followers=0)
    c = start(client)
    r = client.get(f"/api/v1/classes/{c['code']}/events")
    assert r.status_code == 429
    assert "full" in r.json()["detail"][0]["msg"]
    assert int(r.headers["retry-after"]) >= 1


def test_streams_are_limited_per_address(tmp_path):
    client = make_client(tmp_path, class_streams_per_address=0)
    c = start(client)
    r = client.get(f"/api/v1/classes/{c['code']}/events")
    assert r.status_code == 429
    assert "one address" in r.json()["detail"][0]["msg"]


def test_the_default_limits_survive_a_lecture_hall():
    s = Settings()
    assert s.class_max_followers >= 2000
    assert s.class_streams_per_address >= s.class_max_followers
    assert s.class_votes_per_minute >= 2 * s.class_max_followers
    assert s.class_ttl_hours == 24
    assert s.class_ping_seconds <= 10
