// The deriving step through the pipeline activities: noise-free DWI and DCE series of known ADC and Tofts parameters
// give ADC and DCE_Ktrans maps that recover them, stored beside the scans with their SHA-256 (again the same on a
// retry), counted for QC in the tumour contour, and extracted with a peritumoral shell under `<modality>@<region>`.
// Bad input — a DWI with one volume, a DCE with too few frames or unsorted times — comes back unusable with the file
// and field, QC reports it as map-underivable, and nothing is stored; a shell that leaves the image fails extraction
// before any feature set is stored.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { ApplicationFailure } from '@temporalio/common';
import { createActivities } from '../../../activities';
import { writeNifti } from '../../../imaging/io';
import { writeNiftiSeries } from '../../../imaging/io/nifti';
import { IDENTITY, type Geometry, type Volume } from '../../../imaging/image';
import { loadParamsFile, paramsHash } from '../../../radiomics';
import { SqliteResultsStore } from '../../../store/sqliteStore';
import { synthesizeDce, synthesizeDwi } from '../../../synthetic';
import type { StudyProtocol } from '../../../contracts/study';
import type { AcquiredScan, MapActivities, PipelineActivities } from '../../../contracts/pipeline';
import { DEFAULT_PARAMS_FILE } from '../../../cli/syntheticStudy';

jest.setTimeout(120000);

const root = mkdtempSync(path.join(os.tmpdir(), 'osteoflow-derive-maps-'));
const at = (...parts: string[]) => path.join(root, ...parts);
mkdirSync(at('source'), { recursive: true });

const g: Geometry = { size: [20, 20, 8], spacing: [2, 2, 4], origin: [0, 0, 0], direction: [...IDENTITY] };
const voxels = 20 * 20 * 8;
/** A ball of radius 7 mm around the grid's centre. */
const inTumour = (i: number) => {
  const x = i % 20;
  const y = Math.floor(i / 20) % 20;
  const z = Math.floor(i / 400);
  return ((x - 9.5) * 2) ** 2 + ((y - 9.5) * 2) ** 2 + ((z - 3.5) * 4) ** 2 <= 49;
};
const tumour = Uint8Array.from({ length: voxels }, (_, i) => (inTumour(i) ? 1 : 0));
const tumourVoxels = tumour.reduce((a, b) => a + b, 0);
// DCE tissues: three background tissues of one perfusion but other equilibrium signals (so that no pre-contrast slice
// is constant, as in a real image), and the tumour.
const labels = Uint8Array.from(tumour, (t, i) => (t ? 3 : (i % 20) % 3));

// Known truth: ADC 1.0·10⁻³ mm²/s in the tumour, 2.0·10⁻³ around it; Ktrans 0.25/min, ve 0.3 in the tumour.
const bValues = [0, 200, 500, 800];
const adcTruth = Float64Array.from(tumour, (l) => (l ? 1.0e-3 : 2.0e-3));
const times = Array.from({ length: 20 }, (_, i) => i * 10);
const dceSettings = { times, aif: 'parker' as const, model: 'tofts' as const, t1Ms: 1400, flipDeg: 15, trMs: 5, baselineFrames: 3 };
const tissues = [
  { ktrans: 0.05, ve: 0.15, m0: 900 },
  { ktrans: 0.05, ve: 0.15, m0: 1000 },
  { ktrans: 0.05, ve: 0.15, m0: 1100 },
  { ktrans: 0.25, ve: 0.3, m0: 1000 },
];

const dwiSeries = synthesizeDwi({
  geometry: g,
  bValues,
  truth: { kind: 'adc', adc: adcTruth },
  s0: Float64Array.from({ length: voxels }, (_, i) => 1000 + ((i * 7) % 23)),
  precision: 'float64',
});
const dceSeries = synthesizeDce({ geometry: g, times, injection: 20, tissues, labels, flipDeg: 15, trMs: 5, t10Ms: 1400, precision: 'float64' }).series;
const files = {
  DWI: at('source', 'DWI.nii.gz'),
  DCE: at('source', 'DCE.nii.gz'),
  T1CE: at('source', 'T1CE.nii.gz'),
  mask: at('source', 'mask.nii.gz'),
  dwiOneVolume: at('source', 'DWI-1.nii.gz'),
  dceSixFrames: at('source', 'DCE-6.nii.gz'),
};
writeNiftiSeries(files.DWI, dwiSeries);
writeNiftiSeries(files.DCE, dceSeries);
writeNiftiSeries(files.dwiOneVolume, { geometry: g, frames: 1, data: dwiSeries.data.slice(0, voxels) });
writeNiftiSeries(files.dceSixFrames, { geometry: g, frames: 6, data: dceSeries.data.slice(0, 6 * voxels) });
writeNifti(files.T1CE, { geometry: g, data: Float32Array.from(tumour, (l, i) => (l ? 600 : 300) + ((i * 7) % 23)) } as Volume);
writeNifti(files.mask, { geometry: g, data: tumour } as Volume);

