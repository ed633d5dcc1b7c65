// Chart series over steps, merged from /train histories and from single steps. Pure.
// A rewind keeps later points: (scenario, step) fixes them, so they stay true.

import { isNum } from './format.js';

const MAX_POINTS = 4000;

export function emptyHistory() {
  return {
    steps: [], // updates k with their batch loss, lr and per-layer gradient norms
    batchLoss: [],
    lr: [],
    gradNorms: [], // [layer][index]
    evals: new Map(), // step -> {train, test}
    lrAt: new Map(), // k -> learning rate of update k (from k to k + 1)
    version: 0,
  };
}

/** Inserts an update's entry, keeping steps sorted and unique. Returns the history. */
export function addUpdate(h, { step, loss, lr, gradNorms }) {
  if (!Number.isInteger(step)) return h;
  if (isNum(lr)) setLr(h, step - 1, lr);
  const pos = lowerBound(h.steps, step);
  const row = [loss, lr];
  if (h.steps[pos] === step) {
    h.batchLoss[pos] = row[0] ?? h.batchLoss[pos];
    h.lr[pos] = row[1] ?? h.lr[pos];
    if (Array.isArray(gradNorms)) gradNorms.forEach((g, l) => ((h.gradNorms[l] ??= [])[pos] = g));
  } else {
    h.steps.splice(pos, 0, step);
    h.batchLoss.splice(pos, 0, loss ?? null);
    h.lr.splice(pos, 0, lr ?? null);
    const layers = Math.max(h.gradNorms.length, gradNorms?.length ?? 0);
    for (let l = 0; l < layers; l++) {
      h.gradNorms[l] ??= new Array(h.steps.length - 1).fill(null);
      h.gradNorms[l].splice(pos, 0, gradNorms?.[l] ?? null);
    }
  }
  h.version++;
  if (h.steps.length > MAX_POINTS) thin(h);
  return h;
}

/** Records the learning rate of update k (the schedule at step k). */
export function setLr(h, k, lr) {
  if (!Number.isInteger(k) || !isNum(lr) || h.lrAt.get(k) === lr) return h;
  h.lrAt.set(k, lr);
  h.version++;
  if (h.lrAt.size > MAX_POINTS) {
    const keys = [...h.lrAt.keys()].sort((a, b) => a - b);
    keys.forEach((k2, idx) => idx % 2 === 1 && h.lrAt.delete(k2));
  }
  return h;
}

/** Series for the schedule chart: [k, lr_k], sorted by k. */
export function lrSeries(h) {
  const keys = [...h.lrAt.keys()].sort((a, b) => a - b);
  return [keys, keys.map((k) => h.lrAt.get(k))];
}

/** Records whole-set metrics at a step. */
export function addMetrics(h, step, metrics) {
  if (!metrics || !Number.isInteger(step)) return h;
  h.evals.set(step, { train: metrics.train_loss ?? null, test: metrics.test_loss ?? null });
  h.version++;
  if (h.evals.size > MAX_POINTS) {
    const keys = [...h.evals.keys()].sort((a, b) => a - b);
    keys.forEach((k, idx) => idx % 2 === 1 && h.evals.delete(k));
  }
  return h;
}

/**
 * Adds a /train answer: `history` entries (step = the state the update produced, its batch loss,
 * lr, per-layer gradient norms) and `evaluations` (whole-set metrics at some steps).
 */
export function addHistory(h, history, evaluations) {
  for (const e of history) addUpdate(h, { step: e.step, loss: e.loss, lr: e.lr, gradNorms: e.grad_norm });
  for (const ev of evaluations) addMetrics(h, ev.step, ev);
  return h;
}

/** Drops every entry after step k (a changed run from k on: later points are no longer true). */
export function truncateHistory(h, k) {
  const pos = lowerBound(h.steps, k + 1);
  h.steps.length = pos;
  h.batchLoss.length = pos;
  h.lr.length = pos;
  for (const g of h.gradNorms) if (g.length > pos) g.length = pos;
  for (const key of [...h.evals.keys()]) if (key > k) h.evals.delete(key);
  // lrAt[j] is the rate of update j (from j to j + 1): from k on it may change.
  for (const key of [...h.lrAt.keys()]) if (key >= k) h.lrAt.delete(key);
  h.version++;
  return h;
}

/** Largest step with an update entry, or −1. */
export function lastUpdateStep(h) {
  return h.steps.length ? h.steps[h.steps.length - 1] : -1;
}

/** Series for the loss chart: [steps, train, test], sorted by step. */
export function lossSeries(h) {
  const keys = [...h.evals.keys()].sort((a, b) => a - b);
  return [keys, keys.map((k) => h.evals.get(k).train), keys.map((k) => h.evals.get(k).test)];
}

function lowerBound(arr, v) {
  let lo = 0;
  let hi = arr.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (arr[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Drops every other point (keeping the last) so long runs stay cheap to draw. */
function thin(h) {
  const keep = (_, idx, arr) => idx % 2 === 0 || idx === arr.length - 1;
  h.steps = h.steps.filter(keep);
  h.batchLoss = h.batchLoss.filter(keep);
  h.lr = h.lr.filter(keep);
  h.gradNorms = h.gradNorms.map((g) => g.filter(keep));
}
