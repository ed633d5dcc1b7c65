// Number formatting for labels, tooltips and formulas. Pure: no DOM, runs under node --test.

/** True for a finite number (the API writes a non-finite number as null). */
export function isNum(x) {
  return typeof x === 'number' && Number.isFinite(x);
}

/**
 * A short, readable form of x: about `digits` significant digits, exponent form for very
 * large or small magnitudes, "−" as the minus sign. null/NaN/±Inf give "n/a" (non-finite).
 */
export function fmt(x, digits = 4) {
  if (!isNum(x)) return 'n/a';
  if (x === 0) return '0';
  const ax = Math.abs(x);
  let s;
  if (ax >= 1e5 || ax < 1e-3) {
    const [mant, exp] = x.toExponential(Math.max(0, digits - 1)).split('e');
    s = `${trimZeros(mant)}e${Number(exp)}`;
  } else {
    s = trimZeros(x.toPrecision(digits));
    if (s.includes('e')) s = trimZeros(Number(s).toFixed(Math.max(0, digits)));
  }
  return s.replace(/^-/, '\u2212');
}

function trimZeros(s) {
  if (!s.includes('.')) return s;
  return s.replace(/0+$/, '').replace(/\.$/, '');
}

/** x in LaTeX: 1.5\times10^{-5}, negatives in parentheses when `paren` (for products). */
export function tex(x, { digits = 4, paren = false } = {}) {
  if (!isNum(x)) return '\\text{n/a}';
  const s = fmt(x, digits).replace(/^\u2212/, '-');
  let out = s;
  const m = s.match(/^(-?[\d.]+)e(-?\d+)$/);
  if (m) out = `${m[1]}\\times10^{${m[2]}}`;
  if (paren && x < 0) out = `(${out})`;
  return out;
}

/** The exact shortest round-trip text of a number ("NaN" for null): used for data attributes. */
export function full(x) {
  return x === null || x === undefined ? 'NaN' : String(x);
}

/** Percentages and counts for status lines. */
export function pct(x) {
  return isNum(x) ? `${(100 * x).toFixed(1)}%` : 'n/a';
}

/** An epoch count: whole numbers plainly, fractions with two decimals. */
export function fmtEpoch(e) {
  if (!isNum(e)) return 'n/a';
  return Number.isInteger(e) ? String(e) : e.toFixed(2);
}
