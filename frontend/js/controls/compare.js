// Compare mode: a second scenario (B) beside the main one (A), in a network view of its own,
// stepped together: B's session joins the page's session group (session-group.js), so Step,
// phases, Play, Reset and the rewind slider act on both. B has its own store and session
// (session.js knows nothing of the DOM, so a second one is cheap). B is drawn with A's colour
// mode and selected sample.

import { createStore } from '../state.js';
import { createSession } from '../session.js';
import { createNetworkView } from '../render/network.js';
import { phaseLabel } from '../phases.js';
import { fmt, pct } from '../format.js';
import { h } from './dialogs.js';

const MIRRORED = ['step', 'nextPhase', 'prevPhase', 'goTo', 'reset', 'rescale'];

/**
 * sessions: the page's session group; deps: {api, afterFrame}.
 * Returns {open(scenario, label), close(), update(keys), store, session, active}.
 */
export function bindCompare(root, store, sessions, { api, afterFrame }) {
  const a = store.state;
  const storeB = createStore();
  const sessionB = createSession(storeB, { api, afterFrame });
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

  async function open(scenario, text) {
    storeB.set({ schema: a.schema });
    active = true;
    sessions.add(sessionB);
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
    if (ok && a.scales) storeB.set({ scales: { ...b.scales, weight: a.scales.weight, bias: a.scales.bias, gradient: a.scales.gradient, update: a.scales.update } });
    if (ok) await sessions.follow(sessionB);
    return ok;
  }

  function closeCompare() {
    if (!active) return;
    active = false;
    sessions.remove(sessionB);
    pane.hidden = true;
    labelA.hidden = true;
    document.body.classList.remove('compare');
    store.set({ compare: null, compareLabel: null });
  }
  close.addEventListener('click', closeCompare);

  // ---- drawing B (and A's label), from the page's one render subscriber
  const text = (el, t) => el.textContent !== t && (el.textContent = t);
  let later = false;
  /** keys: what changed in A's state (null: B's state changed). */
  function update(keys) {
    if (!active) return;
    text(labelA, `A · ${a.scenario?.title ?? 'this scenario'}`);
    if (keys && !keys.has('colorMode') && !keys.has('sample')) return;
    if (!b.scenario || !b.params || !b.scales) return;
    // B is drawn with A's view options: one colour mode and one sample for both networks.
    const shown = { ...b, colorMode: a.colorMode, sample: a.sample };
    if (view.update(shown)) requestAnimationFrame(() => storeB.redraw());
    const L = b.params.length;
    text(label, `B · ${a.compareLabel ?? b.scenario.title ?? 'compared scenario'}`);
    text(counter, String(b.step));
    text(phase, b.playing ? 'playing' : phaseLabel(b.phase, L));
    const m = b.snapshot?.metrics;
    text(metrics, m ? `loss ${fmt(m.train_loss)}${m.train_accuracy !== null && m.train_accuracy !== undefined ? ` · accuracy ${pct(m.train_accuracy)}` : ''}${b.snapshot?.diverged ? ' · diverged' : ''}` : '');
    if (!later) {
      later = true;
      afterFrame(() => {
        later = false;
        view.updateLabels({ ...b, colorMode: a.colorMode, sample: a.sample });
        view.updateThumbnails(b);
      });
    }
  }

  return {
    open,
    close: closeCompare,
    update,
    store: storeB,
    session: sessionB,
    get active() {
      return active;
    },
  };
}
