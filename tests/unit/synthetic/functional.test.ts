// Functional series of the synthetic study: 4D DWI and DCE files per visit when asked (none otherwise), the DWI signal
// S0·exp(−b·ADC) of the visit's ADC image, the DCE's pre-contrast signal the SPGR equation gives for the study's T1, noise
// at the asked SNR, and tumour Ktrans falling more in good responders than in poor ones.
import { join } from 'node:path';
import { readNifti, readNiftiSeries } from '../../../imaging/io/nifti';
import { functionalSeriesSettings, generateStudy, writeStudy } from '../../../synthetic';
import { renderVfa, validateFunctionalOptions } from '../../../synthetic/functional';
import { fitT1Vfa } from '../../../imaging/maps';
import { IDENTITY, type Geometry } from '../../../imaging/image';
import { mean, tempDir } from './support';

const size: [number, number, number] = [24, 24, 12];

describe('synthetic functional series', () => {
  it('writes noise-free DWI and DCE series that follow the signal equations', () => {
    const dir = tempDir('functional');
    try {
      const manifest = writeStudy({ seed: 3, patients: 1, outDir: dir.path, size, functional: { dwi: { snr: Infinity }, dce: { frames: 12, snr: Infinity } } });
      const tp = manifest.patients[0].timepoints[1];
      const dwi = readNiftiSeries(join(dir.path, tp.functionalFiles!.DWI!));
      const adc = readNifti(join(dir.path, tp.files.ADC)).data;
      expect(dwi.frames).toBe(4);
      const n = adc.length;
      let worst = 0;
      [0, 200, 500, 800].forEach((b, k) => {
        for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(dwi.data[k * n + i] - 1000 * Math.exp(-b * Math.max(0, adc[i]) * 1e-6)));
      });
      expect(worst).toBeLessThan(1e-3); // float32 storage of values ≤ 1000
      const dce = readNiftiSeries(join(dir.path, tp.functionalFiles!.DCE!));
      expect(dce.frames).toBe(12);
      // Before the bolus (t = 0 s, injection at 20 s) every voxel is at the SPGR signal of T1 = 1400 ms, α = 15°, TR = 5 ms.
      const e1 = Math.exp(-5 / 1400);
      const a = (15 * Math.PI) / 180;
      const pre = (1000 * Math.sin(a) * (1 - e1)) / (1 - Math.cos(a) * e1);
      for (let i = 0; i < n; i++) expect(Math.abs(dce.data[i] - pre)).toBeLessThan(1e-4);
      expect(functionalSeriesSettings(manifest.functional!)).toEqual({
        DWI: { bValues: [0, 200, 500, 800] },
        DCE: {
          times: [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110],
          aif: 'parker',
          injection: 20,
          model: 'tofts',
          t1: 1400,
          flipAngle: 15,
          tr: 5,
          baselineFrames: 3,
        },
      });
    } finally {
      dir.remove();
    }
  });

  it('adds Rician noise of S0/SNR to the DWI', () => {
    const dir = tempDir('functional-noise');
    try {
      const manifest = writeStudy({ seed: 3, patients: 1, outDir: dir.path, size, functional: { dwi: { snr: 20 } } });
      const tp = manifest.patients[0].timepoints[0];
      const dwi = readNiftiSeries(join(dir.path, tp.functionalFiles!.DWI!));
      const n = size[0] * size[1] * size[2];
      // At b = 0 the noise-free signal is 1000 everywhere: the frame's spread is σ = 1000/20 = 50 (Rician ≈ Gaussian at SNR 20).
      const b0 = Array.from(dwi.data.subarray(0, n));
      const m = mean(b0);
      const sd = Math.sqrt(mean(b0.map((v) => (v - m) ** 2)));
      expect(Math.abs(sd / 50 - 1)).toBeLessThan(0.05);
      expect(Math.abs(m - 1000)).toBeLessThan(5);
      expect(tp.functionalFiles!.DCE).toBeUndefined();
    } finally {
      dir.remove();
    }
  });

  it('lets tumour Ktrans fall more in good responders; studies without functional series are unchanged', () => {
    const manifest = generateStudy({ seed: 7, patients: 10, functional: { dce: {} } });
    const ratio = (p: (typeof manifest.patients)[number]) =>
      p.timepoints[2].functionalTruth!.dce!.tumour.ktrans / p.timepoints[0].functionalTruth!.dce!.tumour.ktrans;
    const good = manifest.patients.filter((p) => p.responder === 'good').map(ratio);
    const poor = manifest.patients.filter((p) => p.responder === 'poor').map(ratio);
    expect(good.length).toBeGreaterThan(0);
    expect(Math.max(...good)).toBeLessThan(Math.min(...poor) + 0.1);
    expect(mean(good)).toBeLessThan(mean(poor));
    expect(manifest.patients.every((p) => p.timepoints[0].functionalTruth!.dce!.tumour.ktrans === 0.25)).toBe(true);
    const plain = generateStudy({ seed: 7, patients: 10 });
    expect('functional' in plain).toBe(false);
    expect(plain.patients.every((p) => p.timepoints.every((t) => !('functionalFiles' in t)))).toBe(true);
    expect(() => generateStudy({ seed: 7, patients: 1, functional: { dce: { frames: 5 } } })).toThrow(
      'functional.dce.frames: expected an integer from 7 to 200, got 5',
    );
    expect(() => generateStudy({ seed: 7, patients: 1, functional: { dwi: { bValues: [500] } } })).toThrow(
      'functional.dwi.bValues: expected at least 2 distinct b-values ≥ 0 s/mm², got [500]',
    );
  });

  it('renders a VFA series of a known T1 per tissue when asked, which the T1 fit recovers (noise-free, and at SNR 50)', () => {
    const protocol = validateFunctionalOptions({ dce: {}, vfa: {} })!;
    expect(protocol.vfa).toEqual({ flipAngles: [2, 5, 10, 15], trMs: 5, snr: 50, m0: 1000, tumourT1Ms: 1800 });
    expect(functionalSeriesSettings(protocol).VFA).toEqual({ flipAngles: [2, 5, 10, 15], tr: 5 });
    const g: Geometry = { size: [10, 10, 4], spacing: [1, 1, 1], origin: [0, 0, 0], direction: [...IDENTITY] };
    const mask = { geometry: g, data: Uint8Array.from({ length: 400 }, (_, i) => (i % 10 < 5 ? 1 : 0)) };
    const truth = (i: number) => (mask.data[i] ? 1800 : 1400);
    const exact = renderVfa({ ...protocol.vfa!, snr: Infinity }, 1400, mask, 1, 'SYN-1', 'baseline');
    expect(exact.frames).toBe(4);
    // The SPGR steady state by hand for the tumour at 15°: M0·sin α·(1 − E1)/(1 − cos α·E1), E1 = exp(−5/1800).
    const e1 = Math.exp(-5 / 1800);
    const a = (15 * Math.PI) / 180;
    expect(exact.data[3 * 400]).toBeCloseTo((1000 * Math.sin(a) * (1 - e1)) / (1 - Math.cos(a) * e1), 3);
    const fitted = fitT1Vfa(exact, protocol.vfa!.flipAngles, 5).t1.data;
    let worst = 0;
    for (let i = 0; i < 400; i++) worst = Math.max(worst, Math.abs(fitted[i] - truth(i)) / truth(i));
    expect(worst).toBeLessThan(1e-4); // float32 signal
    const noisy = fitT1Vfa(renderVfa(protocol.vfa!, 1400, mask, 1, 'SYN-1', 'baseline'), protocol.vfa!.flipAngles, 5).t1.data;
    const errors = Array.from(noisy, (v, i) => Math.abs(v - truth(i)) / truth(i)).sort((x, y) => x - y);
    expect(errors[200]).toBeLessThan(0.05);
    expect(errors[200]).toBeGreaterThan(0); // the noise is there
  });

  it('refuses a VFA series without DCE, and bad flip angles', () => {
    expect(() => validateFunctionalOptions({ vfa: {} })).toThrow('functional.vfa: expected functional.dce too');
    expect(() => validateFunctionalOptions({ dce: {}, vfa: { flipAngles: [5, 5] } })).toThrow(
      'functional.vfa.flipAngles: expected at least 2 different flip angles in (0, 90] degrees, got [5,5]',
    );
    expect(() => validateFunctionalOptions({ dce: {}, vfa: { snr: 0 } })).toThrow('functional.vfa.snr: expected a positive number, got 0');
  });
});
