// Volume and surface area of the convex hull of a point set on an integer lattice (the marching-cubes mesh vertices in
// half-voxel units), for IBSI's convex-hull densities (IBSI-1 §3.1.25–26). Incremental hull with exact orientation
// tests: lattice coordinates keep every determinant an integer well inside double precision.

export interface HullMeasures {
  /** mm³ */
  volume: number;
  /** mm² */
  area: number;
}

/**
 * Candidate hull vertices: a point between two others on a lattice line is no hull vertex, so a vertex is extreme in
 * its x row, its y row and its z row alike; only points extreme along all three lines are kept.
 */
function candidates(points: Int32Array): number[][] {
  const n = points.length / 3;
  const min = [Infinity, Infinity, Infinity];
  for (let k = 0; k < points.length; k++) min[k % 3] = Math.min(min[k % 3], points[k]);
  const extremeAlong = (axis: number): Uint8Array => {
    const [a, b] = [0, 1, 2].filter((d) => d !== axis);
    const lo = new Map<number, number>();
    const hi = new Map<number, number>();
    for (let k = 0; k < n; k++) {
      const key = (points[3 * k + a] - min[a]) * 1048576 + (points[3 * k + b] - min[b]);
      const v = points[3 * k + axis];
      const l = lo.get(key);
      if (l === undefined || v < points[3 * l + axis]) lo.set(key, k);
      const h = hi.get(key);
      if (h === undefined || v > points[3 * h + axis]) hi.set(key, k);
    }
    const keep = new Uint8Array(n);
    for (const k of lo.values()) keep[k] = 1;
    for (const k of hi.values()) keep[k] = 1;
    return keep;
  };
  const [kx, ky, kz] = [extremeAlong(0), extremeAlong(1), extremeAlong(2)];
  const out: number[][] = [];
  for (let k = 0; k < n; k++) if (kx[k] && ky[k] && kz[k]) out.push([points[3 * k], points[3 * k + 1], points[3 * k + 2]]);
  // farthest from the centroid first: the hull grows fast and later points mostly fall inside it
  const c = [0, 1, 2].map((d) => out.reduce((s, q) => s + q[d], 0) / out.length);
  const r2 = (q: number[]) => (q[0] - c[0]) ** 2 + (q[1] - c[1]) ** 2 + (q[2] - c[2]) ** 2;
  return out.sort((q, w) => r2(w) - r2(q));
}

function orient(a: number[], b: number[], c: number[], p: number[]): number {
  const abx = b[0] - a[0],
    aby = b[1] - a[1],
    abz = b[2] - a[2];
  const acx = c[0] - a[0],
    acy = c[1] - a[1],
    acz = c[2] - a[2];
  const apx = p[0] - a[0],
    apy = p[1] - a[1],
    apz = p[2] - a[2];
  return (aby * acz - abz * acy) * apx + (abz * acx - abx * acz) * apy + (abx * acy - aby * acx) * apz;
}

/**
 * Convex hull of integer points given as (x, y, z) triples; `scale` converts each lattice unit to mm per axis.
 * Returns zeros when the points are coplanar.
 */
