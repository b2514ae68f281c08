// The study file's functional inputs beyond DWI and DCE: a VFA series (T1map, the DCE fit's native T1), an AIF sampled
// in an ARTERY mask, a marrow region from a BONE mask or a CT threshold, and a PET_DELAYED series; what a valid file
// gives, and each mistake refused with the file, the key path and what was expected.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { loadStudyFile } from '../../../study/protocol';
import { DEFAULT_PARAMS_FILE } from '../../../cli/syntheticStudy';
import { seriesSourcesOf } from '../../../contracts/study';

const dir = mkdtempSync(path.join(os.tmpdir(), 'osteoflow-functional-protocol-'));
const times = Array.from({ length: 12 }, (_, i) => i * 10);
const good = {
  studyId: 'OS-FUNC',
  timepoints: [
    {
      name: 'baseline',
      dueAfter: '0d',
      window: '21d',
      modalities: ['T1CE', 'DCE', 'VFA', 'ARTERY', 'BONE', 'PET', 'PET_DELAYED'],
      derived: ['T1map', 'DCE_Ktrans'],
    },
    { name: 'mid', dueAfter: '8w', window: '3w', modalities: ['T1CE', 'DCE', 'VFA', 'ARTERY', 'BONE'], derived: ['DCE_Ktrans'] },
  ],
  series: {
    DCE: { times, aif: 'roi', flipAngle: 15, tr: 5 },
    VFA: { flipAngles: [2, 5, 10, 15], tr: 5 },
  },
  regions: [{ name: 'marrow', marrow: { bone: 'BONE' }, modalities: ['T1CE', 'DCE_Ktrans'] }],
  segmentation: 'manual-required',
  features: { params: DEFAULT_PARAMS_FILE },
  model: { name: 'osteoflow-response' },
};
type Study = typeof good & Record<string, unknown>;

let n = 0;
function variant(edit: (study: Study) => void = () => {}) {
  const study = structuredClone(good) as Study;
  edit(study);
  const file = path.join(dir, `study-${n++}.yaml`);
  writeFileSync(file, YAML.stringify(study));
  return { file, load: () => loadStudyFile(file, { storeRoot: '/data/studies' }) };
}

function expectError(edit: (study: Study) => void, key: string, expected: string) {
  const { file, load } = variant(edit);
  expect(load).toThrow(`study file ${file}: '${key}' must be ${expected}`);
}

