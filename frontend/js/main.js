// Wiring only: build the store, the session group and the views, connect them, load the API's
// schema, presets and the default scenario. The one render subscriber is here.

import * as api from './api.js';
import { createStore } from './state.js';
import { createSession } from './session.js';
import { createSessionGroup } from './session-group.js';
import { defaultsFor, requestField, scenarioSchema } from './schema.js';
import { createNetworkView } from './render/network.js';
import { createOutputView } from './render/output.js';
import { createLegend } from './render/legend.js';
import { createStatus } from './render/status.js';
import { createHealth } from './render/health.js';
import { bindPin } from './controls/pin.js';
import { createScenarioForm } from './controls/scenario-form.js';
import { bindPlayback } from './controls/playback.js';
import { bindView } from './controls/view.js';
import { bindPresets } from './controls/presets.js';
import { bindPoints } from './controls/points.js';
import { bindShareAndTeach } from './teach.js';
import { loadAll, loadLater } from './later.js';
import { bindNetworkControls, NETWORK_CONTROLS_HEIGHT } from './controls/network-controls.js';
// Not needed for the first frame: loaded after the modules that are (later.js).
const createCharts = loadLater(() => import('./render/charts.js'), 'createCharts');
const createInspector = loadLater(() => import('./render/inspector.js'), 'createInspector');
const bindExport = loadLater(() => import('./controls/export.js'), 'bindExport');
// A live class's controls: at once on a class's page (/c/{code}), else after the first frame.
const loadLiveClass = () => import('./controls/live-class.js');
const onClassPage = location.pathname.startsWith('/c/');
const bindLiveClass = onClassPage ? (await loadLiveClass()).bindLiveClass : loadLater(loadLiveClass, 'bindLiveClass');

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
// The page's session leads a group: compare mode adds a second session that follows it.
const session = createSession(store, { api, afterFrame, onPlayStop: () => sessions.leadStopped() });
const sessions = createSessionGroup(session);
const select = (selection) => store.set({ selection });

// Hovering or focusing a neuron shows its heatmap large in the output view (state.preview).
const preview = (unit) => {
  const now = store.state.preview;
  if (now?.layer !== unit?.layer || now?.unit !== unit?.unit) store.set({ preview: unit });
};
const network = createNetworkView($('#network'), { onSelect: select, onHover: preview, headroom: NETWORK_CONTROLS_HEIGHT });
network.setOnResize(() => store.redraw());
// + and − on the network change the hidden layers as the form does (a new run from step 0).
const netControls = bindNetworkControls($('#network'), { onLayers: (hidden) => form.emit(['hidden_layers'], hidden) });
const points = bindPoints(document, store, sessions);
const output = createOutputView($('#output'), { onAddPoint: (p) => teach.addPoint(p) });
const legend = createLegend($('#legend'));
const charts = createCharts({ loss: $('#chart-loss'), grads: $('#chart-grads'), lr: $('#chart-lr'), logToggle: $('#loss-log') });
const inspector = createInspector($('#inspector-body'), { onSelect: select });
const status = createStatus(document, { onDismissError: () => store.set({ error: null }) });
const health = createHealth($('#health'));
const pin = bindPin(document, store);
const form = createScenarioForm($('#scenario-form'), {
  onChange: async (scenario, path) => {
    // A training setting changed mid-run is an event at this step; other fields restart.
    const ok = await teach.onFormChange(scenario, path);
    if (!ok) form.showErrors(store.state.error?.fields);
  },
});
const view = bindView(document, store, sessions);
const presets = bindPresets($('#presets'), store, sessions);
bindPlayback(document, store, sessions, { act: (action) => teach.act(action) });
bindExport(document, store, network);
const teach = bindShareAndTeach({ store, sessions, api, points, afterFrame });
const live = bindLiveClass({ store, sessions, api, teach, root: $('#class-tools') });
$('#inspector-close').addEventListener('click', () => select(null));

let stepAtClick = null;
document.querySelector('[data-testid="step"]').addEventListener('click', () => (stepAtClick = store.state.step), { capture: true });

// The frame after an action draws the network and the counters; the rest (output view, charts,
// inspector, form) follows in a task right after, so a Step shows in the very next frame.
// Renderers and controls only read the state here: none of them writes to a store.
let later = false;
function render(state, keys) {
  if (state !== store.state) {
    teach.compare.update(null); // the compared session's store changed (compare.js)
    return;
  }
  if (state.schema && state.scenario) {
    const animating = network.update(state);
    if (animating) requestAnimationFrame(() => store.redraw());
    netControls.update(state, network.layout);
    legend.update(state);
  }
  status.update(state);
  health.update(state);
  pin.update(state);
  teach.update(state, keys);
  live.update(state, keys);
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
const HEAVY = [(state) => network.updateThumbnails(state), (state) => output.update(state), (state) => charts.update(state, teach.compare.chartRuns())];
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
  const first = heavyTurn;
  for (let k = 0; k < HEAVY.length && drew < budget; k++) {
    const idx = (first + k) % HEAVY.length;
    if (HEAVY[idx](state)) {
      drew++;
      heavyTurn = idx + 1;
    }
  }
  if (drew >= budget && state.playing) requestAnimationFrame(() => store.redraw());
}
store.subscribe(render);
teach.compare.store.subscribe(render);

window.playground = {
  teach,
  live,
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
  /** The page's session group (the page's session, and the compared one in compare mode). */
  session: sessions,
  whenIdle: () => sessions.whenIdle(),
  /** Counters for the browser benchmark. */
  get stats() {
    return { thumbnailsDrawn: network.thumbnailsDrawn };
  },
  /** Draws the state again (after a test or a console session edited it in place). */
  redraw: () => store.redraw(),
  ready: null,
};

async function start() {
  const [openapi, presetList] = await Promise.all([api.getOpenApi(), api.getPresets().catch(() => [])]);
  const schema = scenarioSchema(openapi);
  sessions.setLimits({
    trainSteps: requestField(openapi, 'train', 'steps')?.maximum ?? 1000,
    resolution: Math.min(48, requestField(openapi, 'heatmaps', 'resolution')?.maximum ?? 48),
    playResolution: Math.min(32, requestField(openapi, 'heatmaps', 'resolution')?.maximum ?? 32),
    traceSamples: requestField(openapi, 'step', 'trace_samples')?.default ?? 32,
  });
  store.set({ openapi, schema, presets: presetList });
  // The view the address names (a fragment or a short link), else the API's default scenario.
  const opened = (await live.openInitial()) || (await teach.openInitial());
  if (!opened) await sessions.loadScenario(defaultsFor(schema));
  // Once the first frame is out, the modules it did not need (later.js): the page is ready when
  // they work too.
  await Promise.all([sessions.whenIdle(), new Promise((resolve) => afterFrame(resolve)).then(loadAll)]);
}

window.playground.ready = start().catch((err) => {
  store.set({ error: { message: `The page could not start: ${err.message}`, fields: [] } });
});
// The data sets' pictures are not needed for the first picture: fetched once the network is drawn.
window.playground.ready.then(() =>
  afterFrame(() =>
    api
      .getDatasetThumbnails()
      .then((answer) => form.setThumbnails(answer))
      .catch(() => {}), // without pictures the chooser names the kinds
  ),
);
