"""The link store's contract, on every backend: round trips, ids, collisions, reopening."""

from __future__ import annotations

import itertools
import sqlite3

import psycopg
import pytest

from backprop_playground.storage import (
    ID_RE,
    LINK_FORMAT_VERSION,
    LinkRecord,
    PostgresLinkStore,
    SQLiteLinkStore,
    StoreError,
    open_store,
)
from backprop_playground.storage.sqlite import sqlite_path


def make_store(url: str, id_factory=None):
    if id_factory is None:
        return open_store(url)
    if url.startswith("sqlite"):
        return SQLiteLinkStore(sqlite_path(url), id_factory)
    return PostgresLinkStore(url, id_factory)


def tricky_record() -> LinkRecord:
    """Floats that only survive exact serialization, and text that must stay text."""
    scenario = {
        "format_version": 1,
        "dataset": {"kind": "points", "points": {"inputs": [[0.1, 1 / 3], [5e-324, -0.0]]}},
        "optimizer": {"lr": 0.1 + 0.2, "eps": 1e-8},
        "init": {"params": [{"W": [[1.7976931348623157e308, 2.2250738585072014e-308]]}]},
        "events": [{"step": 3, "kind": "set_weight", "layer": 1, "to": 0, "from": 1, "value": 0.5}],
    }
    view = {"phase": "backward", "sample": 3, "lecture": True, "note": "a\x00b\u2028c"}
    title = "<script>alert('x')</script> & \"quotes\" — ünïcødé 🙂 \x00"
    return LinkRecord(scenario=scenario, step=123_456, view=view, title=title)


def test_round_trip_is_exact(store_url):
    store = open_store(store_url)
    rec = tricky_record()
    link_id = store.create(rec)
    got = store.get(link_id)
    store.close()
    assert got == rec
    assert repr(got.scenario) == repr(rec.scenario)  # -0.0 and every float bit for bit
    assert got.format_version == LINK_FORMAT_VERSION


def test_unknown_id_is_none(store_url):
    store = open_store(store_url)
    assert store.get("AAAAAAAAAAAA") is None
    assert store.get("") is None
    store.close()


def test_ids_are_random_url_safe_and_distinct(store_url):
    store = open_store(store_url)
    ids = [store.create(LinkRecord(scenario={"i": i}, step=i)) for i in range(200)]
    assert all(ID_RE.fullmatch(i) for i in ids)
    assert len(set(ids)) == len(ids)
    # not a counter: no two consecutive ids share a long prefix
    assert max(len(_common_prefix(a, b)) for a, b in itertools.pairwise(ids)) < 6
    for i, link_id in enumerate(ids):
        assert store.get(link_id).step == i
    store.close()


def _common_prefix(a: str, b: str) -> str:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return a[:n]


def test_collision_draws_a_new_id_and_keeps_the_first_link(store_url):
    drawn = iter(["AAAAAAAAAAAA", "AAAAAAAAAAAA", "BBBBBBBBBBBB"])
    store = make_store(store_url, lambda: next(drawn))
    first = store.create(LinkRecord(scenario={"n": 1}, step=1))
    second = store.create(LinkRecord(scenario={"n": 2}, step=2))
    assert (first, second) == ("AAAAAAAAAAAA", "BBBBBBBBBBBB")
    assert store.get(first).scenario == {"n": 1}  # immutable: never overwritten
    assert store.get(second).scenario == {"n": 2}
    store.close()


def test_no_free_id_is_a_store_error(store_url):
    store = make_store(store_url, lambda: "CCCCCCCCCCCC")
    store.create(LinkRecord(scenario={}, step=0))
    with pytest.raises(StoreError):
        store.create(LinkRecord(scenario={}, step=1))
    assert store.get("CCCCCCCCCCCC").step == 0
    store.close()


def test_reopened_database_keeps_links(store_url):
    store = open_store(store_url)
    ids = {store.create(LinkRecord(scenario={"i": i}, step=i, title=f"t{i}")): i for i in range(20)}
    store.close()
    again = open_store(store_url)
    for link_id, i in ids.items():
        got = again.get(link_id)
        assert (got.scenario, got.step, got.title) == ({"i": i}, i, f"t{i}")
    again.close()


def test_a_closed_store_opens_again_on_use(store_url):
    """An app's lifespan may run more than once (test clients): closing is not the end."""
    store = open_store(store_url)
    link_id = store.create(LinkRecord(scenario={"a": 1}, step=1))
    store.close()
    store.close()
    assert store.get(link_id).scenario == {"a": 1}
    store.close()


def test_unwritable_sqlite_path_is_a_store_error(tmp_path):
    (tmp_path / "file").write_text("not a directory")
    with pytest.raises(StoreError):
        open_store(f"sqlite:///{tmp_path / 'file' / 'links.sqlite3'}")


def test_two_stores_on_one_database_see_each_others_links(store_url):
    a, b = open_store(store_url), open_store(store_url)
    from_a = a.create(LinkRecord(scenario={"from": "a"}, step=1))
    from_b = b.create(LinkRecord(scenario={"from": "b"}, step=2))
    assert b.get(from_a).scenario == {"from": "a"}
    assert a.get(from_b).scenario == {"from": "b"}
    a.close()
    b.close()


# ---------------------------------------------------------------- backend specifics


def test_sqlite_file_and_directory_made_on_first_run_in_wal_mode(tmp_path):
    path = tmp_path / "new" / "dir" / "links.sqlite3"
    store = open_store(f"sqlite:///{path}")
    store.create(LinkRecord(scenario={}, step=0))
    assert path.is_file()
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    db.close()
    db = store._connection()
    assert db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert db.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000
    store.close()


def test_sqlite_urls(tmp_path, monkeypatch):
    assert sqlite_path("sqlite:////abs/links.sqlite3") == "/abs/links.sqlite3"
    assert sqlite_path("sqlite:///rel/links.sqlite3") == "rel/links.sqlite3"
    monkeypatch.chdir(tmp_path)
    open_store("sqlite:///rel/links.sqlite3").close()
    assert (tmp_path / "rel" / "links.sqlite3").is_file()
    for bad in ("sqlite://", "sqlite:///", "mysql://x/y", "links.sqlite3"):
        with pytest.raises(ValueError):
            open_store(bad)


def test_postgres_store_reconnects_after_its_connection_is_killed(pg_server):
    url = pg_server.new_database()
    store = open_store(url)
    link_id = store.create(LinkRecord(scenario={"a": 1}, step=1))
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    assert store.get(link_id).scenario == {"a": 1}
    store.close()


def test_postgres_store_unreachable_is_a_store_error(pg_server):
    dead = f"postgresql://postgres@127.0.0.1:{pg_server.port}/no_such_database"
    store = open_store(dead)  # opens lazily: the app may start before its database
    with pytest.raises(StoreError):
        store.get("AAAAAAAAAAAA")
    with pytest.raises(StoreError):
        store.create(LinkRecord(scenario={}, step=0))
    store.close()
