// DICOM registered by hand on the real stack: a coordinator registers STS_001's CT series and its RTSTRUCT with
// `osteoflow study register` (paths into the reference data, byte for byte the hospital's files). The timepoint
// completes; the study store holds no PatientName, PatientID, BirthDate, AccessionNumber or original study, series
// or frame-of-reference UID in any file; the stored contour rasterises onto the stored (de-identified) series; and
// the features stored equal those the original files give (de-identification leaves pixels and geometry alone).
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readTimeline, enrolPatient } from '../../clients/coordinator';
import { readDicomMask, readDicomObject } from '../../imaging/contours';
import { readImage } from '../../imaging/io';
import { extract, loadParamsFile } from '../../radiomics';
import { resultsStorePath } from '../../store';
import { SqliteResultsStore } from '../../store/sqliteStore';
import { describeWithReferenceData, referenceDataDir, referencePath } from '../support/referenceData';
import { osteoflowStudy } from './support/cli';
import { identifiersFound, storeFiles } from './support/identifierSearch';
import { connectHarness, eventually, type Harness } from './support/pipeline';
import { writeStsStudy } from './support/stsStudy';

jest.setTimeout(300000);

const image = referencePath('sts', 'dicom', 'STS_001', 'CT', 'image');
const contour = referencePath('sts', 'dicom', 'STS_001', 'CT', 'mask', 'RS.dcm');
const ROI = 'GTV_Mass_CT';

describeWithReferenceData(
  'DICOM registered by hand is stored de-identified (STS_001 CT + RTSTRUCT)',
  [path.join('sts', 'dicom', 'STS_001', 'CT', 'mask', 'RS.dcm')],
  () => {
    let harness: Harness;
    beforeAll(async () => {
      harness = await connectHarness();
    });
    afterAll(async () => harness?.close());

    it('completes the timepoint with no identifier or original UID in the study store, and the same features', async () => {
      const started = Date.now();
      const dir = mkdtempSync(path.join(os.tmpdir(), 'osteoflow-deid-acquire-'));
      const studyId = `IT-DEID-${Date.now().toString(36)}`;
      const { protocol, paramsFile } = writeStsStudy(dir, { studyId, modalities: ['CT'], featureClass: { shape: null, firstorder: null } });
      const pseudonym = 'OSF-0101';

      // What must not reach the store: the identifying attributes and the UIDs as the hospital's files hold them.
      const identifiers = new Set<string>();
      for (const file of [contour, path.join(image, readdirSync(image).sort()[0])]) {
        const ds = readDicomObject(file, { expected: 'a DICOM file', headerOnly: true }).dataSet;
        for (const tag of ['x00100010', 'x00100020', 'x00100030', 'x00080050', 'x0020000d', 'x0020000e', 'x00200052']) {
          const value = ds.string(tag)?.trim();
          if (value) identifiers.add(value);
        }
      }
      expect([...identifiers]).toEqual(expect.arrayContaining(['STS_001']));
      expect(identifiers.size).toBeGreaterThanOrEqual(5); // name/ID, accession number, study, CT series, frame of reference

      const importRoots = [...harness.cfg.acquisition.importRoots, referenceDataDir()];
      const pipeline = await harness.startWorker({ acquisition: { ...harness.cfg.acquisition, importRoots } });
      let view;
      try {
        view = await pipeline.worker.runUntil(async () => {
          const handle = await enrolPatient(harness.client, harness.cfg.taskQueues.pipeline, protocol, pseudonym);
          const register = (...args: string[]) => osteoflowStudy('register', '--study', studyId, '--patient', pseudonym, '--timepoint', 'baseline', ...args);
          expect((await register('--modality', 'CT', '--source', image)).code).toBe(0);
          expect((await register('--modality', 'mask', '--for', 'CT', '--roi', ROI, '--source', contour)).code).toBe(0);
          return eventually(
            () => readTimeline(handle),
            (v) => ['done', 'qc-failed/awaiting-rescan', 'needs-attention'].includes(v.timepoints[0].status),
            240000,
            'the baseline closed',
          );
        });
      } finally {
        await pipeline.close();
      }
      const tp = view.timepoints[0];
      expect(tp.attention).toBeUndefined();
      expect(tp.status).toBe('done');
      expect(tp.masks!.map((m) => [m.for, m.kind, m.roi])).toEqual([['CT', 'RTSTRUCT', ROI]]);

      // No identifier and no original UID in any stored file (the search finds them in the sources: see the set above).
      const haystacks = storeFiles(protocol.storeDir!);
      expect(haystacks.length).toBeGreaterThan(10);
      expect(identifiersFound(haystacks, identifiers)).toEqual([]);
      expect(identifiersFound([['the registered RTSTRUCT', readFileSync(contour).toString('latin1')]], identifiers).length).toBeGreaterThan(0);

      const store = new SqliteResultsStore(resultsStorePath(harness.cfg));
      try {
        const key = { studyId, pseudonym, timepoint: 'baseline' };
        const scans = await store.listScans(key);
        const ct = scans.find((s) => s.modality === 'CT')!;
        const mask = scans.find((s) => s.modality === 'mask:CT')!;
        // The stored contour lies on the stored series, voxel for voxel the mask the original files give.
        const original = readDicomMask(contour, image, { roi: ROI });
        const stored = readImage(path.join(protocol.storeDir!, mask.path));
        expect(stored.geometry.size).toEqual(readImage(path.join(protocol.storeDir!, ct.path)).geometry.size);
        expect(Array.from(stored.data).filter((v) => v !== 0).length).toBeGreaterThan(100);
        expect(Array.from(stored.data)).toEqual(Array.from(original.mask.data));
        // Features as the original files give them, to the last digit.
        const [set] = await store.getFeatureSets(key, protocol.features.paramHash);
        const expected = (await extract(readImage(image), original.mask, loadParamsFile(paramsFile))).features;
        const measured = Object.fromEntries(Object.entries(set.features).filter(([name]) => name.startsWith('original_')));
        expect(Object.keys(measured).length).toBeGreaterThan(30);
        expect(measured).toEqual(expected);
      } finally {
        await store.close();
      }
      console.log(`[deid-acquire] ${haystacks.length} stored files searched for ${identifiers.size} identifiers; whole test ${Date.now() - started} ms`);
    });
  },
);
