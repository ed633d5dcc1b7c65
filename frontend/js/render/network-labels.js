// Which numbers and names the network view writes, and where, so that no two of them overlap.
// Pure: no DOM (network.js measures and paints). Each candidate text has variants (long to
// short) and spots (beside the node, along the edge); candidates are placed in order of how much
// the phase on screen needs them, each at the first spot where its box touches no box placed
// before it, no node and no border. A text that finds no room is left out: it is one hover,
// tap or focus away (the inspector).
//
// What is wanted, by phase (UX.md: at rest, colour and width; while a phase is walked, its
// numbers where there is room):
//   ready      weights on the edges of tiny networks, activations of small ones; no δ, no loss
//   forward l  z and a of layer l, the weights into it
//   loss       ŷ and the targets y at the outputs, the loss
//   backward l δ of layer l, the gradients of the weights into it
//   update     every weight's old and new value, "w 0.4 → 0.3589"
// A batch-normalized layer l (phases.js sub-phases): forward z shows z; BN shows μ_B, σ²_B and
// the sample's x̂ and y, with a note under the column's name (the batch's statistics); a shows y and a;
// backward δ_y shows δ_y, BN → δ shows δ and δ_y with a note (the batch means couple the
// samples). A unit dropped for the sample reads "a 0 (dropped)". The parameter count, quiet, last.
// The focused unit (selected, hovered or focused) gets its numbers first, and the edges into it.

import { fmt, isNum } from '../format.js';
import { edgePoint } from './network-layout.js';

/** Type sizes (px) and weights of the view's texts, normal, on narrow screens and in lecture mode. */
export const FONTS = {
  normal: { val: [12, 400], edge: [11, 400], name: [12, 600], layer: [12, 400], loss: [12, 600] },
  narrow: { val: [11, 400], edge: [10, 400], name: [11, 600], layer: [10, 400], loss: [11, 600] },
  lecture: { val: [22, 700], edge: [20, 700], name: [20, 700], layer: [20, 700], loss: [22, 700] },
};
// Notes: a normalized layer's batch note in its sub-phases, the parameter count (quiet).
FONTS.normal.note = [11, 400];
FONTS.narrow.note = [10, 400];
FONTS.lecture.note = [20, 700];

/** More units than this in a layer: its numbers are shown for the focused unit only. */
export const MAX_UNITS_WITH_VALUES = 12;
/** More weights than this into a layer: their labels only for the focused unit's. */
export const MAX_EDGES_WITH_LABELS = 16;
/** Networks this small also show the numbers of other phases and layers, where they fit. */
const SMALL_UNITS = 24;
const TINY_EDGES = 12;
/** Where along an edge its label may sit (Bézier parameter), in order of preference. */
const ALONG = [0.3, 0.7, 0.5, 0.22, 0.78, 0.4, 0.6, 0.14, 0.86];

const val = (sym, v, digits = 3) => (v === undefined ? null : `${sym} ${fmt(v, digits)}`);
const at = (m, r, c) => m?.[r]?.[c];

/**
 * Candidate texts for the view: [{id, kind, font, tier, variants: [text], spots: [{x, y,
 * anchor, dy}]}] (dy: where the baseline goes, 'below' / 'above' / 'middle' of (x, y)).
 * ctx: {state, view (phaseView), layout, sizes, names, outNames, layerNames: [[variants]],
 * params, focus: {layer, unit} | null, fonts (one of FONTS)}.
 */
