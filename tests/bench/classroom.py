"""Classroom load tests (`make bench`) against a server started as `make run` starts it.

`run`: wrk. N students (wrk connections) on loopback, each stepping about once a second;
reports requests/s, p50/p99 latency, errors and the server's memory (RSS of its processes).
`bursts`: students exploring in groups. 500 students in 10 groups, each group on its own
scenario; every student sends POST /step once a second, the 50 of a group at the same instant
(one group every 100 ms), with the step going on by one each second, as a class pressing Step
together does. The load generator is one asyncio process with plain sockets.
Target on this 2-core machine, load generator included: 0 errors, p99 <= 200 ms.
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


def cpu_s(pid: int) -> float:
    """CPU seconds (user + system) used so far by a process and its children (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    out = subprocess.run(["ps", "-o", "pid=,ppid=", "-A"], capture_output=True, text=True)
    rows = [tuple(int(v) for v in line.split()) for line in out.stdout.splitlines() if line.strip()]
    pids = {pid}
    changed = True
    while changed:
        changed = False
        for p, pp in rows:
            if pp in pids and p not in pids:
                pids.add(p)
                changed = True
    total = 0.0
    for p in pids:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
    return total


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


async def _burst_load(port: int, bodies: list[str], students: int, seconds: int) -> dict:
    import asyncio

    from tests.bench.live_class import exchange, request_bytes

    groups = len(bodies)
    latencies: list[float] = []
    by_group: list[list[float]] = [[] for _ in range(groups)]
    by_tick: list[list[float]] = [[] for _ in range(seconds)]
    errors = {"status": 0, "connection": 0}
    start = time.time() + 2.0  # every connection open first

    async def student(i: int) -> None:
        group = i % groups
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            errors["connection"] += 1
            return
        for tick in range(seconds):
            at = start + tick + group * (1.0 / groups)
            await asyncio.sleep(max(0.0, at - time.time()))
            body = (bodies[group] % tick).encode()
            raw = request_bytes("POST", "/api/v1/step", body, {"Accept-Encoding": "gzip"})
            t0 = time.perf_counter()
            try:
                status, _ = await exchange(reader, writer, raw)
            except (OSError, asyncio.IncompleteReadError):
                errors["connection"] += 1
                return
            latencies.append((time.perf_counter() - t0) * 1e3)
            by_group[group].append(latencies[-1])
            by_tick[tick].append(latencies[-1])
            if status != 200:
                errors["status"] += 1
        writer.close()

    await asyncio.gather(*(student(i) for i in range(students)))
    latencies.sort()

    def pct(q: float) -> float:
        return latencies[min(len(latencies) - 1, int(q / 100 * (len(latencies) - 1)))]

    return {
        "students": students,
        "groups": groups,
        "requests": len(latencies),
        "p50_ms": round(pct(50), 1),
        "p90_ms": round(pct(90), 1),
        "p99_ms": round(pct(99), 1),
        "max_ms": round(latencies[-1], 1),
        "errors": errors["status"] + errors["connection"],
        "expected_requests": students * seconds,
        "p99_ms_by_group": [round(sorted(g)[int(0.99 * (len(g) - 1))], 1) for g in by_group if g],
        "p99_ms_by_second": [round(sorted(t)[int(0.99 * (len(t) - 1))], 1) for t in by_tick if t],
    }


def bursts(students: int = 500, groups: int = 10, seconds: int = 30, env_extra=None) -> dict:
    """Groups of students pressing Step together, each group on its own scenario."""
    import asyncio

    from tests.bench.live_class import raise_open_files

    raise_open_files()
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        proc = start_server(port, tmp, env_extra)
        try:
            base = f"http://127.0.0.1:{port}"
            presets = httpx.get(base + "/api/v1/presets").json()
            small = [p for p in presets if p["scenario"]["dataset"].get("n_samples", 200) <= 500]
            bodies = []
            for p in small[:groups]:
                text = json.dumps({"scenario": p["scenario"], "step": 0, "trace_samples": 32})
                bodies.append(text.replace("%", "%%").replace('"step": 0,', '"step": %d,'))
            assert len(bodies) == groups, "not enough presets"
            rss_before = rss_mb(proc.pid)
            cpu_before = cpu_s(proc.pid)
            result = asyncio.run(_burst_load(port, bodies, students, seconds))
            cpu = cpu_s(proc.pid) - cpu_before
            result["server_cpu_s"] = round(cpu, 1)
            result["server_cpu_ms_per_request"] = round(cpu / max(1, result["requests"]) * 1e3, 2)
            result["scenarios"] = [p["id"] for p in small[:groups]]
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
    b = bursts(students, 10, seconds)
    print(report_bursts(b))
    print(json.dumps(b))


def report_bursts(b: dict) -> str:
    verdict = "met" if b["errors"] == 0 and b["p99_ms"] <= 200 else "NOT met"
    return (
        f"classroom bursts: {b['students']} students in {b['groups']} groups on "
        f"{b['groups']} scenarios, POST /step once a second, a group at the same instant: "
        f"{b['requests']} of {b['expected_requests']} requests answered, p50 {b['p50_ms']} ms, "
        f"p90 {b['p90_ms']} ms, p99 {b['p99_ms']} ms, max {b['max_ms']} ms, errors "
        f"{b['errors']}, server CPU {b['server_cpu_s']} s ({b['server_cpu_ms_per_request']} ms a "
        f"request), server RSS {b['server_rss_mb_before']} -> {b['server_rss_mb_after']} MB "
        f"(target 0 errors, p99 <= 200 ms: {verdict})"
    )


if __name__ == "__main__":
    main()
