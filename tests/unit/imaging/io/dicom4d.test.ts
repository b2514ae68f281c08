// 4D MR series from DICOM folders (files written here with dcmjs): a multi-b DWI told apart by DiffusionBValue or a
// vendor's private b-value, a variable-flip-angle series by FlipAngle, a DCE series by temporal position, trigger time
// or acquisition time (3D and 2D multi-slice), read into frame-major float32 series; and bad input — one b-value, a missing b-value tag, two images
// of one b-value at one position, time points out of order or twice, a missing time, a short slice position.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { readDicomSeries4d } from '../../../../imaging/io/dicomSeries4d';
import { writeDicomSlice, type SliceSpec } from './support/dicomWriter';
import { expectInputError, scratchDir } from './support/files';

const { file } = scratchDir('dicom4d');
const ROWS = 2;
const COLUMNS = 3;
const Z = [0, 2.5, 5];

/** Stored value of pixel i at slice z of frame f: distinct everywhere, so that any mix-up shows. */
const value = (f: number, z: number, i: number) => 1000 * f + 100 * z + i;

function series(name: string, frames: number, spec: (f: number, z: number) => Partial<SliceSpec>, names?: (f: number, z: number) => string): string {
  const dir = file(name);
  mkdirSync(dir);
  for (let f = 0; f < frames; f++) {
    for (let z = 0; z < Z.length; z++) {
      // Names in neither frame nor slice order.
      const fileName = names?.(f, z) ?? `IM${String((f * 7 + z * 13) % 97).padStart(3, '0')}_${f}_${z}`;
      writeDicomSlice(path.join(dir, fileName), {
        modality: 'MR',
        position: [-10, 20, Z[z]],
        pixelSpacing: [0.8, 0.7],
        rows: ROWS,
        columns: COLUMNS,
        pixels: Array.from({ length: ROWS * COLUMNS }, (_, i) => value(f, z, i)),
        ...spec(f, z),
      });
    }
  }
  return dir;
}

function expectFrames(data: Float32Array, order: number[]): void {
  const voxels = ROWS * COLUMNS * Z.length;
  expect(data.length).toBe(voxels * order.length);
  order.forEach((f, k) => {
    for (let z = 0; z < Z.length; z++) for (let i = 0; i < ROWS * COLUMNS; i++) expect(data[k * voxels + z * ROWS * COLUMNS + i]).toBe(value(f, z, i));
  });
}

const B = [800, 0, 500, 200]; // written out of order: frames come back by ascending b

