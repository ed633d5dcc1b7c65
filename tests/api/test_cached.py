"""GET answers about a link are immutable: Cache-Control, ETag with versions, 304, redirects."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def link(client, presets):
    sc = presets["tf-circle"]["scenario"]
    r = client.post("/api/v1/links", json={"scenario": sc, "step": 3})
    assert r.status_code == 201
    version = client.get("/api/v1/health").json()["engine_version"]
    return r.json()["id"], sc, version


@pytest.mark.parametrize(
    ("kind", "query", "post_path", "extra"),
    [
        ("snapshot", "step=7", "/api/v1/snapshot", {"step": 7}),
        ("step", "step=7&trace_samples=4", "/api/v1/step", {"step": 7, "trace_samples": 4}),
        ("heatmaps", "step=7&resolution=8", "/api/v1/heatmaps", {"step": 7, "resolution": 8}),
    ],
)
def test_get_equals_post_and_is_immutable(client, link, kind, query, post_path, extra):
    link_id, sc, version = link
    r = client.get(f"/api/v1/links/{link_id}/{kind}?{query}&v={version}")
    assert r.status_code == 200
    assert r.headers["cache-control"] == "public, max-age=31536000, immutable"
    etag = r.headers["etag"]
    assert f"e{version}-f1-{link_id}-{kind}" in etag
    posted = client.post(post_path, json={"scenario": sc, **extra})
    assert posted.status_code == 200
    assert r.json() == posted.json()
    again = client.get(f"/api/v1/links/{link_id}/{kind}?{query}&v={version}",
                       headers={"if-none-match": etag})  # fmt: skip
    assert again.status_code == 304


def test_other_engine_versions_are_redirected(client, link):
    link_id, _, version = link
    r = client.get(f"/api/v1/links/{link_id}/snapshot?step=2&v=old", follow_redirects=False)
    assert r.status_code == 307
    assert r.headers["location"].endswith(f"step=2&v={version}")
    assert r.headers["cache-control"] == "no-store"


def test_unknown_link(client, link):
    _, _, version = link
    r = client.get(f"/api/v1/links/AAAAAAAAAAAA/snapshot?step=2&v={version}")
    assert r.status_code == 404


def test_large_answers_are_gzipped(client, link):
    link_id, _, version = link
    r = client.get(f"/api/v1/links/{link_id}/step?step=1&v={version}",
                   headers={"accept-encoding": "gzip"})  # fmt: skip
    assert r.status_code == 200
    assert r.headers["content-encoding"] == "gzip"
    assert r.json()["step"] == 2


def test_static_assets_are_versioned(client):
    r = client.get("/")
    assert r.status_code == 200
    assert r.headers["cache-control"] == "no-cache"
    build = client.app.state.build_id
    assert f'src="/assets/{build}/js/main.js"' in r.text
    js = client.get(f"/assets/{build}/js/main.js")
    assert js.status_code == 200
    assert "immutable" in js.headers["cache-control"]
    plain = client.get("/js/main.js")
    assert plain.status_code == 200 and plain.headers["cache-control"] == "no-cache"


def test_cached_fast_path_answers_like_the_route(client, link):
    link_id, _, version = link
    url = f"/api/v1/links/{link_id}/step?step=11&trace_samples=5&v={version}"
    first = client.get(url)  # computed by the route, then cached
    assert first.status_code == 200
    again = client.get(f"/api/v1/links/{link_id}/step?trace_samples=5&v={version}&step=11")
    assert again.status_code == 200
    assert again.content == first.content
    assert again.headers["etag"] == first.headers["etag"]
    assert again.headers["cache-control"] == first.headers["cache-control"]
    assert "content-security-policy" in again.headers
    bad = client.get(f"/api/v1/links/{link_id}/step?step=11&trace_samples=999&v={version}")
    assert bad.status_code == 422


def test_simultaneous_misses_are_computed_once(tmp_path, presets):
    """500 students asking at the same instant for a step nobody asked for yet: one
    computation, 500 equal answers (and a second answer asked for meanwhile: one more)."""
    import asyncio
    import threading

    import httpx

    from backprop_playground.app import create_app
    from backprop_playground.settings import Settings

    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'l.sqlite3'}"))
    trainer = app.state.trainer
    calls: list[int] = []
    lock = threading.Lock()
    real_step = trainer.step

    def counting_step(sc, step, trace_samples):
        with lock:
            calls.append(step)
        return real_step(sc, step, trace_samples)

    trainer.step = counting_step

    async def run() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            sc = presets["tf-circle"]["scenario"]
            link_id = (await c.post("/api/v1/links", json={"scenario": sc, "step": 0})).json()["id"]
            version = (await c.get("/api/v1/health")).json()["engine_version"]
            urls = [f"/api/v1/links/{link_id}/step?step={s}&v={version}" for s in [40] * 500 + [41]]
            return await asyncio.gather(*(c.get(u) for u in urls))

    answers = asyncio.run(run())
    assert {r.status_code for r in answers} == {200}
    assert len({r.content for r in answers[:500]}) == 1
    assert sorted(calls) == [40, 41]


def test_identical_post_bodies_share_one_answer(tmp_path, presets):
    """A group of 50 pressing Step on the same scenario at the same instant: one computation;
    the answer is the one a lone request gets, plain or gzip; other bodies are their own."""
    import asyncio
    import threading

    import httpx

    from backprop_playground.app import create_app
    from backprop_playground.settings import Settings

    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'l.sqlite3'}"))
    alone = create_app(
        Settings(database_url=f"sqlite:///{tmp_path / 'm.sqlite3'}", shared_answer_seconds=0)
    )
    calls: list[int] = []
    lock = threading.Lock()
    real_step = app.state.trainer.step

    def counting_step(sc, step, trace_samples):
        with lock:
            calls.append(step)
        return real_step(sc, step, trace_samples)

    app.state.trainer.step = counting_step
    sc = presets["tf-spiral"]["scenario"]

    async def run():
        gz, plain = {"accept-encoding": "gzip"}, {"accept-encoding": "identity"}
        async with (
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c,
            httpx.AsyncClient(transport=httpx.ASGITransport(app=alone), base_url="http://t") as a,
        ):
            bodies = [{"scenario": sc, "step": 30}] * 50 + [{"scenario": sc, "step": 31}]
            group = await asyncio.gather(
                *(c.post("/api/v1/step", json=b, headers=gz if i % 2 else plain)
                  for i, b in enumerate(bodies))
            )  # fmt: skip
            later = await c.post("/api/v1/step", json=bodies[0])
            reference = await a.post("/api/v1/step", json=bodies[0])
            return group, later, reference

    group, later, reference = asyncio.run(run())
    assert {r.status_code for r in group} == {200}
    assert sorted(calls) == [30, 31]  # `later` came within the answer's lifetime
    assert {r.content for r in group[:50]} == {reference.content} == {later.content}
    assert group[1].headers["content-encoding"] == "gzip"
    assert "content-encoding" not in group[0].headers
    assert group[50].json()["step"] == 32


def test_shared_answers_expire_and_stay_within_their_bound():
    from backprop_playground.api.cached import SharedAnswers

    now = [0.0]
    shared = SharedAnswers(max_bytes=100, ttl_s=2.0, clock=lambda: now[0])
    shared.put(("a",), b"x" * 40, None)
    assert shared.get(("a",)) == (b"x" * 40, None)
    now[0] = 2.5
    assert shared.get(("a",)) is None and shared.nbytes == 0
    for i in range(5):
        shared.put((i,), b"y" * 30, None)
    assert shared.nbytes <= 100
    assert shared.get((4,)) is not None and shared.get((0,)) is None
