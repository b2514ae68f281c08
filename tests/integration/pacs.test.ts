// The embedded PACS end to end, on a real Orthanc that this suite starts itself through ops/orthancServer.ts (its own
// throw-away folder, free ports; the shared stack starts none): the three STS patients sent with DCMTK's storescu
// (C-STORE), found by QIDO-RS, a CT series and its RTSTRUCT retrieved by WADO-RS, de-identified (no original
// identifier left in any byte, the contour still on its series, the same UIDs on a second run), a burned-in
// annotation refused, a de-identified object stored back by STOW-RS and seen in the change feed, a mask exported as a
// SEG into its series' study and read back, and the PACS down answered with a retryable error.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readDicomMask, readDicomObject, readReferenceSeries, readStructureSet, referencedSeriesOf } from '../../imaging/contours';
import { readDicomSeries } from '../../imaging/io/dicom';
import { startOrthanc, type OrthancServer } from '../../ops/orthancServer';
import {
  DeidentificationError,
  deidentifySeries,
  DicomwebClient,
  dicomValue,
  exportSegmentation,
  OrthancClient,
  PacsUnavailableError,
  sendWithStorescu,
  seriesSummary,
  studySummary,
  type DicomJson,
} from '../../pacs';
import { describeWithReferenceData, referencePath } from '../support/referenceData';

jest.setTimeout(90000);

const PATIENTS = ['STS_001', 'STS_002', 'STS_003'];
const patientDir = (p: string) => referencePath('sts', 'dicom', p);
const secret = 'integration-test-secret-0123456789';
const timings: Record<string, string> = {};

