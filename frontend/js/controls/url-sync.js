// The address bar always holds the view on screen (url-state.js says how it is written), and the
// browser's back and forward move through views. Opening a fragment or a short link (/s/{id})
// shows exactly that view. Meaningful changes (a click, a key, a choice) add a history entry;
// what happens on its own (Play, a dragged slider) replaces the current one. A class page
// (/c/{code}, live-class.js) keeps its address: the class, not the fragment, says what it shows.

import * as api from '../api.js';
import { updateIndex } from '../phases.js';
import { FIELDS, URL_FIELDS } from '../state.js';
import { decodeFragment, decodeScenarioV1, encodeScenario, fragmentOf, isViewFragment, linkIdOf, sameScenario } from '../url-state.js';
import { classCodeOf } from './class-core.js';

const PLAY_WRITE_MS = 600; // the history API is rate-limited by browsers: not every frame
const WRITE_MS = 100; // after the frame that shows a change, never in its way
const GESTURE_MS = 4000;

/** The state's fields a short link's `view` stores, by their names there (state.js: `link`). */
const LINK_FIELDS = FIELDS.filter((f) => f.link);

/** A value of a short link's `view`, or the field's default when it is missing or not valid. */
async function readLinkField(field, raw) {
  const kind = field.url?.kind;
  if (kind === 'scenario') {
    // A short link packs it (url-state.js); a class's view holds the scenario itself.
    if (raw && typeof raw === 'object' && !Array.isArray(raw)) return raw;
    try {
      return typeof raw === 'string' ? await decodeScenarioV1(raw) : null;
    } catch {
      return null;
    }
  }
  if (kind === 'int') return Number.isInteger(raw) ? raw : field.default;
  if (kind === 'enum') return field.url.values.includes(raw) ? raw : field.default;
  if (kind === 'flag') return !!raw;
  return typeof raw === 'string' ? raw : field.default;
}

/** A selection as a link's view stores it, checked: {kind: 'node', layer, unit} or an edge. */
function readSelection(raw) {
  const n = (v) => Number.isInteger(v) && v >= 0;
  if (raw?.kind === 'node' && n(raw.layer) && n(raw.unit)) return { kind: 'node', layer: raw.layer, unit: raw.unit };
  if (raw?.kind === 'edge' && n(raw.layer) && raw.layer >= 1 && n(raw.from) && n(raw.to)) return { kind: 'edge', layer: raw.layer, from: raw.from, to: raw.to };
  return null;
}

/** The selection names a unit or weight of the network whose parameters are `params`. */
function fits(sel, params) {
  if (!sel || !params?.length) return false;
  if (sel.kind === 'node') return sel.layer === 0 ? sel.unit < (params[0].W[0]?.length ?? 0) : sel.layer <= params.length && sel.unit < params[sel.layer - 1].b.length;
  const W = params[sel.layer - 1]?.W;
  return !!W && sel.to < W.length && sel.from < (W[0]?.length ?? 0);
}

/** True on a class page (/c/{code}): its address is never rewritten. */
export const isClassPage = () => classCodeOf(globalThis.location?.pathname) !== null;

/** encodeScenario, remembered per scenario object (a scenario object never changes). */
export function createPacker() {
  const packed = new WeakMap();
  return (scenario) => {
    if (!packed.has(scenario)) packed.set(scenario, encodeScenario(scenario));
    return packed.get(scenario);
  };
}

/**
 * The fragment's view fields of a state, but the scenario (the compared one packed). pacePhase:
 * in compare mode the phase counts the deeper run's phases (restoring walks the group).
 */
export async function viewFields(state, { pack, pacePhase }) {
  const view = {};
  for (const { key, url } of URL_FIELDS) {
    if (key === 'scenario') continue; // a short link may leave it out (urlOf)
    view[key] = url.kind === 'scenario' ? state[key] && (await pack(state[key])) : state[key];
  }
  if (pacePhase !== undefined) view.phase = pacePhase;
  if (state.playing) view.phase = -1;
  return view;
}

