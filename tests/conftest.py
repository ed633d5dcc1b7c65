"""Shared fixtures: one app per session (its cache is part of what is tested), fixed seeds."""

from __future__ import annotations

import random

import numpy as np
import pytest
from fastapi.testclient import TestClient

from backprop_playground.app import create_app
from backprop_playground.settings import Settings

SEED = 20261124


@pytest.fixture(autouse=True)
def _fixed_seed() -> None:
    random.seed(SEED)
    np.random.seed(SEED % 2**32)


@pytest.fixture(scope="session")
def client(tmp_path_factory):
    db = tmp_path_factory.mktemp("links") / "links.sqlite3"
    with TestClient(create_app(Settings(database_url=f"sqlite:///{db}"))) as c:
        yield c


@pytest.fixture(scope="session")
def presets(client) -> dict:
    r = client.get("/api/v1/presets")
    assert r.status_code == 200
    return {p["id"]: p for p in r.json()}
