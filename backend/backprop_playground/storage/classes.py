"""Live classes in the link store: the tables and every statement, written once for both backends.

A class is one row (`classes`): its code, the hash of the lecturer's key, a version bumped on
every change, and its state as JSON (title, link_id, step, view, poll). Each change is also
appended to `class_changes` (the last CHANGES_KEPT are kept), so that a process that learns of
a change late still delivers every event in order. Votes are rows of `class_votes` (one per
voter and poll: a new vote replaces the old); `tally` on the class row counts vote writes, so a
watcher sees that the tally moved without reading the votes. `class_followers` holds each
server process's count of open event streams, refreshed while they are open.

The SQL is SQLite's and PostgreSQL's common dialect with `?` placeholders; a backend gives a
`Tx` that runs statements inside one transaction (and says how to lock a row for update).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import orjson

CLASS_SCHEMA = [
    """CREATE TABLE IF NOT EXISTS classes (
        code TEXT PRIMARY KEY,
        key_hash TEXT NOT NULL,
        created DOUBLE PRECISION NOT NULL,
        updated DOUBLE PRECISION NOT NULL,
        version INTEGER NOT NULL,
        tally INTEGER NOT NULL DEFAULT 0,
        data TEXT NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS class_changes (
        code TEXT NOT NULL,
        version INTEGER NOT NULL,
        kind TEXT NOT NULL,
        data TEXT NOT NULL,
        PRIMARY KEY (code, version)
    )""",
    """CREATE TABLE IF NOT EXISTS class_votes (
        code TEXT NOT NULL,
        poll_id TEXT NOT NULL,
        voter TEXT NOT NULL,
        choice INTEGER NOT NULL,
        PRIMARY KEY (code, poll_id, voter)
    )""",
    """CREATE TABLE IF NOT EXISTS class_followers (
        code TEXT NOT NULL,
        process TEXT NOT NULL,
        count INTEGER NOT NULL,
        seen DOUBLE PRECISION NOT NULL,
        PRIMARY KEY (code, process)
    )""",
]
# Changes remembered per class for late deliveries; older ones are replaced by a resync.
CHANGES_KEPT = 64
# A process's follower count is trusted this long after it last wrote it (it refreshes it every
# few seconds while it has streams; a process that died stops counting after this).
FOLLOWERS_FRESH_S = 30.0
# A class expires after this long without a change (CLASS_TTL_HOURS).
DEFAULT_TTL_S = 24 * 3600.0

# Crockford's base32: no I, L, O, U; read aloud without ambiguity.
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 8  # 8 symbols of 5 bits: 40 random bits
CODE_RE = re.compile(f"[{CROCKFORD}]{{{CODE_LENGTH}}}")
_SEPARATORS = re.compile(r"[\s\-_.]+")
_READ_AS = str.maketrans({"I": "1", "L": "1", "O": "0"})
KEY_BYTES = 24  # 192 bits


def new_code() -> str:
    return "".join(secrets.choice(CROCKFORD) for _ in range(CODE_LENGTH))


def normalize_code(text: str) -> str | None:
    """The stored form of a typed code (any case, any separators, I/L read as 1 and O as 0),
    or None when it cannot be a code."""
    if len(text) > 40:
        return None
    code = _SEPARATORS.sub("", text).upper().translate(_READ_AS)
    return code if CODE_RE.fullmatch(code) else None


def display_code(code: str) -> str:
    """ABCD-EFGH: two groups of four, easy to read aloud."""
    half = CODE_LENGTH // 2
    return f"{code[:half]}-{code[half:]}"


def new_key() -> str:
    return secrets.token_urlsafe(KEY_BYTES)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def key_matches(key: str, key_hash: str) -> bool:
    return hmac.compare_digest(hash_key(key).encode(), key_hash.encode())


class Refused(Exception):  # noqa: N818 (a refusal, not a failure)
    """A change `mutate` declines (the transaction is rolled back); `kind` says why."""

    def __init__(self, kind: str):
        super().__init__(kind)
        self.kind = kind


@dataclass(frozen=True)
class ClassRow:
    code: str
    key_hash: str
    updated: float
    version: int
    tally: int
    state: dict[str, Any]  # title, link_id, step, view, poll


@dataclass(frozen=True)
class Change:
    version: int
    kind: str  # "view" or "poll"
    data: dict[str, Any]


@dataclass
class Vote:
    code: str
    poll_id: str
    voter: str
    choice: int


class Tx(Protocol):
    """Statements inside one transaction of a backend."""

    for_update: str  # " FOR UPDATE" where the backend locks selected rows, else ""

    def execute(self, sql: str, params: tuple = ()) -> list[tuple]: ...

    def notify(self, code: str) -> None: ...


def _json(value: Any) -> str:
    return orjson.dumps(value).decode()


class ClassTables:
    """Every operation on live classes, over a backend's transactions: `run(what, op, write)`
    calls `op(tx)` inside one transaction (again on a fresh connection if the first one was
    lost) and turns the backend's errors into StoreError."""

    def __init__(self, run: Callable[[str, Callable[[Tx], Any], bool], Any], ttl_s: float):
        self._run = run
        self.ttl_s = ttl_s

    def _fresh(self, updated: float, now: float) -> bool:
        return updated >= now - self.ttl_s

    def create(self, key_hash: str, state: dict[str, Any], code_factory=new_code) -> str:
        now = time.time()
        data = _json(state)

        def op(tx: Tx) -> str:
            for _ in range(8):
                code = code_factory()
                rows = tx.execute("SELECT updated FROM classes WHERE code = ?", (code,))
                if rows and self._fresh(rows[0][0], now):
                    continue
                if rows:  # an expired class under the same code: it is gone
                    _delete(tx, code)
                tx.execute(
                    "INSERT INTO classes (code, key_hash, created, updated, version, tally, data)"
                    " VALUES (?, ?, ?, ?, 1, 0, ?)",
                    (code, key_hash, now, now, data),
                )
                return code
            raise RuntimeError("no free class code after 8 tries")

        return self._run("create the class", op, True)

    def get(self, code: str) -> ClassRow | None:
        def op(tx: Tx) -> list[tuple]:
            return tx.execute(
                "SELECT key_hash, updated, version, tally, data FROM classes WHERE code = ?",
                (code,),
            )

        rows = self._run("read the class", op, False)
        if not rows or not self._fresh(rows[0][1], time.time()):
            return None
        key_hash, updated, version, tally, data = rows[0]
        return ClassRow(code, key_hash, updated, version, tally, orjson.loads(data))

    def change(
        self, code: str, mutate: Callable[[dict[str, Any], int], tuple[str, dict[str, Any]]]
    ) -> Change | None:
        """Apply `mutate(state, new_version) -> (kind, event data)` to the stored state in one
        transaction: the version goes up by one and the change is logged. None when the class
        does not exist (or has expired). `mutate` may raise to refuse the change."""

        def op(tx: Tx) -> Change | None:
            now = time.time()
            rows = tx.execute(
                "SELECT updated, version, data FROM classes WHERE code = ?" + tx.for_update,
                (code,),
            )
            if not rows or not self._fresh(rows[0][0], now):
                return None
            version = rows[0][1] + 1
            state = orjson.loads(rows[0][2])
            kind, event = mutate(state, version)
            if kind == "poll" and state.get("poll") and not state["poll"]["open"]:
                poll = state["poll"]
                # a poll closes with its final tally, counted in this transaction
                counts, voters = _tally(tx, code, poll["poll_id"], len(poll["choices"]))
                poll.update(counts=counts, voters=voters)
                event["poll"] = poll
            tx.execute(
                "UPDATE classes SET version = ?, updated = ?, data = ? WHERE code = ?",
                (version, now, _json(state), code),
            )
            tx.execute(
                "INSERT INTO class_changes (code, version, kind, data) VALUES (?, ?, ?, ?)",
                (code, version, kind, _json(event)),
            )
            tx.execute(
                "DELETE FROM class_changes WHERE code = ? AND version <= ?",
                (code, version - CHANGES_KEPT),
            )
            tx.notify(code)
            return Change(version, kind, event)

        return self._run("change the class", op, True)

    def delete(self, code: str) -> bool:
        def op(tx: Tx) -> bool:
            rows = tx.execute("SELECT code FROM classes WHERE code = ?", (code,))
            _delete(tx, code)
            tx.notify(code)
            return bool(rows)

        return self._run("end the class", op, True)

    def heads(self, codes: list[str]) -> dict[str, tuple[int, int]]:
        """(version, tally counter) of each of `codes` that exists and has not expired."""
        if not codes:
            return {}

        def op(tx: Tx) -> dict[str, tuple[int, int]]:
            now = time.time()
            out: dict[str, tuple[int, int]] = {}
            for i in range(0, len(codes), 500):
                chunk = codes[i : i + 500]
                marks = ", ".join("?" for _ in chunk)
                for code, updated, version, tally in tx.execute(
                    f"SELECT code, updated, version, tally FROM classes WHERE code IN ({marks})",
                    tuple(chunk),
                ):
                    if self._fresh(updated, now):
                        out[code] = (version, tally)
            return out

        return self._run("read the classes", op, False)

    def changes_since(self, code: str, version: int) -> list[Change]:
        def op(tx: Tx) -> list[tuple]:
            return tx.execute(
                "SELECT version, kind, data FROM class_changes"
                " WHERE code = ? AND version > ? ORDER BY version",
                (code, version),
            )

        rows = self._run("read the class's changes", op, False)
        return [Change(v, kind, orjson.loads(data)) for v, kind, data in rows]

    def add_votes(self, votes: list[Vote]) -> list[str]:
        """Store a batch of votes in one transaction (one sync for many voters). Per vote:
        "counted", or why not: "no_class", "no_poll" (not this class's poll), "closed",
        "bad_choice" (not an index into the poll's choices)."""

        def op(tx: Tx) -> list[str]:
            outcomes: list[str] = []
            polls: dict[str, dict | None | str] = {}
            counted: dict[str, int] = {}
            now = time.time()
            for vote in votes:
                if vote.code not in polls:
                    rows = tx.execute(
                        "SELECT updated, data FROM classes WHERE code = ?" + tx.for_update,
                        (vote.code,),
                    )
                    fresh = rows and self._fresh(rows[0][0], now)
                    polls[vote.code] = orjson.loads(rows[0][1]).get("poll") if fresh else "gone"
                poll = polls[vote.code]
                if poll == "gone":
                    outcomes.append("no_class")
                elif poll is None or poll["poll_id"] != vote.poll_id:
                    outcomes.append("no_poll")
                elif not poll["open"]:
                    outcomes.append("closed")
                elif not 0 <= vote.choice < len(poll["choices"]):
                    outcomes.append("bad_choice")
                else:
                    tx.execute(
                        "INSERT INTO class_votes (code, poll_id, voter, choice)"
                        " VALUES (?, ?, ?, ?) ON CONFLICT (code, poll_id, voter)"
                        " DO UPDATE SET choice = excluded.choice",
                        (vote.code, vote.poll_id, vote.voter, vote.choice),
                    )
                    counted[vote.code] = counted.get(vote.code, 0) + 1
                    outcomes.append("counted")
            for code, n in counted.items():
                tx.execute("UPDATE classes SET tally = tally + ? WHERE code = ?", (n, code))
                tx.notify(code)
            return outcomes

        return self._run("store the votes", op, True)

    def tally(self, code: str, poll_id: str, n_choices: int) -> tuple[list[int], int]:
        return self._run("count the votes", lambda tx: _tally(tx, code, poll_id, n_choices), False)

    def set_followers(self, process: str, counts: dict[str, int]) -> None:
        def op(tx: Tx) -> None:
            now = time.time()
            for code, n in counts.items():
                if n <= 0:
                    tx.execute(
                        "DELETE FROM class_followers WHERE code = ? AND process = ?",
                        (code, process),
                    )
                else:
                    tx.execute(
                        "INSERT INTO class_followers (code, process, count, seen)"
                        " VALUES (?, ?, ?, ?) ON CONFLICT (code, process)"
                        " DO UPDATE SET count = excluded.count, seen = excluded.seen",
                        (code, process, n, now),
                    )

        self._run("count the followers", op, True)

    def followers(self, code: str, except_process: str = "") -> int:
        """Open event streams on `code` in every process that counted them lately."""

        def op(tx: Tx) -> list[tuple]:
            return tx.execute(
                "SELECT COALESCE(SUM(count), 0) FROM class_followers"
                " WHERE code = ? AND seen >= ? AND process <> ?",
                (code, time.time() - FOLLOWERS_FRESH_S, except_process),
            )

        return int(self._run("count the followers", op, False)[0][0])

    def expire(self) -> int:
        """Delete the classes that have expired (and everything of theirs)."""

        def op(tx: Tx) -> int:
            old = tx.execute(
                "SELECT code FROM classes WHERE updated < ?", (time.time() - self.ttl_s,)
            )
            for (code,) in old:
                _delete(tx, code)
            tx.execute(
                "DELETE FROM class_followers WHERE seen < ?", (time.time() - FOLLOWERS_FRESH_S,)
            )
            return len(old)

        return self._run("expire classes", op, True)


def _tally(tx: Tx, code: str, poll_id: str, n_choices: int) -> tuple[list[int], int]:
    counts = [0] * n_choices
    for choice, n in tx.execute(
        "SELECT choice, COUNT(*) FROM class_votes WHERE code = ? AND poll_id = ? GROUP BY choice",
        (code, poll_id),
    ):
        if 0 <= choice < n_choices:
            counts[choice] = int(n)
    return counts, sum(counts)


def _delete(tx: Tx, code: str) -> None:
    for table in ("classes", "class_changes", "class_votes", "class_followers"):
        tx.execute(f"DELETE FROM {table} WHERE code = ?", (code,))
