"""The compose file's `scale` profile for real, on loopback: a throwaway PostgreSQL server, two
app replicas sharing it (started as the image starts them, with the compose file's
environment), and Debian's nginx running deploy/nginx.conf in front of them."""

from __future__ import annotations

import gzip
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from backprop_playground.settings import Settings
from tests.api.test_classes_stream import Lecturer
from tests.deploy.files import (
    HEALTH_PATH,
    REPO,
    compose,
    dockerfile_env,
    dockerfile_healthcheck,
    nginx_conf_for_test,
    nginx_listen_port,
)
from tests.storage.pg_server import PostgresServer, free_port

START_TIMEOUT_S = 120  # two replicas compile or load their kernels at once
RATE = 4  # links a minute from one client, per replica process (LINK_RATE_PER_MINUTE)
APP_BODY_LIMIT = 2_000_000  # the app's default MAX_BODY_BYTES
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
TIMEOUT = 30


@dataclass
class Stack:
    nginx: str
    replicas: list[str]
    replica_procs: list[subprocess.Popen]
    root: Path

    def access_log(self) -> list[tuple[list[str], str, str, str]]:
        """(replicas tried, status, method, path) of every request nginx has logged."""
        rows = []
        for line in (self.root / "access.log").read_text().splitlines():
            upstreams, status, method, path = line.rsplit(" ", 3)
            rows.append((upstreams.split(", "), status, method, path))
        return rows

    def logs(self) -> str:
        return "\n".join(
            f"--- {p.name}\n{p.read_text(errors='replace')[-1500:]}"
            for p in sorted(self.root.glob("*.log"))
        )


def stop(proc: subprocess.Popen) -> None:
    """SIGTERM to the process's group (nginx's workers too), then SIGKILL if it lingers."""
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


def replica_env(database_url: str) -> dict[str, str]:
    """The app-replica service's environment from docker-compose.yml, on loopback."""
    env = {k: str(v) for k, v in compose()["services"]["app-replica"]["environment"].items()}
    for name, value in env.items():  # `${VAR:-default}`: the default, not this machine's VAR
        env[name] = re.sub(r"\$\{\w+:-([^}]*)\}", r"\1", value)
    env.update(
        HOST="127.0.0.1",
        WORKERS="1",
        DATABASE_URL=database_url,
        LINK_RATE_PER_MINUTE=str(RATE),
    )
    return env