describe('functional inputs in the study file', () => {
  it('loads a VFA series, an ROI AIF without a fixed T1 (every DCE timepoint has VFA), and a marrow region', () => {
    const protocol = variant().load();
    expect(protocol.series).toEqual({
      VFA: { flipAngles: [2, 5, 10, 15], trMs: 5 },
      DCE: { times, aif: 'roi', model: 'tofts', flipDeg: 15, trMs: 5, baselineFrames: 3 },
    });
    expect(protocol.regions).toEqual([{ name: 'marrow', marrow: { bone: 'BONE' }, modalities: ['T1CE', 'DCE_Ktrans'] }]);
    // The 4D series and the masks registered as scans are read, never extracted.
    expect(seriesSourcesOf(protocol, 'baseline')).toEqual(['VFA', 'DCE', 'ARTERY', 'BONE']);
    const ct = variant((s) => (s.regions = [{ name: 'marrow', marrow: { threshold: 200, modality: 'CT' } as never, modalities: ['T1CE'] }]));
    expect(() => ct.load()).toThrow(`'regions[0].marrow.modality' must be an image modality of every timepoint the region applies to, such as CT`);
    const withCt = variant((s) => {
      s.timepoints.forEach((t) => t.modalities.push('CT'));
      s.regions = [{ name: 'marrow', marrow: { threshold: 200, modality: 'CT' } as never, modalities: ['T1CE'] }];
    }).load();
    expect(withCt.regions).toEqual([{ name: 'marrow', marrow: { modality: 'CT', threshold: 200 }, modalities: ['T1CE'] }]);
  });

  it('keeps the fixed T1 as the fallback where a DCE timepoint has no VFA series', () => {
    expectError(
      (s) => (s.timepoints[1].modalities = ['T1CE', 'DCE', 'ARTERY', 'BONE']),
      'series.DCE.t1',
      'the fixed native T1 in ms (> 0), used where a timepoint acquires no VFA series (timepoints[1] has none)',
    );
    const protocol = variant((s) => {
      s.timepoints[1].modalities = ['T1CE', 'DCE', 'ARTERY', 'BONE'];
      (s.series.DCE as Record<string, unknown>).t1 = 1400;
    }).load();
    expect(protocol.series!.DCE!.t1Ms).toBe(1400);
  });

  it('refuses bad VFA settings', () => {
    expectError(
      (s) => delete (s.series as Record<string, unknown>).VFA,
      'series.VFA',
      'the settings of the VFA series (flipAngles, tr) that timepoints[0] acquires',
    );
    expectError((s) => (s.series.VFA.flipAngles = [5, 5]), 'series.VFA.flipAngles', 'at least 2 different flip angles (one gives no T1 fit)');
    expectError((s) => (s.series.VFA.flipAngles = [5, 95]), 'series.VFA.flipAngles[1]', 'a flip angle in degrees, 0 < α ≤ 90, got 95');
    expectError((s) => delete (s.series.VFA as Record<string, unknown>).tr, 'series.VFA.tr', 'the repetition time in ms (> 0)');
    expectError((s) => ((s.series.VFA as Record<string, unknown>).te = 2), 'series.VFA.te', 'absent (unknown key; expected one of flipAngles, tr, method)');
    expectError(
      (s) => {
        s.timepoints.forEach((t) => (t.modalities = t.modalities.filter((m) => m !== 'VFA')));
        s.timepoints[0].derived = ['DCE_Ktrans'];
        (s.series.DCE as Record<string, unknown>).t1 = 1400;
      },
      'series.VFA',
      'absent (no timepoint lists VFA among its modalities)',
    );
    // 'dicom': flip angles and TR from the tags.
    const dicom = variant((s) => (s.series.VFA = { flipAngles: 'dicom' } as never)).load();
    expect(dicom.series!.VFA).toEqual({ flipAngles: 'dicom' });
  });

  it('refuses an ROI AIF without an ARTERY mask at a DCE timepoint, and an unknown AIF', () => {
    expectError(
      (s) => (s.timepoints[1].modalities = ['T1CE', 'DCE', 'VFA', 'BONE']),
      'timepoints[1].modalities',
      "ARTERY among them (series.DCE.aif is 'roi': the AIF is sampled in the ARTERY mask registered at each DCE timepoint)",
    );
    expectError(
      (s) => ((s.series.DCE as Record<string, unknown>).aif = 'measured'),
      'series.DCE.aif',
      "'parker' (the population AIF of Parker et al. 2006) or 'roi'",
    );
  });

  it('refuses bad marrow regions', () => {
    expectError(
      (s) => ((s.regions[0] as Record<string, unknown>).shell = [0, 5]),
      'regions[0]',
      'exactly one of shell ([from, to] mm) and marrow ({ bone: BONE } or { threshold: HU, modality: CT })',
    );
    expectError((s) => (s.regions[0].marrow = { bone: 'T1CE' }), 'regions[0].marrow.bone', 'BONE (the modality the bone mask is registered as), got "T1CE"');
    expectError(
      (s) => (s.timepoints[1].modalities = ['T1CE', 'DCE', 'VFA', 'ARTERY']),
      'regions[0].marrow.bone',
      'a BONE mask at every timepoint the region applies to (timepoints[1] lists T1CE, DCE, VFA, ARTERY)',
    );
    expectError(
      (s) => {
        s.timepoints.forEach((t) => t.modalities.push('CT'));
        s.regions[0].marrow = { threshold: 'high', modality: 'CT' } as never;
      },
      'regions[0].marrow.threshold',
      'a number (HU at or above which a voxel is bone), got "high"',
    );
    // Masks registered as scans and 4D series are not extracted, so no region is cut on them.
    expectError(
      (s) => (s.regions[0].modalities = ['BONE']),
      'regions[0].modalities[0]',
      'an image modality or map of a timepoint (T1CE, PET, PET_DELAYED, T1map, DCE_Ktrans), got "BONE"',
    );
  });
});
