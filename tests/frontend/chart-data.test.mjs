// The charts' data: two runs joined on their steps, labels naming each run, distinct colours,
// whole-step ticks, readable change markers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gradChart, joinTables, LAYER_COLORS, lossChart, markerLabel, RUN_COLORS, STEP_INCRS, stepTicks } from '../../frontend/js/render/chart-data.js';
import { addMetrics, addUpdate, emptyHistory } from '../../frontend/js/history.js';

function history(steps, layers) {
  const h = emptyHistory();
  for (const k of steps) {
    addUpdate(h, { step: k, loss: 1 / k, lr: 0.1, gradNorms: Array.from({ length: layers }, (_, l) => (l + 1) / k) });
    addMetrics(h, k, { train_loss: 1 / k, test_loss: 2 / k });
  }
  return h;
}

test('two tables join on the union of their steps, with gaps as null', () => {
  assert.deepEqual(joinTables([[[1, 2, 4], [10, 20, 40]], [[2, 3], [200, 300]]]), [[1, 2, 3, 4], [10, 20, null, 40], [null, 200, 300, null]]);
});

test('compare mode: every series names its run; the runs have distinct colours', () => {
  const runs = [{ name: 'XOR with 2-2-1', history: history([1, 2], 2) }, { name: 'no hidden layer', history: history([1, 2], 1) }];
  const loss = lossChart(runs, true);
  assert.deepEqual(loss.series.map((s) => s.label), ['train · XOR with 2-2-1', 'test · XOR with 2-2-1', 'train · no hidden layer', 'test · no hidden layer']);
  assert.notEqual(loss.series[0].stroke, loss.series[2].stroke);
  assert.equal(loss.data.length, 5);
  const grads = gradChart(runs);
  assert.deepEqual(grads.series.map((s) => s.label), ['layer 1 · A', 'layer 2 · A', 'layer 1 · B']);
  assert.ok(grads.series[2].dash && !grads.series[0].dash);
  // One run alone: plain labels.
  assert.deepEqual(lossChart(runs.slice(0, 1), false).series.map((s) => s.label), ['train', 'test']);
});

test('nine distinct layer colours and two run colours, none repeated', () => {
  assert.equal(new Set(LAYER_COLORS).size, 9);
  assert.equal(new Set(RUN_COLORS).size, 2);
  const runs = [{ name: 'deep', history: history([1], 9) }];
  assert.equal(new Set(gradChart(runs).series.map((s) => s.stroke)).size, 9);
});

test('the step axis: whole-step increments, fractional ticks unlabelled', () => {
  assert.ok(STEP_INCRS.every((v) => Number.isInteger(v) && v >= 1));
  assert.deepEqual(stepTicks([0, 0.5, 1, 2]), ['0', '', '1', '2']);
});

test('a change marker says in a word what changed', () => {
  assert.equal(markerLabel([{ kind: 'set', changes: { optimizer: { kind: 'adam' } } }]), 'optimizer');
  assert.equal(markerLabel([{ kind: 'set', changes: { optimizer: { lr: 0.1 } } }]), 'η');
  assert.equal(markerLabel([{ kind: 'set_weight' }, { kind: 'prune' }]), 'w, ✂ prune');
});