def wait_healthy(url: str, proc: subprocess.Popen, deadline: float, log: Path) -> None:
    while True:
        assert proc.poll() is None, log.read_text(errors="replace")[-2000:]
        try:
            if httpx.get(url + HEALTH_PATH, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, f"{url} did not start: {log.read_text()[-2000:]}"
        time.sleep(0.1)


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    root = Path(tempfile.mkdtemp(prefix="bp-scale-"))
    root.chmod(0o755)  # nginx's workers (nobody, when run as root) buffer bodies in here
    pg = PostgresServer()
    procs: list[subprocess.Popen] = []
    try:
        pg.start()
        # this machine's environment without any of the app's settings, then the compose file's
        mine = {k: v for k, v in os.environ.items() if k.lower() not in Settings.model_fields}
        env = {**mine, **replica_env(pg.new_database())}
        ports = [free_port(), free_port()]
        for i, port in enumerate(ports):
            with open(root / f"replica{i}.log", "wb") as log:
                procs.append(
                    subprocess.Popen(
                        [sys.executable, "-m", "backprop_playground", "--port", str(port)],
                        cwd=REPO,
                        env=env,
                        stdout=log,
                        stderr=subprocess.STDOUT,
                        start_new_session=True,
                    )
                )
        replicas = [f"http://127.0.0.1:{port}" for port in ports]
        deadline = time.monotonic() + START_TIMEOUT_S
        for i, url in enumerate(replicas):
            wait_healthy(url, procs[i], deadline, root / f"replica{i}.log")

        nginx_port = free_port()
        conf = root / "nginx.conf"
        conf.write_text(nginx_conf_for_test(root, nginx_port, [addr(u) for u in replicas]))
        with open(root / "nginx-stderr.log", "wb") as log:
            nginx = subprocess.Popen(
                [NGINX, "-p", str(root), "-c", str(conf), "-e", str(root / "error.log"),
                 "-g", "daemon off;"],
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        procs.append(nginx)
        nginx_url = f"http://127.0.0.1:{nginx_port}"
        wait_healthy(nginx_url, nginx, time.monotonic() + 20, root / "error.log")
        yield Stack(nginx_url, replicas, procs[:2], root)
    finally:
        for proc in reversed(procs):
            stop(proc)
        pg.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def scenario(stack) -> dict:
    presets = httpx.get(f"{stack.nginx}/api/v1/presets", timeout=TIMEOUT).json()
    return next(p for p in presets if p["id"] == "tf-circle")["scenario"]


def addr(url: str) -> str:
    """host:port of an http:// URL, as nginx's upstream and its log name it."""
    return url.removeprefix("http://")


def client(base: str, source: str = "127.0.0.1", **kw) -> httpx.Client:
    """A client connecting from `source` (any 127.x address is this machine)."""
    transport = httpx.HTTPTransport(local_address=source)
    return httpx.Client(base_url=base, transport=transport, timeout=TIMEOUT, **kw)


def test_health_through_nginx(stack):
    r = httpx.get(stack.nginx + HEALTH_PATH, timeout=TIMEOUT)
    assert r.status_code == 200, stack.logs()
    assert r.json()["status"] == "ok"
    assert r.json() == httpx.get(stack.replicas[0] + HEALTH_PATH, timeout=TIMEOUT).json()


def run_check(test: list[str], container_port: str, port: str) -> int:
    """Run a compose-style healthcheck (["CMD", ...] or ["CMD-SHELL", "..."]) here, with the
    container's port replaced by `port` and `python` by this interpreter."""
    kind, *args = test
    args = [a.replace(f"127.0.0.1:{container_port}", f"127.0.0.1:{port}") for a in args]
    if kind == "CMD-SHELL":
        args = ["sh", "-c", re.sub(r"^python ", f"{sys.executable} ", args[0])]
    elif args[0] == "python":
        args[0] = sys.executable
    else:
        assert shutil.which(args[0]), f"{args[0]} not found: apt-get install -y {args[0]}"
    return subprocess.run(args, capture_output=True, timeout=TIMEOUT).returncode


def test_the_healthcheck_commands_work(stack):
    """The compose file's and the Dockerfile's healthchecks, pointed at the running processes:
    they pass, and fail when nothing answers."""
    services = compose()["services"]
    app, nginx = stack.replicas[0].rsplit(":", 1)[1], stack.nginx.rsplit(":", 1)[1]
    image_port, nginx_conf_port = dockerfile_env()["PORT"], str(nginx_listen_port())
    dead = str(free_port())
    for test, container_port, port in [
        (services["app"]["healthcheck"]["test"], image_port, app),
        (services["app-replica"]["healthcheck"]["test"], image_port, app),
        (["CMD-SHELL", dockerfile_healthcheck()], image_port, app),
        (services["nginx"]["healthcheck"]["test"], nginx_conf_port, nginx),
    ]:
        assert run_check(test, container_port, port) == 0, test
        assert run_check(test, container_port, dead) != 0, test


def test_a_link_made_through_nginx_is_read_by_both_replicas(stack, scenario):
    with client(stack.nginx) as c:
        r = c.post("/api/v1/links", json={"scenario": scenario, "step": 3, "title": "shared"})
        assert r.status_code == 201, r.text
        link = r.json()
        # no PUBLIC_BASE_URL: the link is built from the address the client used, port kept
        assert link["url"] == f"{stack.nginx}/s/{link['id']}"
        page = c.get(f"/s/{link['id']}")
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        assert c.get("/s/AAAAAAAAAAAA").status_code == 404
    for replica in stack.replicas:
        got = httpx.get(f"{replica}/api/v1/links/{link['id']}", timeout=TIMEOUT)
        assert got.status_code == 200, replica
        body = got.json()
        assert (body["step"], body["title"], body["scenario"]) == (3, "shared", link["scenario"])


def test_step_through_nginx_equals_each_replica(stack, scenario):
    body = {"scenario": scenario, "step": 5, "trace_samples": 32}
    answers = []
    for base in [stack.nginx, *stack.replicas]:
        r = httpx.post(f"{base}/api/v1/step", json=body, timeout=TIMEOUT)
        assert r.status_code == 200, r.text
        answers.append(r.json())
    assert answers[0] == answers[1] == answers[2]
    assert answers[0]["step"] == 6


def test_nginx_gzips_large_json(stack, scenario):
    body = {"scenario": scenario, "step": 2, "trace_samples": 32}
    gz = {"accept-encoding": "gzip"}
    url = f"{stack.nginx}/api/v1/step"
    with httpx.stream("POST", url, json=body, headers=gz, timeout=TIMEOUT) as r:
        packed = b"".join(r.iter_raw())  # as sent, still compressed
        assert r.status_code == 200
        assert r.headers["content-encoding"] == "gzip"
        assert "accept-encoding" in r.headers["vary"].lower()
    direct = httpx.post(f"{stack.replicas[0]}/api/v1/step", json=body, headers=gz, timeout=TIMEOUT)
    # the app compresses its JSON answers itself (level 1); nginx passes them on as they are
    assert direct.headers["content-encoding"] == "gzip"
    plain = gzip.decompress(packed)
    assert plain == direct.content
    assert len(packed) < len(plain) / 2
    # small answers are not worth it (gzip_min_length)
    small = httpx.get(stack.nginx + HEALTH_PATH, headers=gz, timeout=TIMEOUT)
    assert "content-encoding" not in small.headers


def test_cacheable_link_answers_pass_through_nginx(stack, scenario):
    with client(stack.nginx) as c:
        link_id = c.post("/api/v1/links", json={"scenario": scenario, "step": 1}).json()["id"]
        version = c.get(HEALTH_PATH).json()["engine_version"]
        url = f"/api/v1/links/{link_id}/step?step=4&trace_samples=8&v={version}"
        r = c.get(url, headers={"accept-encoding": "gzip"})
        assert r.status_code == 200
        assert r.headers["content-encoding"] == "gzip"
        assert "immutable" in r.headers["cache-control"]
        etag = r.headers["etag"]
        assert c.get(url, headers={"if-none-match": etag}).status_code == 304
        direct = httpx.get(f"{stack.replicas[1]}{url}", timeout=TIMEOUT)
        assert direct.headers["etag"].removeprefix("W/") == etag.removeprefix("W/")
        assert direct.json() == r.json()


def test_bodies_over_the_limit_get_the_apps_413_from_nginx(stack):
    def post(base: str, size: int) -> httpx.Response:
        head, tail = b'{"pad": "', b'"}'
        body = head + b"x" * (size - len(head) - len(tail)) + tail
        headers = {"content-type": "application/json"}
        return httpx.post(f"{base}/api/v1/step", content=body, headers=headers, timeout=TIMEOUT)

    r = post(stack.nginx, APP_BODY_LIMIT + 1)
    assert r.status_code == 413
    assert r.headers["content-type"] == "application/json"
    from_app = post(stack.replicas[0], APP_BODY_LIMIT + 1)
    assert from_app.status_code == 413
    assert r.json() == from_app.json()  # the same limit, the same error
    # a body right at the limit goes through nginx (buffered in its temp dir) to the app,
    # which finds it is not a step request
    r = post(stack.nginx, APP_BODY_LIMIT)
    assert r.status_code == 422, r.text
    assert any(item["loc"] == ["body", "scenario"] for item in r.json()["detail"])


def test_link_rate_limit_is_per_client_behind_nginx(stack, scenario):
    body = {"scenario": scenario, "step": 0}
    with client(stack.nginx, source="127.0.0.2") as c:
        statuses: list[int] = []
        while statuses[-4:] != [429] * 4:  # both replicas have refused twice in a row
            statuses.append(c.post("/api/v1/links", json=body).status_code)
            assert len(statuses) <= 4 * RATE, statuses
        assert set(statuses) == {201, 429}
        assert RATE <= statuses.count(201) <= 2 * RATE  # one budget per replica process
        # a made-up X-Forwarded-For does not make a new client: nginx sets the real one
        for i in range(4):
            spoofed = c.post("/api/v1/links", json=body, headers={"x-forwarded-for": f"10.9.8.{i}"})
            assert spoofed.status_code == 429
            assert int(spoofed.headers["retry-after"]) >= 1
    with client(stack.nginx, source="127.0.0.3") as other:
        assert other.post("/api/v1/links", json=body).status_code == 201


def test_a_student_on_one_replica_follows_a_lecturer_on_another(stack):
    """Students through nginx and on each replica; the lecturer's changes go to one replica
    and then the other (through nginx, and directly): every student gets every change at
    once (nginx buffers nothing), whichever replica holds their stream."""
    lecturer = Lecturer(stack.nginx)
    via_nginx = [lecturer.student(stack.nginx).start() for _ in range(4)]
    direct = [lecturer.student(r).start() for r in stack.replicas]
    students = via_nginx + direct
    try:
        for s in students:
            assert s.status == 200
            assert s.next().id == "1"
        assert via_nginx[0].response_headers["content-type"].startswith("text/event-stream")
        assert "content-encoding" not in via_nginx[0].response_headers
        targets = [stack.nginx, *stack.replicas] * 2
        for k, target in enumerate(targets, start=1):
            sent = time.monotonic()
            lecturer.on(target).view(k)
            for s in students:
                e = s.next(timeout=5)
                assert (e.event, e.data["step"]) == ("view", k)
            assert time.monotonic() - sent < 3, "an event waited in a buffer"
        # the streams through nginx were spread over both replicas (by its access log, once
        # they end) and comment lines keep them open
        assert via_nginx[0].comments.get(timeout=10).startswith(":")
    finally:
        for s in students:
            s.stop()
    deadline = time.monotonic() + 10
    while True:
        rows = [r for r in stack.access_log() if r[3].endswith("/events")]
        if len(rows) >= len(via_nginx) or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert len(rows) == len(via_nginx), rows
    assert {r[0][-1] for r in rows} == {addr(u) for u in stack.replicas}, rows


def test_requests_are_spread_over_both_replicas_and_survive_one_stopping(stack, scenario):
    """Last in this file: it stops a replica."""
    mark = len(stack.access_log())
    with client(stack.nginx) as c:
        for _ in range(10):
            assert c.get(HEALTH_PATH).status_code == 200
    served = {row[0][-1] for row in stack.access_log()[mark:]}
    assert served == {addr(u) for u in stack.replicas}, stack.access_log()[mark:]

    stop(stack.replica_procs[0])
    mark = len(stack.access_log())
    body = {"scenario": scenario, "step": 3, "trace_samples": 4}
    with client(stack.nginx) as c:
        for _ in range(6):
            assert c.get(HEALTH_PATH).status_code == 200
            assert c.post("/api/v1/step", json=body).status_code == 200
    rows = stack.access_log()[mark:]
    assert len(rows) == 12
    assert {row[0][-1] for row in rows} == {addr(stack.replicas[1])}, rows
