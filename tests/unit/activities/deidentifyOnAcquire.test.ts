// DICOM registered by hand is stored de-identified: a CT series and its RTSTRUCT, both carrying a patient's name,
// ID, birth date, accession number and real UIDs, go through acquireScan with the site's secret. No identifier and
// no original UID is left in any stored file; the contour, de-identified apart from its series, still lies on the
// stored image (same voxels, same features as the original files give); a contour of another series is still caught.
// Files intake de-identified already are stored byte for byte (dates not shifted twice), a burned-in annotation is
// refused naming the file and the field with nothing stored, NIfTI is untouched, and the site secret file is made
// once with mode 0600.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../../../activities';
import { siteSecret } from '../../../activities/pipeline/deidentifyScan';
import { readImage, writeNifti } from '../../../imaging/io';
import { loadParamsFile, paramsHash } from '../../../radiomics';
import { dateOffsetDays, deidentifySeries, mapUid } from '../../../pacs/deidentify';
import { SqliteResultsStore } from '../../../store/sqliteStore';
import type { StudyProtocol } from '../../../contracts/study';
import type { AcquiredScan, PipelineActivities } from '../../../contracts/pipeline';
import type { RegisteredScan } from '../../../contracts/timeline';
import { writeDicomSlice } from '../imaging/io/support/dicomWriter';
import { modifyDicom, rectangle, structureSet } from '../imaging/contours/support';

jest.setTimeout(120000);

// dcmjs ships no type declarations; only reading is used here.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dcmjs = require('dcmjs') as {
  data: {
    DicomMessage: { readFile(buffer: ArrayBuffer): { meta: Record<string, unknown>; dict: Record<string, unknown> } };
    DicomMetaDictionary: { naturalizeDataset(dict: Record<string, unknown>): Record<string, unknown> };
  };
};

const root = mkdtempSync(path.join(os.tmpdir(), 'osteoflow-deid-acquire-'));
const at = (...parts: string[]) => path.join(root, ...parts);
afterAll(() => rmSync(root, { recursive: true, force: true }));

const SECRET = Buffer.from('a site secret of at least sixteen bytes');
const PSEUDONYM = 'OSF-0007';
// The patient as the hospital's files name them; none of it may reach the study store.
const PATIENT = { PatientName: 'Doe^Jane', PatientID: 'HOSP-4711-0815', PatientBirthDate: '19700131', AccessionNumber: 'ACC-2026-99817' };
const STUDY_UID = '1.2.826.0.1.3680043.8.498.4711.60';
const FRAME = '1.2.826.0.1.3680043.8.498.4711.61';
const SERIES = '1.2.826.0.1.3680043.8.498.4711.62';
const STUDY_DATE = '20260105';
const IDENTIFIERS = [PATIENT.PatientName, 'Doe', 'Jane', PATIENT.PatientID, PATIENT.PatientBirthDate, PATIENT.AccessionNumber, STUDY_UID, FRAME, SERIES];

const SIZE: [number, number, number] = [12, 10, 4];
/** A textured CT series of the patient (every slice varies, so QC sees no constant image or blank slice). */
function ctSeries(dir: string, extra: Record<string, unknown> = {}): string {
  mkdirSync(dir, { recursive: true });
  const [nx, ny, nz] = SIZE;
  for (let k = 0; k < nz; k++) {
    writeDicomSlice(path.join(dir, `IM${k}.dcm`), {
      position: [0, 0, k * 2],
      pixelSpacing: [1, 1],
      rows: ny,
      columns: nx,
      pixels: Array.from({ length: nx * ny }, (_, i) => 100 + ((i * 7 + k * 13) % 29)),
      modality: 'CT',
      seriesUid: SERIES,
      extra: { ...PATIENT, StudyInstanceUID: STUDY_UID, FrameOfReferenceUID: FRAME, StudyDate: STUDY_DATE, SeriesDate: STUDY_DATE, ...extra },
    });
  }
  return dir;
}

