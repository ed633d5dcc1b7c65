"""A server killed with a real SIGKILL while clients are creating links: after a restart, every
link whose POST was answered 201 is there, and the database is sound."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import psycopg

from backprop_playground.storage.sqlite import sqlite_path
from tests.storage.pg_server import free_port

REPO = Path(__file__).resolve().parents[2]
WRITERS = 4
ACKED_BEFORE_KILL = 150
START_TIMEOUT_S = 120


def start_server(database_url: str, log_path: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "LINK_RATE_PER_MINUTE": "0",  # no limit: the clients write as fast as they can
        "PUBLIC_BASE_URL": "",
        "WORKERS": "1",
    }
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "backprop_playground", "--port", str(port)],
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        assert proc.poll() is None, log_path.read_text(errors="replace")[-2000:]
        try:
            if httpx.get(f"{base}/api/v1/health", timeout=2).status_code == 200:
                return proc, base
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.1)


def stop_server(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)


def link_body(writer: int, i: int) -> dict:
    return {
        "scenario": {
            "dataset": {"kind": "circle", "seed": writer},
            "optimizer": {"lr": 1 / (i + 7)},
        },
        "step": i,
        "view": {"writer": writer},
        "title": f"writer {writer} link {i}",
    }


class Writer(threading.Thread):
    """Creates links until the server stops answering; keeps what was acknowledged with 201."""

    def __init__(self, base: str, writer: int):
        super().__init__(daemon=True)
        self.base, self.writer = base, writer
        self.acked: list[tuple[str, dict]] = []
        self.cut_off = False  # the server went away under this writer

    def run(self) -> None:
        with httpx.Client(base_url=self.base, timeout=10) as client:
            for i in range(100_000):
                body = link_body(self.writer, i)
                try:
                    r = client.post("/api/v1/links", json=body)
                except httpx.TransportError:
                    self.cut_off = True
                    return
                assert r.status_code == 201, r.text
                self.acked.append((r.json()["id"], body))


def test_links_survive_sigkill_of_the_server(store_url, tmp_path):
    log = tmp_path / "server.log"
    proc, base = start_server(store_url, log)
    try:
        writers = [Writer(base, w) for w in range(WRITERS)]
        for w in writers:
            w.start()
        deadline = time.monotonic() + 60
        while sum(len(w.acked) for w in writers) < ACKED_BEFORE_KILL:
            assert time.monotonic() < deadline and all(w.is_alive() for w in writers)
            time.sleep(0.01)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        for w in writers:
            w.join(timeout=30)
    finally:
        stop_server(proc)
    assert proc.returncode == -signal.SIGKILL
    assert all(w.cut_off for w in writers), "every writer was still writing at the kill"
    acked = [a for w in writers for a in w.acked]
    assert len(acked) >= ACKED_BEFORE_KILL

    if store_url.startswith("sqlite"):
        path = sqlite_path(store_url)
        # the links are still in the write-ahead log, not yet checkpointed into the database
        assert os.path.getsize(path + "-wal") > 0

    proc, base = start_server(store_url, log)
    try:
        with httpx.Client(base_url=base, timeout=10) as client:
            for link_id, body in acked:
                r = client.get(f"/api/v1/links/{link_id}")
                assert r.status_code == 200, link_id
                got = r.json()
                assert (got["step"], got["title"], got["view"]) == (
                    body["step"],
                    body["title"],
                    body["view"],
                )
                assert got["scenario"]["optimizer"]["lr"] == body["scenario"]["optimizer"]["lr"]
            assert client.post("/api/v1/links", json=link_body(9, 9)).status_code == 201
    finally:
        stop_server(proc)

    if store_url.startswith("sqlite"):
        db = sqlite3.connect(sqlite_path(store_url))
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert db.execute("SELECT count(*) FROM links").fetchone()[0] >= len(acked) + 1
        db.close()
    else:
        with psycopg.connect(store_url) as conn:
            assert conn.execute("SELECT count(*) FROM links").fetchone()[0] >= len(acked) + 1
