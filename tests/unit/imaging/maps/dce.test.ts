// DCE maps: the Parker AIF and the SPGR equation against values worked out by hand, the Tofts convolution against
// closed forms, noise-free recovery of Tofts and extended Tofts parameters from synthetic series (made by quadrature,
// not by the fit's recursion), precision at SNR 20, the failed-fit mask, the semi-quantitative maps on a hand-made
// curve, and bad time axes.
import {
  aifGrid,
  areaUnder,
  convolveExponential,
  fitDce,
  FitFailure,
  parkerBlood,
  parkerPlasma,
  semiQuantitative,
  signalToConcentration,
  spgrSignal,
  type SemiQuantitative,
} from '../../../../imaging/maps';
import { RadiomicsInputError } from '../../../../imaging/errors';
import { synthesizeDce, uniformValues, type DceTissue } from '../../../../synthetic';
import { maxOf, median, relativeErrors, row } from './support';

const TIMES = Array.from({ length: 60 }, (_, i) => 5 * i); // 5 s frames over 295 s
const SPGR = { flipDeg: 15, trMs: 5, t10Ms: 1400 };
const INJECTION = 10; // s: the third frame, the last of 3 baseline frames

describe('Parker AIF and the SPGR equation', () => {
  it('Parker et al. 2006 whole-blood curve at hand-computed points; plasma = blood / (1 − 0.42)', () => {
    // Σ A_n/(σ_n√2π)·exp(−(t−T_n)²/2σ_n²) + α·exp(−βt)/(1+exp(−s(t−τ))), Table 1 of the paper, evaluated separately.
    expect(parkerBlood(0.17046)).toBeCloseTo(6.06925072112755, 10);
    expect(parkerBlood(0.365)).toBeCloseTo(1.0229200733537303, 10);
    expect(parkerBlood(1)).toBeCloseTo(0.8871872352588495, 10);
    expect(parkerBlood(5)).toBeCloseTo(0.45216422484696633, 10);
    expect(parkerBlood(0)).toBe(0);
    expect(parkerBlood(-1)).toBe(0);
    expect(parkerPlasma(1)).toBeCloseTo(0.8871872352588495 / 0.58, 10);
  });

  it('SPGR signal at hand-computed points, and signal → concentration inverts it', () => {
    // M0 = 1000, α = 15°, TR = 5 ms, T10 = 1.4 s, r1 = 4.1 /mM/s: S = M0·sin α·(1 − E1)/(1 − cos α·E1), E1 = exp(−TR·R1).
    expect(spgrSignal(1000, 0, SPGR)).toBeCloseTo(24.59382343702444, 9);
    expect(spgrSignal(1000, 0.5, SPGR)).toBeCloseTo(75.05662650098586, 9);
    const c = [0, 0, 0, 0.1, 2, 5, 0.7];
    const y = Float64Array.from(c, (x) => spgrSignal(700, x, SPGR));
    expect(signalToConcentration(y, 0, c.length, 3, SPGR)).toBe(FitFailure.none);
    c.forEach((x, i) => expect(y[i]).toBeCloseTo(x, 10));
    // A signal above the fully relaxed level M0·sin α (≈ 259 for this baseline) has no concentration.
    const sat = Float64Array.of(24.6, 24.6, 24.6, 300);
    expect(signalToConcentration(sat, 0, 4, 3, SPGR)).toBe(FitFailure.conversion);
  });
});

