// The /heatmaps answer as Float32Arrays. Pure (no DOM).

import { decodeFloat32 } from './b64.js';

/**
 * A /heatmaps answer {extent, resolution, layers: [{units: [base64]}]} -> {step, extent, nx, ny,
 * layers: [[Float32Array per unit]]}. Layer 0 is the features, layer l ≥ 1 the units of layer l.
 */
export function decodeHeatmaps(h, step) {
  return {
    step,
    extent: h.extent,
    nx: h.resolution,
    ny: h.resolution,
    layers: h.layers.map((layer) => layer.units.map(decodeFloat32)),
  };
}

/**
 * Writes one grid (row-major, row 0 at y_min) into RGBA pixels with row 0 at the top of the
 * image (y_max), through a 256-entry lookup table and a map value -> t in [0, 1].
 */
export function gridToPixels(grid, nx, ny, table, toT, out = new Uint8ClampedArray(nx * ny * 4)) {
  for (let row = 0; row < ny; row++) {
    const src = row * nx;
    const dst = (ny - 1 - row) * nx * 4;
    for (let col = 0; col < nx; col++) {
      const v = grid[src + col];
      let o = dst + col * 4;
      if (!Number.isFinite(v)) {
        out[o++] = 158;
        out[o++] = 158;
        out[o++] = 158;
        out[o] = 255;
        continue;
      }
      let t = toT(v);
      t = t < 0 ? 0 : t > 1 ? 1 : t;
      const k = ((t * 255 + 0.5) | 0) * 4;
      out[o++] = table[k];
      out[o++] = table[k + 1];
      out[o++] = table[k + 2];
      out[o] = 255;
    }
  }
  return out;
}

/** Value range shown for a unit's heatmap: known output ranges of bounded activations. */
export function heatRange(activation, fitted) {
  if (activation === 'sigmoid' || activation === 'softmax') return [0, 1];
  if (activation === 'tanh') return [-1, 1];
  const m = fitted > 0 ? fitted : 1;
  return [-m, m];
}
