// Cubic B-spline interpolation as SimpleITK's sitkBSpline does it (ITK BSplineDecompositionImageFilter +
// BSplineInterpolateImageFunction, order 3): a recursive prefilter turns samples into spline coefficients with
// mirror boundaries (Unser 1999, Box 2), then each point is the weighted sum of 4×4×4 coefficients.

/** The single pole of the cubic B-spline prefilter. */
const POLE = Math.sqrt(3) - 2;
/** ITK's default prefilter tolerance; it bounds the causal initialisation's sum to `horizon` terms. */
const TOLERANCE = 1e-10;
const HORIZON = Math.ceil(Math.log(TOLERANCE) / Math.log(Math.abs(POLE)));

/** In-place prefilter of one line of samples (ITK DataToCoefficients1D); a line of 1 sample is left as is. */
function samplesToCoefficients1D(c: Float64Array, n: number): void {
  if (n === 1) return;
  const z = POLE;
  const gain = (1 - z) * (1 - 1 / z);
  for (let i = 0; i < n; i++) c[i] *= gain;

  // causal initialisation for mirror boundaries
  if (HORIZON < n) {
    let zn = z;
    let sum = c[0];
    for (let i = 1; i < HORIZON; i++) {
      sum += zn * c[i];
      zn *= z;
    }
    c[0] = sum;
  } else {
    let zn = z;
    const iz = 1 / z;
    let z2n = Math.pow(z, n - 1);
    let sum = c[0] + z2n * c[n - 1];
    z2n *= z2n * iz;
    for (let i = 1; i <= n - 2; i++) {
      sum += (zn + z2n) * c[i];
      zn *= z;
      z2n *= iz;
    }
    c[0] = sum / (1 - zn * zn);
  }
  for (let i = 1; i < n; i++) c[i] += z * c[i - 1];
  // anti-causal initialisation (Unser 1999 with its erratum) and recursion
  c[n - 1] = (z / (z * z - 1)) * (z * c[n - 2] + c[n - 1]);
  for (let i = n - 2; i >= 0; i--) c[i] = z * (c[i + 1] - c[i]);
}

/** Index range [lower, upper] (inclusive) per axis. */
export interface IndexBox {
  lower: [number, number, number];
  upper: [number, number, number];
}

/**
 * Spline coefficients of a 3D image (x fastest) inside `box`, prefiltered separably along x, then y, then z as ITK
 * does. Each recursion runs over whole lines, but only lines that reach the box are filtered: every x line, the y
 * lines of the box's x range, the z lines of its x–y range. Returns the box's coefficients, x fastest.
 */
export function bsplineCoefficients(
  data: ArrayLike<number>,
  size: readonly [number, number, number],
  box: IndexBox = { lower: [0, 0, 0], upper: [size[0] - 1, size[1] - 1, size[2] - 1] },
): Float64Array {
  const [nx, ny, nz] = size;
  const [x0, y0, z0] = box.lower;
  const bx = box.upper[0] - x0 + 1;
  const by = box.upper[1] - y0 + 1;
  const bz = box.upper[2] - z0 + 1;
  const scratch = new Float64Array(Math.max(nx, ny, nz));

  // x: every line, keep x0..x1 → (bx, ny, nz)
  const afterX = new Float64Array(bx * ny * nz);
  for (let z = 0; z < nz; z++) {
    for (let y = 0; y < ny; y++) {
      const row = nx * (y + ny * z);
      for (let i = 0; i < nx; i++) scratch[i] = data[row + i];
      samplesToCoefficients1D(scratch, nx);
      const out = bx * (y + ny * z);
      for (let i = 0; i < bx; i++) afterX[out + i] = scratch[x0 + i];
    }
  }
  // y: lines of the kept x range, keep y0..y1 → (bx, by, nz)
  const afterY = new Float64Array(bx * by * nz);
  for (let z = 0; z < nz; z++) {
    for (let x = 0; x < bx; x++) {
      const base = x + bx * ny * z;
      for (let j = 0; j < ny; j++) scratch[j] = afterX[base + bx * j];
      samplesToCoefficients1D(scratch, ny);
      const out = x + bx * by * z;
      for (let j = 0; j < by; j++) afterY[out + bx * j] = scratch[y0 + j];
    }
  }
  // z: lines of the kept x–y range, keep z0..z1 → (bx, by, bz)
  const coeff = new Float64Array(bx * by * bz);
  const plane = bx * by;
  for (let p = 0; p < plane; p++) {
    for (let k = 0; k < nz; k++) scratch[k] = afterY[p + plane * k];
    samplesToCoefficients1D(scratch, nz);
    for (let k = 0; k < bz; k++) coeff[p + plane * k] = scratch[z0 + k];
  }
  return coeff;
}

/** Mirror an index into [0, n) the way ITK's ApplyMirrorBoundaryConditions does. */
function mirror(i: number, n: number): number {
  if (n === 1) return 0;
  if (i < 0) i = -i;
  if (i >= n - 1) i = n - 1 - (i - (n - 1));
  return i;
}

/** Cubic B-spline weights and first index for one axis at continuous index x (ITK SetInterpolationWeights, order 3). */
function axisSupport(x: number, n: number, index: Int32Array, weights: Float64Array): void {
  // ITK casts to float before the floor
  const first = Math.floor(Math.fround(x)) - 1;
  const w = x - (first + 1);
  const w3 = (1 / 6) * w * w * w;
  const w0 = 1 / 6 + 0.5 * w * (w - 1) - w3;
  const w2 = w + w0 - 2 * w3;
  const w1 = 1 - w0 - w2 - w3;
  weights[0] = w0;
  weights[1] = w1;
  weights[2] = w2;
  weights[3] = w3;
  for (let k = 0; k < 4; k++) index[k] = mirror(first + k, n);
}

