// One state object for the page. Controls and the session write to it with `set`; renderers
// read it once per animation frame. `viewOf`/`applyView` list the fields a link will carry
// (issue 4 stores them in the address bar); nothing else in the page needs to know that.

export const COLOR_MODES = ['weight', 'gradient', 'update'];

export function initialState() {
  return {
    schema: null, // scenario descriptor from the OpenAPI document (schema.js)
    openapi: null,
    presets: [],
    scenario: null, // exactly what the API takes
    scenarioVersion: 0, // bumped on every new scenario; stale answers are dropped
    step: 0, // the step shown (counter, data-weight)
    maxStep: 0, // furthest step reached in this scenario (the rewind slider's range)
    params: null, // [{W, b}] shown
    snapshot: null, // {metrics, diverged, diverged_at_step, epoch} of the shown step
    trace: null, // POST /step answer for the update being walked (from trace.fromStep)
    phase: -1, // −1 ready; 0 … 2L+1 forward…update (phases.js)
    animStart: 0, // time the update animation began (performance.now)
    sample: 0, // traced sample shown in node values and the inspector
    colorMode: 'weight',
    scales: null, // fixed colour scales, refitted on a new scenario or "rescale"
    heatmaps: null, // {step, extent, resolution, layers: [[Float32Array]]}
    dataset: null, // {inputs, labels|targets, train, test} for the output view
    history: null, // charts.js series
    playing: false,
    speed: 1, // updates per frame (or a negative number of epochs per frame, see playback.js)
    selection: null, // {kind: 'node', layer, unit} | {kind: 'edge', layer, from, to}
    addClass: 0, // class a click in the output view adds
    error: null, // {message, fields}
    notice: null, // transient information text
    busy: 0,
  };
}

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
  return {
    state,
    /** Merges a patch and schedules one render for the next animation frame. */
    set(patch) {
      for (const [k, v] of Object.entries(patch)) {
        state[k] = v;
        changed.add(k);
      }
      if (!scheduled) {
        scheduled = true;
        (globalThis.requestAnimationFrame ?? ((f) => setTimeout(f, 0)))(flush);
      }
    },
    /** Marks keys changed without new values (for in-place edits and animations). */
    touch(...keys) {
      this.set(Object.fromEntries(keys.map((k) => [k, state[k]])));
    },
    subscribe(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
  };
}

/** The part of the state that describes the view (what a shared link must reproduce). */
export function viewOf(state) {
  return {
    scenario: state.scenario,
    step: state.step,
    phase: state.phase,
    sample: state.sample,
    colorMode: state.colorMode,
  };
}