function protocolIn(storeDir: string, edit: (p: StudyProtocol) => void = () => {}): StudyProtocol {
  const protocol: StudyProtocol = {
    studyId: 'OS-DM',
    timepoints: [{ name: 'baseline', dueAfterMs: 0, windowMs: 1, modalities: ['T1CE', 'DWI', 'DCE'], derived: ['ADC', 'DCE_Ktrans'] }],
    qc: { minSlices: 4, maxSpacingMm: 6, tumourVolumeMl: [0.01, 100] },
    segmentation: { mode: 'manual-required' },
    features: { paramsFile: DEFAULT_PARAMS_FILE, paramHash: paramsHash(loadParamsFile(DEFAULT_PARAMS_FILE)) },
    model: { name: 'm' },
    missedAfterMs: 1,
    storeDir,
    series: { DWI: { bValues }, DCE: { ...dceSettings } },
    regions: [{ name: 'shell_0_4mm', shell: [0, 4], modalities: ['T1CE', 'ADC', 'DCE_Ktrans'] }],
  };
  edit(protocol);
  return protocol;
}

async function setUp(name: string, edit?: (p: StudyProtocol) => void, sources: Partial<typeof files> = {}) {
  const storeDir = at(name, 'store');
  const store = new SqliteResultsStore(at(name, 'results.sqlite'));
  const activities = createActivities({ store, predictor: { predict: async () => ({ prediction: null, note: 'none' }) } }) as PipelineActivities &
    MapActivities;
  const mock = new MockActivityEnvironment();
  const run = <I, O>(fn: (input: I) => Promise<O>, input: I): Promise<O> => mock.run(fn, input) as Promise<O>;
  const ref = { protocol: protocolIn(storeDir, edit), pseudonym: 'SYN-DM', timepoint: 'baseline' };
  const acquired: AcquiredScan[] = [];
  for (const modality of ['T1CE', 'DWI', 'DCE', 'mask'] as const) {
    const source = sources[modality] ?? files[modality];
    acquired.push(await run(activities.acquireScan, { ...ref, scan: { modality, source, registeredAt: '2026-01-01T00:00:00Z' } }));
  }
  const key = { studyId: 'OS-DM', pseudonym: 'SYN-DM', timepoint: 'baseline' };
  const storedFiles = () => readdirSync(path.join(storeDir, 'SYN-DM', 'baseline')).sort();
  return { store, activities, run, ref, acquired, key, storeDir, storedFiles };
}

/** The failure's message, or '' when `promise` resolves. */
async function failureOf(promise: Promise<unknown>): Promise<{ type?: string; message: string }> {
  try {
    await promise;
    return { message: '' };
  } catch (err) {
    expect(err).toBeInstanceOf(ApplicationFailure);
    return { type: (err as ApplicationFailure).type ?? undefined, message: (err as Error).message };
  }
}

