// The colour legend of the network view: what an edge's colour, width and glow mean, with the
// (fixed) scale's end values. Swatches carry data-color so tests can compare edges with them.

import { fmt } from '../format.js';
import { divergingOfT, interpolate, SEQUENTIAL_STOPS } from '../colors.js';

function gradientCss(fn, n = 11) {
  return `linear-gradient(to right, ${Array.from({ length: n }, (_, k) => fn(k / (n - 1))).join(', ')})`;
}

function swatch(kind, color, label) {
  const s = document.createElement('span');
  s.className = 'swatch';
  s.dataset.legend = kind;
  s.dataset.color = color;
  s.style.background = color;
  s.title = label;
  const t = document.createElement('span');
  t.className = 'swatch-label';
  t.textContent = label;
  const wrap = document.createElement('span');
  wrap.className = 'swatch-item';
  wrap.append(s, t);
  return wrap;
}

export function createLegend(container) {
  container.dataset.testid = 'legend';
  let lastKey = null;
  function update(state) {
    if (!state.scales) return;
    const mode = state.colorMode;
    const sc = state.scales;
    const key = `${mode}|${sc.weight.max}|${sc.gradient.lo}|${sc.gradient.hi}|${sc.update.max}`;
    if (key === lastKey) return;
    lastKey = key;
    container.textContent = '';
    container.dataset.mode = mode;
    const title = document.createElement('span');
    title.className = 'legend-title';
    const bar = document.createElement('span');
    bar.className = 'legend-bar';
    const items = document.createElement('span');
    items.className = 'legend-items';
    if (mode === 'gradient') {
      title.textContent = 'Edge colour: |∂L/∂w| (log scale)';
      bar.style.background = gradientCss((t) => interpolate(SEQUENTIAL_STOPS, t));
      items.append(swatch('low', sc.gradient.lowColor, `≤ ${fmt(sc.gradient.lo, 2)}`), swatch('high', sc.gradient.highColor, `≥ ${fmt(sc.gradient.hi, 2)}`));
      container.dataset.lo = String(sc.gradient.lo);
      container.dataset.hi = String(sc.gradient.hi);
    } else {
      const s = mode === 'update' ? sc.update : sc.weight;
      title.textContent = mode === 'update' ? 'Edge colour: update Δw' : 'Edge colour: weight w';
      bar.style.background = gradientCss(divergingOfT);
      items.append(
        swatch('negative', s.negativeColor, `≤ −${fmt(s.max, 2)}`),
        swatch('zero', s.zeroColor, '0'),
        swatch('positive', s.positiveColor, `≥ +${fmt(s.max, 2)}`),
      );
      container.dataset.max = String(s.max);
    }
    const note = document.createElement('span');
    note.className = 'legend-note';
    note.textContent = mode === 'gradient' ? 'width: |w|' : 'width: |w| · glow: |∂L/∂w| (log)';
    container.append(title, bar, items, note);
  }
  return { update };
}
