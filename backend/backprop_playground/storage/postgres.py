"""Links in PostgreSQL (psycopg 3), for several app machines sharing one store.

One connection per store (per server process), in autocommit mode, opened on first use and
opened again after the server went away, so the app starts before the database does. The
record's JSON is kept as text, byte for byte as written (jsonb would reorder keys and rewrite
numbers).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from typing import TypeVar

import psycopg

from .base import MAX_ID_TRIES, SCHEMA, IdFactory, LinkRecord, StoreError, new_id
from .classes import CLASS_SCHEMA, DEFAULT_TTL_S, ClassTables

# The channel of class changes: the payload is the class's code (live.py listens to it).
CHANNEL = "bp_classes"

CONNECT_TIMEOUT_S = 5
# Replicas starting together would race on CREATE TABLE IF NOT EXISTS (it is not atomic in
# PostgreSQL); a transaction-scoped advisory lock makes them take turns.
SCHEMA_LOCK_KEY = 0x6C696E6B73  # "links"

T = TypeVar("T")


def is_postgres_url(url: str) -> bool:
    return url.startswith(("postgresql://", "postgres://"))


class _PostgresTx:
    """Statements of one PostgreSQL transaction; NOTIFY is delivered when it commits."""

    for_update = " FOR UPDATE"

    def __init__(self, conn: psycopg.Connection):
        self.conn = conn
        self.notified: set[str] = set()

    def execute(self, sql: str, params: tuple = ()) -> list[tuple]:
        cur = self.conn.execute(sql.replace("?", "%s"), params)
        return cur.fetchall() if cur.description is not None else []

    def notify(self, code: str) -> None:
        if code not in self.notified:
            self.notified.add(code)
            self.conn.execute("SELECT pg_notify(%s, %s)", (CHANNEL, code))


class PostgresLinkStore:
    def __init__(
        self, url: str, id_factory: IdFactory = new_id, class_ttl_s: float = DEFAULT_TTL_S
    ):
        self.url = url
        self._new_id = id_factory
        self._lock = threading.Lock()
        self._conn: psycopg.Connection | None = None
        self.classes = ClassTables(self._transaction, class_ttl_s)

    def _connection(self) -> psycopg.Connection:
        if self._conn is None or self._conn.closed:
            conn = psycopg.connect(self.url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S)
            with conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK_KEY,))
                conn.execute(SCHEMA)
                for statement in CLASS_SCHEMA:
                    conn.execute(statement)
            self._conn = conn
        return self._conn

    def _run(self, what: str, op: Callable[[psycopg.Connection], T]) -> T:
        """`op` on the connection; once more on a fresh connection if the server went away."""
        with self._lock:
            for attempt in (1, 2):
                try:
                    return op(self._connection())
                except psycopg.OperationalError as err:
                    self._drop()
                    if attempt == 2:
                        raise StoreError(f"cannot {what}: {err}") from err
                except psycopg.Error as err:
                    raise StoreError(f"cannot {what}: {err}") from err
        raise AssertionError("unreachable")

    def _transaction(self, what: str, op: Callable[[_PostgresTx], T], write: bool) -> T:
        def in_transaction(conn: psycopg.Connection) -> T:
            with conn.transaction():
                return op(_PostgresTx(conn))

        return self._run(what, in_transaction)

    def _drop(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(psycopg.Error):
                self._conn.close()
            self._conn = None

    def create(self, record: LinkRecord) -> str:
        data = record.data_json()

        def insert(conn: psycopg.Connection) -> str:
            for _ in range(MAX_ID_TRIES):
                link_id = self._new_id()
                row = conn.execute(
                    "INSERT INTO links (id, created_at, format_version, data)"
                    " VALUES (%s, %s, %s, %s) ON CONFLICT (id) DO NOTHING RETURNING id",
                    (link_id, record.created_at, record.format_version, data),
                ).fetchone()
                if row is not None:
                    return link_id
            raise StoreError(f"no free id after {MAX_ID_TRIES} tries")

        return self._run("store the link", insert)

    def get(self, link_id: str) -> LinkRecord | None:
        def select(conn: psycopg.Connection) -> LinkRecord | None:
            row = conn.execute(
                "SELECT created_at, format_version, data FROM links WHERE id = %s", (link_id,)
            ).fetchone()
            return None if row is None else LinkRecord.from_row(*row)

        return self._run("read the link", select)

    def close(self) -> None:
        with self._lock:
            self._drop()
