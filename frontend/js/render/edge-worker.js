// Paints the network's background while training plays, off the main thread: the heatmap
// thumbnails, the glows and the edges, from values the main thread computed (the ones it also
// writes into the SVG elements). Messages:
//   {type: 'init', canvas: OffscreenCanvas}
//   {type: 'build', ends: Float64Array (x1, y1, x2, y2 per edge), layers: Uint8Array (layer of
//    each edge, 1…L), columns: Float64Array (x0, x1 per node column), width, height, dpr,
//    haloColor}
//   {type: 'tiles', tiles: [{x, y, size, nx, ny, pixels}]} (all the thumbnails, thumbnailTiles)
//   {type: 'frame', colors: [css], widths: Float32Array, dashed: Uint8Array,
//    halos: Float32Array (w, opacity per edge) | null, dirty: Uint8Array (per layer) | null}
//
// Only what changed is painted again. The edges of layer l lie between the node columns l−1 and
// l, so each layer has its own strip of the canvas: a frame repaints the strips of the layers
// whose edges look different (`dirty`), taking only those layers' values from the message (so
// what is painted is what the main thread compared with); new thumbnails repaint the node
// columns between the strips (`columns`, the nodes' x-ranges, with the ends of the edges that
// meet there); new glows, everything. Edges
// wider than a pixel are filled as outlines (edgeOutline): a software rasterizer strokes a wide
// curve several times slower than it fills the same shape.

import { edgeOutline } from './network-layout.js';
import { drawTiles } from './thumbnails.js';

const NONFINITE_DASH = [4, 3];
const HAIRLINE = 1; // at most this wide, an edge is stroked (thin strokes are cheap)
const DENSE_EDGES = 1200; // above this many edges, only the strongest glows are drawn
const MAX_DENSE_HALOS = 96;
let canvas = null;
let ctx = null;
let ends = new Float64Array(0);
let layerOf = new Uint8Array(0);
let strips = []; // per layer: [x0, x1] in CSS pixels
let columns = new Float64Array(0); // x0, x1 of each node column
let centre = []; // Path2D of each edge's curve
let outlines = []; // per edge: Map width -> Path2D
let dpr = 1;
let haloColor = '#8f6fd0';
let thumbs = null; // OffscreenCanvas with the thumbnails, or null before any arrived
let halos = null; // OffscreenCanvas with the glows, redrawn when they change
let data = null; // {colors, widths, dashed} of every edge as painted (or about to be)
let haloData = null; // glows not drawn yet
let full = true; // everything must be painted
let thumbsDirty = false; // the node columns must be painted
let dirty = null; // Uint8Array of layers to paint

/**
 * The glows worth drawing: all of them on an ordinary network; on a dense one (thousands of
 * edges, where glows on every edge are a smear and cost a software rasterizer hundreds of
 * milliseconds) the MAX_DENSE_HALOS strongest.
 */
function haloThreshold(h) {
  const n = centre.length;
  if (n <= DENSE_EDGES) return 0;
  const o = new Float32Array(n);
  for (let k = 0; k < n; k++) o[k] = h[2 * k + 1] > 0 ? h[2 * k + 1] : 0;
  o.sort();
  return o[Math.max(0, n - MAX_DENSE_HALOS)];
}

function drawHalos(h) {
  const g = halos.getContext('2d');
  g.setTransform(1, 0, 0, 1, 0, 0);
  g.clearRect(0, 0, halos.width, halos.height);
  g.setTransform(dpr, 0, 0, dpr, 0, 0);
  g.lineCap = 'round';
  g.strokeStyle = haloColor;
  const least = haloThreshold(h);
  for (let k = 0; k < centre.length; k++) {
    const o = h[2 * k + 1];
    if (!(o > 0) || o < least) continue;
    g.globalAlpha = o;
    g.lineWidth = h[2 * k];
    g.stroke(centre[k]);
  }
}

function outline(k, width) {
  let byWidth = outlines[k];
  if (!byWidth) byWidth = outlines[k] = new Map();
  let path = byWidth.get(width);
  if (!path) {
    const pts = edgeOutline(ends.subarray(4 * k, 4 * k + 4), width);
    path = new Path2D();
    path.moveTo(pts[0], pts[1]);
    for (let p = 2; p < pts.length; p += 2) path.lineTo(pts[p], pts[p + 1]);
    path.closePath();
    byWidth.set(width, path);
  }
  return path;
}

function drawEdge(k) {
  const { colors, widths, dashed } = data;
  const w = widths[k];
  if (dashed[k] || w <= HAIRLINE) {
    if (dashed[k]) ctx.setLineDash(NONFINITE_DASH);
    ctx.strokeStyle = colors[k];
    ctx.lineWidth = w;
    ctx.stroke(centre[k]);
    if (dashed[k]) ctx.setLineDash([]);
  } else {
    ctx.fillStyle = colors[k];
    ctx.fill(outline(k, w));
  }
}

