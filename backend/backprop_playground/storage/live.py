"""The event streams of one server process, and the one watcher that wakes them.

A lecturer's change is written to the store by whichever process (or replica) received it. Each
process runs one watcher thread that learns of changes without any per-student polling:

- SQLite: the watcher keeps a connection of its own and reads `PRAGMA data_version`, which
  changes whenever another connection (this process's store or any other process) commits;
  writes made in this process also poke it, so it does not wait for its next look.
- PostgreSQL: a dedicated autocommit connection LISTENs on the store's channel (every change
  NOTIFYs with the class's code, delivered at commit). When that connection is lost, the
  watcher connects again, LISTENs again, and resynchronizes every class it watches, so nothing
  that happened while it was away is missed.

On a wake-up the watcher reads the heads (version, tally counter) of the classes this process
has streams for, reads the changes each stream has not had (`class_changes`), encodes each
event once, and hands the same bytes to every stream of that class. Tallies go out at most
twice a second per class. The watcher also writes this process's follower counts to the store
(so that every process can answer the whole class's `followers`), and expires old classes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import threading
import time
import uuid
from collections import deque
from typing import Any

import orjson

from .base import StoreError
from .classes import ClassRow, ClassTables, Vote, display_code

log = logging.getLogger("backprop_playground.live")

TALLY_EVERY_S = 0.5  # at most twice a second
FOLLOWERS_EVERY_S = 5.0  # the follower count's heartbeat (FOLLOWERS_FRESH_S is 30 s)
FOLLOWERS_CHANGED_S = 0.5  # a changed count is written at most this often
RESYNC_EVERY_S = 5.0  # a full look at every watched class, whatever the notifications said
EXPIRE_EVERY_S = 600.0
QUEUE_MAX = 256  # events a stream may fall behind before it is dropped (it reconnects)


def sse(kind: str, data: Any, event_id: int | None = None) -> bytes:
    """One Server-Sent Event, encoded (JSON data never holds a raw newline)."""
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}event: {kind}\ndata: ".encode() + orjson.dumps(data) + b"\n\n"


def view_data(version: int, state: dict[str, Any], scenario_changed: bool) -> dict[str, Any]:
    return {
        "version": version,
        "link_id": state["link_id"],
        "step": state["step"],
        "view": state["view"],
        "scenario_changed": scenario_changed,
    }


class Stream:
    """One open event stream: the events waiting for it, filled from the watcher's thread."""

    def __init__(self, code: str, address: str):
        self.code = code
        self.address = address
        self.loop = asyncio.get_running_loop()
        self.items: deque[tuple[int | None, bytes]] = deque()
        self.ready = asyncio.Event()
        self.dropped = False
        self.ended = False

    def push(self, items: list[tuple[int | None, bytes]]) -> None:
        """On the stream's loop: queue (version or None, bytes) items."""
        self.items.extend(items)
        if len(self.items) > QUEUE_MAX:
            self.dropped = True
        self.ready.set()


def _push_all(streams: list[Stream], items: list[tuple[int | None, bytes]]) -> None:
    for stream in streams:
        stream.push(items)


class _Watched:
    def __init__(self, version: int, tally: int):
        self.version = version
        self.tally = tally
        self.streams: set[Stream] = set()
        self.tally_sent = 0.0
        self.tally_due = False
        self.count_written = -1
        self.count_changed = True


