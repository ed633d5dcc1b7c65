// The lecture caption: the current phase of a step spelled out in words and symbols, with the
// layer's own activation ("Backward pass, layer 2: δ = ∂ℓ/∂a · σ′(z)"). Pure.

import { phaseList, shapeOf } from './phases.js';
import { fmt } from './format.js';

/** Symbol of an activation f and of its derivative f′ (the identity's is the number 1). */
export const ACTIVATION_SYMBOL = {
  sigmoid: ['σ', 'σ′'],
  tanh: ['tanh', 'tanh′'],
  relu: ['ReLU', 'ReLU′'],
  leaky_relu: ['leaky ReLU', 'leaky ReLU′'],
  linear: ['id', '1'],
  softmax: ['softmax', 'softmax′'],
};

const LOSS_FORMULA = {
  bce: 'ℓ = −[y log ŷ + (1 − y) log(1 − ŷ)]',
  cross_entropy: 'ℓ = −Σₖ yₖ log ŷₖ',
  mse: 'ℓ = (1/K) Σₖ (ŷₖ − yₖ)²',
  half_sse: 'ℓ = ½ Σₖ (ŷₖ − yₖ)²',
};

const UPDATE_RULE = {
  sgd: 'w ← w − η · ∂L/∂w',
  momentum: 'b ← μ·b + ∂L/∂w,  w ← w − η · b',
  nesterov: 'b ← μ·b + g,  w ← w − η · (g + μ·b)',
  rmsprop: 'v ← α·v + (1 − α)·g²,  w ← w − η · g / (√v + ε)',
  adam: 'm ← β₁m + (1 − β₁)g,  v ← β₂v + (1 − β₂)g²,  w ← w − η · m̂ / (√v̂ + ε)',
  adamw: 'w ← w − ηλw, then Adam: w ← w − η · m̂ / (√v̂ + ε)',
};

/** The update rule of an optimizer spec, in symbols. */
export function updateRule(optimizer = {}) {
  const kind = optimizer.kind ?? 'sgd';
  if (kind === 'sgd' && optimizer.momentum > 0) return optimizer.nesterov ? UPDATE_RULE.nesterov : UPDATE_RULE.momentum;
  return UPDATE_RULE[kind] ?? UPDATE_RULE.sgd;
}

/**
 * {title, detail} for phase index `phase` (−1: ready) of a network `net` (phases.js: L, or the
 * trace's layers, whose normalized layers are walked in sub-phases).
 * ctx: {step, activation, outputActivation, loss, optimizer, lr, lossValue, outputs (K),
 * batch (B), dropout (true when a layer has a dropout mask)}.
 */
export function captionFor(phase, net, ctx = {}) {
  const { L } = shapeOf(net);
  const act = ACTIVATION_SYMBOL[ctx.activation] ?? ['f', 'f′'];
  const out = ACTIVATION_SYMBOL[ctx.outputActivation] ?? ['f', 'f′'];
  const step = ctx.step ?? 0;
  if (phase < 0 || !L) {
    return { title: `Step ${step}: ready`, detail: `Next: the forward pass of update ${step} → ${step + 1} (→ or PageDown), or the whole update at once (Space).` };
  }
  const p = phaseList(net)[phase];
  if (!p) return { title: `Step ${step}`, detail: '' };
  if (p.sub) return bnCaption(p, act, ctx);
  if (p.kind === 'forward') {
    const isOut = p.layer === L;
    const [f] = isOut ? out : act;
    const a = isOut ? 'ŷ' : 'a';
    return {
      title: `Forward pass, layer ${p.layer}${isOut ? ' (output)' : ''}: z = W·a⁽${sup(p.layer - 1)}⁾ + b,  ${a} = ${f}(z)`,
      detail: `Each neuron of layer ${p.layer} sums its weighted inputs and its bias (z), then applies ${isOut ? 'the output activation' : 'the activation'} ${f}.`,
    };
  }
  if (p.kind === 'loss') {
    const value = Number.isFinite(ctx.lossValue) ? ` = ${fmt(ctx.lossValue, 4)}` : '';
    const yHat = ctx.predictions?.length ? ` ŷ = ${vector(ctx.predictions)}` : ' ŷ';
    const y = ctx.targets?.length ? ` y = ${vector(ctx.targets)}` : ' y';
    return {
      title: `Loss: ${LOSS_FORMULA[ctx.loss] ?? 'ℓ(ŷ, y)'}`,
      detail: `L = the mean of ℓ over the batch${value}: how far the outputs${yHat} are from the targets${y}.`,
    };
  }
  if (p.kind === 'backward') {
    const isOut = p.layer === L;
    const grads = `∂L/∂w = mean over the batch of δ · a⁽${sup(p.layer - 1)}⁾`;
    if (isOut) {
      const K = ctx.outputs ?? 1;
      if (ctx.outputActivation === 'sigmoid' && ctx.loss === 'bce') {
        return { title: `Backward pass, layer ${p.layer} (output): δ = ${K > 1 ? '(ŷ − y) / K' : 'ŷ − y'}`, detail: `Sigmoid with cross-entropy: the chain rule through σ simplifies. Then ${grads}.` };
      }
      if (ctx.outputActivation === 'softmax' && ctx.loss === 'cross_entropy') {
        return { title: `Backward pass, layer ${p.layer} (output): δ = ŷ − y`, detail: `Softmax with cross-entropy: the chain rule simplifies. Then ${grads}.` };
      }
      return { title: `Backward pass, layer ${p.layer} (output): δ = ∂ℓ/∂ŷ · ${slope(out)}`, detail: `How much the loss changes with each output, times the slope of ${out[0]}. Then ${grads}.` };
    }
    return {
      title: `Backward pass, layer ${p.layer}: δ = ∂ℓ/∂a · ${slope(act)}`,
      detail: `∂ℓ/∂a = Σₖ wₖ · δₖ⁽${sup(p.layer + 1)}⁾ carries the error back from layer ${p.layer + 1}; then ${grads}.`,
    };
  }
  const lr = Number.isFinite(ctx.lr) ? ` (η = ${fmt(ctx.lr, 4)})` : '';
  const ex = ctx.example;
  const moved = ex && Number.isFinite(ex.w) && Number.isFinite(ex.after) ? ` ${ex.name}: ${fmt(ex.w, 4)} → ${fmt(ex.after, 4)}.` : '';
  return { title: `Update: ${updateRule(ctx.optimizer)}${lr}`, detail: `Every weight moves against its gradient.${moved} Step ${step} now shows the new weights.` };
}

