// Response biology, measured on the written images and masks (not on the generator's own parameters): from baseline
// to pre-op, good responders' tumours shrink more, their ADC rises more, their SUVmax falls more and their texture
// homogenises more than poor responders'; the deltas separate the groups, baseline values hardly do, and nothing is perfect.
import { join } from 'node:path';
import { readNifti } from '../../../imaging/io/nifti';
import { generateStudy, renderVisit, writeStudy, type RenderedVisit, type SyntheticStudyManifest, type SyntheticTimepoint } from '../../../synthetic';
import { auc, mean, tempDir } from './support';

interface Measured {
  volumeMl: number;
  adcMean: number;
  suvMax: number;
  /** Coefficient of variation of T2 within the mask: a first-order heterogeneity measure. */
  t2Cv: number;
}

function measure(root: string, manifest: SyntheticStudyManifest, tp: SyntheticTimepoint): Measured {
  const mask = readNifti(join(root, tp.files.mask)).data;
  const adc = readNifti(join(root, tp.files.ADC)).data;
  const pet = readNifti(join(root, tp.files.PET)).data;
  const t2 = readNifti(join(root, tp.files.T2)).data;
  let n = 0;
  let adcSum = 0;
  let suvMax = 0;
  let t2Sum = 0;
  let t2Sq = 0;
  for (let i = 0; i < mask.length; i++) {
    if (mask[i] !== 1) continue;
    n++;
    adcSum += adc[i];
    suvMax = Math.max(suvMax, pet[i]);
    t2Sum += t2[i];
    t2Sq += t2[i] * t2[i];
  }
  const [sx, sy, sz] = manifest.geometry.spacing;
  const t2Mean = t2Sum / n;
  return { volumeMl: (n * sx * sy * sz) / 1000, adcMean: adcSum / n, suvMax, t2Cv: Math.sqrt(t2Sq / n - t2Mean * t2Mean) / t2Mean };
}

describe('synthetic response biology', () => {
  const dir = tempDir('synthetic-response');
  afterAll(() => dir.remove());

  it('makes good responders change more than poor ones, in the intended direction', () => {
    // 15 patients: 2 good, 3 poor per block of five. A coarser grid (2.4 × 2.4 × 4.8 mm) keeps the test fast.
    const manifest = writeStudy({ seed: 99, patients: 15, size: [40, 40, 20], outDir: dir.path });
    const rows = manifest.patients.map((p) => {
      const [base, , preop] = p.timepoints.map((tp) => measure(dir.path, manifest, tp));
      return {
        good: p.responder === 'good',
        base,
        volumeChange: preop.volumeMl / base.volumeMl - 1,
        adcChange: preop.adcMean - base.adcMean,
        suvChange: preop.suvMax / base.suvMax - 1,
        t2CvChange: preop.t2Cv - base.t2Cv,
      };
    });
    const good = rows.filter((r) => r.good);
    const poor = rows.filter((r) => !r.good);
    expect(good).toHaveLength(6);
    const separation = (f: (r: (typeof rows)[number]) => number) => auc(good.map(f), poor.map(f));

    // Direction, on average.
    expect(mean(good.map((r) => r.volumeChange))).toBeLessThan(mean(poor.map((r) => r.volumeChange)));
    expect(mean(good.map((r) => r.adcChange))).toBeGreaterThan(mean(poor.map((r) => r.adcChange)));
    expect(mean(good.map((r) => r.suvChange))).toBeLessThan(mean(poor.map((r) => r.suvChange)));
    expect(mean(good.map((r) => r.t2CvChange))).toBeLessThan(mean(poor.map((r) => r.t2CvChange)));
    // Everyone responds somewhat (ADC up, SUV down on average in both groups).
    expect(mean(poor.map((r) => r.adcChange))).toBeGreaterThan(0);
    expect(mean(poor.map((r) => r.suvChange))).toBeLessThan(0);

    // The deltas carry the signal (AUC of "good" by a lower volume/SUV change, a higher ADC change) ...

    const deltaAucs = [1 - separation((r) => r.volumeChange), separation((r) => r.adcChange), 1 - separation((r) => r.suvChange)];
    for (const a of deltaAucs) expect(a).toBeGreaterThanOrEqual(0.7);
    // ... but with overlap: no delta separates the groups perfectly on its own.
    expect(Math.min(...deltaAucs)).toBeLessThan(1);
  });

  it('leaves baseline values near chance while the deltas separate the groups (60 patients, in memory)', () => {
    // renderVisit returns what writeStudy writes (determinism.test.ts); a 3 × 3 × 6 mm grid keeps 120 visits fast.
    const options = { seed: 5, patients: 60, size: [32, 32, 16] as [number, number, number] };
    const manifest = generateStudy(options);
    const rows = manifest.patients.map((p) => {
      const [base, preop] = (['baseline', 'preop'] as const).map((name) => summarise(renderVisit(options, p.pseudonym, name), manifest));
      return {
        good: p.responder === 'good',
        base,
        volumeChange: preop.volumeMl / base.volumeMl - 1,
        adcChange: preop.adcMean - base.adcMean,
        suvChange: preop.suvMax / base.suvMax - 1,
      };
    });
    const good = rows.filter((r) => r.good);
    const poor = rows.filter((r) => !r.good);
    expect(good).toHaveLength(24);
    const separation = (f: (r: (typeof rows)[number]) => number) => auc(good.map(f), poor.map(f));
    const baseline = [separation((r) => r.base.volumeMl), separation((r) => r.base.adcMean), separation((r) => r.base.suvMax)];
    for (const a of baseline) expect(Math.abs(a - 0.5)).toBeLessThan(0.2);
    const deltas = [1 - separation((r) => r.volumeChange), separation((r) => r.adcChange), 1 - separation((r) => r.suvChange)];
    for (const a of deltas) {
      expect(a).toBeGreaterThanOrEqual(0.75);
      expect(a).toBeLessThan(0.98);
    }
  });
});

function summarise(visit: RenderedVisit, manifest: SyntheticStudyManifest): Measured {
  const mask = visit.mask.data;
  let n = 0;
  let adcSum = 0;
  let suvMax = 0;
  for (let i = 0; i < mask.length; i++) {
    if (mask[i] !== 1) continue;
    n++;
    adcSum += visit.images.ADC.data[i];
    suvMax = Math.max(suvMax, visit.images.PET.data[i]);
  }
  const [sx, sy, sz] = manifest.geometry.spacing;
  return { volumeMl: (n * sx * sy * sz) / 1000, adcMean: adcSum / n, suvMax, t2Cv: NaN };
}
