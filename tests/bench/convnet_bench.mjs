// ConvNetJS side of tests/bench/engine_vs_js.py: SGD on a fixed training set, timed in node.
//
//   node tests/bench/convnet_bench.mjs --data points.json --hidden 4,2 --updates 20000 \
//        [--batch 10] [--lr 0.03] [--seed 1] [--warmup 1000]
//
// points.json is {"features": [[x1, x2], ...], "targets": [[y], ...]} (the server's training
// rows). The net is fc(h, tanh) for each hidden layer, then a regression layer of one unit
// (ConvNetJS's regression head: a linear fc unit and L2 loss 0.5 (out - y)^2 per sample).
// The Trainer is plain SGD (momentum 0, l2_decay 0) and updates once every `batch` calls to
// train(), so `updates` updates are updates * batch calls. Only the training loop is timed
// (process.hrtime.bigint()); the sample order and the Vols are made before it. A warm-up run on
// a throwaway net of the same shape lets V8 optimise the code first. Prints one JSON line.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const convnetjs = require("convnetjs");

function args(argv) {
  const out = { batch: 10, lr: 0.03, seed: 1, warmup: 1000 };
  for (let i = 2; i < argv.length; i += 2) out[argv[i].replace(/^--/, "")] = argv[i + 1];
  return {
    data: out.data,
    hidden: String(out.hidden).split(",").map(Number),
    updates: Number(out.updates),
    batch: Number(out.batch),
    lr: Number(out.lr),
    seed: Number(out.seed),
    warmup: Number(out.warmup),
  };
}

// mulberry32: a seeded generator for the sample order (ConvNetJS draws its weights itself).
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Sample indices for `calls` train() calls: a fresh permutation of the set each epoch.
function order(n, calls, seed) {
  const rand = rng(seed);
  const idx = new Int32Array(calls);
  const perm = Array.from({ length: n }, (_, i) => i);
  for (let k = 0; k < calls; k++) {
    const j = k % n;
    if (j === 0) {
      for (let i = n - 1; i > 0; i--) {
        const r = Math.floor(rand() * (i + 1));
        [perm[i], perm[r]] = [perm[r], perm[i]];
      }
    }
    idx[k] = perm[j];
  }
  return idx;
}

function makeNet(nIn, hidden) {
  const defs = [{ type: "input", out_sx: 1, out_sy: 1, out_depth: nIn }];
  for (const h of hidden) defs.push({ type: "fc", num_neurons: h, activation: "tanh" });
  defs.push({ type: "regression", num_neurons: 1 });
  const net = new convnetjs.Net();
  net.makeLayers(defs);
  return net;
}

function makeTrainer(net, o) {
  return new convnetjs.Trainer(net, {
    method: "sgd",
    learning_rate: o.lr,
    batch_size: o.batch,
    momentum: 0,
    l2_decay: 0,
    l1_decay: 0,
  });
}

function halfSse(net, xs, ys) {
  let s = 0;
  for (let i = 0; i < xs.length; i++) {
    const d = net.forward(xs[i], false).w[0] - ys[i][0];
    s += 0.5 * d * d;
  }
  return s / xs.length;
}

const o = args(process.argv);
const data = JSON.parse(readFileSync(o.data, "utf8"));
const xs = data.features.map((f) => new convnetjs.Vol(f));
const ys = data.targets.map((t) => [t[0]]);
const n = xs.length;
const calls = o.updates * o.batch;

if (o.warmup > 0) {
  const wnet = makeNet(data.features[0].length, o.hidden);
  const wtr = makeTrainer(wnet, o);
  const widx = order(n, o.warmup * o.batch, o.seed + 7919);
  for (let k = 0; k < widx.length; k++) wtr.train(xs[widx[k]], ys[widx[k]]);
}

const net = makeNet(data.features[0].length, o.hidden);
const trainer = makeTrainer(net, o);
const idx = order(n, calls, o.seed);
const lossBefore = halfSse(net, xs, ys);

const t0 = process.hrtime.bigint();
for (let k = 0; k < calls; k++) trainer.train(xs[idx[k]], ys[idx[k]]);
const t1 = process.hrtime.bigint();

const seconds = Number(t1 - t0) / 1e9;
console.log(
  JSON.stringify({
    node: process.version,
    convnetjs: require("convnetjs/package.json").version,
    hidden: o.hidden,
    n_train: n,
    updates: trainer.k / o.batch,
    train_calls: trainer.k,
    seconds,
    us_per_update: (seconds / o.updates) * 1e6,
    train_half_sse_before: lossBefore,
    train_half_sse_after: halfSse(net, xs, ys),
  }),
);
