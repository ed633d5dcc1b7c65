import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getIn, setIn } from '../../frontend/js/controls/scenario-form.js';
import { classesOf } from '../../frontend/js/controls/points.js';
import { edgePath, layoutNetwork } from '../../frontend/js/render/network-layout.js';
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

test('422 bodies become field messages', () => {
  const body = { detail: [{ loc: ['body', 'scenario', 'loss'], msg: 'cross_entropy requires softmax', type: 'x' }] };
  assert.deepEqual(fieldErrors(body), [{ field: 'loss', message: 'cross_entropy requires softmax' }]);
  assert.deepEqual(fieldErrors({ detail: 'plain' }), []);
});
