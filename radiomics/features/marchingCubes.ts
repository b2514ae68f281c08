// Marching-cubes surface of a binary ROI, as PyRadiomics' cshape.c builds it (shape class): vertices halfway along
// every edge between an ROI voxel and a non-ROI voxel, triangles from a 128-entry table (cubes with corner 7 set are
// complemented, flipping the volume's sign), outward normals so that Σ signed tetrahedra gives the enclosed volume.
// Coordinates are (z, y, x) in mm, exactly as cshape.c orders them, so the signed volume has PyRadiomics' sign.

// The tables keep cshape.c's layout, one row per line (hence prettier-ignore).

/** Corner a of the cube at offset (dz, dy, dx) from its origin voxel (cshape.c gridAngles). */
// prettier-ignore
const CORNERS: readonly (readonly [number, number, number])[] = [
  [0, 0, 0], [0, 0, 1], [0, 1, 1], [0, 1, 0],
  [1, 0, 0], [1, 0, 1], [1, 1, 1], [1, 1, 0],
];

/** Midpoint of cube edge e as (dz, dy, dx) from the cube origin (cshape.c vertList). */
// prettier-ignore
const EDGE_MIDPOINTS: readonly (readonly [number, number, number])[] = [
  [0, 0, 0.5], [0, 0.5, 1], [0, 1, 0.5], [0, 0.5, 0],
  [1, 0, 0.5], [1, 0.5, 1], [1, 1, 0.5], [1, 0.5, 0],
  [0.5, 0, 0], [0.5, 0, 1], [0.5, 1, 1], [0.5, 1, 0],
];

/**
 * Triangles (as edge triples) for cube indices 0..127, the Lorensen–Cline table in PyRadiomics' corner numbering
 * and orientation (cshape.c triTable). Indices ≥ 128 use the complement with the sign of the volume flipped.
 */
