// Charts over steps (uPlot): train and test loss, per-layer gradient norms (vanishing and
// exploding gradients show as spread between the lines), and the learning rate with a cursor.
// In compare mode every chart carries both runs (chart-data.js says how); in lecture mode the
// type is large enough for the back of a hall.

import { uPlot } from '../vendor.js';
import { fmt } from '../format.js';
import { describeEvent } from '../events.js';
import { gradChart, lossChart, lrChart, markerLabel, runKey, STEP_INCRS, stepTicks } from './chart-data.js';

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

// A plain family: canvas text with a font-fallback list is slow to draw in software rendering.
// Lecture mode: at least 16 px, read from the back of a room.
const LOOK = {
  normal: { height: 130, font: '12px sans-serif', xSize: 30, ySize: 54, grid: '#e8e8e8', axis: '#444' },
  lecture: { height: 165, font: '16px sans-serif', xSize: 38, ySize: 66, grid: '#cfcfcf', axis: '#000' },
};

function baseOpts(look, width, title, yLog, series, { cursorStep, events, ticks }) {
  const hooks = { draw: [(u) => drawCursor(u, cursorStep())] };
  if (events) hooks.draw.push((u) => drawMarkers(u, events()));
  return {
    width,
    height: look.height,
    title,
    legend: { show: true, live: false },
    cursor: { drag: { x: false, y: false }, points: { show: false } },
    scales: { x: { time: false }, y: yLog ? { distr: 3 } : { auto: true } },
    axes: [
      { stroke: look.axis, grid: { stroke: look.grid }, size: look.xSize, font: look.font, incrs: STEP_INCRS, values: (u, vals) => ticks(stepTicks(vals)) },
      { stroke: look.axis, grid: { stroke: look.grid }, size: look.ySize, font: look.font, values: (u, vals) => vals.map((v) => (v === null || v === undefined ? '' : fmt(v, 2))) },
    ],
    series: [{ label: 'step' }, ...series.map((s) => ({ spanGaps: true, ...s }))],
    hooks,
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
  const width = u.over.clientWidth;
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
    const label = document.createElement('span');
    label.className = 'event-label';
    label.textContent = markerLabel(list);
    m.appendChild(label);
    layer.appendChild(m);
    // A label that would run past the plot's right edge is written to the left of its line.
    if (x + 4 + label.offsetWidth > width) m.classList.add('flip');
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

/** Which line is which run, under a compared chart's title. */
function addRunKey(u, entries) {
  const key = document.createElement('div');
  key.className = 'run-key';
  for (const e of entries) {
    const item = document.createElement('span');
    item.className = 'run-key-item';
    const line = document.createElement('span');
    line.className = `run-key-line${e.dash ? ' dashed' : ''}`;
    line.style.borderColor = e.color;
    item.append(line, document.createTextNode(`${e.tag} · ${e.name}`));
    key.appendChild(item);
  }
  u.root.insertBefore(key, u.root.querySelector('.u-wrap'));
}

const NO_EVENTS = [];
const ids = new WeakMap();
let nextId = 1;
/** A history's identity: a new scenario's history is a new object, whatever its version. */
const idOf = (h) => (ids.has(h) ? ids.get(h) : (ids.set(h, nextId++), nextId - 1));

/**
 * One chart: a uPlot made again when its shape (series, look) changes, else given new data.
 * el.dataset.axisFont and el.dataset.xTicks say what its canvas axes are drawn with.
 */
function createChart(el, title, { yLog = () => false, cursorStep, events = null }) {
  let plot = null;
  let shape = null;
  let look = LOOK.normal;
  const ticks = (vals) => {
    const text = vals.filter(Boolean).join(' ');
    if (el.dataset.xTicks !== text) el.dataset.xTicks = text;
    return vals;
  };
  const width = () => Math.max(200, el.clientWidth);
  return {
    draw({ data, series, key = null, empty = false }, nextLook) {
      el.classList.toggle('empty', empty);
      const nextShape = JSON.stringify([series, key, nextLook === LOOK.lecture, yLog()]);
      if (!plot || nextShape !== shape) {
        plot?.destroy();
        el.textContent = '';
        shape = nextShape;
        look = nextLook;
        plot = new uPlot(baseOpts(look, width(), title, yLog(), series, { cursorStep, events, ticks }), decimate(data), el);
        if (key) addRunKey(plot, key);
        el.dataset.axisFont = look.font;
      } else plot.setData(decimate(data));
    },
    redraw: () => plot?.redraw(false, false),
    resize: () => plot?.setSize({ width: width(), height: look.height }),
    destroy() {
      plot?.destroy();
      plot = null;
      shape = null;
    },
  };
}

export function createCharts({ loss, grads, lr, logToggle }) {
  let events = NO_EVENTS;
  let lossLog = logToggle.checked;
  let step = 0;
  const opts = { cursorStep: () => step };
  const charts = [
    createChart(loss, 'Train / test loss (whole set)', { ...opts, yLog: () => lossLog, events: () => events }),
    createChart(grads, 'Gradient norm per layer (log)', { ...opts, yLog: () => true }),
    createChart(lr, 'Learning rate of update k', opts),
  ];
  const build = [
    (runs) => lossChart(runs, lossLog), // its legend names each run's train and test lines
    (runs) => ({ ...gradChart(runs), key: runs.length > 1 ? runKey(runs) : null }),
    (runs) => ({ ...lrChart(runs), key: runs.length > 1 ? runKey(runs, { coloured: true }) : null }),
  ];

  for (const [k, el] of [loss, grads, lr].entries()) new ResizeObserver(() => charts[k].resize()).observe(el);

  let runs = [];
  let look = LOOK.normal;
  const drawnKey = ['', '', ''];
  const drawnAt = [0, 0, 0];
  let turn = 0;
  logToggle.addEventListener('change', () => {
    lossLog = logToggle.checked;
    drawnKey[0] = '';
    if (runs.length) charts[0].draw(build[0](runs), look);
  });

  const versionKey = () => `${runs.map((r) => `${r.name}:${idOf(r.history)}.${r.history.version}`).join('|')}|${look === LOOK.lecture}`;
  function drawOne(c) {
    charts[c].draw(build[c](runs), look);
    drawnKey[c] = versionKey();
  }

  /**
   * Redraws what changed; returns true when it drew a chart. compared: {name, state} of the
   * compared run (compare mode), or null; name: this run's name beside it.
   */
  function update(state, { name = null, compared = null } = {}, now = performance.now()) {
    if (!state.history) return false;
    const moved = state.step !== step;
    step = state.step;
    const lectureLook = typeof document !== 'undefined' && document.body.classList.contains('lecture');
    look = lectureLook ? LOOK.lecture : LOOK.normal;
    runs = [{ name: name ?? state.scenario?.title ?? 'this run', history: state.history }];
    if (compared?.state.history) runs.push({ name: compared.name, history: compared.state.history });
    if ((state.scenario?.events ?? NO_EVENTS) !== events) {
      events = state.scenario?.events ?? NO_EVENTS;
      charts[0].redraw();
    }
    const key = versionKey();
    const playing = state.playing || !!compared?.state.playing;
    if (!playing) {
      if (drawnKey.some((v) => v !== key)) {
        for (let c = 0; c < 3; c++) if (drawnKey[c] !== key) drawOne(c);
        return true;
      }
      if (moved) for (const c of charts) c.redraw();
      return false;
    }
    // While playing, one chart per call, each at most twice a second: no frame pays for three.
    for (let k = 0; k < 3; k++) {
      const c = (turn + k) % 3;
      if (drawnKey[c] !== key && now - drawnAt[c] > 500) {
        drawOne(c);
        drawnAt[c] = now;
        turn = c + 1;
        return true;
      }
    }
    return false;
  }

  function reset() {
    for (const c of charts) c.destroy();
    drawnKey.fill('');
  }

  return { update, reset };
}
