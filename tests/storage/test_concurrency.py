"""Concurrent writers: separate processes (as uvicorn workers are) and threads (as one server's
thread pool is), all writing at once into one store; every link is readable after."""

from __future__ import annotations

import multiprocessing
import queue
import threading
from dataclasses import replace

from backprop_playground.storage import open_store
from tests.storage.workers import record, write_links

PROCESSES = 4
LINKS_EACH = 50


def run_writers(url: str, processes: int, links_each: int) -> list[tuple[str, int, int]]:
    """`processes` processes, released together, each creating `links_each` links."""
    ctx = multiprocessing.get_context("spawn")
    barrier, out = ctx.Barrier(processes), ctx.Queue()
    procs = [
        ctx.Process(target=write_links, args=(url, w, links_each, barrier, out))
        for w in range(processes)
    ]
    for p in procs:
        p.start()
    results = [out.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=30)
        assert p.exitcode == 0
    starts = [start for _, start, _ in results]
    ends = [end for _, _, end in results]
    assert max(starts) < min(ends), "the writers did not overlap in time"
    return [m for made, _, _ in results for m in made]


def test_concurrent_writers_in_separate_processes(store_url):
    open_store(store_url).close()  # the schema exists before the race (as after a deploy)
    made = run_writers(store_url, PROCESSES, LINKS_EACH)
    assert len(made) == PROCESSES * LINKS_EACH
    assert len({link_id for link_id, _, _ in made}) == len(made)
    store = open_store(store_url)
    for link_id, worker, i in made:
        got = store.get(link_id)
        assert got == replace(record(worker, i), created_at=got.created_at)
    store.close()


def test_first_open_races_between_processes(store_url):
    """Processes opening a database that does not exist yet (WAL switch, schema) at once."""
    made = run_writers(store_url, 4, 5)
    store = open_store(store_url)
    assert all(store.get(link_id).title == f"w{w}-{i}" for link_id, w, i in made)
    store.close()


def test_concurrent_threads_share_one_store(store_url):
    store = open_store(store_url)
    made: queue.Queue = queue.Queue()

    def work(worker: int) -> None:
        for i in range(25):
            link_id = store.create(record(worker, i))
            assert store.get(link_id).title == f"w{worker}-{i}"
            made.put((link_id, worker, i))

    threads = [threading.Thread(target=work, args=(w,)) for w in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert made.qsize() == 200
    while not made.empty():
        link_id, worker, i = made.get()
        assert store.get(link_id).view == {"worker": worker}
    store.close()
