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
from .classes import DEFAULT_TTL_S, ClassTables
from .postgres import PostgresLinkStore, is_postgres_url
from .sqlite import SQLiteLinkStore, sqlite_path

__all__ = [
    "ID_PATTERN",
    "ID_RE",
    "LINK_FORMAT_VERSION",
    "LinkRecord",
    "ClassTables",
    "LinkStore",
    "PostgresLinkStore",
    "SQLiteLinkStore",
    "StoreError",
    "open_store",
]


def open_store(url: str, class_ttl_s: float = DEFAULT_TTL_S) -> LinkStore:
    """`sqlite:///path/links.sqlite3` (relative) or `sqlite:////abs/path`, or
    `postgresql://user:password@host:port/dbname`."""
    if url.startswith("sqlite:"):
        return SQLiteLinkStore(sqlite_path(url), class_ttl_s=class_ttl_s)
    if is_postgres_url(url):
        return PostgresLinkStore(url, class_ttl_s=class_ttl_s)
    raise ValueError(f"unsupported DATABASE_URL {url!r}: use sqlite:///path or postgresql://...")
