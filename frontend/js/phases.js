// The phases of one update, in order: forward 1…L, loss, backward L…1, update. Pure.
//
// A batch-normalized hidden layer is walked in sub-phases of the same kinds (there are no other
// kinds: compare mode's lockstep matches phases by kind): forward 'z' (z = W a + b), 'bn'
// (μ_B, σ²_B, x̂, y = γ x̂ + β) and 'a' (a = f(y)); backward 'y' (δ_y = ∂L/∂a · f′(y), ∂L/∂γ,
// ∂L/∂β) and 'bn' (δ_y through the normalization to δ_z, with its batch means).
//
// `net`, wherever a function takes it, is the network's shape: its number of weight layers L
// (no normalization), or its layers as an array: a trace's `layers` (a normalized layer has
// `bn`) or a snapshot's `params` (a normalized layer has `gamma`), or the result of shapeOf.

/** {L, bn: [false, bn of layer 1, …, bn of layer L]} of a network (see above). */
export function shapeOf(net) {
  if (net && typeof net === 'object' && !Array.isArray(net) && Array.isArray(net.bn)) return net;
  if (Array.isArray(net)) return { L: net.length, bn: [false, ...net.map((l) => !!(l && (l.bn || l.gamma)))] };
  const L = Number(net) || 0;
  return { L, bn: Array(L + 1).fill(false) };
}

/** The sub-phases of a normalized hidden layer, in walking order. */
export const FORWARD_SUBS = ['z', 'bn', 'a'];
export const BACKWARD_SUBS = ['y', 'bn'];

const cache = new Map();
/** Phase list for a network (see `net` above). */
export function phaseList(net) {
  const { L, bn } = shapeOf(net);
  const key = `${L}:${bn.map(Number).join('')}`;
  const hit = cache.get(key);
  if (hit) return hit.map((p) => ({ ...p }));
  const out = [];
  for (let l = 1; l <= L; l++) {
    if (bn[l]) for (const sub of FORWARD_SUBS) out.push({ kind: 'forward', layer: l, sub });
    else out.push({ kind: 'forward', layer: l });
  }
  out.push({ kind: 'loss' });
  for (let l = L; l >= 1; l--) {
    if (bn[l]) for (const sub of BACKWARD_SUBS) out.push({ kind: 'backward', layer: l, sub });
    else out.push({ kind: 'backward', layer: l });
  }
  out.push({ kind: 'update' });
  if (cache.size > 64) cache.clear();
  cache.set(key, out);
  return out.map((p) => ({ ...p }));
}

/** Index of the update phase (the last one): 2L + 1 without normalization. */
export const updateIndex = (net) => phaseList(net).length - 1;

const SUB_LABEL = { forward: { z: 'z', bn: 'BN', a: 'a' }, backward: { y: 'δ_y', bn: 'BN → δ' } };

/** Label text for a phase index; −1 is the state before the step begins. */
export function phaseLabel(index, net) {
  if (index < 0) return 'ready';
  const p = phaseList(net)[index];
  if (!p) return 'ready';
  const sub = p.sub ? ` · ${SUB_LABEL[p.kind][p.sub]}` : '';
  if (p.kind === 'forward') return `forward · layer ${p.layer}${sub}`;
  if (p.kind === 'backward') return `backward · layer ${p.layer}${sub}`;
  return p.kind;
}

/**
 * What a phase index shows: forward values up to layer `forwardTo` (0 none), the loss,
 * deltas and edge gradients of layers ≥ `backwardFrom` (L + 1 none), the update.
 * −1 ("ready") shows the whole computation of the coming update except the update itself,
 * so the resting view always has values for the selected sample and gradient halos.
 * `active` is the phase itself ({kind, layer, sub?}): in a normalized layer's sub-phases, the
 * layer `forwardTo` has its z only ('z'), its normalization too ('bn'), or everything ('a');
 * the layer `backwardFrom` has its δ_y only ('y') or its δ too ('bn').
 */
export function reveal(index, net) {
  const { L } = shapeOf(net);
  if (index < 0) return { forwardTo: L, loss: true, backwardFrom: 1, update: false, active: null };
  const p = phaseList(net)[index];
  const forwardTo = p.kind === 'forward' ? p.layer : L;
  const loss = p.kind !== 'forward';
  let backwardFrom = L + 1;
  if (p.kind === 'backward') backwardFrom = p.layer;
  if (p.kind === 'update') backwardFrom = 1;
  return { forwardTo, loss, backwardFrom, update: p.kind === 'update', active: p };
}

const SHORT = { forward: 'forward pass', loss: 'loss', backward: 'backward pass (δ)', update: 'update' };
const SUB_SHORT = { forward: { z: 'z', bn: 'batch norm (μ_B, σ²_B, x̂, y)', a: 'a = f(y)' }, backward: { y: 'δ_y', bn: 'δ through batch norm' } };

/**
 * The one-line hint beside the transport: what Next phase shows next, and what one update is.
 * phase: the phase index on screen (−1 ready), net: the network (0 before it is known).
 */
export function phaseHint(phase, net, playing = false) {
  if (playing) return 'Playing: Pause, then Phase ▶ walks one update phase by phase';
  const walk = 'one update = forward → loss → backward (δ) → update';
  const { L } = shapeOf(net);
  if (!L) return `Phase ▶ walks one update: ${walk.replace('one update = ', '')}`;
  const list = phaseList(net);
  const next = phase + 1 < list.length ? list[phase + 1] : list[0];
  const sub = next.sub ? `: ${SUB_SHORT[next.kind][next.sub]}` : '';
  const where = next.layer ? `${SHORT[next.kind]}, layer ${next.layer}${sub}` : SHORT[next.kind];
  const of = phase + 1 < list.length ? `${phase + 2} of ${list.length}` : `1 of ${list.length}, next step`;
  return `Phase ▶ next: ${where} (${of}) · ${walk}`;
}
