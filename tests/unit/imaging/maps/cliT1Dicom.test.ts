// `osteoflow maps t1` end to end (one NIfTI per flip angle → a T1 map read back against the truth), `maps dce
// --t1-map`, and DWI and DCE series given as DICOM folders (b-values and times from the tags) giving the same maps as
// the same values in a 4D NIfTI; bad input as one line naming the file and field (exit 1) or the usage (exit 2).
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { mapsCommand } from '../../../../cli/maps';
import { readImage, writeNifti } from '../../../../imaging/io';
import { writeNiftiSeries } from '../../../../imaging/io/nifti';
import { IDENTITY, type Geometry } from '../../../../imaging/image';
import { synthesizeDce, uniformValues } from '../../../../synthetic';
import { scratchDir } from '../io/support/files';
import { writeDicomSlice } from '../io/support/dicomWriter';
import { captureOutput } from '../../cli/support/captureOutput';
import { synthesizeVfa } from './vfa';

const { dir, file } = scratchDir('maps-cli-t1');
const maps = (...argv: string[]) => captureOutput(() => mapsCommand.run(argv));
const g: Geometry = { size: [3, 2, 2], spacing: [1.5, 1.5, 3], origin: [10, -5, 2], direction: IDENTITY };
const n = 12;
const ANGLES = [2, 5, 10, 15];
const t1 = uniformValues(21, 't1', n, 400, 2500);

/** Writes frame f of a 4D series as a 3D NIfTI. */
function frameFile(name: string, data: ArrayLike<number>, f: number): string {
  const out = file(name);
  writeNifti(out, { geometry: g, data: Float32Array.from({ length: n }, (_, i) => data[f * n + i]) });
  return out;
}

describe('osteoflow maps t1', () => {
  it('one volume per flip angle → T1 in ms, M0 and the failed-fit mask', async () => {
    const vfa = synthesizeVfa(g, ANGLES, 5, t1, new Float64Array(n).fill(3000), Infinity, 1);
    const files = ANGLES.map((a, f) => frameFile(`vfa${a}.nii.gz`, vfa.data, f));
    const r = await maps(
      't1',
      '--vfa',
      files.join(','),
      '--flip-angles',
      ANGLES.join(','),
      '--tr',
      '5',
      '--out',
      file('T1.nii.gz'),
      '--failed',
      file('t1-failed.nii.gz'),
      '--method',
      'nlls',
    );
    expect(r).toMatchObject({ code: 0, err: '' });
    expect(r.out).toContain('T1: 12 voxels fitted, 0 failed');
    const out = readImage(file('T1.nii.gz'));
    expect(out.geometry.origin).toEqual(g.origin);
    // The signals were stored as float32: T1 comes back to about 1e-4 (E1 amplifies their rounding by ~TR/T1).
    out.data.forEach((v, i) => expect(Math.abs(v - t1[i]) / t1[i]).toBeLessThan(1e-3));
    expect(Array.from(readImage(file('t1-failed.nii.gz')).data).every((c) => c === 0)).toBe(true);
    // One 4D NIfTI does as well.
    writeNiftiSeries(file('vfa4d.nii.gz'), vfa);
    const four = await maps('t1', '--vfa', file('vfa4d.nii.gz'), '--flip-angles', ANGLES.join(','), '--tr', '5', '--out', file('T1b.nii.gz'));
    expect(four.code).toBe(0);
    expect(Array.from(readImage(file('T1b.nii.gz')).data)).toEqual(
      Array.from(readImage(file('T1.nii.gz')).data).map((x, i) => expect.closeTo(x, 6 - Math.log10(t1[i]))),
    );
  });

  it('bad input: one flip angle, volumes on other grids, TR ≤ 0, too few angles for the volumes', async () => {
    const a = file('vfa2.nii.gz');
    const one = await maps('t1', '--vfa', a, '--flip-angles', '2', '--tr', '5', '--out', file('x.nii.gz'));
    expect(one.code).toBe(1);
    expect(one.err).toBe(
      `osteoflow maps t1: file ${a}, field 'flip angles': 1 distinct flip angle (2°) in 1 volume (expected at least 2 different flip angles (two determine T1 exactly; DESPOT1 uses 2–4))\n`,
    );
    const moved = file('moved.nii.gz');
    writeNifti(moved, { geometry: { ...g, origin: [10, -5, 8] }, data: new Float32Array(n).fill(10) });
    const grids = await maps('t1', '--vfa', `${a},${moved}`, '--flip-angles', '2,15', '--tr', '5', '--out', file('x.nii.gz'));
    expect(grids.code).toBe(1);
    expect(grids.err).toMatch(
      new RegExp(
        `^osteoflow maps t1: file ${moved.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}, field '--vfa': grid 3×2×2 at 1\\.5×1\\.5×3 mm, origin 10, -5, 8 differs`,
      ),
    );
    const tr = await maps('t1', '--vfa', `${a},${file('vfa15.nii.gz')}`, '--flip-angles', '2,15', '--tr', '0', '--out', file('x.nii.gz'));
    expect(tr.code).toBe(1);
    expect(tr.err).toBe(`osteoflow maps t1: file ${a}, field 'TR': TR 0 (expected a repetition time > 0 (ms))\n`);
    const count = await maps('t1', '--vfa', `${a},${file('vfa15.nii.gz')}`, '--flip-angles', '2,5,15', '--tr', '5', '--out', file('x.nii.gz'));
    expect(count.err).toMatch(/field 'flip angles': 3 flip angles given for 2 volumes/);
    const usage = await maps('t1', '--vfa', a, '--tr', '5', '--out', file('x.nii.gz'));
    expect(usage.code).toBe(2);
  });
});

