// The eigenvalue helper behind GLCM MCC, on matrices with known spectra.
import { kthLargestEigenvalue } from '../../../../radiomics/features/symmetricEigenvalues';

describe('kthLargestEigenvalue', () => {
  it('finds the eigenvalues of a diagonal matrix in order', () => {
    const d = [3, -1, 7, 0.5];
    const sorted = [...d].sort((a, b) => b - a);
    for (let k = 1; k <= 4; k++) {
      const a = new Float64Array(16);
      d.forEach((v, i) => (a[i * 4 + i] = v));
      expect(kthLargestEigenvalue(a, 4, k)).toBeCloseTo(sorted[k - 1], 12);
    }
  });

  it('finds 2 ± √2 and 2 for the tridiagonal Toeplitz matrix [2 −1; −1 2 −1; −1 2]', () => {
    const make = () => Float64Array.from([2, -1, 0, -1, 2, -1, 0, -1, 2]);
    expect(kthLargestEigenvalue(make(), 3, 1)).toBeCloseTo(2 + Math.SQRT2, 12);
    expect(kthLargestEigenvalue(make(), 3, 2)).toBeCloseTo(2, 12);
    expect(kthLargestEigenvalue(make(), 3, 3)).toBeCloseTo(2 - Math.SQRT2, 12);
  });

  it('recovers the spectrum of a dense matrix Q·diag(λ)·Qᵀ built from a Householder reflection', () => {
    const n = 6;
    const lambda = [5, 4, 2.5, 1, 0.25, -3];
    const v = [1, -2, 0.5, 3, -1, 2];
    const vv = v.reduce((s, x) => s + x * x, 0);
    const q = (i: number, j: number) => (i === j ? 1 : 0) - (2 * v[i] * v[j]) / vv; // orthogonal, symmetric
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let k = 0; k < n; k++) a[i * n + j] += q(i, k) * lambda[k] * q(j, k);
    for (let k = 1; k <= n; k++) expect(kthLargestEigenvalue(Float64Array.from(a), n, k)).toBeCloseTo(lambda[k - 1], 10);
  });

  it('handles 1×1 and 2×2 matrices', () => {
    expect(kthLargestEigenvalue(Float64Array.of(4), 1, 1)).toBeCloseTo(4, 14);
    // [[2, 1], [1, 2]] → 3, 1
    expect(kthLargestEigenvalue(Float64Array.of(2, 1, 1, 2), 2, 2)).toBeCloseTo(1, 14);
    expect(() => kthLargestEigenvalue(Float64Array.of(1), 1, 2)).toThrow(RangeError);
  });
});
