// The data sets and the features as small pictures, as TensorFlow Playground shows them: a click
// on a data set loads that kind (keeping the other settings), a click on a feature turns it on
// or off. The data sets' points come from the server (GET /dataset-thumbnails, fetched once the
// network is drawn); the features' pictures are drawn here from their definitions over the
// input plane (a drawing of the input transforms, not a computation the run uses).

import { divergingOfT, lut } from '../colors.js';
import { gridToPixels } from '../heatmaps.js';
import { CLASS_COLORS } from '../render/output.js';

const TABLE = lut(divergingOfT);
const LABEL = { multi_gauss: 'multi gauss', spiral3: 'spiral ×3' };

/** Each feature over (x1, x2): a drawing of the engine's features (datasets.py). */
export const FEATURE_PICTURES = {
  x1: { label: 'x₁', f: (a) => a },
  x2: { label: 'x₂', f: (a, b) => b },
  x1_sq: { label: 'x₁²', f: (a) => a * a },
  x2_sq: { label: 'x₂²', f: (a, b) => b * b },
  x1_x2: { label: 'x₁x₂', f: (a, b) => a * b },
  sin_x1: { label: 'sin x₁', f: (a) => Math.sin(a) },
  sin_x2: { label: 'sin x₂', f: (a, b) => Math.sin(b) },
};

/** A feature's values on an n × n grid over extent [x0, x1, y0, y1], row 0 at y0. Pure. */
export function featureGrid(name, extent, n) {
  const f = FEATURE_PICTURES[name]?.f;
  const [x0, x1, y0, y1] = extent;
  const out = new Float32Array(n * n);
  if (!f) return out;
  for (let r = 0; r < n; r++) {
    const y = y0 + ((r + 0.5) / n) * (y1 - y0);
    for (let c = 0; c < n; c++) out[r * n + c] = f(x0 + ((c + 0.5) / n) * (x1 - x0), y);
  }
  return out;
}

function canvasOf(px) {
  const c = document.createElement('canvas');
  const dpr = globalThis.devicePixelRatio || 1;
  c.width = Math.round(px * dpr);
  c.height = Math.round(px * dpr);
  c.style.width = `${px}px`;
  c.style.height = `${px}px`;
  c.setAttribute('aria-hidden', 'true');
  return c;
}

/** Colour of a thumbnail point: the class's colour, or the target's on the diverging scale. */
export function thumbColor(kind, t) {
  if (kind.task === 'classification') return CLASS_COLORS[t % CLASS_COLORS.length];
  return divergingOfT(Math.max(0, Math.min(1, (t + 1) / 2)));
}

function drawPoints(canvas, kind) {
  const ctx = canvas.getContext('2d');
  const dpr = canvas.width / parseFloat(canvas.style.width);
  const px = canvas.width / dpr;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.fillStyle = '#f7f7f7';
  ctx.fillRect(0, 0, px, px);
  const [x0, x1, y0, y1] = kind.extent;
  const r = kind.points.length <= 8 ? 4 : 1.6;
  for (const [a, b, t] of kind.points) {
    ctx.beginPath();
    ctx.arc(((a - x0) / (x1 - x0)) * px, px - ((b - y0) / (y1 - y0)) * px, r, 0, 2 * Math.PI);
    ctx.fillStyle = thumbColor(kind, t);
    ctx.fill();
  }
}

/**
 * The data-set chooser. kinds: the schema's dataset kinds; onPick(kind). update(state) marks the
 * kind in use; setThumbnails(answer) draws the pictures when the server's answer arrives.
 */
