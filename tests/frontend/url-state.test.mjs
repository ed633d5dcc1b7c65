import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  applyDiff, base64urlToBytes, BASE_V1, bytesToBase64url, canonicalJson, decodeFragment, diffScenario,
  encodeScenario, fragmentOf, isViewFragment, linkIdOf, packJson, sameScenario, unpackJson,
} from '../../frontend/js/url-state.js';

const XOR = {
  format_version: 1, title: 'XOR <b>mid-run</b>',
  dataset: { kind: 'xor_gate', n_samples: 500, noise: 0, train_fraction: 1, seed: 1 },
  features: ['x1', 'x2'], hidden_layers: [2], activation: 'tanh', output_activation: 'sigmoid', loss: 'bce',
  init: { scheme: 'xavier_uniform', scale: 1, bias: 0, seed: 3 }, train_biases: true,
  optimizer: { kind: 'sgd', lr: 0.5, momentum: 0, nesterov: false, alpha: 0.99, beta1: 0.9, beta2: 0.999, eps: 1e-8, weight_decay: 0 },
  schedule: { kind: 'constant', step_size: 100, gamma: 0.5, total_steps: 1000, min_lr: 0, warmup_steps: 100, max_lr: 0.3 },
  regularization: { kind: 'none', rate: 0 }, clip: { kind: 'none', threshold: 1 }, batch_size: 4,
  events: [{ step: 3, kind: 'set', changes: { optimizer: { lr: 0.1 } } }, { step: 5, kind: 'set_weight', layer: 1, to: 0, from: 1, value: 0.1 + 0.2 }],
};

test('a scenario is its difference from the fixed base, and back, key for key', () => {
  assert.deepEqual(diffScenario(BASE_V1, structuredClone(BASE_V1)), []);
  const ops = diffScenario(BASE_V1, XOR);
  assert.ok(ops.some(([p, v]) => p.join('.') === 'optimizer.lr' && v === 0.5));
  assert.ok(!ops.some(([p]) => p[0] === 'optimizer' && p[1] === 'beta1'), 'unchanged fields are left out');
  assert.deepEqual(applyDiff(BASE_V1, ops), XOR);
  // Deleted keys and explicit nulls (the API's echo of a scenario has them) survive.
  const echo = { ...structuredClone(BASE_V1), output_activation: null, dataset: { ...BASE_V1.dataset, points: null } };
  delete echo.batch_size;
  assert.deepEqual(applyDiff(BASE_V1, diffScenario(BASE_V1, echo)), echo);
  assert.equal(Object.isFrozen(BASE_V1), true);
});

test('packing: deflate-raw and base64url round-trip, exact doubles included', async () => {
  const bytes = new Uint8Array([0, 1, 250, 251, 252, 253, 254, 255]);
  assert.deepEqual(base64urlToBytes(bytesToBase64url(bytes)), bytes);
  assert.match(bytesToBase64url(bytes), /^[A-Za-z0-9_-]+$/);
  const value = { x: 0.1 + 0.2, y: [1e-300, 5e-324, 123456789.123456789] };
  const packed = await packJson(value);
  assert.equal(packed[0], 'z');
  assert.deepEqual(await unpackJson(packed), value);
  assert.deepEqual(await unpackJson(`j${bytesToBase64url(new TextEncoder().encode('{"a":1}'))}`), { a: 1 });
  await assert.rejects(unpackJson('z***'), /damaged/);
  await assert.rejects(unpackJson('qAAAA'), /unknown encoding/);
});

test('the fragment holds the view; defaults are left out', async () => {
  const s = await encodeScenario(XOR);
  const frag = fragmentOf({ step: 7, phase: 2, sample: 1, colorMode: 'gradient', lecture: true, scenario: s, compare: s });
  assert.ok(isViewFragment(frag));
  const v = await decodeFragment(frag);
  assert.deepEqual(v, { version: 1, step: 7, phase: 2, sample: 1, row: null, colorMode: 'gradient', lecture: true, scenario: XOR, compare: XOR });
  assert.equal(fragmentOf({ step: 0, phase: -1, sample: 0, colorMode: 'weight', lecture: false }), '#v=1');
  const rest = await decodeFragment('#v=1');
  assert.deepEqual(rest, { version: 1, step: 0, phase: -1, sample: 0, row: null, colorMode: 'weight', lecture: false, scenario: null, compare: null });
  assert.equal((await encodeScenario(BASE_V1)).length < 12, true);
});

test('links made by format 1 keep opening (a fragment written when format 1 was current)', async () => {
  const old = '#v=1&k=7&p=2&i=1&c=gradient&lec=1&s=zXY_BboMwDIZfZfI562C0l6jqK1TaaRKKUCAuWIMEJYZtRbz7lMCkbrnF_r_PdlmWwMQ9ghLwfn17OteXgcyzn-z5pb6AEmUJRrMOyCDgg6yJyS_nq1Yz_u-z12Srm9cNk7OgRJ4CHRmDtur1N_oQmVeV6m7iceIqpme9ExCoHRyZTd27EAGom30WWYqDAmJMFJtmZBrojh4E9B6UyA6n1Kg1N10V6B7hYyrhjJbTDgsExhFksZ8lYbuh6bRtMYBcHsRyiWaZHfJ1XcUvenpEq0-ktouGdCfIXAA7kJmAm3dD-s-6nzBqiuzvO65KqR8';
  const v = await decodeFragment(old);
  assert.deepEqual(v.scenario, XOR);
  assert.equal(v.scenario.events[1].value, 0.30000000000000004);
  assert.equal(v.step, 7);
  assert.equal(v.row, null); // written before rows could be pinned: none is
});

test('a pinned row is the optional key r of format 1', async () => {
  const frag = fragmentOf({ step: 3, phase: -1, sample: 0, row: 17, colorMode: 'weight', lecture: false });
  assert.equal(frag, '#v=1&k=3&r=17');
  const v = await decodeFragment(frag);
  assert.equal(v.row, 17);
  assert.equal((await decodeFragment('#v=1&k=3&r=-2')).row, null);
});

test('unknown versions and bad values are refused or ignored with a reason', async () => {
  await assert.rejects(decodeFragment('#v=99&k=1'), /newer version/);
  await assert.rejects(decodeFragment('#v=abc'), /Not a playground link/);
  const v = await decodeFragment('#v=1&k=-3&p=x&i=1.5&c=purple');
  assert.deepEqual([v.step, v.phase, v.sample, v.colorMode], [0, -1, 0, 'weight']);
  assert.equal(isViewFragment('#section-2'), false);
});

test('short link paths and scenario equality', () => {
  assert.equal(linkIdOf('/s/AbC_-123xyz0'), 'AbC_-123xyz0');
  assert.equal(linkIdOf('/s/AbC/'), 'AbC');
  assert.equal(linkIdOf('/'), null);
  assert.equal(linkIdOf('/s/<script>'), null);
  assert.equal(canonicalJson({ b: 1, a: [2, { d: null, c: 'x' }] }), '{"a":[2,{"c":"x","d":null}],"b":1}');
  assert.ok(sameScenario(XOR, applyDiff(BASE_V1, diffScenario(BASE_V1, XOR))));
  assert.ok(!sameScenario(XOR, { ...XOR, batch_size: 5 }));
});
