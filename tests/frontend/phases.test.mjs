import { test } from 'node:test';
import assert from 'node:assert/strict';
import { phaseLabel, phaseList, reveal, updateIndex } from '../../frontend/js/phases.js';

test('phases of an update: forward 1…L, loss, backward L…1, update', () => {
  assert.deepEqual(phaseList(2), [
    { kind: 'forward', layer: 1 }, { kind: 'forward', layer: 2 }, { kind: 'loss' },
    { kind: 'backward', layer: 2 }, { kind: 'backward', layer: 1 }, { kind: 'update' },
  ]);
  assert.equal(updateIndex(3), phaseList(3).length - 1);
  assert.deepEqual([...Array(6).keys()].map((p) => phaseLabel(p, 2)), [
    'forward · layer 1', 'forward · layer 2', 'loss', 'backward · layer 2', 'backward · layer 1', 'update',
  ]);
  assert.equal(phaseLabel(-1, 2), 'ready');
});

test('reveal: what each phase has computed so far', () => {
  const L = 3;
  assert.deepEqual(reveal(0, L), { forwardTo: 1, loss: false, backwardFrom: 4, update: false, active: { kind: 'forward', layer: 1 } });
  assert.equal(reveal(3, L).loss, true);
  assert.equal(reveal(3, L).backwardFrom, 4);
  assert.equal(reveal(5, L).backwardFrom, 2); // backward · layer 2
  assert.equal(reveal(updateIndex(L), L).update, true);
  // At rest the coming update's forward values and gradients show, not its update.
  assert.deepEqual(reveal(-1, L), { forwardTo: 3, loss: true, backwardFrom: 1, update: false, active: null });
});
