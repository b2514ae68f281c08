import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { loadStudyFile, parseDuration, studyStoreOptions } from '../../../study/protocol';
import { DEFAULT_PARAMS_FILE } from '../../../cli/syntheticStudy';

const dir = mkdtempSync(path.join(os.tmpdir(), 'osteoflow-protocol-'));
const good = {
  studyId: 'OS-2026',
  timepoints: [
    { name: 'baseline', dueAfter: '0d', window: '21d', modalities: ['T1CE', 'T2', 'ADC', 'PET'] },
    { name: 'mid', dueAfter: '8w', window: '3w', modalities: ['T1CE', 'ADC'] },
  ],
  qc: { minSlices: 16 },
  segmentation: 'manual-required',
  features: { params: DEFAULT_PARAMS_FILE },
  model: { name: 'osteoflow-response' },
};

function write(name: string, content: unknown): string {
  const file = path.join(dir, name);
  writeFileSync(file, typeof content === 'string' ? content : YAML.stringify(content));
  return file;
}

const load = (file: string) => loadStudyFile(file, { storeRoot: '/data/studies' });

describe('study file', () => {
  it('loads a valid study with durations, defaults and the parameter hash', () => {
    const protocol = load(write('good.yaml', good));
    expect(protocol.timepoints[1]).toEqual({ name: 'mid', dueAfterMs: 8 * 7 * 86400000, windowMs: 21 * 86400000, modalities: ['T1CE', 'ADC'] });
    expect(protocol.qc).toEqual({ minSlices: 16, maxSpacingMm: 10, tumourVolumeMl: [0.1, 5000] });
    expect(protocol.features.paramHash).toMatch(/^[0-9a-f]{64}$/);
    expect(protocol.storeDir).toBe(path.join('/data/studies', 'OS-2026'));
  });

  it('has no store folder where workers share a store across hosts, and one under the data folder where they do not', () => {
    const file = write('store.yaml', good);
    expect(studyStoreOptions({ dataDir: '/srv/osteoflow', store: {} })).toEqual({ storeRoot: path.join('/srv/osteoflow', 'studies') });
    expect(loadStudyFile(file, studyStoreOptions({ dataDir: '/srv/osteoflow', store: {} })).storeDir).toBe('/srv/osteoflow/studies/OS-2026');
    const shared = studyStoreOptions({ dataDir: '/srv/osteoflow', store: { url: 'postgres://osteoflow@db.example/osteoflow' } });
    expect(shared).toEqual({});
    expect('storeDir' in loadStudyFile(file, shared)).toBe(false);
  });

  it('keeps the optional QC tolerances a study file sets, and leaves out those it does not', () => {
    const qc = { minSlices: 16, maskOriginTolerance: 0.05, maskSpacingTolerance: 0.002, constantImageMaxRange: 1.5, blankSliceMaxRange: 0 };
    expect(load(write('tolerances.yaml', { ...good, qc })).qc).toEqual({ ...qc, maxSpacingMm: 10, tumourVolumeMl: [0.1, 5000] });
    expect(load(write('one-tolerance.json', JSON.stringify({ ...good, qc: { blankSliceMaxRange: 2 } }))).qc).toEqual({
      minSlices: 8,
      maxSpacingMm: 10,
      tumourVolumeMl: [0.1, 5000],
      blankSliceMaxRange: 2,
    });
  });

  it("waits 30 minutes for a segmentation worker unless the study file's segmentation.workerWait says otherwise", () => {
    expect(load(write('wait-default.yaml', good)).segmentation).toEqual({ mode: 'manual-required', workerWaitMs: 30 * 60000 });
    const automatic = { ...good, segmentation: { mode: 'automatic-allowed', taskQueue: 'gpu-a100', workerWait: '2h' } };
    expect(load(write('wait-2h.yaml', automatic)).segmentation).toEqual({ mode: 'automatic-allowed', taskQueue: 'gpu-a100', workerWaitMs: 2 * 3600000 });
  });

  it('exports automatic masks to the PACS where the study takes its scans from there, unless it says otherwise', () => {
    const intake = { series: [{ modality: 'T1CE', dicomModality: ['MR'] }] };
    const automatic = { mode: 'automatic-allowed' };
    expect(load(write('export-intake.yaml', { ...good, segmentation: automatic, intake })).segmentation.exportToPacs).toBe(true);
    expect(load(write('export-off.yaml', { ...good, segmentation: { ...automatic, exportToPacs: false }, intake })).segmentation.exportToPacs).toBeUndefined();
    // No intake: the scans are not in the PACS, so nothing is sent there unless asked; manual masks are never sent.
    expect(load(write('export-no-intake.yaml', { ...good, segmentation: automatic })).segmentation.exportToPacs).toBeUndefined();
    expect(load(write('export-asked.yaml', { ...good, segmentation: { ...automatic, exportToPacs: true } })).segmentation.exportToPacs).toBe(true);
    expect(load(write('export-manual.yaml', { ...good, intake })).segmentation.exportToPacs).toBeUndefined();
  });

  it("reads the study's de-identification choices, with none (dates shifted, burned-in annotation refused) by default", () => {
    expect(load(write('deid-default.yaml', good)).deidentification).toBeUndefined();
    expect(load(write('deid-keep.yaml', { ...good, deidentification: { dates: 'keep' } })).deidentification).toEqual({
      dates: 'keep',
      allowBurnedInAnnotation: false,
    });
    expect(load(write('deid-burned.yaml', { ...good, deidentification: { allowBurnedInAnnotation: true } })).deidentification).toEqual({
      dates: 'shift',
      allowBurnedInAnnotation: true,
    });
  });

  it('takes the first wait before a prediction is tried again from model.retryAfter, and none by default', () => {
    expect(load(write('retry-default.yaml', good)).model).toEqual({ name: good.model.name });
    expect(load(write('retry-1h.yaml', { ...good, model: { ...good.model, retryAfter: '1h' } })).model).toEqual({
      name: good.model.name,
      retryAfterMs: 3600000,
    });
  });

  it('parses durations in s, m, h, d, w', () => {
    expect([parseDuration('30s'), parseDuration('2h'), parseDuration('1.5d'), parseDuration('14 d')]).toEqual([30000, 7200000, 129600000, 1209600000]);
    expect(parseDuration('two weeks')).toBeUndefined();
  });

  it.each([
    ['studyId', { ...good, studyId: 'OS 2026' }, /'studyId' must be 1–64 letters, digits/],
    ['unknown key', { ...good, timepoint: [] }, /'timepoint' must be absent \(unknown key/],
    [
      'duration',
      { ...good, timepoints: [{ ...good.timepoints[0], window: 'two weeks' }] },
      /'timepoints\[0\]\.window' must be a duration such as 14d or 2w, got "two weeks"/,
    ],
    [
      'modality',
      { ...good, timepoints: [{ ...good.timepoints[0], modalities: ['T1CE', 'MRI'] }] },
      /'timepoints\[0\]\.modalities\[1\]' must be one of T1, T1CE/,
    ],
    [
      'order',
      { ...good, timepoints: [good.timepoints[1], good.timepoints[0]] },
      /'timepoints\[1\]\.dueAfter' must be not earlier than timepoints\[0\]\.dueAfter/,
    ],
    ['duplicate', { ...good, timepoints: [good.timepoints[0], good.timepoints[0]] }, /'timepoints\[1\]\.name' must be unique/],
    ['segmentation', { ...good, segmentation: 'ai' }, /'segmentation\.mode' must be 'manual-required' or 'automatic-allowed'/],
    [
      'segmentation worker wait',
      { ...good, segmentation: { mode: 'automatic-allowed', workerWait: 'a while' } },
      /'segmentation\.workerWait' must be a duration such as 30m or 2h, got "a while"$/,
    ],
    [
      'zero segmentation worker wait',
      { ...good, segmentation: { mode: 'automatic-allowed', workerWait: '0s' } },
      /'segmentation\.workerWait' must be a duration longer than zero, got "0s"$/,
    ],
    [
      'mask export not a boolean',
      { ...good, segmentation: { mode: 'automatic-allowed', exportToPacs: 'yes' } },
      /'segmentation\.exportToPacs' must be true or false, got "yes"$/,
    ],
    [
      'mask export of manual masks',
      { ...good, segmentation: { mode: 'manual-required', exportToPacs: true } },
      /'segmentation\.exportToPacs' must be false where segmentation\.mode is 'manual-required' \(no automatic mask to export\), got true$/,
    ],
    [
      'de-identification dates',
      { ...good, deidentification: { dates: 'remove' } },
      /'deidentification\.dates' must be 'shift' \(moved by the patient's offset\) or 'keep', got "remove"$/,
    ],
    [
      'de-identification burned-in',
      { ...good, deidentification: { allowBurnedInAnnotation: 'sometimes' } },
      /'deidentification\.allowBurnedInAnnotation' must be true or false, got "sometimes"$/,
    ],
    ['de-identification key', { ...good, deidentification: { pixels: 'clean' } }, /'deidentification\.pixels' must be absent \(unknown key/],
    ['qc volume', { ...good, qc: { tumourVolumeMl: [10, 1] } }, /'qc\.tumourVolumeMl' must be \[min, max\] in ml/],
    [
      'qc origin tolerance',
      { ...good, qc: { maskOriginTolerance: -0.1 } },
      /'qc\.maskOriginTolerance' must be a number ≥ 0 \(a fraction of the image's voxel spacing\), got -0\.1$/,
    ],
    [
      'qc spacing tolerance',
      { ...good, qc: { maskSpacingTolerance: '1%' } },
      /'qc\.maskSpacingTolerance' must be a number ≥ 0 \(a fraction of the image's voxel spacing\), got "1%"$/,
    ],
    [
      'qc constant range',
      { ...good, qc: { minSlices: 12, constantImageMaxRange: null } },
      /'qc\.constantImageMaxRange' must be a number ≥ 0 \(an intensity range\), got null$/,
    ],
    ['qc blank range', { ...good, qc: { blankSliceMaxRange: [0, 1] } }, /'qc\.blankSliceMaxRange' must be a number ≥ 0 \(an intensity range\), got \[0,1\]$/],
    [
      'qc key',
      { ...good, qc: { blankSliceRange: 1 } },
      /'qc\.blankSliceRange' must be absent \(unknown key; expected one of minSlices, maxSpacingMm, tumourVolumeMl, maskOriginTolerance, maskSpacingTolerance, maskDirectionTolerance, constantImageMaxRange, blankSliceMaxRange, mapFitFailureMaxFraction, mapOutOfRangeMaxFraction\)/,
    ],
    ['model', { ...good, model: {} }, /'model\.name' must be the registered model name/],
    ['prediction retry', { ...good, model: { name: 'm', retryAfter: 'soon' } }, /'model\.retryAfter' must be a duration such as 5m or 1h, got "soon"$/],
    ['zero prediction retry', { ...good, model: { name: 'm', retryAfter: '0m' } }, /'model\.retryAfter' must be a duration longer than zero, got "0m"$/],
    ['model key', { ...good, model: { name: 'm', retry: '5m' } }, /'model\.retry' must be absent \(unknown key; expected one of name, retryAfter\)/],
  ])('rejects a bad %s, naming the file and the key', (_what, content, message) => {
    const file = write('bad.yaml', content);
    expect(() => load(file)).toThrow(message);
    expect(() => load(file)).toThrow(new RegExp(`^study file ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: `));
  });

  it('rejects a bad parameter file at enrolment, with its own key path', () => {
    const params = write('bad-params.yaml', { setting: { binWidht: 25 } });
    expect(() => load(write('with-bad-params.yaml', { ...good, features: { params } }))).toThrow(/binWidht/);
  });

  it('rejects a file that is not YAML', () => {
    expect(() => load(write('broken.yaml', 'studyId: [unclosed'))).toThrow(/not valid YAML/);
  });
});
