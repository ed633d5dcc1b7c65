// Changes made while training runs: the scenario's `events` (API.md, "Events"). An event at step
// k applies to the state after k updates, before update k + 1; the API replays them, so
// (scenario, step) stays the whole truth. Pure: builds and reads event lists, no DOM.

/** Scenario fields a `set` event may change; changing any other field restarts the run. */
export const SET_FIELDS = ['optimizer', 'schedule', 'regularization', 'clip', 'batch_size'];

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

/** True when a form field's path ('optimizer.lr' as ['optimizer', 'lr']) can change mid-run. */
export const isSetPath = (path) => SET_FIELDS.includes(path[0]);

/** The `changes` of a set event for one field: ['optimizer', 'lr'], 0.1 -> {optimizer: {lr: 0.1}}. */
export function changesOf(path, value) {
  return path.reduceRight((inner, key) => ({ [key]: inner }), value);
}

/** Deep merge of `patch` into a copy of `target` (objects merge, everything else replaces). */
export function merge(target, patch) {
  const out = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) out[k] = isObject(v) && isObject(out[k]) ? merge(out[k], v) : structuredClone(v);
  return out;
}

export const eventsOf = (scenario) => scenario?.events ?? [];

/** Events strictly after step k (what a change at k would drop). */
export const eventsAfter = (scenario, k) => eventsOf(scenario).filter((e) => e.step > k);

/** A copy of the scenario without the events after step k. */
export function dropAfter(scenario, k) {
  return { ...scenario, events: eventsOf(scenario).filter((e) => e.step <= k) };
}

/** A copy of the scenario with `event` added after every event at its step or before. */
export function withEvent(scenario, event) {
  const events = [...eventsOf(scenario)];
  let at = events.length;
  while (at > 0 && events[at - 1].step > event.step) at--;
  events.splice(at, 0, event);
  return { ...scenario, events };
}

/**
 * The settings in force at step k: the scenario with the changes of every `set` event at or
 * before k merged in. The form shows these, so a changed learning rate reads as changed.
 */
export function effectiveScenario(scenario, k) {
  let out = scenario;
  for (const e of eventsOf(scenario)) {
    if (e.kind === 'set' && e.step <= k) out = merge(out, e.changes ?? {});
  }
  return out;
}

const LABELS = { lr: 'learning rate', batch_size: 'batch size' };

/** 'learning rate', 'optimizer' (for its kind), 'clip threshold', 'optimizer momentum'. */
function fieldName(path) {
  const last = path.at(-1);
  if (last === 'kind') return path[0];
  return LABELS[last] ?? `${path.length > 1 ? `${path[0]} ` : ''}${last.replace(/_/g, ' ')}`;
}

function leaves(obj, path = [], out = []) {
  for (const [k, v] of Object.entries(obj)) {
    if (isObject(v)) leaves(v, [...path, k], out);
    else out.push([[...path, k], v]);
  }
  return out;
}

/** A short text for an event (marker tooltips, the events list). */
export function describeEvent(e) {
  if (e.kind === 'set') {
    return leaves(e.changes ?? {})
      .map(([path, v]) => `${fieldName(path)} → ${v}`)
      .join(', ');
  }
  if (e.kind === 'set_weight') return e.bias ? `b${e.to} of layer ${e.layer} set to ${e.value}` : `w${e.to}←${e.from} of layer ${e.layer} set to ${e.value}`;
  if (e.kind === 'prune') return `pruned ${Math.round(e.fraction * 1000) / 10}% of the weights`;
  if (e.kind === 'add_points') return `added ${e.inputs.length} point${e.inputs.length === 1 ? '' : 's'}`;
  return e.kind;
}

/** One or two letters drawn at an event's marker on the loss chart. */
export function markerText(e) {
  if (e.kind === 'set') {
    const keys = leaves(e.changes ?? {}).map(([p]) => p.at(-1));
    return keys.includes('lr') ? 'η' : keys.length ? keys[0].slice(0, 2) : 'set';
  }
  return { set_weight: 'w', prune: '✂', add_points: '+' }[e.kind] ?? '?';
}

/**
 * An add_points event for points clicked on the output view: [{x, y, cls}], with cls the class
 * index (or for regression +1/−1). `mode` says what the data takes: 'labels' (classes of a
 * generated set or of labelled points), 'targets' with `classes` (the encoded target vectors of
 * a points set with explicit targets), or 'regression'.
 */
export function addPointsEvent(step, points, { mode, classes = null }) {
  const inputs = points.map((p) => [p.x, p.y]);
  if (mode === 'labels') return { step, kind: 'add_points', inputs, labels: points.map((p) => p.cls) };
  if (mode === 'targets' && classes) return { step, kind: 'add_points', inputs, targets: points.map((p) => structuredClone(classes[p.cls % classes.length])) };
  return { step, kind: 'add_points', inputs, targets: points.map((p) => [p.cls]) };
}
