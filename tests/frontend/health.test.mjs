import { test } from 'node:test';
import assert from 'node:assert/strict';
import { healthOf, warningsToShow } from '../../frontend/js/render/health.js';
import { isTooMuchWork } from '../../frontend/js/player.js';

const warning = (kind, layer = null) => ({ kind, layer, message: `${kind} message`, cause: 'c', suggestion: 's' });

test('a healthy or absent health shows nothing', () => {
  assert.deepEqual(warningsToShow(null), []);
  assert.deepEqual(warningsToShow({ status: 'ok', warnings: [] }), []);
});

test('divergence is left to its banner; at most two warnings are shown', () => {
  assert.deepEqual(warningsToShow({ status: 'diverged', warnings: [warning('diverged')] }), []);
  const many = { status: 'warning', warnings: [warning('loss_rising'), warning('dead_layer', 2), warning('vanishing_gradients', 1)] };
  assert.deepEqual(warningsToShow(many).map((w) => w.kind), ['loss_rising', 'dead_layer']);
});

test('a work_too_large refusal is recognised, other 422s are not', () => {
  const refusal = { status: 422, body: { detail: [{ loc: ['body', 'step'], msg: 'too long', type: 'work_too_large' }] } };
  assert.equal(isTooMuchWork(refusal), true);
  assert.equal(isTooMuchWork({ status: 422, body: { detail: [{ loc: ['body', 'steps'], msg: 'x', type: 'less_than_equal' }] } }), false);
  assert.equal(isTooMuchWork({ status: 500, body: null }), false);
  assert.equal(isTooMuchWork(undefined), false);
});

test('the health shown: the last answer that judged it, or the traced next update of this step', () => {
  const sick = { status: 'warning', warnings: [warning('dead_layer', 2)] };
  assert.equal(healthOf({ step: 5, snapshot: { health: sick }, trace: null }), sick);
  assert.equal(healthOf({ step: 5, snapshot: {}, trace: { fromStep: 5, after: { health: sick } } }), sick);
  assert.equal(healthOf({ step: 6, snapshot: {}, trace: { fromStep: 5, after: { health: sick } } }), null);
});
