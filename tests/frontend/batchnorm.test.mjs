// Batch normalization and dropout on the page: the sub-phases (phases.js), compare mode's
// lockstep over them (session-group.js heldPhase), their captions, the network's labels in each
// sub-phase, the parameter counts and the eval-mode note.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { phaseHint, phaseLabel, phaseList, reveal, shapeOf, updateIndex } from '../../frontend/js/phases.js';
import { heldPhase } from '../../frontend/js/session-group.js';
import { captionFor, captionNumbers } from '../../frontend/js/captions.js';
import { bnNumbers, dropoutOf, paramCountText, paramCounts, paramsOfTrace } from '../../frontend/js/trace.js';
import { labelCandidates, layerNameVariants, nodeBoxes, placeLabels } from '../../frontend/js/render/network-labels.js';
import { layoutNetwork } from '../../frontend/js/render/network-layout.js';
import { evalModeNote, metricsLine, trainModeNote } from '../../frontend/js/render/status.js';

// A 2-2-1 network whose hidden layer is normalized, a batch of two samples (numbers as a trace
// carries them; their values only need to be told apart).
const bn = {
  mean: [0.11, -0.22], var: [0.33, 0.44], inv_std: [1.7, 1.5], gamma: [1, 1.2], beta: [0, 0.1],
  grad_gamma: [0.05, -0.06], grad_beta: [0.07, 0.08], gamma_after: [0.99, 1.21], beta_after: [-0.01, 0.09],
  running_mean: [0.011, -0.022], running_var: [0.93, 0.94], mean_delta_y: [0.071, 0.081], mean_delta_y_xhat: [0.051, -0.061],
  x_hat: [[0.91, -1.01], [-0.91, 1.01]], y: [[0.92, -1.11], [-0.93, 1.31]], delta_y: [[0.123, 0.234], [0.345, 0.456]],
};
const trace = {
  fromStep: 0,
  batch: { indices: [4, 7], features: [[1, 2], [3, 4]], targets: [[1], [0]] },
  loss: { total: 0.5, per_sample: [0.4, 0.6] },
  layers: [
    { W: [[0.1, 0.2], [0.3, 0.4]], b: [0, 0], W_after: [[0.1, 0.2], [0.3, 0.4]], b_after: [0, 0], z: [[0.5, 0.6], [0.7, 0.8]], a: [[0.71, 0], [0.28, 0.78]], fprime: [[0.2, 0.21], [0.22, 0.23]], dL_da: [[0.61, 0.62], [0.63, 0.64]], delta: [[0.0314, 0.0413], [0.05, 0.06]], grad_W: [[0.01, 0.02], [0.03, 0.04]], dropout_mask: [[2, 0], [2, 2]], bn },
    { W: [[0.5, 0.6]], b: [0.1], W_after: [[0.5, 0.6]], b_after: [0.1], z: [[0.9], [1.0]], a: [[0.7], [0.73]], delta: [[-0.3], [0.73]], grad_W: [[0.1, 0.2]] },
  ],
};

test('a normalized layer is walked in sub-phases of the forward and backward kinds', () => {
  const list = phaseList(trace.layers);
  assert.deepEqual(list.map((p) => phaseLabel(list.indexOf(p), trace.layers)), [
    'forward · layer 1 · z', 'forward · layer 1 · BN', 'forward · layer 1 · a', 'forward · layer 2', 'loss',
    'backward · layer 2', 'backward · layer 1 · δ_y', 'backward · layer 1 · BN → δ', 'update',
  ]);
  assert.deepEqual([...new Set(list.map((p) => p.kind))], ['forward', 'loss', 'backward', 'update']);
  assert.equal(updateIndex(trace.layers), 8);
  // Snapshot params mark a normalized layer by gamma; a plain count or plain layers as before.
  assert.equal(updateIndex([{ W: [[1]], b: [0], gamma: [1], beta: [0] }, { W: [[1]], b: [0] }]), 8);
  assert.equal(updateIndex(2), 5);
  assert.equal(updateIndex([{ W: [[1]], b: [0] }, { W: [[1]], b: [0] }]), 5);
  assert.deepEqual(shapeOf(trace.layers).bn, [false, true, false]);
  // What each sub-phase has computed: the active phase carries its sub-phase.
  assert.deepEqual(reveal(1, trace.layers).active, { kind: 'forward', layer: 1, sub: 'bn' });
  assert.equal(reveal(6, trace.layers).backwardFrom, 1);
  assert.match(phaseHint(0, trace.layers), /next: forward pass, layer 1: batch norm \(μ_B, σ²_B, x̂, y\) \(2 of 9\)/);
});

