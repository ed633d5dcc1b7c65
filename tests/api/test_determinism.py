"""(scenario, step) is the whole truth: three routes, fresh processes and eviction agree."""

from __future__ import annotations

import json
import subprocess
import sys

from fastapi.testclient import TestClient

from backprop_playground.app import create_app
from backprop_playground.settings import Settings

SCENARIO = {
    "dataset": {"kind": "spiral", "n_samples": 120, "noise": 0.1, "seed": 7},
    "features": ["x1", "x2", "x1_x2", "sin_x1"],
    "hidden_layers": [5, 3],
    "activation": "tanh",
    "optimizer": {"kind": "adam", "lr": 0.01},
    "schedule": {"kind": "cosine", "total_steps": 30, "min_lr": 0.001},
    "regularization": {"kind": "l2", "rate": 0.001},
    "clip": {"kind": "norm", "threshold": 0.5},
    "batch_size": 16,
}
K = 23  # crosses the end of an epoch (60 train rows / 16 = 4 batches, the last of 12)


def _params_via_steps(client, k):
    body = None
    for step in range(k):
        r = client.post("/api/v1/step", json={"scenario": SCENARIO, "step": step})
        assert r.status_code == 200
        body = r.json()
        assert body["step"] == step + 1
    return body["params"], body["metrics"]


def test_step_snapshot_and_train_agree_bit_for_bit(client):
    via_steps, metrics_steps = _params_via_steps(client, K)
    r = client.post("/api/v1/snapshot", json={"scenario": SCENARIO, "step": K})
    assert r.status_code == 200
    assert r.json()["params"] == via_steps
    assert r.json()["metrics"] == metrics_steps
    r = client.post("/api/v1/train", json={"scenario": SCENARIO, "step": 0, "steps": K})
    assert r.status_code == 200
    assert r.json()["params"] == via_steps
    # in two halves, from a cached checkpoint
    r = client.post("/api/v1/train", json={"scenario": SCENARIO, "step": 10, "steps": K - 10})
    assert r.status_code == 200
    assert r.json()["params"] == via_steps


def test_trace_is_the_update_that_snapshot_sees(client):
    r = client.post("/api/v1/step", json={"scenario": SCENARIO, "step": 5})
    assert r.status_code == 200
    trace = r.json()["trace"]
    snap = client.post("/api/v1/snapshot", json={"scenario": SCENARIO, "step": 6}).json()
    for layer, entry in enumerate(trace["layers"]):
        assert entry["W_after"] == snap["params"][layer]["W"]
        assert entry["b_after"] == snap["params"][layer]["b"]


def test_fresh_process_gives_the_same_numbers(client, tmp_path):
    code = (
        "import json,sys\n"
        "from fastapi.testclient import TestClient\n"
        "from backprop_playground.app import create_app\n"
        "from backprop_playground.settings import Settings\n"
        "with TestClient(create_app(Settings(database_url='sqlite:///' + sys.argv[2]))) as c:\n"
        "    r = c.post('/api/v1/snapshot', json=json.loads(sys.argv[1]))\n"
        "    print(json.dumps(r.json()['params']))\n"
    )
    arg = json.dumps({"scenario": SCENARIO, "step": K})
    db = str(tmp_path / "links.sqlite3")
    out = subprocess.run(
        [sys.executable, "-c", code, arg, db], capture_output=True, text=True, check=True
    )
    other = json.loads(out.stdout.strip().splitlines()[-1])
    mine = client.post("/api/v1/snapshot", json={"scenario": SCENARIO, "step": K}).json()["params"]
    assert other == mine


def test_eviction_changes_nothing(client, tmp_path):
    tiny = Settings(cache_mb=0.001, database_url=f"sqlite:///{tmp_path / 'links.sqlite3'}")
    with TestClient(create_app(tiny)) as small:
        for step in (K, 3, K):
            a = small.post("/api/v1/snapshot", json={"scenario": SCENARIO, "step": step})
            b = client.post("/api/v1/snapshot", json={"scenario": SCENARIO, "step": step})
            assert a.status_code == b.status_code == 200
            assert a.json() == b.json()


def test_minibatches_cover_each_epoch_once(client):
    seen = []
    for step in range(4):
        r = client.post("/api/v1/step", json={"scenario": SCENARIO, "step": step})
        assert r.status_code == 200
        seen.append(r.json()["trace"]["batch"]["indices"])
    assert [len(b) for b in seen] == [16, 16, 16, 12]
    flat = [i for b in seen for i in b]
    assert len(set(flat)) == 60
    nxt = client.post("/api/v1/step", json={"scenario": SCENARIO, "step": 4}).json()
    assert set(nxt["trace"]["batch"]["indices"]) <= set(flat)
    assert nxt["trace"]["batch"]["indices"] != seen[0]
    assert nxt["epoch"] == 5 / 4
