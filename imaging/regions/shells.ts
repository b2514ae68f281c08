// Peritumoral shells: the voxels outside the tumour whose centre lies a < d ≤ b mm from the tumour, optionally kept
// to the body (voxels of a body image above a threshold). d comes from the exact Euclidean distance transform of the
// tumour's voxel centres on the anisotropic grid (Felzenszwalb & Huttenlocher 2012), measured either
//   `centres`: to the nearest tumour voxel centre — morphological dilation by a ball of b mm, as thresholding
//     SimpleITK's SignedMaurerDistanceMap does; or
//   `surface` (default): to the tumour's surface, which lies beyond its outermost voxel centres. On a grid a surface
//     is sampled by the centres inside it, so the outermost centres sit on average a distance δ inside it (up to half
//     a voxel, most along the coarsest axis); dilating the centres by b then falls short by δ, and a 0–3 mm shell on
//     0.8 × 0.8 × 2 mm voxels loses about 15 % of its volume. δ is measured for this grid on a sphere of the tumour's
//     volume (voxelised at four fixed sub-voxel offsets, δ = R − the radius its dilations by 1.5–3 voxels imply), and
//     d = distance to the centres − δ. This assumes a surface of all orientations, as a tumour's is; on a face aligned
//     with the grid the outermost centres lie half a voxel deep instead.
// A shell that would reach past the image's edge is an error by default: its volume would silently be cut.
import type { Volume } from '../image';
import { RadiomicsInputError } from '../errors';
import { IDENTITY, type Geometry, type Vec3 } from '../image';
import { distanceMap } from './distance';

export interface ShellOptions {
  /** The tumour's label in the mask (default: every non-zero voxel). */
  label?: number;
  /** Keep only voxels where this image (same grid) exceeds `threshold`. */
  body?: { image: Volume; threshold: number };
  /** `error` (default): refuse shells that leave the image; `clip`: keep what lies inside it. */
  onEdge?: 'error' | 'clip';
  /** `surface` (default) or `centres`: what distances are measured from (see above). */
  from?: 'surface' | 'centres';
}

export interface Shell {
  /** Inner and outer distance, mm. */
  from: number;
  to: number;
  mask: Volume<Uint8Array>;
  voxels: number;
  /** ml */
  volume: number;
  /** δ, mm: how far the surface lies beyond the outermost tumour voxel centres (0 when measuring from centres). */
  surfaceOffset: number;
}

/** Parses "0-3,3-5,5-10" into [[0, 3], [3, 5], [5, 10]]; each shell needs 0 ≤ from < to. */
export function parseShellDistances(text: string, field = 'distances'): Array<[number, number]> {
  return text.split(',').map((part) => {
    const m = /^\s*(\d+(?:\.\d+)?)\s*-\s*(\d+(?:\.\d+)?)\s*$/.exec(part);
    const from = m ? Number(m[1]) : NaN;
    const to = m ? Number(m[2]) : NaN;
    if (!(from >= 0 && to > from)) {
      throw new RadiomicsInputError(`shell '${part.slice(0, 32)}'`, {
        field,
        expected: 'shells FROM-TO in mm with 0 ≤ FROM < TO, comma-separated (e.g. 0-3,3-5,5-10)',
      });
    }
    return [from, to];
  });
}

const AXES = ['x', 'y', 'z'];