/**
 * The box of coefficients needed to evaluate at continuous indices within [min, max] per axis: the 4-point support
 * of each end, mirrored back into the image.
 */
export function supportBox(min: readonly number[], max: readonly number[], size: readonly [number, number, number]): IndexBox {
  const lower: [number, number, number] = [0, 0, 0];
  const upper: [number, number, number] = [0, 0, 0];
  for (let d = 0; d < 3; d++) {
    const n = size[d];
    const first = Math.floor(Math.fround(min[d])) - 1;
    const last = Math.floor(Math.fround(max[d])) + 2;
    let lo = Math.max(0, first);
    let hi = Math.min(n - 1, last);
    if (first < 0) hi = Math.max(hi, Math.min(n - 1, -first)); // mirrored below 0
    if (last > n - 1) lo = Math.min(lo, Math.max(0, 2 * (n - 1) - last)); // mirrored above n − 1
    lower[d] = Math.min(lo, hi);
    upper[d] = Math.max(lo, hi);
  }
  return { lower, upper };
}

/** Evaluates a cubic B-spline image at continuous indices; one instance per image, reusable across points. */
export class BSplineSampler {
  private readonly coeff: Float64Array;
  private readonly size: readonly [number, number, number];
  private readonly box: IndexBox;
  private readonly ix = new Int32Array(4);
  private readonly iy = new Int32Array(4);
  private readonly iz = new Int32Array(4);
  private readonly wx = new Float64Array(4);
  private readonly wy = new Float64Array(4);
  private readonly wz = new Float64Array(4);

  /** `box`: the coefficients to prepare (all by default); points must then keep their support inside it. */
  constructor(data: ArrayLike<number>, size: readonly [number, number, number], box?: IndexBox) {
    this.size = size;
    this.box = box ?? { lower: [0, 0, 0], upper: [size[0] - 1, size[1] - 1, size[2] - 1] };
    this.coeff = bsplineCoefficients(data, size, this.box);
  }

  /**
   * Each point's support and weights along one axis (coordinates along axis `axis`), for sampleTabulated: 4 indices
   * into the prepared box and 4 weights per point, as sample computes them.
   */
  axisTable(coordinates: Float64Array, axis: 0 | 1 | 2): { index: Int32Array; weights: Float64Array } {
    const index = new Int32Array(4 * coordinates.length);
    const weights = new Float64Array(4 * coordinates.length);
    const lower = this.box.lower[axis];
    for (let p = 0; p < coordinates.length; p++) {
      const at = index.subarray(4 * p, 4 * p + 4);
      axisSupport(coordinates[p], this.size[axis], at, weights.subarray(4 * p, 4 * p + 4));
      for (let k = 0; k < 4; k++) at[k] -= lower;
    }
    return { index, weights };
  }

  /**
   * sample at the grid point whose coordinates are entry i of the x table, j of the y table and k of the z table
   * (axisTable): where the grid's axes are the image's, supports and weights are computed once per axis, not per point.
   */
  sampleTabulated(
    ix: Int32Array,
    wx: Float64Array,
    i: number,
    iy: Int32Array,
    wy: Float64Array,
    j: number,
    iz: Int32Array,
    wz: Float64Array,
    k: number,
  ): number {
    const { coeff } = this;
    const bx = this.box.upper[0] - this.box.lower[0] + 1;
    const plane = bx * (this.box.upper[1] - this.box.lower[1] + 1);
    // ITK's order: points with x fastest, weight (wx · wy) · wz, summed one by one
    let value = 0;
    for (let c = 4 * k; c < 4 * k + 4; c++) {
      const zOff = iz[c] * plane;
      const fz = wz[c];
      for (let b = 4 * j; b < 4 * j + 4; b++) {
        const row = zOff + iy[b] * bx;
        const fy = wy[b];
        for (let a = 4 * i; a < 4 * i + 4; a++) value += wx[a] * fy * fz * coeff[row + ix[a]];
      }
    }
    return value;
  }

  /** Value at continuous index (x, y, z); the caller keeps the point inside [−0.5, n − 0.5) on every axis. */
  sample(x: number, y: number, z: number): number {
    const [nx, ny, nz] = this.size;
    const { ix, iy, iz, wx, wy, wz, coeff } = this;
    const [x0, y0, z0] = this.box.lower;
    const bx = this.box.upper[0] - x0 + 1;
    const plane = bx * (this.box.upper[1] - y0 + 1);
    axisSupport(x, nx, ix, wx);
    axisSupport(y, ny, iy, wy);
    axisSupport(z, nz, iz, wz);
    for (let k = 0; k < 4; k++) {
      ix[k] -= x0;
      iy[k] -= y0;
      iz[k] -= z0;
    }
    // ITK's order: points with x fastest, weight (wx · wy) · wz, summed one by one
    let value = 0;
    for (let c = 0; c < 4; c++) {
      const zOff = iz[c] * plane;
      const fz = wz[c];
      for (let b = 0; b < 4; b++) {
        const row = zOff + iy[b] * bx;
        const fy = wy[b];
        for (let a = 0; a < 4; a++) value += wx[a] * fy * fz * coeff[row + ix[a]];
      }
    }
    return value;
  }
}
