// The study-level functional inputs through the pipeline activities, against known truth: a VFA series gives the T1map
// and the DCE fit its native T1 voxel by voxel (a fixed T1 is biased where the tumour's differs); an AIF sampled in a
// registered ARTERY mask recovers Ktrans as well as the true (Parker) AIF; a marrow region from a registered BONE mask
// or a CT threshold is extracted under `<modality>@marrow`; a visit with PET and PET_DELAYED stores the retention
// index on the PET feature set. Bad input (an empty or off-grid ARTERY mask, a bone with no marrow outside the
// tumour, a delayed PET the index cannot be taken on) is refused naming the file, and nothing is stored.
import { mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { ApplicationFailure } from '@temporalio/common';
import { createActivities } from '../../../activities';
import { readImage, writeNifti } from '../../../imaging/io';
import { writeNiftiSeries } from '../../../imaging/io/nifti';
import { IDENTITY, type Geometry, type Volume } from '../../../imaging/image';
import { loadParamsFile, paramsHash } from '../../../radiomics';
import { SqliteResultsStore } from '../../../store/sqliteStore';
import { synthesizeDce } from '../../../synthetic';
import { renderVfa } from '../../../synthetic/functional';
import type { Modality, StudyProtocol } from '../../../contracts/study';
import type { AcquiredScan, MapActivities, PipelineActivities } from '../../../contracts/pipeline';
import { DEFAULT_PARAMS_FILE } from '../../../cli/syntheticStudy';

jest.setTimeout(180000);

const root = mkdtempSync(path.join(os.tmpdir(), 'osteoflow-functional-study-'));
const at = (...parts: string[]) => path.join(root, ...parts);
mkdirSync(at('source'), { recursive: true });

const g: Geometry = { size: [20, 20, 8], spacing: [2, 2, 4], origin: [0, 0, 0], direction: [...IDENTITY] };
const voxels = 20 * 20 * 8;
const xyz = (i: number) => [i % 20, Math.floor(i / 20) % 20, Math.floor(i / 400)];
/** A ball of radius 7 mm around the grid's centre. */
const tumour = Uint8Array.from({ length: voxels }, (_, i) => {
  const [x, y, z] = xyz(i);
  return ((x - 9.5) * 2) ** 2 + ((y - 9.5) * 2) ** 2 + ((z - 3.5) * 4) ** 2 <= 49 ? 1 : 0;
});
/** An artery: the 2 × 2 voxel column in the grid's corner, far from the tumour. */
const artery = Uint8Array.from({ length: voxels }, (_, i) => (xyz(i)[0] < 2 && xyz(i)[1] < 2 ? 1 : 0));
/** The bone: a box around the tumour (x, y 4–15, every z). */
const bone = Uint8Array.from({ length: voxels }, (_, i) => (xyz(i)[0] >= 4 && xyz(i)[0] <= 15 && xyz(i)[1] >= 4 && xyz(i)[1] <= 15 ? 1 : 0));
const count = (m: Uint8Array) => m.reduce((a, b) => a + b, 0);

// DCE every second for 2 min (the AIF's first pass is sampled densely enough to be taken at the frames), bolus at 5 s.
const times = Array.from({ length: 120 }, (_, i) => i);
const HCT = 0.42;
const T1_BACKGROUND = 1400;
const T1_TUMOUR = 1800;
// Tissues: background (3 equilibrium signals, so that no slice is constant), tumour, and the artery — whole blood,
// C = (1 − Hct)·Cp, i.e. vp = 1 − Hct and no leakage.
const tissues = [
  { ktrans: 0.05, ve: 0.15, m0: 900 },
  { ktrans: 0.05, ve: 0.15, m0: 1000 },
  { ktrans: 0.05, ve: 0.15, m0: 1100 },
  { ktrans: 0.25, ve: 0.3, m0: 1000, t10Ms: T1_TUMOUR },
  { ktrans: 0, ve: 0.5, vp: 1 - HCT, m0: 1000 },
];
const labels = Uint8Array.from(tumour, (t, i) => (t ? 3 : artery[i] ? 4 : (i % 20) % 3));
const dce = synthesizeDce({
  geometry: g,
  times,
  injection: 5,
  hematocrit: HCT,
  tissues,
  labels,
  flipDeg: 15,
  trMs: 5,
  t10Ms: T1_BACKGROUND,
  precision: 'float64',
});
const flipAngles = [2, 5, 10, 15];
const vfa = renderVfa(
  { flipAngles, trMs: 5, snr: Infinity, m0: 1000, tumourT1Ms: T1_TUMOUR },
  T1_BACKGROUND,
  { geometry: g, data: tumour } as Volume,
  1,
  'SYN-FS',
  'baseline',
);

const files: Record<string, string> = {
  DCE: at('source', 'DCE.nii.gz'),
  VFA: at('source', 'VFA.nii.gz'),
  T1CE: at('source', 'T1CE.nii.gz'),
  CT: at('source', 'CT.nii.gz'),
  PET: at('source', 'PET.nii.gz'),
  PET_DELAYED: at('source', 'PET_DELAYED.nii.gz'),
  ARTERY: at('source', 'ARTERY.nii.gz'),
  BONE: at('source', 'BONE.nii.gz'),
  mask: at('source', 'mask.nii.gz'),
  arteryEmpty: at('source', 'ARTERY-empty.nii.gz'),
  arteryOffGrid: at('source', 'ARTERY-10x10.nii.gz'),
  boneInTumour: at('source', 'BONE-tumour-only.nii.gz'),
  petEarlyZero: at('source', 'PET-zero.nii.gz'),
  petDelayedDouble: at('source', 'PET_DELAYED-x2.nii.gz'),
};
writeNiftiSeries(files.DCE, dce.series);
writeNiftiSeries(files.VFA, vfa);
writeNifti(files.T1CE, { geometry: g, data: Float32Array.from(tumour, (l, i) => (l ? 600 : 300) + ((i * 7) % 23)) } as Volume);
// CT: cortical bone (1000 HU) on the bone box's rim, marrow inside it 50 HU, soft tissue 20 HU.
const rim = (i: number) => {
  const [x, y] = xyz(i);
  return bone[i] === 1 && (x === 4 || x === 15 || y === 4 || y === 15);
};
writeNifti(files.CT, { geometry: g, data: Float32Array.from({ length: voxels }, (_, i) => (rim(i) ? 1000 : bone[i] ? 50 : 20)) } as Volume);
// PET: SUV 4 in the tumour (one hot voxel of 8), 1 outside; delayed: every SUV × 1.5, so every metric's retention
// index (SUVpeak's sphere reaches outside the tumour) is +50 %.
const hot = [...tumour.keys()].filter((i) => tumour[i])[5];
const suv = (i: number) => (tumour[i] ? (i === hot ? 8 : 4) : 1);
writeNifti(files.PET, { geometry: g, data: Float32Array.from({ length: voxels }, (_, i) => suv(i)) } as Volume);
writeNifti(files.PET_DELAYED, { geometry: g, data: Float32Array.from({ length: voxels }, (_, i) => 1.5 * suv(i)) } as Volume);
writeNifti(files.petDelayedDouble, { geometry: g, data: Float32Array.from({ length: voxels }, (_, i) => 2 * suv(i)) } as Volume);
writeNifti(files.petEarlyZero, { geometry: g, data: Float32Array.from(tumour, (l) => (l ? 0 : 1)) } as Volume);
writeNifti(files.ARTERY, { geometry: g, data: artery } as Volume);
writeNifti(files.arteryEmpty, { geometry: g, data: new Uint8Array(voxels) } as Volume);
writeNifti(files.arteryOffGrid, { geometry: { ...g, size: [10, 10, 8] }, data: new Uint8Array(800).fill(1) } as Volume);
writeNifti(files.BONE, { geometry: g, data: bone } as Volume);
writeNifti(files.boneInTumour, { geometry: g, data: tumour } as Volume);
writeNifti(files.mask, { geometry: g, data: tumour } as Volume);

const dceSettings = {
  times,
  aif: 'parker' as const,
  injectionS: 5,
  hematocrit: HCT,
  model: 'tofts' as const,
  t1Ms: T1_BACKGROUND,
  flipDeg: 15,
  trMs: 5,
  baselineFrames: 3,
};

function protocolIn(storeDir: string, modalities: Modality[], edit: (p: StudyProtocol) => void): StudyProtocol {
  const protocol: StudyProtocol = {
    studyId: 'OS-FS',
    timepoints: [{ name: 'baseline', dueAfterMs: 0, windowMs: 1, modalities }],
    qc: { minSlices: 4, maxSpacingMm: 6, tumourVolumeMl: [0.01, 100] },
    segmentation: { mode: 'manual-required' },
    features: { paramsFile: DEFAULT_PARAMS_FILE, paramHash: paramsHash(loadParamsFile(DEFAULT_PARAMS_FILE)) },
    model: { name: 'm' },
    missedAfterMs: 1,
    storeDir,
  };
  edit(protocol);
  return protocol;
}

async function setUp(name: string, modalities: Modality[], edit: (p: StudyProtocol) => void, sources: Record<string, string> = {}) {
  const storeDir = at(name, 'store');
  const store = new SqliteResultsStore(at(name, 'results.sqlite'));
  const activities = createActivities({ store, predictor: { predict: async () => ({ prediction: null, note: 'none' }) } }) as PipelineActivities &
    MapActivities;
  const mock = new MockActivityEnvironment();
  const run = <I, O>(fn: (input: I) => Promise<O>, input: I): Promise<O> => mock.run(fn, input) as Promise<O>;
  const ref = { protocol: protocolIn(storeDir, modalities, edit), pseudonym: 'SYN-FS', timepoint: 'baseline' };
  const acquired: AcquiredScan[] = [];
  for (const modality of [...modalities, 'mask']) {
    const source = sources[modality] ?? files[modality];
    acquired.push(await run(activities.acquireScan, { ...ref, scan: { modality, source, registeredAt: '2026-01-01T00:00:00Z' } }));
  }
  const key = { studyId: 'OS-FS', pseudonym: 'SYN-FS', timepoint: 'baseline' };
  const storedFiles = () => readdirSync(path.join(storeDir, 'SYN-FS', 'baseline')).sort();
  /** A stored scan's file: the timeline names it relative to the study's folder. */
  const stored = (scan: AcquiredScan) => path.join(storeDir, scan.path);
  return { store, activities, run, ref, acquired, key, storedFiles, stored };
}

async function failureOf(promise: Promise<unknown>): Promise<{ type?: string; message: string }> {
  try {
    await promise;
    return { message: '' };
  } catch (err) {
    expect(err).toBeInstanceOf(ApplicationFailure);
    return { type: (err as ApplicationFailure).type ?? undefined, message: (err as Error).message };
  }
}

/** Largest relative error of Ktrans against the truth over the tumour's voxels. */
function worstTumourKtrans(file: string): number {
  const k = readImage(file).data;
  let worst = 0;
  for (let i = 0; i < voxels; i++) if (tumour[i]) worst = Math.max(worst, Math.abs(k[i] - 0.25) / 0.25);
  return worst;
}

describe('functional study inputs', () => {
  it('fits the T1map from the VFA series and uses it for the DCE maps (the fixed T1 is the fallback, biased in the tumour)', async () => {
    const t = await setUp('vfa', ['T1CE', 'DCE', 'VFA'], (p) => {
      p.timepoints[0].derived = ['T1map', 'DCE_Ktrans'];
      p.series = { DCE: { ...dceSettings }, VFA: { flipAngles, trMs: 5 } };
    });
    const fixed = await setUp('fixed-t1', ['T1CE', 'DCE'], (p) => {
      p.timepoints[0].derived = ['DCE_Ktrans'];
      p.series = { DCE: { ...dceSettings } };
    });
    try {
      const maps = await t.run(t.activities.deriveMaps, { ...t.ref, acquired: t.acquired });
      expect(maps.map((m) => [m.modality, m.derivedFrom, m.unusable])).toEqual([
        ['T1map', 'VFA', undefined],
        ['DCE_Ktrans', 'DCE', undefined],
      ]);
      const t1 = readImage(t.stored(maps[0])).data;
      let worstT1 = 0;
      for (let i = 0; i < voxels; i++) worstT1 = Math.max(worstT1, Math.abs(t1[i] - (tumour[i] ? T1_TUMOUR : T1_BACKGROUND)) / T1_BACKGROUND);
      // Noise-free: the truth to 1e-6 (the maps are stored as float32).
      expect(worstT1).toBeLessThan(1e-6);
      expect(worstTumourKtrans(t.stored(maps[1]))).toBeLessThan(1e-6);
      // With the fixed 1400 ms the tumour (1800 ms) is converted with the wrong T1: Ktrans off by more than 10 %.
      const biased = await fixed.run(fixed.activities.deriveMaps, { ...fixed.ref, acquired: fixed.acquired });
      expect(worstTumourKtrans(fixed.stored(biased[0]))).toBeGreaterThan(0.1);
      // The T1map is an image like any map: extracted with its own features (the tumour's mean T1 1800 ms).
      const acquired = [...t.acquired, ...maps];
      await t.run(t.activities.checkQuality, { ...t.ref, acquired });
      const extracted = await t.run(t.activities.extractFeatures, { ...t.ref, acquired });
      expect(extracted.modalities).toEqual(['T1CE', 'T1map', 'DCE_Ktrans']);
      const sets = new Map((await t.store.getFeatureSets(t.key)).map((s) => [s.modality, s.features]));
      expect(sets.get('T1map')!.original_firstorder_Mean).toBeCloseTo(T1_TUMOUR, 0);
    } finally {
      await t.store.close();
      await fixed.store.close();
    }
  });

  it('a VFA series that gives no T1 map leaves the DCE maps unusable too, naming the file, and stores nothing', async () => {
    const t = await setUp('vfa-bad', ['T1CE', 'DCE', 'VFA'], (p) => {
      p.timepoints[0].derived = ['DCE_Ktrans'];
      p.series = { DCE: { ...dceSettings }, VFA: { flipAngles: [2, 5, 10], trMs: 5 } };
    });
    try {
      const before = t.storedFiles();
      const maps = await t.run(t.activities.deriveMaps, { ...t.ref, acquired: t.acquired });
      expect(maps).toHaveLength(1);
      expect(maps[0].modality).toBe('DCE_Ktrans');
      expect(maps[0].unusable).toBe(
        `its native T1 comes from the VFA series, which gave no T1 map: file ${files.VFA}, field 'flip angles': 3 flip angles given for 4 volumes (expected one flip angle (degrees) per volume (4))`,
      );
      expect(t.storedFiles()).toEqual(before);
    } finally {
      await t.store.close();
    }
  });

  it('samples the AIF in the ARTERY mask: Ktrans as with the true (Parker) AIF', async () => {
    // Both with the VFA series' T1 map (the tumour's native T1 differs from the background's; the artery's is 1400 ms).
    const roi = await setUp('aif-roi', ['T1CE', 'DCE', 'VFA', 'ARTERY'], (p) => {
      p.timepoints[0].derived = ['DCE_Ktrans', 'DCE_ve'];
      p.series = { DCE: { ...dceSettings, aif: 'roi' }, VFA: { flipAngles, trMs: 5 } };
    });
    const parker = await setUp('aif-parker', ['T1CE', 'DCE', 'VFA'], (p) => {
      p.timepoints[0].derived = ['DCE_Ktrans', 'DCE_ve'];
      p.series = { DCE: { ...dceSettings }, VFA: { flipAngles, trMs: 5 } };
    });
    try {
      const fromRoi = await roi.run(roi.activities.deriveMaps, { ...roi.ref, acquired: roi.acquired });
      const fromParker = await parker.run(parker.activities.deriveMaps, { ...parker.ref, acquired: parker.acquired });
      expect(fromRoi.map((m) => m.unusable)).toEqual([undefined, undefined]);
      const worstRoi = worstTumourKtrans(roi.stored(fromRoi[0]));
      const worstParker = worstTumourKtrans(parker.stored(fromParker[0]));
      expect(worstParker).toBeLessThan(1e-6);
      expect(worstRoi).toBeLessThan(1e-6);
      // The ROI AIF is the Parker plasma curve at the frames: the two fits agree voxel by voxel.
      const a = readImage(roi.stored(fromRoi[0])).data;
      const b = readImage(parker.stored(fromParker[0])).data;
      for (let i = 0; i < voxels; i++) if (tumour[i]) expect(Math.abs(a[i] - b[i]) / b[i]).toBeLessThan(1e-6);
      const ve = readImage(roi.stored(fromRoi[1])).data;
      for (let i = 0; i < voxels; i++) if (tumour[i]) expect(Math.abs(ve[i] - 0.3) / 0.3).toBeLessThan(1e-6);
      // The ARTERY mask is read, not extracted.
      const acquired = [...roi.acquired, ...fromRoi];
      await roi.run(roi.activities.checkQuality, { ...roi.ref, acquired });
      const extracted = await roi.run(roi.activities.extractFeatures, { ...roi.ref, acquired });
      expect(extracted.modalities).toEqual(['T1CE', 'DCE_Ktrans', 'DCE_ve']);
    } finally {
      await roi.store.close();
      await parker.store.close();
    }
  });

  it.each([
    [
      'empty',
      'arteryEmpty',
      `file ${files.arteryEmpty}, field 'aif ROI': the arterial ROI holds no voxel (expected at least one voxel inside an artery on the DCE grid)`,
    ],
    [
      'off the DCE grid',
      'arteryOffGrid',
      `file ${files.arteryOffGrid}, field 'size': arterial ROI is 10×10×8, the DCE series 20×20×8 (expected a arterial ROI on the DCE series's grid)`,
    ],
  ])('refuses an ARTERY mask that is %s, naming the file; nothing stored', async (_what, source, message) => {
    const t = await setUp(
      `aif-${source}`,
      ['T1CE', 'DCE', 'ARTERY'],
      (p) => {
        p.timepoints[0].derived = ['DCE_Ktrans'];
        p.series = { DCE: { ...dceSettings, aif: 'roi' } };
      },
      { ARTERY: files[source] },
    );
    try {
      const before = t.storedFiles();
      const rows = await t.store.listScans(t.key);
      const maps = await t.run(t.activities.deriveMaps, { ...t.ref, acquired: t.acquired });
      expect(maps.map((m) => [m.modality, m.unusable])).toEqual([['DCE_Ktrans', message]]);
      expect(t.storedFiles()).toEqual(before);
      expect(await t.store.listScans(t.key)).toEqual(rows);
    } finally {
      await t.store.close();
    }
  });

  it('extracts the marrow region from a BONE mask and from a CT threshold, under <modality>@marrow', async () => {
    // Bone box 12 × 12 voxels × 8 slices minus the tumour, on 2 × 2 × 4 mm voxels.
    const marrowMl = ((count(bone) - count(tumour)) * 16) / 1000;
    for (const [name, marrow, modalities] of [
      ['marrow-mask', { bone: 'BONE' as const }, ['T1CE', 'BONE'] as Modality[]],
      ['marrow-ct', { threshold: 200, modality: 'CT' }, ['T1CE', 'CT'] as Modality[]],
    ] as const) {
      const t = await setUp(name, modalities, (p) => (p.regions = [{ name: 'marrow', marrow, modalities: ['T1CE'] }]));
      try {
        await t.run(t.activities.checkQuality, { ...t.ref, acquired: t.acquired });
        const extracted = await t.run(t.activities.extractFeatures, { ...t.ref, acquired: t.acquired });
        expect(extracted.modalities).toEqual(name === 'marrow-ct' ? ['T1CE', 'CT', 'T1CE@marrow'] : ['T1CE', 'T1CE@marrow']);
        const sets = new Map((await t.store.getFeatureSets(t.key)).map((s) => [s.modality, s.features]));
        expect(sets.get('T1CE@marrow')!.original_shape_VoxelVolume / 1000).toBeCloseTo(marrowMl, 6);
        // Outside the tumour T1CE is 300–322.
        expect(sets.get('T1CE@marrow')!.original_firstorder_Maximum).toBeLessThan(323);
      } finally {
        await t.store.close();
      }
    }
  });

  it('refuses a marrow region the bone leaves empty, naming the BONE file; no feature set stored', async () => {
    const t = await setUp('marrow-empty', ['T1CE', 'BONE'], (p) => (p.regions = [{ name: 'marrow', marrow: { bone: 'BONE' }, modalities: ['T1CE'] }]), {
      BONE: files.boneInTumour,
    });
    try {
      const failure = await failureOf(t.run(t.activities.extractFeatures, { ...t.ref, acquired: t.acquired }));
      expect(failure.type).toBe('QcFailed');
      expect(failure.message).toBe(
        `region marrow (study file key regions[0]) on T1CE, contour ${files.mask}: the bone holds no voxel outside the tumour (regions[0].marrow)`,
      );
      expect(await t.store.getFeatureSets(t.key)).toEqual([]);
    } finally {
      await t.store.close();
    }
  });

  it('stores the dual-time-point retention index on the PET feature set', async () => {
    const t = await setUp('pet-dual', ['PET', 'PET_DELAYED'], () => {});
    try {
      await t.run(t.activities.checkQuality, { ...t.ref, acquired: t.acquired });
      const extracted = await t.run(t.activities.extractFeatures, { ...t.ref, acquired: t.acquired });
      expect(extracted.modalities).toEqual(['PET', 'PET_DELAYED']);
      const sets = new Map((await t.store.getFeatureSets(t.key)).map((s) => [s.modality, s.features]));
      // Every SUV × 1.5: (1.5 − 1)/1 × 100 = 50 % for SUVmax (8 → 12), SUVmean and SUVpeak alike.
      for (const metric of ['SUVmax', 'SUVmean', 'SUVpeak']) expect(sets.get('PET')![`derived_pet_retentionIndex_${metric}`]).toBeCloseTo(50, 4);
      expect(sets.get('PET')!.derived_pet_SUVmax).toBe(8);
      expect(Object.keys(sets.get('PET_DELAYED')!).some((k) => k.startsWith('derived_pet_retentionIndex'))).toBe(false);
    } finally {
      await t.store.close();
    }
  });

  it('refuses a delayed PET pair whose early SUV is 0, naming the files; nothing stored', async () => {
    const t = await setUp('pet-dual-bad', ['PET', 'PET_DELAYED'], () => {}, { PET: files.petEarlyZero });
    try {
      const failure = await failureOf(t.run(t.activities.extractFeatures, { ...t.ref, acquired: t.acquired }));
      expect(failure.type).toBe('QcFailed');
      expect(failure.message).toMatch(/^the retention index of PET \(.*PET-zero\.nii\.gz\) and PET_DELAYED \(.*PET_DELAYED\.nii\.gz\): .*field 'early SUV'/);
      expect(await t.store.getFeatureSets(t.key)).toEqual([]);
    } finally {
      await t.store.close();
    }
  });

  it('pairs the retention index and the marrow region across timepoints in the deltas', async () => {
    // Baseline: delayed × 1.5 (RI +50 %); mid: delayed × 2 (RI +100 %); the delta of the index is +50 points.
    const storeDir = at('deltas', 'store');
    const store = new SqliteResultsStore(at('deltas', 'results.sqlite'));
    const activities = createActivities({ store, predictor: { predict: async () => ({ prediction: null, note: 'none' }) } }) as PipelineActivities;
    const mock = new MockActivityEnvironment();
    const run = <I, O>(fn: (input: I) => Promise<O>, input: I): Promise<O> => mock.run(fn, input) as Promise<O>;
    const modalities: Modality[] = ['T1CE', 'BONE', 'PET', 'PET_DELAYED'];
    const protocol = protocolIn(storeDir, modalities, (p) => {
      p.timepoints.push({ name: 'mid', dueAfterMs: 1, windowMs: 1, modalities });
      p.regions = [{ name: 'marrow', marrow: { bone: 'BONE' }, modalities: ['T1CE'] }];
    });
    try {
      for (const [timepoint, delayed] of [
        ['baseline', files.PET_DELAYED],
        ['mid', files.petDelayedDouble],
      ]) {
        const ref = { protocol, pseudonym: 'SYN-FS', timepoint };
        const acquired: AcquiredScan[] = [];
        for (const modality of [...modalities, 'mask']) {
          const source = modality === 'PET_DELAYED' ? delayed : files[modality];
          acquired.push(await run(activities.acquireScan, { ...ref, scan: { modality, source, registeredAt: '2026-01-01T00:00:00Z' } }));
        }
        await run(activities.extractFeatures, { ...ref, acquired });
      }
      await run(activities.computeDeltas, { protocol, pseudonym: 'SYN-FS', timepoint: 'mid', baseline: 'baseline' });
      const deltas = await store.getDeltas({ studyId: 'OS-FS', pseudonym: 'SYN-FS', timepoint: 'mid' });
      const delta = (modality: string, feature: string) => deltas.find((d) => d.modality === modality && d.feature === feature && d.reference === 'baseline');
      expect(delta('PET', 'derived_pet_retentionIndex_SUVmax')!.absolute).toBeCloseTo(50, 4);
      expect(delta('PET', 'derived_pet_retentionIndex_SUVmax')!.relative).toBeCloseTo(1, 6);
      // The same marrow at both visits: its volume does not change.
      expect(delta('T1CE@marrow', 'original_shape_VoxelVolume')!.absolute).toBe(0);
    } finally {
      await store.close();
    }
  });
});
