import { test } from 'node:test';
import assert from 'node:assert/strict';
import { labelCandidates, layerNameVariants, nodeBoxes, placeLabels } from '../../frontend/js/render/network-labels.js';
import { edgeEnds, layoutNetwork, nearestEdge } from '../../frontend/js/render/network-layout.js';
import { phaseView } from '../../frontend/js/render/edge-styles.js';
import { captionFor, captionNumbers } from '../../frontend/js/captions.js';

// A fixed-width font: 7 px a character, 11 px ascent, 3 px descent.
const measure = (t) => ({ w: 7 * [...t].length, asc: 11, desc: 3 });
const intersects = (a, b) => a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3];

// The classic worked example (2-2-2), its numbers as /step gives them for the one sample.
const W2 = [[0.4, 0.45], [0.5, 0.55]];
const trace = {
  fromStep: 0,
  batch: { features: [[0.05, 0.1]], targets: [[0.01, 0.99]], indices: [0] },
  loss: { total: 0.2983711, per_sample: [0.2983711] },
  layers: [
    { W: [[0.15, 0.2], [0.25, 0.3]], W_after: [[0.1497807, 0.1995614], [0.2497511, 0.2995023]], z: [[0.3775, 0.3925]], a: [[0.5933, 0.5969]], delta: [[0.0088, 0.01]], grad_W: [[4e-4, 9e-4], [5e-4, 1e-3]], update_W: [[-2e-4, -4e-4], [-2e-4, -5e-4]] },
    { W: W2, W_after: [[0.3589165, 0.4086662], [0.5113013, 0.5613701]], z: [[1.1059, 1.2249]], a: [[0.7514, 0.7729]], delta: [[0.1385, -0.0381]], grad_W: [[0.0822, 0.0827], [-0.0226, -0.0227]], update_W: [[-0.0411, -0.0413], [0.0113, 0.0114]] },
  ],
};
const params = [{ W: trace.layers[0].W_after, b: [0.35, 0.35] }, { W: trace.layers[1].W_after, b: [0.6, 0.6] }];

function candidatesAt(phase, { sizes = [2, 2, 2], selection = null, focus = null, tr = trace, ps = params } = {}) {
  const L = sizes.length - 1;
  const state = { phase, sample: 0, playing: false, selection, trace: tr, animStart: 0 };
  const layout = layoutNetwork(sizes, 900, 500);
  const names = Array.from({ length: sizes[0] }, (_, k) => `x${k + 1}`);
  const outNames = Array.from({ length: sizes[L] }, (_, k) => `ŷ${k}`);
  const view = phaseView(state, L, 1e9);
  return { layout, list: labelCandidates({ state, view, layout, sizes, params: ps, focus, names, outNames, layerNames: layerNameVariants(L, 'sigmoid', 'sigmoid') }) };
}
const texts = (list) => list.map((c) => c.variants[0]);

test('no two placed texts overlap, none covers a node, none leaves the view', () => {
  for (let phase = -1; phase <= 5; phase++) {
    const { layout, list } = candidatesAt(phase);
    const obstacles = nodeBoxes(layout);
    const placed = placeLabels(list, measure, { width: 900, height: 500, obstacles });
    for (const [k, a] of placed.entries()) {
      assert.ok(a.box[0] >= 0 && a.box[1] >= 0 && a.box[2] <= 900 && a.box[3] <= 500, a.text);
      for (const b of placed.slice(k + 1)) assert.ok(!intersects(a.box, b.box), `${a.text} / ${b.text} at phase ${phase}`);
      for (const o of obstacles) assert.ok(!intersects(a.box, o), `${a.text} covers a node`);
    }
  }
});

