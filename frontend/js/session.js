// What the buttons mean, as state changes: load a scenario, walk phases, step, play, rewind.
// Talks to the API it is given (api.js in the page, a fake one in tests/frontend) and to the
// page only through its store; no DOM here.
//
// Model: the page shows step k. `trace` is the update k → k+1 (POST /step at k). Its phases are
// forward 1…L, loss, backward L…1, update; before the first one ("ready", −1) the view shows the
// values the coming update computes. Reaching the update shows step k+1 (W_after); the next
// phase starts the update k+1 → k+2. Traces and heatmaps are fetched ahead, so Step is instant.

import { ApiError } from './api.js';
import { addMetrics, addUpdate, emptyHistory, lastUpdateStep, setLr, truncateHistory } from './history.js';
import { updateIndex } from './phases.js';
import { paramsOfTrace } from './trace.js';
import { decodeHeatmaps } from './heatmaps.js';
import { fitHeat, fitScales, withHeat } from './scales.js';
import { createPlayer } from './player.js';

const CACHE = 12;

/**
 * A /step answer as the page keeps it: the trace's fields, `fromStep` (k of the update k → k+1)
 * and `after` (the snapshot fields of step k+1). `layers` is null when the run had already
 * diverged before step k.
 */
export function traceOf(resp, k) {
  const { trace, ...after } = resp;
  return { ...(trace ?? { layers: null }), fromStep: k, after };
}

/** Snapshot fields of an answer (/snapshot, /train, or a trace's `after`). */
function pickSnapshot(r) {
  const { params, history, evaluations, trace, ...rest } = r;
  return rest;
}

const eventsAdding = (scenario) => (scenario?.events ?? []).filter((e) => e.kind === 'add_points');

/** The step whose /dataset holds every point the scenario's events add. */
const datasetStep = (scenario) => Math.max(0, ...eventsAdding(scenario).map((e) => e.step));

/**
 * api: the functions of api.js the session calls (postSnapshot, postStep, postTrain,
 * postHeatmaps, postDataset). onPlayStop: called whenever a Play stops, for whatever reason.
 */
