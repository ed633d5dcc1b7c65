// The scenario form, built from the API's schema: one control per field, with the schema's
// choices, defaults and limits. A change goes to onChange (mid-run.js: an event at the step on
// screen, or a new run from step 0). What TensorFlow Playground shows is always in view: the
// data sets and the features as pictures (pickers.js), the activation, the learning rate, the
// regularization and the batch size; every other field is in "Advanced settings", folded until
// opened (and kept open while the page lives). The hidden layers are changed on the network
// (network-controls.js) and, field by field, in the advanced settings.

import { appliesTo, checkValue, numericLimits } from '../schema.js';
import { effectiveScenario, eventsOf } from '../events.js';
import { createDatasetPicker, createFeaturePicker } from './pickers.js';

/** The fields shown outside the fold, in this order (the data and the features come first). */
export const ESSENTIAL_DATA = [['dataset', 'noise'], ['dataset', 'train_fraction']];
export const ESSENTIAL = [['activation'], ['optimizer', 'lr'], ['regularization'], ['batch_size']];
const ESSENTIAL_KEYS = new Set([...ESSENTIAL_DATA, ...ESSENTIAL].map((p) => p.join('.')));
const DEFAULT_EXTENT = [-6, 6, -6, 6];

const GROUPS = {
  dataset: 'Data', features: 'Data',
  hidden_layers: 'Network', activation: 'Network', output_activation: 'Network', loss: 'Network', init: 'Network', train_biases: 'Network', normalization: 'Network',
  optimizer: 'Training', schedule: 'Training', regularization: 'Training', clip: 'Training', batch_size: 'Training', dropout: 'Training',
};
// Fields the form does not edit: bookkeeping, explicit data and weights (set by other tools),
// and mid-run events (mid-run.js makes those).
const SKIP = new Set(['format_version', 'title', 'events', 'dataset.points', 'init.params']);
const LABELS = { n_samples: 'samples', train_fraction: 'train fraction', hidden_layers: 'hidden layers', output_activation: 'output', train_biases: 'train biases', batch_size: 'batch size', lr: 'learning rate', weight_decay: 'weight decay', step_size: 'step size', total_steps: 'total steps', min_lr: 'min lr', max_lr: 'max lr', warmup_steps: 'warm-up steps', beta1: 'β₁', beta2: 'β₂', alpha: 'α', eps: 'ε', init: 'initialization', clip: 'gradient clipping', normalization: 'normalization', dropout: 'dropout' };

export function getIn(obj, path) {
  return path.reduce((o, k) => (o === undefined || o === null ? undefined : o[k]), obj);
}

/** A copy of obj with path set to value (null deletes the key: the API's default then applies). */
export function setIn(obj, path, value) {
  const out = structuredClone(obj);
  let o = out;
  for (const k of path.slice(0, -1)) {
    if (o[k] === undefined || o[k] === null) o[k] = {};
    o = o[k];
  }
  if (value === null) delete o[path.at(-1)];
  else o[path.at(-1)] = value;
  return out;
}

// Objects take their field's name (a referenced model's title is its class name, e.g. "InitSpec").
const labelOf = (name, d) => LABELS[name] ?? (d.title && d.type !== 'object' ? d.title.toLowerCase() : name.replace(/_/g, ' '));

