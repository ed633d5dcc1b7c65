"""Batch normalization and dropout against PyTorch 2.13.0 (float64), a second reference.

torch builds the network from its own layers, Linear → BatchNorm1d → activation → dropout per
hidden layer (the dropout as a multiplication by the contract's masks m/(1 − p), computed by the
plain-Python reference's hash, since torch's own Dropout draws its masks from its generator),
then Linear and the head's torch loss, and trains it with torch.optim on the batches the
engine's traces name. After every update the engine's /step trace (z, y, a, dL_da, delta,
delta_y, batch statistics, gamma/beta gradients as the optimizer used them, running statistics)
and parameters must equal torch's to a relative 1e-9 (absolute 1e-11), except for the fields
that the bias right before a normalization shifts under Adam (see test_batchnorm_reference).
"""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import pytest
import torch
from fastapi.testclient import TestClient

from tests.engine.test_reference_match import post
from tests.reference.simple_net import dropout_kept

RTOL, ATOL = 1e-9, 1e-11
ACT = {"tanh": torch.tanh, "sigmoid": torch.sigmoid, "relu": torch.relu}


def scenario_for(seed: int, act: str, head: str, optimizer: dict, clip: dict, rate: float):
    rng = random.Random(seed)
    n_rows, widths = 10, [3, 4, 3]
    K = 3 if head == "softmax" else 1
    inputs = [[rng.uniform(-2, 2) for _ in range(3)] for _ in range(n_rows)]
    labels = [k % (3 if head == "softmax" else 2) for k in range(n_rows)]
    rng.shuffle(labels)
    sizes = [*widths, K]
    params = [
        {
            "W": [[rng.uniform(-1, 1) for _ in range(sizes[i])] for _ in range(sizes[i + 1])],
            "b": [rng.uniform(-0.5, 0.5) for _ in range(sizes[i + 1])],
        }
        for i in range(len(sizes) - 1)
    ]
    return {
        "dataset": {
            "kind": "points",
            "train_fraction": 1.0,
            "points": {"inputs": inputs, "labels": labels},
        },
        "hidden_layers": widths[1:],
        "activation": act,
        "output_activation": head,
        "loss": "bce" if head == "sigmoid" else "cross_entropy",
        "init": {"params": params},
        "optimizer": optimizer,
        "regularization": {"kind": "l2", "rate": 0.01},
        "clip": clip,
        "batch_size": 4,  # batches of 4, 4, 2
        "normalization": {"kind": "batch", "momentum": 0.2, "eps": 1e-5},
        "dropout": {"rate": rate, "seed": 3},
    }


