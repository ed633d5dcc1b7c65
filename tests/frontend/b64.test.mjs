import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeFloat32, encodeFloat32, base64ToBytes } from '../../frontend/js/b64.js';

test('decodes little-endian float32 written by numpy', () => {
  // numpy: base64.b64encode(np.array([1, -2.5, 0.1], '<f4').tobytes())
  const grid = decodeFloat32('AACAPwAAIMDNzMw9');
  assert.equal(grid.length, 3);
  assert.equal(grid[0], 1);
  assert.equal(grid[1], -2.5);
  assert.equal(grid[2], Math.fround(0.1));
});

test('round-trips through encodeFloat32, including non-finite values', () => {
  const values = [0, -0, 3.5, -1e-7, Infinity, 65504];
  const back = decodeFloat32(encodeFloat32(values));
  assert.deepEqual([...back], values.map(Math.fround));
  const nan = decodeFloat32(encodeFloat32([NaN]));
  assert.ok(Number.isNaN(nan[0]));
});

test('rejects a byte count that is not a multiple of four', () => {
  assert.throws(() => decodeFloat32('AAAA'), /multiple of 4/);
  assert.equal(base64ToBytes('AAAA').length, 3);
});
