// Resampling a volume onto another grid, as SimpleITK's ResampleImageFilter does with an identity transform:
// each output voxel centre is mapped to a continuous index of the input, points outside [−0.5, n − 0.5) get 0,
// and the result keeps the input's voxel type (integers clamped to the type's range, then truncated as ITK casts).
import { RadiomicsInputError } from './errors';
import type { Geometry, Mat3, Vec3, Volume, VoxelArray } from './image';
import { BSplineSampler, supportBox } from './bspline';
import { token } from './io/limits';

export const INTERPOLATORS = ['sitkNearestNeighbor', 'sitkLinear', 'sitkBSpline'] as const;
export type Interpolator = (typeof INTERPOLATORS)[number];

export function parseInterpolator(name: unknown): Interpolator {
  if (typeof name === 'string' && (INTERPOLATORS as readonly string[]).includes(name)) return name as Interpolator;
  throw new RadiomicsInputError(`interpolator '${token(String(name))}' is not supported`, {
    field: 'interpolator',
    expected: INTERPOLATORS.join(', '),
  });
}

/** Inverse of a 3×3 row-major matrix. */
function invert3(m: readonly number[]): number[] {
  const [a, b, c, d, e, f, g, h, i] = m;
  const A = e * i - f * h;
  const B = -(d * i - f * g);
  const C = d * h - e * g;
  const det = a * A + b * B + c * C;
  if (det === 0 || !Number.isFinite(det)) {
    throw new RadiomicsInputError('image direction × spacing is singular', { field: 'direction', expected: 'an invertible direction matrix' });
  }
  return [
    A / det,
    -(b * i - c * h) / det,
    (b * f - c * e) / det,
    B / det,
    (a * i - c * g) / det,
    -(a * f - c * d) / det,
    C / det,
    -(a * h - b * g) / det,
    (a * e - b * d) / det,
  ];
}

/** D · diag(spacing), the index → physical linear map. */
function indexToPhysicalMatrix(g: Geometry): number[] {
  const d = g.direction;
  const s = g.spacing;
  return [d[0] * s[0], d[1] * s[1], d[2] * s[2], d[3] * s[0], d[4] * s[1], d[5] * s[2], d[6] * s[0], d[7] * s[1], d[8] * s[2]];
}

/** Continuous index in `g` of a physical point (ITK TransformPhysicalPointToContinuousIndex). */
export function physicalToIndex(g: Geometry, p: Vec3): Vec3 {
  const m = physicalToIndexMatrix(g);
  const v = [p[0] - g.origin[0], p[1] - g.origin[1], p[2] - g.origin[2]];
  return [m[0] * v[0] + m[1] * v[1] + m[2] * v[2], m[3] * v[0] + m[4] * v[1] + m[5] * v[2], m[6] * v[0] + m[7] * v[1] + m[8] * v[2]];
}

/** ITK's inverse of D · diag(spacing): exact reciprocals when the direction is axis-aligned, as its SVD inverse gives. */
function physicalToIndexMatrix(g: Geometry): number[] {
  const m = indexToPhysicalMatrix(g);
  const diagonal = m[1] === 0 && m[2] === 0 && m[3] === 0 && m[5] === 0 && m[6] === 0 && m[7] === 0;
  return diagonal ? [1 / m[0], 0, 0, 0, 1 / m[4], 0, 0, 0, 1 / m[8]] : invert3(m);
}

/**
 * Physical point of an index in ITK's summation order (origin, then each column term), so that ties in
 * nearest-neighbour rounding fall the way SimpleITK's do.
 */
export function itkIndexToPhysical(g: Geometry, i: number, j: number, k: number): Vec3 {
  const m = indexToPhysicalMatrix(g);
  return [g.origin[0] + m[0] * i + m[1] * j + m[2] * k, g.origin[1] + m[3] * i + m[4] * j + m[5] * k, g.origin[2] + m[6] * i + m[7] * j + m[8] * k];
}

/** Range a voxel type can hold, for ITK's clamping cast; null for floating types. */
function integerRange(data: VoxelArray): [number, number] | null {
  if (data instanceof Int8Array) return [-128, 127];
  if (data instanceof Uint8Array) return [0, 255];
  if (data instanceof Int16Array) return [-32768, 32767];
  if (data instanceof Uint16Array) return [0, 65535];
  if (data instanceof Int32Array) return [-2147483648, 2147483647];
  if (data instanceof Uint32Array) return [0, 4294967295];
  return null;
}

