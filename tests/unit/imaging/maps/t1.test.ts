// T1 from variable flip angles: a two-angle case worked out by hand, noise-free recovery (linear and NLLS) to 1e-6,
// precision at SNR 20 (Rician noise), the failed-fit mask, bad input (one flip angle, TR ≤ 0, volumes on other
// grids), and the DCE concentration taking a T1 map voxel by voxel.
import { fitDce, fitT1Vfa, FitFailure, spgrSignal, stackVolumes } from '../../../../imaging/maps';
import { IDENTITY, type Geometry, type Volume } from '../../../../imaging/image';
import { RadiomicsInputError } from '../../../../imaging/errors';
import { synthesizeDce, uniformValues } from '../../../../synthetic';
import { maxOf, median, relativeErrors, row } from './support';
import { synthesizeVfa } from './vfa';

const TR = 5;
const ANGLES = [2, 5, 10, 15];

describe('T1 from variable flip angles', () => {
  it('two angles: T1 and M0 from the line through (S/tan α, S/sin α), by hand', () => {
    // S(3°) = 120, S(15°) = 80, TR 5 ms: E1 = Δ(S/sin α)/Δ(S/tan α) = 0.99628867422576, T1 = −TR/ln E1 = 1344.72591180 ms,
    // M0 = (y − E1·x)/(1 − E1) = 3136.41782566 (worked out separately in double precision).
    const series = { geometry: row(1), frames: 2, data: Float64Array.of(120, 80), source: 'vfa.nii.gz' };
    for (const method of ['linear', 'nlls'] as const) {
      const maps = fitT1Vfa(series, [3, 15], TR, { method });
      expect(maps.failed.data[0]).toBe(0);
      expect(maps.t1.data[0]).toBeCloseTo(1344.7259117979681, 2);
      expect(Math.abs(maps.m0.data[0] - 3136.4178256756586) / 3136.4).toBeLessThan(1e-6);
      expect(maps.r2.data[0]).toBeCloseTo(1, 9);
    }
  });

  it('the SPGR forward model at a hand-computed point (M0 1000, α 10°, TR 5 ms, T1 1000 ms)', () => {
    expect(spgrSignal(1000, 0, { flipDeg: 10, trMs: 5, t10Ms: 1000 })).toBeCloseTo(43.079688880137, 9);
  });

  it('noise-free: T1 and M0 recovered to 1e-6 by both methods over 200–4000 ms', () => {
    const n = 300;
    const t1 = uniformValues(11, 't1', n, 200, 4000);
    const m0 = uniformValues(11, 'm0', n, 500, 5000);
    const series = synthesizeVfa(row(n), ANGLES, TR, t1, m0, Infinity, 1, 'float64');
    for (const method of ['linear', 'nlls'] as const) {
      const maps = fitT1Vfa(series, ANGLES, TR, { method });
      expect(maps.summary).toEqual({ fitted: n, failed: 0, byReason: {} });
      // float32 maps: 6e-8 relative is their resolution.
      expect(maxOf(relativeErrors(maps.t1.data, t1))).toBeLessThan(1e-6);
      expect(maxOf(relativeErrors(maps.m0.data, m0))).toBeLessThan(1e-6);
    }
  });

  it('SNR 20 (Rician, σ = the largest signal / 20): median relative T1 error, linear and NLLS', () => {
    const n = 4000;
    const t1 = uniformValues(12, 't1', n, 500, 2000);
    const m0 = new Float64Array(n).fill(3000);
    const series = synthesizeVfa(row(n), ANGLES, TR, t1, m0, 20, 12);
    const linear = fitT1Vfa(series, ANGLES, TR);
    const nlls = fitT1Vfa(series, ANGLES, TR, { method: 'nlls' });
    const errors = (maps: typeof linear) => median(relativeErrors(maps.t1.data, t1, (i) => maps.failed.data[i] === 0));
    const eLinear = errors(linear);
    const eNlls = errors(nlls);
    console.log(
      `VFA T1 at SNR 20 (2/5/10/15°, TR 5 ms, T1 500–2000 ms, ${n} voxels): median |ΔT1|/T1 linear ${(100 * eLinear).toFixed(2)} %, NLLS ${(100 * eNlls).toFixed(2)} %; failed ${linear.summary.failed} / ${nlls.summary.failed}`,
    );
    // The Cramér–Rao bound of T1 for this protocol (Gaussian σ, worked out separately from the Fisher information in
    // (M0, T1)) is a standard deviation of 12.1–12.8 % over 500–2000 ms: a median absolute error of 0.674 × that,
    // 8.2–8.6 %. Both fits reach it; 5 % would need more angles or a higher SNR.
    expect(eLinear).toBeLessThan(0.095);
    expect(eNlls).toBeLessThan(0.095);
    expect(eNlls).toBeLessThan(eLinear * 1.05);
    expect(linear.summary.failed).toBeLessThan(n * 0.02);
  });

  it('the failed-fit mask: non-positive and non-finite signals, T1 out of range, the mask', () => {
    const t = spgrSignal(1000, 0, { flipDeg: 2, trMs: TR, t10Ms: 1000 });
    const u = spgrSignal(1000, 0, { flipDeg: 15, trMs: TR, t10Ms: 1000 });
    // Voxels: good; a zero; NaN; a signal rising with the angle faster than any T1 allows (E1 ≥ 1); masked out.
    const frames = [
      [t, 0, t, t * 0.1, t],
      [u, u, NaN, u * 10, u],
    ];
    const series = { geometry: row(5), frames: 2, data: Float64Array.from(frames.flat()) };
    const mask = { geometry: row(5), data: Uint8Array.of(1, 1, 1, 1, 0) };
    const maps = fitT1Vfa(series, [2, 15], TR, { mask });
    expect(Array.from(maps.failed.data)).toEqual([0, FitFailure.nonPositive, FitFailure.nonFinite, FitFailure.outOfRange, 0]);
    expect(maps.t1.data[0]).toBeCloseTo(1000, 3);
    expect(Array.from(maps.t1.data.slice(1))).toEqual([0, 0, 0, 0]);
    expect(maps.summary).toEqual({ fitted: 4, failed: 3, byReason: { 'non-positive signal': 1, 'non-finite signal': 1, 'out of range': 1 } });
  });

  it('bad input: one flip angle, as many angles as volumes, angles outside (0, 90], TR ≤ 0', () => {
    const one = { geometry: row(2), frames: 1, data: Float64Array.of(10, 20), source: 'vfa.nii.gz' };
    expect(() => fitT1Vfa(one, [10], TR)).toThrow(
      "file vfa.nii.gz, field 'flip angles': 1 distinct flip angle (10°) in 1 volume (expected at least 2 different flip angles",
    );
    const two = { geometry: row(1), frames: 2, data: Float64Array.of(10, 20), source: 'vfa.nii.gz' };
    expect(() => fitT1Vfa(two, [10, 10], TR)).toThrow(/1 distinct flip angle \(10°\) in 2 volumes/);
    expect(() => fitT1Vfa(two, [2, 5, 10], TR)).toThrow(
      "file vfa.nii.gz, field 'flip angles': 3 flip angles given for 2 volumes (expected one flip angle (degrees) per volume (2))",
    );
    expect(() => fitT1Vfa(two, [0, 10], TR)).toThrow(/flip angle 1 is 0 \(expected degrees in \(0, 90\]\)/);
    expect(() => fitT1Vfa(two, [10, 120], TR)).toThrow(RadiomicsInputError);
    expect(() => fitT1Vfa(two, [2, 10], 0)).toThrow("file vfa.nii.gz, field 'TR': TR 0 (expected a repetition time > 0 (ms))");
    expect(() => fitT1Vfa(two, [2, 10], -5)).toThrow(/TR -5/);
    expect(() => fitT1Vfa(two, [2, 10], NaN)).toThrow(/TR NaN/);
  });

  it('volumes of one flip angle each are stacked on one grid; another grid is named', () => {
    const g: Geometry = { size: [2, 1, 1], spacing: [1, 1, 2], origin: [0, 0, 0], direction: IDENTITY };
    const a: Volume = { geometry: g, data: Float32Array.of(1, 2), source: 'a.nii.gz' };
    const b: Volume = { geometry: g, data: Float32Array.of(3, 4), source: 'b.nii.gz' };
    const s = stackVolumes([a, b], '--vfa');
    expect(s.frames).toBe(2);
    expect(Array.from(s.data)).toEqual([1, 2, 3, 4]);
    const shifted: Volume = { geometry: { ...g, origin: [0, 0, 5] }, data: Float32Array.of(3, 4), source: 'c.nii.gz' };
    expect(() => stackVolumes([a, shifted], '--vfa')).toThrow(
      /^file c\.nii\.gz, field '--vfa': grid 2×1×1 at 1×1×2 mm, origin 0, 0, 5 differs from a\.nii\.gz's/,
    );
    const bigger: Volume = { geometry: { ...g, size: [1, 2, 1] }, data: Float32Array.of(3, 4), source: 'd.nii.gz' };
    expect(() => stackVolumes([a, bigger], '--vfa')).toThrow(/file d\.nii\.gz, field '--vfa'/);
  });
});

