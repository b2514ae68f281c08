// The Lanczos helper behind GLCM MCC, on operators with known spectra.
import { largestEigenvalue } from '../../../../radiomics/features/largestEigenvalue';

/** Dense symmetric operator Q·diag(λ)·Qᵀ, Q a Householder reflection I − 2vvᵀ/‖v‖² (orthogonal, symmetric). */
function operatorWithSpectrum(lambda: number[], v: number[]) {
  const n = lambda.length;
  const vv = v.reduce((s, x) => s + x * x, 0);
  const q = (i: number, j: number) => (i === j ? 1 : 0) - (2 * v[i] * v[j]) / vv;
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let k = 0; k < n; k++) a[i * n + j] += q(i, k) * lambda[k] * q(j, k);
  const apply = (x: Float64Array, y: Float64Array) => {
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += a[i * n + j] * x[j];
      y[i] = s;
    }
  };
  const eigenvector = (k: number) => Float64Array.from({ length: n }, (_, i) => q(i, k));
  return { apply, eigenvector };
}

describe('largestEigenvalue (Lanczos)', () => {
  it('finds the largest eigenvalue of a diagonal operator', () => {
    const d = [0.3, 2, 0.7, 1.5, 0];
    const apply = (x: Float64Array, y: Float64Array) => x.forEach((v, i) => (y[i] = d[i] * v));
    expect(largestEigenvalue(5, apply)).toBeCloseTo(2, 12);
  });

  it('finds the second largest once the top eigenvector is deflated', () => {
    const lambda = [1, 0.64, 0.5, 0.2, 0.05, 0];
    const { apply, eigenvector } = operatorWithSpectrum(lambda, [1, -2, 0.5, 3, -1, 2]);
    expect(largestEigenvalue(6, apply)).toBeCloseTo(1, 12);
    expect(largestEigenvalue(6, apply, { orthogonalTo: [eigenvector(0)] })).toBeCloseTo(0.64, 12);
  });

  it('converges for clustered eigenvalues', () => {
    const n = 60;
    const lambda = Array.from({ length: n }, (_, k) => (k === 0 ? 1 : 0.9 - k * 1e-4));
    const v = Array.from({ length: n }, (_, i) => Math.cos(i * 1.3) + 0.1);
    const { apply, eigenvector } = operatorWithSpectrum(lambda, v);
    expect(largestEigenvalue(n, apply, { orthogonalTo: [eigenvector(0)] })).toBeCloseTo(0.9 - 1e-4, 10);
  });

  it('returns 0 when nothing is left outside the deflated vectors', () => {
    const apply = (x: Float64Array, y: Float64Array) => y.set(x);
    expect(largestEigenvalue(1, apply, { orthogonalTo: [Float64Array.of(1)] })).toBe(0);
  });
});
