// The inspector: the chain rule for the selected neuron or edge, with the numbers of the trace,
// typeset with KaTeX. Every number shown comes from the API; nothing is recomputed here except
// the one product δ·a of the selected sample's term (written out next to the batch mean).
// Batch normalization and dropout (batchnorm.js) are written with the trace's own numbers too.

import { loadKatex } from '../vendor.js';
import { fmt, full, isNum, tex } from '../format.js';
import { edgeNumbers, nodeNumbers, tracedSamples } from '../trace.js';
import { featureNames } from './network.js';
import { bnBackward, bnForward, dropoutForward, hasDropout } from './batchnorm.js';
import { trainModeNote } from './status.js';

const MAX_TERMS = 10;

// Inline mode set in display style: KaTeX breaks an inline formula after its top-level = and +,
// so a long sum wraps onto the next line instead of running past the panel's edge.
function math(parent, src) {
  const div = document.createElement('div');
  div.className = 'formula';
  div.textContent = src; // the TeX source, until KaTeX has loaded (the first formula only)
  loadKatex().then(
    (katex) => katex.render(`\\displaystyle ${src}`, div, { throwOnError: false, displayMode: false, output: 'htmlAndMathml' }),
    () => {}, // KaTeX did not load: the source stays
  );
  parent.appendChild(div);
  return div;
}

function para(parent, text, cls = 'explain') {
  const p = document.createElement('p');
  p.className = cls;
  p.textContent = text;
  parent.appendChild(p);
  return p;
}

function section(parent, title) {
  const s = document.createElement('section');
  const h = document.createElement('h3');
  h.textContent = title;
  s.appendChild(h);
  parent.appendChild(s);
  return s;
}

/** A list of named values at full precision (for copying, and for the browser tests). */
function values(parent, entries) {
  const dl = document.createElement('dl');
  dl.className = 'values';
  for (const [keyName, label, v] of entries) {
    if (v === undefined) continue;
    const div = document.createElement('div');
    div.dataset.key = keyName;
    div.dataset.value = full(v);
    const dt = document.createElement('dt');
    dt.textContent = label;
    const dd = document.createElement('dd');
    dd.textContent = v === null ? 'non-finite' : String(v);
    div.append(dt, dd);
    dl.appendChild(div);
  }
  parent.appendChild(dl);
}

const T = (x) => tex(x, { paren: true });
const ACT_TEX = { sigmoid: '\\sigma', tanh: '\\tanh', relu: '\\operatorname{relu}', leaky_relu: '\\operatorname{lrelu}', linear: '\\operatorname{id}', softmax: '\\operatorname{softmax}' };

