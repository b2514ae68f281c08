// Filters against results known in closed form: a Gaussian blob's LoG at its centre, the stationary wavelet
// transform's energy and perfect reconstruction, the intensity filters' formulas, the gradient of a linear ramp and
// the local binary patterns of a ramp.
import { gradientImage, intensityImage, lbp2DImage, logImage, waveletBank, waveletImages } from '../../../../radiomics/filters';
import type { Vec3, Volume } from '../../../../imaging/image';
import { at, noise, volume } from './support';

describe('LoG', () => {
  // A blob A·exp(−r²/2s²) convolved with G_σ is A·(s²/t)^{3/2}·exp(−r²/2t), t = s² + σ²; its Laplacian at r = 0 is
  // −3·A·(s²/t)^{3/2}/t, times σ² (scale normalisation). ITK's recursive Gaussians (Deriche's 4th-order fit, which
  // SimpleITK and so PyRadiomics use) come within 1 % of it.
  const blob = (spacing: Vec3, s: number, amplitude: number): Volume => {
    const size = spacing.map((sp) => 2 * Math.round(16 / sp) + 1) as Vec3;
    const c = size.map((n) => (n - 1) / 2);
    return volume(
      size,
      (x, y, z) => amplitude * Math.exp(-(((x - c[0]) * spacing[0]) ** 2 + ((y - c[1]) * spacing[1]) ** 2 + ((z - c[2]) * spacing[2]) ** 2) / (2 * s * s)),
      spacing,
    );
  };

  it.each([
    [[1, 1, 1], 3, 3],
    [[1, 1, 1], 2, 1],
    [[0.5, 0.5, 1], 3, 2],
  ] as [Vec3, number, number][])('spacing %j, blob width %d mm, sigma %d mm: the centre response', (spacing, s, sigma) => {
    const image = blob(spacing, s, 1000);
    const c = image.geometry.size.map((n) => (n - 1) / 2) as Vec3;
    const value = logImage(image, sigma, { lower: c, upper: c }).image.data[0];
    const t = s * s + sigma * sigma;
    const expected = (-3 * 1000 * sigma * sigma * ((s * s) / t) ** 1.5) / t;
    expect(Math.abs(value / expected - 1)).toBeLessThan(0.012);
  });

  it('is zero on a constant image and sigma² · 6a on a quadratic a·r² away from the borders', () => {
    const flat = logImage(
      volume([9, 9, 9], () => 42),
      1.5,
    ).image.data;
    expect(Math.max(...Array.from(flat, Math.abs))).toBeLessThan(1e-9);
    // ∇²(a·r²) = 6a everywhere; smoothing a quadratic adds only a constant, so σ²·∇² gives σ²·6a.
    const a = 0.5;
    const q = volume([41, 41, 41], (x, y, z) => a * ((x - 20) ** 2 + (y - 20) ** 2 + (z - 20) ** 2));
    const v = logImage(q, 2, { lower: [20, 20, 20], upper: [20, 20, 20] }).image.data[0];
    expect(v).toBeCloseTo(2 * 2 * 6 * a, 2);
  });
});

describe('wavelet (coif1, stationary, periodic)', () => {
  const settings = { wavelet: 'coif1', start_level: 0, level: 1, force2D: false, force2Ddimension: 0 };
  const image = noise([12, 10, 8]);
  const bands = new Map([...waveletImages(image, settings)].map((b) => [b.name.slice('wavelet-'.length), b.image]));
  const energy = (v: Volume) => Array.from(v.data).reduce((s, x) => s + x * x, 0);

  it('yields the 8 sub-bands, named low/high along x, y, z, the approximation last', () => {
    expect([...bands.keys()]).toEqual(['LLH', 'LHL', 'LHH', 'HLL', 'HLH', 'HHL', 'HHH', 'LLL']);
  });

  it('keeps the energy: Σ over sub-bands of ‖band‖² = 2³ · ‖image‖² (orthonormal filters, |H|² + |G|² = 2)', () => {
    const total = [...bands.values()].reduce((s, b) => s + energy(b), 0);
    expect(total / (8 * energy(image))).toBeCloseTo(1, 12);
  });

  it('reconstructs the image exactly: x = 2⁻³ · Σ_bands Wᵀ band (the transform is a tight frame)', () => {
    const { lo, hi } = waveletBank('coif1');
    const f = lo.length;
    // Adjoint of y[i] = Σ_k h[k]·x[(i + F/2 − k) mod n] along one axis: x[j] = Σ_k h[k]·y[(j − F/2 + k) mod n].
    const adjoint = (v: Float64Array, size: Vec3, axis: number, h: Float64Array): Float64Array => {
      const out = new Float64Array(v.length);
      const stride = [1, size[0], size[0] * size[1]][axis];
      const n = size[axis];
      for (let i = 0; i < v.length; i++) {
        const j = Math.floor(i / stride) % n;
        const base = i - j * stride;
        let sum = 0;
        for (let k = 0; k < f; k++) sum += h[k] * v[base + ((((j - f / 2 + k) % n) + n) % n) * stride];
        out[i] = sum;
      }
      return out;
    };
    const size = image.geometry.size;
    const rebuilt = new Float64Array(image.data.length);
    for (const [name, band] of bands) {
      let v = band.data as Float64Array;
      for (let axis = 2; axis >= 0; axis--) v = adjoint(v, size, axis, name[axis] === 'L' ? lo : hi);
      for (let i = 0; i < v.length; i++) rebuilt[i] += v[i] / 8;
    }
    const worst = image.data.reduce((m, x, i) => Math.max(m, Math.abs(x - rebuilt[i])), 0);
    expect(worst).toBeLessThan(1e-9);
  });

  it('maps a constant c to LLL = (Σ lo)³·c = 2√2·c and every detail band to 0', () => {
    const c = volume([8, 8, 8], () => 100);
    for (const b of waveletImages(c, settings)) {
      const expected = b.name === 'wavelet-LLL' ? 200 * Math.SQRT2 : 0;
      expect(Array.from(b.image.data).reduce((m, v) => Math.max(m, Math.abs(v - expected)), 0)).toBeLessThan(1e-9);
    }
  });
});

