"""The work estimate refuses what would take too long, and no longer refuses what does not:
50 updates of an 8 x 32 network at batch 2,500 take about a second here (they were refused as
7 s of work before the estimate was fitted to the kernels' measured costs)."""

from __future__ import annotations

import pytest

from backprop_playground.schemas import Scenario
from backprop_playground.service import Trainer, WorkTooLargeError

BIG = {
    "dataset": {"kind": "circle", "n_samples": 5000, "train_fraction": 0.5},
    "hidden_layers": [32] * 8,
    "batch_size": 2500,
}


def test_fifty_updates_of_the_largest_network_at_batch_2500_are_accepted():
    trainer = Trainer(64 * 10**6, budget_seconds=6.0)
    trainer.check_work(Scenario.model_validate(BIG), 50, evals=2)


def test_what_would_take_minutes_is_still_refused():
    trainer = Trainer(64 * 10**6, budget_seconds=6.0)
    with pytest.raises(WorkTooLargeError, match="over the limit of 6 s"):
        trainer.check_work(Scenario.model_validate(BIG), 2000)


def test_the_route_answers_fifty_big_updates(client):
    r = client.post("/api/v1/train", json={"scenario": BIG, "step": 0, "steps": 50})
    assert r.status_code == 200, r.text
    assert r.json()["step"] == 50