export function createDatasetPicker({ onPick }) {
  const el = document.createElement('div');
  el.className = 'thumb-grid dataset-thumbs';
  el.setAttribute('role', 'group');
  el.setAttribute('aria-label', 'Data set');
  let kinds = [];
  let pictures = null; // Map kind -> {kind, task, extent, points}
  let current = null;
  let built = null;

  el.addEventListener('click', (e) => {
    const b = e.target.closest('button[data-kind]');
    if (b && b.dataset.kind !== current) onPick(b.dataset.kind);
  });

  function build() {
    const shown = pictures ? kinds.filter((k) => pictures.get(k)?.group === 'generated') : kinds.filter((k) => !['points', 'and', 'or', 'xor_gate'].includes(k));
    const key = `${shown.join(',')}|${!!pictures}`;
    if (key === built) return;
    built = key;
    el.textContent = '';
    for (const k of shown) {
      const b = document.createElement('button');
      b.type = 'button';
      b.className = 'thumb';
      b.id = `dataset-thumb-${k}`;
      b.dataset.kind = k;
      b.dataset.testid = 'dataset-thumb';
      const name = LABEL[k] ?? k.replace(/_/g, ' ');
      b.title = `Data set: ${name}`;
      b.setAttribute('aria-label', `Data set ${name}`);
      const pic = pictures?.get(k);
      if (pic) {
        const c = canvasOf(40);
        drawPoints(c, pic);
        b.append(c);
      } else {
        const s = document.createElement('span');
        s.className = 'thumb-placeholder';
        s.textContent = name;
        b.append(s);
      }
      el.append(b);
    }
    mark();
  }

  function mark() {
    for (const b of el.querySelectorAll('button[data-kind]')) {
      const on = b.dataset.kind === current;
      b.classList.toggle('selected', on);
      b.setAttribute('aria-pressed', String(on));
    }
  }

  return {
    el,
    update(schemaKinds, kind) {
      kinds = schemaKinds ?? [];
      current = kind;
      build();
      mark();
    },
    setThumbnails(answer) {
      pictures = new Map((answer?.kinds ?? []).map((k) => [k.kind, k]));
      build();
    },
    get loaded() {
      return !!pictures;
    },
  };
}

/**
 * The feature chooser: one picture per feature over the plane, pressed when the feature is
 * used. onToggle(name).
 */
export function createFeaturePicker({ onToggle }) {
  const el = document.createElement('div');
  el.className = 'thumb-grid feature-thumbs';
  el.setAttribute('role', 'group');
  el.setAttribute('aria-label', 'Features: the inputs of the network');
  let built = null;
  el.addEventListener('click', (e) => {
    const b = e.target.closest('button[data-feature]');
    if (b) onToggle(b.dataset.feature);
  });
  return {
    el,
    /** names: the schema's features in order; on: the features in use; extent: the plane. */
    update(names, on, extent) {
      const key = `${names.join(',')}|${extent.join(',')}`;
      if (key !== built) {
        built = key;
        el.textContent = '';
        for (const name of names) {
          const b = document.createElement('button');
          b.type = 'button';
          b.className = 'thumb feature';
          b.id = `feature-thumb-${name}`;
          b.dataset.feature = name;
          b.dataset.testid = 'feature-thumb';
          const label = FEATURE_PICTURES[name]?.label ?? name;
          b.title = `Feature ${label}: click to use it or not`;
          const c = canvasOf(30);
          const n = 24;
          const grid = featureGrid(name, extent, n);
          let m = 1e-9;
          for (const v of grid) m = Math.max(m, Math.abs(v));
          const img = new ImageData(gridToPixels(grid, n, n, TABLE, (v) => (v / m + 1) / 2), n, n);
          const scratch = Object.assign(document.createElement('canvas'), { width: n, height: n });
          scratch.getContext('2d').putImageData(img, 0, 0);
          const ctx = c.getContext('2d');
          ctx.imageSmoothingEnabled = true;
          ctx.drawImage(scratch, 0, 0, c.width, c.height);
          const t = document.createElement('span');
          t.className = 'thumb-label';
          t.textContent = label;
          b.append(c, t);
          el.append(b);
        }
      }
      for (const b of el.querySelectorAll('button[data-feature]')) {
        const used = on.includes(b.dataset.feature);
        b.classList.toggle('selected', used);
        b.setAttribute('aria-pressed', String(used));
        b.setAttribute('aria-label', `Feature ${FEATURE_PICTURES[b.dataset.feature]?.label ?? b.dataset.feature}: ${used ? 'used, click to drop it' : 'not used, click to use it'}`);
      }
    },
  };
}
