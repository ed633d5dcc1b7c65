// What the buttons mean, as state changes: load a scenario, walk phases, step, play, rewind.
// Talks to the API through api.js and to the page only through the store; no DOM here.
//
// Model: the page shows step k. `trace` is the update k → k+1 (POST /step at k). Its phases are
// forward 1…L, loss, backward L…1, update; before the first one ("ready", −1) the view shows the
// values the coming update computes. Reaching the update shows step k+1 (W_after); the next
// phase starts the update k+1 → k+2. Traces and heatmaps are fetched ahead, so Step is instant.

import * as api from './api.js';
import { ApiError } from './api.js';
import { addMetrics, addUpdate, emptyHistory, lastUpdateStep, setLr, truncateHistory } from './history.js';
import { updateIndex } from './phases.js';
import { paramsOfTrace } from './trace.js';
import { decodeHeatmaps } from './heatmaps.js';
import { fitHeat, fitScales, withHeat } from './scales.js';
import { fetchDataset } from './dataset.js';
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

export function createSession(store, { now = () => performance.now(), raf = (f) => requestAnimationFrame(f), afterFrame = (f) => setTimeout(f, 0) } = {}) {
  const s = store.state;
  const traces = new Map(); // `${version}:${k}` -> Promise<trace>
  const heatmaps = new Map();
  let inflight = 0;
  let idleWaiters = [];
  let limits = { trainSteps: 1000, resolution: 48, playResolution: 32, traceSamples: 32, maxBatch: 5000 };

  const key = (k) => `${s.scenarioVersion}:${k}`;

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
      const scenario = s.scenario;
      remember(traces, id, call(() => api.postStep(scenario, k, limits.traceSamples)).then((r) => traceOf(r, k)));
    }
    return traces.get(id);
  }

  function fetchHeatmaps(k) {
    if (!s.has2d) return Promise.resolve(null);
    const id = key(k);
    if (!heatmaps.has(id)) {
      const scenario = s.scenario;
      remember(heatmaps, id, call(() => api.postHeatmaps(scenario, k, limits.resolution), { report: false }).then((h) => decodeHeatmaps(h, k)));
    }
    return heatmaps.get(id);
  }

  /** Shows the heatmaps of step k once they arrive (if the page still shows k by then). */
  function showHeatmaps(k) {
    const version = s.scenarioVersion;
    fetchHeatmaps(k)
      .then((h) => {
        if (h && version === s.scenarioVersion && s.step === k) {
          store.set({ heatmaps: h, scales: withHeat(s.scales, h) });
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
    const version = s.scenarioVersion + 1;
    traces.clear();
    heatmaps.clear();
    const history = emptyHistory();
    addMetrics(history, 0, snap.metrics);
    const has2d = (trace.batch?.inputs?.[0]?.length ?? snap.feature_names?.length ?? 0) === 2;
    const selection = s.selection && fitsNetwork(s.selection, snap.params) ? s.selection : null;
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
    keepSnapshot(s.snapshot);
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
    const history = s.history ?? emptyHistory();
    truncateHistory(history, k);
    addMetrics(history, k, snap.metrics);
    store.set({ scenario, scenarioVersion: s.scenarioVersion + 1, step: k, maxStep: k, params: snap.params, snapshot: pickSnapshot(snap), trace, phase: -1, history, error: null });
    traces.set(key(k), Promise.resolve(trace));
    keepSnapshot(s.snapshot);
    showHeatmaps(k);
    if (wasPlaying) play();
    return true;
  }

  function fitsNetwork(sel, params) {
    const layer = params[sel.layer - 1];
    if (!layer && sel.layer !== 0) return false;
    if (sel.kind === 'node') return sel.layer === 0 ? sel.unit < params[0].W[0].length : sel.unit < layer.b.length;
    return sel.to < layer.W.length && sel.from < layer.W[0].length;
  }

  async function loadDataset(scenario, version) {
    let data = null;
    try {
      data = await call(() => fetchDataset(s.openapi, scenario, limits.maxBatch), { report: false });
    } catch {
      data = null; // the output view then shows the traced batch only
    }
    if (version === s.scenarioVersion) store.set({ dataset: data });
  }

  /** Shows trace T at phase p (p at the update shows step k+1). */
  function showPhase(trace, p) {
    const k = trace.fromStep;
    const atUpdate = p === updateIndex(trace.layers.length);
    const step = atUpdate ? k + 1 : k;
    const patch = { trace, phase: p, step };
    if (atUpdate) {
      patch.params = trace.after.params;
      patch.snapshot = pickSnapshot(trace.after);
      keepSnapshot(patch.snapshot);
      patch.maxStep = Math.max(s.maxStep, step);
      patch.animStart = now();
      recordUpdate(trace);
    } else {
      patch.params = paramsOfTrace(trace, false);
      if (s.step !== k) patch.snapshot = snaps.get(`${s.scenarioVersion}:${k}`) ?? null;
    }
    const stepChanged = step !== s.step;
    store.set(patch);
    if (stepChanged || !s.heatmaps) showHeatmaps(step);
    if (atUpdate) {
      // Ahead of the next Step, once this frame is out.
      const version = s.scenarioVersion;
      afterFrame(() => {
        if (version !== s.scenarioVersion) return;
        fetchTrace(step).catch(() => {});
        fetchHeatmaps(step).catch(() => {});
      });
    }
  }

  const snaps = new Map(); // `${version}:${step}` -> snapshot fields, for walking back
  function keepSnapshot(snap) {
    snaps.set(`${s.scenarioVersion}:${snap.step}`, snap);
    if (s.history) setLr(s.history, snap.step, snap.lr);
    while (snaps.size > 256) snaps.delete(snaps.keys().next().value);
  }

  /** History entries are keyed by the step an update produced, as /train writes them. */
  function recordUpdate(trace) {
    const h = s.history;
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
    const t = s.trace;
    if (!usable(t)) return;
    const U = updateIndex(t.layers.length);
    if (s.phase < U && t.fromStep === s.step) {
      showPhase(t, U);
      return;
    }
    const version = s.scenarioVersion;
    const next = await fetchTrace(s.step).catch(() => null);
    if (next && version === s.scenarioVersion && usable(next)) showPhase(next, updateIndex(next.layers.length));
  }

  async function nextPhase() {
    stopPlaying();
    const t = s.trace;
    if (!usable(t)) return;
    const U = updateIndex(t.layers.length);
    if (s.phase < U && t.fromStep === s.step) {
      showPhase(t, s.phase + 1);
      return;
    }
    const version = s.scenarioVersion;
    const next = await fetchTrace(s.step).catch(() => null);
    if (next && version === s.scenarioVersion && usable(next)) showPhase(next, 0);
  }

  async function prevPhase() {
    stopPlaying();
    const t = s.trace;
    if (!t) return;
    if (!t.layers && s.step === 0) return;
    if (s.phase > 0) {
      showPhase(t, s.phase - 1);
      return;
    }
    if (s.phase === 0 || (s.phase > 0 && !t.layers)) {
      store.set({ phase: -1 });
      return;
    }
    if (s.step === 0) return;
    const version = s.scenarioVersion;
    const prev = await fetchTrace(s.step - 1).catch(() => null);
    if (prev && version === s.scenarioVersion && usable(prev)) showPhase(prev, updateIndex(prev.layers.length));
  }

  /** Shows step k at rest (rewind slider, reset, end of play). */
  let rewindToken = 0;
  async function goTo(k, { keepPlaying = false } = {}) {
    if (!keepPlaying) stopPlaying();
    const token = ++rewindToken;
    const version = s.scenarioVersion;
    const scenario = s.scenario;
    let snap;
    let trace;
    try {
      [snap, trace] = await Promise.all([call(() => api.postSnapshot(scenario, k)), fetchTrace(k)]);
    } catch {
      return;
    }
    if (token !== rewindToken || version !== s.scenarioVersion) return;
    store.set({ step: k, params: snap.params, snapshot: pickSnapshot(snap), trace, phase: -1, maxStep: Math.max(s.maxStep, k) });
    keepSnapshot(s.snapshot);
    addMetrics(s.history, k, snap.metrics);
    store.touch('history');
    showHeatmaps(k);
  }

  async function reset() {
    stopPlaying();
    if (s.scenario) await loadScenario(s.scenario);
  }

  const player = createPlayer(store, {
    call,
    fetchTrace,
    limits: () => limits,
    snapshotOf: pickSnapshot,
    onDiverged: () => pause(),
    onFailed: () => stopPlaying(),
    raf,
    now,
  });

  function play() {
    if (s.playing || !s.scenario || s.snapshot?.diverged) return;
    store.set({ playing: true, phase: -1, notice: null });
    player.start();
  }

  /** Stops the play loop where it is (another action takes over). */
  function stopPlaying() {
    if (!s.playing) return false;
    player.stop();
    store.set({ playing: false });
    return true;
  }

  /** Pause: stop, then settle on the step reached with its trace and heatmaps. */
  function pause() {
    if (!stopPlaying()) return;
    const version = s.scenarioVersion;
    setTimeout(() => {
      if (version === s.scenarioVersion && !s.playing) goTo(s.step);
    }, 0);
  }

  function togglePlay() {
    if (s.playing) pause();
    else play();
  }

  function rescale() {
    if (!s.params) return;
    const scales = fitScales(s.params, s.trace);
    scales.heat = s.heatmaps ? fitHeat(s.heatmaps) : null;
    store.set({ scales });
  }

  function whenIdle() {
    if (inflight === 0) return new Promise((resolve) => raf(() => raf(resolve)));
    return new Promise((resolve) => idleWaiters.push(resolve));
  }

  return { loadScenario, continueAt, step, nextPhase, prevPhase, goTo, reset, play, pause, togglePlay, rescale, whenIdle, setLimits, lastUpdateStep: () => lastUpdateStep(s.history) };
}