describe('deriveMaps', () => {
  it('computes, counts and stores ADC and DCE_Ktrans, the same again on a retry; QC passes and extraction adds maps and shells', async () => {
    const t = await setUp('good');
    try {
      const before = t.storedFiles();
      const maps = await t.run(t.activities.deriveMaps, { ...t.ref, acquired: t.acquired });
      expect(maps.map((m) => [m.modality, m.derivedFrom, m.fit])).toEqual([
        ['ADC', 'DWI', { voxels: tumourVoxels, failed: 0, outOfRange: 0, within: 'contour' }],
        ['DCE_Ktrans', 'DCE', { voxels: tumourVoxels, failed: 0, outOfRange: 0, within: 'contour' }],
      ]);
      for (const map of maps) {
        expect(path.dirname(map.path)).toBe('SYN-DM/baseline'); // relative to the study's folder
        expect(
          createHash('sha256')
            .update(readFileSync(path.join(t.storeDir, map.path)))
            .digest('hex'),
        ).toBe(map.sha256);
      }
      // Noise-free series: the truth to float32 precision (ADC stored in 10⁻⁶ mm²/s).
      const { readImage } = await import('../../../imaging/io');
      const adc = readImage(path.join(t.storeDir, maps[0].path)).data;
      const ktrans = readImage(path.join(t.storeDir, maps[1].path)).data;
      let worstAdc = 0;
      let worstKtrans = 0;
      for (let i = 0; i < voxels; i++) {
        worstAdc = Math.max(worstAdc, Math.abs(adc[i] - adcTruth[i] * 1e6) / (adcTruth[i] * 1e6));
        const k = tissues[labels[i]].ktrans;
        worstKtrans = Math.max(worstKtrans, Math.abs(ktrans[i] - k) / k);
      }
      expect(worstAdc).toBeLessThan(1e-5);
      expect(worstKtrans).toBeLessThan(1e-3);

      // A retry computes the same bytes: the same files, no second row.
      const again = await t.run(t.activities.deriveMaps, { ...t.ref, acquired: t.acquired });
      expect(again).toEqual(maps);
      expect(t.storedFiles()).toEqual([...before, ...maps.map((m) => path.basename(m.path))].sort());
      const rows = (await t.store.listScans(t.key)).filter((s) => s.modality === 'ADC' || s.modality === 'DCE_Ktrans');
      expect(rows.map((r) => [r.modality, r.sha256])).toEqual(maps.map((m) => [m.modality, m.sha256]));

      const acquired = [...t.acquired, ...maps];
      const verdict = await t.run(t.activities.checkQuality, { ...t.ref, acquired });
      expect(verdict).toEqual({ passed: true, reasons: [] });
      const extracted = await t.run(t.activities.extractFeatures, { ...t.ref, acquired });
      expect(extracted.modalities).toEqual(['T1CE', 'ADC', 'DCE_Ktrans', 'T1CE@shell_0_4mm', 'ADC@shell_0_4mm', 'DCE_Ktrans@shell_0_4mm']);
      const sets = new Map((await t.store.getFeatureSets(t.key)).map((s) => [s.modality, s.features]));
      // The tumour's ADC is 1000, the shell's (outside the tumour) 2000; Ktrans 0.25 and 0.05.
      expect(sets.get('ADC')!.original_firstorder_Mean).toBeCloseTo(1000, 1);
      expect(sets.get('ADC@shell_0_4mm')!.original_firstorder_Mean).toBeCloseTo(2000, 1);
      expect(sets.get('DCE_Ktrans')!.original_firstorder_Mean).toBeCloseTo(0.25, 3);
      expect(sets.get('DCE_Ktrans@shell_0_4mm')!.original_firstorder_Mean).toBeCloseTo(0.05, 3);
      // The shell 0–4 mm around a 7 mm ball is (4/3)π(11³ − 7³) = 4,138 mm³; on 2 × 2 × 4 mm voxels within 10 %.
      expect(Math.abs(sets.get('T1CE@shell_0_4mm')!.original_shape_VoxelVolume / ((4 / 3) * Math.PI * (11 ** 3 - 7 ** 3)) - 1)).toBeLessThan(0.1);
    } finally {
      await t.store.close();
    }
  });

  /** Derives with one bad input and checks that each map is unusable with `message`, QC says so, and nothing is stored. */
  async function expectUnusable(
    name: string,
    edit: ((p: StudyProtocol) => void) | undefined,
    sources: Partial<typeof files>,
    messages: Record<string, string>,
  ) {
    const t = await setUp(name, edit, sources);
    try {
      const before = t.storedFiles();
      const rowsBefore = await t.store.listScans(t.key);
      const maps = await t.run(t.activities.deriveMaps, { ...t.ref, acquired: t.acquired });
      expect(Object.fromEntries(maps.map((m) => [m.modality, m.unusable]))).toEqual(messages);
      expect(maps.every((m) => m.path === '' && m.sha256 === '')).toBe(true);
      // Nothing stored half-way: not even the map of the other, good series.
      expect(t.storedFiles()).toEqual(before);
      expect(await t.store.listScans(t.key)).toEqual(rowsBefore);
      const failure = await failureOf(t.run(t.activities.checkQuality, { ...t.ref, acquired: [...t.acquired, ...maps] }));
      expect(failure.type).toBe('QcFailed');
      expect(failure.message).toBe(
        Object.entries(messages)
          .map(([map, why]) => `${map}: cannot be computed from ${map === 'ADC' ? 'DWI' : 'DCE'} (${why})`)
          .join('; '),
      );
    } finally {
      await t.store.close();
    }
  }

  it('refuses a DWI with one volume (one b-value), naming the file and the field', async () => {
    await expectUnusable(
      'dwi-one',
      undefined,
      { DWI: files.dwiOneVolume },
      {
        ADC: `file ${files.dwiOneVolume}, field 'b-values': 4 b-values given for 1 volume (dim[4]) (expected one b-value per volume of the 4th dimension (1))`,
      },
    );
  });

  it('refuses a DCE with too few frames for the model', async () => {
    await expectUnusable(
      'dce-few',
      (p) => (p.series!.DCE!.times = times.slice(0, 6)),
      { DCE: files.dceSixFrames },
      {
        DCE_Ktrans: `file ${files.dceSixFrames}, field 'times': 6 time points (expected at least 7 time points for the Tofts model after 3 baseline frame(s))`,
      },
    );
  });

  it('refuses a DCE whose frame times are not sorted', async () => {
    const unsorted = [...times];
    [unsorted[4], unsorted[5]] = [unsorted[5], unsorted[4]];
    await expectUnusable(
      'dce-unsorted',
      (p) => (p.series!.DCE!.times = unsorted),
      {},
      {
        DCE_Ktrans: `file ${files.DCE}, field 'times': time point 6 (40 s) is not after time point 5 (50 s) (expected strictly increasing acquisition times (s))`,
      },
    );
  });

  it('keeps a shell to the body, and refuses a shell the body leaves empty', async () => {
    // T1CE is 300–322 around the tumour: a body threshold of 310 keeps part of the shell, one of 400 none of it.
    const cut = (threshold: number) => (p: StudyProtocol) =>
      (p.regions = [{ name: 'shell_0_4mm', shell: [0, 4], modalities: ['T1CE'], body: { modality: 'T1CE', threshold } }]);
    const t = await setUp('shell-body', cut(310));
    try {
      const maps = await t.run(t.activities.deriveMaps, { ...t.ref, acquired: t.acquired });
      await t.run(t.activities.extractFeatures, { ...t.ref, acquired: [...t.acquired, ...maps] });
      const sets = new Map((await t.store.getFeatureSets(t.key)).map((s) => [s.modality, s.features]));
      expect(sets.get('T1CE@shell_0_4mm')!.original_firstorder_Minimum).toBeGreaterThan(310);
      const empty = await setUp('shell-body-empty', cut(400));
      try {
        // The maps of the first study, named by their paths there.
        const there = maps.map((m) => ({ ...m, path: path.join(t.storeDir, m.path) }));
        const failure = await failureOf(empty.run(empty.activities.extractFeatures, { ...empty.ref, acquired: [...empty.acquired, ...there] }));
        expect(failure.message).toBe(
          `region shell_0_4mm (study file key regions[0]) on T1CE, contour ${files.mask}: the 0–4 mm shell holds no voxel inside the body (regions[0].shell is [0, 4] mm)`,
        );
        expect(await empty.store.getFeatureSets(empty.key)).toEqual([]);
      } finally {
        await empty.store.close();
      }
    } finally {
      await t.store.close();
    }
  });

  it('fails extraction before storing anything when a shell leaves the image', async () => {
    const t = await setUp('shell-edge', (p) => (p.regions = [{ name: 'shell_0_30mm', shell: [0, 30], modalities: ['T1CE'] }]));
    try {
      const maps = await t.run(t.activities.deriveMaps, { ...t.ref, acquired: t.acquired });
      const failure = await failureOf(t.run(t.activities.extractFeatures, { ...t.ref, acquired: [...t.acquired, ...maps] }));
      expect(failure.type).toBe('QcFailed');
      expect(failure.message).toMatch(
        new RegExp(
          `^region shell_0_30mm \\(study file key regions\\[0\\]\\) on T1CE, contour ${files.mask.replace(/[.]/g, '\\.')}: file ${files.mask.replace(/[.]/g, '\\.')}, field 'distances': the 0–30 mm shell leaves the image: .* \\(regions\\[0\\]\\.shell is \\[0, 30\\] mm\\)$`,
        ),
      );
      expect(await t.store.getFeatureSets(t.key)).toEqual([]);
    } finally {
      await t.store.close();
    }
  });
});