describe('osteoflow maps dce --t1-map', () => {
  it('each voxel converted with its own native T1: Ktrans and ve as synthesised', async () => {
    const labels = Uint8Array.from({ length: n }, (_, i) => i % 2);
    const tissues = [
      { ktrans: 0.25, ve: 0.4, t10Ms: 700 },
      { ktrans: 0.1, ve: 0.2, t10Ms: 1800 },
    ];
    const { series } = synthesizeDce({
      geometry: g,
      times: Array.from({ length: 40 }, (_, i) => 4 * i),
      injection: 8,
      tissues,
      labels,
      flipDeg: 15,
      trMs: 5,
      t10Ms: 1000,
    });
    writeNiftiSeries(file('dce.nii.gz'), series);
    writeNifti(file('T1map.nii.gz'), { geometry: g, data: Float32Array.from(labels, (l) => tissues[l].t10Ms) });
    const common = ['--dce', file('dce.nii.gz'), '--times', '0:4', '--aif', 'parker', '--flip', '15', '--tr', '5', '--injection', '8'];
    const out = path.join(dir, 'dce-map');
    const r = await maps('dce', ...common, '--t1-map', file('T1map.nii.gz'), '--out-dir', out);
    expect(r.code).toBe(0);
    readImage(path.join(out, 'Ktrans.nii.gz')).data.forEach((v, i) => expect(v).toBeCloseTo(tissues[labels[i]].ktrans, 5));
    readImage(path.join(out, 've.nii.gz')).data.forEach((v, i) => expect(v).toBeCloseTo(tissues[labels[i]].ve, 5));
    const both = await maps('dce', ...common, '--t1', '1000', '--t1-map', file('T1map.nii.gz'), '--out-dir', out);
    expect(both.code).toBe(2);
    expect(both.err).toMatch(/^osteoflow maps dce: give either --t1 \(a fixed native T1\) or --t1-map, not both/);
    const small: Geometry = { ...g, size: [3, 2, 1] };
    writeNifti(file('T1small.nii.gz'), { geometry: small, data: new Float32Array(6).fill(1000) });
    const grid = await maps('dce', ...common, '--t1-map', file('T1small.nii.gz'), '--out-dir', out);
    expect(grid.code).toBe(1);
    expect(grid.err).toBe(
      `osteoflow maps dce: file ${file('T1small.nii.gz')}, field 'size': T1 map is 3×2×1, the DCE series 3×2×2 (expected a T1 map on the DCE series's grid)\n`,
    );
  });
});

/** Writes a 4D series as a DICOM MR folder: one file per slice and frame, stored integers = value / slope. */
function dicomFolder(name: string, data: ArrayLike<number>, frames: number, slope: number, extra: (f: number) => Record<string, unknown>): string {
  const out = file(name);
  mkdirSync(out);
  const [nx, ny, nz] = g.size;
  for (let f = 0; f < frames; f++) {
    for (let z = 0; z < nz; z++) {
      const pixels = Array.from({ length: nx * ny }, (_, i) => Math.round(data[f * n + z * nx * ny + i] / slope));
      writeDicomSlice(path.join(out, `MR_${f}_${z}`), {
        modality: 'MR',
        position: [g.origin[0], g.origin[1], g.origin[2] + z * g.spacing[2]],
        pixelSpacing: [g.spacing[1], g.spacing[0]],
        rows: ny,
        columns: nx,
        pixels,
        bitsAllocated: 32,
        signed: false,
        slope,
        extra: extra(f),
      });
    }
  }
  return out;
}

