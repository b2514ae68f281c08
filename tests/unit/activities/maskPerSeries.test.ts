// A contour per image series through the pipeline activities: a CT and an MR (T1) of one visit on two grids and two
// frames of reference, each with its own RTSTRUCT. Acquisition converts each on its own series and records where it
// came from; QC passes; extraction measures each image in its own contour. Bad contours (another frame of reference,
// a missing ROI name, another series, a SEG of another size, an image that is not a DICOM series, an RTSTRUCT with no
// image named) come back unusable with the registered file and the field, QC reports them under the image's modality,
// and nothing reaches the store: no mask file, no scan row.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { MockActivityEnvironment } from '@temporalio/testing';
import { ApplicationFailure } from '@temporalio/common';
import { createActivities } from '../../../activities';
import { readReferenceSeries, writeSeg } from '../../../imaging/contours';
import { readImage, writeNifti } from '../../../imaging/io';
import { loadParamsFile, paramsHash } from '../../../radiomics';
import { SqliteResultsStore } from '../../../store/sqliteStore';
import type { StudyProtocol } from '../../../contracts/study';
import type { AcquiredScan, PipelineActivities } from '../../../contracts/pipeline';
import type { QcFinding } from '../../../contracts/qc';
import type { RegisteredScan } from '../../../contracts/timeline';
import { writeDicomSlice } from '../imaging/io/support/dicomWriter';
import { modifyDicom, rectangle, structureSet } from '../imaging/contours/support';

jest.setTimeout(120000);

const root = mkdtempSync(path.join(os.tmpdir(), 'osteoflow-mask-per-series-'));
const at = (...parts: string[]) => path.join(root, ...parts);

interface Grid {
  size: [number, number, number];
  spacing: [number, number, number];
  origin: [number, number, number];
  frame: string;
  series: string;
  modality: 'CT' | 'MR';
}
// Two series of one visit, not co-registered: other sizes, spacings, origins and frames of reference.
const CT: Grid = {
  size: [12, 10, 4],
  spacing: [1, 1, 2],
  origin: [0, 0, 0],
  frame: '1.2.826.0.1.3680043.8.498.61',
  series: '1.2.826.0.1.3680043.8.498.62',
  modality: 'CT',
};
const T1: Grid = {
  size: [9, 8, 5],
  spacing: [0.8, 0.8, 3],
  origin: [-10, -10, 0],
  frame: '1.2.826.0.1.3680043.8.498.71',
  series: '1.2.826.0.1.3680043.8.498.72',
  modality: 'MR',
};

/** A textured DICOM series on the grid (every slice varies, so QC sees no constant image or blank slice). */
function series(dir: string, g: Grid): string {
  mkdirSync(dir, { recursive: true });
  const [nx, ny, nz] = g.size;
  for (let k = 0; k < nz; k++) {
    const pixels = Array.from({ length: nx * ny }, (_, i) => 100 + ((i * 7 + k * 13) % 29));
    writeDicomSlice(path.join(dir, `IM${k}.dcm`), {
      position: [g.origin[0], g.origin[1], g.origin[2] + k * g.spacing[2]],
      pixelSpacing: [g.spacing[1], g.spacing[0]],
      rows: ny,
      columns: nx,
      pixels,
      modality: g.modality,
      seriesUid: g.series,
      extra: { FrameOfReferenceUID: g.frame, StudyInstanceUID: '1.2.826.0.1.3680043.8.498.60', PatientID: 'SYN-PS' },
    });
  }
  return dir;
}

