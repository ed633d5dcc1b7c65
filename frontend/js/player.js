// Play: training runs while the page draws. One /train request is in flight at a time; each asks
// for the updates of the frames since the previous one, so the speed (updates per frame, or
// epochs per frame) holds whatever a round trip costs. The heatmaps of the new step come in the
// same answer, at most every HEATMAP_MS (one request per refresh: a request costs the page
// more than its bytes do), and the trace (node values, gradient glows) twice a second.

import { addHistory, addMetrics } from './history.js';
import { decodeHeatmaps } from './heatmaps.js';
import { withHeat } from './scales.js';

const HEATMAP_MS = 60;
const TRACE_MS = 500;

/** Whether an error is the server refusing a request for its estimated work (a 422). */
export const isTooMuchWork = (err) => err?.status === 422 && (err.body?.detail ?? []).some?.((d) => d.type === 'work_too_large');

/**
 * deps: {api, call, fetchTrace, limits: () => limits, snapshotOf, onDiverged, onFailed, raf, now}.
 * When the server refuses a request as too much work, Play asks for half as many updates a
 * request from then on (and drops the heatmaps if even one update is refused with them), says
 * so in words, and plays on; it stops only when a single update is too much.
 * Returns {start, stop, active}.
 */
export function createPlayer(store, deps) {
  const state = store.state;
  let token = 0;

  function updatesPerFrame() {
    if (state.speed > 0) return state.speed;
    const bpe = state.batchesPerEpoch ?? 1;
    return Math.max(1, Math.round(-state.speed * bpe));
  }

  function start() {
    const mine = ++token;
    const version = state.scenarioVersion;
    const live = () => mine === token && version === state.scenarioVersion;
    let frames = 1;
    let sending = false;
    let lastHeat = -Infinity;
    let lastTrace = 0;
    let traceInflight = false;
    let cap = Infinity; // most updates a request, lowered when the server refuses the work
    let heatOk = true;

    function slowDown(steps, withHeat) {
      if (steps > 1) {
        cap = Math.max(1, Math.floor(steps / 2));
        store.set({ notice: `Play slowed down to ${cap} update${cap === 1 ? '' : 's'} per request: the server limits how much work one request may ask for, and this network is large.` });
        return true;
      }
      if (withHeat && heatOk) {
        heatOk = false;
        store.set({ notice: 'Play goes on without refreshing the heatmaps: drawing them as well is more work than the server allows in one request.' });
        return true;
      }
      return false;
    }

    function train() {
      sending = true;
      const from = state.step;
      const steps = Math.min(deps.limits().trainSteps, cap, Math.max(1, updatesPerFrame() * frames));
      frames = 0;
      // One whole-set evaluation per request (at its end): the charts need no more.
      const extra = { eval_every: steps };
      const t = deps.now();
      if (heatOk && state.has2d && t - lastHeat >= HEATMAP_MS) {
        lastHeat = t;
        extra.heatmaps_resolution = deps.limits().playResolution;
      }
      deps.call(() => deps.api.postTrain(state.scenario, from, steps, extra), { report: false })
        .then((r) => {
          if (!live()) return;
          addHistory(state.history, r.history, r.evaluations);
          addMetrics(state.history, r.step, r.metrics);
          const patch = { step: r.step, params: r.params, snapshot: deps.snapshotOf(r), maxStep: Math.max(state.maxStep, r.step), history: state.history };
          if (r.heatmaps) {
            patch.heatmaps = decodeHeatmaps(r.heatmaps, r.step);
            patch.scales = withHeat(state.scales, patch.heatmaps);
          }
          store.set(patch);
          if (r.diverged) deps.onDiverged();
        })
        .catch((err) => {
          if (!live()) return;
          if (isTooMuchWork(err) && slowDown(steps, 'heatmaps_resolution' in extra)) return;
          if (isTooMuchWork(err)) err = new Error('Even one update at a time is more work than the server allows for this network and batch: use a smaller batch, fewer units or fewer samples.');
          deps.onFailed(err);
        })
        .finally(() => {
          sending = false;
        });
    }

    function trace() {
      traceInflight = true;
      deps.fetchTrace(state.step)
        .then((tr) => live() && state.playing && store.set({ trace: tr }))
        .catch(() => {})
        .finally(() => {
          traceInflight = false;
        });
    }

    const frame = () => {
      if (!live() || !state.playing) return;
      if (!sending) train();
      frames++;
      const t = deps.now();
      if (!traceInflight && t - lastTrace >= TRACE_MS) {
        lastTrace = t;
        trace();
      }
      deps.raf(frame);
    };
    deps.raf(frame);
  }

  return {
    start,
    /** Stops the loop; answers still in flight are dropped. */
    stop() {
      token++;
    },
  };
}
