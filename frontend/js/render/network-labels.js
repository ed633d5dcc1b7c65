// Numbers written on the network while a step is walked: each edge's gradient in the backward
// pass and its Δw at the update (small networks only, where they fit), its weight at rest for
// tiny ones (the classic worked example), and the loss next to the output layer.

import { fmt, isNum } from '../format.js';
import { edgePoint } from './network-layout.js';

const SVG = 'http://www.w3.org/2000/svg';
const MAX_EDGES_WITH_LABELS = 40;
const MAX_EDGES_WITH_WEIGHTS = 12;

function text(parent, cls, x, y, anchor = 'middle') {
  const t = document.createElementNS(SVG, 'text');
  t.setAttribute('class', cls);
  t.setAttribute('x', x.toFixed(1));
  t.setAttribute('y', y.toFixed(1));
  t.setAttribute('text-anchor', anchor);
  parent.appendChild(t);
  return t;
}

export function createNetworkLabels() {
  let labels = [];
  let loss = null;
  let many = false;

  function build(svg, layout, edges) {
    const g = document.createElementNS(SVG, 'g');
    g.setAttribute('class', 'edge-labels');
    svg.appendChild(g);
    many = edges.length > MAX_EDGES_WITH_LABELS;
    const half = layout.nodeSize / 2;
    // A third of the way along, so the labels of edges that cross in the middle stay apart.
    labels = many ? [] : edges.map((e) => {
      const p = edgePoint(layout.nodes[e.l - 1][e.i], layout.nodes[e.l][e.j], half, 0.33);
      return { e, t: text(g, 'edge-label', p.x, p.y - 3), last: null };
    });
    // Top right, under the layer names: a place no node or edge reaches.
    loss = { t: text(svg, 'loss-label', layout.width - 8, 32, 'end'), last: null };
  }

  function update(state, traceIn, rv, params) {
    // While playing, the labels of the last walked step would describe another state.
    const trace = state.playing ? null : traceIn;
    const walking = state.phase >= 0;
    for (const lab of labels) {
      const { l, i, j } = lab.e;
      const layer = trace?.layers[l - 1];
      let s = '';
      if (layer && rv.update) s = `Δw ${fmt(layer.update_W[j][i], 3)}`;
      else if (layer && walking && l >= rv.backwardFrom) s = `g ${fmt(layer.grad_W[j][i], 3)}`;
      else if (labels.length <= MAX_EDGES_WITH_WEIGHTS) s = `w ${fmt(params[l - 1].W[j][i], 3)}`;
      if (s !== lab.last) lab.t.textContent = lab.last = s;
    }
    if (loss) {
      let s = '';
      if (trace && rv.loss && isNum(trace.loss?.total)) {
        const own = trace.loss.per_sample?.[state.sample];
        s = `L ${fmt(trace.loss.total, 4)} (batch)${isNum(own) ? ` · ℓ ${fmt(own, 4)} (sample)` : ''}`;
      } else if (trace && rv.loss) s = 'L non-finite';
      if (s !== loss.last) loss.t.textContent = loss.last = s;
    }
  }

  return { build, update };
}