const ctDir = series(at('source', 'CT'), CT);
const t1Dir = series(at('source', 'T1'), T1);
// CT: voxel centres x 3…6, y 3…5 on slices 1 and 2: 4 × 3 × 2 = 24 voxels of 2 mm³ = 48 mm³.
const ctRs = structureSet(at('source', 'RS-CT.dcm'), [{ name: 'GTV_CT', contours: [2, 4].map((z) => ({ points: rectangle(2.5, 2.5, 6.5, 5.5, z) })) }], {
  frameOfReferenceUid: CT.frame,
  series: [CT.series],
});
// T1: voxel centres x −7.6…−5.2 (4), y −7.6, −6.8 (2) on slices 1 and 2: 16 voxels of 1.92 mm³ = 30.72 mm³.
const t1Rs = structureSet(at('source', 'RS-T1.dcm'), [{ name: 'GTV_T1', contours: [3, 6].map((z) => ({ points: rectangle(-8, -8, -5, -6.4, z) })) }], {
  frameOfReferenceUid: T1.frame,
  series: [T1.series],
});
const CT_VOLUME_MM3 = 24 * 2;
const T1_VOLUME_MM3 = 16 * 0.8 * 0.8 * 3;

const paramsFile = at('params.yaml');
writeFileSync(paramsFile, stringify({ imageType: { Original: {} }, featureClass: { shape: null, firstorder: null }, setting: { binWidth: 5 } }));

function protocolIn(storeDir: string): StudyProtocol {
  return {
    studyId: 'OS-PS',
    timepoints: [{ name: 'baseline', dueAfterMs: 0, windowMs: 1, modalities: ['CT', 'T1'] }],
    qc: { minSlices: 4, maxSpacingMm: 6, tumourVolumeMl: [0.001, 100] },
    segmentation: { mode: 'manual-required' },
    features: { paramsFile, paramHash: paramsHash(loadParamsFile(paramsFile)) },
    model: { name: 'm' },
    missedAfterMs: 1,
    storeDir,
  };
}

const scan = (modality: string, source: string, extra: Partial<RegisteredScan> = {}): RegisteredScan => ({ modality, source, registeredAt: '', ...extra });

