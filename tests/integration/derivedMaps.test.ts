// Derived maps and a peritumoral shell through a patient's timeline on the real stack: a synthetic study whose visits
// acquire a 4-b DWI and a Parker-AIF DCE series, and whose study file derives ADC and DCE_Ktrans and names a 0–5 mm
// shell on T1CE, ADC and DCE_Ktrans. A DWI with a volume missing fails QC on the map it should give (nothing stored);
// once re-scanned, both timepoints complete: the maps are stored with their SHA-256, their features (tumour and
// shell) stored, and the deltas between the timepoints pair the same map and region. Expected values come from the
// generator's ground truth (the ADC image the DWI was made from, the tumour Ktrans of each visit).
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { enrolPatient, readTimeline, registerScan } from '../../clients/coordinator';
import { resultsStorePath } from '../../store';
import { SqliteResultsStore } from '../../store/sqliteStore';
import { loadStudyFile } from '../../study/protocol';
import { writeSyntheticStudyFile } from '../../cli/syntheticStudy';
import { functionalSeriesSettings, writeStudy } from '../../synthetic';
import { readImage } from '../../imaging/io';
import { readNiftiSeries, writeNiftiSeries } from '../../imaging/io/nifti';
import { connectHarness, eventually, recordHistory, type Harness } from './support/pipeline';

jest.setTimeout(240000);

let harness: Harness;
beforeAll(async () => {
  harness = await connectHarness();
});
afterAll(async () => harness?.close());

