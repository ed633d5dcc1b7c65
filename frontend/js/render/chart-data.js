// What the charts draw, as data: the series of one run or of two compared runs over steps,
// their labels, colours and dashes, and the step axis's ticks. Pure (no DOM, no uPlot), so
// node tests can read it; charts.js hands it to uPlot.

import { lossSeries, lrSeries } from '../history.js';

/** Okabe–Ito blue and vermillion: the two runs of compare mode (distinct for every kind of colour vision). */
export const RUN_COLORS = ['#0072B2', '#D55E00'];
/** Paul Tol's "muted" scheme, ordered for contrast on white: one colour per weight layer (≤ 9). */
export const LAYER_COLORS = ['#332288', '#CC6677', '#117733', '#88CCEE', '#882255', '#44AA99', '#999933', '#AA4499', '#DDCC77'];
const DASH = [7, 4];

/** Step ticks: whole steps only, 1, 2, 5 × 10ᵉ apart. */
export const STEP_INCRS = Array.from({ length: 21 }, (_, k) => [1, 2, 5][k % 3] * 10 ** Math.floor(k / 3));
/** Tick labels of the step axis (uPlot asks only at STEP_INCRS, but a range under one step may still split). */
export const stepTicks = (vals) => vals.map((v) => (Number.isInteger(v) ? String(v) : ''));

const positive = (arr) => arr.map((v) => (typeof v === 'number' && v > 0 && Number.isFinite(v) ? v : null));

/**
 * Aligns tables [xs, ...ys] (each xs sorted, unique) on the union of their xs, with null where a
 * table has no value (as uPlot.join does).
 */
export function joinTables(tables) {
  if (tables.length === 1) return tables[0];
  const xs = [...new Set(tables.flatMap((t) => t[0]))].sort((a, b) => a - b);
  const pos = new Map(xs.map((x, k) => [x, k]));
  const out = [xs];
  for (const t of tables) {
    for (const ys of t.slice(1)) {
      const col = new Array(xs.length).fill(null);
      t[0].forEach((x, k) => (col[pos.get(x)] = ys[k] ?? null));
      out.push(col);
    }
  }
  return out;
}

/** runs: [{name, history}] (one, or two in compare mode). A run's short tag: A, B. */
const tag = (k) => 'AB'[k] ?? String(k + 1);

/** The loss chart: whole-set train and test loss of each run. */
export function lossChart(runs, log) {
  const compare = runs.length > 1;
  const series = [];
  const tables = runs.map(({ name, history }, k) => {
    const [xs, train, test] = lossSeries(history);
    const color = compare ? RUN_COLORS[k] : RUN_COLORS[0];
    series.push(
      { label: compare ? `train · ${name}` : 'train', stroke: color, width: 2 },
      { label: compare ? `test · ${name}` : 'test', stroke: compare ? color : RUN_COLORS[1], width: 2, dash: DASH },
    );
    return [xs, log ? positive(train) : train, log ? positive(test) : test];
  });
  return { data: joinTables(tables), series };
}

/** The gradient-norm chart: one line per weight layer (a colour each); the second run dashed. */
export function gradChart(runs) {
  const compare = runs.length > 1;
  const series = [];
  const tables = runs.map(({ history }, k) => {
    history.gradNorms.forEach((_, l) => {
      series.push({ label: compare ? `layer ${l + 1} · ${tag(k)}` : `layer ${l + 1}`, stroke: LAYER_COLORS[l % LAYER_COLORS.length], width: 2, ...(k > 0 ? { dash: DASH } : {}) });
    });
    return [history.steps, ...history.gradNorms.map(positive)];
  });
  return { data: joinTables(tables), series, empty: runs.every(({ history }) => history.steps.length === 0) };
}

/** The learning-rate chart: the rate of update k of each run. */
export function lrChart(runs) {
  const compare = runs.length > 1;
  const series = runs.map(({ name }, k) => ({ label: compare ? `η · ${name}` : 'η', stroke: RUN_COLORS[k], width: 2, points: { show: true, size: 5 }, ...(k > 0 ? { dash: DASH } : {}) }));
  return { data: joinTables(runs.map(({ history }) => lrSeries(history))), series };
}

/** The key under a compared chart's title: which line style is which run. */
export const runKey = (runs, { dashed = true, coloured = false } = {}) => runs.map(({ name }, k) => ({ tag: tag(k), name, dash: dashed && k > 0, color: coloured ? RUN_COLORS[k] : '#333333' }));

const FIELD_WORD = { optimizer: 'optimizer', schedule: 'schedule', regularization: 'penalty', clip: 'clipping', batch_size: 'batch' };

/** A marker's word for the changes made at one step (the tooltip has the whole description). */
export function markerLabel(events) {
  const words = events.map((e) => {
    if (e.kind === 'set') {
      const c = e.changes ?? {};
      if (c.optimizer && 'lr' in c.optimizer) return 'η';
      const field = Object.keys(c)[0];
      return FIELD_WORD[field] ?? field ?? 'change';
    }
    return { set_weight: 'w', prune: '✂ prune', add_points: '+ points' }[e.kind] ?? e.kind;
  });
  return [...new Set(words)].join(', ');
}
