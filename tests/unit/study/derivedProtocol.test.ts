// The study file's derived maps, series settings and regions: what a valid file gives, and each mistake refused with
// the file, the key path and what was expected.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { loadStudyFile } from '../../../study/protocol';
import { DEFAULT_PARAMS_FILE } from '../../../cli/syntheticStudy';
import { derivedMapsOf, regionModality, seriesSourcesOf } from '../../../contracts/study';

const dir = mkdtempSync(path.join(os.tmpdir(), 'osteoflow-derived-protocol-'));
const times = Array.from({ length: 12 }, (_, i) => i * 10);
const good = {
  studyId: 'OS-MAPS',
  timepoints: [
    { name: 'baseline', dueAfter: '0d', window: '21d', modalities: ['T1CE', 'DWI', 'DCE'], derived: ['ADC', 'DCE_Ktrans'] },
    { name: 'mid', dueAfter: '8w', window: '3w', modalities: ['T1CE', 'DWI'], derived: ['ADC'] },
  ],
  series: {
    DWI: { bValues: [0, 200, 500, 800] },
    DCE: { times, t1: 1400, flipAngle: 15, tr: 5 },
  },
  regions: [{ name: 'shell_0_5mm', shell: [0, 5], modalities: ['T1CE', 'ADC'], body: { modality: 'T1CE', threshold: 50 } }],
  segmentation: 'manual-required',
  features: { params: DEFAULT_PARAMS_FILE },
  model: { name: 'osteoflow-response' },
};

let n = 0;
function load(content: unknown) {
  const file = path.join(dir, `study-${n++}.yaml`);
  writeFileSync(file, YAML.stringify(content));
  return { file, load: () => loadStudyFile(file, { storeRoot: '/data/studies' }) };
}

/** The good study with `edit` applied to a deep copy. */
function variant(edit: (study: typeof good & Record<string, unknown>) => void) {
  const study = structuredClone(good) as typeof good & Record<string, unknown>;
  edit(study);
  return load(study);
}

function expectError(edit: (study: typeof good & Record<string, unknown>) => void, key: string, expected: string) {
  const { file, load: run } = variant(edit);
  expect(run).toThrow(`study file ${file}: '${key}' must be ${expected}`);
}

