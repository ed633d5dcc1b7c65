"""µs per update through POST /api/v1/train against ConvNetJS (npm `convnetjs`) in node.

    .venv/bin/python -m tests.bench.engine_vs_js [--repeats N]

Ours: 20,000 updates in one POST /api/v1/train, timed around the HTTP round trip
(time.perf_counter) against a server started as `make run` starts it. ConvNetJS: the same 250
training points (fetched from the server's /dataset), 20,000 updates of its SGD Trainer
(batch_size 10, so 200,000 train() calls), timed inside node around the training loop only
(tests/bench/convnet_bench.mjs). The two are interleaved (ours, ConvNetJS, ours, ...) and each
figure is the median of the repeats. `make bench` runs this from tests/bench/run.py.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[2]
NODE_SCRIPT = Path(__file__).with_name("convnet_bench.mjs")
UPDATES = 20_000
BATCH = 10
LR = 0.03
REPEATS = 5
# (name, hidden layers, target: ConvNetJS µs/update over ours at least)
NETWORKS = (("(a) 2-4-2-1", [4, 2], 5.0), ("(b) 2-8x6-1", [8] * 6, 3.0))


def scenario(hidden: list[int], seed: int) -> dict[str, Any]:
    """The benchmark's scenario; `seed` is init.seed, varied so no cached state can answer."""
    return {
        "dataset": {"kind": "circle", "n_samples": 500, "train_fraction": 0.5},
        "hidden_layers": hidden,
        "activation": "tanh",
        "output_activation": "tanh",
        "loss": "half_sse",
        "init": {"seed": seed},
        "optimizer": {"kind": "sgd", "lr": LR},
        "batch_size": BATCH,
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def server(port: int | None = None) -> Iterator[str]:
    """The app served as `make run` serves it (`python -m backprop_playground --port N`, its
    default workers); yields the base URL once /api/v1/health answers."""
    port = port or free_port()
    python = ROOT / ".venv" / "bin" / "python"
    proc = subprocess.Popen(
        [str(python if python.exists() else sys.executable), "-m", "backprop_playground"]
        + ["--port", str(port)],
        cwd=ROOT,
        env={**os.environ, "PORT": str(port)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(url + "/api/v1/health").status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"server on port {port} did not start")
            time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def train_body(hidden: list[int], seed: int, steps: int = UPDATES) -> dict[str, Any]:
    """One /train request from step 0; eval_every = steps (one whole-set evaluation, at the
    end), every other field its default."""
    return {"scenario": scenario(hidden, seed), "step": 0, "steps": steps, "eval_every": steps}


def ours_us_per_update(client: httpx.Client, hidden: list[int], seed: int) -> float:
    body = train_body(hidden, seed)
    t = time.perf_counter()
    r = client.post("/api/v1/train", json=body)
    dt = time.perf_counter() - t
    r.raise_for_status()
    out = r.json()
    assert out["step"] == UPDATES, out["step"]
    assert [e["step"] for e in out["evaluations"]] == [UPDATES], out["evaluations"]
    return dt / UPDATES * 1e6


def convnet_run(points: Path, hidden: list[int], seed: int) -> dict[str, Any]:
    cmd = ["node", str(NODE_SCRIPT), "--data", str(points), "--hidden"]
    cmd += [",".join(map(str, hidden)), "--updates", str(UPDATES), "--batch", str(BATCH)]
    cmd += ["--lr", str(LR), "--seed", str(seed)]
    out = subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True, text=True).stdout
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    assert result["updates"] == UPDATES and result["n_train"] == 250, result
    return result


def training_points(client: httpx.Client, hidden: list[int]) -> dict[str, Any]:
    """The 250 training rows of the circle set as the engine sees them (features, targets)."""
    r = client.post("/api/v1/dataset", json={"scenario": scenario(hidden, 0), "step": 0})
    r.raise_for_status()
    d = r.json()
    return {
        "features": [d["features"][i] for i in d["train"]],
        "targets": [d["targets"][i] for i in d["train"]],
    }


def warm_up(client: httpx.Client, url: str) -> None:
    """Load the numba kernels and build the runs of both networks in the server's workers:
    on the timed client's connection and on a few fresh ones (each may reach another worker).
    Seeds 1000+ are never timed."""
    for k, (_, hidden, _) in enumerate(NETWORKS):
        for i in range(3):
            client.post(
                "/api/v1/train", json=train_body(hidden, 1000 + 10 * k + i)
            ).raise_for_status()
        for i in range(4):
            with httpx.Client(base_url=url, timeout=120) as fresh:
                body = train_body(hidden, 1100 + 10 * k + i, 2000)
                fresh.post("/api/v1/train", json=body).raise_for_status()


def measure(repeats: int = REPEATS) -> list[dict[str, Any]]:
    rows = []
    with server() as url, httpx.Client(base_url=url, timeout=120) as client:
        warm_up(client, url)
        with tempfile.TemporaryDirectory() as tmp:
            for name, hidden, target in NETWORKS:
                points = Path(tmp) / "points.json"
                points.write_text(json.dumps(training_points(client, hidden)))
                ours, js, js_loss = [], [], []
                for r in range(repeats):  # A B A B ...: ours, then ConvNetJS
                    ours.append(ours_us_per_update(client, hidden, seed=r + 1))
                    res = convnet_run(points, hidden, seed=r + 1)
                    js.append(res["us_per_update"])
                    js_loss.append(res["train_half_sse_after"])
                o, j = statistics.median(ours), statistics.median(js)
                rows.append(
                    {
                        "network": name,
                        "ours_us": o,
                        "convnetjs_us": j,
                        "ratio": j / o,
                        "target": target,
                        "ours_all": ours,
                        "convnetjs_all": js,
                        "convnetjs_train_half_sse": statistics.median(js_loss),
                        "node": res["node"],
                        "convnetjs": res["convnetjs"],
                    }
                )
    return rows


def report(rows: list[dict[str, Any]], repeats: int) -> None:
    load = os.getloadavg()
    print(
        f"\n## /train against ConvNetJS ({UPDATES} updates, batch {BATCH}, SGD lr {LR}, "
        f"circle 500 points / 250 train; median of {repeats} interleaved repeats; "
        f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f})"
    )
    print(
        "ours: one POST /api/v1/train per repeat from step 0 with a fresh init.seed, "
        f"eval_every {UPDATES} (one whole-set evaluation, at the end) and every other field "
        "its default, HTTP round trip timed, server as `make run` starts it, warmed up.\n"
        f"ConvNetJS {rows[0]['convnetjs']} (node {rows[0]['node']}): fc(tanh) hidden "
        "layers + regression head, which is linear (fc + L2 loss; ours ends in tanh), "
        f"Trainer sgd, batch_size {BATCH}, momentum 0, l2_decay 0, on the same 250 points; "
        f"{UPDATES * BATCH} train() calls timed inside node, after a warm-up run."
    )
    print("\n| network | ours µs/update | ConvNetJS µs/update | ConvNetJS / ours | target |")
    print("|---|---|---|---|---|")
    for row in rows:
        verdict = "met" if row["ratio"] >= row["target"] else "NOT met"
        print(
            f"| {row['network']} | {row['ours_us']:.2f} | {row['convnetjs_us']:.2f} | "
            f"{row['ratio']:.1f}x | >= {row['target']:.0f}x ({verdict}) |"
        )
    for row in rows:
        ours = ", ".join(f"{v:.2f}" for v in row["ours_all"])
        js = ", ".join(f"{v:.2f}" for v in row["convnetjs_all"])
        print(
            f"{row['network']}: ours [{ours}], ConvNetJS [{js}] µs/update; ConvNetJS's final "
            f"train half-SSE {row['convnetjs_train_half_sse']:.4f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=REPEATS)
    args = parser.parse_args()
    report(measure(args.repeats), args.repeats)


if __name__ == "__main__":
    main()
