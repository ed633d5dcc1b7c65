"""A thinned /train history shows, at the updates it keeps, exactly the full history's entries
(the engine computes per-layer statistics only for those), also when the run diverges early."""

from __future__ import annotations

import numpy as np
import pytest

from backprop_playground.service import _thin
from tests.golden.scenarios import SCENARIOS


def _train(client, scenario, steps, max_history):
    body = {"scenario": scenario, "step": 0, "steps": steps, "max_history": max_history}
    r = client.post("/api/v1/train", json=body)
    assert r.status_code == 200, r.text
    return r.json()


@pytest.mark.parametrize(
    ("name", "steps"),
    [("xor-relu-momentum", 700), ("multi-gauss-half-sse", 900), ("diverging-relu", 400)],
)
def test_thinned_history_equals_the_full_history_thinned(client, name, steps):
    scenario = SCENARIOS[name]
    full = _train(client, scenario, steps, 2000)["history"]
    thinned = _train(client, scenario, steps, 50)["history"]
    assert len(full) > 50
    expected = [full[i] for i in _thin(len(full), 50)]
    assert thinned == expected
    # the statistics are real numbers, not placeholders of updates not computed
    assert all(np.isfinite(h["grad_norm"]).all() for h in thinned if h["loss"] is not None)
