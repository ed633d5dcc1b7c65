// A pinned data row: the sample shown follows the row from batch to batch.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createStore, derive } from '../../frontend/js/state.js';

const trace = (indices) => ({ batch: { indices }, layers: [{ z: indices.map(() => [0]) }] });

test('the sample shown is the pinned row whenever the batch holds it', () => {
  const store = createStore();
  store.set({ trace: trace([4, 9, 17, 2]) });
  store.set({ row: 17 });
  assert.deepEqual([store.state.sample, store.state.rowInBatch], [2, true]);
  store.set({ trace: trace([17, 3, 5, 8]) });
  assert.deepEqual([store.state.sample, store.state.rowInBatch], [0, true]);
  store.set({ trace: trace([1, 3, 5, 8]) });
  assert.equal(store.state.rowInBatch, false, 'said so when it is not');
  assert.equal(store.state.row, 17, 'still pinned');
});

test('choosing another sample while pinned pins that sample\'s row', () => {
  const store = createStore();
  store.set({ trace: trace([4, 9, 17, 2]), row: 9 });
  store.set({ sample: 3 });
  assert.deepEqual([store.state.row, store.state.sample], [2, 3]);
});

test('without a pinned row nothing is derived', () => {
  const state = { row: null, rowInBatch: null, sample: 1, trace: trace([1, 2]) };
  assert.deepEqual(derive(state, { sample: 1 }), {});
  const store = createStore();
  store.set({ trace: trace([4, 9]), sample: 1 });
  assert.deepEqual([store.state.sample, store.state.row, store.state.rowInBatch], [1, null, null]);
});

test('rows beyond the traced samples do not count as shown', () => {
  const store = createStore();
  store.set({ trace: { batch: { indices: [1, 2, 3, 40] }, layers: [{ z: [[0], [0], [0]] }] }, row: 40 });
  assert.equal(store.state.rowInBatch, false);
});
