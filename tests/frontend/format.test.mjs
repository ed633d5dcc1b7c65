import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fmt, tex, full, isNum, fmtEpoch } from '../../frontend/js/format.js';

test('fmt gives about four significant digits and a real minus sign', () => {
  assert.equal(fmt(0.123456), '0.1235');
  assert.equal(fmt(-1.5), '\u22121.5');
  assert.equal(fmt(42), '42');
  assert.equal(fmt(1234.5678), '1235');
  assert.equal(fmt(0), '0');
  assert.equal(fmt(-0), '0');
});

test('fmt switches to exponent form for tiny and huge magnitudes', () => {
  assert.equal(fmt(1.5e-5), '1.5e-5');
  assert.equal(fmt(-2.25e-7), '\u22122.25e-7');
  assert.equal(fmt(3e8), '3e8');
  assert.equal(fmt(0.001), '0.001');
});

test('fmt writes non-finite numbers (null from the API) as n/a', () => {
  for (const v of [null, undefined, NaN, Infinity, -Infinity, 'x']) assert.equal(fmt(v), 'n/a');
  assert.equal(isNum(null), false);
  assert.equal(isNum(0), true);
});

test('tex writes exponents for KaTeX and parenthesises negatives in products', () => {
  assert.equal(tex(1.5e-5), '1.5\\times10^{-5}');
  assert.equal(tex(-0.25, { paren: true }), '(-0.25)');
  assert.equal(tex(0.25, { paren: true }), '0.25');
  assert.equal(tex(null), '\\text{n/a}');
});

test('full keeps the shortest round-trip representation', () => {
  for (const v of [0.1, 1 / 3, -0.30000000000000004, 1e-300, 123456789.123]) {
    assert.equal(Number(full(v)), v);
  }
  assert.equal(full(0.1), '0.1');
  assert.equal(full(null), 'NaN');
});

test('fmtEpoch', () => {
  assert.equal(fmtEpoch(3), '3');
  assert.equal(fmtEpoch(2.5), '2.50');
});
