// A visit of CT, T1 and PET that are not co-registered, each with its own RTSTRUCT contour, on the real stack: STS_001
// of the IBSI validation set (DICOM series + RTSTRUCT per modality). A contour registered for the wrong series fails
// QC with a coded reason naming the image and the file; once each series has its own contour the timepoint completes,
// with features stored per modality, each in its own contour, equal to those of MIRP's NIfTI copies within 1 %.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { enrolPatient, readTimeline, registerScan } from '../../clients/coordinator';
import { extract, loadParamsFile } from '../../radiomics';
import { resultsStorePath } from '../../store';
import { SqliteResultsStore } from '../../store/sqliteStore';
import { describeWithReferenceData, referenceDataDir, referencePath } from '../support/referenceData';
import { osteoflowStudy } from './support/cli';
import { connectHarness, eventually, recordHistory, type Harness } from './support/pipeline';
import { writeStsStudy } from './support/stsStudy';

jest.setTimeout(300000);

const PATIENT = 'STS_001';
// Study modality → the data set's folder and ROI name.
const SERIES = {
  CT: { folder: 'CT', roi: 'GTV_Mass_CT' },
  T1: { folder: 'MR_T1', roi: 'GTV_Mass_MR_T1' },
  PET: { folder: 'PET', roi: 'GTV_Mass_PET' },
} as const;
type Modality = keyof typeof SERIES;
const MODALITIES = Object.keys(SERIES) as Modality[];
const dicom = (m: Modality, part: 'image' | 'mask/RS.dcm') => referencePath('sts', 'dicom', PATIENT, SERIES[m].folder, part);
const nifti = (m: Modality, part: 'image' | 'mask') => referencePath('sts', 'nifti', PATIENT, `${SERIES[m].folder}_${part}.nii.gz`);

const files = MODALITIES.flatMap((m) => [
  path.join('sts', 'dicom', PATIENT, SERIES[m].folder, 'mask', 'RS.dcm'),
  path.join('sts', 'nifti', PATIENT, `${SERIES[m].folder}_image.nii.gz`),
]);

