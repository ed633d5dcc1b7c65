// Compare mode's lockstep: two sessions of different depths, driven as one group, show the same
// step and the same kind of phase after every press (the deeper one sets the pace).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createStore } from '../../frontend/js/state.js';
import { createSession } from '../../frontend/js/session.js';
import { createSessionGroup, heldPhase } from '../../frontend/js/session-group.js';
import { phaseLabel, phaseList, updateIndex } from '../../frontend/js/phases.js';
import { fakeApi } from './fake-api.mjs';

const tick = (f) => setTimeout(f, 0);

/** The fake API's 1-1 network with its one layer repeated `depth` times (scenario.depth). */
function deepApi() {
  const api = fakeApi();
  const repeat = (r, n) => {
    if (r.params) r.params = Array.from({ length: n }, () => structuredClone(r.params[0]));
    if (r.trace?.layers) r.trace.layers = Array.from({ length: n }, () => structuredClone(r.trace.layers[0]));
    return r;
  };
  return {
    ...api,
    postSnapshot: async (sc, k) => repeat(await api.postSnapshot(sc, k), sc.depth),
    postStep: async (sc, k, n) => repeat(await api.postStep(sc, k, n), sc.depth),
  };
}

async function started(depth) {
  const store = createStore();
  const session = createSession(store, { api: deepApi(), raf: tick, afterFrame: tick, now: () => 0 });
  assert.equal(await session.loadScenario({ title: `depth ${depth}`, hidden_layers: [], depth }), true);
  await session.whenIdle();
  return session;
}

const kind = (s) => {
  const p = s.state.phase;
  return p < 0 ? 'ready' : phaseList(s.state.params.length)[p].kind;
};

test('heldPhase: the same kind, the layer at the same place, or the last one of that kind', () => {
  // A 2-layer pace-setter against a 1-layer network: f1 f2 loss b2 b1 update.
  assert.deepEqual([-1, 0, 1, 2, 3, 4, 5].map((p) => heldPhase(p, 2, 1)), [-1, 0, 0, 1, 2, 2, 3]);
  // Equal depths: the same phase.
  assert.deepEqual([-1, 0, 3, 5].map((p) => heldPhase(p, 2, 2)), [-1, 0, 3, 5]);
  // 4 layers against 2: forward 1, 2, 2, 2; backward (from the output) 2, 1, 1, 1.
  const labels = [...Array(updateIndex(4) + 1).keys()].map((p) => phaseLabel(heldPhase(p, 4, 2), 2));
  assert.deepEqual(labels, ['forward · layer 1', 'forward · layer 2', 'forward · layer 2', 'forward · layer 2', 'loss', 'backward · layer 2', 'backward · layer 1', 'backward · layer 1', 'backward · layer 1', 'update']);
});

for (const [depthA, depthB] of [[2, 1], [1, 3]]) {
  test(`sessions of depths ${depthA} and ${depthB} move in lockstep, forwards and back`, async () => {
    const a = await started(depthA);
    const b = await started(depthB);
    const group = createSessionGroup(a);
    group.add(b);
    await group.follow(b);
    const same = (what) => {
      assert.equal(a.state.step, b.state.step, `${what}: step`);
      assert.equal(kind(a), kind(b), `${what}: kind of phase (${phaseLabel(a.state.phase, depthA)} / ${phaseLabel(b.state.phase, depthB)})`);
    };
    const deep = Math.max(depthA, depthB);
    const pacer = depthA >= depthB ? a : b;
    const seen = [];
    for (let n = 0; n < 2 * (2 * deep + 2); n++) {
      await group.nextPhase();
      same(`next ${n}`);
      seen.push(pacer.state.phase);
    }
    // The deeper session walked every one of its phases, twice.
    const U = updateIndex(deep);
    assert.deepEqual(seen, [...[...Array(U + 1).keys()], ...[...Array(U + 1).keys()]]);
    assert.equal(a.state.step, 2);
    for (let n = 0; n < 2 * deep + 4; n++) {
      await group.prevPhase();
      same(`prev ${n}`);
    }
    await group.step();
    same('step');
    await group.nextPhase();
    same('step, then next');
    await group.goTo(0);
    same('rewind');
  });
}

test('a deeper session that joins takes the lead’s kind of phase', async () => {
  const a = await started(1);
  const b = await started(3);
  const group = createSessionGroup(a);
  await a.step();
  await a.nextPhase(); // forward · layer 1
  await a.nextPhase(); // loss
  group.add(b);
  await group.follow(b);
  assert.deepEqual([b.state.step, kind(b)], [1, 'loss']);
});

test('a link counts the deeper run\'s phases: pacePhase, and walking that many shows the same view', async () => {
  const a = await started(1);
  const b = await started(3);
  const group = createSessionGroup(a);
  group.add(b);
  await group.follow(b);
  for (let n = 0; n < 4; n++) await group.nextPhase();
  await group.whenIdle();
  const view = [group.pacePhase, a.state.phase, b.state.phase];
  assert.equal(group.pacePhase, b.state.phase, 'the deeper run sets the phase a link keeps');
  // restoring: the group back at the step, then walked pacePhase + 1 times
  await group.goTo(a.state.step);
  for (let q = 0; q <= view[0]; q++) await group.nextPhase();
  await group.whenIdle();
  assert.deepEqual([group.pacePhase, a.state.phase, b.state.phase], view);
});
