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

/** SVG path of the edge from node a (layer l−1) to node b (layer l): an S-curve. */
export function edgePath(a, b, half) {
  const x1 = a.x + half;
  const x2 = b.x - half;
  const mx = (x1 + x2) / 2;
  return `M${x1.toFixed(1)},${a.y.toFixed(1)}C${mx.toFixed(1)},${a.y.toFixed(1)} ${mx.toFixed(1)},${b.y.toFixed(1)} ${x2.toFixed(1)},${b.y.toFixed(1)}`;
}

/** The point at parameter t along edgePath(a, b, half) (its cubic Bézier). */
export function edgePoint(a, b, half, t) {
  const x1 = a.x + half;
  const x2 = b.x - half;
  const mx = (x1 + x2) / 2;
  const u = 1 - t;
  const bx = u * u * u * x1 + 3 * u * u * t * mx + 3 * u * t * t * mx + t * t * t * x2;
  const by = (u * u * u + 3 * u * u * t) * a.y + (3 * u * t * t + t * t * t) * b.y;
  return { x: bx, y: by };
}
