"""Classroom load test (`make bench`): wrk against a server started as `make run` starts it.

N students (wrk connections) on loopback, each stepping about once a second; reports
requests/s, p50/p99 latency, errors and the server's memory (RSS of its processes).
Target on this 2-core machine, load generator included: 500 students, 0 errors, p99 <= 200 ms.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

HERE = Path(__file__).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children, in MB."""
    pids = [pid]
    out = subprocess.run(["ps", "-o", "pid=,ppid=,rss=", "-A"], capture_output=True, text=True)
    rows = [tuple(int(v) for v in line.split()) for line in out.stdout.splitlines() if line.strip()]
    changed = True
    while changed:
        changed = False
        for p, pp, _ in rows:
            if pp in pids and p not in pids:
                pids.append(p)
                changed = True
    return sum(r for p, _, r in rows if p in pids) / 1024


def start_server(port: int, tmp: str, env_extra: dict | None = None) -> subprocess.Popen:
    env = {
        **os.environ,
        "PORT": str(port),
        "DATABASE_URL": f"sqlite:///{tmp}/links.sqlite3",
        "LINK_RATE_PER_MINUTE": "1000",
        **(env_extra or {}),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "backprop_playground", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(600):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1/health").status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("server did not start")


def run(students: int = 500, seconds: int = 30, env_extra: dict | None = None) -> dict:
    wrk = shutil.which("wrk")
    if wrk is None:
        raise RuntimeError("wrk is not installed (apt-get install wrk)")
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        proc = start_server(port, tmp, env_extra)
        try:
            base = f"http://127.0.0.1:{port}"
            presets = {p["id"]: p for p in httpx.get(base + "/api/v1/presets").json()}
            version = httpx.get(base + "/api/v1/health").json()["engine_version"]
            ids = []
            for pid in ("tf-circle", "tf-spiral", "xor"):
                body = {"scenario": presets[pid]["scenario"], "step": 0}
                r = httpx.post(base + "/api/v1/links", json=body)
                r.raise_for_status()
                ids.append(r.json()["id"])
            own = dict(presets["tf-gauss"]["scenario"])
            own["optimizer"] = {"kind": "sgd", "lr": 0.0}
            text = json.dumps({"scenario": own, "step": 0})
            text = text.replace('"lr": 0.0', '"lr": %s').replace('"step": 0}', '"step": %s}')
            template = Path(tmp) / "own.json"
            template.write_text(text)
            rss_before = rss_mb(proc.pid)
            cmd = [
                wrk, "-t2", f"-c{students}", f"-d{seconds}s", "--timeout", "5s",
                "-s", str(HERE / "classroom.lua"), base, "--", version, str(template), *ids,
            ]  # fmt: skip
            out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
            line = next(x for x in out.splitlines() if x.startswith("CLASSROOM "))
            result = json.loads(line.removeprefix("CLASSROOM "))
            result["students"] = students
            result["rps"] = result["requests"] / result["duration_s"]
            result["errors"] = sum(
                result[k]
                for k in (
                    "connect_errors",
                    "read_errors",
                    "write_errors",
                    "timeouts",
                    "status_errors",
                )
            )
            result["server_rss_mb_before"] = round(rss_before, 1)
            result["server_rss_mb_after"] = round(rss_mb(proc.pid), 1)
            return result
        finally:
            proc.terminate()
            proc.wait(10)


def main() -> None:
    students = int(os.environ.get("STUDENTS", "500"))
    seconds = int(os.environ.get("SECONDS_", "30"))
    r = run(students, seconds)
    verdict = "met" if r["errors"] == 0 and r["p99_ms"] <= 200 else "NOT met"
    print(
        f"classroom: {r['students']} students, {r['rps']:.0f} requests/s, "
        f"p50 {r['p50_ms']:.1f} ms, p99 {r['p99_ms']:.1f} ms, errors {r['errors']}, "
        f"server RSS {r['server_rss_mb_before']} -> {r['server_rss_mb_after']} MB "
        f"(target: 0 errors, p99 <= 200 ms: {verdict})"
    )
    print(json.dumps(r))


if __name__ == "__main__":
    main()
