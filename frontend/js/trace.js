// Reading numbers out of an API trace (POST /step) for the inspector and the exports. Pure.
// Layer L (1-based) is trace.layers[L − 1]; W[j][i] connects unit i of layer L − 1 to unit j.

import { isNum } from './format.js';

const at = (m, r, c) => (Array.isArray(m) && Array.isArray(m[r]) ? m[r][c] : undefined);

/** a_{L}[s] for layer L ≥ 0 (layer 0 is the feature vector of the batch). */
export function activationsOf(trace, L, s) {
  if (L === 0) return trace.batch?.features?.[s];
  return trace.layers[L - 1]?.a?.[s];
}

/** Number of traced samples (rows of z, a, delta). */
export function tracedSamples(trace) {
  return trace?.layers?.[0]?.z?.length ?? 0;
}

/** Batch size of the update (rows of the batch). */
export function batchSize(trace) {
  return trace?.batch?.indices?.length ?? 0;
}

/** Everything the inspector shows for neuron j of layer L ≥ 1 and traced sample s. */
export function nodeNumbers(trace, L, j, s) {
  const layer = trace.layers[L - 1];
  const prev = activationsOf(trace, L - 1, s) ?? [];
  const next = trace.layers[L];
  const W = layer.W?.[j] ?? [];
  const out = {
    layer: L,
    unit: j,
    sample: s,
    isOutput: L === trace.layers.length,
    terms: W.map((w, i) => ({ i, w, a: prev[i] })),
    b: layer.b?.[j],
    z: at(layer.z, s, j),
    a: at(layer.a, s, j),
    dL_da: at(layer.dL_da, s, j),
    delta: at(layer.delta, s, j),
    fprime: at(layer.fprime, s, j),
    grad_b: layer.grad_b?.[j],
    b_after: layer.b_after?.[j],
    update_b: layer.update_b?.[j],
  };
  if (next) {
    out.downstream = (next.W ?? []).map((row, k) => ({ k, w: row[j], delta: at(next.delta, s, k) }));
  }
  if (out.isOutput) {
    out.target = trace.batch?.targets?.[s]?.[j];
    out.outputs = trace.layers[L - 1].a?.[s]?.length ?? 0;
  }
  return out;
}

/** Everything the inspector shows for the edge i → j into layer L and traced sample s. */
export function edgeNumbers(trace, L, i, j, s) {
  const layer = trace.layers[L - 1];
  const prev = activationsOf(trace, L - 1, s) ?? [];
  const delta = at(layer.delta, s, j);
  const a = prev[i];
  const state = {};
  for (const [name, value] of Object.entries(layer.optimizer_state ?? {})) {
    const v = pickState(value, i, j);
    if (v !== undefined) state[name] = v;
  }
  return {
    layer: L,
    from: i,
    to: j,
    sample: s,
    w: at(layer.W, j, i),
    a,
    delta,
    term: isNum(a) && isNum(delta) ? delta * a : null,
    batch: batchSize(trace),
    grad_W_data: at(layer.grad_W_data, j, i),
    grad_W_reg: at(layer.grad_W_reg, j, i),
    grad_W: at(layer.grad_W, j, i),
    update_W: at(layer.update_W, j, i),
    W_after: at(layer.W_after, j, i),
    lr: trace.lr,
    grad_norm: trace.grad_norm ?? {},
    state,
  };
}

/** An optimizer-state entry for one weight: a matrix like W (exp_avg_W) or a scalar (step). */
function pickState(value, i, j) {
  if (isNum(value) || value === null) return value;
  return Array.isArray(value[0]) ? at(value, j, i) : undefined;
}

const csvCell = (v) => (v === null || v === undefined ? '' : String(v));

/**
 * The trace as one CSV table: a row per weight and per bias of every layer, with the values
 * before, the gradient parts, the update and the value after.
 */
export function traceToCsv(trace, step) {
  const head = ['step', 'layer', 'param', 'to', 'from', 'value', 'grad_data', 'grad_reg', 'grad', 'update', 'value_after'];
  const rows = [head.join(',')];
  trace.layers.forEach((layer, idx) => {
    const L = idx + 1;
    (layer.W ?? []).forEach((row, j) => {
      row.forEach((w, i) => {
        rows.push([step, L, 'W', j, i, w, at(layer.grad_W_data, j, i), at(layer.grad_W_reg, j, i), at(layer.grad_W, j, i), at(layer.update_W, j, i), at(layer.W_after, j, i)].map(csvCell).join(','));
      });
    });
    (layer.b ?? []).forEach((b, j) => {
      rows.push([step, L, 'b', j, '', b, '', '', layer.grad_b?.[j], layer.update_b?.[j], layer.b_after?.[j]].map(csvCell).join(','));
    });
  });
  return rows.join('\n') + '\n';
}

