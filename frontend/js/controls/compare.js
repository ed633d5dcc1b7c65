// Compare mode: a second scenario (B) beside the main one (A), in a network view of its own,
// stepped together: Step, phases, Play, Reset and the rewind slider act on both. B has its own
// store and session (session.js knows nothing of the DOM, so a second one is cheap); the
// actions reach it by wrapping the main session's methods.

import { createStore } from '../state.js';
import { createSession } from '../session.js';
import { createNetworkView } from '../render/network.js';
import { phaseLabel, updateIndex } from '../phases.js';
import { fmt, pct } from '../format.js';
import { h } from './dialogs.js';

const MIRRORED = ['step', 'nextPhase', 'prevPhase', 'goTo', 'reset', 'rescale'];

/** deps: {afterFrame}. Returns {open(scenario, label), close(), store, session}. */
export function bindCompare(root, store, session, { afterFrame }) {
  const s = store.state;
  const storeB = createStore();
  const sessionB = createSession(storeB, { afterFrame });
  const b = storeB.state;
  let active = false;

  // ---- the pane: B's label, counters and network, next to A's network
  const pane = h('section', { cls: 'compare-pane', testid: 'compare-pane', attrs: { 'aria-label': 'Compared scenario' } });
  const head = h('div', { cls: 'compare-head' });
  const label = h('span', { cls: 'compare-label', testid: 'compare-label' });
  const counter = h('output', { testid: 'compare-step' });
  const phase = h('span', { cls: 'compare-phase', testid: 'compare-phase' });
  const metrics = h('span', { cls: 'compare-metrics', testid: 'compare-metrics' });
  const close = h('button', { cls: 'small', text: '✕ Close compare', testid: 'compare-close', attrs: { type: 'button' } });
  head.append(label, h('span', { cls: 'compare-counter' }, document.createTextNode('step '), counter), phase, metrics, close);
  const error = h('p', { cls: 'compare-error', attrs: { role: 'alert' } });
  error.hidden = true;
  const net = h('div', { cls: 'network-wrap compare-network', attrs: { tabindex: '-1' } });
  pane.append(head, error, net);
  pane.hidden = true;
  const netA = root.querySelector('#network');
  netA.parentElement.insertBefore(pane, netA.nextSibling);
  // A's label, over its network.
  const labelA = h('div', { cls: 'compare-label-a', testid: 'compare-label-a' });
  labelA.hidden = true;
  netA.parentElement.insertBefore(labelA, netA);

  const view = createNetworkView(net, { onSelect: () => {} });
  view.setOnResize(() => storeB.touch('params'));

  // ---- wrap the main session: every action on A is done on B too
  for (const name of MIRRORED) {
    const own = session[name];
    session[name] = (...args) => {
      if (active) sessionB[name](...args);
      return own(...args);
    };
  }
  const ownToggle = session.togglePlay;
  session.togglePlay = (...args) => {
    if (active) (s.playing ? sessionB.pause() : sessionB.play());
    return ownToggle(...args);
  };
  const ownLimits = session.setLimits;
  session.setLimits = (limits) => {
    sessionB.setLimits(limits);
    return ownLimits(limits);
  };
  // Idle means both sides are idle (tests and the benchmark wait for it).
  const ownIdle = session.whenIdle;
  session.whenIdle = async () => {
    await ownIdle();
    if (active) await sessionB.whenIdle();
  };
  const ownLoad = session.loadScenario;
  session.loadScenario = async (...args) => {
    const ok = await ownLoad(...args);
    if (ok && active) sessionB.reset(); // A restarted at step 0: so does B
    return ok;
  };

  /** Brings B to A's step and phase (after opening, and when a Play ends). */
  async function follow() {
    if (!active || !b.scenario) return;
    const U = updateIndex(s.params?.length ?? 0);
    if (s.phase === U && s.step > 0) {
      await sessionB.goTo(s.step - 1);
      await sessionB.step();
      return;
    }
    await sessionB.goTo(s.step);
    for (let q = 0; q <= s.phase; q++) await sessionB.nextPhase();
  }

  async function open(scenario, text) {
    storeB.set({ openapi: s.openapi, schema: s.schema, presets: s.presets, colorMode: s.colorMode, sample: s.sample });
    active = true;
    pane.hidden = false;
    labelA.hidden = false;
    document.body.classList.add('compare');
    label.textContent = `B · ${text ?? scenario.title ?? 'compared scenario'}`;
    const ok = await sessionB.loadScenario(structuredClone(scenario));
    if (!ok) {
      error.hidden = false;
      error.textContent = `The compared scenario was refused: ${b.error?.message ?? 'unknown error'}`;
    } else error.hidden = true;
    store.set({ compare: scenario, compareLabel: text ?? null });
    // The same colour scales on both sides, so equal colours mean equal values.
    if (ok && s.scales) storeB.set({ scales: { ...b.scales, weight: s.scales.weight, bias: s.scales.bias, gradient: s.scales.gradient, update: s.scales.update } });
    await follow();
    return ok;
  }

  function closeCompare() {
    if (!active) return;
    active = false;
    if (b.playing) sessionB.pause();
    pane.hidden = true;
    labelA.hidden = true;
    document.body.classList.remove('compare');
    store.set({ compare: null, compareLabel: null });
  }
  close.addEventListener('click', closeCompare);

  // ---- B follows A's view options; a Play that ends brings B to A's step
  let wasPlaying = false;
  store.subscribe(() => {
    if (!active) return;
    if (b.colorMode !== s.colorMode || b.sample !== s.sample) storeB.set({ colorMode: s.colorMode, sample: s.sample });
    if (wasPlaying && !s.playing) setTimeout(() => !s.playing && follow(), 50);
    wasPlaying = s.playing;
    const title = s.scenario?.title;
    const a = `A · ${title ?? 'this scenario'}`;
    if (labelA.textContent !== a) labelA.textContent = a;
  });

  // ---- drawing B
  let later = false;
  storeB.subscribe((state) => {
    if (!active || !state.scenario || !state.params || !state.scales) return;
    if (view.update(state)) requestAnimationFrame(() => storeB.touch('animStart'));
    const L = state.params.length;
    const text = (el, t) => el.textContent !== t && (el.textContent = t);
    text(label, `B · ${s.compareLabel ?? state.scenario.title ?? 'compared scenario'}`);
    text(counter, String(state.step));
    text(phase, state.playing ? 'playing' : phaseLabel(state.phase, L));
    const m = state.snapshot?.metrics;
    text(metrics, m ? `loss ${fmt(m.train_loss)}${m.train_accuracy !== null && m.train_accuracy !== undefined ? ` · accuracy ${pct(m.train_accuracy)}` : ''}${state.snapshot?.diverged ? ' · diverged' : ''}` : '');
    if (!later) {
      later = true;
      afterFrame(() => {
        later = false;
        view.updateLabels?.(storeB.state);
        view.updateThumbnails?.(storeB.state);
      });
    }
  });

  return {
    open,
    close: closeCompare,
    store: storeB,
    session: sessionB,
    get active() {
      return active;
    },
  };
}