describe('Tofts convolution', () => {
  // Uneven frames; a measured AIF is linear between frames, so these closed forms are exact.
  const times = [0, 7, 15, 30, 33, 60, 100, 101];
  const minutes = times.map((t) => t / 60);

  it('constant Cp = c: ∫ c·exp(−k(t−u)) du = c·(1 − exp(−k·t))/k', () => {
    const grid = aifGrid(times, { kind: 'curve', values: times.map(() => 2) });
    for (const k of [1e-4, 0.05, 0.8, 7]) {
      const out = new Float64Array(times.length);
      convolveExponential(grid, k, out);
      minutes.forEach((t, i) => expect(out[i]).toBeCloseTo((2 * -Math.expm1(-k * t)) / k, 12));
    }
  });

  it('ramp Cp = a·t: ∫ a·u·exp(−k(t−u)) du = a·(t/k − (1 − exp(−k·t))/k²)', () => {
    const a = 3;
    const grid = aifGrid(times, { kind: 'curve', values: minutes.map((t) => a * t) });
    for (const k of [0.05, 0.8, 7]) {
      const out = new Float64Array(times.length);
      convolveExponential(grid, k, out);
      minutes.forEach((t, i) => expect(out[i]).toBeCloseTo(a * (t / k + Math.expm1(-k * t) / (k * k)), 12));
    }
    // k → 0: the integral of the ramp, a·t²/2.
    const out = new Float64Array(times.length);
    convolveExponential(grid, 1e-13, out);
    minutes.forEach((t, i) => expect(out[i]).toBeCloseTo((a * t * t) / 2, 9));
  });
});

function tissues(n: number, seed: number, vp: boolean): DceTissue[] {
  const kt = uniformValues(seed, 'ktrans', n, 0.05, 0.4);
  const ve = uniformValues(seed, 've', n, 0.15, 0.6);
  const v = uniformValues(seed, 'vp', n, 0.01, 0.1);
  return Array.from({ length: n }, (_, i) => ({ ktrans: kt[i], ve: ve[i], vp: vp ? v[i] : 0 }));
}

const labels = (n: number) => Uint32Array.from({ length: n }, (_, i) => i);