export function labelCandidates(ctx) {
  const { state, view, layout, sizes, params, focus } = ctx;
  const L = sizes.length - 1;
  const out = [];
  const add = (c) => out.push(c);
  const top = ctx.labelTop ?? 4;
  // Layer names: always, shortened to fit their column.
  ctx.layerNames.forEach((variants, l) => {
    const x = layout.cols[l];
    const h = layout.halves[l];
    add({ id: `layer:${l}`, kind: 'layer', group: 'layers', tier: 0, variants, spots: [{ x, y: top, anchor: 'middle', dy: 'below' }, { x: x - h, y: top, anchor: 'start', dy: 'below' }, { x: x + h, y: top, anchor: 'end', dy: 'below' }] });
  });
  const playing = state.playing;
  const trace = playing ? null : view.trace;
  const { rv, ready } = view;
  const sel = state.selection;
  const selEdge = sel?.kind === 'edge' ? sel : null;
  const units = sizes.reduce((a, b) => a + b, 0);
  const small = units <= SMALL_UNITS;
  const edgesIn = (l) => sizes[l] * sizes[l - 1];
  const totalEdges = sizes.slice(1).reduce((n, _, k) => n + edgesIn(k + 1), 0);
  const sample = state.sample;
  const isFocus = (l, j) => focus && focus.layer === l && focus.unit === j;
  const active = rv.active;

  // Names of the inputs and the outputs.
  const nameTier = 4;
  layout.nodes[0].forEach((p, j) => {
    add({ id: `name:0:${j}`, kind: 'name', node: [0, j], tier: nameTier + (sizes[0] > 8 ? 2 : 0), variants: [ctx.names[j]], spots: [{ x: p.x - p.h - 5, y: p.y, anchor: 'end', dy: 'middle' }, { x: p.x, y: p.y - p.h - 3, anchor: 'middle', dy: 'above' }] });
  });
  if (sizes[L] > 1) {
    layout.nodes[L].forEach((p, j) => {
      add({ id: `name:${L}:${j}`, kind: 'name', node: [L, j], tier: nameTier, variants: [ctx.outNames[j]], spots: [{ x: p.x + p.h + 5, y: p.y, anchor: 'start', dy: 'middle' }, { x: p.x, y: p.y - p.h - 3, anchor: 'middle', dy: 'above' }] });
    });
  }
  if (ctx.paramText) {
    const h = layout.height;
    add({ id: 'params', kind: 'note', cls: 'param-count', tier: 9, variants: [ctx.paramText, ctx.paramText.replace(/:.*$/, '')], spots: [{ x: 6, y: h - 3, anchor: 'start', dy: 'above' }, { x: layout.width - 6, y: h - 3, anchor: 'end', dy: 'above' }] });
  }
  if (!trace) return sortByTier(out);

  // The loss, once the forward pass has reached it.
  if (!ready && rv.loss && trace.loss) {
    const own = trace.loss.per_sample?.[sample];
    const total = trace.loss.total;
    const variants = isNum(total) ? [`L ${fmt(total, 4)} (batch)${isNum(own) ? ` · ℓ ${fmt(own, 4)} (sample)` : ''}`, `L ${fmt(total, 4)}`] : ['L non-finite'];
    const w = layout.width;
    add({ id: 'loss', kind: 'loss', tier: active?.kind === 'loss' ? 1 : 2, variants, spots: [{ x: w - 6, y: top, anchor: 'end', dy: 'below', below: 'layer' }, { x: w - 6, y: layout.height - 4, anchor: 'end', dy: 'above' }, { x: 6, y: layout.height - 4, anchor: 'start', dy: 'above' }] });
  }

  // Node values: line 0 (x, z and a, ŷ) and line 1 (δ, or the target y).
  // At rest the network is colour and width (numbers on hover or focus), except for a run of one
  // sample a batch (the worked example), whose every number is the lesson.
  const oneSample = (trace.batch?.features?.length ?? 0) === 1;
  const valueTier = (l, j, own) => {
    if (isFocus(l, j)) return 1;
    const many = sizes[l] > MAX_UNITS_WITH_VALUES;
    if (own) return many ? null : 2;
    return small && (oneSample || !ready) ? 5 : null;
  };
  for (let l = 0; l <= L; l++) {
    const layer = trace.layers[l - 1];
    layout.nodes[l].forEach((p, j) => {
      const lines = [];
      if (l === 0) {
        const x = trace.batch?.features?.[sample]?.[j];
        const own = active?.kind === 'forward' && active.layer === 1;
        if (!rv.update) lines.push([0, [val('x', x)], valueTier(0, j, false) ?? (own && sizes[0] <= MAX_UNITS_WITH_VALUES ? 5 : null)]);
      } else {
        const z = at(layer.z, sample, j);
        const a = at(layer.a, sample, j);
        const d = at(layer.delta, sample, j);
        const isOut = l === L;
        const aSym = isOut ? 'ŷ' : 'a';
        const forwardHere = active?.kind === 'forward' && active.layer === l;
        const bn = layer.bn;
        const sub = active?.layer === l ? active.sub : undefined;
        const dropped = at(layer.dropout_mask, sample, j) === 0;
        const aText = dropped ? `${aSym} 0 (dropped)` : val(aSym, a);
        if (l <= rv.forwardTo && !rv.update) {
          const own = forwardHere || (isOut && active?.kind === 'loss');
          let variants;
          if (bn && forwardHere && sub === 'z') variants = [val('z', z)];
          else if (bn && forwardHere && sub === 'bn') {
            variants = [`μ ${fmt(bn.mean?.[j], 3)}  σ² ${fmt(bn.var?.[j], 3)}`, val('μ', bn.mean?.[j])];
            lines.push([1, [`x̂ ${fmt(at(bn.x_hat, sample, j), 3)}  y ${fmt(at(bn.y, sample, j), 3)}`, val('x̂', at(bn.x_hat, sample, j))], valueTier(l, j, true), 'val bn']);
          } else if (bn && (forwardHere || isFocus(l, j))) variants = [`y ${fmt(at(bn.y, sample, j), 3)}  ${aText}`, aText];
          else variants = forwardHere || isFocus(l, j) ? [`z ${fmt(z, 3)}  ${aText}`, aText] : [aText];
          lines.push([0, variants, valueTier(l, j, own)]);
        }
        const y = isOut ? trace.batch?.targets?.[sample]?.[j] : undefined;
        const backHere = !ready && l >= rv.backwardFrom && !rv.update;
        // The targets y at the outputs from the loss on; δ below them in the backward pass.
        if (y !== undefined && !ready && rv.loss && !rv.update) lines.push([backHere ? 2 : 1, [val('y', y, 4)], valueTier(l, j, active?.kind === 'loss') ?? (small ? 5 : null), 'val target']);
        if (backHere) {
          const own = active?.kind === 'backward' && active.layer === l;
          const dy = bn ? at(bn.delta_y, sample, j) : undefined;
          let variants = [val('δ', d)];
          if (bn && own && sub === 'y') variants = [val('δ_y', dy)];
          else if (bn && own) variants = [`δ ${fmt(d, 3)}  δ_y ${fmt(dy, 3)}`, val('δ', d)];
          lines.push([1, variants, valueTier(l, j, own)]);
        }
      }
      for (const [line, variants, tier, cls] of lines) {
        if (tier === null || tier === undefined || variants[0] === null) continue;
        add({ id: `val:${l}:${j}:${line}`, kind: 'val', cls: cls ?? (line === 1 ? 'val delta' : 'val'), node: [l, j], line, tier, variants, spots: nodeSpots(p, line, l === 0, l === L && sizes[L] > 1) });
      }
    });
  }

  // A normalized layer's note in its BN sub-phases: the batch statistics, the batch coupling.
  if (active?.sub === 'bn' && !ready) {
    const l = active.layer;
    const col = layout.nodes[l];
    const last = col[col.length - 1];
    const B = trace.batch?.indices?.length ?? 0;
    const variants = active.kind === 'forward'
      ? [`μ_B, σ²_B: over the batch of ${B}`, `over the batch of ${B}`, `B = ${B}`]
      : [`δ takes the batch means of all ${B}`, `couples all ${B} samples`, `B = ${B}`];
    const x = layout.cols[l];
    add({ id: `bn:${l}`, kind: 'note', cls: 'bn-note', tier: 2, variants, spots: [{ x, y: top, anchor: 'middle', dy: 'below', below: 'layer' }, { x: x - layout.halves[l], y: top, anchor: 'start', dy: 'below', below: 'layer' }, { x, y: last.y + last.h + 2, anchor: 'middle', dy: 'below', stack: 2 }, { x, y: layout.height - 3, anchor: 'middle', dy: 'above' }] });
  }

  // Edge labels.
  const edgeTier = (l, i, j, own) => {
    if (selEdge && selEdge.layer === l && selEdge.from === i && selEdge.to === j) return 1;
    if (focus && focus.layer === l && focus.unit === j) return own ? 3 : 5;
    if (own) return edgesIn(l) <= MAX_EDGES_WITH_LABELS ? 3 : null;
    return totalEdges <= TINY_EDGES && small ? 6 : null;
  };
  for (let l = 1; l <= L; l++) {
    const layer = trace.layers[l - 1];
    const P = params[l - 1];
    const forwardHere = active?.kind === 'forward' && active.layer === l;
    const backwardHere = active?.kind === 'backward' && active.layer === l;
    // Only a bounded number of candidates: the focused unit's edges, else small layers' edges.
    const wanted = (i, j) => edgeTier(l, i, j, forwardHere || backwardHere || rv.update);
    for (let j = 0; j < sizes[l]; j++) {
      if (edgesIn(l) > 4 * MAX_EDGES_WITH_LABELS && !(focus?.layer === l && focus.unit === j) && !(selEdge?.layer === l && selEdge.to === j)) continue;
      for (let i = 0; i < sizes[l - 1]; i++) {
        let tier = wanted(i, j);
        if (tier === null) continue;
        let variants;
        if (rv.update) {
          const w0 = at(layer.W, j, i);
          const w1 = at(layer.W_after, j, i);
          variants = [`w ${fmt(w0, 4)} → ${fmt(w1, 4)}`, `w′ ${fmt(w1, 4)}`];
        } else if (!ready && l >= rv.backwardFrom) {
          // Before δ of a normalized layer (its δ_y sub-phase), no gradient of its weights yet.
          if (backwardHere && active.sub === 'y') continue;
          variants = [`g ${fmt(at(layer.grad_W, j, i), 3)}`];
        } else if (forwardHere || ready || l <= rv.forwardTo) {
          variants = [`w ${fmt(at(P.W, j, i), 3)}`];
          if (!forwardHere && tier > 1 && !(ready && totalEdges <= TINY_EDGES)) tier = edgesIn(l) <= TINY_EDGES && small ? 6 : null;
          if (tier === null) continue;
        } else continue;
        const a = layout.nodes[l - 1][i];
        const b = layout.nodes[l][j];
        add({ id: `edge:${l}:${i}:${j}`, kind: 'edge', cls: 'edge-label', tier, variants, spots: ALONG.map((t) => ({ ...edgePoint(a, b, undefined, t), anchor: 'middle', dy: 'middle' })) });
      }
    }
  }
  return sortByTier(out);
}

