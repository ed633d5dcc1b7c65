// The output view: the network's output over the input plane (decision boundary or regression
// surface) with the train and test points, the current batch and the selected sample. A data
// set of one sample (the worked example) has no boundary to show: each output ŷ stands beside
// its target y instead.

import { divergingOfT, interpolate, lut, NEGATIVE_STOPS, POSITIVE_STOPS } from '../colors.js';
import { gridToPixels, heatRange } from '../heatmaps.js';
import { fmt } from '../format.js';
import { activationOf } from './thumbnails.js';

const TABLE = lut(divergingOfT);
export const CLASS_COLORS = ['#e66101', '#0571b0', '#5e3c99', '#1b9e77', '#a6761d', '#666666', '#e7298a', '#66a61e'];

/** t in [0, 1] for an output value, by the output activation's range (or a fitted one). */
export function outputToT(activation, fitted) {
  if (activation === 'sigmoid') return (v) => v;
  if (activation === 'tanh') return (v) => (v + 1) / 2;
  const m = fitted > 0 ? fitted : 1;
  return (v) => (v / m + 1) / 2;
}

/** Colour of a data point from its encoded target vector. */
export function pointColor(target, activation, fitted) {
  if (!target) return '#000000';
  if (target.length > 1) {
    let best = 0;
    for (let k = 1; k < target.length; k++) if (target[k] > target[best]) best = k;
    return CLASS_COLORS[best % CLASS_COLORS.length];
  }
  const t = Math.max(0, Math.min(1, outputToT(activation, fitted)(target[0])));
  return t < 0.5 ? interpolate(NEGATIVE_STOPS, 0.6 + 0.8 * (0.5 - t)) : interpolate(POSITIVE_STOPS, 0.6 + 0.8 * (t - 0.5));
}