type Sampler = (x: number, y: number, z: number) => number;

function nearestSampler(data: ArrayLike<number>, size: readonly number[]): Sampler {
  const [nx, ny] = size;
  // ITK rounds half up (Math::RoundHalfIntegerUp)
  return (x, y, z) => data[Math.floor(x + 0.5) + nx * (Math.floor(y + 0.5) + ny * Math.floor(z + 0.5))];
}

function linearSampler(data: ArrayLike<number>, size: readonly number[]): Sampler {
  const [nx, ny, nz] = size;
  // neighbours beyond the edge are clamped to it, as ITK's LinearInterpolateImageFunction does
  return (x, y, z) => {
    const x0 = Math.floor(x),
      y0 = Math.floor(y),
      z0 = Math.floor(z);
    const fx = x - x0,
      fy = y - y0,
      fz = z - z0;
    const xa = Math.min(Math.max(x0, 0), nx - 1),
      xb = Math.min(Math.max(x0 + 1, 0), nx - 1);
    const ya = Math.min(Math.max(y0, 0), ny - 1),
      yb = Math.min(Math.max(y0 + 1, 0), ny - 1);
    const za = Math.min(Math.max(z0, 0), nz - 1),
      zb = Math.min(Math.max(z0 + 1, 0), nz - 1);
    const at = (i: number, j: number, k: number) => data[i + nx * (j + ny * k)];
    const c00 = at(xa, ya, za) * (1 - fx) + at(xb, ya, za) * fx;
    const c10 = at(xa, yb, za) * (1 - fx) + at(xb, yb, za) * fx;
    const c01 = at(xa, ya, zb) * (1 - fx) + at(xb, ya, zb) * fx;
    const c11 = at(xa, yb, zb) * (1 - fx) + at(xb, yb, zb) * fx;
    return (c00 * (1 - fy) + c10 * fy) * (1 - fz) + (c01 * (1 - fy) + c11 * fy) * fz;
  };
}

