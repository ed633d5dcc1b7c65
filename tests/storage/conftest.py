"""Every storage test runs on each backend: SQLite in a temporary file, and a real PostgreSQL
server started for the session on loopback (a fresh database per test)."""

from __future__ import annotations

import pytest

from tests.storage.pg_server import PostgresServer

BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="session")
def pg_server():
    server = PostgresServer()
    try:
        yield server.start()
    finally:
        server.stop()


@pytest.fixture(params=BACKENDS)
def store_url(request, tmp_path) -> str:
    """The URL of a new, empty link store (its directory does not exist yet for SQLite)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'data' / 'links.sqlite3'}"
    return request.getfixturevalue("pg_server").new_database()
