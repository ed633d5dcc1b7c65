"""Comparing nested lists of floats with one combined tolerance, naming the first mismatch."""

from __future__ import annotations

from typing import Any

REL_TOL = 1e-10
ABS_TOL = 1e-12


def close(a: float, b: float, rel: float = REL_TOL, abs_: float = ABS_TOL) -> bool:
    """|a − b| ≤ rel·max(|a|, |b|) + abs_."""
    return abs(a - b) <= rel * max(abs(a), abs(b)) + abs_


def mismatches(actual: Any, expected: Any, path: str = "", **tol: float) -> list[str]:
    """Every place where ``actual`` (from the API) differs from ``expected`` (the reference)."""
    if isinstance(expected, (list, tuple)):
        if not isinstance(actual, list) or len(actual) != len(expected):
            return [f"{path}: shape differs: got {actual!r}, expected {expected!r}"]
        out: list[str] = []
        for idx, (a, e) in enumerate(zip(actual, expected, strict=True)):
            out.extend(mismatches(a, e, f"{path}[{idx}]", **tol))
        return out
    if isinstance(expected, dict):
        out = []
        for key, e in expected.items():
            if not isinstance(actual, dict) or key not in actual:
                out.append(f"{path}.{key}: missing")
            else:
                out.extend(mismatches(actual[key], e, f"{path}.{key}", **tol))
        return out
    if isinstance(expected, bool) or expected is None or isinstance(expected, str):
        return [] if actual == expected else [f"{path}: got {actual!r}, expected {expected!r}"]
    if not isinstance(actual, (int, float)) or isinstance(actual, bool):
        return [f"{path}: got {actual!r}, expected the number {expected!r}"]
    if close(float(actual), float(expected), **tol):
        return []
    return [f"{path}: got {actual!r}, expected {expected!r} (diff {actual - expected:.3g})"]


def assert_matches(actual: Any, expected: Any, what: str = "", **tol: float) -> None:
    found = mismatches(actual, expected, **tol)
    if found:
        shown = "\n  ".join(found[:25])
        more = f"\n  ... and {len(found) - 25} more" if len(found) > 25 else ""
        raise AssertionError(f"{what}: {len(found)} mismatches\n  {shown}{more}")
