// What the buttons mean, as state changes: load a scenario, walk phases, step, play, rewind.
// Talks to the API through api.js and to the page only through the store; no DOM here.
//
// Model: the page shows step k. `trace` is the update k → k+1 (POST /step at k). Its phases are
// forward 1…L, loss, backward L…1, update; before the first one ("ready", −1) the view shows the
// values the coming update computes. Reaching the update shows step k+1 (W_after); the next
// phase starts the update k+1 → k+2. Traces and heatmaps are fetched ahead, so Step is instant.

import * as api from './api.js';
import { ApiError } from './api.js';
import { ceil2, divergingScale, fitLogRange, logScale, maxAbs, niceMax } from './colors.js';
import { addHistory, addMetrics, addUpdate, emptyHistory, lastUpdateStep, setLr } from './history.js';
import { updateIndex } from './phases.js';
import { paramsOfTrace } from './trace.js';
import { decodeHeatmaps } from './heatmaps.js';

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

  const L = () => (s.params ? s.params.length : 0);
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
          store.set({ heatmaps: h, scales: { ...s.scales, heat: s.scales.heat ?? fitHeat(h) } });
        }
      })
      .catch(() => {});
  }

  function fitHeat(h) {
    return h.layers.map((units) => Math.max(1e-6, niceMax(maxAbs(units))));
  }

  function fitScales(params, trace) {
    const grads = trace?.layers?.map((l) => l.grad_W) ?? [];
    const updates = trace?.layers?.map((l) => l.update_W) ?? [];
    const [lo, hi] = fitLogRange(grads, 4);
    return {
      weight: divergingScale(ceil2(maxAbs(params.map((p) => p.W)))),
      bias: divergingScale(ceil2(Math.max(maxAbs(params.map((p) => p.b)), 0.1 * maxAbs(params.map((p) => p.W))))),
      gradient: logScale(lo, hi),
      update: divergingScale(ceil2(maxAbs(updates))),
      heat: null,
    };
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
    loadSchedule(scenario, version);
    return true;
  }

  function fitsNetwork(sel, params) {
    const layer = params[sel.layer - 1];
    if (!layer && sel.layer !== 0) return false;
    if (sel.kind === 'node') return sel.layer === 0 ? sel.unit < params[0].W[0].length : sel.unit < layer.b.length;
    return sel.to < layer.W.length && sel.from < layer.W[0].length;
  }

  /**
   * The data for the output view: {inputs, targets, train: [row], test: [row]}. With a
   * /dataset endpoint, from it; otherwise from two full-batch traces of update 0 (one over every
   * row with train_fraction 1, one over the training rows), whose batch lists rows and targets.
   */
  async function loadDataset(scenario, version) {
    let data = null;
    try {
      if (api.hasEndpoint(s.openapi, 'dataset')) {
        data = await call(() => api.postDataset(scenario), { report: false });
      } else {
        data = await call(() => datasetFromTraces(scenario), { report: false });
      }
    } catch {
      data = null; // the output view then shows the traced batch only
    }
    if (version === s.scenarioVersion) store.set({ dataset: data });
  }

  async function datasetFromTraces(scenario) {
    const full = limits.maxBatch;
    const all = { ...scenario, batch_size: full, dataset: { ...scenario.dataset, train_fraction: 1 } };
    const train = { ...scenario, batch_size: full };
    const [a, b] = await Promise.all([api.postStep(all, 0, 1), api.postStep(train, 0, 1)]);
    const rows = a.trace.batch;
    const n = rows.indices.length;
    const inputs = new Array(n);
    const targets = new Array(n);
    rows.indices.forEach((row, k) => {
      inputs[row] = rows.inputs[k];
      targets[row] = rows.targets[k];
    });
    const isTrain = new Uint8Array(n);
    const tb = b.trace.batch;
    for (let k = 0; k < tb.indices.length; k++) {
      const row = tb.indices[k];
      // The split must not move the rows: if it did, only the training rows are shown.
      if (!inputs[row] || inputs[row][0] !== tb.inputs[k][0] || inputs[row][1] !== tb.inputs[k][1]) {
        return { inputs: tb.inputs, targets: tb.targets, train: tb.inputs.map((_, i) => i), test: [], outputActivation: b.output_activation };
      }
      isTrain[row] = 1;
    }
    const train_ = [];
    const test = [];
    for (let row = 0; row < n; row++) (isTrain[row] ? train_ : test).push(row);
    return { inputs, targets, train: train_, test, outputActivation: b.output_activation };
  }

  async function loadSchedule(scenario, version) {
    if (!api.hasEndpoint(s.openapi, 'schedule')) return;
    try {
      const sched = await call(() => api.postSchedule(scenario, Math.max(200, 2 * (s.maxStep || 0))), { report: false });
      if (version === s.scenarioVersion) store.set({ schedule: sched });
    } catch {
      // Without it the chart shows the rates of the updates done.
    }
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

  // ---- Play: one /train request in flight; each asks for the updates of the frames since the
  // last one, so the speed (updates per frame) holds whatever the round trip costs.
  let playToken = 0;
  function updatesPerFrame() {
    if (s.speed > 0) return s.speed;
    const bpe = s.batchesPerEpoch ?? 1;
    return Math.max(1, Math.round(-s.speed * bpe));
  }

  function play() {
    if (s.playing || !s.scenario || s.snapshot?.diverged) return;
    const token = ++playToken;
    const version = s.scenarioVersion;
    store.set({ playing: true, phase: -1, notice: null });
    let frames = 1;
    let sending = false;
    let lastHeat = 0;
    let heatInflight = false;
    let lastTrace = 0;
    let traceInflight = false;
    const frame = () => {
      if (token !== playToken || !s.playing || version !== s.scenarioVersion) return;
      if (!sending) {
        sending = true;
        const from = s.step;
        const steps = Math.min(limits.trainSteps, Math.max(1, updatesPerFrame() * frames));
        frames = 0;
        // One whole-set evaluation per request: evaluating is most of a request's cost.
        call(() => api.postTrain(s.scenario, from, steps, { eval_every: steps }))
          .then((r) => {
            if (token !== playToken || version !== s.scenarioVersion) return;
            addHistory(s.history, r.history, r.evaluations);
            addMetrics(s.history, r.step, r.metrics);
            store.set({ step: r.step, params: r.params, snapshot: pickSnapshot(r), maxStep: Math.max(s.maxStep, r.step), history: s.history });
            if (r.diverged) pause();
          })
          .catch(() => stopPlaying())
          .finally(() => {
            sending = false;
          });
      }
      frames++;
      const t = now();
      if (s.has2d && !heatInflight && t - lastHeat >= 90) {
        heatInflight = true;
        lastHeat = t;
        const k = s.step;
        call(() => api.postHeatmaps(s.scenario, k, limits.playResolution), { report: false })
          .then((h) => {
            if (token === playToken && version === s.scenarioVersion) {
              const decoded = decodeHeatmaps(h, k);
              store.set({ heatmaps: decoded, scales: { ...s.scales, heat: s.scales.heat ?? fitHeat(decoded) } });
            }
          })
          .catch(() => {})
          .finally(() => {
            heatInflight = false;
          });
      }
      if (!traceInflight && t - lastTrace >= 500) {
        // Node values and gradient glows of the state shown, twice a second.
        traceInflight = true;
        lastTrace = t;
        const k = s.step;
        fetchTrace(k)
          .then((tr) => {
            if (token === playToken && version === s.scenarioVersion && s.playing) store.set({ trace: tr });
          })
          .catch(() => {})
          .finally(() => {
            traceInflight = false;
          });
      }
      raf(frame);
    };
    raf(frame);
  }

  /** Stops the play loop where it is (another action takes over). */
  function stopPlaying() {
    if (!s.playing) return false;
    playToken++;
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

  return { loadScenario, step, nextPhase, prevPhase, goTo, reset, play, pause, togglePlay, rescale, whenIdle, setLimits, lastUpdateStep: () => lastUpdateStep(s.history) };
}
