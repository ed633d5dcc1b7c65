// The network view: an SVG of nodes, biases and edges over a canvas of heatmap thumbnails.
// Data in (state), DOM out. Elements are built once per architecture and size; each frame
// only changes the attributes whose values changed. A network with many edges is drawn by
// level of detail: its edges are painted on the canvas (by the edge worker, as while playing),
// and its edge elements stay as invisible carriers of data-edge and data-weight.

import { full, fmt } from '../format.js';
import { colorDistance, HALO } from '../colors.js';
import { ANIM_MS, edgeStyles, nodeStyles, phaseView } from './edge-styles.js';
import { reveal } from '../phases.js';
import { edgeEnds, edgePath, layoutNetwork, nearestEdge } from './network-layout.js';
import { drawThumbnails, thumbnailTiles } from './thumbnails.js';
import { createEdgeCanvas, VISIBLE_COLOR } from './edge-canvas.js';
import { FONTS, labelCandidates, layerNameVariants, nodeBoxes, placeLabels } from './network-labels.js';
import { dropoutOf, paramCountText } from '../trace.js';

const SVG = 'http://www.w3.org/2000/svg';
// Lecture mode's larger numbers need more room beside the input and output columns; a phone's
// narrow screen needs every pixel for the columns.
const LECTURE_PADS = { padL: 96, padR: 92, padT: 60 };
const NARROW_PADS = { padL: 44, padR: 52 };
const NARROW_PX = 520;
/** More edges than this: they are painted on the canvas, at rest too (SVG is too slow). */
export const CANVAS_EDGES = 1200;

function el(name, attrs = {}, parent = null) {
  const e = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (parent) parent.appendChild(e);
  return e;
}

/** Sets an attribute only when it changes (cheap per-frame updates). */
function put(e, name, value) {
  if (e.getAttribute(name) !== value) e.setAttribute(name, value);
}

/**
 * onSelect(selection) on a click; onHover({layer, unit} | null) when the pointer or the keyboard
 * focus moves onto or off a neuron; headroom: pixels kept free above the layer names (for the
 * + and − controls drawn over the view, controls/network-controls.js), except in lecture mode.
 */