test('lockstep: a plain run holds its layer while the normalized one walks its sub-phases, and back', () => {
  const plain = 2;
  const norm = trace.layers;
  // The normalized run sets the pace (9 phases): the plain one (6) holds each layer.
  const held = [...Array(9).keys()].map((p) => phaseLabel(heldPhase(p, norm, plain), plain));
  assert.deepEqual(held, ['forward · layer 1', 'forward · layer 1', 'forward · layer 1', 'forward · layer 2', 'loss', 'backward · layer 2', 'backward · layer 1', 'backward · layer 1', 'update']);
  // The other way round (a plain pace-setter): the normalized run shows each layer whole.
  const back = [...Array(6).keys()].map((p) => phaseLabel(heldPhase(p, plain, norm), norm));
  assert.deepEqual(back, ['forward · layer 1 · a', 'forward · layer 2', 'loss', 'backward · layer 2', 'backward · layer 1 · BN → δ', 'update']);
  // Kinds always agree, against a deeper plain network too (the deeper one's layers held).
  for (const [pace, other] of [[norm, plain], [plain, norm], [4, norm], [norm, 4]]) {
    const pl = phaseList(pace);
    const ol = phaseList(other);
    for (let p = -1; p < pl.length; p++) {
      const q = heldPhase(p, pace, other);
      assert.equal(q < 0 ? 'ready' : ol[q].kind, p < 0 ? 'ready' : pl[p].kind, `${p}`);
    }
  }
  // Same shapes: the same phase.
  assert.deepEqual([0, 1, 7].map((p) => heldPhase(p, norm, norm)), [0, 1, 7]);
});

test('captions of the sub-phases name batch normalization and the batch coupling', () => {
  const ctx = { activation: 'tanh', ...captionNumbers(trace, 0) };
  assert.equal(ctx.batch, 2);
  assert.equal(ctx.dropout, true);
  const cap = (p) => captionFor(p, trace.layers, ctx);
  assert.equal(cap(0).title, 'Forward pass, layer 1: z = W·a⁽⁰⁾ + b');
  assert.equal(cap(1).title, 'Batch normalization, layer 1: x̂ = (z − μ_B) / √(σ²_B + ε),  y = γ·x̂ + β');
  assert.match(cap(1).detail, /B = 2; training mode: batch statistics/);
  assert.match(cap(2).title, /a = tanh\(y\)/);
  assert.match(cap(2).detail, /1\/\(1 − p\)/);
  assert.match(cap(6).title, /δ_y = ∂L\/∂a · tanh′\(y\)/);
  assert.equal(cap(7).title, 'Backward through batch normalization, layer 1: δ = γ/√(σ²_B + ε) · (δ_y − mean(δ_y) − x̂ · mean(δ_y·x̂))');
  assert.match(cap(7).detail, /coupled/);
  // A plain layer keeps its caption.
  assert.match(cap(3).title, /^Forward pass, layer 2 \(output\)/);
});

test('the numbers of a normalized neuron and of dropout are the trace\'s, none computed', () => {
  const n = bnNumbers(trace, 1, 1, 1);
  assert.deepEqual([n.mean, n.var, n.inv_std, n.x_hat, n.y, n.delta_y, n.delta, n.mean_delta_y, n.mean_delta_y_xhat, n.batch], [-0.22, 0.44, 1.5, 1.01, 1.31, 0.456, 0.06, 0.081, -0.061, 2]);
  assert.equal(bnNumbers(trace, 2, 0, 0), null);
  assert.equal(dropoutOf(trace, 1, 1, 0), 0);
  assert.equal(dropoutOf(trace, 2, 0, 0), undefined);
  // γ and β travel with the parameters while a step is walked.
  assert.deepEqual(paramsOfTrace(trace, false)[0].gamma, [1, 1.2]);
  assert.deepEqual(paramsOfTrace(trace, true)[0].beta, [-0.01, 0.09]);
  assert.equal(paramsOfTrace(trace, true)[1].gamma, undefined);
});