describe('multi-b DWI from DICOM', () => {
  it('DiffusionBValue (0018,9087): frames by ascending b, each a stacked 3D grid', () => {
    const dir = series('dwi', 4, (f) => ({ extra: { DiffusionBValue: B[f], FlipAngle: 90, RepetitionTime: 4000 } }));
    const s = readDicomSeries4d(dir, { axis: 'bvalue' });
    expect(s.values).toEqual([0, 200, 500, 800]);
    expect(s.valueTag).toBe('DiffusionBValue (0018,9087)');
    expect(s.frames).toBe(4);
    expect(s.geometry.size).toEqual([COLUMNS, ROWS, 3]);
    expect(s.geometry.spacing).toEqual([0.7, 0.8, 2.5]);
    expect(s.geometry.origin).toEqual([-10, 20, 0]);
    expectFrames(s.data, [1, 3, 2, 0]);
    expect(s).toMatchObject({ flipAngleDeg: 90, repetitionTimeMs: 4000, source: dir, axis: 'bvalue' });
  });

  it("vendors' private b-values: Siemens (0019,xx0C), GE (0043,xx39) less 10⁹, Philips (2001,xx03)", () => {
    const siemens = series('siemens', 4, (f) => ({
      raw: { '00190010': { vr: 'LO', Value: ['SIEMENS MR HEADER'] }, '0019100C': { vr: 'IS', Value: [B[f]] } },
    }));
    expect(readDicomSeries4d(siemens, { axis: 'bvalue' })).toMatchObject({ values: [0, 200, 500, 800], valueTag: 'Siemens B_value (0019,100C)' });
    // GE writes the b-value as the first value of Slop_int_6, some sequences with 10⁹ added; its block here is 0x11.
    const ge = series('ge', 4, (f) => ({
      raw: { '00430011': { vr: 'LO', Value: ['GEMS_PARM_01'] }, '00431139': { vr: 'IS', Value: [1e9 + B[f], 8, 0, 0] } },
    }));
    expect(readDicomSeries4d(ge, { axis: 'bvalue' })).toMatchObject({ values: [0, 200, 500, 800], valueTag: 'GE Slop_int_6 (0043,1139)' });
    const philips = series('philips', 4, (f) => ({
      raw: { '20010010': { vr: 'LO', Value: ['Philips Imaging DD 001'] }, '20011003': { vr: 'FL', Value: [B[f]] } },
    }));
    expect(readDicomSeries4d(philips, { axis: 'bvalue' })).toMatchObject({ values: [0, 200, 500, 800], valueTag: 'Philips Diffusion_B-Factor (2001,1003)' });
    // A private b-value of another creator is not taken for one.
    const other = series(
      'other-creator',
      2,
      (f) => ({ raw: { '00190010': { vr: 'LO', Value: ['ACME 1.0'] }, '0019100C': { vr: 'IS', Value: [B[f]] } } }),
      (f, z) => `IM_${f}_${z}`,
    );
    expectInputError(() => readDicomSeries4d(other, { axis: 'bvalue' }), {
      file: path.join(other, 'IM_0_0'),
      field: 'DiffusionBValue (0018,9087)',
      message: /no b-value tag/,
    });
  });

  it('bad input: one b-value, a file without a b-value tag, two images of one b at one position, a frame short of a slice', () => {
    // b = 0, 800, 800: two images of b = 800 at each position (two diffusion directions, say).
    const twice = series(
      'twice-b',
      3,
      (f) => ({ extra: { DiffusionBValue: [0, 800, 800][f] } }),
      (f, z) => `IM_${f}_${z}`,
    );
    expectInputError(() => readDicomSeries4d(twice, { axis: 'bvalue' }), {
      file: path.join(twice, 'IM_2_0'),
      field: 'DiffusionBValue (0018,9087)',
      message: /b = 800 s\/mm² twice at slice position 0 mm \(also in .*IM_1_0\).*several diffusion directions/,
    });
    const single = series('single-b', 1, () => ({ extra: { DiffusionBValue: 800 } }));
    expectInputError(() => readDicomSeries4d(single, { axis: 'bvalue' }), {
      file: single,
      field: 'DiffusionBValue (0018,9087)',
      message: /one b-value 800 s\/mm² in all 3 files \(expected a DWI series with at least 2 different b-values\)/,
    });
    const missing = series(
      'missing-b',
      2,
      (f, z) => ({ extra: f === 1 && z === 2 ? {} : { DiffusionBValue: B[f] } }),
      (f, z) => `IM_${f}_${z}`,
    );
    expectInputError(() => readDicomSeries4d(missing, { axis: 'bvalue' }), {
      file: path.join(missing, 'IM_1_2'),
      field: 'DiffusionBValue (0018,9087)',
      message:
        /no b-value tag \(expected a b-value \(s\/mm²\) in DiffusionBValue \(0018,9087\), Siemens \(0019,xx0C\), GE \(0043,xx39\) or Philips \(2001,xx03\)\)/,
    });
    const negative = series(
      'negative-b',
      2,
      (f) => ({ extra: { DiffusionBValue: [0, -5][f] } }),
      (f, z) => `IM_${f}_${z}`,
    );
    expectInputError(() => readDicomSeries4d(negative, { axis: 'bvalue' }), {
      file: path.join(negative, 'IM_1_0'),
      field: 'DiffusionBValue (0018,9087)',
      message: /b-value -5 s\/mm² \(expected a finite b-value ≥ 0 \(s\/mm²\)\)/,
    });
    // b = 800 at two positions only.
    const short = file('short-b');
    mkdirSync(short);
    for (const [b, zs] of [
      [0, [0, 1, 2]],
      [800, [0, 1]],
    ] as const) {
      for (const z of zs)
        writeDicomSlice(path.join(short, `IM_${b}_${z}`), {
          modality: 'MR',
          position: [0, 0, Z[z]],
          rows: 1,
          columns: 1,
          pixels: [1],
          extra: { DiffusionBValue: b },
        });
    }
    expectInputError(() => readDicomSeries4d(short, { axis: 'bvalue' }), {
      file: path.join(short, 'IM_800_0'),
      field: 'DiffusionBValue (0018,9087)',
      message: /b = 800 s\/mm² has 2 slices, b = 0 s\/mm² has 3/,
    });
    const ct = series(
      'ct-dwi',
      2,
      (f) => ({ modality: 'CT', extra: { DiffusionBValue: B[f] } }),
      (f, z) => `IM_${f}_${z}`,
    );
    expectInputError(() => readDicomSeries4d(ct, { axis: 'bvalue' }), { file: path.join(ct, 'IM_0_0'), field: 'Modality (0008,0060)', message: /'CT'/ });
  });
});

