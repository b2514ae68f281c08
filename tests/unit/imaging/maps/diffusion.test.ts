// ADC (log-linear and NLLS) and IVIM (segmented, full) maps on synthetic DWI with known parameters: exact recovery
// without noise, precision at SNR 20 against the Cramér–Rao bound worked out here, the failed-fit mask, bad input.
import { fitAdc, fitIvim, FitFailure } from '../../../../imaging/maps';
import { RadiomicsInputError } from '../../../../imaging/errors';
import { synthesizeDwi, uniformValues } from '../../../../synthetic';
import { maxOf, median, relativeErrors, row } from './support';

const N = 2000;
const CLINICAL_B = [0, 200, 500, 800];
/** 21 b-values, 0 to 1000 s/mm² every 50. */
const DENSE_B = Array.from({ length: 21 }, (_, i) => 50 * i);

/**
 * Cramér–Rao bound of ADC for S = S0·exp(−b·D) with Gaussian noise σ = S0/snr: the (2,2) element of the inverse of
 * the Fisher information I = Jᵀ J / σ², J = [e, −b·S0·e], e = exp(−b·D); relative to D.
 */
function adcBound(b: number[], d: number, snr: number): number {
  const e = b.map((x) => Math.exp(-x * d));
  const s0 = 1;
  const sigma2 = (s0 / snr) ** 2;
  const i11 = e.reduce((s, x) => s + x * x, 0) / sigma2;
  const i12 = e.reduce((s, x, k) => s - b[k] * s0 * x * x, 0) / sigma2;
  const i22 = e.reduce((s, x, k) => s + (b[k] * s0 * x) ** 2, 0) / sigma2;
  return Math.sqrt(i11 / (i11 * i22 - i12 * i12)) / d;
}

