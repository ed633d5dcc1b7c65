// One state object for the page, declared once in FIELDS: every key, its default, and (for the
// keys a link must reproduce) how the address bar's fragment writes it (url-state.js reads the
// same table). Controls and the sessions write to the state with `set`; renderers read it once
// per animation frame.

export const COLOR_MODES = ['weight', 'gradient', 'update'];

/**
 * Every key of the state. `url`: the key's name in the fragment (format 1) and how it is
 * written: 'int' (an integer ≥ min), 'enum' (one of `values`), 'flag' ('1' when true) or
 * 'scenario' (packed, url-state.js). A key with `link` is also stored in a short link's `view`
 * under that name. A key is written only when its value differs from its default.
 */
export const FIELDS = [
  // The API's description of itself
  { key: 'schema', default: null, doc: 'scenario descriptor from the OpenAPI document (schema.js)' },
  { key: 'openapi', default: null },
  { key: 'presets', default: () => [] },
  // The view a link carries (in the fragment's order), then the rest of what is on screen
  { key: 'scenarioVersion', default: 0, doc: 'bumped on every new scenario; stale answers are dropped' },
  { key: 'step', default: 0, url: { name: 'k', kind: 'int', min: 0 }, doc: 'the step shown (counter, data-weight)' },
  { key: 'phase', default: -1, url: { name: 'p', kind: 'int', min: 0 }, link: 'phase', doc: '−1 ready; 0 … 2L+1 forward…update (phases.js)' },
  { key: 'sample', default: 0, url: { name: 'i', kind: 'int', min: 0 }, link: 'sample', doc: 'traced sample shown in node values and the inspector (its position in the batch)' },
  { key: 'row', default: null, url: { name: 'r', kind: 'int', min: 0 }, link: 'row', doc: 'a pinned data row: the sample shown is its position whenever a batch holds it (derive)' },
  { key: 'colorMode', default: 'weight', url: { name: 'c', kind: 'enum', values: COLOR_MODES }, link: 'color_mode' },
  { key: 'lecture', default: false, url: { name: 'lec', kind: 'flag' }, link: 'lecture', doc: 'lecture mode (lecture.css)' },
  { key: 'scenario', default: null, url: { name: 's', kind: 'scenario' }, doc: 'exactly what the API takes' },
  { key: 'compare', default: null, url: { name: 'cmp', kind: 'scenario' }, link: 'compare', doc: 'the scenario shown beside this one (compare mode)' },
  { key: 'compareLabel', default: null, link: 'compare_label', doc: 'the compared scenario’s label (a lesson names it)' },
  { key: 'maxStep', default: 0, doc: 'furthest step reached in this scenario (the rewind slider’s range)' },
  { key: 'params', default: null, doc: '[{W, b}] shown' },
  { key: 'snapshot', default: null, doc: '{metrics, diverged, diverged_at_step, epoch, …} of the shown step' },
  { key: 'trace', default: null, doc: 'POST /step answer for the update being walked (session.traceOf)' },
  { key: 'animStart', default: 0, doc: 'time the update animation began (performance.now)' },
  { key: 'has2d', default: false, doc: 'the data has two input columns (output view, heatmaps)' },
  { key: 'batchesPerEpoch', default: null, doc: 'for the epochs-per-frame speeds' },
  // What is drawn beside the network
  { key: 'scales', default: null, doc: 'fixed colour scales, refitted on a new scenario or "rescale"' },
  { key: 'heatmaps', default: null, doc: '{step, extent, nx, ny, layers: [[Float32Array]]}' },
  { key: 'dataset', default: null, doc: 'POST /dataset answer: {inputs, targets, train, test, extent}' },
  { key: 'history', default: null, doc: 'charts.js series (history.js)' },
  // Playing, choices and messages
  { key: 'playing', default: false },
  { key: 'speed', default: -1, doc: 'updates per frame (or a negative number of epochs per frame, playback.js); one epoch a frame solves the default data set in about two seconds' },
  { key: 'preview', default: null, doc: '{layer, unit} under the pointer or the keyboard focus: its heatmap is shown large in the output view' },
  { key: 'selection', default: null, doc: "{kind: 'node', layer, unit} | {kind: 'edge', layer, from, to}" },
  { key: 'predicting', default: false, doc: 'predict, then reveal: the update is held back (lecture.js)' },
  { key: 'formVersion', default: 0, doc: 'bumped to show the form’s values in force again after a refused change' },
  { key: 'error', default: null, doc: '{message, fields}' },
  { key: 'notice', default: null, doc: 'transient information text' },
  { key: 'busy', default: 0, doc: 'API calls in flight' },
  // Derived on every set (derive), never set directly
  { key: 'rowInBatch', default: null, doc: 'with a pinned row: whether the traced batch holds it' },
];

/** The traced rows of the update on screen (the trace's per-sample rows). */
export const tracedRows = (trace) => {
  const rows = trace?.batch?.indices ?? [];
  const n = trace?.layers?.[0]?.z?.length ?? rows.length;
  return rows.slice(0, n);
};

/**
 * Keeps the values that follow from others consistent, inside `set` (so no subscriber writes):
 * with a pinned row, the sample shown is that row's position in the traced batch whenever the
 * batch holds it (otherwise `rowInBatch` is false and the sample stays); choosing another sample
 * while a row is pinned pins that sample's row instead.
 */
export function derive(state, patch) {
  const out = {};
  if ('sample' in patch && !('row' in patch) && state.row !== null) {
    const row = tracedRows(state.trace)[patch.sample];
    if (row !== undefined) out.row = row;
  }
  const row = out.row ?? state.row;
  if (row === null || row === undefined) {
    if (state.rowInBatch !== null) out.rowInBatch = null;
    return out;
  }
  const at = tracedRows(state.trace).indexOf(row);
  out.rowInBatch = at >= 0;
  if (at >= 0 && state.sample !== at) out.sample = at;
  return out;
}

/** The fields a link carries, in the fragment's order. */
export const URL_FIELDS = FIELDS.filter((f) => f.url);

const defaultOf = (f) => (typeof f.default === 'function' ? f.default() : f.default);

export function initialState() {
  return Object.fromEntries(FIELDS.map((f) => [f.key, defaultOf(f)]));
}

const KEYS = new Set(FIELDS.map((f) => f.key));

export function createStore(state = initialState()) {
  const listeners = new Set();
  let scheduled = false;
  let changed = new Set();
  const flush = () => {
    scheduled = false;
    const keys = changed;
    changed = new Set();
    for (const fn of listeners) fn(state, keys);
  };
  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    (globalThis.requestAnimationFrame ?? ((f) => setTimeout(f, 0)))(flush);
  };
  return {
    state,
    /** Merges a patch and schedules one render for the next animation frame. */
    set(patch) {
      for (const [k, v] of Object.entries(patch)) {
        if (!KEYS.has(k)) throw new Error(`state.js declares no key "${k}"`);
        state[k] = v;
        changed.add(k);
      }
      for (const [k, v] of Object.entries(derive(state, patch))) {
        state[k] = v;
        changed.add(k);
      }
      schedule();
    },
    /** Marks keys changed without new values (for in-place edits such as the history's). */
    touch(...keys) {
      this.set(Object.fromEntries(keys.map((k) => [k, state[k]])));
    },
    /** Draws again in the next frame with nothing changed (an animation's next frame). */
    redraw: schedule,
    subscribe(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
  };
}