describeWithReferenceData('a timepoint of CT, T1 and PET with a contour per series (STS_001)', files, () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await connectHarness();
  });
  afterAll(async () => harness?.close());

  it('fails QC for a contour of another series, then completes with features per modality in each own contour', async () => {
    const started = Date.now();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'osteoflow-mask-per-series-'));
    // A light parameter file: shape and first order on the original image (the study's full file is not the point here).
    const studyId = `IT-MPS-${Date.now().toString(36)}`;
    const { protocol, paramsFile } = writeStsStudy(dir, { studyId, modalities: MODALITIES, featureClass: { shape: null, firstorder: null } });
    // The reference data lies outside the default import roots (the data folder and the temp folder).
    const importRoots = [...harness.cfg.acquisition.importRoots, referenceDataDir()];
    const pipeline = await harness.startWorker({ acquisition: { ...harness.cfg.acquisition, importRoots } });
    const pseudonym = 'STS-001';
    try {
      await pipeline.worker.runUntil(async () => {
        const handle = await enrolPatient(harness.client, harness.cfg.taskQueues.pipeline, protocol, pseudonym);
        for (const m of MODALITIES) await registerScan(handle, { timepoint: 'baseline', modality: m, source: dicom(m, 'image') });
        // The CT's structure set filed for T1 too (all three series share one frame of reference here): the T1 waits
        // for its contour until then, and QC refuses the CT's, which names the CT series.
        await registerScan(handle, { timepoint: 'baseline', modality: 'mask', for: 'CT', roi: SERIES.CT.roi, source: dicom('CT', 'mask/RS.dcm') });
        await registerScan(handle, { timepoint: 'baseline', modality: 'mask', for: 'PET', roi: SERIES.PET.roi, source: dicom('PET', 'mask/RS.dcm') });
        const waiting = await readTimeline(handle);
        expect(waiting.timepoints[0].status).toBe('pending'); // T1 has no contour yet: no run
        await registerScan(handle, { timepoint: 'baseline', modality: 'mask', for: 'T1', source: dicom('CT', 'mask/RS.dcm') });
        const failed = await eventually(
          () => readTimeline(handle),
          (v) => v.timepoints[0].status === 'qc-failed/awaiting-rescan',
          120000,
          'QC failed on the CT contour filed for T1',
        );
        const findings = failed.timepoints[0].qc!.findings!;
        expect(findings.map((f) => [f.code, f.modality])).toEqual([['contour-unusable', 'T1']]);
        expect(findings[0].message).toContain(
          `T1 mask: unusable (file ${dicom('CT', 'mask/RS.dcm')}, field 'SeriesInstanceUID (0020,000E) in RTReferencedSeriesSequence (3006,0014)'`,
        );

        // T1's own structure set, registered as a coordinator does: the timepoint runs again and completes. A mask
        // for a modality the timepoint does not have is refused, and nothing changes.
        const register = (forModality: string, roi: string, source: string) =>
          osteoflowStudy(
            'register',
            '--study',
            studyId,
            '--patient',
            pseudonym,
            '--timepoint',
            'baseline',
            '--modality',
            'mask',
            '--for',
            forModality,
            '--roi',
            roi,
            '--source',
            source,
          );
        expect(await register('T2', SERIES.T1.roi, dicom('T1', 'mask/RS.dcm'))).toEqual({
          code: 1,
          out: `osteoflow study register: rejected: a mask for "T2": timepoint 'baseline' has no such image modality (expected one of CT, T1, PET) (nothing was changed)\n`,
        });
        const registered = await register('T1', SERIES.T1.roi, dicom('T1', 'mask/RS.dcm'));
        expect(registered.code).toBe(0);
        const done = await eventually(
          () => readTimeline(handle),
          (v) => v.timepoints[0].status === 'done',
          180000,
          'the timepoint done',
        );
        const tp = done.timepoints[0];
        expect(tp.qc).toMatchObject({ passed: true, reasons: [] });
        expect(tp.featureSet!.modalities.sort()).toEqual(['CT', 'PET', 'T1']);
        expect(tp.masks!.map((m) => [m.for, m.kind, m.roi]).sort()).toEqual(MODALITIES.map((m) => [m, 'RTSTRUCT', SERIES[m].roi]).sort());
        await recordHistory(harness, `${handle.workflowId}/baseline/run-2`, 'timepoint-mask-per-series');
        const shown = await osteoflowStudy('show', '--study', studyId, '--patient', pseudonym);
        expect(shown.out).toContain(`masks: CT RTSTRUCT 'GTV_Mass_CT', PET RTSTRUCT 'GTV_Mass_PET', T1 RTSTRUCT 'GTV_Mass_MR_T1'`);
      });

      const store = new SqliteResultsStore(resultsStorePath(harness.cfg));
      try {
        const key = { studyId, pseudonym, timepoint: 'baseline' };
        const sets = await store.getFeatureSets(key, protocol.features.paramHash);
        expect(sets.map((s) => s.modality).sort()).toEqual(['CT', 'PET', 'T1']);
        // Each image in its own contour: three masks, three mask hashes.
        expect(new Set(sets.map((s) => s.maskHash)).size).toBe(3);
        const scans = await store.listScans(key);
        expect(
          scans
            .filter((s) => s.role === 'mask')
            .map((s) => s.modality)
            .sort(),
        ).toEqual(['mask:CT', 'mask:PET', 'mask:T1']);
        // The NIfTI path: MIRP's image and mask of each modality through the same engine and parameter file.
        const params = loadParamsFile(paramsFile);
        const off: string[] = [];
        let compared = 0;
        let worst = { name: '', relative: -1 };
        for (const m of MODALITIES) {
          const reference = (await extract(nifti(m, 'image'), nifti(m, 'mask'), params)).features;
          const stored = sets.find((s) => s.modality === m)!.features;
          expect(
            Object.keys(stored)
              .filter((k) => k.startsWith('original_'))
              .sort(),
          ).toEqual(Object.keys(reference).sort());
          for (const [name, value] of Object.entries(reference)) {
            const relative = Math.abs(stored[name] - value) / Math.max(Math.abs(value), 1e-12);
            compared++;
            if (relative > worst.relative) worst = { name: `${m} ${name}`, relative };
            if (!(relative <= 0.01)) off.push(`${m} ${name}: ${stored[name]} vs ${value} (${(relative * 100).toFixed(2)} %)`);
          }
        }
        expect(compared).toBeGreaterThan(3 * 30);
        expect(off).toEqual([]);
        console.log(`DICOM + RTSTRUCT vs NIfTI: ${compared} features, largest relative difference ${worst.relative.toExponential(2)} (${worst.name})`);
      } finally {
        await store.close();
      }
    } finally {
      await pipeline.close();
      console.log(`mask per series (STS_001, CT + T1 + PET, two runs): ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }
  });
});