/** Layer sizes [n0, n1, …, nL] from parameters [{W, b}, …]. */
export function layerSizes(params) {
  if (!params?.length) return [];
  return [params[0].W[0]?.length ?? 0, ...params.map((p) => p.b.length)];
}

/** Parameters before (from the trace's W, b, γ, β) or after (W_after, b_after, …) the update. */
export function paramsOfTrace(trace, after) {
  return trace.layers.map((l) => {
    const p = after ? { W: l.W_after, b: l.b_after } : { W: l.W, b: l.b };
    // A normalized layer's γ and β as a snapshot's params carry them (running statistics are
    // the state after the update, so only the after side has them).
    if (l.bn) Object.assign(p, after ? { gamma: l.bn.gamma_after, beta: l.bn.beta_after, running_mean: l.bn.running_mean, running_var: l.bn.running_var } : { gamma: l.bn.gamma, beta: l.bn.beta });
    return p;
  });
}

/**
 * Batch normalization of neuron j of layer L ≥ 1 for traced sample s (null for a layer without
 * normalization): the server's numbers, none recomputed. `inv_std` is the trace's 1/√(σ²_B + ε).
 */
export function bnNumbers(trace, L, j, s) {
  const layer = trace?.layers?.[L - 1];
  const bn = layer?.bn;
  if (!bn) return null;
  return {
    layer: L,
    unit: j,
    sample: s,
    batch: batchSize(trace),
    z: at(layer.z, s, j),
    mean: bn.mean?.[j],
    var: bn.var?.[j],
    inv_std: bn.inv_std?.[j],
    gamma: bn.gamma?.[j],
    beta: bn.beta?.[j],
    x_hat: at(bn.x_hat, s, j),
    y: at(bn.y, s, j),
    a: at(layer.a, s, j),
    fprime: at(layer.fprime, s, j),
    dL_da: at(layer.dL_da, s, j),
    delta_y: at(bn.delta_y, s, j),
    delta: at(layer.delta, s, j),
    mean_delta_y: bn.mean_delta_y?.[j],
    mean_delta_y_xhat: bn.mean_delta_y_xhat?.[j],
    grad_gamma: bn.grad_gamma?.[j],
    grad_beta: bn.grad_beta?.[j],
    gamma_after: bn.gamma_after?.[j],
    beta_after: bn.beta_after?.[j],
    running_mean: bn.running_mean?.[j],
    running_var: bn.running_var?.[j],
  };
}

/** The dropout factor m/(1 − p) of neuron j of layer L for traced sample s (undefined without dropout). */
export function dropoutOf(trace, L, j, s) {
  return at(trace?.layers?.[L - 1]?.dropout_mask, s, j);
}

/**
 * How many parameters the network has, by kind, from the arrays the server sent (snapshot
 * params): {weights, biases, norm (γ and β), total, weightShare (0…1)}.
 */
export function paramCounts(params) {
  let weights = 0;
  let biases = 0;
  let norm = 0;
  for (const p of params ?? []) {
    for (const row of p.W ?? []) weights += row.length;
    biases += p.b?.length ?? 0;
    norm += (p.gamma?.length ?? 0) + (p.beta?.length ?? 0);
  }
  const total = weights + biases + norm;
  return { weights, biases, norm, total, weightShare: total ? weights / total : 0 };
}

/** "25 parameters: 18 weights (72%), 7 biases" (and "…, 12 γ/β" for a normalized network). */
export function paramCountText(params) {
  const c = paramCounts(params);
  if (!c.total) return '';
  const n = (k, one, many) => `${k.toLocaleString('en-US')} ${k === 1 ? one : many}`;
  const norm = c.norm ? `, ${c.norm.toLocaleString('en-US')} γ/β` : '';
  return `${n(c.total, 'parameter', 'parameters')}: ${n(c.weights, 'weight', 'weights')} (${Math.round(100 * c.weightShare)}%), ${n(c.biases, 'bias', 'biases')}${norm}`;
}
