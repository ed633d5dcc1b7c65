// Fitting the fixed colour scales to what is on screen (a new scenario, or "Rescale"). Pure.
// Between fits the scales stay put, so a change in brightness is a change in value.

import { ceil2, divergingScale, fitLogRange, logScale, maxAbs, niceMax } from './colors.js';

/** Weight, bias, gradient (log, 4 decades) and update scales from parameters and a trace. */
export function fitScales(params, trace) {
  const grads = trace?.layers?.map((l) => l.grad_W) ?? [];
  const updates = trace?.layers?.map((l) => l.update_W) ?? [];
  const [lo, hi] = fitLogRange(grads, 4);
  const wMax = maxAbs(params.map((p) => p.W));
  return {
    weight: divergingScale(ceil2(wMax)),
    // Biases often start at 0: their scale is at least a tenth of the weights'.
    bias: divergingScale(ceil2(Math.max(maxAbs(params.map((p) => p.b)), 0.1 * wMax))),
    gradient: logScale(lo, hi),
    update: divergingScale(ceil2(maxAbs(updates))),
    heat: null,
  };
}

/** Per-layer value ranges of the heatmaps (used where the activation does not bound them). */
export function fitHeat(h) {
  return h.layers.map((units) => Math.max(1e-6, niceMax(maxAbs(units))));
}

/** Scales with the heatmaps' ranges fitted on the first heatmaps shown (then they stay put). */
export function withHeat(scales, h) {
  return { ...scales, heat: scales.heat ?? fitHeat(h) };
}
