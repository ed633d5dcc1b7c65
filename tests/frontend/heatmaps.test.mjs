import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { decodeHeatmaps, gridToPixels, heatRange } from '../../frontend/js/heatmaps.js';
import { encodeFloat32 } from '../../frontend/js/b64.js';

const heat = JSON.parse(readFileSync(new URL('./fixtures/heatmaps-xor.json', import.meta.url)));

test('decodes every unit of every layer of a /heatmaps answer', () => {
  const h = decodeHeatmaps(heat, 0);
  assert.equal(h.nx, 3);
  assert.equal(h.ny, 3);
  assert.deepEqual(h.extent, heat.extent);
  assert.deepEqual(h.layers.map((units) => units.length), heat.layers.map((l) => l.units.length));
  for (const units of h.layers) for (const g of units) assert.equal(g.length, 9);
  // Layer 0 holds the features: x1 grows along a row, x2 along a column (y increasing).
  const [x1, x2] = h.layers[0];
  assert.ok(x1[0] < x1[2] && x1[0] === x1[6]);
  assert.ok(x2[0] < x2[6] && x2[0] === x2[2]);
});

test('grids become pixels with y increasing upwards, non-finite values grey', () => {
  const table = new Uint8ClampedArray(256 * 4);
  for (let k = 0; k < 256; k++) table.set([k, 0, 255 - k, 255], 4 * k);
  const grid = new Float32Array([0, 1, NaN, 0.5]); // 2×2, row 0 at the bottom
  const px = gridToPixels(grid, 2, 2, table, (v) => v);
  assert.deepEqual([...px.slice(0, 4)], [158, 158, 158, 255]); // top-left: row 1, col 0 (NaN)
  assert.deepEqual([...px.slice(8, 12)], [0, 0, 255, 255]); // bottom-left: 0
  assert.deepEqual([...px.slice(12, 16)], [255, 0, 0, 255]); // bottom-right: 1
  assert.deepEqual([...px.slice(4, 8)], [128, 0, 127, 255]); // top-right: 0.5
});

test('heatmap value ranges follow the activation', () => {
  assert.deepEqual(heatRange('sigmoid', 3), [0, 1]);
  assert.deepEqual(heatRange('tanh', 3), [-1, 1]);
  assert.deepEqual(heatRange('relu', 3), [-3, 3]);
  assert.deepEqual(heatRange('linear', 0), [-1, 1]);
  assert.equal(decodeHeatmaps({ extent: [0, 1, 0, 1], resolution: 1, layers: [{ units: [encodeFloat32([2])] }] }, 1).layers[0][0][0], 2);
});