describe('DCE with a T1 map', () => {
  const TIMES = Array.from({ length: 60 }, (_, i) => 5 * i);
  const SEQ = { flipDeg: 15, trMs: 5 };
  const aif = { kind: 'parker' as const, injection: 10 };
  // Two tissues of the same Ktrans and ve but native T1s of 600 and 1600 ms.
  const tissues = [
    { ktrans: 0.25, ve: 0.4, t10Ms: 600 },
    { ktrans: 0.25, ve: 0.4, t10Ms: 1600 },
  ];
  const n = 8;
  const labels = Uint8Array.from({ length: n }, (_, i) => i % 2);
  const { series } = synthesizeDce({ geometry: row(n), times: TIMES, injection: 10, tissues, labels, flipDeg: 15, trMs: 5, t10Ms: 1000 });

  it('recovers Ktrans and ve to 1e-6 with each voxel its own T1 (from a VFA fit); a fixed T1 does not', () => {
    const truthT1 = Float64Array.from(labels, (l) => tissues[l].t10Ms);
    const vfa = synthesizeVfa(row(n), ANGLES, TR, truthT1, new Float64Array(n).fill(2000), Infinity, 1, 'float64');
    const t1 = fitT1Vfa(vfa, ANGLES, TR).t1;
    const withMap = fitDce(series, { times: TIMES, aif, spgr: SEQ, t1Map: t1, baselineFrames: 3 });
    expect(withMap.summary.failed).toBe(0);
    expect(maxOf(relativeErrors(withMap.ktrans.data, new Float64Array(n).fill(0.25)))).toBeLessThan(1e-6);
    expect(maxOf(relativeErrors(withMap.ve.data, new Float64Array(n).fill(0.4)))).toBeLessThan(1e-6);
    const fixed = fitDce(series, { times: TIMES, aif, spgr: { ...SEQ, t10Ms: 1000 }, baselineFrames: 3 });
    // With the wrong native T1 the concentration scale is wrong by tens of per cent.
    expect(maxOf(relativeErrors(fixed.ktrans.data, new Float64Array(n).fill(0.25), (i) => fixed.failed.data[i] === 0))).toBeGreaterThan(0.1);
  });

  it('a voxel without a native T1 fails (code 6); a map on another grid, or both a map and a fixed T1, is refused', () => {
    const map = { geometry: row(n), data: Float32Array.from(labels, (l) => tissues[l].t10Ms), source: 'T1.nii.gz' };
    map.data[3] = 0;
    map.data[4] = NaN;
    const maps = fitDce(series, { times: TIMES, aif, spgr: SEQ, t1Map: map, baselineFrames: 3 });
    expect(maps.failed.data[3]).toBe(FitFailure.noNativeT1);
    expect(maps.failed.data[4]).toBe(FitFailure.noNativeT1);
    expect(maps.summary.byReason).toEqual({ 'no native T1 in the T1 map': 2 });
    // Its semi-quantitative maps need no T1 and are still there.
    expect(maps.maxEnhancement.data[3]).toBeGreaterThan(0);
    const other = { ...map, geometry: row(n + 1), data: new Float32Array(n + 1).fill(1000) };
    expect(() => fitDce(series, { times: TIMES, aif, spgr: SEQ, t1Map: other, baselineFrames: 3 })).toThrow(
      "file T1.nii.gz, field 'size': T1 map is 9×1×1, the DCE series 8×1×1 (expected a T1 map on the DCE series's grid)",
    );
    expect(() => fitDce(series, { times: TIMES, aif, spgr: { ...SEQ, t10Ms: 1000 }, t1Map: map, baselineFrames: 3 })).toThrow(
      /file T1\.nii\.gz, field 'T1': both a fixed T1 \(1000 ms\) and a T1 map are given/,
    );
    expect(() => fitDce(series, { times: TIMES, aif, spgr: SEQ, baselineFrames: 3 })).toThrow(/field 'T1': no native T1/);
  });
});
