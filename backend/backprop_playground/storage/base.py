"""What a link store is: immutable records under random ids, and the interface a backend keeps."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

import orjson

# Version of the stored record's layout (the scenario inside carries its own format_version).
LINK_FORMAT_VERSION = 1
# One table for both backends: the id, when, the record's layout version, and the record as JSON.
SCHEMA = """
CREATE TABLE IF NOT EXISTS links (
    id TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    format_version INTEGER NOT NULL,
    data TEXT NOT NULL
)
"""
# secrets.token_urlsafe(9): 9 random bytes = 72 bits, written as 12 URL-safe characters.
ID_BYTES = 9
ID_PATTERN = r"^[A-Za-z0-9_-]{12}$"
ID_RE = re.compile(ID_PATTERN)
# Inserting under an id that exists is refused by the primary key; with 72 bits this is
# astronomically unlikely, so a few fresh tries are plenty.
MAX_ID_TRIES = 8


def new_id() -> str:
    return secrets.token_urlsafe(ID_BYTES)


def utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class StoreError(RuntimeError):
    """The store cannot answer now (database unreachable, disk full, ...)."""


@dataclass(frozen=True)
class LinkRecord:
    """One shared view: a validated scenario (as JSON), the step, the view state and a title."""

    scenario: dict[str, Any]
    step: int
    view: dict[str, Any] = field(default_factory=dict)
    title: str | None = None
    created_at: str = field(default_factory=utc_now)
    format_version: int = LINK_FORMAT_VERSION

    def data_json(self) -> str:
        """The user-given part as one JSON text: exact floats (orjson writes the shortest
        round-trip form), and no user string ever reaches the database outside JSON."""
        data = {
            "scenario": self.scenario,
            "step": self.step,
            "view": self.view,
            "title": self.title,
        }
        return orjson.dumps(data).decode()

    @classmethod
    def from_row(cls, created_at: str, format_version: int, data: str) -> LinkRecord:
        d = orjson.loads(data)
        return cls(
            scenario=d["scenario"],
            step=d["step"],
            view=d["view"],
            title=d["title"],
            created_at=created_at,
            format_version=format_version,
        )


class LinkStore(Protocol):
    """Immutable links: `create` stores a record under a fresh random id; nothing updates it.
    `classes` holds the live classes in the same database (classes.py)."""

    classes: Any

    def create(self, record: LinkRecord) -> str: ...

    def get(self, link_id: str) -> LinkRecord | None: ...

    def close(self) -> None: ...


IdFactory = Callable[[], str]
