// Play against a server that refuses requests for their work: it lowers its own speed and says
// so in words, instead of stopping with the server's message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createStore } from '../../frontend/js/state.js';
import { createSession } from '../../frontend/js/session.js';
import { fakeApi } from './fake-api.mjs';

const tick = (f) => setTimeout(f, 0);

test('Play halves its updates per request until the server accepts them, and plays on', async () => {
  const api = fakeApi({ maxTrainSteps: 3 });
  const store = createStore();
  const state = store.state;
  const session = createSession(store, { api, raf: tick, afterFrame: tick, now: () => 0 });
  assert.equal(await session.loadScenario({ title: 'fake', hidden_layers: [] }), true);
  await session.whenIdle();
  store.set({ speed: 20 });
  session.play();
  await new Promise((resolve) => setTimeout(resolve, 150));
  assert.equal(state.playing, true, 'Play goes on');
  assert.equal(state.error, null, 'no developer message');
  assert.match(state.notice, /Play slowed down to \d+ updates? per request/);
  assert.ok(state.step > 0, 'it trained');
  const sent = api.calls.filter((c) => c[0] === 'train').map((c) => c[2]);
  assert.ok(sent.some((n) => n > 3), 'it first asked for more than the server takes');
  assert.ok(sent.slice(-3).every((n) => n <= 3), `then at most what is accepted: ${sent}`);
  session.pause();
  await session.whenIdle();
});

test('Play stops with a plain message when a single update is too much', async () => {
  const api = fakeApi({ maxTrainSteps: 0 });
  const store = createStore();
  const state = store.state;
  const session = createSession(store, { api, raf: tick, afterFrame: tick, now: () => 0 });
  await session.loadScenario({ title: 'fake', hidden_layers: [] });
  await session.whenIdle();
  session.play();
  await new Promise((resolve) => setTimeout(resolve, 150));
  assert.equal(state.playing, false);
  assert.match(state.error.message, /Even one update at a time is more work than the server allows/);
});
