"""Live classes in the store, on each backend: versions and the change log, votes in batches,
follower counts, expiry; two store objects (two processes' worth) see each other's writes."""

from __future__ import annotations

import time

import pytest

from backprop_playground.storage import open_store
from backprop_playground.storage.classes import CHANGES_KEPT, Refused, Vote, hash_key, key_matches

STATE = {"title": "t", "link_id": "L" * 12, "step": 0, "view": {}, "poll": None}


def set_step(step: int):
    def mutate(state, version):
        state["step"] = step
        return "view", {"version": version, "step": step}

    return mutate


def open_poll(poll_id: str, n: int = 3):
    def mutate(state, version):
        state["poll"] = {"poll_id": poll_id, "question": "?", "choices": ["c"] * n,
                         "open": True, "answer": None, "counts": [0] * n, "voters": 0}  # fmt: skip
        return "poll", {"version": version, "poll": state["poll"]}

    return mutate


def close_poll(state, version):
    if not state["poll"]["open"]:
        raise Refused("closed")
    state["poll"].update(open=False, answer=1)
    return "poll", {"version": version, "poll": state["poll"]}


@pytest.fixture
def stores(store_url):
    a, b = open_store(store_url), open_store(store_url)
    yield a.classes, b.classes
    a.close()
    b.close()


def test_a_class_is_created_read_and_changed_with_a_log(stores):
    a, b = stores
    code = a.create(hash_key("k"), STATE)
    row = b.get(code)
    assert (row.version, row.tally, row.state) == (1, 0, STATE)
    assert key_matches("k", row.key_hash) and not key_matches("K", row.key_hash)
    for step in range(1, 4):
        change = b.change(code, set_step(step))
        assert (change.version, change.kind, change.data["step"]) == (step + 1, "view", step)
    assert a.get(code).state["step"] == 3
    assert [c.version for c in a.changes_since(code, 1)] == [2, 3, 4]
    assert [c.data["step"] for c in a.changes_since(code, 2)] == [2, 3]
    assert a.heads([code, "NOPE0000"]) == {code: (4, 0)}
    assert a.get("NOPE0000") is None and a.change("NOPE0000", set_step(1)) is None


def test_the_log_keeps_the_last_changes(stores):
    a, _ = stores
    code = a.create(hash_key("k"), STATE)
    for step in range(CHANGES_KEPT + 10):
        a.change(code, set_step(step))
    log = a.changes_since(code, 0)
    assert len(log) == CHANGES_KEPT
    assert log[-1].version == CHANGES_KEPT + 11


def test_a_refused_change_changes_nothing(stores):
    a, _ = stores
    code = a.create(hash_key("k"), STATE)
    a.change(code, open_poll("p1"))
    a.change(code, close_poll)
    with pytest.raises(Refused):
        a.change(code, close_poll)
    assert a.get(code).version == 3


def test_votes_in_a_batch_one_per_voter_and_only_on_the_open_poll(stores):
    a, b = stores
    code = a.create(hash_key("k"), STATE)
    other = a.create(hash_key("k"), STATE)
    a.change(code, open_poll("p1"))
    votes = [Vote(code, "p1", f"v{i}", i % 3) for i in range(1000)]
    votes += [Vote(code, "p1", "v0", 2), Vote(code, "old", "x", 0), Vote(other, "p1", "y", 0),
              Vote(code, "p1", "z", 3), Vote("NOPE0000", "p1", "z", 0)]  # fmt: skip
    outcomes = b.add_votes(votes)
    assert outcomes == ["counted"] * 1001 + ["no_poll", "no_poll", "bad_choice", "no_class"]
    counts, voters = a.tally(code, "p1", 3)
    assert voters == 1000  # v0 voted twice and counts once, for their last choice
    assert counts == [333, 333, 334]  # 334 chose 0, then v0 moved from 0 to 2
    assert a.heads([code])[code][1] == 1001  # the tally counter moved
    closed = a.change(code, close_poll)
    assert closed.data["poll"]["counts"] == [333, 333, 334]  # counted in the closing transaction
    assert closed.data["poll"]["voters"] == 1000
    assert b.add_votes([Vote(code, "p1", "late", 0)]) == ["closed"]


def test_follower_counts_add_up_over_processes_and_go_stale(stores, monkeypatch):
    a, b = stores
    code = a.create(hash_key("k"), STATE)
    a.set_followers("process-a", {code: 3})
    b.set_followers("process-b", {code: 4})
    assert a.followers(code) == 7
    assert a.followers(code, except_process="process-a") == 4
    b.set_followers("process-b", {code: 0})
    assert a.followers(code) == 3
    later = time.time() + 60  # process-a stopped refreshing its count
    monkeypatch.setattr(time, "time", lambda: later)
    assert a.followers(code) == 0


def test_classes_expire_without_a_change(store_url, monkeypatch):
    store = open_store(store_url, class_ttl_s=100)
    tables = store.classes
    code = tables.create(hash_key("k"), STATE)
    kept = tables.create(hash_key("k"), STATE)
    t0 = time.time()
    monkeypatch.setattr(time, "time", lambda: t0 + 60)
    tables.change(kept, set_step(1))
    monkeypatch.setattr(time, "time", lambda: t0 + 130)
    assert tables.get(code) is None and tables.change(code, set_step(2)) is None
    assert tables.get(kept) is not None
    assert tables.expire() == 1
    assert tables.heads([code, kept]) == {kept: (2, 0)}
    store.close()


def test_ending_a_class_removes_it(stores):
    a, b = stores
    code = a.create(hash_key("k"), STATE)
    a.change(code, open_poll("p1"))
    a.add_votes([Vote(code, "p1", "v", 0)])
    assert b.delete(code) is True
    assert a.get(code) is None and a.changes_since(code, 0) == []
    assert a.tally(code, "p1", 3) == ([0, 0, 0], 0)
    assert b.delete(code) is False