export function createOutputView(container, { onAddPoint }) {
  // Two layers: the surface and the data (redrawn when heatmaps or data change) and, on top,
  // the current batch and the selected sample (redrawn every step, cheaply).
  const stack = document.createElement('div');
  stack.className = 'output-stack';
  const baseCanvas = document.createElement('canvas');
  baseCanvas.className = 'output-base';
  baseCanvas.setAttribute('aria-hidden', 'true');
  const canvas = document.createElement('canvas');
  canvas.className = 'output-canvas';
  canvas.tabIndex = 0;
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-label', 'Output over the input plane with the data points; click adds a point of the chosen class, shift-click the other class');
  const empty = document.createElement('p');
  empty.className = 'output-empty';
  empty.hidden = true;
  const targets = createTargets();
  // A neuron under the pointer or the keyboard focus (state.preview) is shown here, large.
  const showing = document.createElement('p');
  showing.className = 'output-showing';
  showing.dataset.testid = 'output-showing';
  showing.hidden = true;
  container.dataset.showing = 'output';
  stack.append(baseCanvas, canvas);
  container.append(stack, showing, empty, targets.el);
  const base = document.createElement('canvas');
  let view = null; // {extent, size}
  let lastKey = null;
  let size = 0;
  new ResizeObserver(() => {
    size = Math.floor(Math.min(container.clientWidth, container.clientHeight || container.clientWidth));
    lastKey = null;
  }).observe(container);

  canvas.addEventListener('click', (e) => {
    if (!view) return;
    const r = canvas.getBoundingClientRect();
    const [x0, x1, y0, y1] = view.extent;
    const x = x0 + ((e.clientX - r.left) / r.width) * (x1 - x0);
    const y = y1 - ((e.clientY - r.top) / r.height) * (y1 - y0);
    onAddPoint({ x, y, other: e.shiftKey });
  });

  function sizeCanvas(c, px, dpr) {
    if (c.width !== Math.round(px * dpr)) {
      c.width = Math.round(px * dpr);
      c.height = Math.round(px * dpr);
      c.style.width = `${px}px`;
      c.style.height = `${px}px`;
    }
  }

  let overlayKey = null;
  function update(state) {
    const single = state.dataset ? state.dataset.inputs.length === 1 : targets.shown;
    targets.el.hidden = !single;
    if (single) {
      empty.hidden = true;
      stack.hidden = true;
      view = null;
      return targets.update(state);
    }
    empty.hidden = state.has2d;
    stack.hidden = !state.has2d;
    if (!state.has2d) {
      empty.textContent = state.scenario ? 'The output view needs data with two input columns.' : '';
      view = null;
      return false;
    }
    // The plane's extent comes with the data and with the heatmaps (until then, what was drawn stays).
    const extent = state.heatmaps?.extent ?? state.dataset?.extent;
    if (!extent) return false;
    const dpr = devicePixelRatio || 1;
    const px = Math.max(120, size);
    const act = state.snapshot?.output_activation ?? state.trace?.after?.output_activation;
    const h = state.heatmaps;
    const fittedOut = h ? state.scales?.heat?.[h.layers.length - 1] ?? 1 : 1;
    const unit = previewUnit(state);
    const shown = unit ? `${unit.layer}:${unit.unit}` : 'output';
    const key = [h, state.dataset, px, fittedOut, act, extent.join(','), shown].map((v) => (typeof v === 'object' ? id(v) : v)).join('|');
    let drew = false;
    if (key !== lastKey) {
      drew = true;
      lastKey = key;
      overlayKey = null;
      sizeCanvas(baseCanvas, px, dpr);
      const ctx = baseCanvas.getContext('2d');
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      ctx.fillStyle = '#f4f4f4';
      ctx.fillRect(0, 0, px, px);
      view = { extent, size: px };
      if (unit) drawUnit(ctx, unit.grid, h.nx, h.ny, unit.toT, px);
      else if (h) drawSurface(ctx, h.layers[h.layers.length - 1], h.nx, h.ny, act, fittedOut, px);
      drawData(ctx, state.dataset, extent, px, act, fittedOut);
      container.dataset.showing = shown;
      showing.hidden = !unit;
      showing.textContent = unit ? unit.caption : '';
    }
    const okey = `${key}|${id(state.trace)}|${state.sample}`;
    if (okey === overlayKey) return drew;
    overlayKey = okey;
    sizeCanvas(canvas, px, dpr);
    const ctx = canvas.getContext('2d');
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    drawBatch(ctx, state, extent, px, act, fittedOut);
    return drew;
  }

  /** The neuron to show instead of the output: {layer, unit, grid, toT, caption}, or null. */
  function previewUnit(state) {
    const p = state.preview;
    const h = state.heatmaps;
    const grid = p && h?.layers?.[p.layer]?.[p.unit];
    if (!grid) return null;
    const L = h.layers.length - 1;
    let lo;
    let hi;
    if (p.layer === 0) {
      // An input over its own range, as its thumbnail on the network shows it.
      let m = 1e-9;
      for (const v of grid) if (Number.isFinite(v) && Math.abs(v) > m) m = Math.abs(v);
      [lo, hi] = [-m, m];
    } else {
      [lo, hi] = heatRange(activationOf(state, p.layer, L), state.scales?.heat?.[p.layer]);
    }
    const span = hi - lo || 1;
    const names = state.scenario?.features;
    const what = p.layer === 0 ? `input ${names?.[p.unit] ?? `x${p.unit + 1}`}` : p.layer === L ? `output ${p.unit}` : `hidden layer ${p.layer}, neuron ${p.unit}`;
    return { ...p, grid, toT: (v) => (v - lo) / span, caption: `Showing ${what} over the plane (${fmt(lo, 2)} … ${fmt(hi, 2)}); move away for the network's output` };
  }

  function drawUnit(ctx, grid, nx, ny, toT, px) {
    base.width = nx;
    base.height = ny;
    const bctx = base.getContext('2d');
    const img = bctx.createImageData(nx, ny);
    gridToPixels(grid, nx, ny, TABLE, toT, img.data);
    bctx.putImageData(img, 0, 0);
    ctx.imageSmoothingEnabled = true;
    ctx.globalAlpha = 0.85;
    ctx.drawImage(base, 0, 0, px, px);
    ctx.globalAlpha = 1;
  }

  function drawSurface(ctx, units, nx, ny, act, fitted, px) {
    if (!units?.length) return;
    base.width = nx;
    base.height = ny;
    const bctx = base.getContext('2d');
    const img = bctx.createImageData(nx, ny);
    if (units.length === 1) {
      gridToPixels(units[0], nx, ny, TABLE, outputToT(act, fitted), img.data);
    } else {
      // Several outputs (softmax): the winning class's colour, paler where it is less sure.
      for (let row = 0; row < ny; row++) {
        for (let col = 0; col < nx; col++) {
          let best = 0;
          for (let k = 1; k < units.length; k++) if (units[k][row * nx + col] > units[best][row * nx + col]) best = k;
          const p = units[best][row * nx + col];
          const c = CLASS_COLORS[best % CLASS_COLORS.length];
          const rgb = [1, 3, 5].map((o) => parseInt(c.slice(o, o + 2), 16));
          const f = Math.max(0, Math.min(1, (p - 1 / units.length) / (1 - 1 / units.length)));
          const o = ((ny - 1 - row) * nx + col) * 4;
          for (let q = 0; q < 3; q++) img.data[o + q] = 255 + (rgb[q] - 255) * (0.25 + 0.6 * f);
          img.data[o + 3] = 255;
        }
      }
    }
    bctx.putImageData(img, 0, 0);
    ctx.imageSmoothingEnabled = true;
    ctx.globalAlpha = 0.85;
    ctx.drawImage(base, 0, 0, px, px);
    ctx.globalAlpha = 1;
  }

  function project(extent, px) {
    const [x0, x1, y0, y1] = extent;
    return [(x) => ((x - x0) / (x1 - x0)) * px, (y) => px - ((y - y0) / (y1 - y0)) * px];
  }

  // The data points are drawn once per data set and size, then copied over each new surface.
  const pointsCanvas = document.createElement('canvas');
  let pointsKey = null;
  function drawData(ctx, d, extent, px, act, fitted) {
    if (!d) return;
    const dpr = devicePixelRatio || 1;
    const key = `${id(d)}|${px}|${dpr}|${extent.join(',')}|${act}|${fitted}`;
    if (key !== pointsKey) {
      pointsKey = key;
      pointsCanvas.width = Math.round(px * dpr);
      pointsCanvas.height = Math.round(px * dpr);
      const pctx = pointsCanvas.getContext('2d');
      pctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      const [X, Y] = project(extent, px);
      const r = px > 300 ? 3.2 : 2.6;
      for (const row of d.train) dot(pctx, X(d.inputs[row][0]), Y(d.inputs[row][1]), r, pointColor(d.targets[row], act, fitted), '#ffffff');
      for (const row of d.test) ring(pctx, X(d.inputs[row][0]), Y(d.inputs[row][1]), r, pointColor(d.targets[row], act, fitted));
    }
    ctx.save();
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.drawImage(pointsCanvas, 0, 0);
    ctx.restore();
  }

  /** The batch of the update shown (ringed) and its selected sample (a larger magenta ring). */
  function drawBatch(ctx, state, extent, px, act, fitted) {
    const b = state.trace?.batch;
    if (!b?.inputs?.length || b.inputs[0].length !== 2) return;
    const [X, Y] = project(extent, px);
    const r = px > 300 ? 3.2 : 2.6;
    ctx.lineWidth = 1.5;
    b.inputs.forEach(([x, y], k) => {
      if (!state.dataset) dot(ctx, X(x), Y(y), r, pointColor(b.targets[k], act, fitted), '#ffffff');
      ctx.strokeStyle = '#222';
      ctx.beginPath();
      ctx.arc(X(x), Y(y), r + 2.5, 0, 2 * Math.PI);
      ctx.stroke();
    });
    const sel = b.inputs[state.sample];
    if (sel) {
      ctx.lineWidth = 2.5;
      ctx.strokeStyle = '#d0006f';
      ctx.beginPath();
      ctx.arc(X(sel[0]), Y(sel[1]), r + 6, 0, 2 * Math.PI);
      ctx.stroke();
    }
  }

  return { update, canvas };
}