/** Fresh activities and store in their own folder. */
function setUp(name: string) {
  const storeDir = at(name, 'store');
  const store = new SqliteResultsStore(at(name, 'results.sqlite'));
  mkdirSync(storeDir, { recursive: true });
  const activities = createActivities({ store, predictor: { predict: async () => ({ prediction: null, note: 'none' }) } }) as PipelineActivities;
  const mock = new MockActivityEnvironment();
  // The mock environment's run() is untyped in its result: each activity's own signature gives it back.
  const env = { run: <I, O>(fn: (input: I) => Promise<O>, input: I): Promise<O> => mock.run(fn, input) as Promise<O> };
  const ref = { protocol: protocolIn(storeDir), pseudonym: 'SYN-PS', timepoint: 'baseline' };
  /** A stored scan's file: the timeline names it relative to the study's folder. */
  const stored = (scan: AcquiredScan) => path.join(storeDir, scan.path);
  const images = async (t1 = t1Dir): Promise<AcquiredScan[]> => [
    await env.run(activities.acquireScan, { ...ref, scan: scan('CT', ctDir) }),
    await env.run(activities.acquireScan, { ...ref, scan: scan('T1', t1) }),
  ];
  const mask = (images: AcquiredScan[], source: string, extra: Partial<RegisteredScan>): Promise<AcquiredScan> =>
    env.run(activities.acquireScan, { ...ref, scan: scan('mask', source, extra), images });
  /** QC's findings (a passing verdict's are []). */
  const qcFindings = async (acquired: AcquiredScan[]): Promise<QcFinding[]> => {
    try {
      const verdict = await env.run(activities.checkQuality, { ...ref, acquired });
      return verdict.findings ?? [];
    } catch (err) {
      expect(err).toBeInstanceOf(ApplicationFailure);
      return ((err as ApplicationFailure).details?.[0] as { findings: QcFinding[] }).findings;
    }
  };
  const timepointDir = path.join(storeDir, 'SYN-PS', 'baseline');
  return { store, env, activities, ref, images, mask, qcFindings, timepointDir, stored, close: () => store.close() };
}

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('a contour per image series', () => {
  it('converts each RTSTRUCT on its own series, passes QC and measures each image in its own contour', async () => {
    const t = setUp('good');
    try {
      const images = await t.images();
      const ctMask = await t.mask(images, ctRs, { for: 'CT', roi: 'GTV_CT' });
      const t1Mask = await t.mask(images, t1Rs, { for: 'T1' }); // one ROI: no name needed
      expect(ctMask).toMatchObject({
        modality: 'mask',
        role: 'mask',
        for: 'CT',
        source: ctRs,
        maskSource: { kind: 'RTSTRUCT', roi: 'GTV_CT', seriesInstanceUid: CT.series },
      });
      expect(t1Mask).toMatchObject({ for: 'T1', maskSource: { kind: 'RTSTRUCT', roi: 'GTV_T1', seriesInstanceUid: T1.series } });
      expect(ctMask.unusable).toBeUndefined();
      // The voxel mask lies on its own series' grid (read back from the store), and the RTSTRUCT is kept beside it.
      const ctVoxels = readImage(t.stored(ctMask));
      expect(ctVoxels.geometry.size).toEqual(CT.size);
      expect(Array.from(ctVoxels.data).filter((v) => v !== 0)).toHaveLength(24);
      expect(readImage(t.stored(t1Mask)).geometry.size).toEqual(T1.size);
      expect(path.dirname(ctMask.maskSource!.file!)).toBe('SYN-PS/baseline'); // relative to the study's folder
      const stored = await t.store.listScans({ studyId: 'OS-PS', pseudonym: 'SYN-PS', timepoint: 'baseline' });
      expect(stored.map((s) => [s.modality, s.role, s.path]).sort()).toEqual(
        [
          ['CT', 'image', images[0].path],
          ['T1', 'image', images[1].path],
          ['mask:CT', 'mask', ctMask.path],
          ['mask:T1', 'mask', t1Mask.path],
        ].sort(),
      );
      const acquired = [...images, ctMask, t1Mask];
      expect(await t.qcFindings(acquired)).toEqual([]);
      const result = await t.env.run(t.activities.extractFeatures, { ...t.ref, acquired });
      expect(result.modalities).toEqual(['CT', 'T1']);
      const sets = await t.store.getFeatureSets({ studyId: 'OS-PS', pseudonym: 'SYN-PS', timepoint: 'baseline' });
      const volume = (m: string) => sets.find((s) => s.modality === m)!.features.original_shape_VoxelVolume;
      expect(volume('CT')).toBeCloseTo(CT_VOLUME_MM3, 9);
      expect(volume('T1')).toBeCloseTo(T1_VOLUME_MM3, 9);
      expect(sets.find((s) => s.modality === 'T1')!.maskHash).not.toBe(sets.find((s) => s.modality === 'CT')!.maskHash);
    } finally {
      await t.close();
    }
  });

  it('with one shared mask on the CT grid, fails QC for T1 (another grid) instead of failing at extraction', async () => {
    const t = setUp('shared');
    try {
      const images = await t.images();
      const ct = await t.mask(images, ctRs, { for: 'CT' });
      const shared = await t.mask(images, t.stored(ct), {}); // the CT's voxel mask registered as the one mask
      expect(shared).toMatchObject({ maskSource: { kind: 'NIfTI' } });
      expect(shared.for).toBeUndefined();
      expect(await t.qcFindings([...images, shared])).toEqual([
        { code: 'mask-size-mismatch', modality: 'T1', message: "mask: size 12×10×4 differs from the T1 image's 9×8×5" },
      ]);
    } finally {
      await t.close();
    }
  });

  const bad: Array<[string, () => string, Partial<RegisteredScan>, RegExp, string]> = [
    [
      'an RTSTRUCT of another frame of reference',
      () => ctRs,
      { for: 'T1' },
      /field 'ReferencedFrameOfReferenceUID \(3006,0024\)'.*another frame of reference/,
      'T1',
    ],
    [
      'a missing ROI name',
      () => ctRs,
      { for: 'CT', roi: 'GTV_Mass' },
      /field 'ROIName \(3006,0026\)': no ROI named 'GTV_Mass' \(expected one of 'GTV_CT'\)/,
      'CT',
    ],
    [
      'an RTSTRUCT referencing another series of the frame of reference',
      () =>
        structureSet(at('source', 'RS-other-series.dcm'), [{ name: 'GTV', contours: [{ points: rectangle(2.5, 2.5, 6.5, 5.5, 2) }] }], {
          frameOfReferenceUid: CT.frame,
          series: ['1.2.826.0.1.3680043.8.498.69'],
        }),
      { for: 'CT' },
      /field 'SeriesInstanceUID \(0020,000E\) in RTReferencedSeriesSequence \(3006,0014\)'.*another series/,
      'CT',
    ],
    [
      'a SEG of another size',
      () => {
        const ct = readReferenceSeries(ctDir);
        const mask = { geometry: ct.volume.geometry, data: new Uint8Array(12 * 10 * 4).map((_, i) => (i % 17 === 0 ? 1 : 0)) };
        writeSeg(at('source', 'SEG-CT.dcm'), mask, ct);
        return modifyDicom(at('source', 'SEG-CT.dcm'), at('source', 'SEG-CT-taller.dcm'), (ds) => {
          ds.Rows += 1;
        });
      },
      { for: 'CT' },
      /field 'Rows\/Columns \(0028,0010\/0011\)': frames of 11×12 pixels/,
      'CT',
    ],
    ['an RTSTRUCT with no image named', () => ctRs, {}, /register it for that image's modality \(--for\)/, 'mask'],
    ['an ROI name for a NIfTI mask', () => niftiMask(), { for: 'CT', roi: 'GTV' }, /--roi 'GTV' names an ROI, but the file is not an RTSTRUCT or SEG/, 'CT'],
  ];

  it.each(bad)('refuses %s: a clear reason naming the file and field, under the modality, and nothing stored', async (_name, file, extra, reason, modality) => {
    const t = setUp(`bad-${bad.findIndex((b) => b[0] === _name)}`);
    try {
      const source = file();
      const images = await t.images();
      const before = readdirSync(t.timepointDir).sort();
      const mask = await t.mask(images, source, extra);
      expect(mask.unusable).toMatch(reason);
      expect(mask.unusable).toContain(source); // the file as registered, not the store's copy
      expect(mask.unusable!.split('\n')).toHaveLength(1);
      // Nothing half-way: no file (hidden or not) and no scan row for the mask.
      expect(readdirSync(t.timepointDir).sort()).toEqual(before);
      const rows = await t.store.listScans({ studyId: 'OS-PS', pseudonym: 'SYN-PS', timepoint: 'baseline' });
      expect(rows.filter((r) => r.role === 'mask')).toEqual([]);
      const findings = await t.qcFindings([...images, mask]);
      const label = modality === 'mask' ? 'mask' : `${modality} mask`;
      expect(findings).toContainEqual({ code: 'contour-unusable', modality, message: `${label}: unusable (${mask.unusable})` });
    } finally {
      await t.close();
    }
  });

  it('refuses an RTSTRUCT for an image that is not a DICOM series', async () => {
    const t = setUp('nifti-image');
    try {
      const t1Nifti = at('source', 'T1.nii.gz');
      writeNifti(t1Nifti, readImage(t1Dir));
      const images = await t.images(t1Nifti);
      const mask = await t.mask(images, t1Rs, { for: 'T1' });
      expect(mask.unusable).toBe(
        `${t1Rs}: an RTSTRUCT or SEG mask is converted on its image series, and the T1 image of this timepoint is a file (${path.basename(images[1].path)}), not a DICOM series`,
      );
    } finally {
      await t.close();
    }
  });
});

let niftiCount = 0;
/** A NIfTI mask on the CT grid. */
function niftiMask(): string {
  const file = at('source', `mask-${++niftiCount}.nii.gz`);
  const ct = readImage(ctDir);
  writeNifti(file, { geometry: ct.geometry, data: new Uint8Array(ct.data.length).fill(1) });
  return file;
}