function sortByTier(list) {
  return list.map((c, k) => [c, k]).sort((a, b) => a[0].tier - b[0].tier || a[1] - b[1]).map(([c]) => c);
}

/** Spots for line 0 or 1 of a node's values: below, beside (right, left), above. */
function nodeSpots(p, line, isInput, hasName) {
  const below = { x: p.x, y: p.y + p.h + 2, anchor: 'middle', dy: 'below', stack: line };
  const above = { x: p.x, y: p.y - p.h - 3, anchor: 'middle', dy: 'above', stack: line - 1 };
  const right = { x: p.x + p.h + 5, y: p.y, anchor: 'start', dy: 'middle', stack: line - 0.5 };
  const left = { x: p.x - p.h - 5, y: p.y, anchor: 'end', dy: 'middle', stack: line - 0.5 };
  if (isInput) return [below, right, above];
  if (hasName) return [below, left, above];
  return [below, right, left, above];
}

/**
 * Places candidates (labelCandidates): [{id, cls, kind, node, text, x, y, anchor, box: [x0, y0,
 * x1, y1], font}], the ones that fit. measure(text, kind) -> {w, asc, desc} in px; obstacles:
 * boxes no text may cover (the nodes); bounds: {width, height}.
 */
export function placeLabels(candidates, measure, { width, height, obstacles = [], gap = 1.5 }) {
  const placed = [];
  const boxes = obstacles.slice();
  const free = (b) => {
    if (b[0] < 1 || b[1] < 1 || b[2] > width - 1 || b[3] > height - 1) return false;
    for (const o of boxes) if (b[0] < o[2] && o[0] < b[2] && b[1] < o[3] && o[1] < b[3]) return false;
    return true;
  };
  let layerBottom = 0;
  /** The box of candidate c written as `text` at its first free spot, or null. */
  const fit = (c, text) => {
    const m = measure(text, c.kind);
    const lineH = m.asc + m.desc + 2 * gap + 0.5;
    for (const s of c.spots) {
      const sy = s.below === 'layer' ? Math.max(s.y, layerBottom + 2) : s.y;
      let y;
      if (s.dy === 'below') y = sy + gap + m.asc + (s.stack ?? 0) * lineH;
      else if (s.dy === 'above') y = sy - gap - m.desc + (s.stack ?? 0) * lineH;
      else y = sy + (m.asc - m.desc) / 2 + (s.stack ?? 0) * lineH;
      const x0 = s.anchor === 'start' ? s.x : s.anchor === 'end' ? s.x - m.w : s.x - m.w / 2;
      // Column names keep a word's space apart, so that two of them never read as one.
      const side = c.kind === 'layer' ? Math.max(gap, m.asc * 0.35) : gap;
      const box = [x0 - side, y - m.asc - gap, x0 + m.w + side, y + m.desc + gap];
      if (free(box)) return { id: c.id, cls: c.cls, kind: c.kind, node: c.node, text, x: s.x, y, anchor: s.anchor, box };
    }
    return null;
  };
  const accept = (p) => {
    placed.push(p);
    boxes.push(p.box);
    if (p.kind === 'layer') layerBottom = Math.max(layerBottom, p.box[3]);
  };
  for (let k = 0; k < candidates.length; k++) {
    const c = candidates[k];
    if (c.group) {
      // A group (the layer names) is written at one length: the longest at which all fit.
      let end = k;
      while (end < candidates.length && candidates[end].group === c.group) end++;
      const members = candidates.slice(k, end);
      const depth = Math.max(...members.map((m) => m.variants.length));
      for (let v = 0; v < depth; v++) {
        const mark = boxes.length;
        const got = [];
        for (const [n, m] of members.entries()) {
          // The last column (the output's, at the border) may shorten its name on its own.
          const from = Math.min(v, m.variants.length - 1);
          const tries = n === members.length - 1 ? m.variants.slice(from) : [m.variants[from]];
          let p = null;
          for (const t of tries) if ((p = fit(m, t))) break;
          if (!p) break;
          got.push(p);
          boxes.push(p.box);
        }
        boxes.length = mark;
        if (got.length === members.length || v === depth - 1) {
          // At the shortest length, whichever fit.
          if (got.length < members.length) for (const m of members) { const p = fit(m, m.variants.at(-1)); if (p) accept(p); }
          else got.forEach(accept);
          break;
        }
      }
      k = end - 1;
      continue;
    }
    for (const text of c.variants) {
      if (!text) continue;
      const p = fit(c, text);
      if (p) {
        accept(p);
        break;
      }
    }
  }
  return placed;
}

/** Boxes of the nodes (with the bias square at the top-left corner): what no text may cover. */
export function nodeBoxes(layout) {
  const out = [];
  for (const [l, col] of layout.nodes.entries()) {
    for (const p of col) {
      const bs = l === 0 ? 0 : Math.max(6, Math.round(p.h * 0.45)) / 2;
      out.push([p.x - p.h - bs, p.y - p.h - bs, p.x + p.h, p.y + p.h]);
    }
  }
  return out;
}

/**
 * Names of each column, long to short: "hidden 1 · tanh", "hidden 1", "h1"; a normalized layer
 * (bn[l]) "hidden 1 · BN · tanh", "hidden 1 · BN", "h1 BN", "h1".
 */
export function layerNameVariants(L, act, out, bn = []) {
  return Array.from({ length: L + 1 }, (_, l) => {
    if (l === 0) return ['input', 'in'];
    if (l === L) return out ? [`output · ${out}`, 'output', 'out'] : ['output', 'out'];
    if (bn[l]) return [`hidden ${l} · BN · ${act}`, `hidden ${l} · BN`, `h${l} BN`, `h${l}`, `${l}`];
    return [`hidden ${l} · ${act}`, `hidden ${l}`, `h${l}`, `${l}`];
  });
}