describe('variable-flip-angle series from DICOM', () => {
  it('frames by ascending FlipAngle (0018,1314); a file without one, or an angle outside (0, 90], is named', () => {
    const angles = [15, 2, 10, 5];
    const dir = series('vfa', 4, (f) => ({ extra: { FlipAngle: angles[f], RepetitionTime: 5 } }));
    const s = readDicomSeries4d(dir, { axis: 'flip' });
    expect(s).toMatchObject({ values: [2, 5, 10, 15], valueTag: 'FlipAngle (0018,1314)', repetitionTimeMs: 5, flipAngleDeg: undefined });
    expectFrames(s.data, [1, 3, 2, 0]);
    const missing = series(
      'vfa-missing',
      2,
      (f, z) => ({ extra: f === 1 && z === 0 ? {} : { FlipAngle: [2, 15][f] } }),
      (f, z) => `IM_${f}_${z}`,
    );
    expectInputError(() => readDicomSeries4d(missing, { axis: 'flip' }), {
      file: path.join(missing, 'IM_1_0'),
      field: 'FlipAngle (0018,1314)',
      message: /no flip angle/,
    });
    const wide = series(
      'vfa-wide',
      2,
      (f) => ({ extra: { FlipAngle: [2, 120][f] } }),
      (f, z) => `IM_${f}_${z}`,
    );
    expectInputError(() => readDicomSeries4d(wide, { axis: 'flip' }), {
      file: path.join(wide, 'IM_1_0'),
      field: 'FlipAngle (0018,1314)',
      message: /flip angle 120° \(expected a flip angle in \(0, 90\] degrees\)/,
    });
  });
});

/** hhmmss.ffffff of `s` seconds after 10:00:00. */
const tm = (s: number) => {
  const t = 36000 + s;
  const hh = Math.floor(t / 3600);
  const mm = Math.floor((t % 3600) / 60);
  const ss = t % 60;
  return `${String(hh).padStart(2, '0')}${String(mm).padStart(2, '0')}${ss.toFixed(6).padStart(9, '0')}`;
};

