// A radiograph (modality XR) as a study image through the pipeline activities: a 16-bit PNG and its PNG lesion mask.
// Without the study file's series.XR.pixelSpacing QC refuses the PNG, naming the file, the field and the study key;
// with it QC passes (a radiograph has no slices to count) and extraction stores the 2D features in that spacing.
import { mkdirSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { ApplicationFailure } from '@temporalio/common';
import { createActivities } from '../../../activities';
import { loadParamsFile, paramsHash } from '../../../radiomics';
import { SqliteResultsStore } from '../../../store/sqliteStore';
import { syntheticRadiograph, writeRadiographPng } from '../../../synthetic/radiograph';
import { PROJECT_ROOT } from '../../../config';
import type { StudyProtocol } from '../../../contracts/study';
import type { AcquiredScan, PipelineActivities } from '../../../contracts/pipeline';

jest.setTimeout(60000);

const root = mkdtempSync(path.join(os.tmpdir(), 'osteoflow-radiograph-study-'));
const params = path.join(PROJECT_ROOT, 'study', 'params', 'osteoflow-radiograph.yaml');
const xr = syntheticRadiograph();
const files = { XR: path.join(root, 'XR.png'), mask: path.join(root, 'lesion.png') };

beforeAll(async () => {
  await writeRadiographPng(files.XR, xr.columns, xr.rows, xr.pixels, 16);
  await writeRadiographPng(files.mask, xr.columns, xr.rows, xr.mask, 8);
});

async function run(name: string, pixelSpacing?: [number, number]) {
  const storeDir = path.join(root, name, 'store');
  mkdirSync(storeDir, { recursive: true });
  const store = new SqliteResultsStore(path.join(root, name, 'results.sqlite'));
  const activities = createActivities({ store, predictor: { predict: async () => ({ prediction: null, note: 'none' }) } }) as PipelineActivities;
  const mock = new MockActivityEnvironment();
  const env = <I, O>(fn: (input: I) => Promise<O>, input: I): Promise<O> => mock.run(fn, input) as Promise<O>;
  const protocol: StudyProtocol = {
    studyId: 'OS-XR',
    timepoints: [{ name: 'baseline', dueAfterMs: 0, windowMs: 1, modalities: ['XR'] }],
    qc: { minSlices: 8, maxSpacingMm: 6, tumourVolumeMl: [0.0001, 100] },
    segmentation: { mode: 'manual-required' },
    features: { paramsFile: params, paramHash: paramsHash(loadParamsFile(params)) },
    model: { name: 'm' },
    missedAfterMs: 1,
    storeDir,
    ...(pixelSpacing ? { series: { XR: { pixelSpacing } } } : {}),
  };
  const ref = { protocol, pseudonym: 'SYN-XR', timepoint: 'baseline' };
  const image = await env(activities.acquireScan, { ...ref, scan: { modality: 'XR', source: files.XR, registeredAt: '' } });
  const mask = await env(activities.acquireScan, { ...ref, scan: { modality: 'mask', for: 'XR', source: files.mask, registeredAt: '' }, images: [image] });
  const acquired: AcquiredScan[] = [image, mask];
  return { store, activities, env, ref, acquired };
}

it('refuses a PNG radiograph without the study file pixel spacing, naming the file, the field and the study key', async () => {
  const t = await run('no-spacing');
  try {
    const failure = await t.env(t.activities.checkQuality, { ...t.ref, acquired: t.acquired }).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect((failure as ApplicationFailure).type).toBe('QcFailed');
    expect((failure as Error).message.split('; ')[0]).toBe(
      `XR: unreadable (file ${files.XR}, field 'spacing': a PNG radiograph carries no reliable pixel spacing (expected series.XR.pixelSpacing: [x, y] in mm in the study file))`,
    );
  } finally {
    await t.store.close();
  }
});

it('passes QC and extracts the 2D features of a PNG radiograph in the study file pixel spacing', async () => {
  const t = await run('spacing', [0.2, 0.25]);
  try {
    expect(await t.env(t.activities.checkQuality, { ...t.ref, acquired: t.acquired })).toEqual({ passed: true, reasons: [] });
    const result = await t.env(t.activities.extractFeatures, { ...t.ref, acquired: t.acquired });
    expect(result.modalities).toEqual(['XR']);
    const [set] = await t.store.getFeatureSets({ studyId: 'OS-XR', pseudonym: 'SYN-XR', timepoint: 'baseline' });
    // The lesion's area: its pixels × 0.2 × 0.25 mm².
    const pixels = xr.mask.reduce((a, b) => a + b, 0);
    expect(set.features.original_shape2D_PixelSurface).toBeCloseTo(pixels * 0.05, 6);
    expect(set.features.original_firstorder_Maximum).toBeGreaterThan(255); // 16-bit values kept
  } finally {
    await t.store.close();
  }
});
