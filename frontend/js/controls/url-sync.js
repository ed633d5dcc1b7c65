// The address bar always holds the view on screen (url-state.js says how it is written), and the
// browser's back and forward move through views. Opening a fragment or a short link (/s/{id})
// shows exactly that view. Meaningful changes (a click, a key, a choice) add a history entry;
// what happens on its own (Play, a dragged slider) replaces the current one.

import * as api from '../api.js';
import { updateIndex } from '../phases.js';
import { FIELDS, URL_FIELDS } from '../state.js';
import { decodeFragment, decodeScenarioV1, encodeScenario, fragmentOf, isViewFragment, linkIdOf, sameScenario } from '../url-state.js';

const PLAY_WRITE_MS = 600; // the history API is rate-limited by browsers: not every frame
const WRITE_MS = 100; // after the frame that shows a change, never in its way
const GESTURE_MS = 4000;

/** The state's fields a short link's `view` stores, by their names there (state.js: `link`). */
const LINK_FIELDS = FIELDS.filter((f) => f.link);

/** A value of a short link's `view`, or the field's default when it is missing or not valid. */
async function readLinkField(field, raw) {
  const kind = field.url?.kind;
  if (kind === 'scenario') {
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

/**
 * sessions: the page's session group; compare: {open(scenario, label), close()};
 * lecture: {set(on)}. Returns {openInitial, applyView, linkBody, schedule}; schedule() after
 * every change of the state (main.js's render does).
 */
export function bindUrlSync({ store, sessions, compare, lecture }) {
  const packed = new WeakMap();
  const pack = (scenario) => {
    if (!packed.has(scenario)) packed.set(scenario, encodeScenario(scenario));
    return packed.get(scenario);
  };

  let link = null; // {id, scenario, view: fragment of its view} when the page opened a short link
  let restoring = 0;
  let gestureAt = -Infinity;
  let lastWriteAt = -Infinity;
  let started = false;

  // A person did something: the next view change is a new history entry.
  for (const type of ['pointerdown', 'keydown', 'change']) {
    window.addEventListener(type, () => (gestureAt = performance.now()), { capture: true });
  }
  // Dragging the rewind slider is one gesture: its intermediate steps replace each other.
  document.querySelector('[data-testid="rewind"]')?.addEventListener('input', () => {
    gestureAt = Math.min(gestureAt, lastWriteAt);
  });

  /** The fragment's view fields of a state, but the scenario (the compared one packed). */
  async function viewOf(state) {
    const view = {};
    for (const { key, url } of URL_FIELDS) {
      if (key === 'scenario') continue; // a short link may leave it out (urlOf)
      view[key] = url.kind === 'scenario' ? state[key] && (await pack(state[key])) : state[key];
    }
    // In compare mode the phase counts the deeper run's phases; restoring walks the group.
    if (state === store.state && sessions.pacePhase !== undefined) view.phase = sessions.pacePhase;
    if (state.playing) view.phase = -1;
    return view;
  }

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
        if (!started || restoring || !state.scenario) return;
        const url = await urlOf(state);
        if (restoring) return;
        const here = `${location.pathname}${location.hash}`;
        if (url === here) continue;
        const now = performance.now();
        const push = !state.playing && gestureAt > lastWriteAt && now - gestureAt < GESTURE_MS;
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
    if (L && p === updateIndex(L) && k > 0) {
      await sessions.goTo(k - 1);
      await sessions.step();
      return;
    }
    if (state.step !== k || state.phase !== -1 || state.trace?.fromStep !== k) await sessions.goTo(k);
    if (L && p >= 0 && p < updateIndex(L)) {
      for (let q = 0; q <= p; q++) await sessions.nextPhase();
    }
  }

  /**
   * Shows a view: {scenario, step, phase, sample, colorMode, lecture, compare, compareLabel}.
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
      store.set({ sample: view.sample ?? 0, row: view.row ?? null, colorMode: view.colorMode ?? 'weight' });
      await sessions.whenIdle();
      return true;
    } finally {
      restoring--;
      schedule();
    }
  }

  /** The view a short link stored (see linkBody), as applyView takes it. */
  async function viewOfLink(rec, scenario) {
    const stored = rec.view ?? {};
    const view = { scenario, step: rec.step ?? 0 };
    for (const field of LINK_FIELDS) view[field.key] = await readLinkField(field, stored[field.link]);
    return view;
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
      const shown = { ...state, ...(await viewOf(state)) };
      const view = { v: 1 };
      for (const { key, link: name } of LINK_FIELDS) {
        if (shown[key] !== null && shown[key] !== undefined) view[name] = shown[key];
      }
      const body = { scenario: state.scenario, step: state.step, view };
      if (title) body.title = title;
      return body;
    },
    schedule,
  };
}
