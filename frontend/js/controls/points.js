// Making a `points` dataset: click the output view to add a point of the chosen class
// (shift-click: the other class), or load a small CSV. Either starts a new scenario.

import { CsvError, parsePointsCsv } from '../csv.js';
import { fieldAt } from '../schema.js';

/** Distinct target vectors (the classes, in their API encoding), or null for regression. */
export function classesOf(dataset) {
  if (!dataset?.targets?.length) return null;
  const seen = new Map();
  for (const t of dataset.targets) {
    const k = JSON.stringify(t);
    if (!seen.has(k)) seen.set(k, t);
    if (seen.size > 16) return null;
  }
  // One-hot vectors sort by the position of their 1 (class 0 first), scalars by value.
  const rank = (t) => (t.length > 1 ? t.indexOf(Math.max(...t)) : t[0]);
  return [...seen.values()].sort((a, b) => rank(a) - rank(b));
}

export function bindPoints(root, store, sessions) {
  const classSel = root.querySelector('#add-class');
  const file = root.querySelector('#csv-file');
  const msg = root.querySelector('#csv-message');

  function pointsScenario(points) {
    const state = store.state;
    const next = structuredClone(state.scenario);
    next.dataset = { ...next.dataset, kind: 'points', points };
    // Keep the head the run had (explicit encodings alone would read as regression).
    if (state.snapshot?.output_activation) next.output_activation = state.snapshot.output_activation;
    if (state.snapshot?.loss) next.loss = state.snapshot.loss;
    return next;
  }

  async function addPoint({ x, y, other }) {
    const state = store.state;
    const d = state.dataset;
    if (!d) return;
    const classes = classesOf(d);
    const c = Number(classSel.value) || 0;
    const current = state.scenario.dataset;
    let points;
    if (current.kind === 'points' && current.points?.labels) {
      const n = new Set(current.points.labels).size;
      const label = other ? (c + 1) % Math.max(2, n) : c;
      points = { inputs: [...current.points.inputs, [x, y]], labels: [...current.points.labels, label] };
    } else {
      const base = current.kind === 'points' && current.points ? current.points : { inputs: d.inputs, targets: d.targets };
      let target;
      if (classes) target = classes[(other ? c + 1 : c) % classes.length];
      else target = [other ? -1 : 1];
      points = { inputs: [...base.inputs, [x, y]], targets: [...(base.targets ?? []), target] };
    }
    const ok = await sessions.loadScenario(pointsScenario(points));
    msg.textContent = ok ? `Added a point at (${x.toFixed(2)}, ${y.toFixed(2)}); the run restarted at step 0.` : '';
  }

  file.addEventListener('change', async () => {
    const f = file.files?.[0];
    if (!f) return;
    msg.classList.remove('bad');
    try {
      const maxRows = fieldAt(store.state.schema, ['dataset', 'points', 'inputs'])?.maxItems ?? 5000;
      const points = parsePointsCsv(await f.text(), { maxRows });
      const next = structuredClone(store.state.scenario);
      next.dataset = { ...next.dataset, kind: 'points', points };
      delete next.output_activation;
      delete next.loss;
      if (points.inputs[0].length !== 2) next.features = undefined;
      if (next.features === undefined) delete next.features;
      const ok = await sessions.loadScenario(next);
      msg.textContent = ok ? `Loaded ${points.inputs.length} points from ${f.name}.` : `The API refused ${f.name}; see the message above.`;
      if (!ok) msg.classList.add('bad');
    } catch (err) {
      msg.textContent = err instanceof CsvError ? `${f.name}: ${err.message}` : `${f.name} could not be read: ${err.message}`;
      msg.classList.add('bad');
    } finally {
      file.value = '';
    }
  });

  let key = null;
  let seen = null;
  return {
    addPoint,
    update(state) {
      if (state.dataset === seen && key !== null) return;
      seen = state.dataset;
      const classes = classesOf(state.dataset);
      const labels = state.scenario?.dataset?.points?.labels;
      const n = labels ? new Set(labels).size : classes ? classes.length : 0;
      const k = `${n}|${!!classes}`;
      if (k === key) return;
      key = k;
      const prev = classSel.value;
      classSel.textContent = '';
      if (n === 0) classSel.append(new Option('value +1 (shift: −1)', '0'));
      for (let c = 0; c < n; c++) classSel.append(new Option(`class ${c}`, String(c)));
      classSel.value = [...classSel.options].some((o) => o.value === prev) ? prev : '0';
    },
  };
}
