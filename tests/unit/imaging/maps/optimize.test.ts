// The small optimisers behind the per-voxel fits: Levenberg–Marquardt from poor starting points (with bounds) and
// Brent's minimiser, on problems whose minimum is known in closed form.
import { Brent, LevenbergMarquardt, type LeastSquaresModel } from '../../../../imaging/maps';

/** Residuals of A·exp(−k·t) − y at fixed t. */
class Decay implements LeastSquaresModel {
  readonly m: number;
  constructor(
    readonly t: number[],
    readonly y: number[],
  ) {
    this.m = t.length;
  }
  residuals(p: Float64Array, r: Float64Array, jac: Float64Array | null): void {
    this.t.forEach((t, i) => {
      const e = Math.exp(-p[1] * t);
      r[i] = p[0] * e - this.y[i];
      if (jac) {
        jac[2 * i] = e;
        jac[2 * i + 1] = -t * p[0] * e;
      }
    });
  }
}

describe('Levenberg–Marquardt', () => {
  const t = [0, 0.5, 1, 2, 3, 5];
  const exact = new Decay(
    t,
    t.map((x) => 40 * Math.exp(-0.7 * x)),
  );

  it.each([
    [1, 0.01],
    [400, 5],
    [40, 0.0001],
  ])('reaches A = 40, k = 0.7 from (%p, %p)', (a, k) => {
    const lm = new LevenbergMarquardt(2, t.length, Float64Array.of(-Infinity, -Infinity), Float64Array.of(Infinity, Infinity));
    const p = Float64Array.of(a, k);
    const result = lm.solve(exact, p);
    expect(result.converged).toBe(true);
    expect(p[0]).toBeCloseTo(40, 9);
    expect(p[1]).toBeCloseTo(0.7, 11);
    expect(result.cost).toBeLessThan(1e-18);
  });

  it('keeps parameters within their bounds: with k ≤ 0.5 the best fit has k = 0.5', () => {
    const lm = new LevenbergMarquardt(2, t.length, Float64Array.of(0, 0), Float64Array.of(Infinity, 0.5));
    const p = Float64Array.of(10, 0.1);
    lm.solve(exact, p);
    expect(p[1]).toBe(0.5);
    // With k fixed at 0.5, A is the linear least-squares solution Σ e·y / Σ e².
    const e = t.map((x) => Math.exp(-0.5 * x));
    const a = e.reduce((s, v, i) => s + v * exact.y[i], 0) / e.reduce((s, v) => s + v * v, 0);
    expect(p[0]).toBeCloseTo(a, 6);
  });

  it('solves a noisy problem to the normal equations (gradient zero at the answer)', () => {
    const noisy = new Decay(
      t,
      t.map((x, i) => 40 * Math.exp(-0.7 * x) + [0.3, -0.5, 0.2, 0.4, -0.1, 0.25][i]),
    );
    const lm = new LevenbergMarquardt(2, t.length, Float64Array.of(-Infinity, -Infinity), Float64Array.of(Infinity, Infinity));
    const p = Float64Array.of(30, 1);
    expect(lm.solve(noisy, p).converged).toBe(true);
    const r = new Float64Array(t.length);
    const j = new Float64Array(2 * t.length);
    noisy.residuals(p, r, j);
    const g0 = t.reduce((s, _, i) => s + j[2 * i] * r[i], 0);
    const g1 = t.reduce((s, _, i) => s + j[2 * i + 1] * r[i], 0);
    expect(Math.abs(g0)).toBeLessThan(1e-8);
    expect(Math.abs(g1)).toBeLessThan(1e-6);
  });
});

describe('Brent', () => {
  it('finds the minimum of (x − 2)² + 1 and of cos on [3, 4] (π) to 1e-9', () => {
    const brent = new Brent(1e-12);
    expect(brent.minimise((x) => (x - 2) ** 2 + 1, -10, 10, 0, 5)).toBeCloseTo(2, 9);
    expect(brent.lastValue).toBeCloseTo(1, 15);
    expect(brent.minimise(Math.cos, 3, 4, 3.5, Math.cos(3.5))).toBeCloseTo(Math.PI, 7);
  });

  it('ends at the bracket edge when the function keeps falling', () => {
    const brent = new Brent(1e-10);
    const x = brent.minimise((x) => -x, 0, 1, 0.5, -0.5);
    expect(1 - x).toBeLessThan(1e-8);
  });
});
