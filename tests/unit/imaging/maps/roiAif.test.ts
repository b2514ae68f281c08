// The AIF sampled in an arterial ROI: arterial voxels of whole blood (vp = 1 − Hct, no leakage) give back Parker's
// plasma curve at the frames (closed form), and `osteoflow maps dce --aif roi --aif-mask` recovers Ktrans and ve as
// well as with the true AIF; an ROI that is empty, off the DCE grid, or whose signal never converts is refused
// naming the ROI's file, and the command writes nothing.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { mapsCommand } from '../../../../cli/maps';
import { readImage, writeNifti } from '../../../../imaging/io';
import { writeNiftiSeries } from '../../../../imaging/io/nifti';
import { IDENTITY, type Geometry, type Volume } from '../../../../imaging/image';
import { synthesizeDce } from '../../../../synthetic';
import { aifFromRoi, parkerPlasma } from '../../../../imaging/maps';
import { scratchDir } from '../io/support/files';
import { captureOutput } from '../../cli/support/captureOutput';

const { dir, file } = scratchDir('maps-roi-aif');
const g: Geometry = { size: [4, 3, 2], spacing: [1.5, 1.5, 3], origin: [10, -5, 2], direction: IDENTITY };
const n = 24;
const HCT = 0.42;
// Frames every 4 s and the synthesiser's AIF on the same 4 s nodes: the fit's piecewise-linear AIF is then exact.
const times = Array.from({ length: 40 }, (_, i) => 4 * i);
// The first four voxels are the artery; the others alternate between two tissues.
const isArtery = (i: number) => i < 4;
const labels = Uint8Array.from({ length: n }, (_, i) => (isArtery(i) ? 2 : i % 2));
const tissues = [
  { ktrans: 0.25, ve: 0.4 },
  { ktrans: 0.1, ve: 0.2 },
  { ktrans: 0, ve: 0.5, vp: 1 - HCT },
];
const spgr = { flipDeg: 15, trMs: 5, t10Ms: 1400 };
const { series } = synthesizeDce({ geometry: g, times, injection: 8, hematocrit: HCT, tissues, labels, ...spgr, aifStep: 4, precision: 'float64' });
const roi = (data: ArrayLike<number>, geometry = g, name = 'artery.nii.gz'): Volume => {
  writeNifti(file(name), { geometry, data: Uint8Array.from(data) } as Volume);
  return readImage(file(name));
};
const maps = (...argv: string[]) => captureOutput(() => mapsCommand.run(argv));

beforeAll(() => {
  writeNiftiSeries(file('dce.nii.gz'), series);
  roi(Array.from({ length: n }, (_, i) => (isArtery(i) ? 1 : 0)));
  roi(new Uint8Array(n), g, 'empty.nii.gz');
  roi(new Uint8Array(12).fill(1), { ...g, size: [4, 3, 1] }, 'one-slice.nii.gz');
});

describe('aifFromRoi', () => {
  it('gives back the plasma AIF, Cb/(1 − Hct) = Parker Cp at the frames', () => {
    const aif = aifFromRoi(series, readImage(file('artery.nii.gz')), { spgr, baselineFrames: 3, hematocrit: HCT });
    expect(aif.voxels).toBe(4);
    expect(aif.excluded).toBe(0);
    times.forEach((t, i) => expect(Math.abs(aif.values[i] - parkerPlasma((t - 8) / 60, HCT))).toBeLessThan(1e-9));
  });

  it('refuses an empty ROI, one off the DCE grid, and one whose signal never converts, naming the ROI file', () => {
    expect(() => aifFromRoi(series, readImage(file('empty.nii.gz')), { spgr, baselineFrames: 3 })).toThrow(
      `file ${file('empty.nii.gz')}, field 'aif ROI': the arterial ROI holds no voxel (expected at least one voxel inside an artery on the DCE grid)`,
    );
    expect(() => aifFromRoi(series, readImage(file('one-slice.nii.gz')), { spgr, baselineFrames: 3 })).toThrow(
      `file ${file('one-slice.nii.gz')}, field 'size': arterial ROI is 4×3×1, the DCE series 4×3×2`,
    );
    const dark = { ...series, data: new Float64Array(series.data.length) };
    expect(() => aifFromRoi(dark, readImage(file('artery.nii.gz')), { spgr, baselineFrames: 3 })).toThrow(
      `file ${file('artery.nii.gz')}, field 'aif ROI': none of the arterial ROI's 4 voxels has a signal that converts to a concentration`,
    );
  });
});

describe('osteoflow maps dce --aif roi', () => {
  const run = (aif: string[], out: string) =>
    maps(
      'dce',
      '--dce',
      file('dce.nii.gz'),
      '--times',
      '0:4',
      ...aif,
      '--t1',
      '1400',
      '--flip',
      '15',
      '--tr',
      '5',
      '--injection',
      '8',
      '--hct',
      String(HCT),
      '--out-dir',
      out,
    );

  it('recovers Ktrans and ve with the ROI AIF as with the true AIF', async () => {
    const roiOut = path.join(dir, 'roi');
    const trueOut = path.join(dir, 'parker');
    const r = await run(['--aif', 'roi', '--aif-mask', file('artery.nii.gz')], roiOut);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`AIF from 4 voxels of ${file('artery.nii.gz')}`);
    // The true AIF on the synthesiser's 4 s nodes.
    expect((await run(['--aif', 'parker', '--aif-step', '4'], trueOut)).code).toBe(0);
    const [kRoi, kTrue, veRoi] = [path.join(roiOut, 'Ktrans.nii.gz'), path.join(trueOut, 'Ktrans.nii.gz'), path.join(roiOut, 've.nii.gz')].map(
      (f) => readImage(f).data,
    );
    for (let i = 0; i < n; i++) {
      if (isArtery(i)) continue;
      const truth = tissues[labels[i]];
      expect(Math.abs(kRoi[i] - truth.ktrans) / truth.ktrans).toBeLessThan(1e-5);
      expect(Math.abs(kTrue[i] - truth.ktrans) / truth.ktrans).toBeLessThan(1e-5);
      expect(Math.abs(veRoi[i] - truth.ve) / truth.ve).toBeLessThan(1e-5);
    }
  });

  it('refuses an empty or off-grid ROI, and --aif roi without --aif-mask, writing nothing', async () => {
    const out = path.join(dir, 'bad');
    const empty = await run(['--aif', 'roi', '--aif-mask', file('empty.nii.gz')], out);
    expect(empty.code).toBe(1);
    expect(empty.err).toBe(
      `osteoflow maps dce: file ${file('empty.nii.gz')}, field 'aif ROI': the arterial ROI holds no voxel (expected at least one voxel inside an artery on the DCE grid)\n`,
    );
    const offGrid = await run(['--aif', 'roi', '--aif-mask', file('one-slice.nii.gz')], out);
    expect(offGrid.code).toBe(1);
    expect(offGrid.err).toContain(`file ${file('one-slice.nii.gz')}, field 'size': arterial ROI is 4×3×1, the DCE series 4×3×2`);
    const noMask = await run(['--aif', 'roi'], out);
    expect(noMask.code).toBe(2);
    expect(noMask.err).toMatch(/^osteoflow maps dce: --aif roi needs --aif-mask ARTERY\.nii\.gz/);
    expect(existsSync(out)).toBe(false);
  });
});
