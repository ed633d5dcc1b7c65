import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  addPointsEvent, changesOf, describeEvent, dropAfter, effectiveScenario, eventsAfter, isSetPath, markerText, merge, withEvent,
} from '../../frontend/js/events.js';
import { addMetrics, addUpdate, emptyHistory, lossSeries, lrSeries, setLr, truncateHistory } from '../../frontend/js/history.js';

const base = { optimizer: { kind: 'sgd', lr: 0.03, momentum: 0 }, batch_size: 10, hidden_layers: [4] };

test('only optimizer, schedule, regularization, clip and batch size change mid-run', () => {
  assert.ok(isSetPath(['optimizer', 'lr']));
  assert.ok(isSetPath(['batch_size']));
  assert.ok(!isSetPath(['hidden_layers']));
  assert.ok(!isSetPath(['dataset', 'noise']));
  assert.deepEqual(changesOf(['optimizer', 'lr'], 0.1), { optimizer: { lr: 0.1 } });
  assert.deepEqual(changesOf(['batch_size'], 5), { batch_size: 5 });
});

test('events stay ordered by step; later ones can be dropped', () => {
  let s = withEvent(base, { step: 5, kind: 'prune', fraction: 0.5 });
  s = withEvent(s, { step: 2, kind: 'set', changes: { optimizer: { lr: 0.1 } } });
  s = withEvent(s, { step: 5, kind: 'set', changes: { batch_size: 4 } });
  assert.deepEqual(s.events.map((e) => [e.step, e.kind]), [[2, 'set'], [5, 'prune'], [5, 'set']]);
  assert.equal(base.events, undefined, 'the scenario is not changed in place');
  assert.deepEqual(eventsAfter(s, 2).map((e) => e.step), [5, 5]);
  assert.deepEqual(dropAfter(s, 4).events.map((e) => e.step), [2]);
});

test('the settings in force at a step merge the set events up to it', () => {
  const s = { ...base, events: [{ step: 2, kind: 'set', changes: { optimizer: { lr: 0.1 } } }, { step: 6, kind: 'set', changes: { optimizer: { momentum: 0.9 }, batch_size: 4 } }] };
  assert.equal(effectiveScenario(s, 1), s);
  assert.deepEqual(effectiveScenario(s, 2).optimizer, { kind: 'sgd', lr: 0.1, momentum: 0 });
  const at6 = effectiveScenario(s, 6);
  assert.deepEqual([at6.optimizer.lr, at6.optimizer.momentum, at6.batch_size], [0.1, 0.9, 4]);
  assert.deepEqual(merge({ a: { b: 1, c: 2 } }, { a: { b: 3 } }), { a: { b: 3, c: 2 } });
});

test('events are described in words and marked with a letter', () => {
  assert.equal(describeEvent({ step: 3, kind: 'set', changes: { optimizer: { lr: 0.1 } } }), 'learning rate → 0.1');
  assert.equal(describeEvent({ kind: 'set', changes: { optimizer: { kind: 'adam' }, clip: { threshold: 2 } } }), 'optimizer → adam, clip threshold → 2');
  assert.equal(describeEvent({ kind: 'set_weight', layer: 2, to: 0, from: 1, value: 0.5 }), 'w0←1 of layer 2 set to 0.5');
  assert.equal(describeEvent({ kind: 'set_weight', layer: 1, to: 3, bias: true, value: -1 }), 'b3 of layer 1 set to -1');
  assert.equal(describeEvent({ kind: 'prune', fraction: 0.9 }), 'pruned 90% of the weights');
  assert.equal(describeEvent({ kind: 'add_points', inputs: [[0, 0], [1, 1]], labels: [0, 1] }), 'added 2 points');
  assert.equal(markerText({ kind: 'set', changes: { optimizer: { lr: 1 } } }), 'η');
  assert.equal(markerText({ kind: 'prune', fraction: 0.5 }), '✂');
});

test('clicked points become add_points events with labels or targets', () => {
  assert.deepEqual(addPointsEvent(4, [{ x: 1, y: 2, cls: 1 }], { mode: 'labels' }), { step: 4, kind: 'add_points', inputs: [[1, 2]], labels: [1] });
  assert.deepEqual(addPointsEvent(4, [{ x: 1, y: 2, cls: 2 }], { mode: 'targets', classes: [[1, 0, 0], [0, 1, 0], [0, 0, 1]] }).targets, [[0, 0, 1]]);
  assert.deepEqual(addPointsEvent(4, [{ x: 1, y: 2, cls: -1 }], { mode: 'regression' }).targets, [[-1]]);
});

test('a changed run keeps its history up to the step of the change', () => {
  const h = emptyHistory();
  for (let k = 1; k <= 6; k++) {
    addUpdate(h, { step: k, loss: 1 / k, lr: 0.1, gradNorms: [k, 2 * k] });
    addMetrics(h, k, { train_loss: 1 / k, test_loss: 2 / k });
    setLr(h, k, 0.1);
  }
  truncateHistory(h, 3);
  assert.deepEqual(h.steps, [1, 2, 3]);
  assert.deepEqual(h.gradNorms, [[1, 2, 3], [2, 4, 6]]);
  assert.deepEqual(lossSeries(h)[0], [1, 2, 3]);
  assert.deepEqual(lrSeries(h)[0], [0, 1, 2]); // the rate of update 3 (from 3) may change
});
