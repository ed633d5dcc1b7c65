"""`make bench`: engine speed against a plain numpy loop, /train against ConvNetJS (node),
/train throughput, /step server time, the classroom loads (wrk; students stepping in groups),
a live class of 1,000 followers, and the browser.

Ratios are what count: the machine is shared and noisy, so the numpy baseline is timed in the
same run, interleaved with the engine, and each figure is the median of several repeats.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from backprop_playground.schemas import Scenario
from backprop_playground.service import Trainer
from tests.bench import engine_vs_js, numpy_loop

REPEATS = 5


def scenario(hidden: list[int]) -> Scenario:
    return Scenario.model_validate(
        {
            "dataset": {"kind": "circle", "n_samples": 500, "train_fraction": 0.5},
            "hidden_layers": hidden,
            "activation": "tanh",
            "output_activation": "tanh",
            "loss": "half_sse",
            "init": {"scheme": "uniform", "scale": 0.5, "bias": 0.1},
            "optimizer": {"kind": "sgd", "lr": 0.03},
            "batch_size": 10,
        }
    )


def engine_us_per_update(hidden: list[int], steps: int) -> float:
    """Median µs per update of /train's path (service.Trainer.train), one evaluation at the end."""
    times = []
    for r in range(REPEATS):
        trainer = Trainer(256 * 10**6, 1e9)
        sc = scenario(hidden)
        trainer.train(sc, 0, 10, None)  # load kernels, build the run
        t = time.perf_counter()
        trainer.train(sc, 10 + r, steps, steps)
        times.append((time.perf_counter() - t) / steps * 1e6)
    return statistics.median(times)


def numpy_us_per_update(hidden: list[int], steps: int) -> float:
    sizes = [2, *hidden, 1]
    rng = np.random.default_rng(0)
    X = rng.uniform(-6, 6, (250, 2))
    Y = np.where(np.hypot(X[:, 0], X[:, 1]) < 2.5, 1.0, -1.0)[:, None]
    batches = [rng.permutation(250)[:10] for _ in range(steps)]
    times = []
    for _ in range(REPEATS):
        Ws = [rng.uniform(-0.5, 0.5, (o, i)) for i, o in zip(sizes, sizes[1:], strict=False)]
        bs = [np.full(o, 0.1) for o in sizes[1:]]
        t = time.perf_counter()
        numpy_loop.train(Ws, bs, X, Y, batches, 0.03)
        times.append((time.perf_counter() - t) / steps * 1e6)
    return statistics.median(times)


def step_server_ms() -> list[float]:
    """Server-side time of /step (service call, no HTTP) on the default network at step 100."""
    trainer = Trainer(256 * 10**6, 1e9)
    sc = scenario([4, 2])
    trainer.snapshot(sc, 100)
    times = []
    for k in range(100, 300):
        t = time.perf_counter()
        trainer.step(sc, k, 32)
        times.append((time.perf_counter() - t) * 1e3)
    return times


def http_train_throughput(port: int = 8765) -> tuple[float, float]:
    """Requests/s and updates/s of POST /api/v1/train (100 steps each) against `make run`'s
    server, one client in sequence."""
    import httpx

    with engine_vs_js.server(port) as url:
        body = {"scenario": scenario([4, 2]).model_dump(mode="json"), "step": 0, "steps": 100}
        with httpx.Client(base_url=url) as client:
            n = 100
            t = time.perf_counter()
            for i in range(n):
                body["step"] = i * 100
                r = client.post("/api/v1/train", json=body)
                assert r.status_code == 200
            dt = time.perf_counter() - t
        return n / dt, n * 100 / dt


def main() -> None:
    print(
        f"# Backprop Playground benchmark ({os.cpu_count()} cores, Python {sys.version.split()[0]})"
    )
    rows = []
    for name, hidden, target in (("(a) 2-4-2-1", [4, 2], 6.0), ("(b) 2-8x6-1", [8] * 6, 5.0)):
        eng = engine_us_per_update(hidden, 20_000)
        base = numpy_us_per_update(hidden, 3_000)
        rows.append((name, eng, base, base / eng, target))
    print("\n| network | engine µs/update | numpy loop µs/update | speed-up | target |")
    print("|---|---|---|---|---|")
    for name, eng, base, ratio, target in rows:
        verdict = "met" if ratio >= target else "NOT met"
        print(f"| {name} | {eng:.1f} | {base:.1f} | {ratio:.1f}x | >= {target:.0f}x ({verdict}) |")
    # the same networks through POST /train (HTTP included) against ConvNetJS in node;
    # alone: python -m tests.bench.engine_vs_js
    engine_vs_js.report(engine_vs_js.measure(), engine_vs_js.REPEATS)
    sys.stdout.flush()
    step = step_server_ms()
    print(
        f"\n/step server time (default 2-4-2-1, batch 10, trace 32 samples): "
        f"p50 {np.percentile(step, 50):.2f} ms, p99 {np.percentile(step, 99):.2f} ms"
    )
    rps, ups = http_train_throughput()
    print(
        f"/train over HTTP (100 steps a request, one client): "
        f"{rps:.0f} requests/s, {ups:.0f} updates/s"
    )
    from tests.bench import classroom

    r = classroom.run(500, 30)
    verdict = "met" if r["errors"] == 0 and r["p99_ms"] <= 200 else "NOT met"
    print(
        f"\nclassroom (wrk, 500 students, 30 s, server as `make run` starts it): "
        f"{r['rps']:.0f} requests/s, p50 {r['p50_ms']:.1f} ms, p99 {r['p99_ms']:.1f} ms, "
        f"errors {r['errors']}, server RSS {r['server_rss_mb_after']} MB "
        f"(target 0 errors, p99 <= 200 ms: {verdict})"
    )
    sys.stdout.flush()
    print(classroom.report_bursts(classroom.bursts(500, 10, 30)))
    sys.stdout.flush()
    from tests.bench import live_class

    print(live_class.report(live_class.run(live_class.STUDENTS)))
    browser = Path(__file__).with_name("browser_bench.py")
    if browser.exists():
        print("\n## Browser")
        sys.stdout.flush()
        subprocess.run([sys.executable, "-m", "tests.bench.browser_bench"], check=False)
    print("\n## Page weight")
    sys.stdout.flush()
    subprocess.run([sys.executable, "-m", "tests.bench.page_weight"], check=False)


if __name__ == "__main__":
    main()
