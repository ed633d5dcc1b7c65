// Where the nodes and edges of the network view go, for a container size. Pure.

/**
 * sizes: units per layer [n0, …, nL]; returns {nodeSize, halves, cols, nodes: [[{x, y, h}]],
 * width, height, rowGaps, padT} with node centres and half sides `h`. Each column sizes its
 * nodes for its own number of units, so the inputs and outputs of a wide network stay large
 * enough to read; a column of many units gets small squares (colour, no numbers).
 */
export function layoutNetwork(sizes, width, height, { padL = 86, padR = 56, padT = 44, padB = 18 } = {}) {
  const L = sizes.length - 1;
  const innerW = Math.max(50, width - padL - padR);
  const innerH = Math.max(50, height - padT - padB);
  const colGap = L > 0 ? innerW / L : innerW;
  const cols = sizes.map((_, l) => (L > 0 ? padL + l * colGap : padL + innerW / 2));
  const cy = padT + innerH / 2 - 6;
  const halves = [];
  const rowGaps = [];
  const nodes = sizes.map((n, l) => {
    const slot = innerH / Math.max(1, n);
    // At least 16 px where there is room; never more than the slot (squares do not overlap).
    const side = Math.max(Math.min(16, slot * 0.8), Math.min(64, slot * 0.58, colGap * 0.32));
    const size = Math.max(3, Math.round(side));
    const rowGap = Math.min(slot, size * 2.6);
    halves.push(size / 2);
    rowGaps.push(rowGap);
    return Array.from({ length: n }, (_, j) => ({ x: cols[l], y: cy + (j - (n - 1) / 2) * rowGap, h: size / 2 }));
  });
  return { nodeSize: 2 * Math.max(...halves), halves, cols, colGap, nodes, width, height, rowGaps, padT };
}

/**
 * The S-curve from node a (layer l−1) to node b (layer l): its ends [x1, y1, x2, y2]. Each node
 * has its half side `h`; `half` overrides both.
 */
export function edgeEnds(a, b, half) {
  return [a.x + (half ?? a.h), a.y, b.x - (half ?? b.h), b.y];
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

/**
 * The edge (index into `ends`, 4 numbers per edge) whose curve passes nearest to (x, y), within
 * `tolerance` pixels vertically, or −1: hit testing for edges drawn on a canvas.
 */
export function nearestEdge(ends, x, y, tolerance = 5) {
  let best = -1;
  let bestD = tolerance;
  for (let k = 0; 4 * k < ends.length; k++) {
    const x1 = ends[4 * k];
    const x2 = ends[4 * k + 2];
    if (x < x1 || x > x2) continue;
    // x(t) grows with t: bisect for the t at x, then compare the curve's y there.
    let lo = 0;
    let hi = 1;
    for (let n = 0; n < 22; n++) {
      const mid = (lo + hi) / 2;
      if (curvePoint(x1, ends[4 * k + 1], x2, ends[4 * k + 3], mid).x < x) lo = mid;
      else hi = mid;
    }
    const d = Math.abs(curvePoint(x1, ends[4 * k + 1], x2, ends[4 * k + 3], lo).y - y);
    if (d < bestD) {
      bestD = d;
      best = k;
    }
  }
  return best;
}

export function curvePoint(x1, y1, x2, y2, t) {
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
