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

/** Spline coefficients of a whole 3D image (x fastest), separably along x, then y, then z. */
export function bsplineCoefficients(data: ArrayLike<number>, size: readonly [number, number, number]): Float64Array {
  const [nx, ny, nz] = size;
  const coeff = Float64Array.from(data as ArrayLike<number>);
  const strides = [1, nx, nx * ny];
  const lengths = [nx, ny, nz];
  const scratch = new Float64Array(Math.max(nx, ny, nz));
  for (let dim = 0; dim < 3; dim++) {
    const n = lengths[dim];
    if (n === 1) continue;
    const stride = strides[dim];
    // every line along `dim` starts at an index whose `dim` coordinate is 0
    const [aLen, bLen, aStride, bStride] =
      dim === 0 ? [ny, nz, nx, nx * ny] : dim === 1 ? [nx, nz, 1, nx * ny] : [nx, ny, 1, nx];
    for (let b = 0; b < bLen; b++) {
      for (let a = 0; a < aLen; a++) {
        const start = a * aStride + b * bStride;
        for (let i = 0, p = start; i < n; i++, p += stride) scratch[i] = coeff[p];
        samplesToCoefficients1D(scratch, n);
        for (let i = 0, p = start; i < n; i++, p += stride) coeff[p] = scratch[i];
      }
    }
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

/** Evaluates cubic B-spline images at continuous indices; one instance per image, reusable across points. */
export class BSplineSampler {
  private readonly coeff: Float64Array;
  private readonly size: readonly [number, number, number];
  private readonly ix = new Int32Array(4);
  private readonly iy = new Int32Array(4);
  private readonly iz = new Int32Array(4);
  private readonly wx = new Float64Array(4);
  private readonly wy = new Float64Array(4);
  private readonly wz = new Float64Array(4);

  constructor(data: ArrayLike<number>, size: readonly [number, number, number]) {
    this.size = size;
    this.coeff = bsplineCoefficients(data, size);
  }

  /** Value at continuous index (x, y, z); the caller keeps the point inside [−0.5, n − 0.5) on every axis. */
  sample(x: number, y: number, z: number): number {
    const [nx, ny, nz] = this.size;
    const { ix, iy, iz, wx, wy, wz, coeff } = this;
    axisSupport(x, nx, ix, wx);
    axisSupport(y, ny, iy, wy);
    axisSupport(z, nz, iz, wz);
    const sliceStride = nx * ny;
    let value = 0;
    for (let c = 0; c < 4; c++) {
      const zOff = iz[c] * sliceStride;
      let plane = 0;
      for (let b = 0; b < 4; b++) {
        const row = zOff + iy[b] * nx;
        const line = coeff[row + ix[0]] * wx[0] + coeff[row + ix[1]] * wx[1] + coeff[row + ix[2]] * wx[2] + coeff[row + ix[3]] * wx[3];
        plane += line * wy[b];
      }
      value += plane * wz[c];
    }
    return value;
  }
}
