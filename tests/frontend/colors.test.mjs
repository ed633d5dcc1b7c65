import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  colorDistance, divergingScale, logScale, interpolate, hexToRgb, rgbToHex, maxAbs, fitLogRange, niceMax,
  NEGATIVE_STOPS, POSITIVE_STOPS, SEQUENTIAL_STOPS, NONFINITE, lut, divergingOfT,
} from '../../frontend/js/colors.js';

test('colour distance is the largest change of one channel', () => {
  assert.equal(colorDistance('#0571b0', '#0571b0'), 0);
  assert.equal(colorDistance('#0571b0', '#0a71b1'), 5);
  assert.equal(colorDistance('#000000', '#ffffff'), 255);
  // Neighbouring steps of a scale are closer than the canvas repaint threshold; far ones are not.
  const s = divergingScale(1);
  assert.ok(colorDistance(s.color(0.5), s.color(0.5 + 1 / 255)) <= 6);
  assert.ok(colorDistance(s.color(0.5), s.color(-0.5)) > 100);
});

test('hex and rgb round-trip', () => {
  assert.deepEqual(hexToRgb('#0571b0'), [5, 113, 176]);
  assert.equal(rgbToHex([5, 113, 176]), '#0571b0');
});

test('interpolate hits the stops and clamps', () => {
  assert.equal(interpolate(['#000000', '#ffffff'], 0), '#000000');
  assert.equal(interpolate(['#000000', '#ffffff'], 1), '#ffffff');
  assert.equal(interpolate(['#000000', '#ffffff'], 0.5), '#808080');
  assert.equal(interpolate(['#000000', '#ffffff'], 7), '#ffffff');
  assert.equal(interpolate(['#000000', '#ffffff'], -1), '#000000');
});

test('diverging scale: sign picks the hue, ±max the end colours, beyond saturates', () => {
  const s = divergingScale(2);
  assert.equal(s.color(2), POSITIVE_STOPS.at(-1));
  assert.equal(s.color(-2), NEGATIVE_STOPS.at(-1));
  assert.equal(s.color(5), s.positiveColor);
  assert.equal(s.color(-5), s.negativeColor);
  assert.equal(s.color(0), POSITIVE_STOPS[0]);
  assert.equal(s.color(null), NONFINITE);
  assert.equal(s.magnitude(1), 0.5);
  assert.equal(s.magnitude(-4), 1);
  // Larger |w| is darker on both sides.
  const lum = (hex) => hexToRgb(hex).reduce((a, b) => a + b, 0);
  assert.ok(lum(s.color(0.5)) > lum(s.color(1.5)));
  assert.ok(lum(s.color(-0.5)) > lum(s.color(-1.5)));
});

test('log scale is monotone in |v| and clamps to its range', () => {
  const s = logScale(1e-4, 1);
  assert.equal(s.t(1), 1);
  assert.equal(s.t(-1), 1);
  assert.equal(s.t(1e-4), 0);
  assert.equal(s.t(0), 0);
  assert.ok(Math.abs(s.t(1e-2) - 0.5) < 1e-12);
  assert.equal(s.color(10), s.highColor);
  assert.equal(s.color(1e-9), s.lowColor);
  assert.equal(s.highColor, SEQUENTIAL_STOPS.at(-1));
  assert.equal(s.color(undefined), NONFINITE);
});

test('maxAbs, fitLogRange and niceMax', () => {
  assert.equal(maxAbs([[1, -3], [null, 2]]), 3);
  assert.equal(maxAbs(new Float32Array([0.5, -0.25])), 0.5);
  assert.deepEqual(fitLogRange([[0.2, -0.1]], 2), [0.002, 0.2]);
  assert.deepEqual(fitLogRange([[0, null]]), [1e-8, 1]);
  assert.equal(niceMax(0.73), 1);
  assert.equal(niceMax(1.2), 2);
  assert.equal(niceMax(3), 5);
  assert.equal(niceMax(0.031), 0.05);
  assert.equal(niceMax(0), 1);
});

test('lookup table and diverging t-scale', () => {
  const table = lut(divergingOfT);
  assert.equal(table.length, 1024);
  assert.deepEqual([...table.slice(0, 3)], hexToRgb(NEGATIVE_STOPS.at(-1)));
  assert.deepEqual([...table.slice(1020, 1023)], hexToRgb(POSITIVE_STOPS.at(-1)));
  assert.equal(table[3], 255);
});
