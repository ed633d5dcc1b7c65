// The inspector's batch normalization and dropout: forward (μ_B, σ²_B, x̂, y, the mask) and
// backward (δ_y, the batch means, δ through the normalization, ∂L/∂γ, ∂L/∂β) of one neuron for
// the selected sample, written with the trace's own numbers (API.md: a trace is training mode).
// No number is computed here: 1/√(σ²_B + ε) is the trace's `inv_std`, the batch means are the
// trace's `mean_delta_y` and `mean_delta_y_xhat`.

import { fmt, tex } from '../format.js';
import { bnNumbers, dropoutOf } from '../trace.js';

/** Does a trace layer carry dropout masks? */
export const hasDropout = (layer) => Array.isArray(layer?.dropout_mask);

/**
 * h: the inspector's helpers {math, para, section, values, T (a number in parentheses when
 * negative), f (the activation's TeX), L, j}. Writes into the forward section `sec`.
 */
export function bnForward(sec, h, t, L, j, s) {
  const n = bnNumbers(t, L, j, s);
  const { math, para, T, f } = h;
  para(sec, `Batch normalization, training mode: μ_B and σ²_B are this neuron's mean and variance of z over the batch of B = ${n.batch} samples.`);
  math(sec, `\\mu_B = \\frac1B\\sum_{s=1}^{B} z^{(s)}_{${j}} = ${tex(n.mean)}, \\quad \\sigma^2_B = \\frac1B\\sum_{s=1}^{B} \\big(z^{(s)}_{${j}} - \\mu_B\\big)^2 = ${tex(n.var)}`);
  math(sec, `\\hat x_{${j}} = \\frac{z_{${j}} - \\mu_B}{\\sqrt{\\sigma^2_B + \\varepsilon}} = \\big(${tex(n.z)} - ${T(n.mean)}\\big)\\cdot ${T(n.inv_std)} = ${tex(n.x_hat)}`);
  para(sec, `${fmt(n.inv_std, 6)} is 1/√(σ²_B + ε) as the server computed it.`, 'explain note');
  math(sec, `y_{${j}} = \\gamma_{${j}}\\,\\hat x_{${j}} + \\beta_{${j}} = ${T(n.gamma)}\\cdot${T(n.x_hat)} + ${T(n.beta)} = ${tex(n.y)}`);
  const m = dropoutOf(t, L, j, s);
  if (m !== undefined) dropoutLine(sec, h, m, `y_{${j}}`, `${f}(${tex(n.y)})`, n.a);
  else math(sec, `a^{(${L})}_{${j}} = ${f}(y_{${j}}) = ${f}(${tex(n.y)}) = ${tex(n.a)}`);
  h.values(sec, [
    ['bn.mean', 'μ_B', n.mean], ['bn.var', 'σ²_B', n.var], ['bn.inv_std', '1/√(σ²_B+ε)', n.inv_std],
    ['bn.x_hat', 'x̂ (sample)', n.x_hat], ['bn.gamma', 'γ', n.gamma], ['bn.beta', 'β', n.beta], ['bn.y', 'y (sample)', n.y],
    ...(m !== undefined ? [['dropout', 'm/(1−p) (sample)', m]] : []),
  ]);
}

/** Dropout of a layer without normalization: a = f(z) · m/(1 − p). */
export function dropoutForward(sec, h, t, L, j, s, fOfZ) {
  const m = dropoutOf(t, L, j, s);
  const a = t.layers[L - 1].a?.[s]?.[j];
  dropoutLine(sec, h, m, `z_{${j}}`, fOfZ, a);
  h.values(sec, [['dropout', 'm/(1−p) (sample)', m]]);
}

function dropoutLine(sec, h, m, arg, fOfArg, a) {
  const { math, para, T, f, L, j } = h;
  math(sec, `a^{(${L})}_{${j}} = ${f}(${arg})\\cdot\\frac{m_{${j}}}{1-p} = ${fOfArg}\\cdot ${T(m)} = ${tex(a)}`);
  if (m === 0) para(sec, 'Dropped for this sample (m = 0): its output is 0 and no error flows back through it in this update.', 'explain dropped');
  else para(sec, `Kept for this sample (m = 1), scaled by 1/(1 − p) = ${fmt(m, 4)} so that the layer's expected output stays the same. Whole-set metrics and heatmaps use no dropout (eval mode).`);
}

