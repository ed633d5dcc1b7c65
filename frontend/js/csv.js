// Parsing a small CSV of points into the API's `points` dataset. Pure; errors name the line.
//
// Accepted: one row per point, numbers separated by commas, semicolons or tabs; the last column
// is the class label (a non-negative integer) or, if any value is not, a regression target.
// An optional header row names the columns; a header whose last name is "target"/"y"/"value"
// forces regression. Blank lines and lines starting with # are skipped.

export class CsvError extends Error {}

const TARGET_NAMES = new Set(['target', 'y', 'value', 'output']);

function splitRow(line) {
  const sep = line.includes(',') ? ',' : line.includes(';') ? ';' : line.includes('\t') ? '\t' : /\s+/;
  return line.split(sep).map((c) => c.trim().replace(/^"(.*)"$/, '$1'));
}

function isNumeric(cell) {
  return cell !== '' && /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(cell);
}

/**
 * text -> {inputs: [[...]], labels: [...]} or {inputs, targets: [[t], ...]}.
 * Throws CsvError with a message a person can act on.
 */
export function parsePointsCsv(text, { maxRows = 10000, minRows = 2 } = {}) {
  if (typeof text !== 'string') throw new CsvError('The file could not be read as text.');
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/);
  let header = null;
  const rows = [];
  let width = null;
  lines.forEach((raw, idx) => {
    const line = raw.trim();
    const lineNo = idx + 1;
    if (line === '' || line.startsWith('#')) return;
    const cells = splitRow(line);
    if (header === null && rows.length === 0 && !cells.every(isNumeric)) {
      header = cells.map((c) => c.toLowerCase());
      width = cells.length;
      return;
    }
    if (width === null) width = cells.length;
    if (cells.length !== width) {
      throw new CsvError(`Line ${lineNo}: ${cells.length} columns, expected ${width} like the first row.`);
    }
    const bad = cells.findIndex((c) => !isNumeric(c));
    if (bad >= 0) throw new CsvError(`Line ${lineNo}, column ${bad + 1}: "${cells[bad]}" is not a number.`);
    rows.push({ lineNo, values: cells.map(Number) });
  });
  if (width !== null && width < 2) {
    throw new CsvError('Each row needs at least one input column and a last column for the label or target.');
  }
  if (rows.length < minRows) throw new CsvError(`The file has ${rows.length} data rows; at least ${minRows} are needed.`);
  if (rows.length > maxRows) throw new CsvError(`The file has ${rows.length} data rows; at most ${maxRows} are allowed.`);
  const inputs = rows.map((r) => r.values.slice(0, -1));
  const last = rows.map((r) => r.values[r.values.length - 1]);
  const forcedRegression = header !== null && TARGET_NAMES.has(header[header.length - 1]);
  const allClasses = last.every((v) => Number.isInteger(v) && v >= 0);
  if (!forcedRegression && allClasses) {
    const classes = new Set(last);
    if (classes.size < 2) throw new CsvError('All rows have the same label; a classification set needs at least two classes.');
    return { inputs, labels: last };
  }
  return { inputs, targets: last.map((v) => [v]) };
}

/** Points -> CSV text (header + rows), the inverse of parsePointsCsv for exports. */
export function pointsToCsv({ inputs, labels, targets }) {
  const n = inputs[0]?.length ?? 0;
  const head = [...Array.from({ length: n }, (_, k) => `x${k + 1}`), labels ? 'label' : 'target'];
  const rows = inputs.map((x, i) => [...x, labels ? labels[i] : targets[i][0]].join(','));
  return [head.join(','), ...rows].join('\n') + '\n';
}