export function peritumoralShells(tumour: Volume, distances: ReadonlyArray<readonly [number, number]>, options: ShellOptions = {}): Shell[] {
  const g = tumour.geometry;
  const [nx, ny, nz] = g.size;
  const file = tumour.source;
  const label = options.label;
  const data = tumour.data;
  const inTumour = (i: number) => (label === undefined ? data[i] !== 0 : data[i] === label);
  if (distances.length === 0) throw new RadiomicsInputError('no shells', { field: 'distances', expected: 'at least one shell FROM-TO (mm)' });
  for (const [a, b] of distances) {
    if (!(a >= 0 && b > a && Number.isFinite(b)))
      throw new RadiomicsInputError(`shell ${a}–${b} mm`, { field: 'distances', expected: 'shells with 0 ≤ from < to (mm)' });
  }
  // The tumour's bounding box, for the edge check.
  const lo = [Infinity, Infinity, Infinity];
  const hi = [-1, -1, -1];
  let count = 0;
  for (let z = 0, i = 0; z < nz; z++) {
    for (let y = 0; y < ny; y++) {
      for (let x = 0; x < nx; x++, i++) {
        if (!inTumour(i)) continue;
        count++;
        const c = [x, y, z];
        for (let a = 0; a < 3; a++) {
          if (c[a] < lo[a]) lo[a] = c[a];
          if (c[a] > hi[a]) hi[a] = c[a];
        }
      }
    }
  }
  if (count === 0) {
    throw new RadiomicsInputError(`mask has no tumour voxel${label === undefined ? '' : ` with label ${label}`}`, {
      file,
      field: 'label',
      expected: 'a non-empty tumour mask',
    });
  }
  const voxelMm3 = g.spacing[0] * g.spacing[1] * g.spacing[2];
  const delta = (options.from ?? 'surface') === 'surface' ? surfaceOffset(g.spacing, count * voxelMm3) : 0;
  // The farthest shell voxel's centre lies b + δ from the nearest tumour voxel centre.
  const farthest = Math.max(...distances.map(([, b]) => b)) + delta;
  if ((options.onEdge ?? 'error') === 'error') {
    for (let a = 0; a < 3; a++) {
      const margins: Array<[string, number]> = [
        [`−${AXES[a]}`, lo[a] * g.spacing[a]],
        [`+${AXES[a]}`, (g.size[a] - 1 - hi[a]) * g.spacing[a]],
      ];
      for (const [edge, margin] of margins) {
        if (margin < farthest) {
          const [from, to] = distances.find(([, b]) => b + delta > margin)!;
          throw new RadiomicsInputError(`the ${from}–${to} mm shell leaves the image: the tumour lies ${round(margin)} mm from the image's ${edge} edge`, {
            file,
            field: 'distances',
            expected: `shells within ${round(Math.max(0, margin - delta))} mm of the tumour, or an image reaching ${round(farthest)} mm beyond its voxels on every side`,
          });
        }
      }
    }
  }
  let body: ((i: number) => boolean) | null = null;
  if (options.body) {
    const { image, threshold } = options.body;
    if (!image.geometry.size.every((s, a) => s === g.size[a]) || image.data.length !== data.length) {
      throw new RadiomicsInputError(`body image is ${image.geometry.size.join('×')}, the mask ${g.size.join('×')}`, {
        file: image.source,
        field: 'size',
        expected: "the tumour mask's grid",
      });
    }
    const bd = image.data;
    body = (i) => bd[i] > threshold;
  }
  const { squared } = distanceMap(g, inTumour);
  const voxelMl = (g.spacing[0] * g.spacing[1] * g.spacing[2]) / 1000;
  return distances.map(([from, to]) => {
    const out = new Uint8Array(data.length);
    // a < d − δ ≤ b on squared centre distances (the inner bound only when a > 0).
    const a2 = (from + delta) ** 2;
    const b2 = (to + delta) ** 2;
    let voxels = 0;
    for (let i = 0; i < out.length; i++) {
      const d = squared[i];
      if (d > 0 && (from === 0 || d > a2) && d <= b2 && !inTumour(i) && (!body || body(i))) {
        out[i] = 1;
        voxels++;
      }
    }
    return { from, to, mask: { geometry: g, data: out }, voxels, volume: voxels * voxelMl, surfaceOffset: delta };
  });
}

/** Fixed sub-voxel positions of the reference sphere's centre (fractions of a voxel), spread over the cell. */
const REFERENCE_OFFSETS: Vec3[] = [
  [0.11, 0.37, 0.23],
  [0.41, 0.07, 0.31],
  [0.29, 0.47, 0.13],
  [0.03, 0.19, 0.43],
];

/**
 * δ (mm) for a grid: a sphere of the given volume (radius capped at 25 of the coarsest voxel) is voxelised by its
 * voxel centres; its dilations by b = 1.5, 2, 2.5 and 3 voxels (of the coarsest axis) hold V(b) voxels' volume, which
 * a ball of radius R − δ + b would; δ is the mean of R + b − ∛(3V(b)/4π) over the four offsets and four b.
 */
export function surfaceOffset(spacing: readonly number[], volumeMm3: number): number {
  const coarsest = Math.max(...spacing);
  const radius = Math.max(coarsest, Math.min(Math.cbrt((3 * volumeMm3) / (4 * Math.PI)), 25 * coarsest));
  const reach = [1.5, 2, 2.5, 3].map((k) => k * coarsest);
  const margin = reach[reach.length - 1] + coarsest;
  const size = spacing.map((s) => Math.ceil((2 * (radius + margin)) / s) + 1) as Vec3;
  const [nx, ny, nz] = size;
  const voxelMm3 = spacing[0] * spacing[1] * spacing[2];
  const grid: Geometry = { size, spacing: [spacing[0], spacing[1], spacing[2]], origin: [0, 0, 0], direction: IDENTITY };
  const inside = new Uint8Array(nx * ny * nz);
  let sum = 0;
  for (const offset of REFERENCE_OFFSETS) {
    const c = size.map((n, a) => ((n - 1) / 2 + offset[a]) * spacing[a]);
    for (let z = 0, i = 0; z < nz; z++) {
      const dz = z * spacing[2] - c[2];
      for (let y = 0; y < ny; y++) {
        const dy = y * spacing[1] - c[1];
        for (let x = 0; x < nx; x++, i++) {
          const dx = x * spacing[0] - c[0];
          inside[i] = dx * dx + dy * dy + dz * dz <= radius * radius ? 1 : 0;
        }
      }
    }
    const { squared } = distanceMap(grid, (i) => inside[i] === 1);
    for (const b of reach) {
      let n = 0;
      for (let i = 0; i < squared.length; i++) if (squared[i] <= b * b) n++;
      sum += radius + b - Math.cbrt((3 * n * voxelMm3) / (4 * Math.PI));
    }
  }
  return sum / (REFERENCE_OFFSETS.length * reach.length);
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}
