// The lecture caption of one run (captions.js, with the run's own quantities) and, in compare
// mode, of both: the two runs are at the same kind of phase (session-group.js), so the caption
// names what each computes, and says when the shallower one holds its last layer. Pure.

import { captionFor, captionNumbers, updateRule } from '../captions.js';
import { phaseList } from '../phases.js';
import { effectiveScenario } from '../events.js';
import { fmt } from '../format.js';

/** What captions.js needs to know of a run's state. */
function contextOf(state) {
  const sc = state.scenario ?? {};
  const t = state.trace;
  return {
    step: state.step,
    activation: sc.activation,
    outputActivation: state.snapshot?.output_activation ?? t?.after?.output_activation ?? sc.output_activation,
    loss: state.snapshot?.loss ?? t?.after?.loss ?? sc.loss,
    optimizer: effectiveScenario(sc, state.step).optimizer,
    lr: t?.lr,
    lossValue: t?.loss?.total,
    outputs: state.params?.at(-1)?.b?.length,
    // ŷ and y of the sample shown, one weight's old and new value (the selected edge's)
    ...captionNumbers(t, state.sample, state.selection),
  };
}

const layersOf = (state) => (state.trace?.layers ? state.params?.length ?? 0 : 0);
/** The run's network for phases.js: its trace's layers (normalized layers walk sub-phases). */
const netOf = (state) => (state.trace?.layers && state.trace.layers.length === state.params?.length ? state.trace.layers : layersOf(state));

/** {title, detail} of one run at its phase. */
export function captionOf(state) {
  return captionFor(state.playing ? -1 : state.phase, netOf(state), contextOf(state));
}

/** The phase of a run: {kind, layer} (kind 'ready' at rest). */
function phaseOf(state) {
  const L = layersOf(state);
  return state.phase < 0 || !L ? { kind: 'ready' } : phaseList(netOf(state))[state.phase] ?? { kind: 'ready' };
}

/** Does run x (L layers, at phase px) hold while the other (Lo, po) walks a layer x does not have? */
function holds(px, L, po, Lo) {
  if (L >= Lo || px.kind !== po.kind) return false;
  if (px.kind === 'forward') return po.layer > L;
  if (px.kind === 'backward') return Lo - po.layer > L - 1;
  return false;
}

/**
 * {title, detail} for runs a (the page's) and b (the compared one) at the same kind of phase.
 * names: {a, b}, the runs' names.
 */
export function compareCaption(a, b, names = {}) {
  const nameA = `A · ${names.a ?? a.scenario?.title ?? 'this run'}`;
  const nameB = `B · ${names.b ?? a.compareLabel ?? b.scenario?.title ?? 'compared run'}`;
  const [pa, pb] = [phaseOf(a), phaseOf(b)];
  const [La, Lb] = [layersOf(a), layersOf(b)];
  const ca = captionOf(a);
  const cb = captionOf(b);
  if (pa.kind === 'ready' || a.playing) {
    return { title: `Step ${a.step}: ready (both runs)`, detail: `Next: the forward pass of update ${a.step} → ${a.step + 1} in ${nameA} and in ${nameB} (→ or PageDown), or the whole update of both (Space).` };
  }
  const line = (name, c, p, L, po, Lo) => (holds(p, L, po, Lo) ? `${name} has ${L === 1 ? 'one layer' : `${L} layers`}: it holds ${c.title.split(':')[0].toLowerCase()}.` : `${name}: ${c.title}`);
  if (pa.kind === 'loss') {
    const lossB = captionOf(b).title === ca.title ? '' : ` (B: ${cb.title.replace(/^Loss: /, '')})`;
    return { title: `${ca.title}${lossB}`, detail: `Batch loss L = ${fmt(a.trace?.loss?.total, 4)} for ${nameA}, ${fmt(b.trace?.loss?.total, 4)} for ${nameB}.` };
  }
  if (pa.kind === 'update') {
    const ruleA = updateRule(contextOf(a).optimizer);
    const ruleB = updateRule(contextOf(b).optimizer);
    const detail = ruleA === ruleB ? `Both runs: every weight moves against its gradient; both now show step ${a.step}.` : `${nameB}: ${cb.title}. Both now show step ${a.step}.`;
    return { title: ruleA === ruleB ? ca.title : `A: ${ca.title}`, detail };
  }
  // Forward or backward: the deeper run's layer leads; the other computes its own or holds.
  if (holds(pa, La, pb, Lb)) return { title: `B: ${cb.title}`, detail: line(nameA, ca, pa, La, pb, Lb) };
  return { title: `A: ${ca.title}`, detail: line(nameB, cb, pb, Lb, pa, La) };
}