/** Background (white, thumbnails, glows) of the current clip, in device pixels. */
function background() {
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  if (thumbs) ctx.drawImage(thumbs, 0, 0);
  ctx.drawImage(halos, 0, 0);
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.lineCap = 'butt';
}

function paint() {
  if (!ctx || !data || data.widths.length !== centre.length) return;
  if (haloData) {
    drawHalos(haloData);
    haloData = null;
    full = true;
  }
  if (full) {
    background();
    for (let k = 0; k < centre.length; k++) drawEdge(k);
  } else {
    // Column c is where the edges of layer c end and those of layer c + 1 begin.
    if (thumbsDirty) for (let c = 0; c < columns.length; c += 2) repaint(columns[c], columns[c + 1], c / 2, c / 2 + 1);
    for (let l = 0; dirty && l < dirty.length; l++) if (dirty[l] && strips[l]) repaint(strips[l][0], strips[l][1], l, l);
  }
  full = false;
  thumbsDirty = false;
  dirty = null;
  // When the picture was done, on the page's clock (for the browser benchmark).
  self.postMessage({ type: 'painted', at: performance.timeOrigin + performance.now() });
}

/** Paints the strip x0…x1 (CSS pixels) again, with the edges of layers l0…l1. */
function repaint(x0, x1, l0, l1) {
  ctx.save();
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.beginPath();
  ctx.rect(x0, 0, x1 - x0, canvas.height / dpr);
  ctx.clip();
  background();
  for (let k = 0; k < centre.length; k++) if (layerOf[k] >= l0 && layerOf[k] <= l1) drawEdge(k);
  ctx.restore();
}

// Paint once per task, with the latest values: messages that arrive meanwhile add up.
let scheduled = false;
function schedule() {
  if (scheduled) return;
  scheduled = true;
  setTimeout(() => {
    scheduled = false;
    paint();
  }, 0);
}

function build(msg) {
  ends = msg.ends;
  layerOf = msg.layers;
  columns = msg.columns;
  dpr = msg.dpr;
  haloColor = msg.haloColor;
  canvas.width = Math.round(msg.width * dpr);
  canvas.height = Math.round(msg.height * dpr);
  halos = new OffscreenCanvas(canvas.width, canvas.height);
  // Thumbnails drawn for the old layout would sit in the wrong places: wait for new ones.
  thumbs = null;
  const n = layerOf.length;
  centre = [];
  outlines = new Array(n);
  strips = [];
  for (let k = 0; k < n; k++) {
    const [x1, y1, x2, y2] = ends.subarray(4 * k, 4 * k + 4);
    const mx = (x1 + x2) / 2;
    const path = new Path2D();
    path.moveTo(x1, y1);
    path.bezierCurveTo(mx, y1, mx, y2, x2, y2);
    centre.push(path);
    // A strip reaches a pixel past the curve's ends, for its antialiased edge.
    const l = layerOf[k];
    const s = (strips[l] ??= [Infinity, -Infinity]);
    s[0] = Math.min(s[0], Math.floor(x1) - 1);
    s[1] = Math.max(s[1], Math.ceil(x2) + 1);
  }
  data = null;
  full = true;
}

self.onmessage = ({ data: msg }) => {
  if (msg.type === 'init') {
    canvas = msg.canvas;
    ctx = canvas.getContext('2d', { alpha: false });
  } else if (msg.type === 'build') {
    build(msg);
  } else if (msg.type === 'tiles') {
    if (!canvas) return;
    thumbs ??= new OffscreenCanvas(canvas.width, canvas.height);
    const g = thumbs.getContext('2d');
    g.setTransform(1, 0, 0, 1, 0, 0);
    g.clearRect(0, 0, thumbs.width, thumbs.height);
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    drawTiles(g, msg.tiles, (w, h) => new OffscreenCanvas(w, h));
    thumbsDirty = true;
    schedule();
  } else if (msg.type === 'frame') {
    if (msg.halos) haloData = msg.halos;
    if (!msg.dirty || !data) {
      data = { colors: msg.colors, widths: msg.widths, dashed: msg.dashed };
      full = true;
    } else {
      for (let k = 0; k < layerOf.length; k++) {
        if (!msg.dirty[layerOf[k]]) continue;
        data.colors[k] = msg.colors[k];
        data.widths[k] = msg.widths[k];
        data.dashed[k] = msg.dashed[k];
      }
      if (!full) {
        dirty ??= new Uint8Array(msg.dirty.length);
        for (let l = 0; l < msg.dirty.length; l++) dirty[l] |= msg.dirty[l];
      }
    }
    schedule();
  }
};
