// Changes made while training runs, recorded as events at the step on screen (events.js):
// optimizer, schedule, regularization, clipping and batch-size values from the form; a weight
// or a bias typed in by hand; pruning; points clicked onto the output view. Changing data,
// network or initialization still restarts the run at step 0. A change made after rewinding
// drops the events that came later, once the user has agreed to it.

import { getIn } from './scenario-form.js';
import { classesOf } from './points.js';
import { confirmDialog, h } from './dialogs.js';
import { addPointsEvent, changesOf, describeEvent, dropAfter, effectiveScenario, eventsAfter, eventsOf, isSetPath, withEvent } from '../events.js';
import { full } from '../format.js';

const MAX_LISTED = 3;

/** sessions: the page's session group; deps: {points (controls/points.js)}. */
export function bindMidRun(root, store, sessions, { points }) {
  const state = store.state;
  const message = root.querySelector('#csv-message');

  function listOf(events) {
    const shown = events.slice(0, MAX_LISTED).map((e) => `step ${e.step}: ${describeEvent(e)}`);
    if (events.length > MAX_LISTED) shown.push(`and ${events.length - MAX_LISTED} more`);
    return shown.join('; ');
  }

  /** True when nothing would be lost, or the user agreed to lose it. */
  function agree(lost, action) {
    if (!lost.length) return Promise.resolve(true);
    const n = lost.length === 1 ? 'One change made' : `${lost.length} changes made`;
    return confirmDialog(`${n} later in this run will be dropped (${listOf(lost)}) ${action}. Go on?`, { ok: 'Drop and go on', cancel: 'Keep them' });
  }

  /** Adds an event at its step (the step on screen); later events are dropped (after asking). */
  async function addEvent(event) {
    const k = event.step;
    if (!(await agree(eventsAfter(state.scenario, k), `if you change something at step ${k}`))) return false;
    return sessions.continueAt(withEvent(dropAfter(state.scenario, k), event), k);
  }

  /** The form changed a field: a mid-run event for optimizer-like fields, else a restart. */
  async function onFormChange(next, path) {
    const k = state.step;
    const value = getIn(next, path);
    if (isSetPath(path) && k > 0 && value !== null && value !== undefined) {
      // The value in force already (a second "change" of the same edit): nothing to record.
      if (JSON.stringify(getIn(effectiveScenario(state.scenario, k), path)) === JSON.stringify(value)) return true;
      const ok = await addEvent({ step: k, kind: 'set', changes: changesOf(path, value) });
      if (!ok) store.set({ formVersion: state.formVersion + 1 }); // show the values in force again
      return ok;
    }
    // A restart: the settings shown (with mid-run changes in force at this step) become the new
    // start. Weight edits, pruning and added points belong to the old run and are dropped; so
    // are later events. At step 0, a training setting keeps the other events of step 0.
    const events = eventsOf(state.scenario);
    const keepAtZero = k === 0 && isSetPath(path);
    const kept = keepAtZero ? events.filter((e) => e.step === 0 && e.kind !== 'set') : [];
    const lost = events.filter((e) => !kept.includes(e) && !(e.kind === 'set' && e.step <= k));
    if (!(await agree(lost, 'when the run restarts at step 0'))) {
      store.set({ formVersion: state.formVersion + 1 });
      return false;
    }
    const scenario = { ...next };
    if (kept.length) scenario.events = kept;
    else delete scenario.events;
    return sessions.loadScenario(scenario);
  }

  /** What an added point's label is: a class index, or ±1 for regression. */
  function pointMode() {
    const d = state.dataset;
    const data = state.scenario.dataset;
    const classes = classesOf(d);
    const regression = (state.snapshot?.output_activation ?? state.scenario.output_activation) === 'linear' || !classes;
    if (regression) return { mode: 'regression', classes: null, n: 0 };
    if (data.kind === 'points' && data.points?.targets) return { mode: 'targets', classes, n: classes.length };
    const n = data.kind === 'points' && data.points?.labels ? Math.max(classes.length, new Set(data.points.labels).size) : classes.length;
    return { mode: 'labels', classes, n };
  }

  /** A click on the output view: part of the data at step 0, an add_points event after it. */
  async function addPoint({ x, y, other }) {
    if (state.step === 0 && !eventsOf(state.scenario).length) return points.addPoint({ x, y, other });
    if (!state.dataset) return false;
    const { mode, classes, n } = pointMode();
    const c = Number(root.querySelector('#add-class')?.value) || 0;
    const cls = mode === 'regression' ? (other ? -1 : 1) : (other ? c + 1 : c) % Math.max(2, n);
    const k = state.step;
    const event = addPointsEvent(k, [{ x, y, cls }], { mode, classes });
    // Points clicked at the same step join one event.
    const last = eventsOf(state.scenario).at(-1);
    const merged = last && last.kind === 'add_points' && last.step === k && !!last.labels === !!event.labels;
    let scenario;
    if (merged) {
      const joined = { ...last, inputs: [...last.inputs, ...event.inputs] };
      if (event.labels) joined.labels = [...last.labels, ...event.labels];
      else joined.targets = [...last.targets, ...event.targets];
      scenario = { ...state.scenario, events: [...eventsOf(state.scenario).slice(0, -1), joined] };
    }
    const ok = merged ? await sessions.continueAt(scenario, k) : await addEvent(event);
    if (ok && message) message.textContent = `Added a point at (${x.toFixed(2)}, ${y.toFixed(2)}) to the training set at step ${k}.`;
    return ok;
  }

  // ---- the weight editor, in the inspector
  const editor = h('form', { cls: 'weight-edit', testid: 'weight-edit', attrs: { 'aria-label': 'Set a weight by hand' } });
  const editLabel = h('label', { attrs: { for: 'weight-input' } });
  const editInput = h('input', { testid: 'weight-input', attrs: { id: 'weight-input', type: 'number', step: 'any', required: '' } });
  const editBtn = h('button', { text: 'Set', testid: 'weight-set', attrs: { type: 'submit' } });
  const editNote = h('span', { cls: 'weight-note' });
  editor.append(editLabel, editInput, editBtn, editNote);
  editor.hidden = true;
  const inspectorBody = root.querySelector('#inspector-body');
  inspectorBody?.parentElement.insertBefore(editor, inspectorBody);

  function target() {
    const sel = state.selection;
    if (!sel || !state.params || sel.layer < 1) return null;
    const p = state.params[sel.layer - 1];
    if (!p) return null;
    if (sel.kind === 'edge') return { sel, value: p.W[sel.to]?.[sel.from], name: `w${sel.to}←${sel.from} of layer ${sel.layer}` };
    return { sel, value: p.b[sel.unit], name: `bias b${sel.unit} of layer ${sel.layer}` };
  }

  editor.addEventListener('submit', async (e) => {
    e.preventDefault();
    const t = target();
    const v = Number(editInput.value);
    if (!t || editInput.value === '' || !Number.isFinite(v)) {
      editNote.textContent = 'Type a number.';
      return;
    }
    const { sel } = t;
    const event = sel.kind === 'edge'
      ? { step: state.step, kind: 'set_weight', layer: sel.layer, to: sel.to, from: sel.from, value: v }
      : { step: state.step, kind: 'set_weight', layer: sel.layer, to: sel.unit, bias: true, value: v };
    editBtn.disabled = true;
    const ok = await addEvent(event);
    editBtn.disabled = false;
    editNote.textContent = ok ? `set at step ${event.step}` : '';
  });

  let editKey = null;
  function updateEditor() {
    const t = target();
    editor.hidden = !t;
    if (!t) return;
    const key = `${t.name}|${state.step}|${state.scenarioVersion}|${t.value}`;
    if (key === editKey) return;
    editKey = key;
    editLabel.textContent = `Set ${t.name} at step ${state.step} to`;
    if (document.activeElement !== editInput) editInput.value = t.value === null || t.value === undefined ? '' : full(t.value);
    editNote.textContent = '';
  }

  // ---- prune, in the view bar
  const pruneBox = h('span', { cls: 'prune' });
  const pruneInput = h('input', { testid: 'prune-fraction', attrs: { type: 'number', min: '0', max: '1', step: '0.05', value: '0.5', 'aria-label': 'Fraction of the weights to prune' } });
  const pruneBtn = h('button', { cls: 'small', text: '✂ Prune', testid: 'prune', attrs: { type: 'button', title: 'Set this fraction of the weights with the smallest |w| to 0, for good (an event at this step)' } });
  pruneBox.append(pruneBtn, pruneInput);
  root.querySelector('.view-bar')?.insertBefore(pruneBox, root.querySelector('#legend'));
  pruneBtn.addEventListener('click', () => {
    const f = Number(pruneInput.value);
    if (!(f >= 0 && f <= 1)) {
      pruneInput.setAttribute('aria-invalid', 'true');
      return;
    }
    pruneInput.removeAttribute('aria-invalid');
    addEvent({ step: state.step, kind: 'prune', fraction: f });
  });

  return {
    onFormChange,
    addPoint,
    addEvent,
    /** Draws the weight editor for the selection (after the frame, main.js). */
    update: updateEditor,
  };
}
