// While training plays, the network's background is painted on one opaque canvas: the heatmap
// thumbnails, the glows and the edges, from the same values the SVG elements carry (colour,
// width, dashes, glow). A worker paints it (edge-worker.js), so the main thread only computes
// the values. The SVG edge and glow layers and the thumbnail canvas are hidden meanwhile: without
// a GPU, rasterizing hundreds of SVG curves and blending full-size layers every frame costs more
// than a frame. When play stops, they draw again. The SVG elements and their data attributes
// stay up to date throughout.

export function createEdgeCanvas(container, before) {
  const canvas = document.createElement('canvas');
  canvas.className = 'edge-canvas';
  canvas.setAttribute('aria-hidden', 'true');
  canvas.hidden = true;
  container.insertBefore(canvas, before);
  const worker = new Worker(new URL('./edge-worker.js', import.meta.url), { type: 'module' });
  const offscreen = canvas.transferControlToOffscreen();
  worker.postMessage({ type: 'init', canvas: offscreen }, [offscreen]);
  let size = { w: 0, h: 0 };
  let active = false;
  let haloKey = null;
  let thumbsSent = null;

  return {
    size(w, h) {
      size = { w, h };
      canvas.style.width = `${w}px`;
      canvas.style.height = `${h}px`;
    },
    /** edgeList: [{d}] in the network view's order. */
    build(edgeList, haloColor) {
      worker.postMessage({ type: 'build', paths: edgeList.map((e) => e.d), width: size.w, height: size.h, dpr: devicePixelRatio || 1, haloColor });
      haloKey = null;
      thumbsSent = null;
    },
    /**
     * Paints on the canvas (on = true) or hands the drawing back to the layers it replaces.
     * edgeList: [{cur: {color, width, cls, haloW, haloO}}], the values the SVG elements get;
     * thumbs: the thumbnail canvas (sent again when thumbsVersion changes); hidden: the
     * elements the canvas stands in for.
     */
    render(on, edgeList, thumbs, thumbsVersion, hidden) {
      if (on !== active) {
        active = on;
        canvas.hidden = !on;
        for (const layer of hidden) layer.style.visibility = on ? 'hidden' : '';
        haloKey = null;
        thumbsSent = null;
      }
      if (!on) return;
      if (thumbsVersion !== thumbsSent) {
        thumbsSent = thumbsVersion;
        createImageBitmap(thumbs).then((bitmap) => worker.postMessage({ type: 'thumbs', bitmap }, [bitmap]), () => {});
      }
      const n = edgeList.length;
      const colors = new Array(n);
      const widths = new Float32Array(n);
      const dashed = new Uint8Array(n);
      const halos = new Float32Array(2 * n);
      let key = '';
      for (let k = 0; k < n; k++) {
        const last = edgeList[k].cur;
        colors[k] = last.color;
        widths[k] = last.width;
        dashed[k] = last.cls.includes('nonfinite') || last.cls.includes('pruned') ? 1 : 0;
        halos[2 * k] = last.haloW;
        halos[2 * k + 1] = last.haloO;
        key += `${last.haloW},${last.haloO};`;
      }
      const haloChanged = key !== haloKey;
      haloKey = key;
      worker.postMessage({ type: 'frame', colors, widths, dashed, halos: haloChanged ? halos : null }, haloChanged ? [widths.buffer, dashed.buffer, halos.buffer] : [widths.buffer, dashed.buffer]);
    },
  };
}