/**
 * ŷ against y for a one-sample data set: one row per output, two bars on the output's range.
 * ŷ is the traced forward pass of the update on screen (from step k, before its update).
 */
function createTargets() {
  const el = document.createElement('div');
  el.className = 'output-targets';
  el.dataset.testid = 'output-targets';
  el.hidden = true;
  const head = document.createElement('p');
  head.className = 'targets-head';
  const rows = document.createElement('div');
  rows.className = 'targets-rows';
  el.append(head, rows);
  let key = null;
  const bar = (cls, v, lo, hi, text) => {
    const row = document.createElement('div');
    row.className = `target-bar ${cls}`;
    const name = document.createElement('span');
    name.className = 'target-name';
    name.textContent = text;
    const track = document.createElement('span');
    track.className = 'target-track';
    const fill = document.createElement('span');
    fill.className = 'target-fill';
    const t = Number.isFinite(v) ? Math.max(0, Math.min(1, (v - lo) / (hi - lo || 1))) : 0;
    fill.style.width = `${(100 * t).toFixed(1)}%`;
    track.appendChild(fill);
    row.append(name, track);
    return row;
  };
  return {
    el,
    get shown() {
      return !el.hidden;
    },
    update(state) {
      const t = state.trace;
      const L = t?.layers?.length ?? 0;
      const yHat = L ? t.layers[L - 1].a?.[state.sample] : null;
      const y = t?.batch?.targets?.[state.sample];
      const k = `${id(t)}|${state.sample}`;
      if (k === key) return false;
      key = k;
      head.textContent = yHat ? `The one sample: outputs ŷ (forward pass from step ${t.fromStep}) against targets y` : 'The one sample: no outputs (the run has diverged)';
      rows.textContent = '';
      if (!yHat || !y) return true;
      const act = state.snapshot?.output_activation ?? t.after?.output_activation;
      const all = [...yHat, ...y].filter(Number.isFinite);
      const [lo, hi] = act === 'sigmoid' || act === 'softmax' ? [0, 1] : act === 'tanh' ? [-1, 1] : [Math.min(0, ...all), Math.max(1, ...all)];
      yHat.forEach((v, j) => {
        const group = document.createElement('div');
        group.className = 'target-row';
        group.dataset.output = String(j);
        group.dataset.yhat = String(v);
        group.dataset.y = String(y[j]);
        group.append(bar('yhat', v, lo, hi, `ŷ${yHat.length > 1 ? sub(j) : ''} = ${fmt(v, 4)}`), bar('y', y[j], lo, hi, `y${yHat.length > 1 ? sub(j) : ''} = ${fmt(y[j], 4)}`));
        rows.appendChild(group);
      });
      return true;
    },
  };
}

const SUB = '₀₁₂₃₄₅₆₇₈₉';
const sub = (n) => String(n).split('').map((d) => SUB[d]).join('');

function dot(ctx, x, y, r, fill, stroke) {
  ctx.beginPath();
  ctx.arc(x, y, r, 0, 2 * Math.PI);
  ctx.fillStyle = fill;
  ctx.fill();
  ctx.lineWidth = 1;
  ctx.strokeStyle = stroke;
  ctx.stroke();
}

function ring(ctx, x, y, r, color) {
  ctx.beginPath();
  ctx.arc(x, y, r, 0, 2 * Math.PI);
  ctx.fillStyle = '#ffffff';
  ctx.fill();
  ctx.lineWidth = 1.6;
  ctx.strokeStyle = color;
  ctx.stroke();
}

const ids = new WeakMap();
let nextId = 1;
function id(o) {
  if (o === null || o === undefined) return '-';
  if (!ids.has(o)) ids.set(o, nextId++);
  return ids.get(o);
}
