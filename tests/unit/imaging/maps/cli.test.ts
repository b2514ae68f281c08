// `osteoflow maps`: each map end to end on small NIfTI files written here (values read back against the synthetic
// ground truth), and bad input as one line naming the file or flag, the field and what was expected (exit 1), bad
// arguments with the usage (exit 2).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { mapsCommand } from '../../../../cli/maps';
import { readImage, writeNifti } from '../../../../imaging/io';
import { writeNiftiSeries } from '../../../../imaging/io/nifti';
import { IDENTITY, type Geometry, type Vec3 } from '../../../../imaging/image';
import { synthesizeDce, synthesizeDwi, uniformValues } from '../../../../synthetic';
import { parkerPlasma } from '../../../../imaging/maps';
import { scratchDir } from '../io/support/files';
import { captureOutput } from '../../cli/support/captureOutput';

const { dir, file } = scratchDir('maps-cli');
const g: Geometry = { size: [4, 3, 2], spacing: [1.5, 1.5, 3], origin: [10, -5, 2], direction: IDENTITY };
const n = 24;
const B = [0, 200, 500, 800];
const adc = uniformValues(5, 'adc', n, 0.5e-3, 2.5e-3);

const maps = (...argv: string[]) => captureOutput(() => mapsCommand.run(argv));

beforeAll(() => {
  writeNiftiSeries(file('dwi.nii.gz'), synthesizeDwi({ geometry: g, bValues: B, truth: { kind: 'adc', adc }, s0: 1000 }));
  writeNiftiSeries(file('one-b.nii.gz'), synthesizeDwi({ geometry: g, bValues: [500], truth: { kind: 'adc', adc }, s0: 1000 }));
  const ivimB = [0, 20, 50, 100, 150, 200, 400, 600, 800];
  const d = uniformValues(6, 'd', n, 0.8e-3, 1.6e-3);
  writeNiftiSeries(
    file('ivim.nii.gz'),
    synthesizeDwi({
      geometry: g,
      bValues: ivimB,
      truth: { kind: 'ivim', d, f: new Float64Array(n).fill(0.1), dStar: new Float64Array(n).fill(0.15) },
      s0: 1000,
    }),
  );
  writeFileSync(file('d.json'), JSON.stringify(Array.from(d)));
  const tissues = [
    { ktrans: 0.25, ve: 0.4 },
    { ktrans: 0.1, ve: 0.2 },
  ];
  const { series } = synthesizeDce({
    geometry: g,
    times: Array.from({ length: 40 }, (_, i) => 4 * i),
    injection: 8,
    tissues,
    labels: Uint8Array.from({ length: n }, (_, i) => i % 2),
    flipDeg: 15,
    trMs: 5,
    t10Ms: 1400,
  });
  writeNiftiSeries(file('dce.nii.gz'), series);
  // A cube tumour 3×3×3 voxels of 2 mm in a 21³ image.
  const mg: Geometry = { size: [21, 21, 21], spacing: [2, 2, 2], origin: [0, 0, 0], direction: IDENTITY };
  const mask = new Uint8Array(21 ** 3);
  const at = (p: Vec3) => p[0] + 21 * (p[1] + 21 * p[2]);
  for (let z = 9; z < 12; z++) for (let y = 9; y < 12; y++) for (let x = 9; x < 12; x++) mask[at([x, y, z])] = 1;
  writeNifti(file('mask.nii.gz'), { geometry: mg, data: mask });
  const edge = new Uint8Array(21 ** 3);
  edge[at([1, 10, 10])] = 1;
  writeNifti(file('edge.nii.gz'), { geometry: mg, data: edge });
});

