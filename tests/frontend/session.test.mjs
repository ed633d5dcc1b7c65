// The session (what Step, the phases, rewind and Play mean) and the session group of compare
// mode, against a fake API: no server, no DOM.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createStore } from '../../frontend/js/state.js';
import { createSession } from '../../frontend/js/session.js';
import { createSessionGroup } from '../../frontend/js/session-group.js';
import { updateIndex } from '../../frontend/js/phases.js';
import { fakeApi } from './fake-api.mjs';

const SCENARIO = { title: 'fake', hidden_layers: [] };
const U = updateIndex(1); // one weight layer: forward 1, loss, backward 1, update
const tick = (f) => setTimeout(f, 0);
const w = (state) => state.params[0].W[0][0];

async function started(options = {}) {
  const api = fakeApi(options);
  const store = createStore();
  const session = createSession(store, { api, raf: tick, afterFrame: tick, now: () => 0, ...options.deps });
  assert.equal(await session.loadScenario(structuredClone(options.scenario ?? SCENARIO)), true);
  await session.whenIdle();
  return { api, store, state: store.state, session };
}

test('a loaded scenario shows step 0, ready, with the trace of update 0 → 1', async () => {
  const { state, api } = await started();
  assert.deepEqual([state.step, state.phase, state.maxStep, state.trace.fromStep, w(state)], [0, -1, 0, 0, 0]);
  assert.equal(state.scenarioVersion, 1);
  assert.equal(state.has2d, false);
  assert.deepEqual(state.dataset.train, [0]);
  assert.equal(api.count('heatmaps'), 0, 'no heatmaps for data that is not 2-D');
});

test('the phases walk forward, loss, backward and the update, which shows step k + 1', async () => {
  const { state, session } = await started();
  const seen = [];
  for (let p = 0; p <= U; p++) {
    await session.nextPhase();
    seen.push([state.phase, state.step, w(state)]);
  }
  // Before the update the weights shown are the trace's W; the update shows W_after.
  assert.deepEqual(seen, [[0, 0, 0], [1, 0, 0], [2, 0, 0], [U, 1, 1]]);
  assert.equal(state.maxStep, 1);
  // The next phase starts the update 1 → 2.
  await session.nextPhase();
  assert.deepEqual([state.phase, state.step, state.trace.fromStep], [0, 1, 1]);
});

test('Step finishes the update being walked, or does the next one from the prefetched trace', async () => {
  const { state, session, api } = await started();
  await session.nextPhase();
  await session.step();
  assert.deepEqual([state.phase, state.step, w(state)], [U, 1, 1]);
  await session.whenIdle(); // the trace of update 1 → 2 is fetched after the frame
  const before = api.count('step');
  await session.step();
  assert.deepEqual([state.phase, state.step, w(state)], [U, 2, 2]);
  assert.equal(api.count('step'), before, 'Step answered from the trace fetched ahead');
  assert.deepEqual(state.history.steps, [1, 2]);
});

test('the previous phase walks back through the update to ready', async () => {
  const { state, session } = await started();
  await session.step();
  await session.prevPhase();
  assert.deepEqual([state.phase, state.step, w(state)], [U - 1, 0, 0]);
  for (let p = U - 1; p > 0; p--) await session.prevPhase();
  assert.equal(state.phase, 0);
  await session.prevPhase();
  assert.deepEqual([state.phase, state.step], [-1, 0]);
  await session.prevPhase();
  assert.deepEqual([state.phase, state.step], [-1, 0], 'nothing before step 0');
});

test('rewind shows step k at rest and keeps the furthest step reached', async () => {
  const { state, session } = await started();
  for (let k = 0; k < 3; k++) await session.step();
  await session.goTo(1);
  assert.deepEqual([state.step, state.phase, state.maxStep, state.trace.fromStep, w(state)], [1, -1, 3, 1, 1]);
  await session.goTo(5);
  assert.deepEqual([state.step, state.maxStep, w(state)], [5, 5, 5]);
  await session.reset();
  assert.deepEqual([state.step, state.maxStep, state.scenarioVersion], [0, 0, 2]);
});

