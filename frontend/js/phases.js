// The phases of one update, in order: forward 1…L, loss, backward L…1, update. Pure.

/** Phase list for a network with L weight layers. */
export function phaseList(L) {
  const out = [];
  for (let l = 1; l <= L; l++) out.push({ kind: 'forward', layer: l });
  out.push({ kind: 'loss' });
  for (let l = L; l >= 1; l--) out.push({ kind: 'backward', layer: l });
  out.push({ kind: 'update' });
  return out;
}

/** Index of the update phase (the last one). */
export const updateIndex = (L) => 2 * L + 1;

/** Label text for a phase index; −1 is the state before the step begins. */
export function phaseLabel(index, L) {
  if (index < 0) return 'ready';
  const p = phaseList(L)[index];
  if (!p) return 'ready';
  if (p.kind === 'forward') return `forward · layer ${p.layer}`;
  if (p.kind === 'backward') return `backward · layer ${p.layer}`;
  return p.kind;
}

/**
 * What a phase index shows: forward values up to layer `forwardTo` (0 none), the loss,
 * deltas and edge gradients of layers ≥ `backwardFrom` (L + 1 none), the update.
 * −1 ("ready") shows the whole computation of the coming update except the update itself,
 * so the resting view always has values for the selected sample and gradient halos.
 */
export function reveal(index, L) {
  if (index < 0) return { forwardTo: L, loss: true, backwardFrom: 1, update: false, active: null };
  const p = phaseList(L)[index];
  const forwardTo = p.kind === 'forward' ? p.layer : L;
  const loss = p.kind !== 'forward';
  let backwardFrom = L + 1;
  if (p.kind === 'backward') backwardFrom = p.layer;
  if (p.kind === 'update') backwardFrom = 1;
  return { forwardTo, loss, backwardFrom, update: p.kind === 'update', active: p };
}

const SHORT = { forward: 'forward pass', loss: 'loss', backward: 'backward pass (δ)', update: 'update' };

/**
 * The one-line hint beside the transport: what Next phase shows next, and what one update is.
 * phase: the phase index on screen (−1 ready), L: weight layers (0 before the network is known).
 */
export function phaseHint(phase, L, playing = false) {
  if (playing) return 'Playing: Pause, then Phase ▶ walks one update phase by phase';
  const walk = 'one update = forward → loss → backward (δ) → update';
  if (!L) return `Phase ▶ walks one update: ${walk.replace('one update = ', '')}`;
  const list = phaseList(L);
  const next = phase + 1 < list.length ? list[phase + 1] : list[0];
  const where = next.layer ? `${SHORT[next.kind]}, layer ${next.layer}` : SHORT[next.kind];
  const of = phase + 1 < list.length ? `${phase + 2} of ${list.length}` : `1 of ${list.length}, next step`;
  return `Phase ▶ next: ${where} (${of}) · ${walk}`;
}
