"""Fast JSON responses: orjson writes floats exactly (round-trip) and non-finite numbers as null."""

from __future__ import annotations

from typing import Any

import numpy as np
import orjson
from fastapi.responses import Response

OPTIONS = orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS


def _default(obj: Any) -> Any:
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, np.generic):
        return obj.item()
    if hasattr(obj, "model_dump"):
        return obj.model_dump(mode="json", by_alias=True)
    raise TypeError(f"cannot serialize {type(obj).__name__}")


def dumps(content: Any) -> bytes:
    return orjson.dumps(content, option=OPTIONS, default=_default)


class JSONResponse(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return dumps(content)


def error_response(status: int, items: list[dict[str, Any]] | str, headers=None) -> JSONResponse:
    return JSONResponse({"detail": items}, status_code=status, headers=headers)