/** An RTSTRUCT on the CT: voxel centres x 3…6, y 3…5 on slices 1 and 2 = 4 × 3 × 2 = 24 voxels of 2 mm³. */
function rtstruct(file: string, series = SERIES): string {
  const plain = structureSet(`${file}.plain.dcm`, [{ name: 'GTV', contours: [2, 4].map((z) => ({ points: rectangle(2.5, 2.5, 6.5, 5.5, z) })) }], {
    frameOfReferenceUid: FRAME,
    series: [series],
  });
  return modifyDicom(plain, file, (ds) => Object.assign(ds, PATIENT, { StudyInstanceUID: STUDY_UID, StudyDate: STUDY_DATE }));
}
const VOXELS = 24;

const ctDir = ctSeries(at('source', 'CT'));
const rs = rtstruct(at('source', 'RS.dcm'));

const paramsFile = at('params.yaml');
writeFileSync(paramsFile, stringify({ imageType: { Original: {} }, featureClass: { shape: null, firstorder: null }, setting: { binWidth: 5 } }));

function protocolIn(storeDir: string, deidentification?: StudyProtocol['deidentification']): StudyProtocol {
  return {
    ...(deidentification ? { deidentification } : {}),
    studyId: 'OS-DEID',
    timepoints: [{ name: 'baseline', dueAfterMs: 0, windowMs: 1, modalities: ['CT'] }],
    qc: { minSlices: 4, maxSpacingMm: 6, tumourVolumeMl: [0.001, 100] },
    segmentation: { mode: 'manual-required' },
    features: { paramsFile, paramHash: paramsHash(loadParamsFile(paramsFile)) },
    model: { name: 'm' },
    missedAfterMs: 1,
    storeDir,
  };
}

const scan = (modality: string, source: string, extra: Partial<RegisteredScan> = {}): RegisteredScan => ({ modality, source, registeredAt: '', ...extra });

/** Fresh activities and store in their own folder, de-identifying with SECRET unless `deidentify` is false. */
function setUp(name: string, deidentify = true, settings?: StudyProtocol['deidentification']) {
  const storeDir = at(name, 'store');
  mkdirSync(storeDir, { recursive: true });
  const store = new SqliteResultsStore(at(name, 'results.sqlite'));
  const activities = createActivities({
    store,
    predictor: { predict: async () => ({ prediction: null, note: 'none' }) },
    ...(deidentify ? { deidentification: { secret: () => SECRET } } : {}),
  }) as PipelineActivities;
  const mock = new MockActivityEnvironment();
  const heartbeats: unknown[] = [];
  mock.on('heartbeat', (details: unknown) => heartbeats.push(details));
  const run = <I, O>(fn: (input: I) => Promise<O>, input: I): Promise<O> => mock.run(fn, input) as Promise<O>;
  const ref = { protocol: protocolIn(storeDir, settings), pseudonym: PSEUDONYM, timepoint: 'baseline' };
  const image = (source: string) => run(activities.acquireScan, { ...ref, scan: scan('CT', source) });
  const mask = (images: AcquiredScan[], source: string) => run(activities.acquireScan, { ...ref, scan: scan('mask', source, { for: 'CT' }), images });
  const timepointDir = path.join(storeDir, PSEUDONYM, 'baseline');
  const rows = () => store.listScans({ studyId: 'OS-DEID', pseudonym: PSEUDONYM, timepoint: 'baseline' });
  /** A stored file: the timeline names it relative to the study's folder. */
  const stored = (file: { path: string }) => path.join(storeDir, file.path);
  return { store, activities, run, ref, image, mask, storeDir, timepointDir, rows, stored, heartbeats, close: () => store.close() };
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((name) => path.join(dir, name))
    .filter((file) => statSync(file).isFile());
}