// prettier-ignore
const TRIANGLES_TEXT = [
  '', '0 8 3', '1 9 0', '1 8 3 1 9 8', '1 2 10', '0 8 3 1 2 10', '9 2 10 0 2 9', '2 8 3 2 10 8 10 9 8',
  '11 2 3', '11 2 0 0 8 11', '1 9 0 11 2 3', '11 2 1 1 9 11 9 8 11', '3 10 1 11 10 3', '10 1 0 0 8 10 8 11 10',
  '9 0 3 3 11 9 11 10 9', '9 8 10 11 10 8', '4 7 8', '0 4 3 4 7 3', '1 9 0 4 7 8', '1 9 4 1 4 7 1 7 3',
  '1 2 10 4 7 8', '3 4 7 3 0 4 1 2 10', '9 2 10 9 0 2 4 7 8', '2 10 9 2 9 7 2 7 3 4 7 9', '4 7 8 11 2 3',
  '11 4 7 11 2 4 2 0 4', '1 9 0 4 7 8 11 2 3', '4 7 11 9 4 11 11 2 9 1 9 2', '3 10 1 11 10 3 4 7 8',
  '11 10 1 1 4 11 1 0 4 4 7 11', '4 7 8 9 0 3 3 11 9 11 10 9', '4 7 11 4 11 9 9 11 10', '9 5 4', '9 5 4 0 8 3',
  '0 5 4 0 1 5', '8 5 4 8 3 5 3 1 5', '1 2 10 9 5 4', '0 8 3 1 2 10 9 5 4', '2 10 5 5 4 2 2 4 0',
  '2 10 5 3 2 5 3 5 4 8 3 4', '9 5 4 11 2 3', '11 2 0 0 8 11 9 5 4', '0 5 4 0 1 5 11 2 3',
  '2 1 5 2 5 8 11 2 8 5 4 8', '3 10 1 11 10 3 9 5 4', '5 4 9 10 1 0 0 8 10 8 11 10',
  '5 4 0 5 0 11 10 5 11 11 0 3', '5 4 8 10 5 8 11 10 8', '7 8 9 5 7 9', '3 0 9 5 3 9 3 5 7',
  '7 8 0 0 1 7 7 1 5', '1 5 7 1 7 3', '7 8 9 5 7 9 1 2 10', '1 2 10 3 0 9 3 9 5 3 5 7',
  '0 2 8 8 2 5 8 5 7 2 10 5', '2 10 5 2 5 3 3 5 7', '5 7 9 7 8 9 11 2 3', '5 7 9 9 7 2 2 0 9 11 2 7',
  '11 2 3 0 1 8 1 7 8 1 5 7', '2 1 11 1 7 11 1 5 7', '7 8 9 5 7 9 3 10 1 11 10 3',
  '5 7 0 5 0 9 7 11 0 10 1 0 11 10 0', '11 10 0 0 3 11 10 5 0 0 7 8 5 7 0', '11 10 5 5 7 11', '6 5 10',
  '0 8 3 6 5 10', '1 9 0 6 5 10', '1 8 3 1 9 8 6 5 10', '1 6 5 1 2 6', '1 6 5 1 2 6 0 8 3', '9 6 5 9 0 6 0 2 6',
  '5 9 8 5 8 2 5 2 6 8 3 2', '11 2 3 6 5 10', '11 2 0 0 8 11 6 5 10', '1 9 0 11 2 3 6 5 10',
  '11 2 1 1 9 11 9 8 11 6 5 10', '6 3 11 6 5 3 5 1 3', '0 8 11 0 11 5 0 5 1 5 11 6', '6 3 11 0 3 6 0 6 5 0 5 9',
  '6 5 9 6 9 11 11 9 8', '4 7 8 6 5 10', '0 4 3 4 7 3 6 5 10', '1 9 0 4 7 8 6 5 10', '1 9 4 1 4 7 1 7 3 6 5 10',
  '4 7 8 1 6 5 1 2 6', '0 4 3 4 7 3 1 6 5 1 2 6', '4 7 8 9 6 5 9 0 6 0 2 6', '7 3 9 4 7 9 3 2 9 5 9 6 2 6 9',
  '11 2 3 4 7 8 6 5 10', '11 4 7 11 2 4 2 0 4 6 5 10', '1 9 0 11 2 3 4 7 8 6 5 10',
  '4 7 11 9 4 11 11 2 9 1 9 2 6 5 10', '4 7 8 6 3 11 6 5 3 5 1 3', '5 1 11 5 11 6 1 0 11 4 7 11 0 4 11',
  '4 7 8 6 3 11 0 3 6 0 6 5 0 5 9', '6 5 9 6 9 11 4 7 9 7 11 9', '10 4 9 6 4 10', '10 4 9 6 4 10 0 8 3',
  '0 1 10 10 6 0 6 4 0', '1 8 3 1 6 8 8 6 4 6 1 10', '1 4 9 1 2 4 2 6 4', '1 4 9 1 2 4 2 6 4 0 8 3',
  '0 2 4 4 2 6', '8 3 2 8 2 4 4 2 6', '11 2 3 10 4 9 6 4 10', '11 2 0 0 8 11 10 4 9 6 4 10',
  '11 2 3 0 1 10 10 6 0 6 4 0', '6 4 1 6 1 10 1 4 8 11 2 1 1 8 11', '9 6 4 3 6 9 1 3 9 11 6 3',
  '1 8 11 0 8 1 11 6 1 1 4 9 6 4 1', '6 3 11 0 3 6 6 4 0', '8 6 4 6 8 11', '6 7 10 7 8 10 8 9 10',
  '6 7 10 0 10 7 0 9 10 0 7 3', '6 7 10 1 10 7 1 7 8 0 1 8', '6 7 10 1 10 7 1 7 3', '1 2 6 1 6 8 1 8 9 6 7 8',
  '2 6 9 1 2 9 6 7 9 3 0 9 7 3 9', '0 7 8 7 0 6 6 0 2', '2 7 3 2 6 7', '11 2 3 6 7 10 7 8 10 8 9 10',
  '2 0 7 11 2 7 0 9 7 6 7 10 9 10 7', '6 7 10 1 10 7 1 7 8 0 1 8 11 2 3', '11 2 1 1 7 11 10 6 1 1 6 7',
  '8 9 6 6 7 8 1 6 9 11 6 3 1 3 6', '0 9 1 6 7 11', '0 7 8 7 0 6 0 3 11 11 6 0', '6 7 11',
];

/** Edge triples per cube index 0..127. */
export const CUBE_TRIANGLES: readonly Int8Array[] = TRIANGLES_TEXT.map((row) => Int8Array.from(row === '' ? [] : row.split(' ').map(Number)));

/** The two corners joined by each cube edge (derived from the midpoints: they differ in one coordinate). */
export const EDGE_CORNERS: readonly (readonly [number, number])[] = EDGE_MIDPOINTS.map((m) => {
  const ends = CORNERS.map((c, i) => [c, i] as const).filter(([c]) => c.every((v, d) => (m[d] === 0.5 ? true : v === m[d])));
  return [ends[0][1], ends[1][1]] as const;
});

export { CORNERS as CUBE_CORNERS, EDGE_MIDPOINTS as CUBE_EDGE_MIDPOINTS };

export interface PaddedMask {
  /** 0/1 mask with one empty voxel added on every side (cshape.c pads by 1 so every surface closes). */
  data: Uint8Array;
  /** Padded size (x, y, z). */
  size: [number, number, number];
}

