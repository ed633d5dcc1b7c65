// Colour scales: value -> colour. Pure; shared by the network, the heatmaps and the legend.
//
// Weights and updates use a diverging orange/blue palette (colour-blind safe: the two hues differ
// in lightness and along the blue-yellow axis that deuteranopes and protanopes keep). Gradient
// magnitudes use a single-hue purple ramp on a log scale (dark meaning large), the hue of the
// gradient glow, so "purple" always means gradient.

import { isNum } from './format.js';

export const NEGATIVE_STOPS = ['#e0e0e0', '#fdb863', '#e66101', '#a63d00'];
export const POSITIVE_STOPS = ['#e0e0e0', '#92c5de', '#0571b0', '#06386b'];
export const SEQUENTIAL_STOPS = ['#e9e5f2', '#bcb8da', '#9e9ac8', '#756bb1', '#54278f', '#2d0060'];
export const NONFINITE = '#9e9e9e';
/** Glow behind an edge whose strength shows |∂L/∂w| (a hue apart from the weight palette). */
export const HALO = '#8f6fd0';

export function hexToRgb(hex) {
  const h = hex.replace('#', '');
  return [0, 2, 4].map((k) => parseInt(h.slice(k, k + 2), 16));
}

const rgbCache = new Map();

/** Largest difference of two '#rrggbb' colours in one channel (0…255). */
export function colorDistance(a, b) {
  if (a === b) return 0;
  const [p, q] = [a, b].map((c) => {
    let v = rgbCache.get(c);
    if (!v) rgbCache.set(c, (v = hexToRgb(c)));
    return v;
  });
  return Math.max(Math.abs(p[0] - q[0]), Math.abs(p[1] - q[1]), Math.abs(p[2] - q[2]));
}

export function rgbToHex([r, g, b]) {
  const c = (v) => Math.max(0, Math.min(255, Math.round(v))).toString(16).padStart(2, '0');
  return `#${c(r)}${c(g)}${c(b)}`;
}

/** Piecewise-linear interpolation between colour stops; t in [0, 1] (clamped). */
export function interpolate(stops, t) {
  const tt = Math.max(0, Math.min(1, isNum(t) ? t : 0));
  const pos = tt * (stops.length - 1);
  const k = Math.min(stops.length - 2, Math.floor(pos));
  const f = pos - k;
  const a = hexToRgb(stops[k]);
  const b = hexToRgb(stops[k + 1]);
  return rgbToHex(a.map((v, idx) => v + f * (b[idx] - v)));
}

const LEVELS = 256;

/** LEVELS colours along a list of stops (index k <-> t = k / (LEVELS − 1)). */
function ramp(stops) {
  return Array.from({ length: LEVELS }, (_, k) => interpolate(stops, k / (LEVELS - 1)));
}
const NEG_RAMP = ramp(NEGATIVE_STOPS);
const POS_RAMP = ramp(POSITIVE_STOPS);
const SEQ_RAMP = ramp(SEQUENTIAL_STOPS);
const level = (t) => Math.round(Math.max(0, Math.min(1, t)) * (LEVELS - 1));

/**
 * Diverging scale on [−max, max]: 0 is light grey, ±max the darkest stops, and beyond ±max the
 * value saturates (so the colour of a fixed value never changes between steps). Colours come
 * from a 256-level table: the drawing changes only when a value moves a visible amount.
 */
export function divergingScale(max) {
  const m = isNum(max) && max > 0 ? max : 1;
  const color = (v) => {
    if (!isNum(v)) return NONFINITE;
    return (v < 0 ? NEG_RAMP : POS_RAMP)[level(Math.abs(v) / m)];
  };
  return {
    kind: 'diverging',
    max: m,
    color,
    /** 0 … 1: relative magnitude, for widths. */
    magnitude: (v) => (isNum(v) ? Math.min(Math.abs(v) / m, 1) : 0),
    negativeColor: NEG_RAMP[LEVELS - 1],
    positiveColor: POS_RAMP[LEVELS - 1],
    zeroColor: POS_RAMP[0],
  };
}

/**
 * Log scale for magnitudes on [lo, hi] (both > 0): t = (log|v| − log lo) / (log hi − log lo),
 * clamped to [0, 1]. Zero and tiny values map to 0.
 */
export function logScale(lo, hi) {
  const l = isNum(lo) && lo > 0 ? lo : 1e-8;
  let h = isNum(hi) && hi > 0 ? hi : 1;
  if (h <= l) h = l * 10;
  const ll = Math.log10(l);
  const span = Math.log10(h) - ll;
  const t = (v) => {
    if (!isNum(v)) return NaN;
    const a = Math.abs(v);
    if (a <= l) return 0;
    return Math.min(1, (Math.log10(a) - ll) / span);
  };
  const color = (v) => (isNum(v) ? SEQ_RAMP[level(t(v))] : NONFINITE);
  return { kind: 'log', lo: l, hi: h, t, color, lowColor: SEQ_RAMP[0], highColor: SEQ_RAMP[LEVELS - 1] };
}

/** Largest finite |v| over nested arrays (0 if none). */
export function maxAbs(values) {
  let m = 0;
  const walk = (v) => {
    if (Array.isArray(v) || ArrayBuffer.isView(v)) {
      for (const x of v) walk(x);
    } else if (isNum(v) && Math.abs(v) > m) m = Math.abs(v);
  };
  walk(values);
  return m;
}

/**
 * A log range that fits magnitudes: [max / 10^decades, max]. Fixed once chosen, so the
 * brightness of a gradient only changes when its value does.
 */
export function fitLogRange(values, decades = 4) {
  const hi = maxAbs(values);
  if (!(hi > 0)) return [1e-8, 1];
  return [hi / 10 ** decades, hi];
}

/** m rounded up to two significant digits (a scale end a person can read, close to the data). */
export function ceil2(m) {
  if (!isNum(m) || m <= 0) return 1;
  const e = Math.floor(Math.log10(m)) - 1;
  const f = 10 ** e;
  return Number((Math.ceil(m / f - 1e-9) * f).toPrecision(2));
}

/** "Nice" upper bound for a diverging scale: 1, 2 or 5 × 10^k, at least `m`. */
export function niceMax(m) {
  if (!isNum(m) || m <= 0) return 1;
  const e = Math.floor(Math.log10(m));
  for (const f of [1, 2, 5, 10]) {
    const v = f * 10 ** e;
    if (v >= m * (1 - 1e-12)) return Number(v.toPrecision(12));
  }
  return 10 ** (e + 1);
}

/** A 256-entry RGBA lookup table for heatmaps, indexed by round(255·t). */
export function lut(colorOfT) {
  const table = new Uint8ClampedArray(256 * 4);
  for (let k = 0; k < 256; k++) {
    const [r, g, b] = hexToRgb(colorOfT(k / 255));
    table.set([r, g, b, 255], 4 * k);
  }
  return table;
}

/** The diverging palette as a function of t in [0, 1] (0 = −max, ½ = 0, 1 = +max). */
export function divergingOfT(t) {
  return t < 0.5 ? interpolate(NEGATIVE_STOPS, (0.5 - t) * 2) : interpolate(POSITIVE_STOPS, (t - 0.5) * 2);
}