export function createScenarioForm(form, { onChange }) {
  let schema = null;
  let scenario = null;
  let rendered = null;
  let resolved = {}; // what "auto" resolved to for the run on screen: {output_activation, loss}
  let advancedOpen = false; // the fold, as the user left it (the form is built again on changes)
  let extent = DEFAULT_EXTENT; // the input plane, for the features' pictures
  let essentialPass = false; // building the essentials: their fields are not skipped

  form.addEventListener('submit', (e) => e.preventDefault());
  const datasets = createDatasetPicker({ onPick: (kind) => emit(['dataset', 'kind'], kind) });
  const features = createFeaturePicker({
    onToggle: (opt) => {
      const d = schema.properties.features;
      const value = scenario.features ?? d.default ?? [];
      const on = !value.includes(opt);
      // Keep the schema's order, so the same set always gives the same input layer.
      const next = d.items.enum.filter((o) => (o === opt ? on : value.includes(o)));
      if (next.length < (d.minItems ?? 0)) return;
      emit(['features'], next);
    },
  });
  const featureNote = (columns) => {
    const note = document.createElement('p');
    note.className = 'field-note';
    note.dataset.field = 'features';
    note.textContent = `features: the data has ${columns} input columns, used as they are`;
    return note;
  };

  function emit(path, value) {
    let next = setIn(scenario, path, value);
    // New data may need another head: let the API choose output and loss for it again.
    if (path.join('.') === 'dataset.kind') {
      for (const k of ['output_activation', 'loss']) if (schema.properties[k]?.nullable) delete next[k];
      if (value !== 'points' && next.dataset?.points) next = setIn(next, ['dataset', 'points'], null);
    }
    onChange(next, path);
  }

  function control(name, d, path, parent) {
    const key = path.join('.');
    if (SKIP.has(key) || key === 'features') return; // the features: their pictures (essentials)
    if (!essentialPass && ESSENTIAL_KEYS.has(key)) return;
    const id = `f-${path.join('-')}`;
    const value = getIn(scenario, path) ?? d.default;
    const row = document.createElement('div');
    row.className = `field field-${d.type}`;
    row.dataset.field = key;
    const label = document.createElement('label');
    label.htmlFor = id;
    label.textContent = labelOf(name, d);
    if (d.description) label.title = d.description;
    let input;
    if (d.type === 'enum' || (d.type === 'union' && !d.discriminator)) {
      input = document.createElement('select');
      if (d.nullable) input.append(new Option(autoLabel(name, d), ''));
      for (const v of d.enum ?? []) input.append(new Option(String(v).replace(/_/g, ' '), String(v)));
      input.value = value === null || value === undefined ? '' : String(value);
      input.addEventListener('change', () => {
        const raw = input.value;
        const v = raw === '' ? null : d.enum.find((e) => String(e) === raw);
        emit(path, v);
      });
    } else if (d.type === 'boolean') {
      input = document.createElement('input');
      input.type = 'checkbox';
      input.checked = !!value;
      input.addEventListener('change', () => emit(path, input.checked));
      row.classList.add('inline');
    } else if (d.type === 'number' || d.type === 'integer') {
      input = numberInput(d, value, (v) => emit(path, v));
    } else if (d.type === 'array' && (d.items?.type === 'integer' || d.items?.type === 'number')) {
      row.append(layerEditor(name, d, path, value ?? []));
      parent.appendChild(row);
      return;
    } else if (d.type === 'object' && d.properties) {
      objectGroup(name, d, path, parent);
      return;
    } else if (d.type === 'string') {
      input = document.createElement('input');
      input.type = 'text';
      input.value = value ?? '';
      if (d.maxLength) input.maxLength = d.maxLength;
      input.addEventListener('change', () => emit(path, input.value || null));
    } else {
      return;
    }
    input.id = id;
    input.name = key;
    if (d.description) input.title = d.description;
    row.append(label, input);
    if (key === 'dataset.seed' || key === 'init.seed') row.append(reseedButton(d, path, value));
    const err = document.createElement('span');
    err.className = 'field-error';
    err.setAttribute('aria-live', 'polite');
    row.append(err);
    parent.appendChild(row);
  }

  /** "auto: softmax" once the API has said what auto resolves to for this data; until then
   * the schema's description of the rule. */
  function autoLabel(name, d) {
    const now = resolved[name];
    if (now) return `auto: ${String(now).replace(/_/g, ' ')}`;
    return d.description?.startsWith('default') ? `auto (${d.description.replace(/^default[^:]*:\s*/, '')})` : 'auto';
  }

  function numberInput(d, value, commit) {
    const input = document.createElement('input');
    input.type = 'number';
    const lim = numericLimits(d);
    if (lim.min !== undefined) input.min = String(lim.min);
    if (lim.max !== undefined) input.max = String(lim.max);
    input.step = String(lim.step);
    input.value = value === undefined || value === null ? '' : String(value);
    input.addEventListener('change', () => {
      const v = input.value === '' ? NaN : Number(input.value);
      const problem = checkValue(d, v);
      const err = input.parentElement?.querySelector('.field-error');
      if (problem) {
        input.setAttribute('aria-invalid', 'true');
        if (err) err.textContent = problem;
        return;
      }
      input.removeAttribute('aria-invalid');
      if (err) err.textContent = '';
      commit(v);
    });
    return input;
  }

  function reseedButton(d, path, value) {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'small';
    b.textContent = '↻';
    b.title = path[0] === 'dataset' ? 'Regenerate the data (new seed)' : 'New initial weights (new seed)';
    b.setAttribute('aria-label', b.title);
    b.addEventListener('click', () => {
      const max = d.maximum ?? 2 ** 31 - 1;
      emit(path, ((Number(value) || 0) + 1) % (max + 1));
    });
    return b;
  }

  function layerEditor(name, d, path, value) {
    const fs = document.createElement('fieldset');
    fs.className = 'layers';
    const lg = document.createElement('legend');
    lg.textContent = `${labelOf(name, d)} (${value.length})`;
    fs.append(lg);
    value.forEach((units, k) => {
      const inp = numberInput(d.items, units, (v) => emit(path, value.map((u, q) => (q === k ? v : u))));
      inp.setAttribute('aria-label', `units in hidden layer ${k + 1}`);
      inp.className = 'units';
      fs.append(inp);
    });
    const add = document.createElement('button');
    add.type = 'button';
    add.className = 'small';
    add.textContent = '+';
    add.setAttribute('aria-label', 'Add a hidden layer');
    add.disabled = d.maxItems !== undefined && value.length >= d.maxItems;
    add.addEventListener('click', () => emit(path, [...value, value.at(-1) ?? d.items.default ?? 4]));
    const rm = document.createElement('button');
    rm.type = 'button';
    rm.className = 'small';
    rm.textContent = '−';
    rm.setAttribute('aria-label', 'Remove the last hidden layer');
    rm.disabled = value.length <= (d.minItems ?? 0);
    rm.addEventListener('click', () => emit(path, value.slice(0, -1)));
    const err = document.createElement('span');
    err.className = 'field-error';
    fs.append(rm, add, err);
    return fs;
  }

  function objectGroup(name, d, path, parent) {
    const fs = document.createElement('fieldset');
    fs.className = 'group';
    fs.dataset.field = path.join('.');
    const lg = document.createElement('legend');
    lg.textContent = labelOf(name, d);
    fs.append(lg);
    // A "kind"/"scheme" enum picks which sibling fields apply (their descriptions name the kinds).
    const selector = Object.entries(d.properties).find(([n, p]) => (n === 'kind' || n === 'scheme') && p.type === 'enum');
    const current = selector ? getIn(scenario, [...path, selector[0]]) ?? selector[1].default : null;
    for (const [n, p] of Object.entries(d.properties)) {
      if (selector && n !== selector[0]) {
        const kinds = p['x-applies-to'] ?? p.applies_to;
        const set = Array.isArray(kinds) ? new Set(kinds) : appliesTo(p, selector[1].enum);
        if (set && !set.has(current)) continue;
      }
      control(n, p, [...path, n], fs);
    }
    parent.appendChild(fs);
  }

  /** The controls of some fields, each where it applies (a field of an object with a "kind"
   * applies to the kinds its description names, as in objectGroup). */
  function fields(paths, parent) {
    for (const path of paths) {
      let d = schema;
      for (const p of path) d = d?.properties?.[p];
      if (!d) continue;
      if (path.length === 2) {
        const owner = schema.properties[path[0]];
        const sel = owner?.properties?.kind;
        if (sel?.type === 'enum') {
          const kinds = d['x-applies-to'] ?? d.applies_to;
          const set = Array.isArray(kinds) ? new Set(kinds) : appliesTo(d, sel.enum);
          if (set && !set.has(getIn(scenario, [path[0], 'kind']) ?? sel.default)) continue;
        }
      }
      control(path.at(-1), d, path, parent);
    }
  }

  /** Data sets, features and the essential fields, always in view. */
  function essentials() {
    const box = document.createElement('div');
    box.className = 'essentials';
    const title = (t, hint) => {
      const h = document.createElement('h2');
      h.className = 'essentials-title';
      h.textContent = t;
      if (hint) {
        const s = document.createElement('span');
        s.className = 'essentials-hint';
        s.textContent = ` ${hint}`;
        h.append(s);
      }
      box.append(h);
    };
    const kindDesc = schema.properties.dataset?.properties?.kind;
    title('Data', 'which data set?');
    datasets.update(kindDesc?.enum, scenario.dataset?.kind ?? kindDesc?.default);
    box.append(datasets.el);
    essentialPass = true;
    fields(ESSENTIAL_DATA, box);
    essentialPass = false;
    const fd = schema.properties.features;
    const columns = scenario?.dataset?.points?.inputs?.[0]?.length;
    if (fd) {
      title('Features', 'which inputs?');
      if (columns !== undefined && columns !== 2) {
        // Features are made from two input columns; other data goes in as it is.
        box.append(featureNote(columns));
      } else {
        const row = document.createElement('div');
        row.className = 'field field-array';
        row.dataset.field = 'features';
        features.update(fd.items?.enum ?? [], scenario.features ?? fd.default ?? [], extent);
        row.append(features.el);
        box.append(row);
      }
    }
    title('Training');
    essentialPass = true;
    fields(ESSENTIAL, box);
    essentialPass = false;
    return box;
  }

  function render() {
    if (!schema || !scenario) return;
    const focusedId = document.activeElement?.id;
    form.textContent = '';
    form.append(essentials());
    const fold = document.createElement('details');
    fold.className = 'advanced';
    fold.dataset.testid = 'advanced-settings';
    fold.open = advancedOpen;
    fold.addEventListener('toggle', () => (advancedOpen = fold.open));
    const foldSummary = document.createElement('summary');
    foldSummary.textContent = 'Advanced settings';
    const foldNote = document.createElement('span');
    foldNote.className = 'advanced-note';
    foldNote.textContent = 'sample count, seeds, layer sizes, output and loss, initialization, normalization, optimizer, schedule, clipping, dropout';
    foldSummary.append(foldNote);
    fold.append(foldSummary);
    form.append(fold);
    const groups = new Map();
    const groupEl = (title) => {
      if (!groups.has(title)) {
        const det = document.createElement('details');
        det.open = true;
        det.className = 'form-group';
        const sum = document.createElement('summary');
        sum.textContent = title;
        det.append(sum);
        fold.append(det);
        groups.set(title, det);
      }
      return groups.get(title);
    };
    for (const t of ['Data', 'Network', 'Training']) groupEl(t);
    for (const [name, d] of Object.entries(schema.properties)) {
      if (SKIP.has(name)) continue;
      control(name, d, [name], groupEl(GROUPS[name] ?? 'More'));
    }
    if (focusedId) document.getElementById(focusedId)?.focus();
  }

  /** Marks the fields a 422 named. */
  function showErrors(fields) {
    form.querySelectorAll('[aria-invalid]').forEach((e) => e.removeAttribute('aria-invalid'));
    form.querySelectorAll('.field-error').forEach((e) => (e.textContent = ''));
    for (const f of fields ?? []) {
      let path = f.field;
      let row = null;
      while (path && !row) {
        row = form.querySelector(`[data-field="${CSS.escape(path)}"]`);
        path = path.includes('.') ? path.slice(0, path.lastIndexOf('.')) : '';
      }
      if (!row) continue;
      row.querySelector('input,select')?.setAttribute('aria-invalid', 'true');
      const err = row.querySelector('.field-error');
      if (err) err.textContent = f.message;
    }
  }

  return {
    update(state) {
      // The settings in force at the step shown: the scenario with its mid-run changes up to it.
      const inForce = eventsOf(state.scenario).flatMap((e, n) => (e.kind === 'set' && e.step <= state.step ? [n] : []));
      const head = state.snapshot ? `${state.snapshot.output_activation}/${state.snapshot.loss}` : '';
      const key = `${state.scenarioVersion}|${inForce.join(',')}|${state.formVersion}|${head}`;
      // The features' pictures follow the data's plane (it comes after the scenario).
      const plane = state.dataset?.extent ?? state.heatmaps?.extent ?? DEFAULT_EXTENT;
      if (plane.join(',') !== extent.join(',')) {
        extent = plane;
        const fd = schema?.properties?.features;
        if (fd && scenario && key === rendered) features.update(fd.items?.enum ?? [], scenario.features ?? fd.default ?? [], extent);
      }
      if (state.schema === schema && key === rendered) return;
      schema = state.schema;
      resolved = { output_activation: state.snapshot?.output_activation, loss: state.snapshot?.loss };
      scenario = inForce.length ? effectiveScenario(state.scenario, state.step) : state.scenario;
      if (rendered !== key) {
        rendered = key;
        render();
      }
    },
    showErrors,
    rerender: () => render(),
    /** A change made elsewhere (the + and − on the network) through the form's own path. */
    emit: (path, value) => scenario && emit(path, value),
    /** The data sets' pictures (GET /dataset-thumbnails), when they arrive. */
    setThumbnails: (answer) => datasets.setThumbnails(answer),
  };
}