/** Resamples `volume` onto the grid `target` (same physical space, identity transform). */
export function resampleVolume<T extends VoxelArray>(volume: Volume<T>, target: Geometry, interpolator: Interpolator): Volume<T> {
  const size = volume.geometry.size;
  const inv = physicalToIndexMatrix(volume.geometry);
  const out2in = indexToPhysicalMatrix(target);
  const [tx, ty, tz] = target.origin;
  const [sx, sy, sz] = volume.geometry.origin;
  const [ox, oy, oz] = target.size;
  const toIndex = (i: number, j: number, k: number): Vec3 => {
    const px = tx + out2in[0] * i + out2in[1] * j + out2in[2] * k - sx;
    const py = ty + out2in[3] * i + out2in[4] * j + out2in[5] * k - sy;
    const pz = tz + out2in[6] * i + out2in[7] * j + out2in[8] * k - sz;
    return [inv[0] * px + inv[1] * py + inv[2] * pz, inv[3] * px + inv[4] * py + inv[5] * pz, inv[6] * px + inv[7] * py + inv[8] * pz];
  };
  let sampler: Sampler;
  let spline: BSplineSampler | null = null;
  if (interpolator === 'sitkNearestNeighbor') sampler = nearestSampler(volume.data, size);
  else if (interpolator === 'sitkLinear') sampler = linearSampler(volume.data, size);
  else {
    // coefficients only where the target grid samples: the index-space box of its corners, clamped to the image
    const lo = [Infinity, Infinity, Infinity];
    const hi = [-Infinity, -Infinity, -Infinity];
    for (const i of [0, ox - 1])
      for (const j of [0, oy - 1])
        for (const k of [0, oz - 1]) {
          const c = toIndex(i, j, k);
          for (let d = 0; d < 3; d++) {
            lo[d] = Math.min(lo[d], Math.max(-0.5, Math.min(c[d], size[d] - 0.5)));
            hi[d] = Math.max(hi[d], Math.max(-0.5, Math.min(c[d], size[d] - 0.5)));
          }
        }
    const prepared = new BSplineSampler(volume.data, size, supportBox(lo, hi, size));
    sampler = (x, y, z) => prepared.sample(x, y, z);
    spline = prepared;
  }
  const Ctor = volume.data.constructor as new (n: number) => T;
  const out = new Ctor(ox * oy * oz);
  const range = integerRange(volume.data);
  const hx = size[0] - 0.5,
    hy = size[1] - 0.5,
    hz = size[2] - 0.5;
  if (interpolator === 'sitkNearestNeighbor' && separable(out2in) && separable(inv)) {
    // Axis-aligned grids (see the B-spline case below): each axis' nearest input index, or -1 outside, once per index
    const nearest = (n: number, c: (t: number) => number, h: number, stride: number) =>
      Float64Array.from({ length: n }, (_, t) => {
        const v = c(t);
        return v >= -0.5 && v < h ? stride * Math.floor(v + 0.5) : -1;
      });
    const X = nearest(ox, (i) => toIndex(i, 0, 0)[0], hx, 1);
    const Y = nearest(oy, (j) => toIndex(0, j, 0)[1], hy, size[0]);
    const Z = nearest(oz, (k) => toIndex(0, 0, k)[2], hz, size[0] * size[1]);
    const data = volume.data;
    for (let k = 0, o = 0; k < oz; k++) {
      for (let j = 0; j < oy; j++, o += ox) {
        if (Z[k] < 0 || Y[j] < 0) continue; // default 0
        const row = Z[k] + Y[j];
        for (let i = 0; i < ox; i++) if (X[i] >= 0) out[o + i] = data[row + X[i]];
      }
    }
    return { geometry: cloneGeometry(target), data: out, source: volume.source };
  }
  if (spline && separable(out2in) && separable(inv)) {
    // Axis-aligned grids: a point's input x depends on its output i alone (the other terms are zeros), and so on, so
    // each axis' coordinates, range test and spline support are computed once per output index.
    const axis = (n: number, c: (t: number) => number, h: number) => {
      const coordinates = Float64Array.from({ length: n }, (_, t) => c(t));
      return { coordinates, inside: Uint8Array.from(coordinates, (v) => (v >= -0.5 && v < h ? 1 : 0)) };
    };
    const X = axis(ox, (i) => toIndex(i, 0, 0)[0], hx);
    const Y = axis(oy, (j) => toIndex(0, j, 0)[1], hy);
    const Z = axis(oz, (k) => toIndex(0, 0, k)[2], hz);
    // one axis at a time (sampleGrid): the same spline, summed in another order, at a tenth of the products
    spline.sampleGrid(
      { ...spline.axisTable(X.coordinates, 0), inside: X.inside },
      { ...spline.axisTable(Y.coordinates, 1), inside: Y.inside },
      { ...spline.axisTable(Z.coordinates, 2), inside: Z.inside },
      range === null ? (o, v) => (out[o] = v) : (o, v) => (out[o] = v < range[0] ? range[0] : v > range[1] ? range[1] : v), // ITK clamps, then truncates
    );
    return { geometry: cloneGeometry(target), data: out, source: volume.source };
  }
  let o = 0;
  for (let k = 0; k < oz; k++) {
    for (let j = 0; j < oy; j++) {
      for (let i = 0; i < ox; i++, o++) {
        // output index → physical point → input continuous index, each step as ITK orders its sums
        const px = tx + out2in[0] * i + out2in[1] * j + out2in[2] * k - sx;
        const py = ty + out2in[3] * i + out2in[4] * j + out2in[5] * k - sy;
        const pz = tz + out2in[6] * i + out2in[7] * j + out2in[8] * k - sz;
        const x = inv[0] * px + inv[1] * py + inv[2] * pz;
        const y = inv[3] * px + inv[4] * py + inv[5] * pz;
        const z = inv[6] * px + inv[7] * py + inv[8] * pz;
        if (!(x >= -0.5 && x < hx && y >= -0.5 && y < hy && z >= -0.5 && z < hz)) continue; // default 0
        let v = sampler(x, y, z);
        if (range !== null) v = v < range[0] ? range[0] : v > range[1] ? range[1] : v; // ITK clamps, then truncates
        out[o] = v;
      }
    }
  }
  return { geometry: cloneGeometry(target), data: out, source: volume.source };
}

/** Whether a 3×3 row-major matrix is diagonal (each axis maps onto the same axis alone). */
function separable(m: readonly number[]): boolean {
  return m[1] === 0 && m[2] === 0 && m[3] === 0 && m[5] === 0 && m[6] === 0 && m[7] === 0;
}

export function cloneGeometry(g: Geometry): Geometry {
  return { size: [...g.size] as Vec3, spacing: [...g.spacing] as Vec3, origin: [...g.origin] as Vec3, direction: [...g.direction] as Mat3 };
}
