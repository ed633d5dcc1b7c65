// api.js answers the requests named in the page's boot block (static.py) from the page, once,
// and sends every other request to the network.
import { test } from 'node:test';
import assert from 'node:assert/strict';

const sc = { dataset: { kind: 'circle', n_samples: 500 }, hidden_layers: [4, 2], optimizer: { kind: 'sgd', lr: 0.03 } };
const block = [
  { method: 'GET', path: '/openapi.json', body: null, answer: { openapi: '3.1.0', paths: {} } },
  { method: 'GET', path: '/api/v1/presets', body: null, answer: [{ id: 'xor' }] },
  // the server writes its own key order and numbers as Python does (0.03, 500.0 would be 500)
  { method: 'POST', path: '/api/v1/snapshot', body: { step: 0, scenario: { optimizer: { lr: 0.03, kind: 'sgd' }, hidden_layers: [4, 2], dataset: { n_samples: 500, kind: 'circle' } } }, answer: { step: 0, from: 'boot' } },
  { method: 'POST', path: '/api/v1/dataset', body: { scenario: sc, step: 0 }, answer: { rows: 'boot' } },
];

const fetched = [];
globalThis.location = new URL('http://hall.example/');
globalThis.document = {
  getElementById: (id) => (id === 'boot' ? { textContent: JSON.stringify(block).replace(/</g, '\\u003c') } : null),
};
globalThis.fetch = async (url, init) => {
  fetched.push(`${init.method} ${new URL(url).pathname} ${init.body ?? ''}`);
  return { ok: true, status: 200, headers: new Map(), text: async () => JSON.stringify({ from: 'network' }) };
};
const api = await import('../../frontend/js/api.js');

test('a request the block names is answered from the page, once', async () => {
  assert.deepEqual(await api.getOpenApi(), { openapi: '3.1.0', paths: {} });
  assert.deepEqual(await api.getPresets(), [{ id: 'xor' }]);
  // the same JSON values in another key order are the same request
  assert.deepEqual(await api.postSnapshot(sc, 0), { step: 0, from: 'boot' });
  assert.deepEqual(fetched, []);
  // asked again, it goes to the network (each answer is served once)
  assert.deepEqual(await api.postSnapshot(sc, 0), { from: 'network' });
  assert.deepEqual(await api.getOpenApi(), { from: 'network' });
  assert.equal(fetched.length, 2);
  assert.match(fetched[0], /^POST \/api\/v1\/snapshot /);
  assert.match(fetched[1], /^GET \/openapi.json $/);
});

test('any other request goes to the network: another step, scenario, path or method', async () => {
  fetched.length = 0;
  assert.deepEqual(await api.postDataset(sc, 1), { from: 'network' });
  assert.deepEqual(await api.postDataset({ ...sc, batch_size: 10 }, 0), { from: 'network' });
  assert.deepEqual(await api.postStep(sc, 0, 32), { from: 'network' });
  assert.equal(fetched.length, 3);
  // the one that matches is still there
  assert.deepEqual(await api.postDataset(sc, 0), { rows: 'boot' });
  assert.equal(fetched.length, 3);
});

test("a short link's GETs are other requests", async () => {
  fetched.length = 0;
  api.useLink({ id: 'abc123', scenario: sc, engine: '7' });
  try {
    assert.deepEqual(await api.postSnapshot(sc, 0), { from: 'network' });
  } finally {
    api.useLink(null);
  }
  assert.deepEqual(fetched, ['GET /api/v1/links/abc123/snapshot ']);
});