describe('ADC maps', () => {
  const adc = uniformValues(11, 'adc', N, 0.3e-3, 3e-3);

  it.each(['loglinear', 'nlls'] as const)('%s recovers noise-free ADC and S0 to 1e-6 on a 4-b protocol', (method) => {
    const s0 = uniformValues(11, 's0', N, 200, 3000);
    const dwi = synthesizeDwi({ geometry: row(N), bValues: CLINICAL_B, truth: { kind: 'adc', adc }, s0, precision: 'float64' });
    const maps = fitAdc(dwi, CLINICAL_B, { method });
    expect(maps.summary.failed).toBe(0);
    expect(maxOf(relativeErrors(maps.adc.data, adc))).toBeLessThan(1e-6);
    expect(maxOf(relativeErrors(maps.s0.data, s0))).toBeLessThan(1e-6);
    for (const r2 of maps.r2.data) expect(r2).toBeCloseTo(1, 10);
  });

  it('at SNR 20 (Rician), 21 b-values: NLLS median |error| ≤ 5 %, log-linear ≤ 5.5 %, ADC 0.8–2.0·10⁻³ mm²/s', () => {
    const truth = uniformValues(12, 'adc', N, 0.8e-3, 2e-3);
    const dwi = synthesizeDwi({ geometry: row(N), bValues: DENSE_B, truth: { kind: 'adc', adc: truth }, s0: 1000, snr: 20, seed: 5 });
    const nlls = fitAdc(dwi, DENSE_B, { method: 'nlls' });
    const ll = fitAdc(dwi, DENSE_B, { method: 'loglinear' });
    expect(nlls.summary.failed).toBe(0);
    expect(median(relativeErrors(nlls.adc.data, truth))).toBeLessThan(0.05);
    expect(median(relativeErrors(ll.adc.data, truth))).toBeLessThan(0.055);
  });

  it('at SNR 20 on the 4-b protocol, NLLS is as precise as the Cramér–Rao bound allows (median |error| ≈ 0.674·CRLB)', () => {
    // One ADC for all voxels so that the bound is one number: D = 1.0·10⁻³, bound ≈ 13 % (no estimator reaches 5 % here).
    const d = 1e-3;
    const dwi = synthesizeDwi({
      geometry: row(N),
      bValues: CLINICAL_B,
      truth: { kind: 'adc', adc: new Float64Array(N).fill(d) },
      s0: 1000,
      snr: 20,
      seed: 6,
      noise: 'gaussian',
    });
    const maps = fitAdc(dwi, CLINICAL_B, { method: 'nlls' });
    const expected = 0.674 * adcBound(CLINICAL_B, d, 20);
    const observed = median(relativeErrors(maps.adc.data, new Float64Array(N).fill(d)));
    expect(observed / expected).toBeGreaterThan(0.85);
    expect(observed / expected).toBeLessThan(1.15);
  });

  it('flags non-positive, non-finite and out-of-range voxels, and only maps fits inside the range', () => {
    const n = 600;
    const truth = uniformValues(13, 'adc', n, 0.8e-3, 2e-3);
    // 0–99 good at SNR 20; 100–199: one b = 500 signal set to −5; 200–299: NaN at b = 800; 300–399: signal rising
    // with b (ADC −0.5·10⁻³); 400–499: ADC 8·10⁻³ (beyond 5·10⁻³); 500–599: S0 = 0, Rician noise only (background).
    for (let i = 300; i < 400; i++) truth[i] = -0.5e-3;
    for (let i = 400; i < 500; i++) truth[i] = 8e-3;
    const s0 = Float64Array.from({ length: n }, (_, i) => (i >= 500 ? 0 : 1000));
    const clean = synthesizeDwi({ geometry: row(n), bValues: CLINICAL_B, truth: { kind: 'adc', adc: truth }, s0, precision: 'float64' });
    const noisy = synthesizeDwi({ geometry: row(n), bValues: CLINICAL_B, truth: { kind: 'adc', adc: truth }, s0: 1000, snr: 20, seed: 2 });
    const data = clean.data;
    for (let i = 0; i < 100; i++) for (let k = 0; k < 4; k++) data[k * n + i] = noisy.data[k * n + i];
    for (let i = 100; i < 200; i++) data[2 * n + i] = -5;
    for (let i = 200; i < 300; i++) data[3 * n + i] = NaN;
    const background = synthesizeDwi({ geometry: row(n), bValues: CLINICAL_B, truth: { kind: 'adc', adc: truth }, s0: 1000, snr: 20, seed: 3 });
    for (let i = 500; i < n; i++)
      for (let k = 0; k < 4; k++) data[k * n + i] = Math.abs(background.data[k * n + i] - 1000 * Math.exp(-CLINICAL_B[k] * truth[i]));
    for (const method of ['loglinear', 'nlls'] as const) {
      const maps = fitAdc(clean, CLINICAL_B, { method });
      const codes = Array.from(maps.failed.data);
      expect(codes.slice(0, 100).filter((c) => c !== 0).length).toBeLessThanOrEqual(1);
      expect(codes.slice(100, 200).every((c) => c === FitFailure.nonPositive)).toBe(true);
      expect(codes.slice(200, 300).every((c) => c === FitFailure.nonFinite)).toBe(true);
      expect(codes.slice(300, 500).every((c) => c === FitFailure.outOfRange)).toBe(true);
      // Whatever the background gives, a mapped value is within the accepted range and a failed voxel maps to 0.
      for (let i = 0; i < n; i++) {
        if (codes[i]) expect(maps.adc.data[i]).toBe(0);
        else expect(maps.adc.data[i] >= 0 && maps.adc.data[i] <= 5e-3).toBe(true);
      }
      expect(maps.summary.fitted).toBe(n);
      expect(maps.summary.byReason['non-finite signal']).toBe(100);
    }
  });

  it('fits only inside a mask', () => {
    const dwi = synthesizeDwi({ geometry: row(10), bValues: CLINICAL_B, truth: { kind: 'adc', adc: new Float64Array(10).fill(1e-3) }, s0: 100 });
    const mask = { geometry: row(10), data: Uint8Array.from({ length: 10 }, (_, i) => (i < 4 ? 1 : 0)) };
    const maps = fitAdc(dwi, CLINICAL_B, { mask });
    expect(Array.from(maps.adc.data, (x) => (x > 0 ? 1 : 0))).toEqual([1, 1, 1, 1, 0, 0, 0, 0, 0, 0]);
    expect(maps.summary.fitted).toBe(4);
    const shifted = { geometry: { ...row(10), origin: [0, 0, 5] as [number, number, number] }, data: mask.data, source: 'mask.nii.gz' };
    expect(() => fitAdc(dwi, CLINICAL_B, { mask: shifted })).toThrow(
      "file mask.nii.gz, field 'geometry': mask's spacing, origin or direction differ from the DWI's",
    );
  });
});