/** Files under a folder, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}
const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
const sopInstanceUid = (file: string) => readDicomObject(file, { expected: 'a DICOM file', headerOnly: true }).dataSet.string('x00080018');

// dcmjs ships no type declarations; only these entry points are used.
interface DcmjsData {
  DicomMessage: { readFile(buffer: ArrayBuffer): { dict: unknown; meta: unknown } };
  DicomMetaDictionary: { naturalizeDataset(dict: unknown): Record<string, unknown>; denaturalizeDataset(ds: Record<string, unknown>): unknown };
  DicomDict: new (meta: unknown) => { dict: unknown; write(): ArrayBuffer };
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dcmjs = require('dcmjs') as { data: DcmjsData; log: { getLogger(name: string): { setLevel(level: string): void } } };
const { DicomMessage, DicomMetaDictionary, DicomDict } = dcmjs.data;
// dcmjs reports each ambiguous VR of an Implicit VR file (US or SS, OB or OW) as an error; they are expected here.
dcmjs.log.getLogger('validation.dcmjs').setLevel('silent');

describeWithReferenceData(
  'the embedded PACS (Orthanc) and de-identification on ingest',
  PATIENTS.flatMap((p) => [`sts/dicom/${p}/CT/image`, `sts/dicom/${p}/CT/mask/RS.dcm`]),
  () => {
    let work: string;
    let orthanc: OrthancServer;
    let dicomweb: DicomwebClient;
    /** The patients' studies as the PACS describes them (identifiers included: what must not come out). */
    const studies = new Map<string, DicomJson>();
    let ctDir: string;
    let rtDir: string;

    beforeAll(async () => {
      work = mkdtempSync(path.join(os.tmpdir(), 'osteoflow-pacs-it-'));
      const started = Date.now();
      orthanc = await startOrthanc(path.join(work, 'orthanc'), { stableAgeSeconds: 1 });
      timings['Orthanc start'] = `${Date.now() - started} ms`;
      dicomweb = new DicomwebClient({ url: orthanc.url, credentials: orthanc.credentials });
    });

    afterAll(async () => {
      await orthanc?.stop();
      if (work) rmSync(work, { recursive: true, force: true });
      console.log(
        `[pacs] ${Object.entries(timings)
          .map(([k, v]) => `${k}: ${v}`)
          .join('; ')}`,
      );
    });

    it('takes the three patients by C-STORE and finds them by QIDO-RS', async () => {
      const started = Date.now();
      await sendWithStorescu(orthanc.dicom, PATIENTS.map(patientDir));
      const files = PATIENTS.flatMap((p) => filesUnder(patientDir(p)));
      timings['storescu of 3 patients'] = `${files.length} files in ${Date.now() - started} ms`;

      expect(await dicomweb.searchStudies()).toHaveLength(3);
      for (const patient of PATIENTS) {
        const found = await dicomweb.searchStudies({ PatientID: patient, includefield: 'PatientBirthDate' });
        expect(found).toHaveLength(1);
        studies.set(patient, found[0]);
        const study = studySummary(found[0]);
        expect(study.modalities.sort()).toEqual(['CT', 'MR', 'PT', 'RTSTRUCT']);
        const series = (await dicomweb.searchSeries(study.studyInstanceUid)).map(seriesSummary);
        expect(series).toHaveLength(6);
        expect(series.reduce((sum, s) => sum + (s.instances ?? 0), 0)).toBe(filesUnder(patientDir(patient)).length);
      }
    });

    it("retrieves STS_001's CT series and its RTSTRUCT by WADO-RS", async () => {
      const study = studySummary(studies.get('STS_001')!);
      const series = (await dicomweb.searchSeries(study.studyInstanceUid)).map(seriesSummary);
      const ct = series.find((s) => s.modality === 'CT')!;
      const started = Date.now();
      const progress: number[] = [];
      const retrieved = await dicomweb.retrieveSeries(study.studyInstanceUid, ct.seriesInstanceUid, path.join(work, 'STS_001', 'CT'), {
        onProgress: (p) => progress.push(p.instances),
      });
      timings['WADO-RS of the CT series'] = `${retrieved.instances} instances, ${(retrieved.bytes / 1024 ** 2).toFixed(1)} MiB in ${Date.now() - started} ms`;
      expect(retrieved.instances).toBe(59);
      expect(progress.at(-1)).toBe(59);
      // The same instances and voxels as sent (storescu re-encodes the files, so their bytes differ a little).
      const originalDir = referencePath('sts', 'dicom', 'STS_001', 'CT', 'image');
      expect(retrieved.files.map(sopInstanceUid).sort()).toEqual(filesUnder(originalDir).map(sopInstanceUid).sort());
      const [sent, got] = [readDicomSeries(originalDir), readDicomSeries(retrieved.dir)];
      expect(got.geometry).toEqual(sent.geometry);
      expect(Buffer.from(got.data.buffer).equals(Buffer.from(sent.data.buffer))).toBe(true);
      ctDir = retrieved.dir;

      // The RTSTRUCT drawn on this CT: among the study's structure sets, the one naming the CT series.
      for (const rt of series.filter((s) => s.modality === 'RTSTRUCT')) {
        const dir = path.join(work, 'STS_001', `RT-${rt.seriesInstanceUid.slice(-8)}`);
        const got = await dicomweb.retrieveSeries(study.studyInstanceUid, rt.seriesInstanceUid, dir);
        const set = readStructureSet(readDicomObject(got.files[0], { expected: 'an RTSTRUCT' }));
        if (referencedSeriesOf(set, set.rois[0].frameOfReferenceUid).includes(ct.seriesInstanceUid)) rtDir = dir;
      }
      expect(rtDir).toBeDefined();
      expect(sopInstanceUid(path.join(rtDir, readdirSync(rtDir)[0]))).toBe(sopInstanceUid(referencePath('sts', 'dicom', 'STS_001', 'CT', 'mask', 'RS.dcm')));
    });

    it('de-identifies the CT series and its RTSTRUCT: no identifier in any byte, the same mask, the same UIDs twice', () => {
      const options = { secret, pseudonym: 'OSF-IT-0001' };
      const started = Date.now();
      const ct = deidentifySeries(ctDir, path.join(work, 'deid', 'CT'), options);
      timings['de-identification of the CT series'] = `${ct.files} files in ${Date.now() - started} ms (${ct.ms} ms inside)`;
      const rt = deidentifySeries(rtDir, path.join(work, 'deid', 'RT'), options);
      expect(ct.files).toBe(59);
      expect(rt.files).toBe(1);
      expect(rt.studyInstanceUids).toEqual(ct.studyInstanceUids);

      // Every original PatientName, PatientID, PatientBirthDate and AccessionNumber of the three patients, as the PACS
      // has them, searched for in every output byte (case-insensitive); empty values are nothing to find.
      const identifiers = new Set<string>();
      for (const json of studies.values()) {
        for (const tag of ['00100010', '00100020', '00100030', '00080050']) {
          const value = String(dicomValue(json, tag) ?? '').trim();
          if (value !== '') identifiers.add(value.toLowerCase());
        }
      }
      expect(identifiers.size).toBeGreaterThanOrEqual(6);
      const outputs = [...filesUnder(path.join(work, 'deid'))];
      let found = 0;
      for (const file of outputs) {
        const text = readFileSync(file).toString('latin1').toLowerCase();
        for (const id of identifiers) if (text.includes(id)) found++;
      }
      expect({ files: outputs.length, identifiers: identifiers.size, found }).toEqual({ files: 60, identifiers: identifiers.size, found: 0 });

      // The de-identified RTSTRUCT rasterises onto the de-identified series exactly as the original did on the original.
      const before = readDicomMask(path.join(rtDir, readdirSync(rtDir)[0]), ctDir);
      const after = readDicomMask(path.join(work, 'deid', 'RT', '000001.dcm'), path.join(work, 'deid', 'CT'));
      expect(after.name).toBe('GTV_Mass_CT');
      expect(after.mask.geometry).toEqual(before.mask.geometry);
      expect(Buffer.from(after.mask.data).equals(Buffer.from(before.mask.data))).toBe(true);
      expect(before.mask.data.reduce((s, v) => s + v, 0)).toBeGreaterThan(1000);
      expect(after.series.volume.seriesInstanceUid).toBe(ct.seriesInstanceUids[0]);

      // Re-ingest with the same secret: the same UIDs, the same bytes.
      const again = deidentifySeries(ctDir, path.join(work, 'deid-again', 'CT'), options);
      expect(again.seriesInstanceUids).toEqual(ct.seriesInstanceUids);
      expect(again.studyInstanceUids).toEqual(ct.studyInstanceUids);
      for (const file of readdirSync(path.join(work, 'deid', 'CT'))) {
        expect(sha(path.join(work, 'deid-again', 'CT', file))).toBe(sha(path.join(work, 'deid', 'CT', file)));
      }
    });

    it('refuses a series with BurnedInAnnotation = YES, saying why, and writes nothing', () => {
      // Built here from a retrieved file; no copy of patient data is kept.
      const series = path.join(work, 'burned');
      mkdirSync(series);
      const files = readdirSync(ctDir).slice(0, 3);
      files.forEach((name, i) => {
        const bytes = readFileSync(path.join(ctDir, name));
        if (i !== 1) {
          writeFileSync(path.join(series, name), bytes);
          return;
        }
        const dict = DicomMessage.readFile(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
        const ds = DicomMetaDictionary.naturalizeDataset(dict.dict);
        ds.BurnedInAnnotation = 'YES';
        const out = new DicomDict(dict.meta);
        out.dict = DicomMetaDictionary.denaturalizeDataset(ds);
        writeFileSync(path.join(series, name), Buffer.from(out.write()));
      });
      let error: unknown;
      try {
        deidentifySeries(series, path.join(work, 'burned-out'), { secret, pseudonym: 'OSF-IT-0001' });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(DeidentificationError);
      expect(error).toMatchObject({ code: 'burned-in-annotation', retryable: false, file: path.join(series, files[1]) });
      expect((error as Error).message).toMatch(/refused: BurnedInAnnotation \(0028,0301\) is YES, so its pixels may show identifying text/);
      expect((error as Error).message).not.toMatch(/STS_00\d/);
      expect(readdirSync(work).filter((n) => n.startsWith('burned-out') || n.includes('partial'))).toEqual([]);
    });

    it('stores a de-identified object by STOW-RS and sees its series become stable in the change feed', async () => {
      const orthancApi = new OrthancClient({ url: orthanc.url, credentials: orthanc.credentials });
      const cursor = await orthancApi.latestCursor();
      const file = path.join(work, 'deid', 'RT', '000001.dcm');
      const stored = await dicomweb.store([file]);
      expect(stored.failed).toEqual([]);
      expect(stored.stored).toHaveLength(1);
      const studyUid = readDicomObject(file, { expected: 'an RTSTRUCT' }).dataSet.string('x0020000d')!;
      const found = await dicomweb.searchStudies({ StudyInstanceUID: studyUid });
      expect(found.map((s) => dicomValue(s, '00100020'))).toEqual(['OSF-IT-0001']);
      // StableAge is 1 s here: the series shows up after it. Series uploaded earlier in this file may become stable in
      // the same window on a slow machine, so only the stored study's series are compared.
      let stable: Awaited<ReturnType<OrthancClient['stableSeries']>> | undefined;
      let ours: [string, string][] = [];
      for (let tries = 0; tries < 40; tries++) {
        stable = await orthancApi.stableSeries(cursor);
        ours = stable.series.filter((s) => s.studyInstanceUid === studyUid).map((s) => [s.studyInstanceUid, s.modality]);
        if (ours.length > 0) break;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      expect(ours).toEqual([[studyUid, 'RTSTRUCT']]);
      expect(stable!.cursor).toBeGreaterThan(cursor);
    });

    it('exports a mask as a DICOM SEG into the study of its image series, where it reads back as the same mask', async () => {
      const deidCt = path.join(work, 'deid', 'CT');
      const contour = readDicomMask(path.join(work, 'deid', 'RT', '000001.dcm'), deidCt);
      const series = readReferenceSeries(deidCt);
      // The de-identified CT joins its structure set in the PACS, as intake would leave it.
      expect((await dicomweb.store(filesUnder(deidCt))).failed).toEqual([]);
      const exported = await exportSegmentation(dicomweb, contour.mask, series, 'osteoflow-tumour-unet3d@1.0.0');
      expect(exported.studyInstanceUid).toBe(series.studyInstanceUid);
      // The PACS lists it as a SEG series of that study, beside the CT.
      const listed = (await dicomweb.searchSeries(series.studyInstanceUid)).map(seriesSummary);
      expect(listed.filter((s) => s.modality === 'SEG').map((s) => s.seriesInstanceUid)).toEqual([exported.seriesInstanceUid]);
      expect(listed.map((s) => s.seriesInstanceUid)).toContain(series.volume.seriesInstanceUid);
      // Retrieved as any viewer would, it rasterises to the mask it was written from, on the same grid.
      const back = await dicomweb.retrieveSeries(series.studyInstanceUid, exported.seriesInstanceUid, path.join(work, 'seg-back'));
      expect(back.instances).toBe(1);
      const reread = readDicomMask(back.files[0], deidCt);
      expect(reread.mask.geometry).toEqual(contour.mask.geometry);
      expect(Buffer.from(reread.mask.data).equals(Buffer.from(contour.mask.data))).toBe(true);
      const header = readDicomObject(back.files[0], { expected: 'a SEG', headerOnly: true }).dataSet;
      expect(header.string('x00100020')).toBe('OSF-IT-0001'); // the de-identified patient of the series
      expect(header.string('x0008103e')).toBe('Tumour (automatic, osteoflow-tumour-unet3d@1.0.0)');
    });

    it('answers a PACS that is down with a retryable error naming the route', async () => {
      const study = studySummary(studies.get('STS_001')!);
      await orthanc.stop();
      const search = await dicomweb.searchStudies({ PatientID: 'STS_001' }).catch((e: unknown) => e);
      expect(search).toBeInstanceOf(PacsUnavailableError);
      expect(search).toMatchObject({ retryable: true, route: '/dicom-web/studies' });
      expect((search as Error).message).toMatch(/^PACS GET \/dicom-web\/studies: no answer from http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\); expected/);
      expect((search as Error).message).not.toContain('STS_001');
      const retrieve = await dicomweb.retrieveSeries(study.studyInstanceUid, '1.2.3', path.join(work, 'down')).catch((e: unknown) => e);
      expect(retrieve).toBeInstanceOf(PacsUnavailableError);
      expect((retrieve as Error).message).not.toContain(study.studyInstanceUid);
      const send = await sendWithStorescu(orthanc.dicom, [referencePath('sts', 'dicom', 'STS_001', 'CT', 'mask')]).catch((e: unknown) => e);
      expect(send).toBeInstanceOf(PacsUnavailableError);
    });
  },
);
