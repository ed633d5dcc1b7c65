"""Links in an embedded SQLite file (the default store).

Durability: WAL journal with `synchronous=FULL`. In WAL mode, `NORMAL` already survives a
`kill -9` of the server (a committed transaction has been written to the WAL file, and the
kernel keeps the written pages whatever happens to the process); what `NORMAL` can lose is the
last transactions on a power cut or kernel crash, because it syncs the WAL only at checkpoints.
`FULL` syncs the WAL at every commit, so a link whose creation was answered 201 survives that
too. The price is one fsync per created link, which is small next to the rate limit on link
creation; reads never sync.

Several server processes (uvicorn workers) may share the file: WAL lets readers run beside the
one writer, and `busy_timeout` makes a writer wait for the lock instead of failing.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from .base import MAX_ID_TRIES, SCHEMA, IdFactory, LinkRecord, StoreError, new_id
from .classes import CLASS_SCHEMA, DEFAULT_TTL_S, ClassTables

BUSY_TIMEOUT_MS = 10_000
T = TypeVar("T")


def sqlite_path(url: str) -> str:
    """`sqlite:///relative/path` or `sqlite:////absolute/path` (as SQLAlchemy writes them)."""
    prefix = "sqlite:///"
    if not url.startswith(prefix) or len(url) == len(prefix):
        raise ValueError(f"not a SQLite URL (sqlite:///path): {url!r}")
    return url[len(prefix) :]


class _SQLiteTx:
    """Statements of one SQLite transaction (`BEGIN IMMEDIATE` serializes writers, so a row read
    in it cannot change before the transaction ends: no row lock is needed)."""

    for_update = ""

    def __init__(self, db: sqlite3.Connection):
        self.db = db

    def execute(self, sql: str, params: tuple = ()) -> list[tuple]:
        return self.db.execute(sql, params).fetchall()

    def notify(self, code: str) -> None:
        pass  # other connections see the commit in PRAGMA data_version (live.py)


class SQLiteLinkStore:
    def __init__(
        self, path: str | Path, id_factory: IdFactory = new_id, class_ttl_s: float = DEFAULT_TTL_S
    ):
        self.path = str(path)
        self._new_id = id_factory
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None
        self.classes = ClassTables(self._transaction, class_ttl_s)
        with self._lock:
            self._connection()  # fail fast: a bad path is an error at startup

    def _connection(self) -> sqlite3.Connection:
        """The open connection; opened again after `close` (an app's lifespan may run twice)."""
        if self._db is not None:
            return self._db
        db = None
        try:
            if self.path != ":memory:":
                Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(
                self.path,
                timeout=BUSY_TIMEOUT_MS / 1000,
                isolation_level=None,  # autocommit: each statement is its own transaction
                check_same_thread=False,  # shared by the server's threads, under self._lock
            )
            db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            self._set_wal(db)
            db.execute("PRAGMA synchronous = FULL")
            db.execute(SCHEMA)
            for statement in CLASS_SCHEMA:
                db.execute(statement)
        except (sqlite3.Error, OSError, StoreError) as err:
            if db is not None:
                db.close()
            raise StoreError(f"cannot open the link database {self.path}: {err}") from err
        self._db = db
        return db

    def _set_wal(self, db: sqlite3.Connection) -> None:
        # Switching to WAL takes an exclusive lock, which the busy handler does not wait for
        # when several processes open a new file at once: retry briefly.
        deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
        while True:
            try:
                mode = db.execute("PRAGMA journal_mode = WAL").fetchone()[0]
                if mode.lower() not in ("wal", "memory"):
                    raise StoreError(f"SQLite refused WAL mode for {self.path} (got {mode})")
                return
            except sqlite3.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.01)

    def create(self, record: LinkRecord) -> str:
        data = record.data_json()
        with self._lock:
            for _ in range(MAX_ID_TRIES):
                link_id = self._new_id()
                try:
                    self._connection().execute(
                        "INSERT INTO links (id, created_at, format_version, data)"
                        " VALUES (?, ?, ?, ?)",
                        (link_id, record.created_at, record.format_version, data),
                    )
                    return link_id
                except sqlite3.IntegrityError:
                    continue  # the id is taken: draw another
                except sqlite3.Error as err:
                    raise StoreError(f"cannot store the link: {err}") from err
        raise StoreError(f"no free id after {MAX_ID_TRIES} tries")

    def get(self, link_id: str) -> LinkRecord | None:
        with self._lock:
            try:
                row = (
                    self._connection()
                    .execute(
                        "SELECT created_at, format_version, data FROM links WHERE id = ?",
                        (link_id,),
                    )
                    .fetchone()
                )
            except sqlite3.Error as err:
                raise StoreError(f"cannot read the link: {err}") from err
        return None if row is None else LinkRecord.from_row(*row)

    def _transaction(self, what: str, op: Callable[[Any], T], write: bool) -> T:
        with self._lock:
            try:
                db = self._connection()
                db.execute("BEGIN IMMEDIATE" if write else "BEGIN")
                try:
                    result = op(_SQLiteTx(db))
                except BaseException:
                    db.execute("ROLLBACK")
                    raise
                db.execute("COMMIT")
                return result
            except sqlite3.Error as err:
                if self._db is not None and self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise StoreError(f"cannot {what}: {err}") from err

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None