class TorchNet:
    """The scenario as torch layers, trained by torch.optim."""

    def __init__(self, sc: dict[str, Any]):
        params = sc["init"]["params"]
        f64 = torch.float64
        self.linears = []
        for p in params:
            W = torch.tensor(p["W"], dtype=f64)
            lin = torch.nn.Linear(W.shape[1], W.shape[0], dtype=f64)
            with torch.no_grad():
                lin.weight.copy_(W)
                lin.bias.copy_(torch.tensor(p["b"], dtype=f64))
            self.linears.append(lin)
        norm = sc["normalization"]
        self.bns = [
            torch.nn.BatchNorm1d(len(p["b"]), eps=norm["eps"], momentum=norm["momentum"], dtype=f64)
            for p in params[:-1]
        ]
        self.act = ACT[sc["activation"]]
        self.head = sc["output_activation"]
        self.sc = sc
        weights = [lin.weight for lin in self.linears]
        others = [lin.bias for lin in self.linears]
        for bn in self.bns:
            others += [bn.weight, bn.bias]
        self.weights = weights
        self.all = weights + others
        opt = sc["optimizer"]
        if opt["kind"] == "sgd":
            self.opt = torch.optim.SGD(
                self.all, lr=opt["lr"], momentum=opt.get("momentum", 0.0),
                nesterov=opt.get("nesterov", False),
            )  # fmt: skip
        else:
            self.opt = torch.optim.Adam(
                self.all, lr=opt["lr"], betas=(opt["beta1"], opt["beta2"]), eps=opt["eps"]
            )

    def step(self, k: int, rows: list[int], X: torch.Tensor, labels: list[int]) -> dict:
        B = len(rows)
        rate, seed = self.sc["dropout"]["rate"], self.sc["dropout"]["seed"]
        seen: dict[str, list[torch.Tensor]] = {"z": [], "y": [], "a": [], "mask": []}
        h = X
        for layer, lin in enumerate(self.linears, start=1):
            z = lin(h)
            z.retain_grad()
            seen["z"].append(z)
            if layer == len(self.linears):
                break
            y = self.bns[layer - 1](z)
            y.retain_grad()
            a = self.act(y)
            mask = torch.ones_like(a)
            if rate > 0:
                keep = [
                    [dropout_kept(seed, k, r, layer, j, rate) for j in range(a.shape[1])]
                    for r in rows
                ]
                mask = torch.tensor(keep, dtype=torch.float64) / (1.0 - rate)
                a = a * mask
            a.retain_grad()
            seen["y"].append(y)
            seen["a"].append(a)
            seen["mask"].append(mask)
            h = a
        z_out = seen["z"][-1]
        if self.head == "sigmoid":
            target = torch.tensor(labels, dtype=torch.float64).reshape(-1, 1)
            data = torch.nn.functional.binary_cross_entropy_with_logits(z_out, target)
        else:
            data = torch.nn.functional.cross_entropy(z_out, torch.tensor(labels))
        reg = 0.5 * sum((w * w).sum() for w in self.weights) * self.sc["regularization"]["rate"]
        total = data + reg
        self.opt.zero_grad()
        total.backward()
        clip = self.sc["clip"]
        if clip["kind"] == "norm":
            torch.nn.utils.clip_grad_norm_(self.all, clip["threshold"])
        elif clip["kind"] == "value":
            torch.nn.utils.clip_grad_value_(self.all, clip["threshold"])
        grads = {
            "grad_gamma": [bn.weight.grad.clone() for bn in self.bns],
            "grad_beta": [bn.bias.grad.clone() for bn in self.bns],
            "grad_W": [lin.weight.grad.clone() for lin in self.linears],
        }
        self.opt.step()
        return {"total": float(total.detach()), "seen": seen, "B": B, **grads}


def close(what: str, got: Any, want: torch.Tensor | np.ndarray, atol: float = ATOL) -> None:
    got = np.asarray(got, dtype=np.float64)
    want = want.detach().numpy() if isinstance(want, torch.Tensor) else np.asarray(want)
    assert got.shape == want.shape, (what, got.shape, want.shape)
    ok = np.isclose(got, want, rtol=RTOL, atol=atol)
    assert ok.all(), f"{what}: engine {got[~ok][:5]} torch {want[~ok][:5]}"


NO_CLIP = {"kind": "none", "threshold": 1.0}
SGD = {"kind": "sgd", "lr": 0.3}
MOMENTUM = {"kind": "sgd", "lr": 0.2, "momentum": 0.9}
NESTEROV = {"kind": "sgd", "lr": 0.1, "momentum": 0.8, "nesterov": True}
ADAM_A = {"kind": "adam", "lr": 0.02, "beta1": 0.9, "beta2": 0.99, "eps": 1e-8}
ADAM_B = {"kind": "adam", "lr": 0.01, "beta1": 0.8, "beta2": 0.95, "eps": 1e-7}
ADAM_C = {"kind": "adam", "lr": 0.05, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8}
CASES = [  # activation, head, optimizer, clipping, dropout rate
    ("tanh", "sigmoid", SGD, NO_CLIP, 0.0),
    ("sigmoid", "softmax", MOMENTUM, NO_CLIP, 0.3),
    ("relu", "sigmoid", NESTEROV, {"kind": "norm", "threshold": 0.2}, 0.5),
    ("tanh", "softmax", ADAM_A, NO_CLIP, 0.2),
    ("relu", "softmax", ADAM_B, {"kind": "value", "threshold": 0.05}, 0.0),
    ("sigmoid", "sigmoid", ADAM_C, {"kind": "norm", "threshold": 0.5}, 0.4),
]


