// 4D NIfTI series: read a file built field by field (independent of the writer) with frames in file order, the
// writer's round trip, a 3D file as a series of one, refusals (5th dimension), and readNifti still refusing 4D.
import { writeFileSync } from 'node:fs';
import { readNifti, readNiftiSeries, writeNiftiSeries } from '../../../../imaging/io/nifti';
import { RadiomicsInputError } from '../../../../imaging/errors';
import { buildNifti, int16Bytes } from '../io/support/niftiBuilder';
import { scratchDir } from '../io/support/files';

const { file } = scratchDir('series');

describe('NIfTI 4D series', () => {
  // 2×3×1 voxels × 4 frames: value = 100·frame + voxel index.
  const values = Array.from({ length: 24 }, (_, i) => 100 * Math.floor(i / 6) + (i % 6));

  it('reads dim[4] frames back to back, x fastest, with the 3D geometry', () => {
    const p = file('dwi.nii');
    writeFileSync(
      p,
      buildNifti({ dim: [4, 2, 3, 1, 4, 1, 1, 1], datatype: 4, bitpix: 16, pixdim: [1, 1.5, 2, 3, 1], qformCode: 0, sformCode: 0 }, int16Bytes(values)),
    );
    const s = readNiftiSeries(p);
    expect(s.frames).toBe(4);
    expect(s.geometry.size).toEqual([2, 3, 1]);
    expect(s.geometry.spacing).toEqual([1.5, 2, 3]);
    expect(Array.from(s.data)).toEqual(values);
    expect(s.source).toBe(p);
    // The 3D reader keeps refusing a true 4D image.
    expect(() => readNifti(p)).toThrow(/4D \(time series\) image is not supported/);
  });

  it('round-trips through the writer (gzip, float32), and a 3D file reads as one frame', () => {
    const geometry = {
      size: [3, 2, 2] as [number, number, number],
      spacing: [0.8, 0.8, 2] as [number, number, number],
      origin: [1, 2, 3] as [number, number, number],
      direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] as [number, number, number, number, number, number, number, number, number],
    };
    const data = Float32Array.from({ length: 12 * 5 }, (_, i) => i / 7);
    const p = file('dce.nii.gz');
    writeNiftiSeries(p, { geometry, frames: 5, data });
    const s = readNiftiSeries(p);
    expect(s.frames).toBe(5);
    expect(s.geometry.origin).toEqual([1, 2, 3]);
    expect(Array.from(s.data)).toEqual(Array.from(data));
    const one = file('one.nii.gz');
    writeNiftiSeries(one, { geometry, frames: 1, data: data.slice(0, 12) });
    expect(readNiftiSeries(one).frames).toBe(1);
    expect(readNifti(one).geometry.size).toEqual([3, 2, 2]);
  });

  it('refuses a 5th dimension and data that do not fill the frames', () => {
    const p = file('5d.nii');
    writeFileSync(p, buildNifti({ dim: [5, 2, 3, 1, 2, 2, 1, 1], datatype: 4, bitpix: 16, pixdim: [1, 1, 1, 1, 1, 1] }, int16Bytes(values)));
    expect(() => readNiftiSeries(p)).toThrow(RadiomicsInputError);
    expect(() => readNiftiSeries(p)).toThrow(/field 'dim\[5\]': 2: a multi-component image is not supported/);
    const geometry = {
      size: [2, 2, 1] as [number, number, number],
      spacing: [1, 1, 1] as [number, number, number],
      origin: [0, 0, 0] as [number, number, number],
      direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] as [number, number, number, number, number, number, number, number, number],
    };
    expect(() => writeNiftiSeries(file('bad.nii'), { geometry, frames: 3, data: new Float32Array(11) })).toThrow(/data holds 11 voxels, the geometry 2×2×1×3/);
  });
});
