// Volume and surface area of the convex hull of a point set on an integer lattice (the marching-cubes mesh vertices in
// half-voxel units), for IBSI's convex-hull densities (IBSI-1 §3.1.25–26). Incremental hull with exact orientation
// tests: lattice coordinates keep every determinant an integer well inside double precision.

export interface HullMeasures {
  /** mm³ */
  volume: number;
  /** mm² */
  area: number;
}

/** Keeps only each lattice row's two extreme points along x: a point between two others on a line is no hull vertex. */
function rowExtremes(points: Int32Array): number[][] {
  const rows = new Map<string, [number, number]>();
  for (let k = 0; k < points.length; k += 3) {
    const [x, y, z] = [points[k], points[k + 1], points[k + 2]];
    const key = `${y},${z}`;
    const r = rows.get(key);
    if (!r) rows.set(key, [x, x]);
    else {
      if (x < r[0]) r[0] = x;
      if (x > r[1]) r[1] = x;
    }
  }
  const out: number[][] = [];
  for (const [key, [lo, hi]] of rows) {
    const [y, z] = key.split(',').map(Number);
    out.push([lo, y, z]);
    if (hi !== lo) out.push([hi, y, z]);
  }
  return out;
}

function orient(a: number[], b: number[], c: number[], p: number[]): number {
  const abx = b[0] - a[0], aby = b[1] - a[1], abz = b[2] - a[2];
  const acx = c[0] - a[0], acy = c[1] - a[1], acz = c[2] - a[2];
  const apx = p[0] - a[0], apy = p[1] - a[1], apz = p[2] - a[2];
  return (aby * acz - abz * acy) * apx + (abz * acx - abx * acz) * apy + (abx * acy - aby * acx) * apz;
}

/**
 * Convex hull of integer points given as (x, y, z) triples; `scale` converts each lattice unit to mm per axis.
 * Returns zeros when the points are coplanar.
 */
export function convexHull(points: Int32Array, scale: readonly [number, number, number]): HullMeasures {
  const p = rowExtremes(points);
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
  for (const [a, b, c, other] of [[0, 1, 2, 3], [0, 3, 1, 2], [1, 3, 2, 0], [2, 3, 0, 1]]) {
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
      for (const [u, v] of [[a, b], [b, c], [c, a]]) {
        const twin = edge.get(key(v, u));
        if (twin === undefined || !isVisible.has(twin)) horizon.push([u, v]);
      }
    }
    for (const f of visible) {
      alive[f] = false;
      const [a, b, c] = faces[f];
      for (const [u, v] of [[a, b], [b, c], [c, a]]) if (edge.get(key(u, v)) === f) edge.delete(key(u, v));
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