/** The backward pass of a normalized neuron, after ∂ℓ/∂a: δ_y, the batch means, δ, ∂L/∂γ, ∂L/∂β. */
export function bnBackward(sec, h, t, L, j, s) {
  const n = bnNumbers(t, L, j, s);
  const { math, para, section, T, f } = h;
  const m = dropoutOf(t, L, j, s);
  const mask = m !== undefined ? `\\cdot\\frac{m_{${j}}}{1-p}` : '';
  const maskNum = m !== undefined ? `\\cdot${T(m)}` : '';
  math(sec, `\\delta^{y}_{${j}} = \\frac{\\partial L}{\\partial a_{${j}}}${mask}\\cdot ${f}'(y_{${j}}) = ${T(n.dL_da)}${maskNum}\\cdot${T(n.fprime)} = ${tex(n.delta_y)}`);
  const c = section(sec.parentNode, 'through the normalization: the batch couples the samples');
  c.classList.add('bn-backward');
  math(c, `\\overline{\\delta^{y}} = \\frac1B\\sum_{s=1}^{B} \\delta^{y(s)}_{${j}} = ${tex(n.mean_delta_y)}, \\quad \\overline{\\delta^{y}\\hat x} = \\frac1B\\sum_{s=1}^{B} \\delta^{y(s)}_{${j}}\\,\\hat x^{(s)}_{${j}} = ${tex(n.mean_delta_y_xhat)}`);
  math(c, `\\delta_{${j}} = \\frac{\\gamma_{${j}}}{\\sqrt{\\sigma^2_B + \\varepsilon}}\\Big(\\delta^{y}_{${j}} - \\overline{\\delta^{y}} - \\hat x_{${j}}\\,\\overline{\\delta^{y}\\hat x}\\Big) = ${T(n.gamma)}\\cdot${T(n.inv_std)}\\cdot\\Big(${T(n.delta_y)} - ${T(n.mean_delta_y)} - ${T(n.x_hat)}\\cdot${T(n.mean_delta_y_xhat)}\\Big) = ${tex(n.delta)}`);
  para(c, `Both means run over all B = ${n.batch} samples of the batch: μ_B and σ²_B depend on every sample, so this sample's δ changes when any other sample's does. Here ∂L/∂a, δ_y and δ are B times the derivative of the batch loss L (so that they read like one sample's).`);
  // ∂L/∂γ and ∂L/∂β are the batch means above; g is what the optimizer used (after clipping).
  math(c, `\\frac{\\partial L}{\\partial \\gamma_{${j}}} = \\overline{\\delta^{y}\\hat x} = ${tex(n.mean_delta_y_xhat)}, \\quad g_\\gamma = ${tex(n.grad_gamma)}, \\quad \\gamma' = ${tex(n.gamma_after)}`);
  math(c, `\\frac{\\partial L}{\\partial \\beta_{${j}}} = \\overline{\\delta^{y}} = ${tex(n.mean_delta_y)}, \\quad g_\\beta = ${tex(n.grad_beta)}, \\quad \\beta' = ${tex(n.beta_after)}`);
  para(c, `Running statistics, for eval mode (whole-set metrics, heatmaps): mean ${fmt(n.running_mean, 4)}, variance ${fmt(n.running_var, 4)} after this update.`);
  h.values(c, [
    ['bn.delta_y', 'δ_y (sample)', n.delta_y], ['bn.mean_delta_y', 'mean δ_y', n.mean_delta_y], ['bn.mean_delta_y_xhat', 'mean δ_y·x̂', n.mean_delta_y_xhat],
    ['bn.grad_gamma', '∂L/∂γ', n.grad_gamma], ['bn.grad_beta', '∂L/∂β', n.grad_beta], ['bn.gamma_after', "γ'", n.gamma_after], ['bn.beta_after', "β'", n.beta_after],
    ['bn.running_mean', 'running mean', n.running_mean], ['bn.running_var', 'running var', n.running_var],
  ]);
}
