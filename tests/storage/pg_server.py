"""A throwaway PostgreSQL server (Debian's `postgresql` package) on loopback, for the tests.

`initdb` refuses to run as root, so as root both it and the server run as the `postgres` user
(via `runuser`) in a temporary directory that user owns; the socket goes there too, and TCP
listens on 127.0.0.1 only, on a free port.
"""

from __future__ import annotations

import glob
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg

START_TIMEOUT_S = 30


def pg_bin(name: str) -> str:
    """The newest installed PostgreSQL's `name` (Debian keeps them out of PATH)."""
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=_version_key)
    if found:
        return found[-1]
    path = shutil.which(name)
    if path is None:
        raise RuntimeError(f"PostgreSQL's {name} not found: apt-get install -y postgresql")
    return path


def _version_key(path: str) -> int:
    try:
        return int(Path(path).parts[-3])
    except ValueError:
        return 0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresServer:
    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="bp-pg-"))
        self.port = free_port()
        self.as_postgres = os.geteuid() == 0
        self.proc: subprocess.Popen | None = None
        self._db_count = 0

    def _cmd(self, *args: str) -> list[str]:
        return ["runuser", "-u", "postgres", "--", *args] if self.as_postgres else list(args)

    def start(self) -> PostgresServer:
        if self.as_postgres:
            shutil.chown(self.root, user="postgres")
        data = self.root / "data"
        subprocess.run(
            self._cmd(
                pg_bin("initdb"), "-D", str(data), "-A", "trust", "-U", "postgres",
                "-E", "UTF8", "--locale=C.UTF-8", "--no-sync",
            ),
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip
        log = open(self.root / "server.log", "wb")  # noqa: SIM115 (kept open for the server)
        self.proc = subprocess.Popen(
            self._cmd(
                pg_bin("postgres"), "-D", str(data), "-p", str(self.port),
                "-k", str(self.root), "-h", "127.0.0.1",
                "-c", "max_connections=200", "-c", "shared_buffers=32MB",
            ),
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        log.close()
        self._wait_ready()
        return self

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"postgres exited: {self.log()}")
            try:
                with psycopg.connect(self.url("postgres"), connect_timeout=2):
                    return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"postgres did not start: {self.log()}") from None
                time.sleep(0.1)

    def log(self) -> str:
        return (self.root / "server.log").read_text(errors="replace")[-2000:]

    def url(self, dbname: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{dbname}"

    def new_database(self) -> str:
        """A fresh, empty database: its URL."""
        self._db_count += 1
        name = f"links_{os.getpid()}_{self._db_count}"
        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        return self.url(name)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            # SIGINT is PostgreSQL's "fast shutdown"; runuser passes it on to the server.
            os.killpg(self.proc.pid, signal.SIGINT)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        shutil.rmtree(self.root, ignore_errors=True)
