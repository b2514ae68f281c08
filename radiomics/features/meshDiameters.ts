// Largest distances between mesh vertices (PyRadiomics cshape.c calculate_meshDiameter), exactly, without comparing
// every pair: the farthest pair of a point set lies on its convex hull, and a vertex of the 3D hull is also a vertex
// of the 2D hull of every plane through it. So each axis-aligned plane keeps only its 2D hull vertices (exact integer
// arithmetic on half-voxel coordinates), the in-plane diameters come from those, and the 3D diameter from the points
// that are hull vertices in all three of their planes.

export interface MeshDiameters {
  /** Largest distance between vertices sharing coordinate 0, 1, 2 of the triple (cshape.c diameters[0..2]). */
  inPlane: [number, number, number];
  /** Largest distance between any two vertices (cshape.c diameters[3]). */
  overall: number;
}

/**
 * Marks the vertices of the 2D convex hull of every plane `coord[dim] = const`, and returns the largest squared
 * physical distance inside any one plane. `points` are triples of integers; `scale` converts each coordinate to mm.
 */
function planeHulls(points: Int32Array, dim: number, scale: readonly number[], onHull: Uint8Array): number {
  const n = points.length / 3;
  const u = dim === 0 ? 1 : 0;
  const v = dim === 2 ? 1 : 2;
  const order = lexicographicOrder(points, [dim, u, v]);
  const su = scale[u],
    sv = scale[v];
  const hull = new Uint32Array(2 * n + 2);
  let best = 0;
  let start = 0;
  while (start < n) {
    const plane = points[3 * order[start] + dim];
    let end = start;
    while (end < n && points[3 * order[end] + dim] === plane) end++;
    const h = monotoneChain(points, order, start, end, u, v, hull);
    for (let i = 0; i < h; i++) onHull[hull[i]]++;
    for (let i = 0; i < h; i++) {
      const pi = 3 * hull[i];
      for (let j = i + 1; j < h; j++) {
        const pj = 3 * hull[j];
        const du = (points[pi + u] - points[pj + u]) * su;
        const dv = (points[pi + v] - points[pj + v]) * sv;
        const d = du * du + dv * dv;
        if (d > best) best = d;
      }
    }
    start = end;
  }
  return best;
}

/** Point indices sorted by (coord keys[0], keys[1], keys[2]): LSD radix sort, one stable counting pass per key. */
function lexicographicOrder(points: Int32Array, keys: readonly [number, number, number]): Uint32Array {
  const n = points.length / 3;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < points.length; i++) {
    if (points[i] < min) min = points[i];
    if (points[i] > max) max = points[i];
  }
  const counts = new Uint32Array(max - min + 2);
  let order = new Uint32Array(n);
  let next = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  for (let pass = 2; pass >= 0; pass--) {
    const key = keys[pass];
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[points[3 * i + key] - min + 1]++;
    for (let c = 1; c < counts.length; c++) counts[c] += counts[c - 1];
    for (let i = 0; i < n; i++) {
      const p = order[i];
      next[counts[points[3 * p + key] - min]++] = p;
    }
    [order, next] = [next, order];
  }
  return order;
}

/** Andrew's monotone chain over order[start..end) (sorted by u, then v); strict hull vertices into `hull`, count returned. */
function monotoneChain(points: Int32Array, order: Uint32Array, start: number, end: number, u: number, v: number, hull: Uint32Array): number {
  const count = end - start;
  if (count <= 2) {
    for (let i = 0; i < count; i++) hull[i] = order[start + i];
    return count === 2 && samePoint(points, hull[0], hull[1], u, v) ? 1 : count;
  }
  const cross = (o: number, a: number, b: number) => {
    const po = 3 * o,
      pa = 3 * a,
      pb = 3 * b;
    return (points[pa + u] - points[po + u]) * (points[pb + v] - points[po + v]) - (points[pa + v] - points[po + v]) * (points[pb + u] - points[po + u]);
  };
  let k = 0;
  for (let i = start; i < end; i++) {
    const p = order[i];
    while (k >= 2 && cross(hull[k - 2], hull[k - 1], p) <= 0) k--;
    hull[k++] = p;
  }
  const lowerSize = k + 1;
  for (let i = end - 2; i >= start; i--) {
    const p = order[i];
    while (k >= lowerSize && cross(hull[k - 2], hull[k - 1], p) <= 0) k--;
    hull[k++] = p;
  }
  k--; // the last point repeats the first
  return k === 0 ? 1 : k;
}

function samePoint(points: Int32Array, a: number, b: number, u: number, v: number): boolean {
  return points[3 * a + u] === points[3 * b + u] && points[3 * a + v] === points[3 * b + v];
}

/** Diameters of a vertex set given as integer triples, with `scale[d]` mm per unit of coordinate d. */
export function meshDiameters(points: Int32Array, scale: readonly [number, number, number]): MeshDiameters {
  const n = points.length / 3;
  if (n === 0) return { inPlane: [0, 0, 0], overall: 0 };
  const onHull = new Uint8Array(n);
  const inPlane: [number, number, number] = [0, 0, 0];
  for (let d = 0; d < 3; d++) inPlane[d] = Math.sqrt(planeHulls(points, d, scale, onHull));

  const candidates: number[] = [];
  for (let i = 0; i < n; i++) if (onHull[i] === 3) candidates.push(3 * i);
  const [s0, s1, s2] = scale;
  let best = 0;
  for (let i = 0; i < candidates.length; i++) {
    const pi = candidates[i];
    const a0 = points[pi] * s0,
      a1 = points[pi + 1] * s1,
      a2 = points[pi + 2] * s2;
    for (let j = i + 1; j < candidates.length; j++) {
      const pj = candidates[j];
      const d0 = a0 - points[pj] * s0;
      const d1 = a1 - points[pj + 1] * s1;
      const d2 = a2 - points[pj + 2] * s2;
      const d = d0 * d0 + d1 * d1 + d2 * d2;
      if (d > best) best = d;
    }
  }
  return { inPlane, overall: Math.sqrt(best) };
}

/** Largest distance between 2D points given as integer pairs, with `scale[d]` mm per unit (cshape.c calculate_meshDiameter2D). */
export function meshDiameter2D(points: Int32Array, scale: readonly [number, number]): number {
  const n = points.length / 2;
  if (n === 0) return 0;
  // a single plane of the 3D routine: lift to triples with a constant first coordinate
  const lifted = new Int32Array(3 * n);
  for (let i = 0; i < n; i++) {
    lifted[3 * i + 1] = points[2 * i];
    lifted[3 * i + 2] = points[2 * i + 1];
  }
  const onHull = new Uint8Array(n);
  return Math.sqrt(planeHulls(lifted, 0, [1, scale[0], scale[1]], onHull));
}