describe('intensity filters (scaled by m = max |x|, here 4)', () => {
  const image = volume([4, 1, 1], (x) => [-4, 0, 1, 4][x]);
  const values = (filter: Parameters<typeof intensityImage>[1]) => Array.from(intensityImage(image, filter).image.data);
  it('square: (x/√m)²', () => expect(values('square')).toEqual([4, 0, 0.25, 4]));
  it('squareroot: ±√(m·|x|)', () => expect(values('squareroot')).toEqual([-4, 0, 2, 4]));
  it('logarithm: ±log(|x| + 1)·m/log(m + 1)', () => {
    const s = 4 / Math.log(5);
    values('logarithm').forEach((v, i) => expect(v).toBeCloseTo([-Math.log(5) * s, 0, Math.log(2) * s, Math.log(5) * s][i], 12));
  });
  it('exponential: exp(x·log(m)/m) = m^(x/m)', () => {
    values('exponential').forEach((v, i) => expect(v).toBeCloseTo([0.25, 1, Math.SQRT2, 4][i], 12));
  });
});

describe('gradient', () => {
  // f = 2x + 3y − z in mm on a 0.5 × 2 × 1 mm grid: |∇f| = √14 inside; at a border one neighbour is the voxel itself.
  const spacing: Vec3 = [0.5, 2, 1];
  const ramp = volume([6, 5, 4], (x, y, z) => 2 * x * 0.5 + 3 * y * 2 - z * 1, spacing);
  it('is the gradient magnitude in mm inside the image', () => {
    const g = gradientImage(ramp, { gradientUseSpacing: true }).image;
    expect(at(g, 2, 2, 2)).toBeCloseTo(Math.sqrt(14), 5);
    // x = 0 uses (f[1] − f[0]) / 2: half the x slope.
    expect(at(g, 0, 2, 2)).toBeCloseTo(Math.sqrt(1 + 9 + 1), 5);
  });
  it('is per voxel when gradientUseSpacing is false', () => {
    const g = gradientImage(ramp, { gradientUseSpacing: false }).image;
    expect(at(g, 2, 2, 2)).toBeCloseTo(Math.sqrt(1 + 36 + 1), 5);
  });
});

describe('lbp-2D', () => {
  // On the ramp f = x the neighbours at angles with cos θ ≥ 0 (θ = 0°, 45°, 90°, 270°, 315°) are ≥ the centre:
  // pattern 1,1,1,0,0,0,1,1 — five ones in one run, so uniform 5, default 1 + 2 + 4 + 64 + 128 = 199, ror 31.
  const ramp = volume([7, 7, 3], (x) => x);
  const centre = { lower: [3, 3, 1] as Vec3, upper: [3, 3, 1] as Vec3 };
  const code = (lbp2DMethod: 'uniform' | 'default' | 'ror') =>
    lbp2DImage(ramp, { lbp2DMethod, lbp2DRadius: 1, lbp2DSamples: 8, force2Ddimension: 0 }, centre).image.data[0];
  it('uniform', () => expect(code('uniform')).toBe(5));
  it('default', () => expect(code('default')).toBe(199));
  it('ror', () => expect(code('ror')).toBe(31));
  it('var: the biased variance of the 8 samples (cos θ of the ramp)', () => {
    const v = lbp2DImage(ramp, { lbp2DMethod: 'var', lbp2DRadius: 1, lbp2DSamples: 8, force2Ddimension: 0 }, centre).image.data[0];
    // Samples 3 + round(cos θ, 5): mean 3, variance (2·1 + 4·0.70711²) / 8.
    expect(v).toBeCloseTo((2 + 4 * 0.70711 ** 2) / 8, 10);
  });
});
