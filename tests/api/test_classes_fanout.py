"""A class across server processes: two processes on one SQLite file, two on one PostgreSQL
database (with the listener's connection cut), `WORKERS=2`, and a restart of the server while
students follow. Each server is started as `python -m backprop_playground` starts it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import psycopg
import pytest

from backprop_playground.settings import Settings
from tests.api.test_classes_stream import Lecturer, free_port, vote
from tests.storage.pg_server import PostgresServer

REPO = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 120


def start_server(database_url: str, log: Path, port: int | None = None, workers: int = 1):
    port = port or free_port()
    mine = {k: v for k, v in os.environ.items() if k.lower() not in Settings.model_fields}
    env = {**mine, "DATABASE_URL": database_url, "WORKERS": str(workers),
           "LINK_RATE_PER_MINUTE": "0", "CLASS_PING_SECONDS": "1"}  # fmt: skip
    with open(log, "ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "backprop_playground", "--port", str(port)],
            cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        assert proc.poll() is None, log.read_text(errors="replace")[-3000:]
        try:
            if httpx.get(f"{base}/api/v1/health", timeout=2).status_code == 200:
                return proc, base
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.1)


def stop(proc: subprocess.Popen, sig=signal.SIGTERM) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, sig)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)


@contextmanager
def servers(database_url: str, tmp_path: Path, n: int = 2) -> Iterator[list[str]]:
    procs = []
    try:
        for i in range(n):
            procs.append(start_server(database_url, tmp_path / f"server{i}.log"))
        yield [base for _, base in procs]
    finally:
        for proc, _ in procs:
            stop(proc)


@pytest.fixture(scope="module")
def pg():
    server = PostgresServer()
    try:
        yield server.start()
    finally:
        server.stop()


def follows_across(a: str, b: str) -> None:
    """A lecturer on `a`, students on `b`: every change, poll and tally reaches them; the
    followers on `b` are counted on `a`."""
    lecturer = Lecturer(a)
    students = [lecturer.student(b).start() for _ in range(3)]
    try:
        for s in students:
            assert s.next().id == "1"
        for k in range(1, 11):
            lecturer.view(k, view={"phase": k % 4})
        for s in students:
            assert [s.next().data["step"] for _ in range(10)] == list(range(1, 11))
        poll_id = lecturer.poll()
        for s in students:
            assert s.next().event == "poll"
        # votes on both servers, one voter on both: counted once
        assert vote(a, lecturer.code, poll_id, "same", 0) == 204
        assert vote(b, lecturer.code, poll_id, "same", 1) == 204
        assert vote(b, lecturer.code, poll_id, "other", 1) == 204
        tally = students[0].next()
        while tally.data["voters"] < 2:
            tally = students[0].next()
        assert tally.event == "tally" and tally.data["counts"] == [0, 2]
        deadline = time.monotonic() + 10
        while httpx.get(lecturer.url).json()["followers"] != 3:
            assert time.monotonic() < deadline, httpx.get(lecturer.url).json()
            time.sleep(0.2)
        lecturer.on(b).view(42)  # the lecturer's key works on any server
        for s in students:
            assert s.next_not_tally().data["step"] == 42
        lecturer.end()
        for s in students:
            assert s.next_not_tally().event == "end"
    finally:
        for s in students:
            s.stop()


def test_two_processes_on_one_sqlite_file(tmp_path):
    url = f"sqlite:///{tmp_path / 'links.sqlite3'}"
    with servers(url, tmp_path) as (a, b):
        follows_across(a, b)


def test_two_processes_on_one_postgresql_database(tmp_path, pg):
    with servers(pg.new_database(), tmp_path) as (a, b):
        follows_across(a, b)


def test_the_listener_listens_again_and_catches_up_after_its_connection_is_cut(tmp_path, pg):
    url = pg.new_database()
    with servers(url, tmp_path) as (a, b):
        lecturer = Lecturer(a)
        student = lecturer.student(b).start()
        try:
            student.next()
            lecturer.view(1)
            assert student.next().data["step"] == 1
            dbname = url.rsplit("/", 1)[1]
            with psycopg.connect(pg.url("postgres"), autocommit=True) as admin:
                cut = admin.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = %s AND query LIKE 'LISTEN%%'",
                    (dbname,),
                ).fetchall()
            assert len(cut) == 2  # one listener per server process
            lecturer.view(2)  # while b's listener is away
            lecturer.view(3)
            got = [student.next(timeout=15).data["step"] for _ in range(2)]
            assert got == [2, 3]
        finally:
            student.stop()


def test_two_workers_of_one_server(tmp_path):
    proc, base = start_server(f"sqlite:///{tmp_path / 'l.sqlite3'}", tmp_path / "w.log", workers=2)
    try:
        lecturer = Lecturer(base)
        students = [lecturer.student().start() for _ in range(12)]  # spread over both workers
        try:
            for s in students:
                s.next()
            for k in range(1, 6):
                lecturer.view(k)
            for s in students:
                assert [s.next().data["step"] for _ in range(5)] == [1, 2, 3, 4, 5]
        finally:
            for s in students:
                s.stop()
    finally:
        stop(proc)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])
def test_streams_resume_at_the_latest_view_after_a_restart(tmp_path, sig):
    url = f"sqlite:///{tmp_path / 'links.sqlite3'}"
    port = free_port()
    proc, base = start_server(url, tmp_path / "before.log", port)
    try:
        lecturer = Lecturer(base)
        lecturer.poll(["a", "b"])  # version 2
        lecturer.view(5, view={"phase": 3})  # version 3
        behind, current = lecturer.student().start(), lecturer.student().start()
        assert [behind.next().event, behind.next().event] == ["view", "poll"]
        for _ in range(2):
            current.next()
    finally:
        stop(proc, sig)
    for s in (behind, current):
        assert s.closed.wait(10)
        s.stop()
    assert behind.last_id == current.last_id == "3"
    proc, base = start_server(url, tmp_path / "after.log", port)
    try:
        assert httpx.get(lecturer.url).json()["step"] == 5  # the class survived
        lecturer.view(6)  # version 4, while `behind` is away
        # EventSource reconnects with Last-Event-ID; a page after a non-200 with ?last_event_id=
        behind.headers = {"last-event-id": behind.last_id}
        behind.start()
        current.start(query_id="4")
        e = behind.next()
        assert (e.event, e.id, e.data["step"]) == ("view", "4", 6)
        assert e.data["scenario_changed"] is False
        assert behind.next().event == "poll"  # and the open poll
        assert current.none_within(0.5)
        lecturer.view(7)
        assert behind.next().data["step"] == current.next().data["step"] == 7
    finally:
        for s in (behind, current):
            s.stop()
        stop(proc)