@pytest.mark.parametrize(
    "case", CASES, ids=lambda c: f"{c[0]}-{c[1]}-{c[2]['kind']}-{c[3]['kind']}-p{c[4]}"
)
def test_engine_matches_torch_over_several_updates(client: TestClient, case) -> None:
    act, head, optimizer, clip, rate = case
    sc = scenario_for(len(act) + len(head), act, head, optimizer, clip, rate)
    net = TorchNet(sc)
    labels_all = sc["dataset"]["points"]["labels"]
    adam = optimizer["kind"] == "adam"
    shifted_atol = 1e-6 if adam else ATOL  # the bias before a normalization (see the docstring)
    n_updates = 7  # over two epochs of batches of 4, 4, 2
    for k in range(n_updates):
        body = post(client, "/step", {"scenario": sc, "step": k, "trace_samples": 256})
        trace = body["trace"]
        rows = trace["batch"]["indices"]
        X = torch.tensor(trace["batch"]["features"], dtype=torch.float64)
        got = net.step(k, rows, X, [labels_all[r] for r in rows])
        B = got["B"]
        assert len(rows) == [4, 4, 2][k % 3]
        close(f"loss {k}", trace["loss"]["total"], np.float64(got["total"]))
        seen = got["seen"]
        for li, layer in enumerate(trace["layers"]):
            what = f"update {k} layer {li + 1}"
            close(f"{what} z", layer["z"], seen["z"][li], shifted_atol)
            close(f"{what} delta", layer["delta"], B * seen["z"][li].grad)
            close(f"{what} grad_W", layer["grad_W"], got["grad_W"][li])
            close(f"{what} W_after", layer["W_after"], net.linears[li].weight)
            close(f"{what} b_after", layer["b_after"], net.linears[li].bias, shifted_atol)
            if li == len(trace["layers"]) - 1:
                assert layer["bn"] is None and layer["dropout_mask"] is None
                continue
            bn, tbn = layer["bn"], net.bns[li]
            z = seen["z"][li]
            close(f"{what} a", layer["a"], seen["a"][li])
            close(f"{what} dL_da", layer["dL_da"], B * seen["a"][li].grad)
            close(f"{what} y", bn["y"], seen["y"][li])
            close(f"{what} delta_y", bn["delta_y"], B * seen["y"][li].grad)
            close(f"{what} mean", bn["mean"], z.mean(0), shifted_atol)
            close(f"{what} var", bn["var"], z.var(0, unbiased=False))
            close(f"{what} grad_gamma", bn["grad_gamma"], got["grad_gamma"][li])
            close(f"{what} grad_beta", bn["grad_beta"], got["grad_beta"][li])
            close(f"{what} gamma_after", bn["gamma_after"], tbn.weight)
            close(f"{what} beta_after", bn["beta_after"], tbn.bias)
            close(f"{what} running_mean", bn["running_mean"], tbn.running_mean, shifted_atol)
            close(f"{what} running_var", bn["running_var"], tbn.running_var)
            if rate > 0:
                close(f"{what} mask", layer["dropout_mask"], seen["mask"][li])
            else:
                assert layer["dropout_mask"] is None
    # the snapshot after the last update: parameters, running statistics, eval-mode loss
    snap = post(client, "/snapshot", {"scenario": sc, "step": n_updates})
    for li, p in enumerate(snap["params"]):
        close(f"snapshot W{li + 1}", p["W"], net.linears[li].weight)
        if li < len(net.bns):
            close(f"snapshot gamma{li + 1}", p["gamma"], net.bns[li].weight)
            close(f"snapshot beta{li + 1}", p["beta"], net.bns[li].bias)
            close(f"snapshot running_var{li + 1}", p["running_var"], net.bns[li].running_var)
            close(
                f"snapshot running_mean{li + 1}",
                p["running_mean"],
                net.bns[li].running_mean,
                shifted_atol,
            )
    with torch.no_grad():  # torch's eval mode: running statistics, no dropout
        h = torch.tensor(
            post(client, "/dataset", {"scenario": sc, "step": 0})["features"], dtype=torch.float64
        )
        for li, lin in enumerate(net.linears[:-1]):
            net.bns[li].eval()
            h = net.act(net.bns[li](lin(h)))
        z = net.linears[-1](h)
        if head == "sigmoid":
            target = torch.tensor(labels_all, dtype=torch.float64).reshape(-1, 1)
            data = torch.nn.functional.binary_cross_entropy_with_logits(z, target)
        else:
            data = torch.nn.functional.cross_entropy(z, torch.tensor(labels_all))
        reg = 0.5 * sum(float((w * w).sum()) for w in net.weights) * 0.01
    want = float(data) + reg
    assert np.isclose(snap["metrics"]["train_loss"], want, rtol=1e-8 if adam else RTOL, atol=0)
