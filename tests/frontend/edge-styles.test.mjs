// The network view's values apart from its painting: each edge's and neuron's look from the state.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ANIM_MS, edgeStyles, nodeStyles, PENDING, phaseView } from '../../frontend/js/render/edge-styles.js';
import { divergingScale, logScale, NONFINITE } from '../../frontend/js/colors.js';
import { updateIndex } from '../../frontend/js/phases.js';

// A 2-1 network (one weight layer): W = [[w0, w1]], traced from W to W_after.
const layer = {
  W: [[0.5, -1]], b: [0.1], grad_W: [[0.01, -0.2]], update_W: [[-0.1, 0.2]], W_after: [[0.4, -0.8]], b_after: [0.1],
};
const scales = { weight: divergingScale(1), bias: divergingScale(0.5), gradient: logScale(1e-4, 1), update: divergingScale(0.2) };
const EDGES = [{ l: 1, i: 0, j: 0 }, { l: 1, i: 1, j: 0 }];
const U = updateIndex(1);

function stateAt(phase, extra = {}) {
  const atUpdate = phase === U;
  return {
    params: [atUpdate ? { W: layer.W_after, b: layer.b_after } : { W: layer.W, b: layer.b }],
    trace: { layers: [layer] },
    phase,
    animStart: 0,
    colorMode: 'weight',
    scales,
    selection: null,
    playing: false,
    snapshot: null,
    ...extra,
  };
}
const styles = (state, now = 10 * ANIM_MS) => edgeStyles(state, EDGES, phaseView(state, 1, now));

test('weight colours and widths follow |w| on the fixed scale; data-weight is the weight itself', () => {
  const [a, b] = styles(stateAt(-1));
  assert.deepEqual([a.w, b.w], [0.5, -1]);
  assert.equal(a.color, scales.weight.color(0.5));
  assert.equal(b.color, scales.weight.color(-1));
  assert.equal(a.width, Math.round((0.7 + 5.3 * 0.5) * 4) / 4);
  assert.equal(b.width, 6);
  assert.equal(a.cls, 'edge');
  assert.equal(a.dashed, false);
});

test('gradients and updates are grey until the phase that computes them', () => {
  const colorsAt = (phase, colorMode) => styles(stateAt(phase, { colorMode })).map((e) => e.color);
  // Ready (−1) shows the whole coming update's gradients, but not during the forward pass.
  assert.deepEqual(colorsAt(-1, 'gradient'), [scales.gradient.color(0.01), scales.gradient.color(-0.2)]);
  assert.deepEqual(colorsAt(0, 'gradient'), [PENDING, PENDING]);
  assert.deepEqual(colorsAt(2, 'gradient'), [scales.gradient.color(0.01), scales.gradient.color(-0.2)]);
  assert.deepEqual(colorsAt(2, 'update'), [PENDING, PENDING]);
  assert.deepEqual(colorsAt(U, 'update'), [scales.update.color(-0.1), scales.update.color(0.2)]);
});

test('the glow shows |∂L/∂w| once the backward pass has reached the layer (not in gradient mode)', () => {
  const [, big] = styles(stateAt(2));
  const t = scales.gradient.t(-0.2);
  assert.equal(big.haloW, Math.round((4 + 9 * t) * 2) / 2);
  assert.equal(big.haloO, Math.round((0.03 + 0.4 * t * t) * 50) / 50);
  const [forward] = styles(stateAt(0));
  assert.deepEqual([forward.haloW, forward.haloO], [4, 0]);
  const [inGradientMode] = styles(stateAt(2, { colorMode: 'gradient' }));
  assert.equal(inGradientMode.haloO, 0);
});

test('the update animates the width from W to W_after; the colour and data-weight are the new weight', () => {
  const start = styles(stateAt(U), 0);
  assert.equal(start[1].width, 6); // |w| = 1 still shown
  assert.equal(start[1].w, -0.8);
  assert.equal(phaseView(stateAt(U), 1, 0).animating, true);
  const done = styles(stateAt(U), ANIM_MS);
  assert.equal(done[1].width, Math.round((0.7 + 5.3 * 0.8) * 4) / 4);
  assert.equal(done[1].color, scales.weight.color(-0.8));
  assert.equal(phaseView(stateAt(U), 1, ANIM_MS).animating, false);
});

test('non-finite and pruned weights are dashed; the active layer flows; the selection is marked', () => {
  const broken = stateAt(-1, { params: [{ W: [[null, -1]], b: [0.1] }], snapshot: { pruned: [[[false, true]]] } });
  const [nonfinite, pruned] = styles(broken);
  assert.deepEqual([nonfinite.color, nonfinite.width, nonfinite.dashed, nonfinite.cls], [NONFINITE, 1.5, true, 'edge nonfinite']);
  assert.deepEqual([pruned.dashed, pruned.cls], [true, 'edge pruned']);
  const [flowing] = styles(stateAt(0, { selection: { kind: 'edge', layer: 1, from: 0, to: 0 } }));
  assert.equal(flowing.cls, 'edge flow forward selected');
  assert.equal(flowing.selected, true);
  assert.equal(styles(stateAt(2))[0].cls, 'edge flow backward');
  assert.equal(styles(stateAt(0, { playing: true }))[0].cls, '', 'no class names while the canvas paints');
});

test('a trace of another network is not shown (the edges keep their weights)', () => {
  const state = stateAt(1, { trace: { layers: [layer, layer] }, colorMode: 'gradient' });
  const view = phaseView(state, 1, 0);
  assert.equal(view.trace, null);
  assert.deepEqual(edgeStyles(state, EDGES, view).map((e) => e.color), [PENDING, PENDING]);
});

test('neurons: the active layer, the loss at the output, the selection and the bias colour', () => {
  const at = (phase, selection = null) => nodeStyles(stateAt(phase, { selection }), [2, 1], phaseView(stateAt(phase, { selection }), 1, 0));
  const forward = at(0);
  assert.deepEqual(forward.map((units) => units.map((n) => n.cls)), [['node input', 'node input'], ['node active']]);
  assert.equal(forward[0][0].bias, null);
  assert.deepEqual([forward[1][0].bias, forward[1][0].b], [scales.bias.color(0.1), 0.1]);
  assert.equal(at(1)[1][0].cls, 'node active', 'the loss phase marks the output layer');
  assert.equal(at(-1, { kind: 'node', layer: 0, unit: 1 })[0][1].cls, 'node input selected');
});
