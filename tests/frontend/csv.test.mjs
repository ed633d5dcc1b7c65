import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePointsCsv, pointsToCsv, CsvError } from '../../frontend/js/csv.js';

test('parses labelled points with a header', () => {
  const p = parsePointsCsv('x1,x2,label\n0,0,0\n1,1,1\n0.5,-2,1\n');
  assert.deepEqual(p, { inputs: [[0, 0], [1, 1], [0.5, -2]], labels: [0, 1, 1] });
});

test('parses headerless rows, semicolons, blank and comment lines', () => {
  const p = parsePointsCsv('# corners\n0;0;0\n\n1;1;2\r\n2;0;1');
  assert.deepEqual(p.labels, [0, 2, 1]);
  assert.deepEqual(p.inputs[2], [2, 0]);
});

test('a non-integer last column (or a target header) means regression', () => {
  assert.deepEqual(parsePointsCsv('0,0.5\n1,1.5\n').targets, [[0.5], [1.5]]);
  assert.deepEqual(parsePointsCsv('x,y\n0,1\n1,0\n').targets, [[1], [0]]);
});

test('bad files get messages that name the line', () => {
  assert.throws(() => parsePointsCsv('1,2,0\n1,2\n'), (e) => e instanceof CsvError && /Line 2: 2 columns, expected 3/.test(e.message));
  assert.throws(() => parsePointsCsv('1,2,0\n1,abc,1\n'), /Line 2, column 2: "abc" is not a number/);
  assert.throws(() => parsePointsCsv('1,0\n'), /at least 2/);
  assert.throws(() => parsePointsCsv('1\n2\n3\n'), /at least one input column/);
  assert.throws(() => parsePointsCsv('0,0,1\n1,1,1\n'), /two classes/);
  assert.throws(() => parsePointsCsv('0,0,1\n1,1,0\n2,2,1\n', { maxRows: 2 }), /at most 2/);
  assert.throws(() => parsePointsCsv(''), /0 data rows/);
});

test('pointsToCsv is the inverse of parsePointsCsv', () => {
  const p = { inputs: [[0.25, -1], [3, 4]], labels: [1, 0] };
  assert.deepEqual(parsePointsCsv(pointsToCsv(p)), p);
});
