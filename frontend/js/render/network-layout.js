// Where the nodes and edges of the network view go, for a container size. Pure.

/**
 * sizes: units per layer [n0, …, nL]; returns {nodeSize, cols: [x], nodes: [[{x, y}]], width, height}
 * with node centres, leaving room on the left for the input labels and below each node for
 * its values.
 */
export function layoutNetwork(sizes, width, height, { padL = 86, padR = 56 } = {}) {
  const padT = 44;
  const padB = 18;
  const L = sizes.length - 1;
  const maxUnits = Math.max(1, ...sizes);
  const innerW = Math.max(50, width - padL - padR);
  const innerH = Math.max(50, height - padT - padB);
  const colGap = L > 0 ? innerW / L : innerW;
  const slot = innerH / maxUnits;
  const nodeSize = Math.round(Math.max(16, Math.min(64, slot * 0.58, colGap * 0.32)));
  const rowGap = Math.min(slot, nodeSize * 2.6);
  const cols = sizes.map((_, l) => (L > 0 ? padL + l * colGap : padL + innerW / 2));
  const cy = padT + innerH / 2 - 6;
  const nodes = sizes.map((n, l) =>
    Array.from({ length: n }, (_, j) => ({ x: cols[l], y: cy + (j - (n - 1) / 2) * rowGap })),
  );
  return { nodeSize, cols, nodes, width, height, rowGap, padT };
}

/** The S-curve from node a (layer l−1) to node b (layer l): its ends [x1, y1, x2, y2]. */
export function edgeEnds(a, b, half) {
  return [a.x + half, a.y, b.x - half, b.y];
}

/** SVG path of the edge from node a to node b: a cubic Bézier, level at both ends. */
export function edgePath(a, b, half) {
  const [x1, y1, x2, y2] = edgeEnds(a, b, half);
  const mx = (x1 + x2) / 2;
  return `M${x1.toFixed(1)},${y1.toFixed(1)}C${mx.toFixed(1)},${y1.toFixed(1)} ${mx.toFixed(1)},${y2.toFixed(1)} ${x2.toFixed(1)},${y2.toFixed(1)}`;
}

/** The point at parameter t along edgePath(a, b, half) (its cubic Bézier). */
export function edgePoint(a, b, half, t) {
  const [x1, y1, x2, y2] = edgeEnds(a, b, half);
  return curvePoint(x1, y1, x2, y2, t);
}

function curvePoint(x1, y1, x2, y2, t) {
  const mx = (x1 + x2) / 2;
  const u = 1 - t;
  return {
    x: u * u * u * x1 + 3 * u * u * t * mx + 3 * u * t * t * mx + t * t * t * x2,
    y: (u * u * u + 3 * u * u * t) * y1 + (3 * u * t * t + t * t * t) * y2,
  };
}

/**
 * The edge's curve drawn `width` wide with flat ends, as a closed polygon [x, y, x, y, …]: one
 * side, then the other back, each `segments` pieces offset along the curve's normal. Filling it
 * draws what stroking the curve draws, for much less work in a software rasterizer.
 */
export function edgeOutline([x1, y1, x2, y2], width, segments = 16) {
  const h = width / 2;
  const n = segments;
  const out = new Float64Array(4 * (n + 1));
  for (let k = 0; k <= n; k++) {
    const t = k / n;
    const u = 1 - t;
    const p = curvePoint(x1, y1, x2, y2, t);
    // Derivative of the Bézier with control points (mx, y1), (mx, y2).
    const dx = 1.5 * (u * u + t * t) * (x2 - x1);
    const dy = 6 * u * t * (y2 - y1);
    const len = Math.hypot(dx, dy) || 1;
    const nx = (-dy / len) * h;
    const ny = (dx / len) * h;
    out[2 * k] = p.x + nx;
    out[2 * k + 1] = p.y + ny;
    const back = 2 * (2 * n + 1 - k);
    out[back] = p.x - nx;
    out[back + 1] = p.y - ny;
  }
  return out;
}
