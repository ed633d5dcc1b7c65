// A group of sessions driven as one: a lead (the page's own session) and the sessions that
// follow it. Playback, lecture mode and the address bar act on the group; every action the
// lead takes, a follower takes too (compare mode: two networks stepped together). No DOM here.
//
// Lockstep: at every press all sessions show the same step and the same kind of phase (ready,
// forward, loss, backward, update), whatever their depths. The deepest session sets the pace;
// a shallower one holds its last layer of the same kind (heldPhase) while the deeper one walks
// the layers it does not have. A batch-normalized layer's sub-phases (phases.js) count: the
// session with the most phases sets the pace.

import { phaseList, shapeOf, updateIndex } from './phases.js';

/** Actions every session of the group takes, with the same arguments. */
const TOGETHER = ['step', 'goTo', 'reset', 'rescale'];

/** How long after a Play stops the followers are brought to the lead's step. */
const SETTLE_MS = 50;

/**
 * The phase a network `net` shows while the pace-setter, `pace`, is at phase `p` (−1 ready,
 * phases.js's indices; both networks as phases.js's `net`: a number of layers, or layers that
 * may be batch-normalized): the same kind, the layer at the same place within that kind
 * (forward from the input, backward from the output), or its last one of that kind. Within a
 * layer, a normalized layer's sub-phases are matched by position: a plain layer holds its one
 * phase while the other walks z, BN, a; a normalized layer facing a plain one shows its last
 * sub-phase of that layer (the whole layer computed), as it does while it holds.
 */
export function heldPhase(p, pace, net) {
  const sp = shapeOf(pace);
  const so = shapeOf(net);
  if (p < 0 || !so.L || !sp.L) return p;
  if (sp.L === so.L && sp.bn.every((b, l) => b === so.bn[l])) return p;
  const list = phaseList(sp);
  const phase = list[p];
  if (!phase) return p;
  const other = phaseList(so);
  if (phase.kind === 'loss') return other.findIndex((q) => q.kind === 'loss');
  if (phase.kind === 'update') return other.length - 1;
  let layer;
  let held;
  if (phase.kind === 'forward') {
    layer = Math.min(phase.layer, so.L);
    held = phase.layer > so.L;
  } else {
    const fromOut = sp.L - phase.layer;
    layer = so.L - Math.min(fromOut, so.L - 1);
    held = fromOut > so.L - 1;
  }
  const same = (q) => q.kind === phase.kind && q.layer === layer;
  const mine = other.map((q, k) => (same(q) ? k : -1)).filter((k) => k >= 0);
  const subs = list.map((q, k) => (q.kind === phase.kind && q.layer === phase.layer ? k : -1)).filter((k) => k >= 0);
  const pos = subs.indexOf(p);
  if (held || pos === subs.length - 1) return mine.at(-1);
  return mine[Math.min(pos, mine.length - 1)];
}

/** A session's network, for phases.js (its trace's layers, else its parameters; 0 before). */
const shape = (session) => session.state.trace?.layers ?? session.state.params ?? 0;
/** Weight layers of a session's network (0 before it has one). */
const depth = (session) => shapeOf(shape(session)).L;
/** Phases of one update of a session's network. */
const phases = (session) => updateIndex(shape(session)) + 1;

/** lead: a session (session.js). Returns the group, which has every method a session has. */
export function createSessionGroup(lead) {
  const followers = new Set();
  let limits = null;

  const all = () => [lead, ...followers].filter((s) => s.state.scenario);
  /**
   * The session that sets the pace: the one with the most phases (the deepest; a normalized
   * layer's sub-phases count), the lead among equals.
   */
  const pacer = () => all().reduce((best, s) => (phases(s) > phases(best) || (phases(s) === phases(best) && depth(s) > depth(best)) ? s : best), lead);

  const together = (name) => async (...args) => {
    const [result] = await Promise.all([lead[name](...args), ...[...followers].map((f) => f[name](...args))]);
    return result;
  };

  /** Where `session` should be while the pace-setter shows (step, p). */
  const targetOf = (session, step, p, pace) => ({ step, phase: heldPhase(p, pace, shape(session)) });
  const at = (session, t) => session.state.step === t.step && session.state.phase === t.phase;

  /** Brings a session to (step, phase): one phase on or back when that is enough, else a walk. */
  async function bring(session, t, hint) {
    if (at(session, t)) return;
    if (hint) {
      await session[hint]();
      if (at(session, t)) return;
    }
    const U = updateIndex(shape(session));
    if (t.phase === U && t.step > 0) {
      await session.goTo(t.step - 1);
      await session.step();
      return;
    }
    await session.goTo(t.step);
    for (let q = 0; q <= t.phase; q++) await session.nextPhase();
  }

  /**
   * One phase on ('nextPhase') or back ('prevPhase') for the group: the pace-setter moves one
   * phase; every other session moves to the phase it holds at the pace-setter's new one.
   */
  async function walk(hint) {
    const p = pacer();
    await p[hint]();
    const pace = shape(p);
    const { step, phase } = p.state;
    await Promise.all(all().filter((s) => s !== p).map((s) => bring(s, targetOf(s, step, phase, pace), hint)));
  }

  /** Brings a session to the group's step and phase (after it joins, and when a Play ends). */
  async function follow(session) {
    if (!session.state.scenario) return;
    const p = pacer();
    if (p === session) {
      // The newcomer is the deepest: it takes the first of its phases that shows the lead's.
      const Ls = shape(lead);
      const Lp = shape(session);
      let q = lead.state.phase;
      if (q >= 0) q = [...Array(updateIndex(Lp) + 1).keys()].find((x) => heldPhase(x, Lp, Ls) === lead.state.phase) ?? q;
      return bring(session, { step: lead.state.step, phase: q });
    }
    return bring(session, targetOf(session, p.state.step, p.state.phase, shape(p)));
  }

  const group = {
    lead,
    get state() {
      return lead.state;
    },
    get followers() {
      return [...followers];
    },
    /** The phase of the session that sets the pace: what a link's `phase` counts (API.md). */
    get pacePhase() {
      return pacer().state.phase;
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
    nextPhase: () => walk('nextPhase'),
    prevPhase: () => walk('prevPhase'),
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