describe('Tofts fits', () => {
  it.each(['tofts', 'extended'] as const)('%s: noise-free Ktrans, kep, ve (vp) to 1e-6 from SPGR signal with the Parker AIF', (model) => {
    const n = 400;
    const truth = tissues(n, 31, model === 'extended');
    const { series } = synthesizeDce({
      geometry: row(n),
      times: TIMES,
      injection: INJECTION,
      tissues: truth,
      labels: labels(n),
      ...SPGR,
      precision: 'float64',
    });
    const maps = fitDce(series, { times: TIMES, aif: { kind: 'parker', injection: INJECTION }, model, spgr: SPGR, baselineFrames: 3 });
    expect(maps.summary.failed).toBe(0);
    expect(
      maxOf(
        relativeErrors(
          maps.ktrans.data,
          truth.map((t) => t.ktrans),
        ),
      ),
    ).toBeLessThan(1e-6);
    expect(
      maxOf(
        relativeErrors(
          maps.ve.data,
          truth.map((t) => t.ve),
        ),
      ),
    ).toBeLessThan(1e-6);
    expect(
      maxOf(
        relativeErrors(
          maps.kep.data,
          truth.map((t) => t.ktrans / t.ve),
        ),
      ),
    ).toBeLessThan(1e-6);
    if (model === 'extended')
      expect(
        maxOf(
          relativeErrors(
            maps.vp!.data,
            truth.map((t) => t.vp!),
          ),
        ),
      ).toBeLessThan(1e-6);
    else expect(maps.vp).toBeNull();
  });

  it('a measured AIF given at the frame times is fitted exactly too (concentration input)', () => {
    const n = 50;
    const truth = tissues(n, 32, true);
    // The AIF at the frames only (step ≥ the frame interval): the synthetic series integrates the same linear AIF.
    const { series } = synthesizeDce({
      geometry: row(n),
      times: TIMES,
      injection: INJECTION,
      tissues: truth,
      labels: labels(n),
      ...SPGR,
      aifStep: 5,
      output: 'concentration',
      precision: 'float64',
    });
    const values = TIMES.map((t) => parkerPlasma((t - INJECTION) / 60));
    const maps = fitDce(series, { times: TIMES, aif: { kind: 'curve', values }, model: 'extended', input: 'concentration', baselineFrames: 3 });
    expect(
      maxOf(
        relativeErrors(
          maps.ktrans.data,
          truth.map((t) => t.ktrans),
        ),
      ),
    ).toBeLessThan(1e-6);
    expect(
      maxOf(
        relativeErrors(
          maps.ve.data,
          truth.map((t) => t.ve),
        ),
      ),
    ).toBeLessThan(1e-6);
  });

  it("the AIF's 1 s linear steps stay within 0.5 % of Parker's continuous curve (series made with 0.05 s steps)", () => {
    const n = 12;
    const truth = tissues(n, 33, false);
    const { series } = synthesizeDce({
      geometry: row(n),
      times: TIMES,
      injection: INJECTION,
      tissues: truth,
      labels: labels(n),
      ...SPGR,
      aifStep: 0.05,
      precision: 'float64',
    });
    const maps = fitDce(series, { times: TIMES, aif: { kind: 'parker', injection: INJECTION }, spgr: SPGR, baselineFrames: 3 });
    expect(
      maxOf(
        relativeErrors(
          maps.ktrans.data,
          truth.map((t) => t.ktrans),
        ),
      ),
    ).toBeLessThan(5e-3);
    expect(
      maxOf(
        relativeErrors(
          maps.ve.data,
          truth.map((t) => t.ve),
        ),
      ),
    ).toBeLessThan(5e-3);
  });

  it.each(['tofts', 'extended'] as const)('%s at SNR 20 (Rician, σ = S_pre/20): median |error| of Ktrans and ve ≤ 5 % over 2000 voxels', (model) => {
    const n = 2000;
    const truth = tissues(n, 34, model === 'extended');
    const { series } = synthesizeDce({ geometry: row(n), times: TIMES, injection: INJECTION, tissues: truth, labels: labels(n), ...SPGR, snr: 20, seed: 7 });
    const maps = fitDce(series, { times: TIMES, aif: { kind: 'parker', injection: INJECTION }, model, spgr: SPGR, baselineFrames: 3 });
    const ok = (i: number) => maps.failed.data[i] === 0;
    expect(maps.summary.failed).toBeLessThan(n / 100);
    expect(
      median(
        relativeErrors(
          maps.ktrans.data,
          truth.map((t) => t.ktrans),
          ok,
        ),
      ),
    ).toBeLessThan(0.05);
    expect(
      median(
        relativeErrors(
          maps.ve.data,
          truth.map((t) => t.ve),
          ok,
        ),
      ),
    ).toBeLessThan(0.05);
  });

  it('flags voxels whose fit fails: no enhancement, NaN, non-positive signal, signal beyond full relaxation, ve > 1', () => {
    const truth: DceTissue[] = [
      { ktrans: 0.2, ve: 0.3 },
      { ktrans: 0, ve: 0.3 },
      { ktrans: 0.2, ve: 1.6 },
    ];
    const n = 6;
    const { series } = synthesizeDce({
      geometry: row(n),
      times: TIMES,
      injection: INJECTION,
      tissues: truth,
      labels: Uint8Array.of(0, 1, 0, 0, 0, 2),
      ...SPGR,
      precision: 'float64',
    });
    series.data[20 * n + 2] = NaN;
    series.data[30 * n + 3] = -1;
    series.data[30 * n + 4] = 1000; // above M0·sin α ≈ 259: no T1 gives this signal
    const maps = fitDce(series, { times: TIMES, aif: { kind: 'parker', injection: INJECTION }, spgr: SPGR, baselineFrames: 3 });
    expect(Array.from(maps.failed.data)).toEqual([
      FitFailure.none,
      FitFailure.outOfRange,
      FitFailure.nonFinite,
      FitFailure.nonPositive,
      FitFailure.conversion,
      FitFailure.outOfRange,
    ]);
    expect(maps.ktrans.data[0]).toBeCloseTo(0.2, 6);
    for (let i = 1; i < n; i++) expect(maps.ktrans.data[i]).toBe(0);
  });
});

