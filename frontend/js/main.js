// Wiring only: build the store, the session and the views, connect them, load the API's schema,
// presets and the default scenario.

import * as api from './api.js';
import { createStore } from './state.js';
import { createSession } from './session.js';
import { defaultsFor, fieldAt, requestField, scenarioSchema } from './schema.js';
import { createNetworkView } from './render/network.js';
import { createOutputView } from './render/output.js';
import { createLegend } from './render/legend.js';
import { createCharts } from './render/charts.js';
import { createInspector } from './render/inspector.js';
import { createStatus } from './render/status.js';
import { createScenarioForm } from './controls/scenario-form.js';
import { bindPlayback } from './controls/playback.js';
import { bindView } from './controls/view.js';
import { bindPresets } from './controls/presets.js';
import { bindExport } from './controls/export.js';
import { bindPoints } from './controls/points.js';
import { bindShareAndTeach } from './teach.js';

const $ = (sel) => document.querySelector(sel);

/** "Frame drawn": a task posted after the frame's DOM work runs once that frame is rendered. */
const afterPaint = (fn) => {
  const ch = new MessageChannel();
  ch.port1.onmessage = fn;
  ch.port2.postMessage(0);
};
/** Runs fn once the next frame is out: background work never delays what a click shows. */
const afterFrame = (fn) => requestAnimationFrame(() => afterPaint(fn));

const store = createStore();
const session = createSession(store, { afterFrame });
const select = (selection) => store.set({ selection });

const network = createNetworkView($('#network'), { onSelect: select });
network.setOnResize(() => store.touch('params'));
const points = bindPoints(document, store, session);
const output = createOutputView($('#output'), { onAddPoint: (p) => teach.addPoint(p) });
const legend = createLegend($('#legend'));
const charts = createCharts({ loss: $('#chart-loss'), grads: $('#chart-grads'), lr: $('#chart-lr'), logToggle: $('#loss-log') });
const inspector = createInspector($('#inspector-body'), { onSelect: select });
const status = createStatus(document, { onDismissError: () => store.set({ error: null }) });
const form = createScenarioForm($('#scenario-form'), {
  onChange: async (scenario, path) => {
    // A training setting changed mid-run is an event at this step; other fields restart.
    const ok = await teach.onFormChange(scenario, path);
    if (!ok) form.showErrors(store.state.error?.fields);
  },
});
const view = bindView(document, store, session);
const presets = bindPresets($('#presets'), store, session);
bindPlayback(document, store, session);
bindExport(document, store, network);
const teach = bindShareAndTeach({ store, session, points, afterFrame });
$('#inspector-close').addEventListener('click', () => select(null));

let stepAtClick = null;
document.querySelector('[data-testid="step"]').addEventListener('click', () => (stepAtClick = store.state.step), { capture: true });

// The frame after an action draws the network and the counters; the rest (output view, charts,
// inspector, form) follows in a task right after, so a Step shows in the very next frame.
let later = false;
function render(state) {
  if (state.schema && state.scenario) {
    const animating = network.update(state);
    if (animating) requestAnimationFrame(() => store.touch('animStart'));
    legend.update(state);
  }
  status.update(state);
  $('#inspector').classList.toggle('has-selection', !!state.selection);
  const measure = stepAtClick !== null && state.step !== stepAtClick;
  if (measure) stepAtClick = null;
  if (!later || measure) {
    later = true;
    afterPaint(() => {
      if (measure) {
        performance.mark('step:drawn');
        performance.measure('step', 'step:click', 'step:drawn');
      }
      if (!later) return;
      later = false;
      renderLater(store.state);
    });
  }
}
// The heavy side panels take turns: at most one of thumbnails, output view and a chart is
// redrawn after a frame; if one did, the others get the next frame.
const HEAVY = [(s) => !window.__noThumbs && network.updateThumbnails(s), (s) => !window.__noOut && output.update(s), (s) => !window.__noCharts && charts.update(s)];
let heavyTurn = 0;
function renderLater(state) {
  status.updateLater(state);
  if (!state.schema || !state.scenario) return;
  network.updateLabels(state);
  view.update(state);
  inspector.update(state);
  form.update(state);
  presets.update(state);
  points.update(state);
  const budget = state.playing ? 1 : HEAVY.length;
  let drew = 0;
  for (let k = 0; k < HEAVY.length && drew < budget; k++) {
    const idx = (heavyTurn + k) % HEAVY.length;
    if (HEAVY[idx](state)) {
      drew++;
      heavyTurn = idx + 1;
    }
  }
  if (drew >= budget && state.playing) requestAnimationFrame(() => store.touch('heatmaps'));
}
store.subscribe(render);

window.playground = {
  teach,
  get scenario() {
    return store.state.scenario;
  },
  get step() {
    return store.state.step;
  },
  get phase() {
    return store.state.phase;
  },
  get state() {
    return store.state;
  },
  session,
  whenIdle: () => session.whenIdle(),
  /** Counters for the browser benchmark. */
  get stats() {
    return { thumbnailsDrawn: network.thumbnailsDrawn };
  },
  /** Draws the state again (after a test or a console session edited it in place). */
  redraw: () => store.touch('params'),
  ready: null,
};

async function start() {
  const [openapi, presetList] = await Promise.all([api.getOpenApi(), api.getPresets().catch(() => [])]);
  const schema = scenarioSchema(openapi);
  session.setLimits({
    trainSteps: requestField(openapi, 'train', 'steps')?.maximum ?? 1000,
    resolution: Math.min(48, requestField(openapi, 'heatmaps', 'resolution')?.maximum ?? 48),
    playResolution: Math.min(32, requestField(openapi, 'heatmaps', 'resolution')?.maximum ?? 32),
    traceSamples: requestField(openapi, 'step', 'trace_samples')?.default ?? 32,
  });
  store.set({ openapi, schema, presets: presetList });
  // The view the address names (a fragment or a short link), else the API's default scenario.
  if (!(await teach.openInitial())) await session.loadScenario(defaultsFor(schema));
  await session.whenIdle();
}

window.playground.ready = start().catch((err) => {
  store.set({ error: { message: `The page could not start: ${err.message}`, fields: [] } });
});
