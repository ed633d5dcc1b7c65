"""Code that runs in child processes (importable by name, as the spawn start method needs)."""

from __future__ import annotations

import time

from backprop_playground.storage import LinkRecord, open_store


def record(worker: int, i: int) -> LinkRecord:
    scenario = {"dataset": {"kind": "xor", "seed": worker}, "optimizer": {"lr": 0.1 / (i + 3)}}
    return LinkRecord(scenario=scenario, step=i, view={"worker": worker}, title=f"w{worker}-{i}")


def write_links(url: str, worker: int, n: int, barrier, out) -> None:
    """Open a store of this process's own, wait at `barrier` for the other writers, then
    create `n` links; put ([(id, worker, i), ...], start time, end time) on `out`."""
    store = open_store(url)
    barrier.wait(60)
    start = time.time()
    made = [(store.create(record(worker, i)), worker, i) for i in range(n)]
    end = time.time()
    store.close()
    out.put((made, start, end))