describe('osteoflow maps adc / ivim', () => {
  it('adc writes the ADC in µm²/s and, when asked, S0, R² and the failed-fit mask', async () => {
    const r = await maps(
      'adc',
      '--dwi',
      file('dwi.nii.gz'),
      '--bvalues',
      '0,200,500,800',
      '--out',
      file('ADC.nii.gz'),
      '--method',
      'nlls',
      '--failed',
      file('failed.nii.gz'),
      '--r2',
      file('r2.nii.gz'),
    );
    expect(r).toMatchObject({ code: 0, err: '' });
    expect(r.out).toContain('ADC: 24 voxels fitted, 0 failed');
    const out = readImage(file('ADC.nii.gz'));
    expect(out.geometry.origin).toEqual(g.origin);
    out.data.forEach((v, i) => expect(v).toBeCloseTo(adc[i] * 1e6, 2));
    expect(Array.from(readImage(file('failed.nii.gz')).data).every((c) => c === 0)).toBe(true);
    expect(existsSync(file('r2.nii.gz'))).toBe(true);
  });

  it('ivim writes D, Dstar, f, S0 and failed into the folder', async () => {
    const out = path.join(dir, 'ivim');
    const r = await maps('ivim', '--dwi', file('ivim.nii.gz'), '--bvalues', '0,20,50,100,150,200,400,600,800', '--out-dir', out, '--units', 'mm2/s');
    expect(r.code).toBe(0);
    for (const name of ['D', 'Dstar', 'f', 'S0', 'failed']) expect(existsSync(path.join(out, `${name}.nii.gz`))).toBe(true);
    const d = JSON.parse(readFileSync(file('d.json'), 'utf8')) as number[];
    readImage(path.join(out, 'D.nii.gz')).data.forEach((v, i) => expect(v).toBeCloseTo(d[i], 6));
    readImage(path.join(out, 'f.nii.gz')).data.forEach((v) => expect(v).toBeCloseTo(0.1, 4));
  });

  it('a DWI with one b-value: one line naming the file, the field and what was expected (exit 1)', async () => {
    const r = await maps('adc', '--dwi', file('one-b.nii.gz'), '--bvalues', '500', '--out', file('x.nii.gz'));
    expect(r.code).toBe(1);
    expect(r.err).toBe(
      `osteoflow maps adc: file ${file('one-b.nii.gz')}, field 'b-values': 1 distinct b-value (500 s/mm²) in 1 volume (expected at least 2 distinct b-values (a DWI series with several b-values))\n`,
    );
  });

  it('b-values that do not match the 4th dimension, or that are not numbers', async () => {
    const r = await maps('adc', '--dwi', file('dwi.nii.gz'), '--bvalues', '0,500,1000', '--out', file('x.nii.gz'));
    expect(r.code).toBe(1);
    expect(r.err).toBe(
      `osteoflow maps adc: file ${file('dwi.nii.gz')}, field 'b-values': 3 b-values given for 4 volumes (dim[4]) (expected one b-value per volume of the 4th dimension (4))\n`,
    );
    const bad = await maps('adc', '--dwi', file('dwi.nii.gz'), '--bvalues', '0,two,500,800', '--out', file('x.nii.gz'));
    expect(bad.err).toBe(`osteoflow maps adc: file ${file('dwi.nii.gz')}, field '--bvalues': entry 2 is 'two' (expected b-values in s/mm², comma-separated)\n`);
  });
});

describe('osteoflow maps dce', () => {
  it('writes the Tofts and semi-quantitative maps; Ktrans and ve read back as synthesised', async () => {
    const out = path.join(dir, 'dce');
    const r = await maps(
      'dce',
      '--dce',
      file('dce.nii.gz'),
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
      out,
    );
    expect(r.code).toBe(0);
    expect(r.out).toContain('Tofts: 24 voxels fitted, 0 failed');
    const ktrans = readImage(path.join(out, 'Ktrans.nii.gz')).data;
    const ve = readImage(path.join(out, 've.nii.gz')).data;
    ktrans.forEach((v, i) => expect(v).toBeCloseTo(i % 2 ? 0.1 : 0.25, 5));
    ve.forEach((v, i) => expect(v).toBeCloseTo(i % 2 ? 0.2 : 0.4, 5));
    for (const name of ['kep', 'failed', 'maxEnhancement', 'timeToPeak', 'washIn', 'washOut', 'IAUC60', 'IAUGC60'])
      expect(existsSync(path.join(out, `${name}.nii.gz`))).toBe(true);
    expect(existsSync(path.join(out, 'vp.nii.gz'))).toBe(false);
  });

  it('extended Tofts with a measured AIF file (plasma mM per frame) and concentration input', async () => {
    const times = Array.from({ length: 40 }, (_, i) => 4 * i);
    const tissues = [{ ktrans: 0.2, ve: 0.3, vp: 0.05 }];
    const { series } = synthesizeDce({
      geometry: g,
      times,
      injection: 8,
      tissues,
      labels: new Uint8Array(n),
      flipDeg: 15,
      trMs: 5,
      t10Ms: 1400,
      aifStep: 4,
      output: 'concentration',
    });
    writeNiftiSeries(file('conc.nii.gz'), series);
    writeFileSync(file('aif.txt'), times.map((t) => String(parkerPlasma((t - 8) / 60))).join('\n'));
    const out = path.join(dir, 'dce-ext');
    const r = await maps(
      'dce',
      '--dce',
      file('conc.nii.gz'),
      '--times',
      '0:4',
      '--aif',
      file('aif.txt'),
      '--input',
      'concentration',
      '--model',
      'extended',
      '--baseline',
      '3',
      '--out-dir',
      out,
    );
    expect(r.code).toBe(0);
    readImage(path.join(out, 'Ktrans.nii.gz')).data.forEach((v) => expect(v).toBeCloseTo(0.2, 5));
    readImage(path.join(out, 'vp.nii.gz')).data.forEach((v) => expect(v).toBeCloseTo(0.05, 5));
    writeFileSync(file('short-aif.txt'), '0, 1, 2');
    const bad = await maps('dce', '--dce', file('conc.nii.gz'), '--times', '0:4', '--aif', file('short-aif.txt'), '--input', 'concentration', '--out-dir', out);
    expect(bad.code).toBe(1);
    expect(bad.err).toBe(
      `osteoflow maps dce: file ${file('short-aif.txt')}, field 'aif': 3 AIF values for 40 time points (expected one plasma concentration (mM) per time point)\n`,
    );
  });

  it('too few time points, an unsorted time axis, missing SPGR flags', async () => {
    const few = await maps(
      'dce',
      '--dce',
      file('dwi.nii.gz'),
      '--times',
      '0,5,10,15',
      '--aif',
      'parker',
      '--t1',
      '1400',
      '--flip',
      '15',
      '--tr',
      '5',
      '--out-dir',
      dir,
    );
    expect(few.code).toBe(1);
    expect(few.err).toBe(
      `osteoflow maps dce: file ${file('dwi.nii.gz')}, field 'times': 4 time points (expected at least 7 time points for the Tofts model after 3 baseline frame(s))\n`,
    );
    const times = Array.from({ length: 40 }, (_, i) => 4 * i);
    [times[10], times[11]] = [times[11], times[10]];
    const unsorted = await maps(
      'dce',
      '--dce',
      file('dce.nii.gz'),
      '--times',
      times.join(','),
      '--aif',
      'parker',
      '--t1',
      '1400',
      '--flip',
      '15',
      '--tr',
      '5',
      '--out-dir',
      dir,
    );
    expect(unsorted.code).toBe(1);
    expect(unsorted.err).toBe(
      `osteoflow maps dce: file ${file('dce.nii.gz')}, field 'times': time point 12 (40 s) is not after time point 11 (44 s) (expected strictly increasing acquisition times (s))\n`,
    );
    const flags = await maps('dce', '--dce', file('dce.nii.gz'), '--times', '0:4', '--aif', 'parker', '--out-dir', dir);
    expect(flags.code).toBe(2);
    expect(flags.err).toMatch(
      /^osteoflow maps dce: --t1 \(or --t1-map\), --flip, --tr required for signal input \(or --input concentration\)\n\nusage: osteoflow maps/,
    );
  });
});

