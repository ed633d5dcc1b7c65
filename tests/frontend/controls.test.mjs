import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getIn, setIn } from '../../frontend/js/controls/scenario-form.js';
import { classesOf } from '../../frontend/js/controls/points.js';
import { edgeEnds, edgeOutline, edgePath, edgePoint, layoutNetwork } from '../../frontend/js/render/network-layout.js';
import { fieldErrors } from '../../frontend/js/api.js';

test('setIn copies, sets nested fields and deletes with null', () => {
  const s = { dataset: { kind: 'circle', seed: 1 }, loss: 'bce' };
  const t = setIn(s, ['dataset', 'seed'], 2);
  assert.equal(t.dataset.seed, 2);
  assert.equal(s.dataset.seed, 1);
  assert.equal('loss' in setIn(s, ['loss'], null), false);
  assert.deepEqual(setIn(s, ['clip', 'kind'], 'norm').clip, { kind: 'norm' });
  assert.equal(getIn(s, ['dataset', 'kind']), 'circle');
  assert.equal(getIn(s, ['init', 'seed']), undefined);
});

test('classes are the distinct encoded targets, in class order', () => {
  assert.deepEqual(classesOf({ targets: [[1], [0], [1]] }), [[0], [1]]);
  assert.deepEqual(classesOf({ targets: [[-1], [1]] }), [[-1], [1]]);
  assert.deepEqual(classesOf({ targets: [[0, 0, 1], [1, 0, 0], [0, 1, 0]] }), [[1, 0, 0], [0, 1, 0], [0, 0, 1]]);
  assert.equal(classesOf({ targets: Array.from({ length: 40 }, (_, k) => [k / 7]) }), null);
  assert.equal(classesOf(null), null);
});

test('layout: columns per layer, units centred, room for labels', () => {
  const lay = layoutNetwork([2, 4, 1], 800, 400);
  assert.equal(lay.cols.length, 3);
  assert.ok(lay.cols[0] < lay.cols[1] && lay.cols[1] < lay.cols[2]);
  assert.equal(lay.nodes[1].length, 4);
  const ys = lay.nodes[1].map((p) => p.y);
  assert.ok(Math.abs((ys[0] + ys[3]) / 2 - lay.nodes[2][0].y) < 1e-9);
  assert.ok(lay.nodeSize >= 16 && lay.nodeSize <= 64);
  assert.match(edgePath({ x: 0, y: 0 }, { x: 100, y: 50 }, 10), /^M10\.0,0\.0C50\.0,0\.0 50\.0,50\.0 90\.0,50\.0$/);
});

test('an edge outline is the curve widened by the same amount everywhere, with flat ends', () => {
  const a = { x: 0, y: 0 };
  const b = { x: 120, y: 300 };
  const ends = edgeEnds(a, b, 10);
  assert.deepEqual(ends, [10, 0, 110, 300]);
  const n = 16;
  const w = 4;
  const pts = edgeOutline(ends, w, n);
  assert.equal(pts.length, 4 * (n + 1));
  // Flat, level ends: straight above and below the curve's first and last points.
  assert.deepEqual([pts[0], pts[1]], [10, 2]);
  assert.deepEqual([pts[pts.length - 2], pts[pts.length - 1]], [10, -2]);
  assert.ok(Math.abs(pts[2 * n] - 110) < 1e-9 && Math.abs(pts[2 * n + 1] - 302) < 1e-9);
  for (let k = 0; k <= n; k++) {
    const left = [pts[2 * k], pts[2 * k + 1]];
    const back = 2 * (2 * n + 1 - k);
    const right = [pts[back], pts[back + 1]];
    // Each pair of sides is w apart and centred on the curve's point at t = k / n.
    assert.ok(Math.abs(Math.hypot(left[0] - right[0], left[1] - right[1]) - w) < 1e-9);
    const p = edgePoint(a, b, 10, k / n);
    assert.ok(Math.abs((left[0] + right[0]) / 2 - p.x) < 1e-9 && Math.abs((left[1] + right[1]) / 2 - p.y) < 1e-9);
  }
  // Across the curve: in the steep middle the offset is mostly horizontal.
  const mid = 2 * (n / 2);
  assert.ok(Math.abs(pts[mid] - 60) > 1.5);
});

test('422 bodies become field messages', () => {
  const body = { detail: [{ loc: ['body', 'scenario', 'loss'], msg: 'cross_entropy requires softmax', type: 'x' }] };
  assert.deepEqual(fieldErrors(body), [{ field: 'loss', message: 'cross_entropy requires softmax' }]);
  assert.deepEqual(fieldErrors({ detail: 'plain' }), []);
});