/** A short link's (and a live class's) `view` for a state: {v: 1, phase, sample, …, selection}. */
export async function linkViewOf(state, opts) {
  const shown = { ...state, ...(await viewFields(state, opts)) };
  const view = { v: 1 };
  for (const { key, link: name } of LINK_FIELDS) {
    if (shown[key] !== null && shown[key] !== undefined) view[name] = shown[key];
  }
  if (state.selection) view.selection = state.selection;
  return view;
}

/** The view a short link (or a class) stored, as applyView takes it. rec: {step, view}. */
export async function viewOfLink(rec, scenario) {
  const stored = rec.view ?? {};
  const view = { scenario, step: rec.step ?? 0 };
  for (const field of LINK_FIELDS) view[field.key] = await readLinkField(field, stored[field.link]);
  view.selection = readSelection(stored.selection);
  return view;
}

/**
 * sessions: the page's session group; compare: {open(scenario, label), close()};
 * lecture: {set(on)}. Returns {openInitial, applyView, linkBody, schedule}; schedule() after
 * every change of the state (main.js's render does).
 */
export function bindUrlSync({ store, sessions, compare, lecture }) {
  const pack = createPacker();

  let link = null; // {id, scenario, view: fragment of its view} when the page opened a short link
  let restoring = 0;
  let gestureAt = -Infinity;
  let lastWriteAt = -Infinity;
  let lastScenario = null; // the scenario of the last address written
  let started = false;

  // A person did something: the next view change is a new history entry.
  for (const type of ['pointerdown', 'keydown', 'change']) {
    window.addEventListener(type, () => (gestureAt = performance.now()), { capture: true });
  }
  // Dragging the rewind slider is one gesture: its intermediate steps replace each other.
  document.querySelector('[data-testid="rewind"]')?.addEventListener('input', () => {
    gestureAt = Math.min(gestureAt, lastWriteAt);
  });

  const viewOf = (state) => viewFields(state, { pack, pacePhase: state === store.state ? sessions.pacePhase : undefined });

  async function urlOf(state) {
    const view = await viewOf(state);
    if (link && state.scenario === link.scenario) {
      const frag = fragmentOf(view);
      return frag === link.fragment ? `/s/${link.id}` : `/s/${link.id}${frag}`;
    }
    return `/${fragmentOf({ ...view, scenario: await pack(state.scenario) })}`;
  }

  let writing = false;
  let again = false;
  let timer = null;
  async function write() {
    if (writing) {
      again = true;
      return;
    }
    writing = true;
    try {
      do {
        again = false;
        const state = store.state;
        if (!started || restoring || !state.scenario || isClassPage()) return;
        const url = await urlOf(state);
        if (restoring) return;
        const here = `${location.pathname}${location.hash}`;
        // A new scenario is always a new entry (it can take longer than GESTURE_MS to arrive
        // on a busy machine); otherwise a view change right after a person's gesture is.
        const newScenario = lastScenario !== null && state.scenario !== lastScenario;
        lastScenario = state.scenario;
        if (url === here) continue;
        const now = performance.now();
        const push = !state.playing && (newScenario || (gestureAt > lastWriteAt && now - gestureAt < GESTURE_MS));
        lastWriteAt = now;
        if (push) history.pushState(null, '', url);
        else history.replaceState(null, '', url);
      } while (again);
    } finally {
      writing = false;
    }
  }

  function schedule() {
    if (timer !== null) return;
    const wait = store.state.playing ? Math.max(WRITE_MS, PLAY_WRITE_MS - (performance.now() - lastWriteAt)) : WRITE_MS;
    timer = setTimeout(() => {
      timer = null;
      write().catch(() => {});
    }, wait);
  }

  /** Shows step k at phase p (−1 at rest; the update phase shows step k, the end of update k−1). */
  async function showStepPhase(k, p) {
    const state = store.state;
    const L = state.params?.length ?? 0;
    const U = L ? updateIndex(state.params) : -1; // the network's shape: sub-phases of normalized layers
    if (L && p === U && k > 0) {
      await sessions.goTo(k - 1);
      await sessions.step();
      return;
    }
    if (state.step !== k || state.phase !== -1 || state.trace?.fromStep !== k) await sessions.goTo(k);
    if (L && p >= 0 && p < U) {
      for (let q = 0; q <= p; q++) await sessions.nextPhase();
    }
  }

  /**
   * Shows a view: {scenario, step, phase, sample, colorMode, lecture, compare, compareLabel,
   * selection?}.
   * The scenario is loaded only when it differs from the one on screen.
   */
  async function applyView(view) {
    restoring++;
    try {
      lecture.set(!!view.lecture);
      if (view.scenario && !sameScenario(view.scenario, store.state.scenario)) {
        const ok = await sessions.loadScenario(view.scenario);
        if (!ok) return false;
      }
      if (view.compare) {
        if (!sameScenario(view.compare, store.state.compare)) await compare.open(view.compare, view.compareLabel ?? null);
      } else if (store.state.compare) compare.close();
      await showStepPhase(view.step ?? 0, view.phase ?? -1);
      const patch = { sample: view.sample ?? 0, row: view.row ?? null, colorMode: view.colorMode ?? 'weight' };
      // A link's or a class's view names the selection (a fragment does not): kept when it fits.
      if ('selection' in view) patch.selection = fits(view.selection, store.state.params) ? view.selection : null;
      store.set(patch);
      await sessions.whenIdle();
      return true;
    } finally {
      restoring--;
      lastScenario = store.state.scenario; // the view restored is the entry on screen
      schedule();
    }
  }

  async function openLink(id) {
    const [rec, health] = await Promise.all([api.getLink(id), api.getHealth()]);
    // The link's title (plain text) shows where the scenario's title does; the engine ignores it.
    const scenario = rec.title && rec.title !== rec.scenario.title ? { ...rec.scenario, title: rec.title } : rec.scenario;
    api.useLink({ id, scenario, engine: health.engine_version });
    const stored = await viewOfLink(rec, scenario);
    link = { id, scenario, fragment: null, compareLabel: stored.compareLabel };
    link.fragment = fragmentOf({ ...stored, scenario: null, compare: stored.compare ? await pack(stored.compare) : null });
    let view = stored;
    if (isViewFragment(location.hash)) {
      const f = await decodeFragment(location.hash);
      view = { ...f, scenario: f.scenario ?? scenario, compareLabel: stored.compareLabel };
    }
    return applyView(view);
  }

  /** What the location says, if anything: a short link or a fragment. */
  async function fromLocation() {
    if (isClassPage()) return false; // the class's view (live-class.js)
    const id = linkIdOf(location.pathname);
    if (id) {
      if (link?.id === id && !isViewFragment(location.hash)) {
        const rec = await api.getLink(id);
        return applyView(await viewOfLink(rec, link.scenario));
      }
      if (link?.id !== id) return openLink(id);
    }
    if (!isViewFragment(location.hash)) return false;
    const view = await decodeFragment(location.hash);
    if (!view.scenario) view.scenario = link && id === link.id ? link.scenario : null;
    if (!view.scenario) throw new Error('The link names no scenario.');
    return applyView({ ...view, compareLabel: store.state.compareLabel });
  }

  window.addEventListener('popstate', () => {
    fromLocation().catch((err) => store.set({ error: { message: `This address could not be opened: ${err.message}`, fields: [] } }));
  });

  return {
    /** At start: shows the link or fragment in the address bar; false when there is none. */
    async openInitial() {
      try {
        return await fromLocation();
      } catch (err) {
        store.set({ error: { message: `This link could not be opened: ${err.message}`, fields: [] } });
        return false;
      } finally {
        started = true;
        schedule();
      }
    },
    applyView,
    /** The POST /links body for the view on screen. */
    async linkBody(title) {
      const state = store.state;
      const view = await linkViewOf(state, { pack, pacePhase: sessions.pacePhase });
      const body = { scenario: state.scenario, step: state.step, view };
      if (title) body.title = title;
      return body;
    },
    schedule,
  };
}
