// How each edge and each neuron of the network view looks, as values computed from the state:
// colour, width, dashes, glow and class names. Pure (no DOM): network.js paints these values on
// the SVG, and the edge worker on its canvas while training plays.

import { isNum } from '../format.js';
import { NONFINITE } from '../colors.js';
import { reveal } from '../phases.js';

/** An edge whose gradient or update this phase has not computed yet. */
export const PENDING = '#d4d4d4';
/** How long the update's weights take to move from W to W_after. */
export const ANIM_MS = 700;

/**
 * What the phase on screen shows of the trace, for a network with L weight layers at time
 * `now`: {trace (null when it does not fit the network), rv (phases.js reveal), ready (no phase
 * walked yet: the view shows weights and activations only, no δ and no gradient glow),
 * animating, ease, maxWidth}. opts: {animate (false: the update shows W_after at once, for
 * networks too large to redraw every frame), maxWidth (of an edge, px)}.
 */
export function phaseView(state, L, now, { animate = true, maxWidth = 6 } = {}) {
  const trace = state.trace && state.trace.layers?.length === L ? state.trace : null;
  const rv = trace ? reveal(state.phase, L) : { forwardTo: 0, loss: false, backwardFrom: L + 1, update: false, active: null };
  const animT = rv.update && animate ? Math.min(1, (now - state.animStart) / ANIM_MS) : 1;
  return { trace, rv, ready: state.phase < 0, animating: rv.update && animT < 1, ease: animT < 1 ? 0.5 - 0.5 * Math.cos(Math.PI * animT) : 1, maxWidth };
}

/**
 * Styles of edges [{l, i, j}] (weight W[j][i] of layer l): [{w, color, width, dashed, haloW,
 * haloO, cls, selected}]. `w` is the weight itself (data-weight); the width follows the weight
 * shown, which moves from W to W_after while the update animates. view: phaseView(…).
 */
export function edgeStyles(state, edges, view) {
  const { params, selection: sel, playing, phase } = state;
  const { weight, gradient, update } = state.scales;
  const mode = state.colorMode;
  const { trace, rv, animating, ease, ready } = view;
  const maxWidth = view.maxWidth ?? 6;
  const active = rv.active;
  const prunedMask = state.snapshot?.pruned;
  return edges.map(({ l, i, j }) => {
    const layer = trace?.layers[l - 1];
    const w = params[l - 1].W[j][i];
    let shown = w;
    if (animating && layer) {
      const w0 = layer.W[j][i];
      shown = isNum(w0) && isNum(w) ? w0 + (w - w0) * ease : w;
    }
    const finite = isNum(shown);
    const gradKnown = layer && l >= rv.backwardFrom;
    const g = gradKnown ? layer.grad_W[j][i] : undefined;
    let color;
    if (!finite) color = NONFINITE;
    else if (mode === 'gradient') color = gradKnown ? gradient.color(g) : PENDING;
    else if (mode === 'update') {
      const dw = layer && (rv.update || phase < 0) ? layer.update_W?.[j]?.[i] : undefined;
      color = dw !== undefined ? update.color(dw) : PENDING;
    } else color = weight.color(shown);
    // Quarter-pixel widths: attributes (and so the drawing) change only when visible.
    const width = finite ? Math.round((0.7 + (maxWidth - 0.7) * weight.magnitude(shown)) * 4) / 4 : Math.min(1.5, maxWidth);
    // The glow's width does not follow the edge's, so it changes only with the gradient.
    // Squared, so that only the large gradients glow strongly. None before a phase is walked:
    // a gradient means something only once the backward pass has been shown.
    const haloT = !ready && mode !== 'gradient' && gradKnown && isNum(g) ? gradient.t(g) : 0;
    const haloW = Math.round((4 + 9 * haloT) * 2) / 2;
    const haloO = haloT > 0 ? Math.round((0.03 + 0.4 * haloT * haloT) * 50) / 50 : 0;
    const flow = active && active.layer === l && (active.kind === 'forward' || active.kind === 'backward');
    const selected = sel?.kind === 'edge' && sel.layer === l && sel.from === i && sel.to === j;
    // Pruned weights stay at zero: drawn dashed.
    const pruned = prunedMask?.[l - 1]?.[j]?.[i] === true;
    // Class names only for the SVG: while playing, the canvas draws.
    const cls = playing ? '' : `edge${finite ? '' : ' nonfinite'}${pruned ? ' pruned' : ''}${flow ? ` flow ${active.kind}` : ''}${selected ? ' selected' : ''}`;
    return { w, color, width, dashed: !finite || pruned, haloW, haloO, cls, selected };
  });
}

/**
 * Styles of the neurons, by layer l = 0 … L and unit j: [[{cls, bias, b}]], where `bias` is the
 * colour of the bias square and `b` the bias (none for inputs). view: phaseView(…).
 */
export function nodeStyles(state, sizes, view) {
  const { params, selection: sel } = state;
  const active = view.rv.active;
  const L = sizes.length - 1;
  return sizes.map((n, l) =>
    Array.from({ length: n }, (_, j) => {
      const selected = sel?.kind === 'node' && sel.layer === l && sel.unit === j;
      const cls = `node${l === 0 ? ' input' : ''}${active && active.layer === l ? ' active' : ''}${selected ? ' selected' : ''}${l === L && active?.kind === 'loss' ? ' active' : ''}`;
      if (l === 0) return { cls, bias: null };
      const b = params[l - 1].b[j];
      return { cls, bias: isNum(b) ? state.scales.bias.color(b) : NONFINITE, b };
    }),
  );
}
