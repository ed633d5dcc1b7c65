// Heatmap thumbnails of every unit, drawn on one canvas under the network's SVG.

import { divergingOfT, lut, maxAbs } from '../colors.js';
import { gridToPixels, heatRange } from '../heatmaps.js';

const TABLE = lut(divergingOfT);
let scratch = null;

function scratchCanvas(nx, ny) {
  if (!scratch || scratch.width !== nx || scratch.height !== ny) {
    scratch = document.createElement('canvas');
    scratch.width = nx;
    scratch.height = ny;
    scratch.img = scratch.getContext('2d').createImageData(nx, ny);
  }
  return scratch;
}

/** Paints one grid into a destination rectangle of a 2-D context. */
export function paintGrid(ctx, grid, nx, ny, range, dx, dy, dw, dh) {
  const c = scratchCanvas(nx, ny);
  const [lo, hi] = range;
  const span = hi - lo || 1;
  gridToPixels(grid, nx, ny, TABLE, (v) => (v - lo) / span, c.img.data);
  c.getContext('2d').putImageData(c.img, 0, 0);
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(c, dx, dy, dw, dh);
}

/** Activation of layer l (1-based) of the scenario, for its value range. */
export function activationOf(state, l, L) {
  const sc = state.scenario;
  if (l === L) return sc.output_activation ?? state.trace?.output_activation ?? null;
  return sc.activation ?? state.schema?.properties?.activation?.default;
}

export function drawThumbnails(canvas, layout, state) {
  const ctx = canvas.getContext('2d');
  const dpr = canvas.width / layout.width || 1;
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  const h = state.heatmaps;
  if (!h) return;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  const half = layout.nodeSize / 2;
  const L = layout.nodes.length - 1;
  // Heatmaps may include layer 0 (the features) or start at layer 1.
  const offset = h.layers.length === L + 1 ? 0 : 1;
  const grids = (l) => (l === 0 ? h.inputs ?? (offset === 0 ? h.layers[0] : null) : h.layers[l - offset]);
  for (let l = 0; l <= L; l++) {
    const units = grids(l);
    if (!units) continue;
    const fitted = l === 0 ? 1 : state.scales.heat?.[l - offset];
    const range = l === 0 ? null : heatRange(activationOf(state, l, L), fitted);
    layout.nodes[l].forEach((p, j) => {
      if (!units[j]) return;
      // An input is shown over its own range (x1 spans the plane, x1² only positive values).
      const m = l === 0 ? Math.max(1e-9, maxAbs(units[j])) : 0;
      paintGrid(ctx, units[j], h.nx, h.ny, range ?? [-m, m], p.x - half, p.y - half, 2 * half, 2 * half);
    });
  }
}
