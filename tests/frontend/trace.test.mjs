import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { edgeNumbers, layerSizes, nodeNumbers, paramsOfTrace, traceToCsv, tracedSamples } from '../../frontend/js/trace.js';
import { traceOf } from '../../frontend/js/session.js';

// POST /step on xor_gate, 2-2-1, Adam, from step 2, two traced samples.
const resp = JSON.parse(readFileSync(new URL('./fixtures/step-xor-adam.json', import.meta.url)));
const t = traceOf(resp, 2);

test('traceOf keeps the trace, the step it starts from and the state after', () => {
  assert.equal(t.fromStep, 2);
  assert.equal(t.after.step, 3);
  assert.deepEqual(paramsOfTrace(t, true), t.layers.map((l) => ({ W: l.W_after, b: l.b_after })));
  assert.deepEqual(layerSizes(t.after.params), [2, 2, 1]);
  assert.equal(tracedSamples(t), 2);
  assert.equal(traceOf({ step: 5, trace: null }, 4).layers, null);
});

test('edge numbers come straight from the trace (W[j][i] of layer L)', () => {
  const e = edgeNumbers(t, 2, 1, 0, 1);
  const l2 = t.layers[1];
  assert.equal(e.w, l2.W[0][1]);
  assert.equal(e.grad_W_data, l2.grad_W_data[0][1]);
  assert.equal(e.W_after, l2.W_after[0][1]);
  assert.equal(e.a, t.layers[0].a[1][1]);
  assert.equal(e.delta, l2.delta[1][0]);
  assert.equal(e.term, l2.delta[1][0] * t.layers[0].a[1][1]);
  // Adam's state for this weight: first and second moments.
  assert.ok(Object.keys(e.state).some((k) => /avg/.test(k)));
  for (const v of Object.values(e.state)) assert.equal(typeof v, 'number');
});

test('node numbers: inputs of z, activation, delta and the downstream terms', () => {
  const n = nodeNumbers(t, 1, 0, 0);
  const l1 = t.layers[0];
  assert.equal(n.z, l1.z[0][0]);
  assert.equal(n.a, l1.a[0][0]);
  assert.equal(n.delta, l1.delta[0][0]);
  assert.deepEqual(n.terms.map((q) => [q.w, q.a]), l1.W[0].map((w, i) => [w, t.batch.features[0][i]]));
  assert.equal(n.downstream[0].w, t.layers[1].W[0][0]);
  const out = nodeNumbers(t, 2, 0, 1);
  assert.equal(out.isOutput, true);
  assert.equal(out.target, t.batch.targets[1][0]);
});

test('the trace as CSV: one row per weight and per bias', () => {
  const lines = traceToCsv(t, 2).trim().split('\n');
  assert.equal(lines[0], 'step,layer,param,to,from,value,grad_data,grad_reg,grad,update,value_after');
  assert.equal(lines.length, 1 + (4 + 2) + (2 + 1));
  const row = lines[1].split(',');
  assert.deepEqual(row.slice(0, 5), ['2', '1', 'W', '0', '0']);
  assert.equal(Number(row[5]), t.layers[0].W[0][0]);
  assert.equal(Number(row[10]), t.layers[0].W_after[0][0]);
});

test('scales fitted to the values on screen', async () => {
  const { fitScales, fitHeat } = await import('../../frontend/js/scales.js');
  const sc = fitScales([{ W: [[0.5, -1.23]], b: [0] }], t);
  assert.equal(sc.weight.max, 1.3);
  assert.equal(sc.bias.max, 0.13);
  assert.ok(sc.gradient.hi > 0 && Math.abs(sc.gradient.hi / sc.gradient.lo - 1e4) < 1e-6);
  assert.deepEqual(fitHeat({ layers: [[new Float32Array([0.3, -0.7])], [new Float32Array([3])]] }), [1, 5]);
});