function dicom(file: string): { meta: Record<string, unknown>; ds: Record<string, unknown> } {
  const bytes = readFileSync(file);
  const parsed = dcmjs.data.DicomMessage.readFile(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  return { meta: dcmjs.data.DicomMetaDictionary.naturalizeDataset(parsed.meta), ds: dcmjs.data.DicomMetaDictionary.naturalizeDataset(parsed.dict) };
}

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

/** YYYYMMDD moved by `days`, by the calendar (computed here, not by the product). */
function addDays(yyyymmdd: string, days: number): string {
  const d = new Date(Date.UTC(Number(yyyymmdd.slice(0, 4)), Number(yyyymmdd.slice(4, 6)) - 1, Number(yyyymmdd.slice(6, 8)) + days));
  return d.toISOString().slice(0, 10).replaceAll('-', '');
}

describe('DICOM registered by hand, de-identified at acquisition', () => {
  it('stores the series and its RTSTRUCT without any identifier; the contour still lies on the stored image', async () => {
    const t = setUp('series-and-contour');
    const plain = setUp('as-they-came', false);
    try {
      const started = Date.now();
      const [ct] = [await t.image(ctDir)];
      const contour = await t.mask([ct], rs);
      const ms = Date.now() - started;
      expect(contour.unusable).toBeUndefined();
      expect(contour.source).toBe(rs);

      // The identifiers are in the sources (the search can find them)…
      const sourceText = filesUnder(at('source')).map((f) => readFileSync(f).toString('latin1'));
      for (const id of IDENTIFIERS) expect(sourceText.some((text) => text.includes(id))).toBe(true);
      // …and in no stored file.
      const stored = filesUnder(t.storeDir);
      expect(stored.length).toBeGreaterThanOrEqual(SIZE[2] + 2); // the slices, the RTSTRUCT and its voxel mask
      const found = stored.flatMap((file) => {
        const text = readFileSync(file).toString('latin1');
        return IDENTIFIERS.filter((id) => text.includes(id)).map((id) => `${id} in ${file}`);
      });
      expect(found).toEqual([]);

      // File by file (a heartbeat after each), yet byte for byte what de-identifying the whole folder at once gives.
      expect(t.heartbeats).toContainEqual({ modality: 'CT', deidentified: SIZE[2] });
      const whole = at('series-and-contour', 'whole-folder');
      deidentifySeries(ctDir, whole, { secret: SECRET, pseudonym: PSEUDONYM });
      expect(readdirSync(t.stored(ct)).sort()).toEqual(readdirSync(whole).sort());
      for (const name of readdirSync(whole)) expect(sha256(path.join(t.stored(ct), name))).toBe(sha256(path.join(whole, name)));

      // What the stored files say instead: the pseudonym, the profile, the site's UIDs and the patient's date shift.
      const slice = dicom(filesUnder(t.stored(ct))[0]).ds;
      expect(slice).toMatchObject({ PatientID: PSEUDONYM, PatientIdentityRemoved: 'YES', SeriesInstanceUID: mapUid(SECRET, SERIES) });
      const shift = dateOffsetDays(SECRET, PSEUDONYM);
      expect(shift).toBeLessThan(0);
      expect(slice.StudyDate).toBe(addDays(STUDY_DATE, shift));
      const storedRs = dicom(t.stored({ path: contour.maskSource!.file! })).ds;
      expect(storedRs).toMatchObject({ PatientID: PSEUDONYM, StudyInstanceUID: mapUid(SECRET, STUDY_UID), StudyDate: addDays(STUDY_DATE, shift) });
      expect(contour.maskSource).toMatchObject({ kind: 'RTSTRUCT', roi: 'GTV', seriesInstanceUid: mapUid(SECRET, SERIES) });

      // The contour on the stored image: the 24 voxels by hand, and the same mask as the original files give.
      const maskVolume = readImage(t.stored(contour));
      expect(maskVolume.geometry.size).toEqual(SIZE);
      expect(Array.from(maskVolume.data).filter((v) => v !== 0)).toHaveLength(VOXELS);
      const original = await plain.mask([await plain.image(ctDir)], rs);
      expect(Array.from(maskVolume.data)).toEqual(Array.from(readImage(plain.stored(original)).data));

      // Pixels and geometry untouched: QC passes and the features equal those of the files as they came.
      const acquired = [ct, contour];
      expect((await t.run(t.activities.checkQuality, { ...t.ref, acquired })).passed).toBe(true);
      await t.run(t.activities.extractFeatures, { ...t.ref, acquired });
      const ctPlain = (await plain.rows()).find((r) => r.modality === 'CT')!;
      const plainAcquired: AcquiredScan[] = [{ modality: 'CT', role: 'image', path: ctPlain.path, sha256: ctPlain.sha256, source: ctDir }, original];
      await plain.run(plain.activities.checkQuality, { ...plain.ref, acquired: plainAcquired });
      await plain.run(plain.activities.extractFeatures, { ...plain.ref, acquired: plainAcquired });
      const features = async (s: SqliteResultsStore) =>
        (await s.getFeatureSets({ studyId: 'OS-DEID', pseudonym: PSEUDONYM, timepoint: 'baseline' }))[0].features;
      const deidentified = await features(t.store);
      expect(deidentified.original_shape_VoxelVolume).toBeCloseTo(VOXELS * 2, 9);
      expect(deidentified).toEqual(await features(plain.store));

      // The rows name the de-identified copies; nothing hidden is left in the timepoint's folder.
      expect((await t.rows()).map((r) => [r.modality, r.path]).sort()).toEqual([
        ['CT', ct.path],
        ['mask:CT', contour.path],
      ]);
      expect(readdirSync(t.timepointDir).filter((n) => n.startsWith('.'))).toEqual([]);
      console.log(`[deid-acquire] series of ${SIZE[2]} slices + RTSTRUCT acquired de-identified in ${ms} ms`);
    } finally {
      await t.close();
      await plain.close();
    }
  });

  it('acquires the same series again into the same copy (a retried activity), and still catches a contour of another series', async () => {
    const t = setUp('again');
    try {
      const first = await t.image(ctDir);
      const second = await t.image(ctDir);
      expect(second).toEqual(first);
      expect(readdirSync(t.timepointDir)).toEqual([path.basename(first.path)]);
      const other = rtstruct(at('source', 'RS-other-series.dcm'), '1.2.826.0.1.3680043.8.498.4711.69');
      const before = readdirSync(t.timepointDir).sort();
      const contour = await t.mask([first], other);
      expect(contour.unusable).toMatch(/field 'SeriesInstanceUID \(0020,000E\) in RTReferencedSeriesSequence \(3006,0014\)'.*another series/);
      expect(contour.unusable).toContain(other); // the file as registered, not a staging copy
      expect(contour.unusable).not.toContain('.acquire-');
      expect(readdirSync(t.timepointDir).sort()).toEqual(before);
    } finally {
      await t.close();
    }
  });

  it('stores files intake de-identified as they are, and a raw contour registered for them still matches', async () => {
    const t = setUp('from-intake');
    try {
      // As intake does: the series de-identified with the same secret and pseudonym before it is registered.
      const intakeCopy = at('intake', 'CT');
      deidentifySeries(ctDir, intakeCopy, { secret: SECRET, pseudonym: PSEUDONYM });
      const ct = await t.image(intakeCopy);
      const names = readdirSync(intakeCopy).sort();
      expect(readdirSync(t.stored(ct)).sort()).toEqual(names);
      for (const name of names) expect(sha256(path.join(t.stored(ct), name))).toBe(sha256(path.join(intakeCopy, name)));
      // Dates shifted once, not twice.
      expect(dicom(path.join(t.stored(ct), names[0])).ds.StudyDate).toBe(addDays(STUDY_DATE, dateOffsetDays(SECRET, PSEUDONYM)));
      const contour = await t.mask([ct], rs);
      expect(contour.unusable).toBeUndefined();
      expect(Array.from(readImage(t.stored(contour)).data).filter((v) => v !== 0)).toHaveLength(VOXELS);
    } finally {
      await t.close();
    }
  });

  it('refuses a series de-identified for another patient, naming the file and PatientID, and stores nothing', async () => {
    const t = setUp('other-patient');
    try {
      const elsewhere = at('intake', 'CT-other');
      deidentifySeries(ctDir, elsewhere, { secret: SECRET, pseudonym: 'OSF-0008' });
      const err = await t.image(elsewhere).catch((e: Error) => e);
      expect(err).toMatchObject({ name: 'RadiomicsInputError' });
      expect((err as Error).message).toBe(
        `file ${path.join(elsewhere, '000001.dcm')}, field 'PatientID (0010,0020)': was de-identified for another patient (OSF-0008), not for ${PSEUDONYM} (expected a scan of ${PSEUDONYM})`,
      );
      expect(readdirSync(t.timepointDir)).toEqual([]);
      expect(await t.rows()).toEqual([]);
    } finally {
      await t.close();
    }
  });

  it('refuses a series of two patients, naming the file and PatientID, before anything is written', async () => {
    const t = setUp('two-patients');
    try {
      const mixed = ctSeries(at('source', 'CT-mixed'));
      modifyDicom(path.join(mixed, 'IM3.dcm'), path.join(mixed, 'IM3.dcm'), (ds) => {
        ds.PatientID = 'HOSP-0000-0001';
      });
      const err = await t.image(mixed).catch((e: Error) => e);
      expect(err).toMatchObject({ name: 'RadiomicsInputError' });
      expect((err as Error).message).toBe(
        `file ${path.join(mixed, 'IM3.dcm')}, field 'PatientID (0010,0020)': cannot be de-identified: its PatientID (0010,0020) differs from the folder's first file: expected the files of one patient`,
      );
      expect(readdirSync(t.timepointDir)).toEqual([]);
      expect(await t.rows()).toEqual([]);
    } finally {
      await t.close();
    }
  });

  it('refuses a burned-in annotation with the file and the field, storing nothing', async () => {
    const t = setUp('burned-in');
    try {
      const burned = ctSeries(at('source', 'CT-burned'));
      modifyDicom(path.join(burned, 'IM2.dcm'), path.join(burned, 'IM2.dcm'), (ds) => {
        ds.BurnedInAnnotation = 'YES';
      });
      const err = await t.image(burned).catch((e: Error) => e);
      expect(err).toMatchObject({ name: 'RadiomicsInputError' });
      expect((err as Error).message).toMatch(
        new RegExp(
          `^file ${path.join(burned, 'IM2.dcm').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}, field 'BurnedInAnnotation \\(0028,0301\\)': refused: it is marked YES`,
        ),
      );
      for (const id of IDENTIFIERS) expect((err as Error).message).not.toContain(id);
      expect(readdirSync(t.timepointDir)).toEqual([]);
      expect(await t.rows()).toEqual([]);
    } finally {
      await t.close();
    }
  });

  it("follows the study's settings: dates kept, and a burned-in annotation taken in where the study allows it", async () => {
    const t = setUp('settings', true, { dates: 'keep', allowBurnedInAnnotation: true });
    try {
      const burned = ctSeries(at('source', 'CT-burned-allowed'));
      modifyDicom(path.join(burned, 'IM2.dcm'), path.join(burned, 'IM2.dcm'), (ds) => {
        ds.BurnedInAnnotation = 'YES';
      });
      const ct = await t.image(burned);
      const stored = filesUnder(t.stored(ct)).map((file) => dicom(file).ds);
      expect(stored.map((ds) => ds.StudyDate)).toEqual(stored.map(() => STUDY_DATE));
      expect(stored.map((ds) => ds.PatientID)).toEqual(stored.map(() => PSEUDONYM));
      expect(stored.some((ds) => ds.BurnedInAnnotation === 'YES')).toBe(true);
      expect(stored[0].DeidentificationMethod).toContain('Retain Longitudinal Full Dates');
    } finally {
      await t.close();
    }
  });

  it('stores a NIfTI image byte for byte', async () => {
    const t = setUp('nifti');
    try {
      const file = at('source', 'CT.nii.gz');
      writeNifti(file, readImage(ctDir));
      const stored = await t.image(file);
      expect(stored.sha256).toBe(sha256(file));
      expect(sha256(t.stored(stored))).toBe(sha256(file));
      expect(path.basename(stored.path)).toBe(`CT-${sha256(file).slice(0, 12)}.nii.gz`);
    } finally {
      await t.close();
    }
  });
});

describe('the site secret without an identifier map key', () => {
  it('is made once, 32 random bytes readable by the owner only, and read back the same', () => {
    const file = at('data', 'deidentification-secret');
    const made = siteSecret(file);
    expect(made).toHaveLength(32);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(siteSecret(file).equals(made)).toBe(true);
    expect(siteSecret(at('other-data', 'deidentification-secret')).equals(made)).toBe(false);
    writeFileSync(at('data', 'short'), Buffer.from('too short').toString('base64'));
    expect(() => siteSecret(at('data', 'short'))).toThrow(`the de-identification secret file ${at('data', 'short')} holds 9 bytes (expected 32, base64)`);
  });
});
