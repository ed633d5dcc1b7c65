// The network view: an SVG of nodes, biases and edges over a canvas of heatmap thumbnails.
// Data in (state), DOM out. Elements are built once per architecture and size; each frame
// only changes the attributes whose values changed.

import { full, fmt } from '../format.js';
import { colorDistance, HALO } from '../colors.js';
import { edgeStyles, nodeStyles, phaseView } from './edge-styles.js';
import { edgeEnds, edgePath, layoutNetwork } from './network-layout.js';
import { drawThumbnails, thumbnailTiles } from './thumbnails.js';
import { createEdgeCanvas, VISIBLE_COLOR } from './edge-canvas.js';
import { createNetworkLabels } from './network-labels.js';

const SVG = 'http://www.w3.org/2000/svg';
// Lecture mode's larger numbers need more room beside the input and output columns; a phone's
// narrow screen needs every pixel for the columns.
const LECTURE_PADS = { padL: 96, padR: 92 };
const NARROW_PADS = { padL: 44, padR: 52 };
const NARROW_PX = 520;

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

export function createNetworkView(container, { onSelect }) {
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
  const labels = createNetworkLabels();

  let built = null; // {key, layout, edges, nodes}
  let pads; // room beside the columns (lecture mode, narrow screens)
  let thumbsKey = null;
  let thumbnailsDrawn = 0; // for the browser benchmark: how often the thumbnails were refreshed
  let size = { w: container.clientWidth, h: container.clientHeight };
  let dirtySize = true;
  new ResizeObserver(() => {
    size = { w: container.clientWidth, h: container.clientHeight };
    dirtySize = true;
    onResize?.();
  }).observe(container);
  let onResize = null;

  container.addEventListener('click', (e) => {
    const edge = e.target.closest('[data-edge],[data-halo]');
    if (edge) {
      const [L, i, j] = (edge.dataset.edge ?? edge.dataset.halo).split(':').map(Number);
      onSelect({ kind: 'edge', layer: L, from: i, to: j });
      return;
    }
    const node = e.target.closest('[data-node]');
    if (node) {
      const [L, j] = node.dataset.node.split(':').map(Number);
      onSelect({ kind: 'node', layer: L, unit: j });
    }
  });
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
      const w = edgeSvg.querySelector(`[data-edge="${id}"]`)?.dataset.weight;
      tip.textContent = `w${j}←${i} of layer ${l} = ${fmt(Number(w), 6)} (click to explain)`;
    }
    t.appendChild(tip);
  });
  svg.addEventListener('keydown', (e) => {
    const node = e.target.closest?.('[data-node]');
    if (node && (e.key === 'Enter' || e.key === ' ')) {
      e.preventDefault();
      e.stopPropagation();
      const [L, j] = node.dataset.node.split(':').map(Number);
      onSelect({ kind: 'node', layer: L, unit: j });
    }
  });

  function build(sizes, names, outNames, layerNames) {
    const layout = layoutNetwork(sizes, size.w, size.h, pads);
    for (const layer of [haloSvg, edgeSvg, svg]) {
      layer.textContent = '';
      put(layer, 'width', String(size.w));
      put(layer, 'height', String(size.h));
      put(layer, 'viewBox', `0 0 ${size.w} ${size.h}`);
    }
    const half = layout.nodeSize / 2;
    const haloG = el('g', { class: 'halos' }, haloSvg);
    const edgeG = el('g', { class: 'edges' }, edgeSvg);
    const nodeG = el('g', { class: 'nodes' }, svg);
    const labelG = el('g', { class: 'layer-labels' }, svg);
    const edges = [];
    for (let l = 1; l < sizes.length; l++) {
      for (let j = 0; j < sizes[l]; j++) {
        for (let i = 0; i < sizes[l - 1]; i++) {
          const a = layout.nodes[l - 1][i];
          const b = layout.nodes[l][j];
          const d = edgePath(a, b, half);
          const id = `${l}:${i}:${j}`;
          const halo = el('path', { d, class: 'halo', 'data-halo': id, stroke: HALO }, haloG);
          const path = el('path', { d, class: 'edge', 'data-edge': id, fill: 'none' }, edgeG);
          edges.push({ l, i, j, d, ends: edgeEnds(a, b, half), path, halo, last: {}, cur: {} });
        }
      }
    }
    const nodes = sizes.map((n, l) =>
      Array.from({ length: n }, (_, j) => {
        const p = layout.nodes[l][j];
        const g = el('g', {
          class: `node${l === 0 ? ' input' : ''}`,
          'data-node': `${l}:${j}`,
          transform: `translate(${p.x.toFixed(1)},${p.y.toFixed(1)})`,
          tabindex: '0',
          role: 'button',
        }, nodeG);
        const label = l === 0 ? `input ${names[j] ?? j}` : l === sizes.length - 1 ? `output ${outNames[j] ?? j}` : `layer ${l} unit ${j}`;
        g.setAttribute('aria-label', `${label}: explain`);
        const frame = el('rect', { class: 'frame', x: -half, y: -half, width: 2 * half, height: 2 * half, rx: 3 }, g);
        let bias = null;
        if (l > 0) {
          const bs = Math.max(6, Math.round(half * 0.45));
          bias = el('rect', { class: 'bias', 'data-bias': `${l}:${j}`, x: -half - bs / 2, y: -half - bs / 2, width: bs, height: bs, rx: 1.5 }, g);
        }
        const fs = Math.max(9, Math.min(12, Math.round(layout.nodeSize * 0.3)));
        const v1 = el('text', { class: 'val', x: 0, y: half + fs + 1, 'font-size': fs, 'text-anchor': 'middle' }, g);
        const v2 = el('text', { class: 'val delta', x: 0, y: half + 2 * fs + 3, 'font-size': fs, 'text-anchor': 'middle' }, g);
        if (l === 0) el('text', { class: 'name', x: -half - 6, y: 4, 'text-anchor': 'end' }, g).textContent = names[j] ?? `x${j + 1}`;
        if (l === sizes.length - 1 && outNames.length > 1) el('text', { class: 'name', x: half + 6, y: 4 }, g).textContent = outNames[j];
        return { g, frame, bias, v1, v2, last: {} };
      }),
    );
    labels.build(svg, layout, edges);
    layerNames.forEach((name, l) => {
      el('text', { class: 'layer-name', x: layout.cols[l], y: 14, 'text-anchor': 'middle' }, labelG).textContent = name;
    });
    return { layout, edges, nodes };
  }

  function update(state, now = performance.now()) {
    const { params, scenario } = state;
    if (!params || !scenario) return false;
    const sizes = [params[0].W[0]?.length ?? 0, ...params.map((p) => p.b.length)];
    const L = sizes.length - 1;
    const names = featureNames(state, sizes[0]);
    const outNames = Array.from({ length: sizes[L] }, (_, k) => (sizes[L] > 1 ? `ŷ${k}` : 'ŷ'));
    const key = `${sizes.join('-')}|${names.join(',')}|${size.w}x${size.h}|${state.scenario.activation}|${state.snapshot?.output_activation ?? state.scenario.output_activation}|${state.lecture ? 'lecture' : ''}`;
    pads = state.lecture ? LECTURE_PADS : size.w < NARROW_PX ? NARROW_PADS : undefined;
    const rebuilt = !built || built.key !== key || dirtySize;
    if (rebuilt) {
      built = { key, ...build(sizes, names, outNames, layerNames(state, L)) };
      dirtySize = false;
      thumbsKey = null;
      canvas.width = Math.round(size.w * devicePixelRatio);
      canvas.height = Math.round(size.h * devicePixelRatio);
      canvas.style.width = `${size.w}px`;
      canvas.style.height = `${size.h}px`;
      edgeCanvas.size(size.w, size.h);
      edgeCanvas.build(built.edges, HALO, built.layout);
    }
    const view = phaseView(state, L, now);
    const playing = state.playing;
    const styles = edgeStyles(state, built.edges, view);
    built.edges.forEach((e, k) => {
      const style = styles[k];
      e.cur = style;
      const last = e.last;
      if (last.w !== style.w) {
        last.w = style.w;
        e.path.setAttribute('data-weight', full(style.w));
      }
      // While playing, the canvas draws from `cur`; the hidden SVG catches up when play stops.
      if (playing) return;
      if (last.color !== style.color) e.path.setAttribute('stroke', (last.color = style.color));
      if (last.width !== style.width) e.path.setAttribute('stroke-width', String((last.width = style.width)));
      if (last.cls !== style.cls) e.path.setAttribute('class', (last.cls = style.cls));
      const haloCls = style.selected ? 'halo selected' : 'halo';
      if (last.haloCls !== haloCls) e.halo.setAttribute('class', (last.haloCls = haloCls));
      if (last.haloW !== style.haloW) e.halo.setAttribute('stroke-width', String((last.haloW = style.haloW)));
      if (last.haloO !== style.haloO) e.halo.setAttribute('stroke-opacity', String((last.haloO = style.haloO)));
    });
    const nodes = nodeStyles(state, sizes, view);
    built.nodes.forEach((layerNodes, l) => {
      layerNodes.forEach((n, j) => {
        const last = n.last;
        const { cls, bias, b } = nodes[l][j];
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
    edgeCanvas.render(state.playing, built.edges, [canvas, haloSvg, edgeSvg]);
    // The thumbnails change hands with the drawing: the worker gets them when it starts (or its
    // layout changes) and the canvas at rest when it stops, in this same frame.
    if (edgeCanvas.active !== wasPainting || (rebuilt && edgeCanvas.active)) updateThumbnails(state);
    lastLabels = { trace: view.trace, rv: view.rv, params, playing: state.playing };
    return view.animating;
  }

  // Numbers (node values, edge and loss labels) are written after the frame that moves the
  // edges: text layout is the costly part of a frame, and the edges matter first. While training
  // plays, one layer's numbers are written per frame (a new trace comes twice a second): laying
  // out a hundred SVG texts at once would take a frame of its own.
  let lastLabels = null;
  let labelLayer = 0;
  let labelsQueued = false;
  function updateLabels(state) {
    if (!lastLabels || !built || labelsQueued) return;
    const { trace: traceShown, rv } = lastLabels;
    labels.update(state, traceShown, rv, lastLabels.params);
    const sample = state.sample;
    const layers = built.nodes.length;
    for (let n = 0; n < layers; n++) {
      const l = (labelLayer + n) % layers;
      let wrote = false;
      built.nodes[l].forEach((node, j) => {
        let t1 = '';
        let t2 = '';
        if (traceShown) {
          if (l === 0) t1 = fmtVal('x', traceShown.batch?.features?.[sample]?.[j]);
          else if (l <= rv.forwardTo) {
            const layer = traceShown.layers[l - 1];
            t1 = `${fmtVal('z', layer.z?.[sample]?.[j])}  ${fmtVal('a', layer.a?.[sample]?.[j])}`;
          }
          if (l > 0 && l >= rv.backwardFrom) t2 = fmtVal('δ', traceShown.layers[l - 1].delta?.[sample]?.[j]);
        }
        if (node.last.t1 !== t1) {
          node.v1.textContent = node.last.t1 = t1;
          wrote = true;
        }
        if (node.last.t2 !== t2) {
          node.v2.textContent = node.last.t2 = t2;
          wrote = true;
        }
      });
      if (wrote && state.playing) {
        labelLayer = (l + 1) % layers;
        labelsQueued = true;
        requestAnimationFrame(() => {
          labelsQueued = false;
          updateLabels(state);
        });
        return;
      }
    }
  }

  /**
   * Heatmap thumbnails, drawn apart from the frame-by-frame update; true when it drew. While
   * training plays, the edge worker gets them as pixel tiles and paints them itself.
   */
  function updateThumbnails(state) {
    if (!built) return false;
    const playing = state.playing && edgeCanvas.active;
    const hk = `${built.key}|${state.heatmaps?.step}|${state.heatmaps?.layers?.length}|${state.scales?.heat}|${state.scenarioVersion}|${playing}`;
    if (hk === thumbsKey) return false;
    thumbsKey = hk;
    if (playing) edgeCanvas.tiles(thumbnailTiles(built.layout, state));
    else drawThumbnails(canvas, built.layout, state);
    thumbnailsDrawn++;
    return true;
  }

  return {
    update,
    updateThumbnails,
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

function fmtVal(sym, v) {
  return v === undefined ? '' : `${sym} ${fmt(v, 3)}`;
}

/** Names of the input columns: the scenario's features (2-D data) or x1…xn. */
export function featureNames(state, n) {
  const feats = state.scenario?.features ?? state.schema?.properties?.features?.default;
  if (Array.isArray(feats) && feats.length === n) return feats;
  return Array.from({ length: n }, (_, k) => `x${k + 1}`);
}

function layerNames(state, L) {
  const act = state.scenario.activation ?? state.schema?.properties?.activation?.default ?? '';
  const out = state.snapshot?.output_activation || state.scenario.output_activation;
  return Array.from({ length: L + 1 }, (_, l) => (l === 0 ? 'input' : l === L ? `output${out ? ` · ${out}` : ''}` : `hidden ${l} · ${act}`));
}
