// While training plays, edges and their glows are painted on canvases from the same values the
// SVG elements carry (colour, width, glow), and the SVG edge layers are taken out of rendering:
// in software rendering (no GPU) repainting hundreds of SVG curves every frame costs more than a
// frame. When play stops, the SVG layers draw again. The SVG elements stay up to date throughout.

const NONFINITE_DASH = [4, 3];

export function createEdgeCanvas(container, before) {
  const halos = document.createElement('canvas');
  const edges = document.createElement('canvas');
  for (const c of [halos, edges]) {
    c.className = 'edge-canvas';
    c.setAttribute('aria-hidden', 'true');
    container.insertBefore(c, before);
  }
  let paths = null;
  let haloKey = null;
  let active = false;

  function size(w, h) {
    const dpr = devicePixelRatio || 1;
    for (const c of [halos, edges]) {
      c.width = Math.round(w * dpr);
      c.height = Math.round(h * dpr);
      c.style.width = `${w}px`;
      c.style.height = `${h}px`;
    }
    haloKey = null;
  }

  /** edgeList: [{d, last: {color, width, haloW, haloO, cls}}] as the network view keeps them. */
  function build(edgeList) {
    paths = edgeList.map((e) => new Path2D(e.d));
    haloKey = null;
  }

  function clear(c) {
    const ctx = c.getContext('2d');
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, c.width, c.height);
    return ctx;
  }

  function draw(edgeList, haloColor) {
    const dpr = devicePixelRatio || 1;
    const key = edgeList.map((e) => `${e.last.haloW},${e.last.haloO}`).join(';');
    if (key !== haloKey) {
      haloKey = key;
      const ctx = clear(halos);
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      ctx.lineCap = 'round';
      ctx.strokeStyle = haloColor;
      edgeList.forEach((e, k) => {
        if (!(e.last.haloO > 0)) return;
        ctx.globalAlpha = e.last.haloO;
        ctx.lineWidth = e.last.haloW;
        ctx.stroke(paths[k]);
      });
    }
    const ctx = clear(edges);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.lineCap = 'round';
    edgeList.forEach((e, k) => {
      const dashed = e.last.cls.includes('nonfinite');
      if (dashed) ctx.setLineDash(NONFINITE_DASH);
      ctx.strokeStyle = e.last.color;
      ctx.lineWidth = e.last.width;
      ctx.stroke(paths[k]);
      if (dashed) ctx.setLineDash([]);
    });
  }

  return {
    size,
    build,
    /** Paints the edges on the canvases (on = true) or hands them back to the SVG layers. */
    render(on, edgeList, haloColor, svgLayers) {
      if (on !== active) {
        active = on;
        for (const layer of svgLayers) layer.style.display = on ? 'none' : '';
        if (!on) {
          clear(halos);
          clear(edges);
          haloKey = null;
        }
      }
      if (on) draw(edgeList, haloColor);
    },
  };
}