/** The series the DICOM folder holds, as float32 values (stored · slope), for the NIfTI path. */
const quantised = (data: ArrayLike<number>, slope: number) => Float32Array.from(data, (x) => Math.round(x / slope) * slope);

describe('DWI and DCE as DICOM folders', () => {
  it('maps adc --dwi FOLDER: b-values from DiffusionBValue; the ADC equals that of the same values as NIfTI', async () => {
    const B = [0, 200, 500, 800];
    const adc = uniformValues(22, 'adc', n, 0.5e-3, 2.5e-3);
    const values = new Float64Array(n * B.length);
    B.forEach((b, f) => adc.forEach((d, i) => (values[f * n + i] = 1000 * Math.exp(-b * d))));
    const folder = dicomFolder('dwi-dicom', values, B.length, 0.01, (f) => ({ DiffusionBValue: B[f] }));
    writeNiftiSeries(file('dwi-q.nii.gz'), { geometry: g, frames: B.length, data: quantised(values, 0.01) });
    const r = await maps('adc', '--dwi', folder, '--out', file('ADC-dicom.nii.gz'), '--method', 'nlls');
    expect(r.code).toBe(0);
    expect(r.out).toContain('b-values from DiffusionBValue (0018,9087): 0, 200, 500, 800 s/mm²');
    const nifti = await maps('adc', '--dwi', file('dwi-q.nii.gz'), '--bvalues', B.join(','), '--out', file('ADC-nifti.nii.gz'), '--method', 'nlls');
    expect(nifti.code).toBe(0);
    const fromDicom = readImage(file('ADC-dicom.nii.gz'));
    expect(fromDicom.geometry.origin).toEqual(g.origin);
    expect(Array.from(fromDicom.data)).toEqual(Array.from(readImage(file('ADC-nifti.nii.gz')).data));
    fromDicom.data.forEach((v, i) => expect(Math.abs(v - adc[i] * 1e6) / (adc[i] * 1e6)).toBeLessThan(1e-4));
    const both = await maps('adc', '--dwi', folder, '--bvalues', B.join(','), '--out', file('x.nii.gz'));
    expect(both.code).toBe(2);
    expect(both.err).toMatch(/^osteoflow maps adc: --bvalues is for a NIfTI: the b-values of a DICOM series come from its tags/);
    const ivim = await maps('ivim', '--dwi', folder, '--out-dir', path.join(dir, 'ivim-dicom'));
    // The b-values reach the IVIM fit, which needs one between 0 and 200 s/mm² for D*.
    expect(ivim.code).toBe(1);
    expect(ivim.err).toMatch(
      new RegExp(`^osteoflow maps ivim: file ${folder.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}, field 'b-values': no b-value between 0 and 200`),
    );
  });

  it('a DICOM DWI with one b-value, or a file without a b-value tag: one line naming the file and tag (exit 1)', async () => {
    const one = dicomFolder('dwi-one-b', new Float64Array(n).fill(500), 1, 1, () => ({ DiffusionBValue: 800 }));
    const r = await maps('adc', '--dwi', one, '--out', file('x.nii.gz'));
    expect(r.code).toBe(1);
    expect(r.err).toBe(
      `osteoflow maps adc: file ${one}, field 'DiffusionBValue (0018,9087)': one b-value 800 s/mm² in all 2 files (expected a DWI series with at least 2 different b-values)\n`,
    );
    const untagged = dicomFolder('dwi-untagged', new Float64Array(2 * n).fill(500), 2, 1, (f) => (f === 0 ? { DiffusionBValue: 0 } : {}));
    const u = await maps('adc', '--dwi', untagged, '--out', file('x.nii.gz'));
    expect(u.code).toBe(1);
    expect(u.err).toMatch(new RegExp(`^osteoflow maps adc: file ${path.join(untagged, 'MR_1_0')}, field 'DiffusionBValue \\(0018,9087\\)': no b-value tag`));
  });

  it('maps t1 --vfa FOLDER: flip angles and TR from the tags; the T1 map equals that of the same values as NIfTI', async () => {
    const order = [15, 2, 10, 5]; // written out of order: frames come back by ascending angle
    const vfa = synthesizeVfa(g, order, 5, t1, new Float64Array(n).fill(3000), Infinity, 1, 'float64');
    const folder = dicomFolder('vfa-dicom', vfa.data, order.length, 1e-3, (f) => ({ FlipAngle: order[f], RepetitionTime: 5 }));
    const r = await maps('t1', '--vfa', folder, '--out', file('T1-dicom.nii.gz'));
    expect(r.err).toBe('');
    expect(r.out).toContain('flip angles from FlipAngle (0018,1314): 2, 5, 10, 15°, TR 5 ms');
    // The same stored values, frames by ascending angle, as a 4D NIfTI.
    const q = quantised(vfa.data, 1e-3);
    const sorted = new Float32Array(q.length);
    [1, 3, 2, 0].forEach((f, k) => sorted.set(q.subarray(f * n, (f + 1) * n), k * n));
    writeNiftiSeries(file('vfa-q.nii.gz'), { geometry: g, frames: 4, data: sorted });
    const nifti = await maps('t1', '--vfa', file('vfa-q.nii.gz'), '--flip-angles', '2,5,10,15', '--tr', '5', '--out', file('T1-nifti.nii.gz'));
    expect(nifti.code).toBe(0);
    const fromDicom = readImage(file('T1-dicom.nii.gz'));
    expect(Array.from(fromDicom.data)).toEqual(Array.from(readImage(file('T1-nifti.nii.gz')).data));
    fromDicom.data.forEach((v, i) => expect(Math.abs(v - t1[i]) / t1[i]).toBeLessThan(1e-2));
    const angles = await maps('t1', '--vfa', folder, '--flip-angles', '2,5,10,15', '--out', file('x.nii.gz'));
    expect(angles.code).toBe(2);
    const one = dicomFolder('vfa-one', new Float64Array(2 * n).fill(100), 2, 1, () => ({ FlipAngle: 10, RepetitionTime: 5 }));
    const bad = await maps('t1', '--vfa', one, '--out', file('x.nii.gz'));
    expect(bad.code).toBe(1);
    expect(bad.err).toBe(
      `osteoflow maps t1: file ${one}, field 'FlipAngle (0018,1314)': one flip angle 10° in all 4 files (expected a variable-flip-angle series with at least 2 different flip angles)\n`,
    );
  });

  it('maps dce --dce FOLDER: times, flip angle and TR from the tags; the maps equal those of the same values as NIfTI', async () => {
    const times = Array.from({ length: 40 }, (_, i) => 4 * i);
    const labels = Uint8Array.from({ length: n }, (_, i) => i % 2);
    const tissues = [
      { ktrans: 0.25, ve: 0.4 },
      { ktrans: 0.1, ve: 0.2 },
    ];
    const { series } = synthesizeDce({ geometry: g, times, injection: 8, tissues, labels, flipDeg: 15, trMs: 5, t10Ms: 1400 });
    const slope = 1e-4;
    // 10:30:00 plus s seconds, as TM (HHMMSS.FFF).
    const tm = (s: number) => `10${String(30 + Math.floor(s / 60)).padStart(2, '0')}${(s % 60).toFixed(3).padStart(6, '0')}`;
    const folder = dicomFolder('dce-dicom', series.data, times.length, slope, (f) => ({
      TemporalPositionIdentifier: f + 1,
      AcquisitionTime: tm(times[f]),
      FlipAngle: 15,
      RepetitionTime: 5,
    }));
    writeNiftiSeries(file('dce-q.nii.gz'), { geometry: g, frames: times.length, data: quantised(series.data, slope) });
    const r = await maps('dce', '--dce', folder, '--aif', 'parker', '--t1', '1400', '--injection', '8', '--out-dir', path.join(dir, 'dce-dicom'));
    expect(r.err).toBe('');
    expect(r.out).toContain(`times from AcquisitionDateTime (0008,002A) / AcquisitionTime (0008,0032): ${times.join(', ')} s`);
    const nifti = await maps(
      'dce',
      '--dce',
      file('dce-q.nii.gz'),
      '--times',
      '0:4',
      '--aif',
      'parker',
      '--t1',
      '1400',
      '--flip',
      '15',
      '--tr',
      '5',
      '--injection',
      '8',
      '--out-dir',
      path.join(dir, 'dce-nifti'),
    );
    expect(nifti.code).toBe(0);
    for (const name of ['Ktrans', 've', 'kep', 'IAUGC60']) {
      expect(Array.from(readImage(path.join(dir, 'dce-dicom', `${name}.nii.gz`)).data)).toEqual(
        Array.from(readImage(path.join(dir, 'dce-nifti', `${name}.nii.gz`)).data),
      );
    }
    readImage(path.join(dir, 'dce-dicom', 'Ktrans.nii.gz')).data.forEach((v, i) => expect(v).toBeCloseTo(tissues[labels[i]].ktrans, 3));
    const times2 = await maps('dce', '--dce', folder, '--times', '0:4', '--aif', 'parker', '--t1', '1400', '--out-dir', dir);
    expect(times2.code).toBe(2);
    expect(times2.err).toMatch(/^osteoflow maps dce: --times is for a NIfTI: the times of a DICOM series come from its tags/);
  });
});
