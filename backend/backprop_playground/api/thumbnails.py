"""Small pictures of the generated data sets, for the page's data-set chooser.

`GET /api/v1/dataset-thumbnails` answers, for every generated kind with two input columns (and
the logic gates), a few points of that kind as the engine makes them (default noise and seed),
rounded to two decimals: `[x1, x2, t]` with `t` the class (classification) or the target
(regression). The page draws them as thumbnails. The answer depends on the engine alone, so it
is computed once per process and served with an ETag naming the engine's version.
"""

from __future__ import annotations

import json
from functools import lru_cache

import numpy as np
from fastapi import APIRouter, Request
from fastapi.responses import Response

from ..engine import ENGINE_VERSION
from ..engine.datasets import CLASSIFICATION_2D, EXTENT, GATES, REGRESSION_2D, generate

router = APIRouter(prefix="/api/v1", tags=["data"])

# Points per generated kind: enough to see the shape in a 48 px square, few enough to stay small.
THUMBNAIL_POINTS = 120
THUMBNAIL_SEED = 1
# In the order the page shows them: TensorFlow Playground's four first, then the others.
KINDS = (*CLASSIFICATION_2D, "spiral3", *REGRESSION_2D, *GATES)
CACHE_CONTROL = "public, max-age=86400"
ETAG = f'"thumbs-e{ENGINE_VERSION}"'


def thumbnail(kind: str) -> dict:
    """One kind's picture: {kind, task, group, extent, points: [[x1, x2, t]]}; group is
    "generated" (a shape on the plane) or "gate" (the four corners of a logic gate)."""
    pts, y, is_class = generate(kind, THUMBNAIL_POINTS, 0.0, THUMBNAIL_SEED)
    t = y if is_class else y[:, 0]
    rows = np.column_stack([np.round(pts, 2), np.round(t, 2)])
    points = [[float(a), float(b), int(c) if is_class else float(c)] for a, b, c in rows]
    extent = [-0.5, 1.5, -0.5, 1.5] if kind in GATES else [-EXTENT, EXTENT, -EXTENT, EXTENT]
    return {
        "kind": kind,
        "task": "classification" if is_class else "regression",
        "group": "gate" if kind in GATES else "generated",
        "extent": extent,
        "points": points,
    }


@lru_cache(maxsize=1)
def thumbnails_body() -> bytes:
    body = {"engine_version": ENGINE_VERSION, "kinds": [thumbnail(k) for k in KINDS]}
    return json.dumps(body, separators=(",", ":")).encode()


@router.get(
    "/dataset-thumbnails",
    summary="A few points of every generated 2-D data set, for thumbnails",
    responses={
        200: {"description": "{engine_version, kinds: [{kind, task, extent, points}]}"},
        304: {"description": "not modified (If-None-Match matched the ETag)"},
    },
)
def dataset_thumbnails(request: Request) -> Response:
    headers = {"Cache-Control": CACHE_CONTROL, "ETag": ETAG}
    if request.headers.get("if-none-match") == ETAG:
        return Response(status_code=304, headers=headers)
    return Response(thumbnails_body(), media_type="application/json", headers=headers)