test('parameter counts: 72% weights on the default network, 98% on 64-32-10, γ/β counted', () => {
  const dense = (sizes, norm = false) => sizes.slice(1).map((n, k) => ({
    W: Array.from({ length: n }, () => Array(sizes[k]).fill(0)), b: Array(n).fill(0),
    ...(norm && k < sizes.length - 2 ? { gamma: Array(n).fill(1), beta: Array(n).fill(0) } : {}),
  }));
  assert.equal(paramCountText(dense([2, 4, 2, 1])), '25 parameters: 18 weights (72%), 7 biases');
  assert.equal(paramCountText(dense([64, 32, 10])), '2,410 parameters: 2,368 weights (98%), 42 biases');
  assert.deepEqual(paramCounts(dense([2, 4, 2, 1], true)), { weights: 18, biases: 7, norm: 12, total: 37, weightShare: 18 / 37 });
  assert.equal(paramCountText(dense([2, 4, 2, 1], true)), '37 parameters: 18 weights (49%), 7 biases, 12 γ/β');
  assert.equal(paramCountText([]), '');
});

test('whole-set numbers say eval mode with normalization or dropout; a trace says training mode', () => {
  const m = { train_loss: 0.5, test_loss: 0.6, train_accuracy: 0.9, test_accuracy: 0.8 };
  assert.doesNotMatch(metricsLine(m, { scenario: { normalization: { kind: 'none' }, dropout: { rate: 0 } } }), /mode/);
  assert.match(metricsLine(m, { scenario: { normalization: { kind: 'batch' } } }), /· eval mode: running statistics, no dropout$/);
  assert.match(metricsLine(m, { short: true, scenario: { dropout: { rate: 0.5 } } }), /· eval mode: no dropout$/);
  assert.equal(evalModeNote({}), '');
  assert.equal(trainModeNote({ normalization: { kind: 'batch' } }), 'training mode (batch statistics)');
  assert.equal(trainModeNote({ normalization: { kind: 'batch' }, dropout: { rate: 0.2 } }), 'training mode (batch statistics, dropout on)');
});

// A fixed-width font: 7 px a character, 11 px ascent, 3 px descent.
const measure = (t) => ({ w: 7 * [...t].length, asc: 11, desc: 3 });
const intersects = (a, b) => a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3];

function placedAt(phase, selection = null) {
  const sizes = [2, 2, 1];
  const state = { phase, sample: 0, playing: false, selection, trace, animStart: 0 };
  const layout = layoutNetwork(sizes, 900, 500);
  const view = { trace, rv: reveal(phase, trace.layers), ready: phase < 0, animating: false, ease: 1 };
  const params = paramsOfTrace(trace, false);
  const list = labelCandidates({ state, view, layout, sizes, params, focus: null, names: ['x1', 'x2'], outNames: ['ŷ'], layerNames: layerNameVariants(2, 'tanh', 'sigmoid', [false, true, false]), paramText: paramCountText(params) });
  const obstacles = nodeBoxes(layout);
  const placed = placeLabels(list, measure, { width: 900, height: 500, obstacles });
  for (const [k, a] of placed.entries()) {
    for (const b of placed.slice(k + 1)) assert.ok(!intersects(a.box, b.box), `${a.text} / ${b.text} at phase ${phase}`);
    for (const o of obstacles) assert.ok(!intersects(a.box, o), `${a.text} covers a node`);
  }
  return placed.map((p) => p.text);
}

test('the network writes each sub-phase\'s numbers, a dropped unit, the batch note and the count', () => {
  const z = placedAt(0);
  assert.ok(z.includes('z 0.5') && z.includes('z 0.6'), z);
  assert.ok(!z.some((t) => t.startsWith('μ')), z);
  const norm = placedAt(1);
  assert.ok(norm.includes('μ 0.11  σ² 0.33') && norm.includes('μ −0.22  σ² 0.44'), norm);
  assert.ok(norm.includes('x̂ 0.91  y 0.92'), norm);
  assert.ok(norm.includes('μ_B, σ²_B: over the batch of 2'), norm);
  const a = placedAt(2);
  assert.ok(a.includes('y 0.92  a 0.71') && a.includes('y −1.11  a 0 (dropped)'), a);
  const dy = placedAt(6);
  assert.ok(dy.includes('δ_y 0.123') && !dy.some((t) => t.startsWith('δ 0.0314')), dy);
  const d = placedAt(7);
  assert.ok(d.includes('δ 0.0314  δ_y 0.123'), d);
  assert.ok(d.includes('δ takes the batch means of all 2'), d);
  assert.ok(placedAt(-1).includes('13 parameters: 6 weights (46%), 3 biases, 4 γ/β'));
  assert.deepEqual(layerNameVariants(2, 'tanh', 'sigmoid', [false, true, false])[1].slice(0, 3), ['hidden 1 · BN · tanh', 'hidden 1 · BN', 'h1 BN']);
});