describe('IVIM maps', () => {
  const LOW = [0, 10, 20, 30, 40, 60, 80, 100, 150];
  const PROTOCOL = [...LOW, 200, 300, 400, 500, 600, 700, 800, 900, 1000];
  const d = uniformValues(21, 'd', N, 0.6e-3, 2e-3);
  const f = uniformValues(21, 'f', N, 0.05, 0.3);

  it('segmented: noise-free D, f and D* to 1e-6 when the pseudo-diffusion has decayed by b = 200 (D* 0.12–0.3 mm²/s)', () => {
    // exp(−200·0.12) = 4·10⁻¹¹ of f·S0 remains at the threshold: the segmented model's assumption holds.
    const dStar = uniformValues(21, 'ds-fast', N, 0.12, 0.3);
    const dwi = synthesizeDwi({ geometry: row(N), bValues: PROTOCOL, truth: { kind: 'ivim', d, f, dStar }, s0: 1000, precision: 'float64' });
    const maps = fitIvim(dwi, PROTOCOL);
    expect(maps.summary.failed).toBe(0);
    expect(maxOf(relativeErrors(maps.d.data, d))).toBeLessThan(1e-6);
    expect(maxOf(relativeErrors(maps.f.data, f))).toBeLessThan(1e-6);
    expect(maxOf(relativeErrors(maps.dStar.data, dStar))).toBeLessThan(1e-6);
  });

  it('full: noise-free D, f and D* to 1e-6 for slow pseudo-diffusion (D* 0.01–0.05 mm²/s), where the segmented fit is biased', () => {
    const dStar = uniformValues(21, 'ds', N, 0.01, 0.05);
    const dwi = synthesizeDwi({ geometry: row(N), bValues: PROTOCOL, truth: { kind: 'ivim', d, f, dStar }, s0: 1000, precision: 'float64' });
    const full = fitIvim(dwi, PROTOCOL, { method: 'full' });
    expect(full.summary.failed).toBe(0);
    expect(maxOf(relativeErrors(full.d.data, d))).toBeLessThan(1e-6);
    expect(maxOf(relativeErrors(full.f.data, f))).toBeLessThan(1e-6);
    expect(maxOf(relativeErrors(full.dStar.data, dStar))).toBeLessThan(1e-6);
    // The segmented D absorbs what is left of f·exp(−b·D*) at b ≥ 200: D is overestimated, never under.
    const segmented = fitIvim(dwi, PROTOCOL);
    for (let i = 0; i < N; i++) if (!segmented.failed.data[i]) expect(segmented.d.data[i]).toBeGreaterThanOrEqual(d[i] * (1 - 1e-6));
  });

  it('at SNR 20, D has median |error| ≤ 5 % with 41 b-values ≥ 200 and the NLLS first step; bad fits are flagged', () => {
    const b = [...LOW, ...Array.from({ length: 41 }, (_, i) => 200 + 20 * i)];
    const dTumour = uniformValues(22, 'd', N, 0.8e-3, 1.6e-3);
    const dStar = uniformValues(22, 'ds', N, 0.01, 0.05);
    const dwi = synthesizeDwi({ geometry: row(N), bValues: b, truth: { kind: 'ivim', d: dTumour, f, dStar }, s0: 1000, snr: 20, seed: 8 });
    const maps = fitIvim(dwi, b, { dFit: 'nlls' });
    const ok = (i: number) => maps.failed.data[i] === 0;
    expect(median(relativeErrors(maps.d.data, dTumour, ok))).toBeLessThan(0.05);
    // f and D* are poorly determined at this SNR: some fits leave the bounds and are flagged, never mapped.
    expect(maps.summary.failed).toBeGreaterThan(0);
    expect(maps.summary.failed).toBeLessThan(N / 4);
    for (let i = 0; i < N; i++) {
      if (ok(i)) {
        expect(maps.f.data[i]).toBeGreaterThanOrEqual(0);
        expect(maps.dStar.data[i]).toBeGreaterThan(maps.d.data[i]);
      } else {
        expect(maps.d.data[i]).toBe(0);
      }
    }
  });
});

describe('diffusion input errors', () => {
  function caught(fn: () => unknown): RadiomicsInputError {
    try {
      fn();
    } catch (err) {
      expect(err).toBeInstanceOf(RadiomicsInputError);
      const e = err as RadiomicsInputError;
      expect(e.message).not.toContain('\n');
      expect(e.expected).toBeTruthy();
      return e;
    }
    throw new Error('no error');
  }
  const dwiOf = (b: number[]) => ({
    ...synthesizeDwi({ geometry: row(4), bValues: b, truth: { kind: 'adc', adc: new Float64Array(4).fill(1e-3) }, s0: 100 }),
    source: 'dwi.nii.gz',
  });

  it('a DWI with one b-value', () => {
    const e = caught(() => fitAdc(dwiOf([500]), [500]));
    expect(e.message).toBe(
      "file dwi.nii.gz, field 'b-values': 1 distinct b-value (500 s/mm²) in 1 volume (expected at least 2 distinct b-values (a DWI series with several b-values))",
    );
  });

  it('as many b-values as volumes', () => {
    const e = caught(() => fitAdc(dwiOf([0, 500, 1000]), [0, 500]));
    expect(e.message).toBe(
      "file dwi.nii.gz, field 'b-values': 2 b-values given for 3 volumes (dim[4]) (expected one b-value per volume of the 4th dimension (3))",
    );
  });

  it('a negative b-value', () => {
    expect(caught(() => fitAdc(dwiOf([0, 500]), [0, -500])).message).toMatch(/field 'b-values': b-value 2 is -500 \(expected finite b-values ≥ 0/);
  });

  it('IVIM without b = 0, with fewer than two b-values ≥ the threshold, or none below it', () => {
    expect(caught(() => fitIvim(dwiOf([10, 100, 200, 500]), [10, 100, 200, 500])).message).toMatch(/field 'b-values': no b = 0 volume/);
    expect(caught(() => fitIvim(dwiOf([0, 50, 100, 800]), [0, 50, 100, 800])).message).toMatch(/1 distinct b-value ≥ 200 s\/mm² \(800\)/);
    expect(caught(() => fitIvim(dwiOf([0, 200, 500, 800]), [0, 200, 500, 800])).message).toMatch(/no b-value between 0 and 200/);
  });
});
