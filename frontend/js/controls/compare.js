// Compare mode: a second scenario (B) beside the main one (A), in a network view and an output
// view of its own, stepped in lockstep: B's session joins the page's session group
// (session-group.js), so Step, phases, Play, Reset and the rewind slider act on both. B has its
// own store and session (session.js knows nothing of the DOM, so a second one is cheap). B is
// drawn with A's colour mode and selected sample; the charts carry both runs (chartRuns).

import { createStore } from '../state.js';
import { createSession } from '../session.js';
import { createNetworkView } from '../render/network.js';
import { createOutputView } from '../render/output.js';
import { metricsLine } from '../render/status.js';
import { phaseLabel } from '../phases.js';
import { h } from './dialogs.js';

/**
 * sessions: the page's session group; deps: {api, afterFrame}.
 * Returns {open(scenario, label), close(), update(keys), chartRuns(), store, session, active}.
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

  // B's output view, beside A's in the side panel; each named by its run.
  const pair = root.querySelector('.output-pair');
  const nameA = root.querySelector('#output-name-a');
  const nameB = h('figcaption', { cls: 'run-name run-b', testid: 'output-name-b' });
  const outWrap = h('div', { cls: 'output-wrap', attrs: { id: 'output-b' } });
  const metricsB = h('p', { cls: 'metrics run-b', testid: 'compare-output-metrics' });
  const figB = h('figure', { cls: 'output-run', testid: 'compare-output', attrs: { 'data-run': 'b' } }, nameB, outWrap, metricsB);
  // In the page only while comparing: the page's own output view stays the one output canvas.
  figB.hidden = true;
  const outputB = createOutputView(outWrap, { onAddPoint: () => {} });
  const nameOfA = () => a.scenario?.title ?? 'this scenario';
  const nameOfB = () => a.compareLabel ?? b.scenario?.title ?? 'compared scenario';

  async function open(scenario, text) {
    storeB.set({ schema: a.schema });
    active = true;
    sessions.add(sessionB);
    pane.hidden = false;
    labelA.hidden = false;
    figB.hidden = false;
    pair?.appendChild(figB);
    if (nameA) nameA.hidden = false;
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
    figB.hidden = true;
    figB.remove();
    if (nameA) nameA.hidden = true;
    document.body.classList.remove('compare');
    store.set({ compare: null, compareLabel: null });
  }
  close.addEventListener('click', closeCompare);

  // ---- drawing B (and A's label), from the page's one render subscriber
  const text = (el, t) => el.textContent !== t && (el.textContent = t);
  let later = false;
  let seen = '';
  /** keys: what changed in A's state (null: B's state changed). */
  function update(keys) {
    if (!active) return;
    text(labelA, `A · ${nameOfA()}`);
    if (nameA) text(nameA, `A · ${nameOfA()}`);
    if (keys === null) {
      // B moved: A's side (charts, caption) speaks of B too, so it is drawn again.
      const now = `${b.step}|${b.phase}|${b.history?.version}|${b.playing}|${b.snapshot?.step}`;
      if (now !== seen && !a.playing) store.redraw();
      seen = now;
    }
    if (keys && !keys.has('colorMode') && !keys.has('sample')) return;
    if (!b.scenario || !b.params || !b.scales) return;
    // B is drawn with A's view options: one colour mode and one sample for both networks.
    const shown = { ...b, colorMode: a.colorMode, sample: a.sample };
    if (view.update(shown)) requestAnimationFrame(() => storeB.redraw());
    const L = b.params.length;
    text(label, `B · ${nameOfB()}`);
    text(nameB, `B · ${nameOfB()}`);
    text(counter, String(b.step));
    text(phase, b.playing ? 'playing' : phaseLabel(b.phase, b.trace?.layers?.length === L ? b.trace.layers : L));
    const m = b.snapshot?.metrics;
    const gone = b.snapshot?.diverged ? ' · diverged' : '';
    text(metrics, m ? `${metricsLine(m)}${gone}` : '');
    text(metricsB, m ? `${metricsLine(m, { short: true })}${gone}` : '');
    if (!later) {
      later = true;
      afterFrame(() => {
        later = false;
        const shownLater = { ...b, colorMode: a.colorMode, sample: a.sample };
        view.updateLabels(shownLater);
        view.updateThumbnails(b);
        outputB.update(shownLater);
      });
    }
  }

  /** What the charts draw beside A's run: B's, with both runs' names (null when not comparing). */
  function chartRuns() {
    if (!active || !b.history) return {};
    return { name: nameOfA(), compared: { name: nameOfB(), state: b } };
  }

  return {
    open,
    close: closeCompare,
    update,
    chartRuns,
    store: storeB,
    session: sessionB,
    get active() {
      return active;
    },
  };
}