/** Copies a 0/1 mask (x fastest) into a grid grown by one voxel on every side. */
export function padMask(mask: Uint8Array, size: readonly [number, number, number]): PaddedMask {
  const [nx, ny, nz] = size;
  const px = nx + 2,
    py = ny + 2,
    pz = nz + 2;
  const data = new Uint8Array(px * py * pz);
  let i = 0;
  for (let z = 0; z < nz; z++) {
    for (let y = 0; y < ny; y++) {
      const row = 1 + px * (y + 1 + py * (z + 1));
      for (let x = 0; x < nx; x++, i++) if (mask[i] !== 0) data[row + x] = 1;
    }
  }
  return { data, size: [px, py, pz] };
}

export interface MeshMeasures {
  /** Σ triangle areas, mm² (IBSI C0JK). */
  surfaceArea: number;
  /** Σ signed tetrahedron volumes (origin, triangle), mm³ (IBSI RNU0). */
  volume: number;
}

/** Surface area and enclosed volume of the marching-cubes mesh (cshape.c calculate_coefficients). */
export function meshMeasures(padded: PaddedMask, spacing: readonly [number, number, number]): MeshMeasures {
  const [px, py, pz] = padded.size;
  const m = padded.data;
  const [sx, sy, sz] = spacing;
  const strideY = px;
  const strideZ = px * py;
  // corner offsets in the flat padded array, in cshape.c's corner order
  const cornerOffset = CORNERS.map(([dz, dy, dx]) => dz * strideZ + dy * strideY + dx);
  let area = 0;
  let volume6 = 0;
  for (let iz = 0; iz < pz - 1; iz++) {
    for (let iy = 0; iy < py - 1; iy++) {
      const base = iz * strideZ + iy * strideY;
      for (let ix = 0; ix < px - 1; ix++) {
        const o = base + ix;
        let cube = 0;
        for (let a = 0; a < 8; a++) if (m[o + cornerOffset[a]] !== 0) cube |= 1 << a;
        let sign = 1;
        if (cube & 0x80) {
          cube ^= 0xff;
          sign = -1;
        }
        if (cube === 0) continue;
        const tris = CUBE_TRIANGLES[cube];
        for (let t = 0; t < tris.length; t += 3) {
          const ea = EDGE_MIDPOINTS[tris[t]];
          const eb = EDGE_MIDPOINTS[tris[t + 1]];
          const ec = EDGE_MIDPOINTS[tris[t + 2]];
          const a0 = (iz + ea[0]) * sz,
            a1 = (iy + ea[1]) * sy,
            a2 = (ix + ea[2]) * sx;
          const b0 = (iz + eb[0]) * sz,
            b1 = (iy + eb[1]) * sy,
            b2 = (ix + eb[2]) * sx;
          const c0 = (iz + ec[0]) * sz,
            c1 = (iy + ec[1]) * sy,
            c2 = (ix + ec[2]) * sx;
          // IBSI 3.1.1 (RNU0) · cshape.c: V += Oa · (Ob × Oc) / 6, signed by the face orientation
          const x0 = a1 * b2 - b1 * a2;
          const x1 = a2 * b0 - b2 * a0;
          const x2 = a0 * b1 - b0 * a1;
          volume6 += sign * (x0 * c0 + x1 * c1 + x2 * c2);
          // IBSI 3.1.3 (C0JK) · cshape.c: A += |(a − c) × (b − c)| / 2
          const u0 = a0 - c0,
            u1 = a1 - c1,
            u2 = a2 - c2;
          const v0 = b0 - c0,
            v1 = b1 - c1,
            v2 = b2 - c2;
          const n0 = u1 * v2 - v1 * u2;
          const n1 = u2 * v0 - v2 * u0;
          const n2 = u0 * v1 - v0 * u1;
          area += 0.5 * Math.sqrt(n0 * n0 + n1 * n1 + n2 * n2);
        }
      }
    }
  }
  return { surfaceArea: area, volume: volume6 / 6 };
}

/**
 * Mesh vertices in half-voxel units of the padded grid, as (z2, y2, x2) triples: one vertex halfway along every edge
 * that joins an ROI voxel to a non-ROI voxel — the vertex set cshape.c feeds to its diameter search.
 */
export function meshVertices(padded: PaddedMask): Int32Array {
  const [px, py, pz] = padded.size;
  const m = padded.data;
  const strideZ = px * py;
  const out: number[] = [];
  for (let z = 0; z < pz; z++) {
    for (let y = 0; y < py; y++) {
      const row = px * (y + py * z);
      for (let x = 0; x < px; x++) {
        const i = row + x;
        const v = m[i];
        if (x + 1 < px && m[i + 1] !== v) out.push(2 * z, 2 * y, 2 * x + 1);
        if (y + 1 < py && m[i + px] !== v) out.push(2 * z, 2 * y + 1, 2 * x);
        if (z + 1 < pz && m[i + strideZ] !== v) out.push(2 * z + 1, 2 * y, 2 * x);
      }
    }
  }
  return Int32Array.from(out);
}