test('Play trains with /train until paused, then settles on the step reached', async () => {
  let stopped = 0;
  const { state, session, api } = await started({ deps: { onPlayStop: () => stopped++ } });
  session.play();
  assert.equal(state.playing, true);
  await new Promise((resolve) => setTimeout(resolve, 60));
  assert.ok(api.count('train') > 0);
  assert.ok(state.step > 0);
  session.pause();
  assert.equal(state.playing, false);
  assert.equal(stopped, 1);
  await new Promise((resolve) => setTimeout(resolve, 20));
  await session.whenIdle();
  assert.deepEqual([state.phase, state.trace.fromStep, w(state)], [-1, state.step, state.step]);
  assert.equal(state.maxStep, state.step);
});

test('a diverged run cannot be stepped on: the page says why', async () => {
  const { state, session } = await started({ divergeAt: 1 });
  await session.step();
  assert.equal(state.step, 1);
  await session.whenIdle();
  await session.step();
  assert.equal(state.step, 1);
  assert.match(state.notice, /diverged/);
});

test('a newer scenario wins over an older one still loading', async () => {
  const { state, session } = await started();
  const first = session.loadScenario({ ...SCENARIO, w0: 10 });
  const second = session.loadScenario({ ...SCENARIO, w0: 20 });
  assert.deepEqual(await Promise.all([first, second]), [false, true]);
  assert.equal(w(state), 20);
});

test('a session group steps, walks and rewinds its sessions together', async () => {
  const a = await started();
  const b = await started({ scenario: { ...SCENARIO, w0: 100 } });
  const group = createSessionGroup(a.session);
  group.add(b.session);
  await group.step();
  await group.nextPhase();
  assert.deepEqual([a.state.step, a.state.phase], [1, 0]);
  assert.deepEqual([b.state.step, b.state.phase, w(b.state)], [1, 0, 101]);
  await group.goTo(3);
  await group.whenIdle();
  assert.deepEqual([a.state.step, b.state.step], [3, 3]);
  // A new scenario for the lead restarts the follower at step 0.
  assert.equal(await group.loadScenario({ ...SCENARIO, w0: 7 }), true);
  await group.whenIdle();
  assert.deepEqual([a.state.step, w(a.state), b.state.step, w(b.state)], [0, 7, 0, 100]);
  // A session that left the group stays where it is.
  group.remove(b.session);
  await group.step();
  assert.deepEqual([a.state.step, b.state.step], [1, 0]);
});

test('a follower comes to the lead’s step and phase', async () => {
  const a = await started();
  const b = await started();
  const group = createSessionGroup(a.session);
  await a.session.step();
  await a.session.step();
  group.add(b.session);
  await group.follow(b.session);
  assert.deepEqual([b.state.step, b.state.phase], [2, U]);
  await a.session.nextPhase();
  await group.follow(b.session);
  assert.deepEqual([b.state.step, b.state.phase, b.state.trace.fromStep], [2, 0, 2]);
});

test('Play and pause of a group: both sessions play, both stop, the follower comes to the lead', async () => {
  let group;
  const a = await started({ deps: { onPlayStop: () => group.leadStopped() } });
  const b = await started();
  group = createSessionGroup(a.session);
  group.add(b.session);
  group.togglePlay();
  assert.deepEqual([a.state.playing, b.state.playing], [true, true]);
  await new Promise((resolve) => setTimeout(resolve, 40));
  group.togglePlay();
  assert.deepEqual([a.state.playing, b.state.playing], [false, false]);
  await new Promise((resolve) => setTimeout(resolve, 120));
  await group.whenIdle();
  assert.equal(b.state.step, a.state.step);
  assert.equal(b.state.phase, -1);
});
