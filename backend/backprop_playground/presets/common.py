"""What the lesson modules share: a scenario's variant with a setting changed."""

from __future__ import annotations

import copy
from typing import Any


def variant(scenario: dict[str, Any], title: str, **changes: Any) -> dict[str, Any]:
    """A copy of `scenario` with a new title and `changes` merged in (dicts merge one level)."""
    out = copy.deepcopy(scenario)
    out["title"] = title
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = {**out[key], **value}
        else:
            out[key] = value
    return out