export function createNetworkView(container, { onSelect, onHover = null, headroom = 0 }) {
  const canvas = document.createElement('canvas');
  canvas.className = 'thumbs';
  canvas.setAttribute('aria-hidden', 'true');
  // Three SVG layers, each composited on its own: glows, edges and nodes. While training plays
  // only the edges change every frame, so only they are drawn again.
  const haloSvg = el('svg', { class: 'network-layer halos-layer', 'aria-hidden': 'true' });
  const edgeSvg = el('svg', { class: 'network-layer edges-layer', 'aria-hidden': 'true' });
  const svg = el('svg', { class: 'network-layer network', role: 'group', 'aria-label': 'Network: neurons and weighted connections' });
  container.append(canvas, haloSvg, edgeSvg, svg);
  const edgeCanvas = createEdgeCanvas(container, svg); // paints while training plays
  const measureCtx = document.createElement('canvas').getContext('2d');

  let built = null; // {key, layout, edges, nodes, dense, fonts, texts}
  let pads; // room beside the columns (lecture mode, narrow screens)
  let thumbsKey = null;
  let thumbnailsDrawn = 0; // for the browser benchmark: how often the thumbnails were refreshed
  let size = { w: container.clientWidth, h: container.clientHeight };
  let dirtySize = true;
  let hover = null; // {layer, unit} under the pointer or keyboard focus: its numbers are shown
  let lastState = null;
  let edgeData = null; // the hidden carriers of a dense network's data-edge and data-weight
  let lastInputs = null;
  let lastView = null;
  new ResizeObserver(() => {
    size = { w: container.clientWidth, h: container.clientHeight };
    dirtySize = true;
    onResize?.();
  }).observe(container);
  let onResize = null;

  const nodeOf = (t) => t?.closest?.('[data-node]')?.dataset.node.split(':').map(Number);
  container.addEventListener('click', (e) => {
    const edge = e.target.closest('[data-edge],[data-halo]');
    if (edge) {
      const [L, i, j] = (edge.dataset.edge ?? edge.dataset.halo).split(':').map(Number);
      onSelect({ kind: 'edge', layer: L, from: i, to: j });
      return;
    }
    const node = nodeOf(e.target);
    if (node) {
      onSelect({ kind: 'node', layer: node[0], unit: node[1] });
      return;
    }
    // Edges painted on the canvas: the one under the pointer.
    if (built?.dense) {
      const r = container.getBoundingClientRect();
      const k = nearestEdge(built.ends, e.clientX - r.left, e.clientY - r.top);
      if (k >= 0) onSelect({ kind: 'edge', layer: built.edges[k].l, from: built.edges[k].i, to: built.edges[k].j });
    }
  });
  const setHover = (next) => {
    if (next?.[0] === hover?.layer && next?.[1] === hover?.unit) return;
    hover = next && next[0] !== undefined ? { layer: next[0], unit: next[1] } : null;
    if (lastState) updateLabels(lastState);
    onHover?.(hover);
  };
  container.addEventListener('pointerover', (e) => setHover(nodeOf(e.target) ?? (e.target.closest?.('.val') ? [hover?.layer, hover?.unit] : null)));
  container.addEventListener('pointerleave', () => setHover(null));
  svg.addEventListener('focusin', (e) => setHover(nodeOf(e.target)));
  svg.addEventListener('focusout', () => setHover(null));
  // Tooltips are written when the pointer arrives, not every frame for every edge.
  let tip = null;
  container.addEventListener('pointerover', (e) => {
    const t = e.target.closest?.('[data-edge],[data-halo],[data-bias]');
    if (!t) return;
    tip ??= el('title');
    if (t.dataset.bias) {
      const [l, j] = t.dataset.bias.split(':');
      tip.textContent = `bias b${j} of layer ${l} = ${fmt(Number(t.dataset.value), 6)}`;
    } else {
      const id = t.dataset.edge ?? t.dataset.halo;
      const [l, i, j] = id.split(':');
      const w = container.querySelector(`[data-edge="${id}"]`)?.dataset.weight;
      tip.textContent = `w${j}←${i} of layer ${l} = ${fmt(Number(w), 6)} (click to explain)`;
    }
    t.appendChild(tip);
  });
  svg.addEventListener('keydown', (e) => {
    const node = nodeOf(e.target);
    if (node && (e.key === 'Enter' || e.key === ' ')) {
      e.preventDefault();
      e.stopPropagation();
      onSelect({ kind: 'node', layer: node[0], unit: node[1] });
    }
  });

  function build(sizes, names, outNames, fonts, bnLayers = []) {
    const layout = layoutNetwork(sizes, size.w, size.h, pads);
    for (const layer of [haloSvg, edgeSvg, svg]) {
      layer.textContent = '';
      put(layer, 'width', String(size.w));
      put(layer, 'height', String(size.h));
      put(layer, 'viewBox', `0 0 ${size.w} ${size.h}`);
    }
    let count = 0;
    for (let l = 1; l < sizes.length; l++) count += sizes[l] * sizes[l - 1];
    const dense = count > CANVAS_EDGES;
    const haloG = el('g', { class: 'halos' }, haloSvg);
    const edgeG = el('g', { class: 'edges' }, edgeSvg);
    // Dense: the edges' elements carry their data only (the canvas draws them), as plain hidden
    // HTML elements: writing thousands of attributes on SVG paths costs a frame.
    edgeData?.remove();
    edgeData = null;
    if (dense) {
      edgeData = document.createElement('div');
      edgeData.className = 'edge-data';
      edgeData.hidden = true;
      container.appendChild(edgeData);
    }
    const nodeG = el('g', { class: 'nodes' }, svg);
    const labelG = el('g', { class: 'layer-labels' }, svg);
    const edgeLabelG = el('g', { class: 'edge-labels' }, svg);
    const edges = [];
    const ends = new Float64Array(4 * count);
    for (let l = 1; l < sizes.length; l++) {
      for (let j = 0; j < sizes[l]; j++) {
        for (let i = 0; i < sizes[l - 1]; i++) {
          const a = layout.nodes[l - 1][i];
          const b = layout.nodes[l][j];
          const id = `${l}:${i}:${j}`;
          const e = { l, i, j, ends: edgeEnds(a, b), last: {}, cur: {} };
          ends.set(e.ends, 4 * edges.length);
          if (dense) {
            e.path = document.createElement('i');
            e.path.dataset.edge = id;
            edgeData.appendChild(e.path);
          }
          else {
            const d = edgePath(a, b);
            e.halo = el('path', { d, class: 'halo', 'data-halo': id, stroke: HALO }, haloG);
            e.path = el('path', { d, class: 'edge', 'data-edge': id, fill: 'none' }, edgeG);
          }
          edges.push(e);
        }
      }
    }
    const texts = new Map(); // label id -> {t, ox, oy, last}
    const text = (id, parent, cls, kind, ox = 0, oy = 0) => {
      const t = el('text', { class: cls }, parent);
      const [fs, fw] = fonts[kind];
      t.style.fontSize = `${fs}px`;
      t.style.fontWeight = String(fw);
      texts.set(id, { t, ox, oy, cls, last: {} });
      return t;
    };
    const L = sizes.length - 1;
    const nodes = sizes.map((n, l) =>
      Array.from({ length: n }, (_, j) => {
        const p = layout.nodes[l][j];
        const half = p.h;
        const g = el('g', {
          class: `node${l === 0 ? ' input' : ''}`,
          'data-node': `${l}:${j}`,
          transform: `translate(${p.x.toFixed(1)},${p.y.toFixed(1)})`,
          tabindex: '0',
          role: 'button',
        }, nodeG);
        const label = l === 0 ? `input ${names[j] ?? j}` : l === L ? `output ${outNames[j] ?? j}` : `layer ${l} unit ${j}`;
        g.setAttribute('aria-label', `${label}: explain`);
        const frame = el('rect', { class: 'frame', x: -half, y: -half, width: 2 * half, height: 2 * half, rx: Math.min(3, half / 2) }, g);
        let bias = null;
        if (l > 0) {
          const bs = Math.max(6, Math.round(half * 0.45));
          bias = el('rect', { class: 'bias', 'data-bias': `${l}:${j}`, x: -half - bs / 2, y: -half - bs / 2, width: bs, height: bs, rx: 1.5 }, g);
        }
        // A batch-normalized layer: z → BN → a drawn as a band on the node's right side, where
        // its output leaves (the normalization sits between z and the activation).
        let bnTag = null;
        if (bnLayers[l]) {
          const bw = Math.max(3, Math.round(half * 0.5));
          bnTag = el('rect', { class: 'bn-tag', 'data-bn': `${l}:${j}`, x: half - bw / 2, y: -half * 0.8, width: bw, height: 1.6 * half, rx: 1 }, g);
        }
        // A unit dropped for the selected sample: crossed out (hidden unless it is).
        const cross = el('path', { class: 'drop-cross', d: `M${-half * 0.7},${-half * 0.7}L${half * 0.7},${half * 0.7}M${half * 0.7},${-half * 0.7}L${-half * 0.7},${half * 0.7}` }, g);
        // Value lines first (line 0 is the first text.val of a node), then the name.
        for (let line = 0; line < 3; line++) text(`val:${l}:${j}:${line}`, g, line === 0 ? 'val' : 'val delta', 'val', p.x, p.y);
        if (l === 0 || (l === L && n > 1)) text(`name:${l}:${j}`, g, 'name', 'name', p.x, p.y);
        return { g, frame, bias, bnTag, cross, last: {} };
      }),
    );
    sizes.forEach((_, l) => text(`layer:${l}`, labelG, 'layer-name', 'layer'));
    text('loss', svg, 'loss-label', 'loss');
    bnLayers.forEach((on, l) => on && text(`bn:${l}`, labelG, 'bn-note', 'note'));
    text('params', labelG, 'param-count', 'note');
    const family = getComputedStyle(svg).fontFamily;
    const widths = new Map();
    // Text boxes as Chromium lays SVG text out: the advance width and the font's ascent and descent.
    const measure = (t, kind) => {
      const [fs, fw] = fonts[kind];
      const k = `${kind}|${t}`;
      let m = widths.get(k);
      if (!m) {
        measureCtx.font = `${fw} ${fs}px ${family}`;
        const r = measureCtx.measureText(t);
        m = { w: r.width, asc: r.fontBoundingBoxAscent ?? fs * 0.93, desc: r.fontBoundingBoxDescent ?? fs * 0.24 };
        widths.set(k, m);
      }
      return m;
    };
    return { layout, edges, ends, nodes, dense, fonts, texts, edgeLabelG, measure, obstacles: nodeBoxes(layout), labelsKey: null };
  }

  function update(state, now = performance.now()) {
    const { params, scenario } = state;
    if (!params || !scenario) return false;
    // A render for another part of the page (busy, history, charts) leaves a dense network as
    // it is: styling its thousands of edges again would cost a frame. (A small one is styled
    // every time, so an in-place edit and redraw() shows at once.)
    const inputs = [params, state.trace, state.phase, state.selection, state.colorMode, state.scales, state.playing, state.snapshot, state.lecture, state.scenarioVersion, state.sample, size.w, size.h, dirtySize];
    if (built?.dense && !lastView?.animating && lastInputs && inputs.every((v, k) => v === lastInputs[k])) return false;
    lastInputs = inputs;
    const t0 = performance.now();
    const animating = paint(state, now);
    // For the browser benchmark: how long the view's own work takes.
    performance.measure('network:update', { start: t0, end: performance.now() });
    return animating;
  }

  function paint(state, now) {
    const { params } = state;
    const sizes = [params[0].W[0]?.length ?? 0, ...params.map((p) => p.b.length)];
    const L = sizes.length - 1;
    const names = featureNames(state, sizes[0]);
    const outNames = Array.from({ length: sizes[L] }, (_, k) => (sizes[L] > 1 ? `ŷ${k}` : 'ŷ'));
    const bnLayers = normalizedLayers(state, L);
    const key = `${sizes.join('-')}|${names.join(',')}|${size.w}x${size.h}|${state.scenario.activation}|${state.snapshot?.output_activation ?? state.scenario.output_activation}|${state.lecture ? 'lecture' : ''}|${bnLayers.map(Number).join('')}`;
    const room = state.lecture ? 0 : headroom;
    pads = state.lecture ? LECTURE_PADS : size.w < NARROW_PX ? { ...NARROW_PADS, padT: 44 + room } : room ? { padT: 44 + room } : undefined;
    const fonts = state.lecture ? FONTS.lecture : size.w < NARROW_PX ? FONTS.narrow : FONTS.normal;
    const rebuilt = !built || built.key !== key || dirtySize;
    if (rebuilt) {
      built = { key, ...build(sizes, names, outNames, fonts, bnLayers), names, outNames, layerNames: layerNames(state, L, bnLayers) };
      dirtySize = false;
      thumbsKey = null;
      canvas.width = Math.round(size.w * devicePixelRatio);
      canvas.height = Math.round(size.h * devicePixelRatio);
      canvas.style.width = `${size.w}px`;
      canvas.style.height = `${size.h}px`;
      edgeCanvas.size(size.w, size.h);
      edgeCanvas.build(built.edges, HALO, built.layout);
      container.classList.toggle('dense', built.dense);
    }
    const dense = built.dense;
    // Thin edges where many share a strip: 64 edges between two columns may be 6 px wide, 1024 not.
    const perStrip = Math.max(1, ...sizes.slice(1).map((n, k) => n * sizes[k]));
    const view = phaseViewOf(state, L, now, { animate: !dense, maxWidth: Math.max(1, Math.min(6, 6 * Math.sqrt(64 / perStrip))) });
    const canvasDraws = state.playing || dense;
    const styles = edgeStyles(state, built.edges, view);
    built.edges.forEach((e, k) => {
      const style = styles[k];
      e.cur = style;
      const last = e.last;
      if (last.w !== style.w) {
        last.w = style.w;
        e.path.setAttribute('data-weight', full(style.w));
      }
      // While the canvas draws, it draws from `cur`; the hidden SVG catches up when play stops.
      if (canvasDraws) return;
      if (last.color !== style.color) e.path.setAttribute('stroke', (last.color = style.color));
      if (last.width !== style.width) e.path.setAttribute('stroke-width', String((last.width = style.width)));
      if (last.cls !== style.cls) e.path.setAttribute('class', (last.cls = style.cls));
      const haloCls = style.selected ? 'halo selected' : 'halo';
      if (last.haloCls !== haloCls) e.halo.setAttribute('class', (last.haloCls = haloCls));
      if (last.haloW !== style.haloW) e.halo.setAttribute('stroke-width', String((last.haloW = style.haloW)));
      if (last.haloO !== style.haloO) e.halo.setAttribute('stroke-opacity', String((last.haloO = style.haloO)));
    });
    const playing = state.playing;
    const nodes = nodeStyles(state, sizes, view);
    // Dropout: a unit dropped for the selected sample is drawn off, once the forward pass has
    // computed its layer (the mask is the trace's: training mode).
    const rvNow = view.rv;
    const showDrop = view.trace && !playing && !rvNow.update;
    const bnSub = rvNow.active?.sub === 'bn' ? rvNow.active.layer : 0;
    built.nodes.forEach((layerNodes, l) => {
      layerNodes.forEach((n, j) => {
        const last = n.last;
        let { cls, bias, b } = nodes[l][j];
        const maskShown = showDrop && l > 0 && l <= rvNow.forwardTo && !(rvNow.active?.kind === 'forward' && rvNow.active.layer === l && rvNow.active.sub && rvNow.active.sub !== 'a');
        if (maskShown && dropoutOf(view.trace, l, j, state.sample) === 0) cls += ' dropped';
        if (bnSub === l) cls += ' bn-active';
        if (last.cls !== cls) put(n.g, 'class', (last.cls = cls));
        if (n.bias) {
          // While playing, a bias is painted again when its colour visibly moved (as the edges
          // on the canvas are): each change repaints the node layer.
          const moved = playing && last.b !== undefined ? colorDistance(bias, last.b) > VISIBLE_COLOR : last.b !== bias;
          if (moved) put(n.bias, 'fill', (last.b = bias));
          if (last.bv !== b) {
            last.bv = b;
            n.bias.setAttribute('data-value', full(b));
          }
        }
      });
    });
    const wasPainting = edgeCanvas.active;
    edgeCanvas.render(canvasDraws, built.edges, [canvas, haloSvg, edgeSvg]);
    // The thumbnails change hands with the drawing: the worker gets them when it starts (or its
    // layout changes) and the canvas at rest when it stops, in this same frame.
    if (edgeCanvas.active !== wasPainting || (rebuilt && edgeCanvas.active)) updateThumbnails(state);
    lastLabels = { view, params };
    lastView = view;
    return view.animating;
  }

  // Numbers and names are written after the frame that moves the edges: text layout is the
  // costly part of a frame, and the edges matter first. Only what changed is written.
  let lastLabels = null;
  function updateLabels(state) {
    lastState = state;
    if (!lastLabels || !built) return;
    const { view, params } = lastLabels;
    const sel = state.selection;
    const focus = sel?.kind === 'node' ? { layer: sel.layer, unit: sel.unit } : sel?.kind === 'edge' ? { layer: sel.layer, unit: sel.to } : hover;
    const key = `${built.key}|${state.phase}|${state.step}|${state.sample}|${state.playing}|${view.trace?.fromStep}|${state.scenarioVersion}|${sel?.kind}:${sel?.layer}:${sel?.unit}:${sel?.from}:${sel?.to}|${focus?.layer}:${focus?.unit}|${view.trace ? 1 : 0}`;
    if (key === built.labelsKey && view.trace === built.labelsTrace) return;
    const t0 = performance.now();
    built.labelsKey = key;
    built.labelsTrace = view.trace;
    const sizes = built.nodes.map((n) => n.length);
    const labelTop = 4 + (state.lecture ? 0 : headroom);
    const paramText = paramCountText(params);
    const candidates = labelCandidates({ labelTop, state, view, layout: built.layout, sizes, params, focus, names: built.names, outNames: built.outNames, layerNames: built.layerNames, paramText });
    const placed = placeLabels(candidates, built.measure, { width: size.w, height: size.h, obstacles: built.obstacles });
    paintLabels(placed);
    performance.measure('network:labels', { start: t0, end: performance.now() });
  }

  function paintLabels(placed) {
    const seen = new Set();
    for (const p of placed) {
      let entry = built.texts.get(p.id);
      if (!entry && p.kind === 'edge') {
        const t = el('text', { class: 'edge-label' }, built.edgeLabelG);
        const [fs, fw] = built.fonts.edge;
        t.style.fontSize = `${fs}px`;
        t.style.fontWeight = String(fw);
        entry = { t, ox: 0, oy: 0, cls: 'edge-label', last: {} };
        built.texts.set(p.id, entry);
      }
      if (!entry) continue;
      seen.add(p.id);
      const { t, last } = entry;
      const x = (p.x - entry.ox).toFixed(1);
      const y = (p.y - entry.oy).toFixed(1);
      const cls = p.cls ?? entry.cls;
      if (last.x !== x) t.setAttribute('x', (last.x = x));
      if (last.y !== y) t.setAttribute('y', (last.y = y));
      if (last.anchor !== p.anchor) t.setAttribute('text-anchor', (last.anchor = p.anchor));
      if (last.cls !== cls) t.setAttribute('class', (last.cls = cls));
      if (last.text !== p.text) t.textContent = last.text = p.text;
    }
    for (const [id, entry] of built.texts) {
      if (!seen.has(id) && entry.last.text) entry.t.textContent = entry.last.text = '';
    }
  }

  /**
   * Heatmap thumbnails, drawn apart from the frame-by-frame update; true when it drew. While
   * the canvas draws (playing, or a dense network), the edge worker gets them as pixel tiles.
   */
  function updateThumbnails(state) {
    if (!built) return false;
    const painting = edgeCanvas.active;
    const hk = `${built.key}|${state.heatmaps?.step}|${state.heatmaps?.layers?.length}|${state.scales?.heat}|${state.scenarioVersion}|${painting}`;
    if (hk === thumbsKey) return false;
    thumbsKey = hk;
    if (painting) edgeCanvas.tiles(thumbnailTiles(built.layout, state));
    else drawThumbnails(canvas, built.layout, state);
    thumbnailsDrawn++;
    return true;
  }

  return {
    update,
    updateThumbnails,
    /** Where the columns and nodes are now (network-layout.js), or null before the first draw. */
    get layout() {
      return built?.layout ?? null;
    },
    get thumbnailsDrawn() {
      return thumbnailsDrawn;
    },
    updateLabels,
    svg,
    layers: [haloSvg, edgeSvg, svg],
    canvas,
    setOnResize(fn) {
      onResize = fn;
    },
  };
}

