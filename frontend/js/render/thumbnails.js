// Heatmap thumbnails of every unit: pixel tiles (thumbnailTiles), drawn on the canvas under the
// network's SVG at rest and by the edge worker while training plays (drawTiles serves both).

import { divergingOfT, lut, maxAbs } from '../colors.js';
import { gridToPixels, heatRange } from '../heatmaps.js';

const TABLE = lut(divergingOfT);

/** Activation of layer l (1-based) of the scenario, for its value range. */
export function activationOf(state, l, L) {
  const sc = state.scenario;
  if (l === L) return sc.output_activation ?? state.trace?.output_activation ?? null;
  return sc.activation ?? state.schema?.properties?.activation?.default;
}

/**
 * The thumbnails of every unit as pixel tiles: [{x, y, size, nx, ny, pixels}] (top-left corner
 * and side in CSS pixels, RGBA row 0 at the top), from the state's heatmaps.
 */
export function thumbnailTiles(layout, state, dpr = globalThis.devicePixelRatio || 1) {
  const h = state.heatmaps;
  if (!h) return [];
  const L = layout.nodes.length - 1;
  const tiles = [];
  for (let l = 0; l <= L; l++) {
    const units = h.layers[l];
    if (!units) continue;
    const fitted = l === 0 ? 1 : state.scales.heat?.[l];
    const range = l === 0 ? null : heatRange(activationOf(state, l, L), fitted);
    layout.nodes[l].forEach((p, j) => {
      if (!units[j]) return;
      // An input is shown over its own range (x1 spans the plane, x1² only positive values).
      const m = l === 0 ? Math.max(1e-9, maxAbs(units[j])) : 0;
      const [lo, hi] = range ?? [-m, m];
      const span = hi - lo || 1;
      // A small square needs no more points than its pixels: every k-th of the grid.
      const k = Math.max(1, Math.floor(h.nx / Math.max(8, Math.ceil(2 * p.h * dpr))));
      const [grid, nx, ny] = k > 1 ? subsample(units[j], h.nx, h.ny, k) : [units[j], h.nx, h.ny];
      const pixels = gridToPixels(grid, nx, ny, TABLE, (v) => (v - lo) / span);
      tiles.push({ x: p.x - p.h, y: p.y - p.h, size: 2 * p.h, nx, ny, pixels });
    });
  }
  return tiles;
}

/** Every k-th point of an nx × ny grid (row-major), in both directions: [grid, nx, ny]. */
export function subsample(grid, nx, ny, k) {
  const mx = Math.ceil(nx / k);
  const my = Math.ceil(ny / k);
  const out = new Float32Array(mx * my);
  for (let r = 0; r < my; r++) for (let c = 0; c < mx; c++) out[r * mx + c] = grid[r * k * nx + c * k];
  return [out, mx, my];
}

/** Draws tiles (thumbnailTiles) on a 2-D context whose transform maps CSS pixels. */
export function drawTiles(ctx, tiles, makeCanvas) {
  let scratch = null;
  for (const t of tiles) {
    if (!scratch || scratch.width !== t.nx || scratch.height !== t.ny) scratch = makeCanvas(t.nx, t.ny);
    scratch.getContext('2d').putImageData(new ImageData(t.pixels, t.nx, t.ny), 0, 0);
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(scratch, t.x, t.y, t.size, t.size);
  }
}

export function drawThumbnails(canvas, layout, state) {
  const ctx = canvas.getContext('2d');
  const dpr = canvas.width / layout.width || 1;
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  drawTiles(ctx, thumbnailTiles(layout, state), (w, h) => Object.assign(document.createElement('canvas'), { width: w, height: h }));
}
