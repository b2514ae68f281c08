// Marching-squares outline of a binary 2D ROI, as PyRadiomics' cshape.c calculate_coefficients2D builds it (shape2D):
// line segments between midpoints of edges that join an ROI pixel to a non-ROI pixel, oriented so that the signed
// triangles (origin, a, b) sum to the enclosed area. Coordinates are (row, column) in mm, in cshape.c's order.

/** Square corners as (dRow, dCol): p0 top-left, p1 top-right, p2 bottom-right, p3 bottom-left (cshape.c gridAngles2D). */
const CORNERS: readonly (readonly [number, number])[] = [
  [0, 0],
  [0, 1],
  [1, 1],
  [1, 0],
];

/** Edge midpoints as (dRow, dCol): top, right, bottom, left (cshape.c vertList2D). */
const EDGE_MIDPOINTS: readonly (readonly [number, number])[] = [
  [0, 0.5],
  [0.5, 1],
  [1, 0.5],
  [0.5, 0],
];

/** Oriented segments (edge pairs) per square index 0..15 (cshape.c lineTable2D). */
const SEGMENTS: readonly (readonly number[])[] = [
  [],
  [3, 0],
  [0, 1],
  [3, 1],
  [1, 2],
  [1, 2, 3, 0],
  [0, 2],
  [3, 2],
  [2, 3],
  [2, 0],
  [0, 1, 2, 3],
  [2, 1],
  [1, 3],
  [1, 0],
  [0, 3],
  [],
];

export interface Outline2D {
  /** Σ segment lengths, mm (PyRadiomics shape2D Perimeter). */
  perimeter: number;
  /** Σ signed triangle areas (origin, a, b), mm² (PyRadiomics shape2D MeshSurface). */
  surface: number;
}

/** A 0/1 image (column fastest) grown by one empty pixel on every side, so every outline closes. */
export function padImage2D(mask: Uint8Array, rows: number, cols: number): { data: Uint8Array; rows: number; cols: number } {
  const pc = cols + 2;
  const data = new Uint8Array((rows + 2) * pc);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) if (mask[r * cols + c] !== 0) data[(r + 1) * pc + c + 1] = 1;
  return { data, rows: rows + 2, cols: pc };
}

/** Perimeter and enclosed area of the marching-squares outline of a padded 0/1 image. */
export function outlineMeasures(data: Uint8Array, rows: number, cols: number, spacing: readonly [number, number]): Outline2D {
  const [sr, sc] = spacing;
  const cornerOffset = CORNERS.map(([dr, dc]) => dr * cols + dc);
  let perimeter = 0;
  let surface2 = 0;
  for (let ir = 0; ir < rows - 1; ir++) {
    for (let ic = 0; ic < cols - 1; ic++) {
      const o = ir * cols + ic;
      let square = 0;
      for (let a = 0; a < 4; a++) if (data[o + cornerOffset[a]] !== 0) square |= 1 << a;
      if (square === 0 || square === 15) continue;
      const segs = SEGMENTS[square];
      for (let t = 0; t < segs.length; t += 2) {
        const ea = EDGE_MIDPOINTS[segs[t]];
        const eb = EDGE_MIDPOINTS[segs[t + 1]];
        const a0 = (ir + ea[0]) * sr,
          a1 = (ic + ea[1]) * sc;
        const b0 = (ir + eb[0]) * sr,
          b1 = (ic + eb[1]) * sc;
        // cshape.c: surface += Oa × Ob (z component), halved at the end
        surface2 += a0 * b1 - b0 * a1;
        // cshape.c: perimeter += |a − b|
        perimeter += Math.hypot(a0 - b0, a1 - b1);
      }
    }
  }
  return { perimeter, surface: surface2 / 2 };
}

/** Outline vertices in half-pixel units as (row2, col2) pairs: the midpoint of every edge joining ROI and non-ROI pixels. */
export function outlineVertices(data: Uint8Array, rows: number, cols: number): Int32Array {
  const out: number[] = [];
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const i = r * cols + c;
      const v = data[i];
      if (c + 1 < cols && data[i + 1] !== v) out.push(2 * r, 2 * c + 1);
      if (r + 1 < rows && data[i + cols] !== v) out.push(2 * r + 1, 2 * c);
    }
  }
  return Int32Array.from(out);
}
