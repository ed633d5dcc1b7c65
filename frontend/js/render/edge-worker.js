// Paints the network's background while training plays, off the main thread: the heatmap
// thumbnails, the glows and the edges, from values the main thread computed (the ones it also
// writes into the SVG elements). Messages:
//   {type: 'init', canvas: OffscreenCanvas}
//   {type: 'build', paths: [d], width, height, dpr, haloColor}
//   {type: 'thumbs', bitmap: ImageBitmap | null}
//   {type: 'frame', colors: [css], widths: Float32Array, halos: Float32Array (w, opacity) | null,
//    dashed: Uint8Array}

const NONFINITE_DASH = [4, 3];
let canvas = null;
let ctx = null;
let paths = [];
let dpr = 1;
let haloColor = '#8f6fd0';
let thumbs = null;
let halos = null; // OffscreenCanvas with the glows, redrawn when they change

function drawHalos(h) {
  const g = halos.getContext('2d');
  g.setTransform(1, 0, 0, 1, 0, 0);
  g.clearRect(0, 0, halos.width, halos.height);
  g.setTransform(dpr, 0, 0, dpr, 0, 0);
  g.lineCap = 'round';
  g.strokeStyle = haloColor;
  for (let k = 0; k < paths.length; k++) {
    const o = h[2 * k + 1];
    if (!(o > 0)) continue;
    g.globalAlpha = o;
    g.lineWidth = h[2 * k];
    g.stroke(paths[k]);
  }
}

function frame({ colors, widths, halos: h, dashed }) {
  if (!ctx) return;
  if (h) drawHalos(h);
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  if (thumbs) ctx.drawImage(thumbs, 0, 0);
  ctx.drawImage(halos, 0, 0);
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.lineCap = 'round';
  for (let k = 0; k < paths.length; k++) {
    if (dashed[k]) ctx.setLineDash(NONFINITE_DASH);
    ctx.strokeStyle = colors[k];
    ctx.lineWidth = widths[k];
    ctx.stroke(paths[k]);
    if (dashed[k]) ctx.setLineDash([]);
  }
}

// Only the latest frame matters: a frame that arrives while one is queued replaces it.
let pending = null;
let scheduled = false;

self.onmessage = ({ data }) => {
  if (data.type === 'init') {
    canvas = data.canvas;
    ctx = canvas.getContext('2d', { alpha: false, desynchronized: true });
  } else if (data.type === 'build') {
    paths = data.paths.map((d) => new Path2D(d));
    dpr = data.dpr;
    haloColor = data.haloColor;
    canvas.width = Math.round(data.width * dpr);
    canvas.height = Math.round(data.height * dpr);
    halos = new OffscreenCanvas(canvas.width, canvas.height);
  } else if (data.type === 'thumbs') {
    thumbs?.close?.();
    thumbs = data.bitmap;
  } else if (data.type === 'frame') {
    if (pending && pending.halos && !data.halos) data.halos = pending.halos;
    pending = data;
    if (!scheduled) {
      scheduled = true;
      setTimeout(() => {
        scheduled = false;
        const f = pending;
        pending = null;
        frame(f);
      }, 0);
    }
  }
};
