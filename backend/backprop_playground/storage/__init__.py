"""Link storage behind one small interface: SQLite by default, PostgreSQL by `DATABASE_URL`."""

from __future__ import annotations

from .base import (
    ID_PATTERN,
    ID_RE,
    LINK_FORMAT_VERSION,
    LinkRecord,
    LinkStore,
    StoreError,
)
from .postgres import PostgresLinkStore, is_postgres_url
from .sqlite import SQLiteLinkStore, sqlite_path

__all__ = [
    "ID_PATTERN",
    "ID_RE",
    "LINK_FORMAT_VERSION",
    "LinkRecord",
    "LinkStore",
    "PostgresLinkStore",
    "SQLiteLinkStore",
    "StoreError",
    "open_store",
]


def open_store(url: str) -> LinkStore:
    """`sqlite:///path/links.sqlite3` (relative) or `sqlite:////abs/path`, or
    `postgresql://user:password@host:port/dbname`."""
    if url.startswith("sqlite:"):
        return SQLiteLinkStore(sqlite_path(url))
    if is_postgres_url(url):
        return PostgresLinkStore(url)
    raise ValueError(f"unsupported DATABASE_URL {url!r}: use sqlite:///path or postgresql://...")