/**
 * edge-styles.js's phaseView, with the phase read against the trace's layers (phases.js): a
 * batch-normalized layer's sub-phases shift every later phase index, the update's included.
 */
function phaseViewOf(state, L, now, opts) {
  // phaseView counts phases by L alone: asked at rest (a valid index for any network), then
  // the phase itself is read here.
  const view = phaseView({ trace: state.trace, phase: -1, animStart: state.animStart }, L, now, opts);
  if (!view.trace) return { ...view, ready: state.phase < 0 };
  const rv = reveal(state.phase, view.trace.layers);
  const animT = rv.update && opts.animate !== false ? Math.min(1, (now - state.animStart) / ANIM_MS) : 1;
  return { ...view, rv, ready: state.phase < 0, animating: rv.update && animT < 1, ease: animT < 1 ? 0.5 - 0.5 * Math.cos(Math.PI * animT) : 1 };
}

/** Names of the input columns: the scenario's features (2-D data) or x1…xn. */
export function featureNames(state, n) {
  const feats = state.scenario?.features ?? state.schema?.properties?.features?.default;
  if (Array.isArray(feats) && feats.length === n) return feats;
  return Array.from({ length: n }, (_, k) => `x${k + 1}`);
}

function layerNames(state, L, bn) {
  const act = state.scenario.activation ?? state.schema?.properties?.activation?.default ?? '';
  const out = state.snapshot?.output_activation || state.scenario.output_activation;
  return layerNameVariants(L, act, out, bn);
}

/** [false, normalized(layer 1), …]: the hidden layers of a scenario with batch normalization. */
export function normalizedLayers(state, L) {
  const on = state.scenario?.normalization?.kind === 'batch';
  return Array.from({ length: L + 1 }, (_, l) => on && l > 0 && l < L);
}
