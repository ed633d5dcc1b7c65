"""The golden figures hold bit for bit (see scenarios.py for what they cover and how to renew)."""

from __future__ import annotations

import json

import pytest

from backprop_playground.engine import ENGINE_VERSION

from .scenarios import GOLDEN, SCENARIOS, figures_of

GOLDEN_ENGINE_VERSION = "2"
EXPECTED = json.loads(GOLDEN.read_text())


def test_every_scenario_has_figures() -> None:
    assert sorted(EXPECTED) == sorted(SCENARIOS)


def test_golden_figures_belong_to_this_engine_version() -> None:
    # numbers changed on purpose come with a new ENGINE_VERSION and new figures
    assert ENGINE_VERSION == GOLDEN_ENGINE_VERSION


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_golden_figures(client, name: str) -> None:
    got = figures_of(client, SCENARIOS[name])
    changed = {k: (EXPECTED[name].get(k), v) for k, v in got.items() if EXPECTED[name].get(k) != v}
    assert not changed, f"{name}: figures changed (expected, got): {changed}"
