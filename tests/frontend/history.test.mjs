import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { addHistory, addMetrics, addUpdate, emptyHistory, lastUpdateStep, lossSeries, lrSeries } from '../../frontend/js/history.js';

const train = JSON.parse(readFileSync(new URL('./fixtures/train-xor.json', import.meta.url)));

test('a /train answer fills updates, learning rates and evaluations', () => {
  const h = addHistory(emptyHistory(), train.history, train.evaluations);
  assert.deepEqual(h.steps, train.history.map((e) => e.step));
  assert.equal(h.gradNorms.length, train.history[0].grad_norm.length);
  assert.equal(h.gradNorms[0][0], train.history[0].grad_norm[0]);
  assert.equal(lastUpdateStep(h), 3);
  const [xs, tr] = lossSeries(h);
  assert.deepEqual(xs, train.evaluations.map((e) => e.step));
  assert.equal(tr[0], train.evaluations[0].train_loss);
  // History step s is the state update s − 1 produced: its rate is lr_{s−1}.
  const [ks, lrs] = lrSeries(h);
  assert.deepEqual(ks, [0, 1, 2]);
  assert.equal(lrs[0], train.history[0].lr);
});

test('entries stay sorted and unique when steps arrive out of order', () => {
  const h = emptyHistory();
  addUpdate(h, { step: 3, loss: 0.3, lr: 0.1, gradNorms: [1, 2] });
  addUpdate(h, { step: 1, loss: 0.1, lr: 0.1, gradNorms: [3, 4] });
  addUpdate(h, { step: 3, loss: 0.35, lr: 0.1, gradNorms: [5, 6] });
  assert.deepEqual(h.steps, [1, 3]);
  assert.deepEqual(h.batchLoss, [0.1, 0.35]);
  assert.deepEqual(h.gradNorms, [[3, 5], [4, 6]]);
  addMetrics(h, 0, { train_loss: 1, test_loss: null });
  assert.deepEqual(lossSeries(h), [[0], [1], [null]]);
});

test('long runs are thinned, keeping the last point', () => {
  const h = emptyHistory();
  for (let k = 1; k <= 5000; k++) addUpdate(h, { step: k, loss: 1 / k, lr: 0.1, gradNorms: [k] });
  assert.ok(h.steps.length <= 4000);
  assert.equal(h.steps.at(-1), 5000);
  assert.equal(h.gradNorms[0].length, h.steps.length);
});
