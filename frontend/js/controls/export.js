// Exports: the current trace as JSON and CSV, the network view as SVG and PNG.

import { traceToCsv } from '../trace.js';

function download(name, blob) {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

const EXPORT_CSS = `
  .edge { fill: none; stroke-linecap: round; }
  .edge.nonfinite { stroke-dasharray: 4 3; }
  .halo { fill: none; stroke-linecap: round; }
  .frame { fill: none; stroke: #333; stroke-width: 1; }
  .bias { stroke: #333; stroke-width: 0.6; }
  text { font-family: system-ui, sans-serif; fill: #222; }
  .val { fill: #333; paint-order: stroke; stroke: #fff; stroke-width: 3px; } .val.delta { fill: #a0005a; }
  .name { font-size: 12px; } .layer-name { font-size: 12px; fill: #555; }
  .edge-label, .loss-label { font-size: 11px; paint-order: stroke; stroke: #fff; stroke-width: 3px; }
`;

/** A standalone SVG of the network, with the heatmap thumbnails embedded as an image. */
export function networkSvg(view) {
  // One SVG from the view's layers (glows, edges, nodes), bottom to top.
  const svg = view.svg.cloneNode(false);
  for (const layer of view.layers) for (const child of layer.children) svg.appendChild(child.cloneNode(true));
  svg.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  svg.removeAttribute('class');
  const style = document.createElementNS('http://www.w3.org/2000/svg', 'style');
  style.textContent = EXPORT_CSS;
  svg.insertBefore(style, svg.firstChild);
  const bg = document.createElementNS('http://www.w3.org/2000/svg', 'rect');
  bg.setAttribute('width', '100%');
  bg.setAttribute('height', '100%');
  bg.setAttribute('fill', '#ffffff');
  svg.insertBefore(bg, style.nextSibling);
  const img = document.createElementNS('http://www.w3.org/2000/svg', 'image');
  img.setAttribute('href', view.canvas.toDataURL('image/png'));
  img.setAttribute('width', svg.getAttribute('width'));
  img.setAttribute('height', svg.getAttribute('height'));
  svg.insertBefore(img, bg.nextSibling);
  svg.querySelectorAll('[tabindex]').forEach((e) => e.removeAttribute('tabindex'));
  return new XMLSerializer().serializeToString(svg);
}

export function bindExport(root, store, network) {
  const name = (ext) => `backprop-step-${store.state.trace?.fromStep ?? store.state.step}.${ext}`;
  const on = (id, fn) => root.querySelector(id).addEventListener('click', fn);
  on('#export-json', () => {
    const { trace } = store.state;
    if (!trace?.layers) return;
    // The request and the API's answer, as POST /step gave them: replayable as they stand.
    const { after, fromStep, ...body } = trace;
    const doc = { request: { scenario: store.state.scenario, step: fromStep }, response: { ...after, trace: body } };
    download(name('json'), new Blob([JSON.stringify(doc, null, 1)], { type: 'application/json' }));
  });
  on('#export-csv', () => {
    const { trace } = store.state;
    if (!trace?.layers) return;
    download(name('csv'), new Blob([traceToCsv(trace, trace.fromStep)], { type: 'text/csv' }));
  });
  on('#export-svg', () => download(`network-step-${store.state.step}.svg`, new Blob([networkSvg(network)], { type: 'image/svg+xml' })));
  on('#export-png', async () => {
    const text = networkSvg(network);
    const img = new Image();
    img.src = URL.createObjectURL(new Blob([text], { type: 'image/svg+xml' }));
    await img.decode();
    const scale = 2;
    const c = document.createElement('canvas');
    c.width = img.naturalWidth * scale;
    c.height = img.naturalHeight * scale;
    const ctx = c.getContext('2d');
    ctx.scale(scale, scale);
    ctx.drawImage(img, 0, 0);
    URL.revokeObjectURL(img.src);
    c.toBlob((b) => download(`network-step-${store.state.step}.png`, b), 'image/png');
  });
}
