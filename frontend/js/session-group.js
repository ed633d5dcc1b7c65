// A group of sessions driven as one: a lead (the page's own session) and the sessions that
// follow it. Playback, lecture mode and the address bar act on the group; every action the
// lead takes, a follower takes too (compare mode: two networks stepped together). No DOM here.

import { updateIndex } from './phases.js';

/** Actions every session of the group takes, with the same arguments. */
const TOGETHER = ['step', 'nextPhase', 'prevPhase', 'goTo', 'reset', 'rescale'];

/** How long after a Play stops the followers are brought to the lead's step. */
const SETTLE_MS = 50;

/** lead: a session (session.js). Returns the group, which has every method a session has. */
export function createSessionGroup(lead) {
  const followers = new Set();
  let limits = null;

  const together = (name) => async (...args) => {
    const [result] = await Promise.all([lead[name](...args), ...[...followers].map((f) => f[name](...args))]);
    return result;
  };

  /** Brings a follower to the lead's step and phase (after it joins, and when a Play ends). */
  async function follow(session) {
    const a = lead.state;
    if (!session.state.scenario) return;
    const U = updateIndex(a.params?.length ?? 0);
    if (a.phase === U && a.step > 0) {
      await session.goTo(a.step - 1);
      await session.step();
      return;
    }
    await session.goTo(a.step);
    for (let q = 0; q <= a.phase; q++) await session.nextPhase();
  }

  const group = {
    lead,
    get state() {
      return lead.state;
    },
    get followers() {
      return [...followers];
    },
    /** Adds a session that follows the lead from now on (with the lead's limits). */
    add(session) {
      if (limits) session.setLimits(limits);
      followers.add(session);
    },
    /** The session stops following (it keeps its state; a Play of its own stops). */
    remove(session) {
      if (!followers.delete(session)) return;
      if (session.state.playing) session.pause();
    },
    follow,
    /** The lead stopped playing: once it has settled, the followers come to its step. */
    leadStopped() {
      setTimeout(() => {
        if (lead.state.playing) return;
        for (const f of followers) follow(f);
      }, SETTLE_MS);
    },

    ...Object.fromEntries(TOGETHER.map((name) => [name, together(name)])),
    togglePlay() {
      const playing = lead.state.playing;
      for (const f of followers) {
        if (playing) f.pause();
        else f.play();
      }
      return lead.togglePlay();
    },
    setLimits(next) {
      limits = { ...limits, ...next };
      for (const f of followers) f.setLimits(next);
      return lead.setLimits(next);
    },
    /** A new scenario for the lead, at step 0: the followers restart at step 0 too. */
    async loadScenario(scenario) {
      const ok = await lead.loadScenario(scenario);
      if (ok) for (const f of followers) f.reset();
      return ok;
    },
    /** Idle means every session of the group is idle (tests and the benchmark wait for it). */
    async whenIdle() {
      await lead.whenIdle();
      for (const f of followers) await f.whenIdle();
    },
    // The lead's alone: its own scenario's events, its own play loop.
    continueAt: (...args) => lead.continueAt(...args),
    play: () => lead.play(),
    pause: () => lead.pause(),
    lastUpdateStep: () => lead.lastUpdateStep(),
  };
  return group;
}