test('a text with no room is left out; the first wanted gets the place', () => {
  const spot = [{ x: 50, y: 20, anchor: 'middle', dy: 'middle' }];
  const list = [
    { id: 'a', kind: 'val', tier: 1, variants: ['first'], spots: spot },
    { id: 'b', kind: 'val', tier: 2, variants: ['second'], spots: spot },
  ];
  assert.deepEqual(placeLabels(list, measure, { width: 200, height: 100 }).map((p) => p.text), ['first']);
  // A shorter variant that fits beside it is used instead.
  const two = [list[0], { ...list[1], variants: ['second text that is long', 'b'], spots: [{ x: 90, y: 20, anchor: 'start', dy: 'middle' }] }];
  assert.deepEqual(placeLabels(two, measure, { width: 120, height: 100 }).map((p) => p.text), ['first', 'b']);
});

test('layer names are written at one length, the longest at which all fit', () => {
  const sizes = [2, ...Array(8).fill(32), 1];
  const names = (width) => {
    const layout = layoutNetwork(sizes, width, 500);
    const list = layerNameVariants(9, 'tanh', 'sigmoid').map((v, l) => ({ id: `layer:${l}`, kind: 'layer', group: 'layers', tier: 0, variants: v, spots: [{ x: layout.cols[l], y: 4, anchor: 'middle', dy: 'below' }] }));
    return placeLabels(list, measure, { width, height: 500 }).map((p) => p.text);
  };
  // 84 px between columns: "hidden 1 · tanh" (105 px) does not fit, "hidden 1" (56 px) does.
  assert.deepEqual(names(900).slice(1, 9), Array.from({ length: 8 }, (_, k) => `hidden ${k + 1}`));
  assert.deepEqual(names(500).slice(1, 9), Array.from({ length: 8 }, (_, k) => `h${k + 1}`));
  assert.equal(names(2400)[1], 'hidden 1 · tanh');
});

test('ready shows weights and activations only: no δ, no gradient, no loss', () => {
  const shown = texts(candidatesAt(-1).list);
  assert.ok(shown.includes('a 0.593'));
  assert.ok(shown.includes('w 0.1498'.slice(0, 6)) || shown.some((t) => t.startsWith('w ')));
  assert.deepEqual(shown.filter((t) => /^(δ|g |L |y )/.test(t)), []);
});

test('the worked example: z and a while its layer is computed, the targets at the loss, w → w′ at the update', () => {
  assert.ok(texts(candidatesAt(0).list).includes('z 0.378  a 0.593'));
  const loss = texts(candidatesAt(2).list);
  assert.ok(loss.includes('y 0.01') && loss.includes('y 0.99') && loss.includes('L 0.2984 (batch) · ℓ 0.2984 (sample)'));
  assert.ok(texts(candidatesAt(3).list).includes('g 0.0822'));
  const update = texts(candidatesAt(5).list);
  assert.ok(update.includes('w 0.4 → 0.3589'));
  assert.ok(update.includes('w 0.15 → 0.1498'));
  assert.ok(!update.some((t) => t.startsWith('Δw')));
});

test('a layer of many units shows its numbers for the focused unit only', () => {
  const n = 32;
  const big = {
    ...trace,
    layers: [
      { W: Array.from({ length: n }, () => [0.1, 0.2]), z: [Array(n).fill(0.5)], a: [Array(n).fill(0.46)], delta: [Array(n).fill(0.01)], grad_W: Array.from({ length: n }, () => [0.01, 0.02]) },
      { W: [Array(n).fill(0.1)], z: [[0.3]], a: [[0.57]], delta: [[0.2]], grad_W: [Array(n).fill(0.03)] },
    ],
    batch: { ...trace.batch, targets: [[1]] },
  };
  const ps = [{ W: big.layers[0].W, b: Array(n).fill(0) }, { W: big.layers[1].W, b: [0] }];
  const opts = { sizes: [2, n, 1], tr: big, ps };
  const forward = candidatesAt(0, opts).list.filter((c) => c.kind === 'val' && c.node[0] === 1);
  assert.deepEqual(forward, []);
  const focused = candidatesAt(0, { ...opts, focus: { layer: 1, unit: 7 } }).list.filter((c) => c.kind === 'val' && c.node[0] === 1);
  assert.deepEqual(focused.map((c) => c.id), ['val:1:7:0']);
  // Backward through the output: the 32 gradients into it are labels (edges into one unit).
  const back = candidatesAt(3, opts).list.filter((c) => c.kind === 'edge');
  assert.equal(back.length, 0); // 32 > 16 edges, no focus: none
  const backFocus = candidatesAt(3, { ...opts, focus: { layer: 2, unit: 0 } }).list.filter((c) => c.kind === 'edge');
  assert.equal(backFocus.length, n);
});