class ClassHub:
    """This process's streams, by class, and its watcher (`start` once the app runs)."""

    def __init__(self, store: Any, interval_s: float = 0.02):
        self.store = store
        self.tables: ClassTables = store.classes
        self.interval_s = interval_s
        self.process = uuid.uuid4().hex
        self._lock = threading.Lock()
        self._watched: dict[str, _Watched] = {}
        self._by_address: dict[str, int] = {}
        self._others: dict[str, tuple[float, int]] = {}  # code -> (when read, other processes')
        self._poke = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_followers = 0.0
        self._last_resync = 0.0
        self._last_expire = 0.0

    # -- streams (called on the event loop) ---------------------------------------------------

    def open(self, code: str, address: str, version: int, tally: int) -> Stream:
        """Register a stream before it reads the class's state, so no change falls between;
        `version`/`tally` are the class's heads as just read (the watcher's starting point
        for a class it does not watch yet)."""
        self.start()
        stream = Stream(code, address)
        with self._lock:
            watched = self._watched.get(code)
            if watched is None:
                watched = self._watched[code] = _Watched(version, tally)
            watched.streams.add(stream)
            watched.count_changed = True
            self._by_address[address] = self._by_address.get(address, 0) + 1
        return stream

    def close(self, stream: Stream) -> None:
        with self._lock:
            watched = self._watched.get(stream.code)
            if watched is not None and stream in watched.streams:
                watched.streams.discard(stream)
                watched.count_changed = True
                n = self._by_address.get(stream.address, 1) - 1
                if n <= 0:
                    self._by_address.pop(stream.address, None)
                else:
                    self._by_address[stream.address] = n
        self._poke.set()  # write the new count soon

    def local_followers(self, code: str) -> int:
        with self._lock:
            watched = self._watched.get(code)
            return len(watched.streams) if watched else 0

    def streams_from(self, address: str) -> int:
        with self._lock:
            return self._by_address.get(address, 0)

    def followers(self, code: str, max_age_s: float = 0.0) -> int:
        """Open streams on `code` in every process: the others' stored counts (read again when
        older than `max_age_s`) and this one's."""
        now = time.monotonic()
        with self._lock:
            known = self._others.get(code)
        if known is None or now - known[0] > max_age_s:
            known = (now, self.tables.followers(code, except_process=self.process))
            with self._lock:
                self._others[code] = known
                if len(self._others) > 10_000:
                    self._others.clear()
        return known[1] + self.local_followers(code)

    def poke(self) -> None:
        """A change was written here: look now rather than at the next interval."""
        self._poke.set()

    # -- the watcher ---------------------------------------------------------------------------

    def start(self) -> None:
        with self._lock:
            if self._thread is not None:
                return
            self._stop.clear()
            target = self._listen_postgres if hasattr(self.store, "url") else self._watch_sqlite
            self._thread = threading.Thread(target=target, name="class-watcher", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is None:
            return
        self._stop.set()
        self._poke.set()
        thread.join(timeout=5)
        with self._lock:
            counts = {code: 0 for code, w in self._watched.items() if w.count_written > 0}
        with contextlib.suppress(StoreError):
            self.tables.set_followers(self.process, counts)

    def _watch_sqlite(self) -> None:
        db: sqlite3.Connection | None = None
        seen: int | None = None
        while not self._stop.is_set():
            poked = self._poke.wait(self.interval_s)
            self._poke.clear()
            if self._stop.is_set():
                break
            try:
                if db is None:
                    db = sqlite3.connect(self.store.path, timeout=10, isolation_level=None)
                version = db.execute("PRAGMA data_version").fetchone()[0]
                changed = version != seen
                seen = version
                self._look(None if changed or poked else [])
            except (sqlite3.Error, StoreError) as err:
                log.warning("class watcher: %s", err)
                if db is not None:
                    db.close()
                db, seen = None, None
                self._stop.wait(1.0)
        if db is not None:
            db.close()

    def _listen_postgres(self) -> None:
        import psycopg

        from .postgres import CHANNEL, CONNECT_TIMEOUT_S

        backoff = 0.2
        while not self._stop.is_set():
            try:
                with psycopg.connect(
                    self.store.url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S
                ) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    backoff = 0.2
                    self._look(None)  # what happened before (or while disconnected)
                    while not self._stop.is_set():
                        codes = {n.payload for n in conn.notifies(timeout=0.25, stop_after=1)}
                        if codes:  # a burst: take what arrives with it
                            codes |= {n.payload for n in conn.notifies(timeout=0.002)}
                        poked = self._poke.is_set()
                        self._poke.clear()
                        self._look(None if poked else sorted(codes))
            except (psycopg.Error, StoreError, OSError) as err:
                log.warning("class listener: %s; connecting again in %.1f s", err, backoff)
                self._stop.wait(backoff)
                backoff = min(backoff * 2, 5.0)

    def _look(self, codes: list[str] | None) -> None:
        """Deliver what changed in `codes` (None: every watched class), due tallies, and the
        periodic chores."""
        now = time.monotonic()
        if now - self._last_resync >= RESYNC_EVERY_S:
            codes, self._last_resync = None, now
        with self._lock:
            watched = [c for c, w in self._watched.items() if w.streams]
            idle = [c for c, w in self._watched.items() if not w.streams and w.count_written <= 0]
            for c in idle:
                del self._watched[c]
            due = [c for c in watched if self._watched[c].tally_due]
        look = watched if codes is None else sorted(set(codes) & set(watched) | set(due))
        if look:
            heads = self.tables.heads(look)
            for code in look:
                self._deliver(code, heads.get(code), now)
        self._chores(now)

    def _deliver(self, code: str, head: tuple[int, int] | None, now: float) -> None:
        with self._lock:
            watched = self._watched.get(code)
            if watched is None:
                return
            base_version, base_tally = watched.version, watched.tally
        items: list[tuple[int | None, bytes]] = []
        if head is None:  # ended or expired
            items.append((None, sse("end", {"code": display_code(code)})))
            version, tally = base_version, base_tally
        else:
            version, tally = head
            if version > base_version:
                items += self._changes(code, base_version, version)
            if tally != base_tally or watched.tally_due:
                if now - watched.tally_sent >= TALLY_EVERY_S:
                    event = self._tally_event(code)
                    if event is not None:
                        items.append((None, event))
                    watched.tally_sent, watched.tally_due = now, False
                else:
                    watched.tally_due = True
        with self._lock:
            watched.version, watched.tally = max(watched.version, version), tally
            streams = list(watched.streams)
            if head is None:
                watched.streams.clear()
                watched.count_changed = True
        if items and streams:
            by_loop: dict[asyncio.AbstractEventLoop, list[Stream]] = {}
            for stream in streams:
                by_loop.setdefault(stream.loop, []).append(stream)
            for loop, group in by_loop.items():
                with contextlib.suppress(RuntimeError):  # that loop has closed
                    loop.call_soon_threadsafe(_push_all, group, items)

    def _changes(self, code: str, since: int, version: int) -> list[tuple[int | None, bytes]]:
        changes = self.tables.changes_since(code, since)
        if changes and changes[0].version == since + 1:
            return [(c.version, sse(c.kind, c.data, c.version)) for c in changes]
        row = self.tables.get(code)  # too far behind the log: the latest state instead
        return [] if row is None else resync_events(row, since_known=False)

    def _tally_event(self, code: str) -> bytes | None:
        row = self.tables.get(code)
        poll = row.state.get("poll") if row else None
        if not poll or not poll["open"]:
            return None
        counts, voters = self.tables.tally(code, poll["poll_id"], len(poll["choices"]))
        return sse("tally", {"poll_id": poll["poll_id"], "counts": counts, "voters": voters})

    def _chores(self, now: float) -> None:
        heartbeat = now - self._last_followers >= FOLLOWERS_EVERY_S
        counts: dict[str, int] = {}
        with self._lock:
            for code, w in self._watched.items():
                n = len(w.streams)
                beat = heartbeat and (n or w.count_written > 0)
                if beat or (w.count_changed and now - self._last_followers >= FOLLOWERS_CHANGED_S):
                    counts[code] = n
        if counts:
            self.tables.set_followers(self.process, counts)
            self._last_followers = now
            with self._lock:
                for code, n in counts.items():
                    w = self._watched.get(code)
                    if w is not None:
                        w.count_written, w.count_changed = n, False
        elif heartbeat:
            self._last_followers = now
        if now - self._last_expire >= EXPIRE_EVERY_S:
            self._last_expire = now
            self.tables.expire()


def resync_events(row: ClassRow, since_known: bool) -> list[tuple[int | None, bytes]]:
    """What a stream that is behind gets at once: one `view` event with the latest state (and
    the poll, when there is one). `since_known`: the client's version was the previous link's
    (so the scenario did not change); otherwise the page is told it did."""
    state = row.state
    items: list[tuple[int | None, bytes]] = [
        (row.version, sse("view", view_data(row.version, state, not since_known), row.version))
    ]
    if state.get("poll"):
        data = {"version": row.version, "poll": state["poll"]}
        items.append((row.version, sse("poll", data, row.version)))
    return items


class VoteWriter:
    """Votes written in batches: a vote waits while the batch before it is being written, then
    goes with every vote that arrived meanwhile, in one transaction (one disk sync for a burst
    of a thousand). Its request is answered once that transaction has committed."""

    def __init__(self, tables: ClassTables, written=lambda: None):
        self.tables = tables
        self.written = written
        self._pending: dict[asyncio.AbstractEventLoop, list[tuple[Vote, asyncio.Future]]] = {}
        self._tasks: dict[asyncio.AbstractEventLoop, asyncio.Task] = {}

    async def add(self, vote: Vote) -> str:
        """ "counted", or why not (ClassTables.add_votes)."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future = loop.create_future()
        self._pending.setdefault(loop, []).append((vote, future))
        task = self._tasks.get(loop)
        if task is None or task.done():
            self._tasks[loop] = loop.create_task(self._flush(loop))
        return await future

    async def _flush(self, loop: asyncio.AbstractEventLoop) -> None:
        while self._pending.get(loop):
            batch = self._pending.pop(loop)
            try:
                accepted = await asyncio.to_thread(self.tables.add_votes, [v for v, _ in batch])
            except Exception as err:  # noqa: BLE001 (every waiting request gets the error)
                for _, future in batch:
                    if not future.done():
                        future.set_exception(err)
                continue
            for (_, future), outcome in zip(batch, accepted, strict=True):
                if not future.done():
                    future.set_result(outcome)
            self.written()
        self._tasks.pop(loop, None)
