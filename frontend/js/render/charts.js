// Charts over steps (uPlot): train and test loss, per-layer gradient norms (vanishing and
// exploding gradients show as spread between the lines), and the learning rate with a cursor.

import { uPlot } from '../vendor.js';
import { lossSeries, lrSeries } from '../history.js';
import { interpolate, SEQUENTIAL_STOPS } from '../colors.js';
import { fmt } from '../format.js';
import { describeEvent, markerText } from '../events.js';

const positive = (arr) => arr.map((v) => (typeof v === 'number' && v > 0 && Number.isFinite(v) ? v : null));
// A chart is a few hundred pixels wide: more points than this only cost drawing time.
const MAX_DRAWN = 800;

/** Every k-th point of aligned series (always keeping the last), for drawing only. */
export function decimate(series) {
  const n = series[0].length;
  if (n <= MAX_DRAWN) return series;
  const k = Math.ceil(n / MAX_DRAWN);
  const keep = (_, idx) => idx % k === 0 || idx === n - 1;
  return series.map((s) => s.filter(keep));
}
const HEIGHT = 120;
// A plain family: canvas text with a font-fallback list is slow to draw in software rendering.
const FONT = '11px sans-serif';

function baseOpts(width, title, yLog, series, cursorStep, events = null) {
  return {
    width,
    height: HEIGHT,
    title,
    legend: { show: true, live: false },
    cursor: { drag: { x: false, y: false }, points: { show: false } },
    scales: { x: { time: false }, y: yLog ? { distr: 3 } : { auto: true } },
    axes: [
      { stroke: '#555', grid: { stroke: '#eee' }, size: 28, font: FONT },
      { stroke: '#555', grid: { stroke: '#eee' }, size: 52, font: FONT, values: (u, vals) => vals.map((v) => (v === null || v === undefined ? '' : fmt(v, 2))) },
    ],
    series: [{ label: 'step' }, ...series],
    hooks: cursorStep ? { draw: [(u) => drawCursor(u, cursorStep()), ...(events ? [(u) => drawMarkers(u, events())] : [])] } : {},
  };
}

/** Mid-run changes (the scenario's events) as labelled markers over the plot, one per step. */
function drawMarkers(u, events) {
  let layer = u.over.querySelector('.event-markers');
  if (!layer) {
    layer = document.createElement('div');
    layer.className = 'event-markers';
    layer.dataset.testid = 'event-markers';
    u.over.appendChild(layer);
  }
  layer.textContent = '';
  const byStep = new Map();
  for (const e of events) byStep.set(e.step, [...(byStep.get(e.step) ?? []), e]);
  const { min, max } = u.scales.x;
  for (const [k, list] of byStep) {
    const x = u.valToPos(k, 'x');
    // Outside the steps drawn (after a rewind, or before the chart has data): no marker.
    if (!Number.isFinite(x) || !(k >= min && k <= max)) continue;
    const m = document.createElement('div');
    m.className = 'event-marker';
    m.dataset.step = String(k);
    m.dataset.kinds = list.map((e) => e.kind).join(' ');
    m.style.left = `${x}px`;
    m.title = list.map((e) => `step ${k}: ${describeEvent(e)}`).join('\n');
    m.textContent = [...new Set(list.map(markerText))].join('');
    layer.appendChild(m);
  }
}

function drawCursor(u, step) {
  if (!Number.isFinite(step)) return;
  const x = u.valToPos(step, 'x', true);
  if (!Number.isFinite(x) || x < u.bbox.left || x > u.bbox.left + u.bbox.width) return;
  const ctx = u.ctx;
  ctx.save();
  ctx.strokeStyle = '#d0006f';
  ctx.lineWidth = 2 * devicePixelRatio;
  ctx.beginPath();
  ctx.moveTo(x, u.bbox.top);
  ctx.lineTo(x, u.bbox.top + u.bbox.height);
  ctx.stroke();
  ctx.restore();
}

const NO_EVENTS = [];