export function convexHull(points: Int32Array, scale: readonly [number, number, number]): HullMeasures {
  const p = candidates(points);
  const n = p.length;
  if (n < 4) return { volume: 0, area: 0 };
  // initial tetrahedron: two far points, the farthest from their line, the farthest from their plane
  let i0 = 0;
  for (let k = 1; k < n; k++) if (p[k][0] < p[i0][0]) i0 = k;
  const d2 = (a: number[], b: number[]) => (a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2 + (a[2] - b[2]) ** 2;
  let i1 = i0;
  for (let k = 0; k < n; k++) if (d2(p[k], p[i0]) > d2(p[i1], p[i0])) i1 = k;
  const cross2 = (k: number) => {
    const u = [p[i1][0] - p[i0][0], p[i1][1] - p[i0][1], p[i1][2] - p[i0][2]];
    const v = [p[k][0] - p[i0][0], p[k][1] - p[i0][1], p[k][2] - p[i0][2]];
    return (u[1] * v[2] - u[2] * v[1]) ** 2 + (u[2] * v[0] - u[0] * v[2]) ** 2 + (u[0] * v[1] - u[1] * v[0]) ** 2;
  };
  let i2 = i0;
  for (let k = 0; k < n; k++) if (cross2(k) > cross2(i2)) i2 = k;
  let i3 = i0;
  for (let k = 0; k < n; k++) if (Math.abs(orient(p[i0], p[i1], p[i2], p[k])) > Math.abs(orient(p[i0], p[i1], p[i2], p[i3]))) i3 = k;
  if (i1 === i0 || cross2(i2) === 0 || orient(p[i0], p[i1], p[i2], p[i3]) === 0) return { volume: 0, area: 0 };

  // faces as vertex triples, outward normals by the right-hand rule; edges (u→v) map to the face that holds them
  const faces: number[][] = [];
  const alive: boolean[] = [];
  const edge = new Map<number, number>();
  const key = (u: number, v: number) => u * n + v;
  const addFace = (a: number, b: number, c: number) => {
    const f = faces.length;
    faces.push([a, b, c]);
    alive.push(true);
    edge.set(key(a, b), f);
    edge.set(key(b, c), f);
    edge.set(key(c, a), f);
  };
  const tetra = [i0, i1, i2, i3];
  for (const [a, b, c, other] of [
    [0, 1, 2, 3],
    [0, 3, 1, 2],
    [1, 3, 2, 0],
    [2, 3, 0, 1],
  ]) {
    const [va, vb, vc] = [tetra[a], tetra[b], tetra[c]];
    if (orient(p[va], p[vb], p[vc], p[tetra[other]]) > 0) addFace(va, vc, vb);
    else addFace(va, vb, vc);
  }

  let live = [0, 1, 2, 3];
  for (let k = 0; k < n; k++) {
    if (k === i0 || k === i1 || k === i2 || k === i3) continue;
    const visible: number[] = [];
    for (const f of live) {
      if (orient(p[faces[f][0]], p[faces[f][1]], p[faces[f][2]], p[k]) > 0) visible.push(f);
    }
    if (visible.length === 0) continue;
    const isVisible = new Set(visible);
    const horizon: [number, number][] = [];
    for (const f of visible) {
      const [a, b, c] = faces[f];
      for (const [u, v] of [
        [a, b],
        [b, c],
        [c, a],
      ]) {
        const twin = edge.get(key(v, u));
        if (twin === undefined || !isVisible.has(twin)) horizon.push([u, v]);
      }
    }
    for (const f of visible) {
      alive[f] = false;
      const [a, b, c] = faces[f];
      for (const [u, v] of [
        [a, b],
        [b, c],
        [c, a],
      ])
        if (edge.get(key(u, v)) === f) edge.delete(key(u, v));
    }
    for (const [u, v] of horizon) addFace(u, v, k);
    live = live.filter((f) => alive[f]);
    for (let f = faces.length - horizon.length; f < faces.length; f++) live.push(f);
  }

  let volume = 0;
  let area = 0;
  const [sx, sy, sz] = scale;
  for (let f = 0; f < faces.length; f++) {
    if (!alive[f]) continue;
    const [a, b, c] = faces[f].map((v) => [p[v][0] * sx, p[v][1] * sy, p[v][2] * sz]);
    // signed tetrahedron volume with the origin, and the triangle's area
    volume += (a[0] * (b[1] * c[2] - b[2] * c[1]) - a[1] * (b[0] * c[2] - b[2] * c[0]) + a[2] * (b[0] * c[1] - b[1] * c[0])) / 6;
    const u = [b[0] - a[0], b[1] - a[1], b[2] - a[2]];
    const w = [c[0] - a[0], c[1] - a[1], c[2] - a[2]];
    area += Math.hypot(u[1] * w[2] - u[2] * w[1], u[2] * w[0] - u[0] * w[2], u[0] * w[1] - u[1] * w[0]) / 2;
  }
  return { volume: Math.abs(volume), area };
}
