// While training plays, the network's background is painted on one opaque canvas: the heatmap
// thumbnails, the glows and the edges, from the same values the SVG elements carry (colour,
// width, dashes, glow). A worker paints it (edge-worker.js), so the main thread only computes
// the values. The SVG edge and glow layers and the thumbnail canvas are hidden meanwhile: without
// a GPU, rasterizing hundreds of SVG curves and blending full-size layers every frame costs more
// than a frame. When play stops, they draw again. The SVG elements and their data attributes
// stay up to date throughout.

import { colorDistance } from '../colors.js';

const VISIBLE_WIDTH = 0.5; // px
/** A colour change smaller than this (of 255, in any channel) is not painted while playing. */
export const VISIBLE_COLOR = 6;

export function createEdgeCanvas(container, before) {
  const canvas = document.createElement('canvas');
  canvas.className = 'edge-canvas';
  canvas.setAttribute('aria-hidden', 'true');
  canvas.hidden = true;
  container.insertBefore(canvas, before);
  const worker = new Worker(new URL('./edge-worker.js', import.meta.url), { type: 'module' });
  const offscreen = canvas.transferControlToOffscreen();
  worker.postMessage({ type: 'init', canvas: offscreen }, [offscreen]);
  // The benchmark reads when the worker last finished a picture (a mark on the page's clock).
  worker.onmessage = ({ data }) => {
    if (data.type === 'painted') performance.mark('network:painted', { startTime: Math.max(0, data.at - performance.timeOrigin) });
  };
  let size = { w: 0, h: 0 };
  let active = false;
  let sentHalos = null;
  let sent = null; // {colors, widths, dashed} the worker has, to send only what changed
  let layers = 0;

  return {
    size(w, h) {
      size = { w, h };
      canvas.style.width = `${w}px`;
      canvas.style.height = `${h}px`;
    },
    /**
     * edgeList: [{l, ends: [x1, y1, x2, y2]}] in the network view's order; layout: the
     * network's layout (node columns and size), where the thumbnails go.
     */
    build(edgeList, haloColor, layout) {
      const columns = Float64Array.from(layout.cols.flatMap((x, l) => [x - layout.halves[l], x + layout.halves[l]]));
      const ends = new Float64Array(4 * edgeList.length);
      const layerOf = new Uint8Array(edgeList.length);
      edgeList.forEach((e, k) => {
        ends.set(e.ends, 4 * k);
        layerOf[k] = e.l;
      });
      layers = edgeList.reduce((m, e) => Math.max(m, e.l), 0);
      worker.postMessage({ type: 'build', ends, layers: layerOf, columns, width: size.w, height: size.h, dpr: devicePixelRatio || 1, haloColor }, [ends.buffer, layerOf.buffer, columns.buffer]);
      sentHalos = null;
      sent = null;
    },
    /** Whether the canvas paints (training plays). */
    get active() {
      return active;
    },
    /**
     * The thumbnails while painting: every tile of thumbnailTiles (an empty list: none), which
     * replace the ones painted before (their pixels are handed over).
     */
    tiles(list) {
      worker.postMessage({ type: 'tiles', tiles: list }, list.map((t) => t.pixels.buffer));
    },
    /**
     * Paints on the canvas (on = true) or hands the drawing back to the layers it replaces.
     * edgeList: [{cur: {color, width, dashed, haloW, haloO}}], the values the SVG elements get;
     * hidden: the elements the canvas stands in for. The thumbnails come through `tiles`.
     */
    render(on, edgeList, hidden) {
      if (on !== active) {
        active = on;
        canvas.hidden = !on;
        for (const layer of hidden) layer.style.visibility = on ? 'hidden' : '';
        sentHalos = null;
        sent = null;
      }
      if (!on) return;
      const n = edgeList.length;
      const colors = new Array(n);
      const widths = new Float32Array(n);
      const dashed = new Uint8Array(n);
      const halos = new Float32Array(2 * n);
      for (let k = 0; k < n; k++) {
        const last = edgeList[k].cur;
        colors[k] = last.color;
        widths[k] = last.width;
        dashed[k] = last.dashed ? 1 : 0;
        halos[2 * k] = last.haloW;
        halos[2 * k + 1] = last.haloO;
      }
      const haloChanged = !sentHalos || sentHalos.length !== halos.length || halos.some((v, k) => v !== sentHalos[k]);
      if (haloChanged) sentHalos = halos.slice();
      // The layers with an edge that looks different from what the worker painted (a step of
      // the colour scale or a quarter pixel of width is too small to see at 60 frames a second,
      // and comparing with what was painted lets small steps add up); none: no message. The
      // worker keeps the values of the dirty layers only, so `sent` is what it paints.
      let dirty = null;
      if (sent && !haloChanged) {
        dirty = new Uint8Array(layers + 1);
        let any = false;
        for (let k = 0; k < n; k++) {
          if (dashed[k] !== sent.dashed[k] || Math.abs(widths[k] - sent.widths[k]) >= VISIBLE_WIDTH || colorDistance(colors[k], sent.colors[k]) > VISIBLE_COLOR) {
            dirty[edgeList[k].l] = 1;
            any = true;
          }
        }
        if (!any) return;
        for (let k = 0; k < n; k++) {
          if (!dirty[edgeList[k].l]) continue;
          sent.colors[k] = colors[k];
          sent.widths[k] = widths[k];
          sent.dashed[k] = dashed[k];
        }
      } else sent = { colors: colors.slice(), widths: widths.slice(), dashed: dashed.slice() };
      worker.postMessage({ type: 'frame', colors, widths, dashed, dirty, halos: haloChanged ? halos : null }, haloChanged ? [widths.buffer, dashed.buffer, halos.buffer] : [widths.buffer, dashed.buffer]);
    },
  };
}