const median = (values: number[]) => {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

it('derives ADC and DCE_Ktrans, QCs them, extracts them and a peritumoral shell, and stores their deltas', async () => {
  const started = Date.now();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'osteoflow-derived-maps-'));
  const source = path.join(dir, 'source');
  const manifest = writeStudy({ seed: 7, patients: 1, outDir: source, size: [48, 48, 16], functional: { dwi: {}, dce: { frames: 24 } } });
  const patient = manifest.patients[0];
  const [baseline, mid] = patient.timepoints;
  // Shape, first order and GLCM in 32 bins: a bin count suits maps in any unit.
  const paramsFile = path.join(dir, 'maps.yaml');
  writeFileSync(
    paramsFile,
    YAML.stringify({ imageType: { Original: {} }, featureClass: { shape: null, firstorder: null, glcm: null }, setting: { binCount: 32 } }),
  );
  const shell = { name: 'shell_0_5mm', shell: [0, 5], modalities: ['T1CE', 'ADC', 'DCE_Ktrans'] };
  const studyId = `IT-MAPS-${Date.now().toString(36)}`;
  const studyFile = writeSyntheticStudyFile(dir, {
    studyId,
    paramsFile,
    timepoints: 2,
    functional: { series: functionalSeriesSettings(manifest.functional!), derived: ['ADC', 'DCE_Ktrans'], regions: [shell] },
  });
  const protocol = loadStudyFile(studyFile, { storeRoot: path.join(dir, 'store') });
  expect(protocol.timepoints.map((t) => [t.modalities, t.derived])).toEqual([
    [
      ['T1CE', 'T2', 'PET', 'DWI', 'DCE'],
      ['ADC', 'DCE_Ktrans'],
    ],
    [
      ['T1CE', 'T2', 'PET', 'DWI', 'DCE'],
      ['ADC', 'DCE_Ktrans'],
    ],
  ]);

  // A DWI that lost its last volume: 3 volumes for the study's 4 b-values.
  const dwi = readNiftiSeries(path.join(source, baseline.functionalFiles!.DWI!));
  const voxels = dwi.geometry.size[0] * dwi.geometry.size[1] * dwi.geometry.size[2];
  const shortDwi = path.join(dir, 'DWI-3-volumes.nii.gz');
  writeNiftiSeries(shortDwi, { geometry: dwi.geometry, frames: 3, data: dwi.data.slice(0, 3 * voxels) });

  const files = (tp: typeof baseline, dwiFile?: string) => ({
    T1CE: path.join(source, tp.files.T1CE),
    T2: path.join(source, tp.files.T2),
    PET: path.join(source, tp.files.PET),
    mask: path.join(source, tp.files.mask),
    DWI: dwiFile ?? path.join(source, tp.functionalFiles!.DWI!),
    DCE: path.join(source, tp.functionalFiles!.DCE!),
  });
  const pipeline = await harness.startWorker();
  const store = new SqliteResultsStore(resultsStorePath(harness.cfg));
  try {
    await pipeline.worker.runUntil(async () => {
      const handle = await enrolPatient(harness.client, harness.cfg.taskQueues.pipeline, protocol, patient.pseudonym, { ...patient.clinical });
      for (const [modality, file] of Object.entries(files(baseline, shortDwi))) await registerScan(handle, { timepoint: 'baseline', modality, source: file });
      const failed = await eventually(
        () => readTimeline(handle),
        (v) => v.timepoints[0].status === 'qc-failed/awaiting-rescan',
        120000,
        'QC failed on the ADC of a DWI with a volume missing',
      );
      expect(failed.timepoints[0].qc!.findings).toEqual([
        {
          code: 'map-underivable',
          modality: 'ADC',
          message: `ADC: cannot be computed from DWI (file ${shortDwi}, field 'b-values': 4 b-values given for 3 volumes (dim[4]) (expected one b-value per volume of the 4th dimension (3)))`,
        },
      ]);
      // Nothing of the failed run's maps was stored: neither ADC nor the DCE_Ktrans its good DCE would have given.
      const afterFailure = await store.listScans({ studyId, pseudonym: patient.pseudonym, timepoint: 'baseline' });
      expect(afterFailure.filter((s) => s.modality === 'ADC' || s.modality === 'DCE_Ktrans')).toEqual([]);

      await registerScan(handle, { timepoint: 'baseline', modality: 'DWI', source: files(baseline).DWI });
      for (const [modality, file] of Object.entries(files(mid))) await registerScan(handle, { timepoint: 'mid', modality, source: file });
      const done = await eventually(
        () => readTimeline(handle),
        (v) => v.timepoints.every((t) => t.status === 'done'),
        180000,
        'both timepoints done',
      );
      const expectedSets = ['ADC', 'ADC@shell_0_5mm', 'DCE_Ktrans', 'DCE_Ktrans@shell_0_5mm', 'PET', 'T1CE', 'T1CE@shell_0_5mm', 'T2'];
      for (const tp of done.timepoints) {
        expect(tp.qc).toMatchObject({ passed: true, reasons: [] });
        expect([...tp.featureSet!.modalities].sort()).toEqual(expectedSets);
      }
      expect(done.timepoints[1].deltas!.named.deltaAdcMean).not.toBeNull();
      await recordHistory(harness, `${handle.workflowId}/mid/run-1`, 'timepoint-derived-maps');
    });

    const key = (timepoint: string) => ({ studyId, pseudonym: patient.pseudonym, timepoint });
    for (const tp of [baseline, mid]) {
      // Each map stored beside the scans with the SHA-256 of its file.
      const scans = await store.listScans(key(tp.name));
      const maps = scans.filter((s) => s.modality === 'ADC' || s.modality === 'DCE_Ktrans');
      expect(maps.map((s) => s.modality).sort()).toEqual(['ADC', 'DCE_Ktrans']);
      for (const map of maps) {
        expect(path.dirname(map.path)).toBe(`${patient.pseudonym}/${tp.name}`); // relative to the study's folder
        expect(
          createHash('sha256')
            .update(readFileSync(path.join(protocol.storeDir!, map.path)))
            .digest('hex'),
        ).toBe(map.sha256);
      }
      // The maps recover the generator's truth in the tumour: ADC against the ADC image the DWI was made from, Ktrans
      // against the visit's tumour Ktrans. At SNR 20 (b = 0) a voxel's log-linear ADC scatters by about 10 % (more in
      // necrosis, where b = 800 leaves an SNR of 3), which moves the tumour's median by a few per cent: 10 % bounds it.
      const sets = new Map((await store.getFeatureSets(key(tp.name), protocol.features.paramHash)).map((s) => [s.modality, s.features]));
      const mask = readImage(path.join(source, tp.files.mask));
      const adcImage = readImage(path.join(source, tp.files.ADC));
      const truthAdc = median([...mask.data].flatMap((m, i) => (m ? [adcImage.data[i]] : [])));
      const adcMedian = sets.get('ADC')!.original_firstorder_Median;
      expect(Math.abs(adcMedian - truthAdc) / truthAdc).toBeLessThan(0.1);
      const ktrans = sets.get('DCE_Ktrans')!.original_firstorder_Median;
      expect(Math.abs(ktrans - tp.functionalTruth!.dce!.tumour.ktrans) / tp.functionalTruth!.dce!.tumour.ktrans).toBeLessThan(0.05);
      // The shell lies outside the tumour: its Ktrans is the background's (0.05/min), not the tumour's.
      expect(Math.abs(sets.get('DCE_Ktrans@shell_0_5mm')!.original_firstorder_Median - 0.05)).toBeLessThan(0.01);
      console.log(
        `${tp.name}: ADC median ${adcMedian.toFixed(0)} (truth ${truthAdc.toFixed(0)}) 1e-6 mm²/s, Ktrans median ${ktrans.toFixed(4)} (truth ${tp.functionalTruth!.dce!.tumour.ktrans.toFixed(4)}) /min, shell ${sets.get('T1CE@shell_0_5mm')!.original_shape_VoxelVolume} mm³`,
      );
    }
    // Deltas pair each map and region with itself at baseline.
    const deltas = await store.getDeltas(key('mid'));
    const delta = (modality: string, feature: string) => deltas.find((d) => d.modality === modality && d.feature === feature && d.reference === 'baseline');
    for (const modality of ['ADC', 'DCE_Ktrans', 'T1CE@shell_0_5mm', 'ADC@shell_0_5mm', 'DCE_Ktrans@shell_0_5mm'])
      expect([modality, delta(modality, 'original_firstorder_Mean') !== undefined]).toEqual([modality, true]);
    const ktransChange = mid.functionalTruth!.dce!.tumour.ktrans / baseline.functionalTruth!.dce!.tumour.ktrans - 1;
    expect(delta('DCE_Ktrans', 'original_firstorder_Median')!.relative).toBeCloseTo(ktransChange, 1);
  } finally {
    await store.close();
    await pipeline.close();
    console.log(
      `derived maps timeline (48×48×16, DWI 4 b-values, DCE 24 frames, two timepoints, one re-scan): ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
  }
});
