// + and − on the network itself, as TensorFlow Playground has them: above the hidden columns,
// one more or one fewer hidden layer; above each hidden column, one more or one fewer neuron.
// A click changes `hidden_layers` through the form's path (onLayers: a new run from step 0).
// The schema's limits (layers, units per layer) disable the buttons that would pass them.

/** Height of the two rows of controls, in CSS pixels (the network view keeps it free). */
export const NETWORK_CONTROLS_HEIGHT = 46;

/** The limits of `hidden_layers` from the scenario's schema. */
export function layerLimits(schema) {
  const d = schema?.properties?.hidden_layers ?? {};
  return {
    minLayers: d.minItems ?? 0,
    maxLayers: d.maxItems ?? Infinity,
    minUnits: d.items?.minimum ?? 1,
    maxUnits: d.items?.maximum ?? Infinity,
    defaultUnits: 4,
  };
}

/** The hidden layers after an action ('add-layer', 'remove-layer', 'add-neuron', 'remove-neuron'
 * of hidden layer `layer`, 1-based), or null when the limits forbid it. Pure. */
export function changeLayers(hidden, action, layer, lim) {
  if (action === 'add-layer') return hidden.length < lim.maxLayers ? [...hidden, Math.min(lim.maxUnits, hidden.at(-1) ?? lim.defaultUnits)] : null;
  if (action === 'remove-layer') return hidden.length > lim.minLayers ? hidden.slice(0, -1) : null;
  const k = layer - 1;
  if (k < 0 || k >= hidden.length) return null;
  const units = hidden[k] + (action === 'add-neuron' ? 1 : action === 'remove-neuron' ? -1 : 0);
  if (units === hidden[k] || units < lim.minUnits || units > lim.maxUnits) return null;
  return hidden.map((u, q) => (q === k ? units : u));
}

export function bindNetworkControls(container, { onLayers }) {
  const root = document.createElement('div');
  root.className = 'net-controls';
  root.dataset.testid = 'network-controls';
  container.appendChild(root);
  let key = null;
  let current = null; // {hidden, lim}
  let refocus = null; // the button clicked last: focused again once the new network is drawn

  // The network view would take a click on an edge under a button as a selection.
  root.addEventListener('click', (e) => {
    e.stopPropagation();
    const b = e.target.closest('button[data-action]');
    if (!b || b.disabled || !current) return;
    const next = changeLayers(current.hidden, b.dataset.action, Number(b.dataset.layer ?? 0), current.lim);
    if (!next) return;
    refocus = `${b.dataset.action}:${b.dataset.layer ?? ''}`;
    onLayers(next);
  });
  root.addEventListener('pointerover', (e) => e.stopPropagation());

  const button = (action, text, label, disabled, layer) => {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'net-btn';
    b.dataset.action = action;
    b.dataset.testid = action;
    if (layer !== undefined) b.dataset.layer = String(layer);
    b.textContent = text;
    b.title = label;
    b.setAttribute('aria-label', label);
    b.disabled = disabled;
    return b;
  };

  return {
    /** After the network view drew (layout: its columns), from the one render subscriber. */
    update(state, layout) {
      const hidden = state.scenario?.hidden_layers;
      const show = !!(layout && Array.isArray(hidden) && state.schema && !state.lecture && !state.scenario?.init?.params);
      const cols = layout?.cols ?? [];
      const k = show ? `${hidden.join(',')}|${cols.map((c) => c.toFixed(0)).join(',')}|${layout.width}` : 'off';
      if (k === key) return;
      key = k;
      root.hidden = !show;
      root.textContent = '';
      if (!show) return;
      const lim = layerLimits(state.schema);
      current = { hidden, lim };
      const L = cols.length - 1;
      // Layers: centred over the hidden columns (between input and output when there are none).
      const head = document.createElement('div');
      head.className = 'net-layers';
      head.dataset.testid = 'layer-controls';
      const span = L > 1 ? [cols[1], cols[L - 1]] : [cols[0], cols[L]];
      head.style.left = `${((span[0] + span[1]) / 2).toFixed(1)}px`;
      const count = document.createElement('span');
      count.className = 'net-count';
      count.textContent = `${hidden.length} hidden layer${hidden.length === 1 ? '' : 's'}`;
      head.append(
        button('remove-layer', '−', 'One fewer hidden layer (removes the last)', hidden.length <= lim.minLayers),
        button('add-layer', '+', 'One more hidden layer', hidden.length >= lim.maxLayers),
        count,
      );
      root.appendChild(head);
      for (let l = 1; l < L; l++) {
        const g = document.createElement('div');
        g.className = 'net-units';
        g.dataset.layer = String(l);
        g.style.left = `${cols[l].toFixed(1)}px`;
        const n = hidden[l - 1];
        g.append(
          button('remove-neuron', '−', `One fewer neuron in hidden layer ${l} (${n} now)`, n <= lim.minUnits, l),
          button('add-neuron', '+', `One more neuron in hidden layer ${l} (${n} now)`, n >= lim.maxUnits, l),
        );
        root.appendChild(g);
      }
      // The keyboard stays where it was: a second press adds (or removes) one more.
      const lost = !document.activeElement || document.activeElement === document.body;
      if (refocus && lost) {
        const [action, layer] = refocus.split(':');
        const again = root.querySelector(`button[data-action="${action}"]${layer ? `[data-layer="${layer}"]` : ''}`);
        if (again && !again.disabled) again.focus({ preventScroll: true });
      }
      refocus = null;
    },
  };
}