describe('derived maps in the study file', () => {
  it('loads maps, their series settings (with defaults) and regions', () => {
    const protocol = load(good).load();
    expect(protocol.timepoints.map((t) => t.derived)).toEqual([['ADC', 'DCE_Ktrans'], ['ADC']]);
    expect(protocol.series).toEqual({
      DWI: { bValues: [0, 200, 500, 800] },
      DCE: { times, aif: 'parker', model: 'tofts', t1Ms: 1400, flipDeg: 15, trMs: 5, baselineFrames: 3 },
    });
    expect(protocol.regions).toEqual([{ name: 'shell_0_5mm', shell: [0, 5], modalities: ['T1CE', 'ADC'], body: { modality: 'T1CE', threshold: 50 } }]);
    expect(derivedMapsOf(protocol, 'baseline')).toEqual(['ADC', 'DCE_Ktrans']);
    expect(seriesSourcesOf(protocol, 'baseline')).toEqual(['DWI', 'DCE']);
    expect(seriesSourcesOf(protocol, 'mid')).toEqual(['DWI']);
    expect(regionModality('ADC', 'shell_0_5mm')).toBe('ADC@shell_0_5mm');
  });

  it('reads b-values and times from DICOM tags when the study says so, flip angle and TR then optional', () => {
    const protocol = variant((s) => {
      s.series = { DWI: { bValues: 'dicom' }, DCE: { times: 'dicom', t1: 1400 } } as never;
    }).load();
    expect(protocol.series).toEqual({ DWI: { bValues: 'dicom' }, DCE: { times: 'dicom', aif: 'parker', model: 'tofts', t1Ms: 1400, baselineFrames: 3 } });
  });

  it('leaves protocols without maps or regions as they were', () => {
    const protocol = variant((s) => {
      s.timepoints = [{ name: 'baseline', dueAfter: '0d', window: '21d', modalities: ['T1CE', 'DWI'] }] as never;
      delete (s as Record<string, unknown>).series;
      delete (s as Record<string, unknown>).regions;
    }).load();
    expect(protocol.timepoints[0]).toEqual({ name: 'baseline', dueAfterMs: 0, windowMs: 21 * 86400000, modalities: ['T1CE', 'DWI'] });
    expect('series' in protocol || 'regions' in protocol).toBe(false);
    expect(seriesSourcesOf(protocol, 'baseline')).toEqual([]);
  });

  it('refuses an unknown map', () => {
    expectError((s) => (s.timepoints[0].derived = ['ADC', 'ADC_mean']), 'timepoints[0].derived[1]', 'one of ADC, IVIM_D');
  });

  it('refuses a map without its source series in the timepoint', () => {
    expectError(
      (s) => (s.timepoints[1].derived = ['DCE_Ktrans']),
      'timepoints[1].derived[0]',
      'a map whose source series DCE is among timepoints[1].modalities (T1CE, DWI), got "DCE_Ktrans"',
    );
  });

  it('refuses a map that is also acquired', () => {
    expectError(
      (s) => (s.timepoints[1].modalities = ['T1CE', 'DWI', 'ADC']),
      'timepoints[1].derived[0]',
      'not also an acquired modality (ADC is listed in timepoints[1].modalities)',
    );
  });

  it('refuses maps without the settings of their series', () => {
    expectError(
      (s) => delete (s as Record<string, unknown>).series,
      'series.DWI',
      'the settings of the DWI series (bValues) that ADC in timepoints[0].derived is computed from',
    );
    expectError((s) => delete (s.series as Record<string, unknown>).DCE, 'series.DCE', 'the settings of the DCE series that DCE_Ktrans is computed from');
  });

  it('refuses missing or single b-values', () => {
    expectError(
      (s) => delete (s.series.DWI as Record<string, unknown>).bValues,
      'series.DWI.bValues',
      "the b-values in s/mm² (one per volume of the 4D series), or 'dicom'",
    );
    expectError(
      (s) => (s.series.DWI.bValues = [800, 800]),
      'series.DWI.bValues',
      'at least 2 distinct b-values (one b-value gives no diffusion fit), got [800,800]',
    );
    expectError((s) => (s.series.DWI.bValues = [0, -5]), 'series.DWI.bValues[1]', 'a b-value ≥ 0 s/mm², got -5');
  });

  it('asks IVIM maps for b-values on both sides of 200 s/mm²', () => {
    expectError(
      (s) => (s.timepoints[1].derived = ['ADC', 'IVIM_D']),
      'series.DWI.bValues',
      'for IVIM maps: b = 0, a b-value between 0 and 200 s/mm² and 2 distinct b-values ≥ 200 s/mm²',
    );
  });

  it('refuses missing, unsorted or too few DCE times', () => {
    expectError(
      (s) => delete (s.series.DCE as Record<string, unknown>).times,
      'series.DCE.times',
      "the frame times in s (one per frame of the 4D series), or 'dicom'",
    );
    expectError(
      (s) => (s.series.DCE.times = [0, 10, 20, 15, 40, 50, 60, 70, 80]),
      'series.DCE.times[3]',
      'a time after series.DCE.times[2] (20 s): times strictly increasing, got 15',
    );
    expectError(
      (s) => (s.series.DCE.times = [0, 10, 20, 30, 40, 50]),
      'series.DCE.times',
      `at least 7 frame times (3 baseline frames, then the tofts model's parameters + 2), got "6 times"`,
    );
  });

  it('refuses DCE_vp without the extended model, and a DCE series without T1 or sequence', () => {
    expectError((s) => (s.timepoints[0].derived = ['DCE_vp']), 'series.DCE.model', "'extended' (the map DCE_vp comes from the extended Tofts model)");
    expectError((s) => delete (s.series.DCE as Record<string, unknown>).t1, 'series.DCE.t1', 'the fixed native T1 in ms (> 0)');
    expectError((s) => delete (s.series.DCE as Record<string, unknown>).tr, 'series.DCE.tr', 'the repetition time in ms (> 0)');
    expectError((s) => ((s.series.DCE as Record<string, unknown>).aif = 'measured'), 'series.DCE.aif', "'parker' (the population AIF of Parker et al. 2006)");
  });

  it('refuses bad regions', () => {
    expectError((s) => (s.regions[0].shell = [5, 3]), 'regions[0].shell', '[from, to] in mm from the tumour surface, 0 ≤ from < to, got [5,3]');
    expectError(
      (s) => (s.regions[0].modalities = ['T1CE', 'DWI']),
      'regions[0].modalities[1]',
      'an image modality or map of a timepoint (T1CE, ADC, DCE_Ktrans), got "DWI"',
    );
    expectError((s) => (s.regions = [s.regions[0], s.regions[0]]), 'regions[1].name', 'unique across regions, got "shell_0_5mm"');
    expectError((s) => (s.regions[0].name = '0-5 mm'), 'regions[0].name', "a name of letters, digits and '_' such as shell_0_5mm");
    expectError(
      (s) => (s.regions[0].body.modality = 'DCE_Ktrans'),
      'regions[0].body.modality',
      'an image modality or map of every timepoint the region applies to (timepoints[1] has T1CE, ADC), got "DCE_Ktrans"',
    );
  });

  it('takes the pixel spacing of PNG and JPEG radiographs (XR) from series.XR', () => {
    const protocol = variant((s) => {
      s.timepoints[1].modalities.push('XR');
      (s.series as Record<string, unknown>).XR = { pixelSpacing: [0.15, 0.2] };
    }).load();
    expect(protocol.series!.XR).toEqual({ pixelSpacing: [0.15, 0.2] });
    expectError(
      (s) => ((s.series as Record<string, unknown>).XR = { pixelSpacing: [0.15] }),
      'series.XR.pixelSpacing',
      '[x, y]: the pixel spacing in mm between columns and between rows, both > 0, got [0.15]',
    );
  });

  it('keeps the map QC thresholds, refusing negative ones', () => {
    expect(variant((s) => ((s as Record<string, unknown>).qc = { mapFitFailureMaxFraction: 0.05, mapOutOfRangeMaxFraction: 0.2 })).load().qc).toMatchObject({
      mapFitFailureMaxFraction: 0.05,
      mapOutOfRangeMaxFraction: 0.2,
    });
    expectError(
      (s) => ((s as Record<string, unknown>).qc = { mapFitFailureMaxFraction: -1 }),
      'qc.mapFitFailureMaxFraction',
      "a number ≥ 0 (a fraction of a map's voxels)",
    );
  });
});
