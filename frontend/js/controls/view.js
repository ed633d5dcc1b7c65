// View options: the edge colour mode, rescaling the fixed colour scales, the selected sample,
// and the loss chart's log toggle. DOM events -> state.

import { COLOR_MODES } from '../state.js';
import { tracedSamples } from '../trace.js';
import { fmt } from '../format.js';

export function bindView(root, store, sessions) {
  const mode = root.querySelector('[data-testid="color-mode"]');
  const labels = { weight: 'weight w', gradient: 'gradient |∂L/∂w|', update: 'update Δw' };
  for (const m of COLOR_MODES) mode.append(new Option(labels[m], m));
  mode.value = store.state.colorMode;
  mode.addEventListener('change', () => store.set({ colorMode: mode.value }));

  root.querySelector('#rescale').addEventListener('click', () => sessions.rescale());

  const sampleSelect = root.querySelector('#sample');
  sampleSelect.addEventListener('change', () => store.set({ sample: Number(sampleSelect.value) }));
  let key = null;
  return {
    update(state) {
      if (mode.value !== state.colorMode) mode.value = state.colorMode;
      const t = state.trace;
      const n = tracedSamples(t);
      const k = `${t?.fromStep}|${state.scenarioVersion}|${n}`;
      if (k !== key) {
        key = k;
        sampleSelect.textContent = '';
        for (let index = 0; index < n; index++) {
          const x = t.batch.inputs[index];
          const label = `#${index} · row ${t.batch.indices[index]} (${x.slice(0, 3).map((v) => fmt(v, 2)).join(', ')}${x.length > 3 ? ', …' : ''})`;
          sampleSelect.append(new Option(label, String(index)));
        }
      }
      const v = String(Math.min(state.sample, Math.max(0, n - 1)));
      if (sampleSelect.value !== v) sampleSelect.value = v;
    },
  };
}
