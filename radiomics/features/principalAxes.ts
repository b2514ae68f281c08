// Principal component analysis of ROI voxel centres (PyRadiomics shape/shape2D eigenvalues): the covariance of the
// physical coordinates (divided by Np), its eigenvalues ascending, tiny negative round-off (> −1e-10) set to 0.

/** Eigenvalues of a symmetric n×n matrix (row-major), ascending, by cyclic Jacobi rotations. */
export function symmetricEigenvalues(matrix: readonly number[], n: number): number[] {
  const a = Float64Array.from(matrix);
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p * n + q] * a[p * n + q];
    if (off < 1e-30) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q];
        if (apq === 0) continue;
        const theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p];
          const akq = a[k * n + q];
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k];
          const aqk = a[q * n + k];
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
      }
    }
  }
  const values: number[] = [];
  for (let i = 0; i < n; i++) {
    const v = a[i * n + i];
    values.push(v < 0 && v > -1e-10 ? 0 : v);
  }
  return values.sort((x, y) => x - y);
}

/**
 * Eigenvalues (ascending) of the covariance of the physical positions of the ROI voxels. `coords` holds one index
 * tuple of `dims` integers per voxel; `spacing[d]` converts axis d to mm.
 */
export function roiCovarianceEigenvalues(coords: Int32Array, dims: number, spacing: readonly number[]): number[] {
  const np = coords.length / dims;
  const mean = new Float64Array(dims);
  for (let i = 0; i < coords.length; i += dims) for (let d = 0; d < dims; d++) mean[d] += coords[i + d] * spacing[d];
  for (let d = 0; d < dims; d++) mean[d] /= np;
  const cov = new Array<number>(dims * dims).fill(0);
  const c = new Float64Array(dims);
  for (let i = 0; i < coords.length; i += dims) {
    for (let d = 0; d < dims; d++) c[d] = coords[i + d] * spacing[d] - mean[d];
    for (let p = 0; p < dims; p++) for (let q = p; q < dims; q++) cov[p * dims + q] += c[p] * c[q];
  }
  for (let p = 0; p < dims; p++) {
    for (let q = p; q < dims; q++) {
      cov[p * dims + q] /= np;
      cov[q * dims + p] = cov[p * dims + q];
    }
  }
  return symmetricEigenvalues(cov, dims);
}
