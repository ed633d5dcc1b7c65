// Lecture mode: a light high-contrast theme with large type (lecture.css), advanced controls
// hidden, fullscreen, a caption that spells out the phase in words and symbols, driven by the
// keyboard or a presenter clicker (keymap.js: PageDown/→ next phase, PageUp/← previous phase,
// Space step, Q the QR code of the view, H predict-then-reveal). Step and the phase buttons
// act through `act`, which holds the update back while the class predicts.
//
// Predict, then reveal: with prediction on, the update phase is held back: the class sees every
// gradient, is asked which way a weight will move, votes, and the next press reveals it. In a
// live class the same question goes to the students' devices (onAsk: live-class.js's poll).

import { captionOf, compareCaption } from './compare-caption.js';
import { updateIndex } from '../phases.js';
import { fmt } from '../format.js';
import { h } from './dialogs.js';

// More edges than this and lecture mode leaves their numbers to the inspector.
const MANY_EDGES = 10;

/**
 * sessions: the page's session group. Returns {set(on, {fullscreen}), update, act(action),
 * setPredict, vote, asking, ask, onAsk}.
 */
export function bindLecture(root, store, sessions) {
  const state = store.state;
  const toggle = root.querySelector('[data-testid="lecture-toggle"]');
  const predictToggle = root.querySelector('[data-testid="predict-toggle"]');
  const network = root.querySelector('#network');

  // The caption, under the rewind row.
  const caption = h('section', { cls: 'lecture-caption', testid: 'caption', attrs: { 'aria-live': 'polite', 'aria-label': 'What this phase computes' } });
  const capTitle = h('p', { cls: 'cap-title', testid: 'caption-title' });
  const capDetail = h('p', { cls: 'cap-detail', testid: 'caption-detail' });
  const prompt = h('div', { cls: 'predict', testid: 'predict-prompt' });
  const promptText = h('p', { cls: 'predict-text' });
  const up = h('button', { text: '▲ up', testid: 'predict-up', attrs: { type: 'button' } });
  const down = h('button', { text: '▼ down', testid: 'predict-down', attrs: { type: 'button' } });
  const reveal = h('button', { cls: 'primary', text: 'Reveal ▶', testid: 'reveal', attrs: { type: 'button' } });
  prompt.append(promptText, h('div', { cls: 'predict-buttons' }, up, down, reveal));
  prompt.hidden = true;
  caption.append(capTitle, capDetail, prompt);
  const anchor = root.querySelector('.rewind-row');
  anchor?.parentElement.insertBefore(caption, anchor.nextSibling);

  let asked = null; // {key, sel, w, vote} while the question is open
  const askListeners = new Set();
  let answer = null; // {key, text} after the reveal

  // A phone always gets the phone layout, whatever the link asks for: the state keeps
  // `lecture` (the link stays a lecture link), the page's layout does not follow it there.
  const phone = globalThis.matchMedia?.('(max-width: 600px)');
  const layout = () => document.body.classList.toggle('lecture', !!state.lecture && !phone?.matches);
  phone?.addEventListener?.('change', () => {
    layout();
    store.redraw();
  });

  function set(on, { fullscreen = false } = {}) {
    document.body.classList.toggle('lecture', on && !phone?.matches);
    toggle?.setAttribute('aria-pressed', String(on));
    if (!!state.lecture !== on) store.set({ lecture: on });
    if (fullscreen && !phone?.matches) {
      if (on && !document.fullscreenElement) document.documentElement.requestFullscreen?.().catch(() => {});
      if (!on && document.fullscreenElement) document.exitFullscreen?.().catch(() => {});
    }
    if (!on) setPredict(false);
  }

  function setPredict(on) {
    predictToggle?.setAttribute('aria-pressed', String(on));
    if (!on) close();
    store.set(on && state.colorMode === 'update' ? { predicting: on, colorMode: 'weight' } : { predicting: on });
    refresh();
  }

  /** While the update is held back, its colours are too (the colour mode 'update' is not offered). */
  const hidesUpdate = (state) => state.predicting && !!state.trace?.layers && state.phase < updateIndex(state.trace.layers);
  function keepUpdateHidden() {
    if (state.colorMode === 'update' && hidesUpdate(state)) store.set({ colorMode: 'weight' });
  }

  toggle?.addEventListener('click', () => set(!state.lecture, { fullscreen: true }));
  predictToggle?.addEventListener('click', () => setPredict(!state.predicting));

  const traceKey = () => `${state.scenarioVersion}:${state.trace?.fromStep}`;
  /** The coming update is on screen (ready, or part-way through its phases). */
  const coming = () => !!state.trace?.layers && state.trace.fromStep === state.step && state.phase < updateIndex(state.trace.layers);

  /** The weight to ask about: the selected edge, else the one with the largest gradient. */
  function chooseWeight() {
    const t = state.trace;
    if (state.selection?.kind === 'edge') return state.selection;
    let best = null;
    let bestG = -1;
    t.layers.forEach((layer, idx) => {
      layer.grad_W.forEach((row, j) => row.forEach((g, i) => {
        if (Number.isFinite(g) && Math.abs(g) > bestG) {
          bestG = Math.abs(g);
          best = { kind: 'edge', layer: idx + 1, from: i, to: j };
        }
      }));
    });
    return best;
  }

  function ask() {
    const sel = chooseWeight();
    if (!sel) return false;
    const layer = state.trace.layers[sel.layer - 1];
    asked = { key: traceKey(), sel, w: layer.W[sel.to][sel.from], g: layer.grad_W[sel.to][sel.from], vote: null };
    if (state.selection?.kind !== 'edge') store.set({ selection: sel });
    refresh();
    for (const fn of askListeners) fn({ sel, fromStep: state.trace.fromStep });
    return true;
  }

  function close() {
    asked = null;
    prompt.hidden = true;
  }

  /** Would this action show the update while the class has not predicted it yet? */
  function held(action) {
    if (!state.predicting || !state.trace?.layers || state.playing) return false;
    if (asked && asked.key === traceKey() && coming()) return false; // the press that reveals
    if (action === 'step') return true;
    return coming() && state.phase === updateIndex(state.trace.layers) - 1;
  }

  /** Holds the update back: shows the question instead (after the gradients, for Step). */
  async function hold(action) {
    if (action === 'step' && !coming()) await sessions.goTo(state.step);
    if (!ask()) return false;
    return true;
  }

  function afterReveal() {
    if (!asked) return;
    const { sel, w, vote } = asked;
    const t = state.trace;
    const after = t?.layers?.[sel.layer - 1]?.W_after?.[sel.to]?.[sel.from];
    if (Number.isFinite(after) && Number.isFinite(w)) {
      const dir = after > w ? 'up' : after < w ? 'down' : 'nowhere';
      const verdict = vote ? ` The class said ${vote}: ${vote === dir ? 'right' : 'not this time'}.` : '';
      answer = { key: `${state.scenarioVersion}:${state.step}`, text: `w${sel.to}←${sel.from} of layer ${sel.layer} went ${dir}: ${fmt(w, 4)} → ${fmt(after, 4)} (Δw = ${fmt(after - w, 3)}).${verdict}` };
    }
    close();
  }

  /** Step ('step'), next phase ('next') or previous phase ('prev'), unless the update is held. */
  async function act(action) {
    if (held(action)) {
      await hold(action);
      return;
    }
    const revealing = state.predicting && asked && coming();
    if (action === 'step') await sessions.step();
    else if (action === 'next') await sessions.nextPhase();
    else await sessions.prevPhase();
    if (revealing && state.phase === updateIndex(state.trace?.layers ?? 0)) afterReveal();
    keepUpdateHidden();
  }

  up.addEventListener('click', () => vote('up'));
  down.addEventListener('click', () => vote('down'));
  reveal.addEventListener('click', () => act(state.phase === -1 ? 'step' : 'next'));
  function vote(v) {
    if (!asked) return;
    asked.vote = v;
    up.setAttribute('aria-pressed', String(v === 'up'));
    down.setAttribute('aria-pressed', String(v === 'down'));
    refresh();
  }

  // ---- the caption
  let lastKey = null;
  function refresh() {
    lastKey = null;
    update(state);
  }

  function update(state) {
    if (asked && (asked.key !== traceKey() || !coming())) close();
    document.body.classList.toggle('hide-update', hidesUpdate(state));
    if (!state.lecture && !state.predicting) return;
    network?.classList.toggle('many-edges', (state.params ?? []).reduce((n, p) => n + p.W.length * (p.W[0]?.length ?? 0), 0) > MANY_EDGES);
    const L = state.params?.length ?? 0;
    const b = state.compare ? sessions.followers?.[0]?.state : null;
    const key = `${state.step}|${state.phase}|${L}|${state.scenarioVersion}|${state.playing}|${asked?.vote}|${!!asked}|${answer?.key}|${b ? `${b.step}:${b.phase}:${b.scenarioVersion}:${b.trace?.fromStep}` : ''}`;
    if (key === lastKey) return;
    lastKey = key;
    const compared = sessions.followers?.[0]?.state;
    const c = compared?.scenario && state.compare ? compareCaption(state, compared) : captionOf(state);
    capTitle.textContent = state.playing ? `Training: step ${state.step}` : c.title;
    capDetail.textContent = state.playing ? 'Press Space or P to stop and look at one update.' : answer && answer.key === `${state.scenarioVersion}:${state.step}` && state.phase >= 0 ? answer.text : c.detail;
    prompt.hidden = !asked;
    if (asked) {
      const { sel, w, g } = asked;
      promptText.textContent = `Predict: will w${sel.to}←${sel.from} of layer ${sel.layer} (now ${fmt(w, 4)}, gradient ${fmt(g, 3)}) go up or down?${asked.vote ? ` The class says ${asked.vote}.` : ''}`;
    }
  }
  return {
    set,
    update,
    act,
    setPredict,
    vote,
    /** True while the class is asked which way a weight will move. */
    get asking() {
      return !!asked;
    },
    /** Asks now (predict mode, before the update): the next press reveals. False if it cannot. */
    ask: () => !!state.predicting && coming() && ask(),
    /** fn({sel, fromStep}) whenever the class is asked which way a weight will move. */
    onAsk(fn) {
      askListeners.add(fn);
      return () => askListeners.delete(fn);
    },
  };
}