export function createCharts({ loss, grads, lr, logToggle }) {
  let events = NO_EVENTS;
  let lossLog = logToggle.checked;
  let lossPlot = null;
  let gradPlot = null;
  let gradLayers = -1;
  let lrPlot = null;
  let step = 0;
  let history = null;

  const width = (el) => Math.max(200, el.clientWidth);
  const sync = () => {
    lossPlot?.setSize({ width: width(loss), height: HEIGHT });
    gradPlot?.setSize({ width: width(grads), height: HEIGHT });
    lrPlot?.setSize({ width: width(lr), height: HEIGHT });
  };
  for (const el of [loss, grads, lr]) new ResizeObserver(sync).observe(el);
  logToggle.addEventListener('change', () => {
    lossLog = logToggle.checked;
    lossPlot?.destroy();
    lossPlot = null;
    drawnVersion.fill(-1);
    if (history) drawLoss(history);
  });

  function drawLoss(h) {
    const [xs, train, test] = lossSeries(h);
    const lossData = decimate([xs, lossLog ? positive(train) : train, lossLog ? positive(test) : test]);
    if (!lossPlot) {
      loss.textContent = '';
      lossPlot = new uPlot(baseOpts(width(loss), 'Loss (whole sets)', lossLog, [
        { label: 'train', stroke: '#0571b0', width: 2 },
        { label: 'test', stroke: '#e66101', width: 2, dash: [5, 3] },
      ], () => step, () => events), lossData, loss);
    } else lossPlot.setData(lossData);
  }

  function drawGrads(h) {
    grads.classList.toggle('empty', h.steps.length === 0);
    const layers = h.gradNorms.length;
    const data = decimate([h.steps, ...h.gradNorms.map(positive)]);
    if (!gradPlot || layers !== gradLayers) {
      gradPlot?.destroy();
      grads.textContent = '';
      gradLayers = layers;
      gradPlot = new uPlot(baseOpts(width(grads), 'Gradient norm per layer (log)', true, h.gradNorms.map((_, l) => ({
        label: `layer ${l + 1}`,
        stroke: interpolate(SEQUENTIAL_STOPS, layers > 1 ? 0.3 + (0.7 * l) / (layers - 1) : 0.8),
        width: 1.5,
      })), () => step), data, grads);
    } else gradPlot.setData(data);
  }

  function drawLr(h) {
    const lrData = decimate(lrSeries(h));
    if (!lrPlot) {
      lr.textContent = '';
      lrPlot = new uPlot(baseOpts(width(lr), 'Learning rate of update k', false, [{ label: 'lr', stroke: '#5e3c99', width: 2, points: { show: true, size: 4 } }], () => step), lrData, lr);
    } else lrPlot.setData(lrData);
  }

  const DRAW = [drawLoss, drawGrads, drawLr];
  // While playing, one chart per call, each at most twice a second: no frame pays for three.
  let turn = 0;
  const drawnAt = [0, 0, 0];
  const drawnVersion = [-1, -1, -1];

  /** Redraws what changed; returns true when it drew a chart. */
  function update(state, now = performance.now()) {
    if (!state.history) return false;
    const moved = state.step !== step;
    step = state.step;
    if ((state.scenario?.events ?? NO_EVENTS) !== events) {
      events = state.scenario?.events ?? NO_EVENTS;
      lossPlot?.redraw(false, false);
    }
    const h = state.history;
    if (h !== history) {
      history = h;
      drawnVersion.fill(-1);
    }
    if (!state.playing) {
      if (drawnVersion.some((v) => v !== h.version)) {
        for (const f of DRAW) f(h);
        drawnVersion.fill(h.version);
        return true;
      }
      if (moved) for (const p of [lossPlot, gradPlot, lrPlot]) p?.redraw(false, false);
      return false;
    }
    for (let k = 0; k < 3; k++) {
      const c = (turn + k) % 3;
      if (drawnVersion[c] !== h.version && now - drawnAt[c] > 500) {
        DRAW[c](h);
        drawnVersion[c] = h.version;
        drawnAt[c] = now;
        turn = c + 1;
        return true;
      }
    }
    return false;
  }

  function reset() {
    for (const p of [lossPlot, gradPlot, lrPlot]) p?.destroy();
    lossPlot = gradPlot = lrPlot = null;
    gradLayers = -1;
    drawnVersion.fill(-1);
  }

  return { update, reset };
}