describe('osteoflow maps shells / marrow', () => {
  it('writes one mask per shell and prints its volume', async () => {
    const out = path.join(dir, 'shells');
    const r = await maps('shells', '--mask', file('mask.nii.gz'), '--distances', '0-2,2-4', '--out-dir', out, '--from', 'centres');
    expect(r.code).toBe(0);
    // Around a 3×3×3 cube of 2 mm voxels, from centres: 0–2 mm holds the 6 face layers of 3×3 voxels (54 voxels).
    expect(r.out).toContain(`0–2 mm: 54 voxels, 0.432 ml → ${path.join(out, 'shell_0-2mm.nii.gz')}`);
    expect(Array.from(readImage(path.join(out, 'shell_0-2mm.nii.gz')).data).reduce((a, b) => a + b, 0)).toBe(54);
    expect(existsSync(path.join(out, 'shell_2-4mm.nii.gz'))).toBe(true);
  });

  it('a shell that leaves the image is refused, naming the mask file', async () => {
    const r = await maps('shells', '--mask', file('edge.nii.gz'), '--distances', '0-3,3-5,5-10', '--out-dir', dir);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(
      new RegExp(
        `^osteoflow maps shells: file ${file('edge.nii.gz').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}, field 'distances': the 0–3 mm shell leaves the image: the tumour lies 2 mm from the image's −x edge \\(expected .*\\)\\n$`,
      ),
    );
  });

  it('bad shells and unknown maps are usage errors (exit 2)', async () => {
    const r = await maps('shells', '--mask', file('mask.nii.gz'), '--distances', '5-3', '--out-dir', dir);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^osteoflow maps shells: field '--distances': shell '5-3' \(expected shells FROM-TO in mm/);
    const u = await maps('perfusion');
    expect(u.code).toBe(2);
    expect(u.err).toMatch(/^osteoflow maps: unknown map 'perfusion' \(expected one of: adc, ivim, dce, t1, shells, marrow\)/);
    expect((await maps('--help')).code).toBe(0);
  });

  it('marrow from a bone mask', async () => {
    const bone = readImage(file('mask.nii.gz'));
    const data = new Uint8Array(bone.data.length);
    for (let i = 0; i < data.length; i++) data[i] = i % 21 >= 8 && i % 21 <= 12 ? 1 : 0;
    writeNifti(file('bone.nii.gz'), { geometry: bone.geometry, data });
    const r = await maps('marrow', '--mask', file('mask.nii.gz'), '--bone', file('bone.nii.gz'), '--out', file('marrow.nii.gz'));
    expect(r.code).toBe(0);
    expect(r.out).toContain(`marrow: ${5 * 21 * 21 - 27} voxels`);
  });
});
