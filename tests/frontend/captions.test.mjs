import { test } from 'node:test';
import assert from 'node:assert/strict';
import { captionFor, updateRule } from '../../frontend/js/captions.js';

const ctx = { step: 4, activation: 'tanh', outputActivation: 'sigmoid', loss: 'bce', optimizer: { kind: 'sgd' }, lr: 0.03, lossValue: 0.6931, outputs: 1 };

test('every phase of a step is spelled out with the layer\'s own activation', () => {
  const L = 3;
  assert.equal(captionFor(-1, L, ctx).title, 'Step 4: ready');
  assert.equal(captionFor(0, L, ctx).title, 'Forward pass, layer 1: z = W·a⁽⁰⁾ + b,  a = tanh(z)');
  assert.equal(captionFor(2, L, ctx).title, 'Forward pass, layer 3 (output): z = W·a⁽²⁾ + b,  ŷ = σ(z)');
  assert.match(captionFor(3, L, ctx).title, /^Loss: ℓ = −\[y log ŷ/);
  assert.match(captionFor(3, L, ctx).detail, /0\.6931/);
  assert.equal(captionFor(4, L, ctx).title, 'Backward pass, layer 3 (output): δ = ŷ − y');
  assert.equal(captionFor(5, L, ctx).title, 'Backward pass, layer 2: δ = ∂ℓ/∂a · tanh′(z)');
  assert.equal(captionFor(5, L, { ...ctx, activation: 'sigmoid' }).title, 'Backward pass, layer 2: δ = ∂ℓ/∂a · σ′(z)');
  assert.equal(captionFor(7, L, ctx).title, 'Update: w ← w − η · ∂L/∂w (η = 0.03)');
});

test('output heads without the fused derivative, and other optimizers', () => {
  const mse = { ...ctx, outputActivation: 'linear', loss: 'mse' };
  assert.equal(captionFor(3, 2, mse).title, 'Backward pass, layer 2 (output): δ = ∂ℓ/∂ŷ · 1');
  assert.equal(captionFor(3, 2, { ...mse, outputActivation: 'tanh' }).title, 'Backward pass, layer 2 (output): δ = ∂ℓ/∂ŷ · tanh′(z)');
  assert.equal(captionFor(4, 2, { ...ctx, activation: 'relu' }).title, 'Backward pass, layer 1: δ = ∂ℓ/∂a · ReLU′(z)');
  assert.equal(captionFor(3, 2, { ...ctx, outputActivation: 'softmax', loss: 'cross_entropy' }).title, 'Backward pass, layer 2 (output): δ = ŷ − y');
  assert.match(updateRule({ kind: 'adam' }), /m̂ \/ \(√v̂ \+ ε\)/);
  assert.match(updateRule({ kind: 'sgd', momentum: 0.9 }), /μ·b/);
  assert.match(updateRule({ kind: 'sgd', momentum: 0.9, nesterov: true }), /g \+ μ·b/);
});