export function createSession(store, { api, now = () => performance.now(), raf = (f) => requestAnimationFrame(f), afterFrame = (f) => setTimeout(f, 0), onPlayStop = () => {} }) {
  const state = store.state;
  const traces = new Map(); // `${version}:${k}` -> Promise<trace>
  const heatmaps = new Map();
  let inflight = 0;
  let idleWaiters = [];
  let limits = { trainSteps: 1000, resolution: 48, playResolution: 32, traceSamples: 32 };

  const key = (k) => `${state.scenarioVersion}:${k}`;

  /** Wraps an API call: counts it for whenIdle, reports errors on the page. */
  async function call(fn, { report = true } = {}) {
    inflight++;
    store.set({ busy: inflight });
    try {
      return await fn();
    } catch (err) {
      if (report && err instanceof ApiError) store.set({ error: { message: err.message, fields: err.fields, status: err.status } });
      else if (report && err?.name !== 'AbortError') store.set({ error: { message: String(err?.message ?? err), fields: [] } });
      throw err;
    } finally {
      inflight--;
      store.set({ busy: inflight });
      if (inflight === 0) {
        const waiters = idleWaiters;
        idleWaiters = [];
        raf(() => raf(() => waiters.forEach((w) => w())));
      }
    }
  }

  function remember(map, k, promise) {
    map.set(k, promise);
    promise.catch(() => map.delete(k));
    while (map.size > CACHE) map.delete(map.keys().next().value);
    return promise;
  }

  function fetchTrace(k) {
    const id = key(k);
    if (!traces.has(id)) {
      const scenario = state.scenario;
      remember(traces, id, call(() => api.postStep(scenario, k, limits.traceSamples)).then((r) => traceOf(r, k)));
    }
    return traces.get(id);
  }

  function fetchHeatmaps(k) {
    if (!state.has2d) return Promise.resolve(null);
    const id = key(k);
    if (!heatmaps.has(id)) {
      const scenario = state.scenario;
      remember(heatmaps, id, call(() => api.postHeatmaps(scenario, k, limits.resolution), { report: false }).then((h) => decodeHeatmaps(h, k)));
    }
    return heatmaps.get(id);
  }

  /** Shows the heatmaps of step k once they arrive (if the page still shows k by then). */
  function showHeatmaps(k) {
    const version = state.scenarioVersion;
    fetchHeatmaps(k)
      .then((h) => {
        if (h && version === state.scenarioVersion && state.step === k) {
          store.set({ heatmaps: h, scales: withHeat(state.scales, h) });
        }
      })
      .catch(() => {});
  }

  /** Sets the limits the API states (steps per /train, heatmap resolution, traced samples). */
  function setLimits(next) {
    limits = { ...limits, ...next };
  }

  /**
   * Adopts a scenario: the API must accept it (snapshot and first trace), otherwise the page
   * keeps the previous one and shows the error. Starts at step 0.
   */
  let loadToken = 0;
  async function loadScenario(scenario) {
    stopPlaying();
    const token = ++loadToken;
    let snap;
    let trace;
    try {
      const [a, b] = await call(() => Promise.all([api.postSnapshot(scenario, 0), api.postStep(scenario, 0, limits.traceSamples)]));
      snap = a;
      trace = traceOf(b, 0);
    } catch {
      return false;
    }
    if (token !== loadToken) return false; // a newer load won
    const version = state.scenarioVersion + 1;
    traces.clear();
    heatmaps.clear();
    const history = emptyHistory();
    addMetrics(history, 0, snap.metrics);
    const has2d = (trace.batch?.inputs?.[0]?.length ?? snap.feature_names?.length ?? 0) === 2;
    const selection = state.selection && fitsNetwork(state.selection, snap.params) ? state.selection : null;
    store.set({
      scenario,
      scenarioVersion: version,
      step: 0,
      maxStep: 0,
      params: snap.params,
      snapshot: pickSnapshot(snap),
      trace,
      phase: -1,
      sample: 0,
      scales: fitScales(snap.params, trace),
      heatmaps: null,
      dataset: null,
      history,
      has2d,
      batchesPerEpoch: trace.after.epoch > 0 ? Math.round(1 / trace.after.epoch) : null,
      selection,
      error: null,
    });
    traces.set(key(0), Promise.resolve(trace));
    keepSnapshot(state.snapshot);
    showHeatmaps(0);
    loadDataset(scenario, version);
    return true;
  }

  /**
   * Adopts a scenario that agrees with the one shown up to step k (it adds an event at k, or
   * drops the events after k) and shows its step k, with the events at k applied. The history up
   * to k and the colour scales stay: (scenario, step) fixes them. Keeps playing if it was.
   */
  async function continueAt(scenario, k) {
    const wasPlaying = stopPlaying();
    const token = ++loadToken;
    let snap;
    let trace;
    try {
      const [a, b] = await call(() => Promise.all([api.postSnapshot(scenario, k), api.postStep(scenario, k, limits.traceSamples)]));
      snap = a;
      trace = traceOf(b, k);
    } catch {
      return false;
    }
    if (token !== loadToken) return false;
    traces.clear();
    heatmaps.clear();
    const history = state.history ?? emptyHistory();
    truncateHistory(history, k);
    addMetrics(history, k, snap.metrics);
    const addedBefore = JSON.stringify(eventsAdding(state.scenario));
    store.set({ scenario, scenarioVersion: state.scenarioVersion + 1, step: k, maxStep: k, params: snap.params, snapshot: pickSnapshot(snap), trace, phase: -1, history, error: null });
    traces.set(key(k), Promise.resolve(trace));
    keepSnapshot(state.snapshot);
    showHeatmaps(k);
    // The output view keeps the data it shows until the data with the new points arrives.
    if (JSON.stringify(eventsAdding(scenario)) !== addedBefore) loadDataset(scenario, state.scenarioVersion);
    if (wasPlaying) play();
    return true;
  }

  function fitsNetwork(sel, params) {
    const layer = params[sel.layer - 1];
    if (!layer && sel.layer !== 0) return false;
    if (sel.kind === 'node') return sel.layer === 0 ? sel.unit < params[0].W[0].length : sel.unit < layer.b.length;
    return sel.to < layer.W.length && sel.from < layer.W[0].length;
  }

  /** The data with its split, for the output view (points added by events included). */
  async function loadDataset(scenario, version) {
    let data = null;
    try {
      data = await call(() => api.postDataset(scenario, datasetStep(scenario)), { report: false });
    } catch {
      data = null; // the output view then shows the traced batch only
    }
    if (version === state.scenarioVersion) store.set({ dataset: data });
  }

  /** Shows trace T at phase p (p at the update shows step k+1). */
  function showPhase(trace, p) {
    const k = trace.fromStep;
    const atUpdate = p === updateIndex(trace.layers);
    const step = atUpdate ? k + 1 : k;
    const patch = { trace, phase: p, step };
    if (atUpdate) {
      patch.params = trace.after.params;
      patch.snapshot = pickSnapshot(trace.after);
      keepSnapshot(patch.snapshot);
      patch.maxStep = Math.max(state.maxStep, step);
      patch.animStart = now();
      recordUpdate(trace);
    } else {
      patch.params = paramsOfTrace(trace, false);
      if (state.step !== k) patch.snapshot = snaps.get(`${state.scenarioVersion}:${k}`) ?? null;
    }
    const stepChanged = step !== state.step;
    store.set(patch);
    if (stepChanged || !state.heatmaps) showHeatmaps(step);
    if (atUpdate) {
      // Ahead of the next Step, once this frame is out.
      const version = state.scenarioVersion;
      afterFrame(() => {
        if (version !== state.scenarioVersion) return;
        fetchTrace(step).catch(() => {});
        fetchHeatmaps(step).catch(() => {});
      });
    }
  }

  const snaps = new Map(); // `${version}:${step}` -> snapshot fields, for walking back
  function keepSnapshot(snap) {
    snaps.set(`${state.scenarioVersion}:${snap.step}`, snap);
    if (state.history) setLr(state.history, snap.step, snap.lr);
    while (snaps.size > 256) snaps.delete(snaps.keys().next().value);
  }

  /** History entries are keyed by the step an update produced, as /train writes them. */
  function recordUpdate(trace) {
    const h = state.history;
    addUpdate(h, { step: trace.fromStep + 1, loss: trace.loss?.total, lr: trace.lr, gradNorms: trace.layers.map((l) => l.grad_norm) });
    addMetrics(h, trace.after.step, trace.after.metrics);
    store.touch('history');
  }

  /** A trace can be walked unless the run had diverged before it (then it has no layers). */
  function usable(t) {
    if (t?.layers) return true;
    if (t) store.set({ notice: 'The run has diverged: there is no next update. Rewind or change the scenario.' });
    return false;
  }

  /** Step: finish the update being walked, or do the next one. */
  async function step() {
    stopPlaying();
    const t = state.trace;
    if (!usable(t)) return;
    const U = updateIndex(t.layers);
    if (state.phase < U && t.fromStep === state.step) {
      showPhase(t, U);
      return;
    }
    const version = state.scenarioVersion;
    const next = await fetchTrace(state.step).catch(() => null);
    if (next && version === state.scenarioVersion && usable(next)) showPhase(next, updateIndex(next.layers));
  }

  async function nextPhase() {
    stopPlaying();
    const t = state.trace;
    if (!usable(t)) return;
    const U = updateIndex(t.layers);
    if (state.phase < U && t.fromStep === state.step) {
      showPhase(t, state.phase + 1);
      return;
    }
    const version = state.scenarioVersion;
    const next = await fetchTrace(state.step).catch(() => null);
    if (next && version === state.scenarioVersion && usable(next)) showPhase(next, 0);
  }

  async function prevPhase() {
    stopPlaying();
    const t = state.trace;
    if (!t) return;
    if (!t.layers && state.step === 0) return;
    if (state.phase > 0) {
      showPhase(t, state.phase - 1);
      return;
    }
    if (state.phase === 0 || (state.phase > 0 && !t.layers)) {
      store.set({ phase: -1 });
      return;
    }
    if (state.step === 0) return;
    const version = state.scenarioVersion;
    const prev = await fetchTrace(state.step - 1).catch(() => null);
    if (prev && version === state.scenarioVersion && usable(prev)) showPhase(prev, updateIndex(prev.layers));
  }

  /** Shows step k at rest (rewind slider, reset, end of play). */
  let rewindToken = 0;
  async function goTo(k, { keepPlaying = false } = {}) {
    if (!keepPlaying) stopPlaying();
    const token = ++rewindToken;
    const version = state.scenarioVersion;
    const scenario = state.scenario;
    let snap;
    let trace;
    try {
      [snap, trace] = await Promise.all([call(() => api.postSnapshot(scenario, k)), fetchTrace(k)]);
    } catch {
      return;
    }
    if (token !== rewindToken || version !== state.scenarioVersion) return;
    store.set({ step: k, params: snap.params, snapshot: pickSnapshot(snap), trace, phase: -1, maxStep: Math.max(state.maxStep, k) });
    keepSnapshot(state.snapshot);
    addMetrics(state.history, k, snap.metrics);
    store.touch('history');
    showHeatmaps(k);
  }

  async function reset() {
    stopPlaying();
    if (state.scenario) await loadScenario(state.scenario);
  }

  const player = createPlayer(store, {
    api,
    call,
    fetchTrace,
    limits: () => limits,
    snapshotOf: pickSnapshot,
    onDiverged: () => pause(),
    onFailed: (err) => {
      if (err?.name !== 'AbortError') store.set({ error: { message: String(err?.message ?? err), fields: err?.fields ?? [], status: err?.status } });
      stopPlaying();
    },
    raf,
    now,
  });

  function play() {
    if (state.playing || !state.scenario || state.snapshot?.diverged) return;
    store.set({ playing: true, phase: -1, notice: null });
    player.start();
  }

  /** Stops the play loop where it is (another action takes over). */
  function stopPlaying() {
    if (!state.playing) return false;
    player.stop();
    store.set({ playing: false });
    onPlayStop();
    return true;
  }

  /** Pause: stop, then settle on the step reached with its trace and heatmaps. */
  function pause() {
    if (!stopPlaying()) return;
    const version = state.scenarioVersion;
    setTimeout(() => {
      if (version === state.scenarioVersion && !state.playing) goTo(state.step);
    }, 0);
  }

  function togglePlay() {
    if (state.playing) pause();
    else play();
  }

  function rescale() {
    if (!state.params) return;
    const scales = fitScales(state.params, state.trace);
    scales.heat = state.heatmaps ? fitHeat(state.heatmaps) : null;
    store.set({ scales });
  }

  function whenIdle() {
    if (inflight === 0) return new Promise((resolve) => raf(() => raf(resolve)));
    return new Promise((resolve) => idleWaiters.push(resolve));
  }

  return {
    store,
    get state() {
      return state;
    },
    loadScenario,
    continueAt,
    step,
    nextPhase,
    prevPhase,
    goTo,
    reset,
    play,
    pause,
    togglePlay,
    rescale,
    whenIdle,
    setLimits,
    lastUpdateStep: () => lastUpdateStep(state.history),
  };
}