test('each column sizes its nodes for its units; squares never overlap', () => {
  const lay = layoutNetwork([2, 32, 32, 1], 900, 600);
  assert.ok(lay.halves[0] > lay.halves[1] && lay.halves[3] > lay.halves[1]);
  lay.nodes.forEach((col, l) => {
    for (let j = 1; j < col.length; j++) assert.ok(col[j].y - col[j - 1].y >= 2 * lay.halves[l] - 1e-9);
  });
  const wide = layoutNetwork([64, 4, 1], 900, 600);
  assert.ok(wide.rowGaps[0] >= 2 * wide.halves[0]);
});

test('the edge under the pointer is found on a canvas-drawn network', () => {
  const a = { x: 0, y: 0, h: 5 };
  const b = { x: 100, y: 80, h: 5 };
  const c = { x: 100, y: 0, h: 5 };
  const ends = Float64Array.from([...edgeEnds(a, b), ...edgeEnds(a, c)]);
  assert.equal(nearestEdge(ends, 50, 40), 0);
  assert.equal(nearestEdge(ends, 50, 1), 1);
  assert.equal(nearestEdge(ends, 50, 20), -1);
});

test('captions quote the targets y and the new weight', () => {
  const nums = captionNumbers(trace, 0, null);
  const ctx = { step: 0, activation: 'sigmoid', outputActivation: 'sigmoid', loss: 'half_sse', lossValue: 0.2983711, ...nums };
  assert.match(captionFor(2, 2, ctx).detail, /ŷ = \(0\.7514, 0\.7729\) are from the targets y = \(0\.01, 0\.99\)/);
  assert.match(captionFor(5, 2, { ...ctx, step: 1 }).detail, /w0←0 of layer 2: 0\.4 → 0\.3589\./);
  const chosen = captionNumbers(trace, 0, { kind: 'edge', layer: 1, from: 1, to: 0 });
  assert.deepEqual(chosen.example, { name: 'w0←1 of layer 1', w: 0.2, after: 0.1995614 });
});

test('at rest a batch of many samples shows no numbers on the nodes but the focused one’s; walking a phase shows them', () => {
  const two = (m) => m.map((row) => [...row]).concat(m.map((row) => [...row]));
  const tr = {
    ...trace,
    batch: { features: [[0.05, 0.1], [0.2, 0.3]], targets: [[0.01, 0.99], [0.5, 0.5]], indices: [0, 1] },
    loss: { total: 0.3, per_sample: [0.29, 0.31] },
    layers: trace.layers.map((l) => ({ ...l, z: two(l.z), a: two(l.a), delta: two(l.delta) })),
  };
  const vals = (phase, focus = null) => candidatesAt(phase, { tr, focus }).list.filter((c) => c.kind === 'val').map((c) => c.id);
  assert.deepEqual(vals(-1), []);
  assert.deepEqual(vals(-1, { layer: 1, unit: 1 }), ['val:1:1:0']);
  assert.ok(vals(0).includes('val:1:0:0') && vals(0).includes('val:1:1:0'));
  // The worked example (one sample): every number, at rest too.
  assert.ok(candidatesAt(-1).list.filter((c) => c.kind === 'val').length >= 6);
});
