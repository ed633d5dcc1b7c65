"""The machine's network addresses for share links, and QR codes at the address picked."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from backprop_playground.api import addresses
from backprop_playground.app import create_app
from backprop_playground.settings import Settings
from tests.api.test_links import SCENARIO, decode_qr_svg

FAKE = [("eth0", "192.168.1.10"), ("wlan0", "10.0.0.5")]


@pytest.fixture
def lecturer(tmp_path, monkeypatch):
    monkeypatch.setattr(addresses, "interface_addresses", lambda: list(FAKE))
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'links.sqlite3'}"))
    with TestClient(app, base_url="http://127.0.0.1:8000") as c:
        yield c


def test_the_real_machine_lists_addresses_without_loopback():
    found = addresses.interface_addresses()
    assert all(not addr.startswith("127.") for _, addr in found)
    assert all(addr.count(".") == 3 for _, addr in found)


def test_a_page_on_loopback_is_told_and_offered_the_network_addresses(lecturer):
    r = lecturer.get("/api/v1/network-addresses")
    assert r.status_code == 200
    body = r.json()
    assert body["loopback"] is True
    assert body["public_base_url"] is None
    assert body["listening_on_network"] is False  # HOST defaults to 127.0.0.1
    assert body["addresses"] == [
        {"interface": "eth0", "address": "192.168.1.10", "base_url": "http://192.168.1.10:8000"},
        {"interface": "wlan0", "address": "10.0.0.5", "base_url": "http://10.0.0.5:8000"},
    ]


def test_a_page_opened_at_a_network_address_is_not_loopback(tmp_path, monkeypatch):
    monkeypatch.setattr(addresses, "interface_addresses", lambda: list(FAKE))
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'l.sqlite3'}"))
    with TestClient(app, base_url="http://192.168.1.10:8000") as c:
        assert c.get("/api/v1/network-addresses").json()["loopback"] is False
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'l.sqlite3'}", host="0.0.0.0"))
    with TestClient(app, base_url="http://127.0.0.1:8000") as c:
        assert c.get("/api/v1/network-addresses").json()["listening_on_network"] is True


def test_public_base_url_is_reported_when_set(tmp_path, monkeypatch):
    monkeypatch.setattr(addresses, "interface_addresses", lambda: list(FAKE))
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'l.sqlite3'}", public_base_url="https://class.example"
    )
    with TestClient(create_app(settings), base_url="http://127.0.0.1:8000") as c:
        assert c.get("/api/v1/network-addresses").json()["public_base_url"] == (
            "https://class.example"
        )


def test_the_qr_code_points_at_the_address_picked(lecturer):
    link = lecturer.post("/api/v1/links", json={"scenario": SCENARIO, "step": 3}).json()
    assert link["url"].startswith("http://127.0.0.1:8000/s/")
    r = lecturer.get(link["qr_svg_url"], params={"base": "http://10.0.0.5:8000"})
    assert r.status_code == 200
    assert decode_qr_svg(r.text) == f"http://10.0.0.5:8000/s/{link['id']}"
    # without a base, the address the page was opened at (as before)
    plain = lecturer.get(link["qr_svg_url"])
    assert decode_qr_svg(plain.text) == link["url"]


@pytest.mark.parametrize(
    "base",
    ["http://evil.example", "http://10.0.0.5:8000/x", "http://10.0.0.6:8000", "javascript:1"],
)
def test_a_qr_code_only_for_this_servers_addresses(lecturer, base):
    link = lecturer.post("/api/v1/links", json={"scenario": SCENARIO, "step": 3}).json()
    r = lecturer.get(link["qr_svg_url"], params={"base": base})
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["query", "base"]
