import { test } from 'node:test';
import assert from 'node:assert/strict';
import { phaseHint } from '../../frontend/js/phases.js';
import { changeLayers, layerLimits } from '../../frontend/js/controls/network-controls.js';
import { featureGrid, thumbColor, FEATURE_PICTURES } from '../../frontend/js/controls/pickers.js';

const schema = { properties: { hidden_layers: { type: 'array', maxItems: 8, items: { type: 'integer', minimum: 1, maximum: 32 } } } };

test('the phase hint names what Next phase shows next, and what one update is', () => {
  assert.match(phaseHint(-1, 3), /^Phase ▶ next: forward pass, layer 1 \(1 of 8\)/);
  assert.match(phaseHint(2, 3), /next: loss \(4 of 8\)/);
  assert.match(phaseHint(3, 3), /next: backward pass \(δ\), layer 3 \(5 of 8\)/);
  assert.match(phaseHint(6, 3), /next: update \(8 of 8\)/);
  assert.match(phaseHint(7, 3), /next: forward pass, layer 1 \(1 of 8, next step\)/);
  for (const k of [-1, 0, 7]) assert.match(phaseHint(k, 3), /forward → loss → backward \(δ\) → update/);
  assert.match(phaseHint(-1, 0), /walks one update/);
  assert.match(phaseHint(4, 3, true), /^Playing/);
});

test('+ and − change the hidden layers within the schema limits', () => {
  const lim = layerLimits(schema);
  assert.deepEqual(lim, { minLayers: 0, maxLayers: 8, minUnits: 1, maxUnits: 32, defaultUnits: 4 });
  assert.deepEqual(changeLayers([4, 2], 'add-neuron', 1, lim), [5, 2]);
  assert.deepEqual(changeLayers([4, 2], 'remove-neuron', 2, lim), [4, 1]);
  assert.equal(changeLayers([4, 1], 'remove-neuron', 2, lim), null);
  assert.equal(changeLayers([32], 'add-neuron', 1, lim), null);
  assert.equal(changeLayers([4], 'add-neuron', 2, lim), null); // no such layer
  assert.deepEqual(changeLayers([4, 2], 'add-layer', 0, lim), [4, 2, 2]);
  assert.deepEqual(changeLayers([], 'add-layer', 0, lim), [4]);
  assert.equal(changeLayers(Array(8).fill(3), 'add-layer', 0, lim), null);
  assert.deepEqual(changeLayers([4, 2], 'remove-layer', 0, lim), [4]);
  assert.equal(changeLayers([], 'remove-layer', 0, lim), null);
  assert.equal(changeLayers([4], 'rename', 1, lim), null);
  const input = [4, 2];
  changeLayers(input, 'add-neuron', 1, lim);
  assert.deepEqual(input, [4, 2]); // the scenario's array is not changed in place
});

test('the feature pictures are the features over the plane (row 0 at the bottom)', () => {
  assert.deepEqual(Object.keys(FEATURE_PICTURES), ['x1', 'x2', 'x1_sq', 'x2_sq', 'x1_x2', 'sin_x1', 'sin_x2']);
  const n = 4;
  const ext = [-6, 6, -6, 6];
  const x1 = featureGrid('x1', ext, n);
  assert.deepEqual([...x1.slice(0, 4)], [-4.5, -1.5, 1.5, 4.5]); // cell centres along x1
  const x2 = featureGrid('x2', ext, n);
  assert.deepEqual([x2[0], x2[4], x2[8], x2[12]], [-4.5, -1.5, 1.5, 4.5]);
  const prod = featureGrid('x1_x2', ext, n);
  assert.equal(prod[0], 20.25);
  assert.equal(prod[3], -20.25);
  assert.ok(Math.abs(featureGrid('sin_x2', [0, 1, 0, Math.PI], 2)[2] - Math.sin((3 * Math.PI) / 4)) < 1e-6);
  assert.equal(featureGrid('x2_sq', ext, n)[0], 20.25);
  assert.deepEqual([...featureGrid('nope', ext, 2)], [0, 0, 0, 0]);
});

test('thumbnail points: class colours, or the target on the diverging scale', () => {
  const cls = { task: 'classification' };
  assert.notEqual(thumbColor(cls, 0), thumbColor(cls, 1));
  const reg = { task: 'regression' };
  assert.notEqual(thumbColor(reg, -1), thumbColor(reg, 1));
  assert.equal(thumbColor(reg, 5), thumbColor(reg, 1)); // clipped to the range
});
