"""The body guard parses each body once, and reads numbers as the standard library does."""

from __future__ import annotations

import json
import types

import orjson
import pytest
import starlette.requests

from backprop_playground.api.body import _may_hold_wide_integer

SNAPSHOT = {"scenario": {"dataset": {"kind": "circle", "n_samples": 40}}, "step": 2}


def test_a_body_is_parsed_once(client, monkeypatch):
    def second_parse(_body):
        raise AssertionError("the body was parsed a second time")

    monkeypatch.setattr(starlette.requests, "json", types.SimpleNamespace(loads=second_parse))
    r = client.post("/api/v1/snapshot", json=SNAPSHOT)
    assert r.status_code == 200
    r = client.post("/api/v1/snapshot", json={**SNAPSHOT, "step": "2"})
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", "step"]


@pytest.mark.parametrize(
    "text",
    [
        b"18446744073709551616",
        b"[-9223372036854775809]",
        b'{"a":1234567890123456789012}',
        b'{"a": [1,\n 1000000000000000000000.5]}',
    ],
)
def test_integers_of_19_digits_or_more_are_spotted(text):
    assert _may_hold_wide_integer(text)


@pytest.mark.parametrize(
    "text",
    [
        b"[0.0012345678901234567, -1.2345678901234567e-300]",
        b'{"a": 123456789012345678, "b": [1.00000000000000000000001E+2]}',
    ],
)
def test_long_fractions_are_not_wide_integers(text):
    assert not _may_hold_wide_integer(text)
    assert orjson.loads(text) == json.loads(text)