describe('semi-quantitative maps', () => {
  // A hand-made enhancement curve, linear between frames: peak 2.0 at 40 s.
  const times = Float64Array.of(0, 10, 20, 30, 40, 60, 80, 100);
  const e = Float64Array.of(0, 0, 0.5, 1.5, 2.0, 1.8, 1.6, 1.4);
  const out = (): SemiQuantitative => ({ maxEnhancement: 0, timeToPeak: 0, washIn: 0, washOut: 0, iauc60: 0 });

  it('onset at a frame (10 s)', () => {
    const s = semiQuantitative(e, 0, times, 10, out());
    expect(s.maxEnhancement).toBe(2);
    expect(s.timeToPeak).toBe(30);
    expect(s.washIn).toBeCloseTo(2 / 30, 12);
    expect(s.washOut).toBeCloseTo((1.4 - 2) / 60, 12);
    // [10,20] 2.5 + [20,30] 10 + [30,40] 17.5 + [40,60] 38 + [60,70] (1.8 + 1.7)/2·10 = 17.5 → 85.5
    expect(s.iauc60).toBeCloseTo(85.5, 12);
  });

  it('onset between frames (15 s): E(15) = 0.25 interpolated', () => {
    const s = semiQuantitative(e, 0, times, 15, out());
    expect(s.timeToPeak).toBe(25);
    expect(s.washIn).toBeCloseTo((2 - 0.25) / 25, 12);
    // [15,20] 1.875 + 10 + 17.5 + 38 + [60,75] (1.8 + 1.65)/2·15 = 25.875 → 93.25
    expect(s.iauc60).toBeCloseTo(93.25, 12);
    expect(areaUnder(e, 0, times, 0, 100)).toBeCloseTo(2.5 + 10 + 17.5 + 38 + 34 + 30, 12);
  });

  it('through fitDce: relative enhancement of a signal curve S = 200·(1 + E)', () => {
    const series = { geometry: row(1), frames: 8, data: Float64Array.from(e, (x) => 200 * (1 + x)), source: 'dce.nii.gz' };
    const maps = fitDce(series, { times: Array.from(times), aif: { kind: 'parker', injection: 10 }, spgr: SPGR, baselineFrames: 2 });
    expect(maps.maxEnhancement.data[0]).toBeCloseTo(2, 6);
    expect(maps.timeToPeak.data[0]).toBeCloseTo(30, 6);
    expect(maps.washIn.data[0]).toBeCloseTo(2 / 30, 6);
    expect(maps.washOut.data[0]).toBeCloseTo(-0.01, 6);
    expect(maps.iauc60.data[0]).toBeCloseTo(85.5, 4);
    expect(maps.iaugc60.data[0]).toBeGreaterThan(0);
  });
});

describe('DCE input errors', () => {
  const series = (frames: number) => ({ geometry: row(2), frames, data: new Float64Array(2 * frames).fill(100), source: 'dce.nii.gz' });
  const options = (times: number[]) => ({ times, aif: { kind: 'parker' as const, injection: times[2] }, spgr: SPGR, baselineFrames: 3 });
  function message(fn: () => unknown): string {
    try {
      fn();
    } catch (err) {
      expect(err).toBeInstanceOf(RadiomicsInputError);
      expect((err as RadiomicsInputError).expected).toBeTruthy();
      return (err as Error).message;
    }
    throw new Error('no error');
  }

  it('too few time points', () => {
    expect(message(() => fitDce(series(5), options([0, 5, 10, 15, 20])))).toBe(
      "file dce.nii.gz, field 'times': 5 time points (expected at least 7 time points for the Tofts model after 3 baseline frame(s))",
    );
  });

  it('an unsorted time axis', () => {
    const t = Array.from({ length: 20 }, (_, i) => 5 * i);
    [t[7], t[8]] = [t[8], t[7]];
    expect(message(() => fitDce(series(20), options(t)))).toBe(
      "file dce.nii.gz, field 'times': time point 9 (35 s) is not after time point 8 (40 s) (expected strictly increasing acquisition times (s))",
    );
  });

  it('as many times as frames, and 60 s after the onset', () => {
    expect(message(() => fitDce(series(20), options(Array.from({ length: 19 }, (_, i) => 5 * i))))).toMatch(
      /field 'times': 19 time points given for 20 frames \(dim\[4\]\)/,
    );
    expect(message(() => fitDce(series(10), options(Array.from({ length: 10 }, (_, i) => 5 * i))))).toMatch(/field 'times': .*IAUC60/);
  });
});