describe('DCE time series from DICOM', () => {
  it('temporal position and acquisition time (3D: one time per volume): times from the first frame', () => {
    const dir = series('dce-3d', 5, (f) => ({
      extra: { TemporalPositionIdentifier: f + 1, AcquisitionDate: '20260101', AcquisitionTime: tm(4.5 * f), FlipAngle: 15, RepetitionTime: 5 },
    }));
    const s = readDicomSeries4d(dir, { axis: 'time' });
    expect(s.values.map((t) => Number(t.toFixed(6)))).toEqual([0, 4.5, 9, 13.5, 18]);
    expect(s.valueTag).toBe('AcquisitionDateTime (0008,002A) / AcquisitionTime (0008,0032)');
    expect(s.frameSpreadS).toBe(0);
    expectFrames(s.data, [0, 1, 2, 3, 4]);
    expect(s).toMatchObject({ flipAngleDeg: 15, repetitionTimeMs: 5 });
  });

  it('trigger time (ms) where it varies; 2D multi-slice without temporal positions: the k-th time of each slice position', () => {
    const trigger = series('dce-trigger', 4, (f) => ({ extra: { TriggerTime: 6000 * f, AcquisitionTime: tm(0) } }));
    const t = readDicomSeries4d(trigger, { axis: 'time' });
    expect(t.values).toEqual([0, 6, 12, 18]);
    expect(t.valueTag).toBe('TriggerTime (0018,1060)');
    expectFrames(t.data, [0, 1, 2, 3]);
    // Slices of one time point acquired 0.4 s apart; frames 6 s apart: the frame time is the mean of its slices'.
    const multi = series('dce-2d', 4, (f, z) => ({ extra: { AcquisitionTime: tm(6 * f + 0.4 * z) } }));
    const m = readDicomSeries4d(multi, { axis: 'time' });
    expect(m.values.map((x) => Number(x.toFixed(6)))).toEqual([0, 6, 12, 18]);
    expect(m.frameSpreadS).toBeCloseTo(0.8, 6);
    expectFrames(m.data, [0, 1, 2, 3]);
  });

  it('bad input: time points out of order, a time point twice, no time, one time point, a slice position short of a time point', () => {
    // Temporal position 3 acquired before temporal position 2.
    const unsorted = series(
      'dce-unsorted',
      4,
      (f) => ({ extra: { TemporalPositionIdentifier: f + 1, AcquisitionTime: tm([0, 5, 3, 10][f]) } }),
      (f, z) => `IM_${f}_${z}`,
    );
    expectInputError(() => readDicomSeries4d(unsorted, { axis: 'time' }), {
      file: path.join(unsorted, 'IM_2_0'),
      field: 'TemporalPositionIdentifier (0020,0100) / AcquisitionDateTime (0008,002A) / AcquisitionTime (0008,0032)',
      message: /temporal position 3 was acquired at 3 s, not after temporal position 2 \(5 s\)/,
    });
    const twice = series(
      'dce-twice',
      3,
      (f) => ({ extra: { AcquisitionTime: tm([0, 5, 5][f]) } }),
      (f, z) => `IM_${f}_${z}`,
    );
    expectInputError(() => readDicomSeries4d(twice, { axis: 'time' }), {
      file: path.join(twice, 'IM_2_0'),
      field: 'AcquisitionDateTime (0008,002A) / AcquisitionTime (0008,0032)',
      message: /time point 36005 s twice at slice position 0 mm \(also in .*IM_1_0\)/,
    });
    const dupPosition = series(
      'dce-dup-tp',
      2,
      () => ({ extra: { TemporalPositionIdentifier: 1, AcquisitionTime: tm(0) } }),
      (f, z) => `IM_${f}_${z}`,
    );
    expectInputError(() => readDicomSeries4d(dupPosition, { axis: 'time' }), {
      file: path.join(dupPosition, 'IM_1_0'),
      field: 'TemporalPositionIdentifier (0020,0100)',
      message: /temporal position 1 twice at slice position 0 mm/,
    });
    const untimed = series(
      'dce-untimed',
      2,
      (f, z) => ({ extra: f === 1 && z === 1 ? {} : { AcquisitionTime: tm(5 * f) } }),
      (f, z) => `IM_${f}_${z}`,
    );
    expectInputError(() => readDicomSeries4d(untimed, { axis: 'time' }), {
      file: path.join(untimed, 'IM_1_1'),
      field: 'AcquisitionTime (0008,0032)',
      message: /no acquisition time/,
    });
    const single = series('dce-single', 1, () => ({ extra: { AcquisitionTime: tm(0) } }));
    expectInputError(() => readDicomSeries4d(single, { axis: 'time' }), {
      file: single,
      field: 'AcquisitionDateTime (0008,002A) / AcquisitionTime (0008,0032)',
      message: /one time point in all 3 files/,
    });
    const short = series(
      'dce-short',
      3,
      (f, z) => ({ extra: { AcquisitionTime: tm(5 * f + z) } }),
      (f, z) => `IM_${f}_${z}`,
    );
    // A fourth time point at the first slice position only.
    writeDicomSlice(path.join(short, 'IM_3_0'), {
      modality: 'MR',
      position: [-10, 20, Z[0]],
      pixelSpacing: [0.8, 0.7],
      rows: ROWS,
      columns: COLUMNS,
      pixels: Array.from({ length: ROWS * COLUMNS }, () => 0),
      extra: { AcquisitionTime: tm(15) },
    });
    expectInputError(() => readDicomSeries4d(short, { axis: 'time' }), {
      file: path.join(short, 'IM_0_1'),
      field: 'AcquisitionDateTime (0008,002A) / AcquisitionTime (0008,0032)',
      message: /slice position 2\.5 mm has 3 time points, slice position 0 mm has 4/,
    });
  });
});