export function createInspector(container, { onSelect }) {
  let lastKey = null;

  function update(state) {
    const t = state.trace;
    const sel = state.selection;
    const key = `${sel?.kind}|${sel?.layer}|${sel?.unit}|${sel?.from}|${sel?.to}|${state.sample}|${t?.fromStep}|${state.scenarioVersion}|${!!t?.layers}`;
    if (key === lastKey) return;
    lastKey = key;
    container.textContent = '';
    if (!sel) {
      para(container, 'Click a neuron or an edge (or focus a neuron and press Enter) to see its numbers worked through the chain rule.', 'hint');
      return;
    }
    if (!t?.layers) {
      para(container, 'No trace: the run had diverged before this step.', 'hint');
      return;
    }
    const sample = Math.min(state.sample, Math.max(0, tracedSamples(t) - 1));
    const head = document.createElement('p');
    head.className = 'inspector-head';
    const mode = trainModeNote(state.scenario);
    head.textContent = `Update ${t.fromStep} → ${t.fromStep + 1} · sample ${sample} of the batch (data row ${t.batch.indices[sample]}) · batch of ${t.batch.indices.length}${mode ? ` · ${mode}` : ''}`;
    container.appendChild(head);
    if (sel.kind === 'edge') edge(container, state, t, sel, sample);
    else if (sel.layer === 0) input(container, state, t, sel, sample);
    else node(container, state, t, sel, sample);
  }

  function input(root, state, t, sel, sample) {
    const name = featureNames(state, t.batch.features[0].length)[sel.unit];
    const sec = section(root, `Input ${name}`);
    const x = t.batch.features[sample][sel.unit];
    math(sec, `a^{(0)}_{${sel.unit}} = ${tex(x)}`);
    para(sec, `The feature ${name} of this sample: layer 1 receives it as a⁽⁰⁾.`);
    values(sec, [['a', 'a⁽⁰⁾', x]]);
  }

  function node(root, state, t, sel, sample) {
    const L = sel.layer;
    const j = sel.unit;
    const n = nodeNumbers(t, L, j, sample);
    const Ltot = t.layers.length;
    const act = L === Ltot ? state.snapshot?.output_activation ?? t.after?.output_activation : state.scenario.activation;
    const lossName = state.snapshot?.loss ?? t.after?.loss;
    const title = L === Ltot ? `Output neuron ${j} (layer ${L})` : `Neuron ${j} of hidden layer ${L}`;
    const fwd = section(root, `${title} · forward`);
    const shown = n.terms.slice(0, MAX_TERMS);
    const sym = shown.map((q) => `w_{${j}${q.i}}a_{${q.i}}`).join(' + ');
    const nums = shown.map((q) => `${T(q.w)}\\cdot${T(q.a)}`).join(' + ');
    const more = n.terms.length > MAX_TERMS ? ` + \\dots` : '';
    math(fwd, `z^{(${L})}_{${j}} = \\sum_i w_{${j}i}\\,a^{(${L - 1})}_i + b_{${j}}`);
    math(fwd, `= ${sym}${more} + b_{${j}}`);
    math(fwd, `= ${nums}${more} + ${T(n.b)} = ${tex(n.z)}`);
    const f = ACT_TEX[act] ?? `f`;
    const layer = t.layers[L - 1];
    const norm = !!layer.bn;
    const h = { math, para, section, values, T, f, L, j, sample };
    if (norm) bnForward(fwd, h, t, L, j, sample);
    else if (act === 'softmax') math(fwd, `a_{${j}} = \\operatorname{softmax}(z)_{${j}} = \\frac{e^{z_{${j}}}}{\\sum_k e^{z_k}} = ${tex(n.a)}`);
    else if (hasDropout(layer)) dropoutForward(fwd, h, t, L, j, sample, `${f}(${tex(n.z)})`);
    else math(fwd, `a^{(${L})}_{${j}} = ${f}(z) = ${f}(${tex(n.z)}) = ${tex(n.a)}`);

    const bwd = section(root, 'backward');
    const fused = n.isOutput && ((act === 'sigmoid' && lossName === 'bce') || (act === 'softmax' && lossName === 'cross_entropy'));
    if (n.isOutput && fused) {
      const K = n.outputs;
      if (act === 'sigmoid') {
        math(bwd, `\\delta_{${j}} = \\frac{\\partial \\ell}{\\partial z_{${j}}} = \\frac{\\hat y_{${j}} - y_{${j}}}{K} = \\frac{${tex(n.a)} - ${T(n.target)}}{${K}} = ${tex(n.delta)}`);
        para(bwd, 'Sigmoid output with binary cross-entropy: the derivative of the loss through the sigmoid simplifies to (ŷ − y)/K, computed from z for stability.');
      } else {
        math(bwd, `\\delta_{${j}} = \\hat y_{${j}} - y_{${j}} = ${tex(n.a)} - ${T(n.target)} = ${tex(n.delta)}`);
        para(bwd, 'Softmax output with cross-entropy: the derivative of the loss with respect to z is ŷ − y.');
      }
    } else {
      if (n.isOutput) {
        const rule = lossName === 'half_sse' ? `\\hat y_{${j}} - y_{${j}} = ${tex(n.a)} - ${T(n.target)}` : lossName === 'mse' ? `\\tfrac{2}{K}(\\hat y_{${j}} - y_{${j}}) = \\tfrac{2}{${n.outputs}}(${tex(n.a)} - ${T(n.target)})` : `\\dots`;
        math(bwd, `\\frac{\\partial \\ell}{\\partial \\hat y_{${j}}} = ${rule} = ${tex(n.dL_da)}`);
      } else if (n.downstream) {
        const ds = n.downstream.slice(0, MAX_TERMS);
        const dmore = n.downstream.length > MAX_TERMS ? ' + \\dots' : '';
        math(bwd, `\\frac{\\partial \\ell}{\\partial a^{(${L})}_{${j}}} = \\sum_k w^{(${L + 1})}_{k${j}}\\,\\delta^{(${L + 1})}_k = ${ds.map((q) => `${T(q.w)}\\cdot${T(q.delta)}`).join(' + ')}${dmore} = ${tex(n.dL_da)}`);
      }
      const fp = n.fprime;
      const m = hasDropout(layer) ? layer.dropout_mask?.[sample]?.[j] : undefined;
      if (norm) bnBackward(bwd, h, t, L, j, sample);
      else if (m !== undefined) math(bwd, `\\delta^{(${L})}_{${j}} = \\frac{\\partial \\ell}{\\partial a_{${j}}}\\cdot \\frac{m_{${j}}}{1-p}\\cdot ${f}'(z_{${j}}) = ${T(n.dL_da)}\\cdot ${T(m)}\\cdot ${isNum(fp) ? T(fp) : `${f}'(${tex(n.z)})`} = ${tex(n.delta)}`);
      else math(bwd, `\\delta^{(${L})}_{${j}} = \\frac{\\partial \\ell}{\\partial a_{${j}}}\\cdot ${f}'(z_{${j}}) = ${T(n.dL_da)}\\cdot ${isNum(fp) ? T(fp) : `${f}'(${tex(n.z)})`} = ${tex(n.delta)}`);
    }
    const bsec = section(root, 'bias');
    math(bsec, `\\frac{\\partial L}{\\partial b_{${j}}} = \\frac1B\\sum_s \\delta^{(s)}_{${j}} = ${tex(n.grad_b)}, \\quad b' = ${tex(n.b)} ${signed(n.update_b)} = ${tex(n.b_after)}`);
    if (state.scenario.train_biases === false) para(bsec, 'Biases are fixed in this scenario (train biases is off): their gradient is not used.');
    if (norm) para(bsec, 'A bias right before batch normalization has no effect: subtracting the batch mean μ_B removes it, so its gradient is 0 (β does its job).');
    values(root, [
      ['z', 'z', n.z], ['a', 'a', n.a], ['dL_da', '∂ℓ/∂a', n.dL_da], ['delta', 'δ', n.delta],
      ['b', 'b', n.b], ['grad_b', '∂L/∂b', n.grad_b], ['b_after', "b'", n.b_after],
    ]);
    // Incoming edges as buttons: the keyboard path to every edge's explanation.
    const list = document.createElement('div');
    list.className = 'edge-links';
    para(list, 'Incoming weights:', 'explain');
    n.terms.forEach((q) => {
      const b = document.createElement('button');
      b.type = 'button';
      b.className = 'link';
      b.textContent = `w${j}←${q.i} = ${fmt(q.w)}`;
      b.addEventListener('click', () => onSelect({ kind: 'edge', layer: L, from: q.i, to: j }));
      list.appendChild(b);
    });
    root.appendChild(list);
  }

  function edge(root, state, t, sel, sample) {
    const { layer: L, from: i, to: j } = sel;
    const e = edgeNumbers(t, L, i, j, sample);
    const sc = state.scenario;
    const sec = section(root, `Weight w${j}←${i} of layer ${L}: from unit ${i} of layer ${L - 1} to unit ${j} of layer ${L}`);
    sec.classList.add('wide');
    math(sec, `w^{(${L})}_{${j}${i}} = ${tex(e.w, { digits: 6 })}`);
    const g = section(root, 'gradient');
    math(g, `\\frac{\\partial L_{\\text{data}}}{\\partial w_{${j}${i}}} = \\frac1B\\sum_{s=1}^{B} \\delta^{(s)}_{${j}}\\,a^{(s)}_{${i}} = ${tex(e.grad_W_data)}`);
    math(g, `\\text{sample } ${sample}:\\ \\delta_{${j}}\\,a_{${i}} = ${T(e.delta)}\\cdot${T(e.a)} = ${tex(e.term)}`);
    para(g, `One of the B = ${e.batch} terms whose mean is the data gradient.`);
    const reg = sc.regularization ?? {};
    const regKind = reg.kind ?? 'none';
    const regTex = regKind === 'l2' ? `\\lambda w = ${tex(reg.rate)}\\cdot${T(e.w)}` : regKind === 'l1' ? `\\lambda\\,\\operatorname{sign}(w) = ${tex(reg.rate)}\\cdot\\operatorname{sign}(${tex(e.w)})` : `0 \\quad(\\text{no regularization})`;
    math(g, `\\frac{\\partial L_{\\text{reg}}}{\\partial w} = ${regTex} = ${tex(e.grad_W_reg)}`);
    const gn = e.grad_norm;
    const clip = sc.clip ?? {};
    if ((clip.kind ?? 'none') === 'norm') {
      math(g, `c = \\min\\Big(1, \\frac{\\theta}{\\lVert g\\rVert_2 + 10^{-6}}\\Big) = \\min\\Big(1, \\frac{${tex(clip.threshold)}}{${tex(gn.before_clip)} + 10^{-6}}\\Big) = ${tex(gn.clip_scale)}`);
      math(g, `g = c\\,(g_{\\text{data}} + g_{\\text{reg}}) = ${tex(e.grad_W)}`);
    } else if (clip.kind === 'value') {
      math(g, `g = \\operatorname{clamp}(g_{\\text{data}} + g_{\\text{reg}}, -${tex(clip.threshold)}, ${tex(clip.threshold)}) = ${tex(e.grad_W)}`);
    } else {
      math(g, `g = g_{\\text{data}} + g_{\\text{reg}} = ${tex(e.grad_W)}`);
      para(g, `No clipping (the whole gradient's norm ‖g‖₂ is ${fmt(gn.before_clip)}).`);
    }
    const u = section(root, `update (${t.optimizer})`);
    updateRule(u, state, t, e);
    values(root, [
      ['w', 'w', e.w], ['a', 'a (sample)', e.a], ['delta', 'δ (sample)', e.delta], ['term', 'δ·a (sample)', e.term],
      ['grad_W_data', '∂L_data/∂w', e.grad_W_data], ['grad_W_reg', '∂L_reg/∂w', e.grad_W_reg], ['grad_W', 'g (used)', e.grad_W],
      ['lr', 'η', e.lr], ['clip_scale', 'clip scale', gn.clip_scale],
      ...Object.entries(e.state).map(([k, v]) => [`state.${k}`, k, v]),
      ['update_W', 'Δw', e.update_W], ['W_after', "w'", e.W_after],
    ]);
  }

  function updateRule(u, state, t, e) {
    const o = { ...(state.schema ? defaultsOf(state.schema.properties?.optimizer) : {}), ...(state.scenario.optimizer ?? {}) };
    const kind = t.optimizer;
    const st = e.state;
    const stateTex = (name) => (st[name] !== undefined ? tex(st[name]) : '\\cdot');
    if (kind === 'sgd' && o.momentum > 0) {
      const buf = Object.keys(st).find((k) => /mom|buf/i.test(k));
      math(u, `b \\leftarrow \\mu b + g,\\quad \\mu = ${tex(o.momentum)}:\\ b = ${buf ? stateTex(buf) : '\\cdot'}`);
      math(u, o.nesterov ? `w' = w - \\eta\\,(g + \\mu b)` : `w' = w - \\eta\\,b`);
    } else if (kind === 'sgd') {
      math(u, `w' = w - \\eta\\,g = ${tex(e.w)} - ${tex(e.lr)}\\cdot${T(e.grad_W)}`);
    } else if (kind === 'rmsprop') {
      const v = Object.keys(st).find((k) => /sq|square|^v/i.test(k));
      math(u, `v \\leftarrow \\alpha v + (1-\\alpha) g^2 = ${v ? stateTex(v) : '\\cdot'},\\quad \\alpha = ${tex(o.alpha)}`);
      math(u, `w' = w - \\eta\\,\\frac{g}{\\sqrt{v} + \\varepsilon},\\quad \\varepsilon = ${tex(o.eps)}`);
    } else {
      const m = Object.keys(st).find((k) => /exp_avg_W|^m/i.test(k) && !/sq/.test(k));
      const v = Object.keys(st).find((k) => /sq|^v/i.test(k));
      if (kind === 'adamw') math(u, `w \\leftarrow w - \\eta\\lambda w,\\quad \\lambda = ${tex(o.weight_decay)}`);
      math(u, `m \\leftarrow \\beta_1 m + (1-\\beta_1) g = ${m ? stateTex(m) : '\\cdot'},\\quad \\beta_1 = ${tex(o.beta1)}`);
      math(u, `v \\leftarrow \\beta_2 v + (1-\\beta_2) g^2 = ${v ? stateTex(v) : '\\cdot'},\\quad \\beta_2 = ${tex(o.beta2)}`);
      math(u, `w' = w - \\eta\\,\\frac{m/(1-\\beta_1^{t})}{\\sqrt{v/(1-\\beta_2^{t})} + \\varepsilon},\\quad t = ${t.optimizer_step}`);
    }
    math(u, `\\eta = ${tex(e.lr)},\\qquad \\Delta w = ${tex(e.update_W)}`);
    math(u, `w' = w + \\Delta w = ${tex(e.w, { digits: 6 })} ${signed(e.update_W)} = ${tex(e.W_after, { digits: 6 })}`);
  }

  return { update, reset: () => (lastKey = null) };
}

function signed(x) {
  if (!isNum(x)) return '+ \\text{n/a}';
  return x < 0 ? `- ${tex(-x)}` : `+ ${tex(x)}`;
}

function defaultsOf(desc) {
  if (!desc?.properties) return {};
  return Object.fromEntries(Object.entries(desc.properties).filter(([, d]) => d.default !== undefined).map(([k, d]) => [k, d.default]));
}
