// Planar polygons → voxels of one slice: a voxel belongs to the region when its centre is inside by the even-odd rule
// over every polygon of the slice together, so a polygon inside another cuts a hole and separate polygons add up.
// Scanline form: along each row of voxel centres, the crossings with the polygons' edges (an edge counts for the rows
// from its lower end inclusive to its upper end exclusive) are sorted and the centres between the 1st and 2nd, 3rd
// and 4th, … crossing are inside (left crossing inclusive, right exclusive).

/** One closed polygon in the slice's continuous voxel coordinates: x0, y0, x1, y1, … (x = column index, y = row index). */
export type Polygon = Float64Array;

interface Edge {
  /** Lower and upper y (ylo < yhi); x at ylo and dx/dy. */
  ylo: number;
  yhi: number;
  x: number;
  slope: number;
}

function edgesOf(polygons: readonly Polygon[]): Edge[] {
  const edges: Edge[] = [];
  for (const p of polygons) {
    const n = p.length / 2;
    for (let a = 0; a < n; a++) {
      const b = (a + 1) % n; // closed: the last point joins the first
      const [xa, ya, xb, yb] = [p[2 * a], p[2 * a + 1], p[2 * b], p[2 * b + 1]];
      if (ya === yb) continue; // horizontal: no crossing with a row
      const [x0, y0, x1, y1] = ya < yb ? [xa, ya, xb, yb] : [xb, yb, xa, ya];
      edges.push({ ylo: y0, yhi: y1, x: x0, slope: (x1 - x0) / (y1 - y0) });
    }
  }
  return edges.sort((e, f) => e.ylo - f.ylo);
}

/**
 * Sets to 1 the voxels of slice `out[offset … offset + nx·ny)` (x fastest) whose centres lie inside the polygons by
 * the even-odd rule; returns how many were set (a voxel already 1 stays 1).
 */
export function fillEvenOdd(polygons: readonly Polygon[], nx: number, ny: number, out: Uint8Array, offset: number): number {
  const edges = edgesOf(polygons);
  if (edges.length === 0) return 0;
  const yMax = Math.max(...edges.map((e) => e.yhi));
  const jFirst = Math.max(0, Math.ceil(edges[0].ylo));
  const jLast = Math.min(ny - 1, Math.ceil(yMax) - 1);
  const crossings: number[] = [];
  let set = 0;
  for (let j = jFirst; j <= jLast; j++) {
    crossings.length = 0;
    for (const e of edges) {
      if (e.ylo > j) break; // sorted by ylo: no later edge reaches this row
      if (j < e.yhi) crossings.push(e.x + (j - e.ylo) * e.slope);
    }
    crossings.sort((a, b) => a - b);
    const row = offset + j * nx;
    for (let m = 0; m + 1 < crossings.length; m += 2) {
      const from = Math.max(0, Math.ceil(crossings[m]));
      const to = Math.min(nx - 1, Math.ceil(crossings[m + 1]) - 1);
      for (let i = from; i <= to; i++) {
        if (out[row + i] === 0) {
          out[row + i] = 1;
          set++;
        }
      }
    }
  }
  return set;
}
