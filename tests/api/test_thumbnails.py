"""GET /api/v1/dataset-thumbnails: the engine's own points of every generated 2-D kind, small,
compressed and cacheable."""

from __future__ import annotations

import gzip

import numpy as np
import pytest
from fastapi.testclient import TestClient

from backprop_playground.api.thumbnails import ETAG, THUMBNAIL_POINTS
from backprop_playground.app import create_app
from backprop_playground.engine import ENGINE_VERSION
from backprop_playground.engine.datasets import CLASSIFICATION_2D, GATES, REGRESSION_2D, generate


@pytest.fixture(scope="module")
def client():
    with TestClient(create_app()) as c:
        yield c


def test_every_generated_kind_with_its_points(client):
    r = client.get("/api/v1/dataset-thumbnails")
    assert r.status_code == 200
    body = r.json()
    assert body["engine_version"] == ENGINE_VERSION
    kinds = {k["kind"]: k for k in body["kinds"]}
    assert set(kinds) == {*CLASSIFICATION_2D, "spiral3", *REGRESSION_2D, *GATES}
    for name in (*CLASSIFICATION_2D, *REGRESSION_2D):
        k = kinds[name]
        assert len(k["points"]) == THUMBNAIL_POINTS
        assert k["task"] == ("regression" if name in REGRESSION_2D else "classification")
        assert k["extent"] == [-6.0, 6.0, -6.0, 6.0]
        assert k["group"] == "generated"
    assert len(kinds["xor_gate"]["points"]) == 4
    assert {kinds[g]["group"] for g in GATES} == {"gate"}
    assert kinds["xor_gate"]["extent"] == [-0.5, 1.5, -0.5, 1.5]


def test_points_are_the_engines_rounded(client):
    kinds = {k["kind"]: k for k in client.get("/api/v1/dataset-thumbnails").json()["kinds"]}
    pts, labels, _ = generate("spiral", THUMBNAIL_POINTS, 0.0, 1)
    got = np.array(kinds["spiral"]["points"])
    np.testing.assert_allclose(got[:, :2], np.round(pts, 2), atol=1e-9)
    assert got[:, 2].tolist() == labels.tolist()
    # Two decimals at most: the answer stays compact.
    for p in kinds["multi_gauss"]["points"]:
        assert all(round(v, 2) == v for v in p)
    assert {p[2] for p in kinds["circle"]["points"]} == {0, 1}


def test_small_and_cacheable(client):
    r = client.get("/api/v1/dataset-thumbnails", headers={"accept-encoding": "gzip"})
    assert r.headers["content-encoding"] == "gzip"
    assert r.headers["etag"] == ETAG and ENGINE_VERSION in ETAG
    assert "max-age" in r.headers["cache-control"]
    assert len(gzip.compress(r.content)) < 15_000
    again = client.get("/api/v1/dataset-thumbnails", headers={"if-none-match": ETAG})
    assert again.status_code == 304 and again.content == b""
    other = client.get("/api/v1/dataset-thumbnails", headers={"if-none-match": '"thumbs-e0"'})
    assert other.status_code == 200