/** The sub-phases of a batch-normalized hidden layer (phases.js). */
function bnCaption(p, act, ctx) {
  const l = p.layer;
  const [f, fp] = act;
  const B = Number.isFinite(ctx.batch) && ctx.batch > 0 ? `B = ${ctx.batch}` : 'B';
  const drop = ctx.dropout ? ' Dropout then turns some units off for this sample and scales the kept ones by 1/(1 − p).' : '';
  if (p.kind === 'forward') {
    if (p.sub === 'z') {
      return { title: `Forward pass, layer ${l}: z = W·a⁽${sup(l - 1)}⁾ + b`, detail: `Each neuron of layer ${l} sums its weighted inputs and its bias; batch normalization comes next, before the activation.` };
    }
    if (p.sub === 'bn') {
      return { title: `Batch normalization, layer ${l}: x̂ = (z − μ_B) / √(σ²_B + ε),  y = γ·x̂ + β`, detail: `μ_B and σ²_B are each neuron's mean and variance of z over the batch (${B}; training mode: batch statistics). x̂ has mean 0 and variance 1 over the batch; γ and β are learned.` };
    }
    return { title: `Forward pass, layer ${l}: a = ${f}(y)`, detail: `The activation ${f} of the normalized value y.${drop}` };
  }
  if (p.sub === 'y') {
    return { title: `Backward pass, layer ${l}: δ_y = ∂L/∂a · ${fp === '1' ? '1' : `${fp}(y)`}`, detail: `The error at the output of the normalization; ∂L/∂γ = mean of δ_y · x̂ and ∂L/∂β = mean of δ_y over the batch.` };
  }
  return { title: `Backward through batch normalization, layer ${l}: δ = γ/√(σ²_B + ε) · (δ_y − mean(δ_y) − x̂ · mean(δ_y·x̂))`, detail: `μ_B and σ²_B depend on every sample, so each sample's δ takes the batch means of δ_y and δ_y·x̂: the samples of the batch are coupled. Then ∂L/∂w = mean over the batch of δ · a⁽${sup(l - 1)}⁾.` };
}

const vector = (v) => (v.length === 1 ? fmt(v[0], 4) : `(${v.map((x) => fmt(x, 4)).join(', ')})`);

/**
 * The numbers a caption quotes, from a trace (session.traceOf) for traced sample `sample`:
 * {predictions (ŷ), targets (y), example: {name, w, after}}, the example being the selected
 * weight, else the first weight of the output layer (w5 of the classic worked example).
 */
export function captionNumbers(trace, sample = 0, selection = null) {
  const layers = trace?.layers;
  if (!layers?.length) return {};
  const out = layers.at(-1);
  const sel = selection?.kind === 'edge' ? selection : { layer: layers.length, from: 0, to: 0 };
  const layer = layers[sel.layer - 1];
  const w = layer?.W?.[sel.to]?.[sel.from];
  const after = layer?.W_after?.[sel.to]?.[sel.from];
  return {
    batch: trace.batch?.indices?.length,
    dropout: layers.some((l) => Array.isArray(l.dropout_mask)),
    predictions: out.a?.[sample],
    targets: trace.batch?.targets?.[sample],
    example: w === undefined ? null : { name: `w${sel.to}←${sel.from} of layer ${sel.layer}`, w, after },
  };
}

const slope = ([, d]) => (d === '1' ? '1' : `${d}(z)`);

const SUP = { 0: '⁰', 1: '¹', 2: '²', 3: '³', 4: '⁴', 5: '⁵', 6: '⁶', 7: '⁷', 8: '⁸', 9: '⁹' };
function sup(n) {
  return String(n).split('').map((d) => SUP[d] ?? d).join('');
}
