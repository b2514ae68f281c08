// RTSTRUCT → mask on small hand-made series: which voxels a contour fills (counted by hand from the voxel centres),
// ROI choice, references (frame of reference, series), contours partly or entirely outside, contours off the slice
// planes, and files that are no structure set. Every error names the file and the field, on one line.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { readDicomMask } from '../../../../imaging/contours';
import { expectInputError, scratchDir } from '../io/support/files';
import { modifyDicom, rectangle, SERIES, structureSet, syntheticSeries, voxelsOf } from './support';

const scratch = scratchDir('rtstruct');
// 8 columns × 6 rows × 4 slices, 1 × 1 mm pixels, slices at z = 0, 2, 4, 6 mm.
const series = syntheticSeries(scratch.file('series'), { size: [8, 6, 4] });
const SIZE: [number, number, number] = [8, 6, 4];
let n = 0;
const rs = (...args: Parameters<typeof structureSet> extends [string, ...infer R] ? R : never) => structureSet(scratch.file(`rs${++n}.dcm`), ...args);

/** Voxels of a box x0…x1, y0…y1 on slice k, as voxelsOf lists them. */
function box(x0: number, x1: number, y0: number, y1: number, k: number): string[] {
  const out: string[] = [];
  for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++) out.push(`${x},${y},${k}`);
  return out;
}

describe('RTSTRUCT → mask', () => {
  it('fills the voxel centres inside a closed planar contour on its slice', () => {
    // x ∈ [0.5, 3.5] holds centres 1…3, y ∈ [0.5, 2.5] holds 1…2; z = 2 mm is slice 1.
    const file = rs([{ name: 'GTV', contours: [{ points: rectangle(0.5, 0.5, 3.5, 2.5, 2) }] }]);
    const m = readDicomMask(file, series);
    expect(m.kind).toBe('RTSTRUCT');
    expect(m.name).toBe('GTV');
    expect(m.warnings).toEqual([]);
    expect(m.mask.data).toBeInstanceOf(Uint8Array);
    expect(m.mask.geometry).toEqual(m.series.volume.geometry);
    expect(voxelsOf(m.mask.data, SIZE)).toEqual(box(1, 3, 1, 2, 1));
  });

  it('cuts holes and adds separate contours on one slice; fills several slices', () => {
    const file = rs([
      {
        name: 'GTV',
        contours: [
          { points: rectangle(-0.5, -0.5, 7.5, 5.5, 4) }, // the whole of slice 2 …
          { points: rectangle(1.5, 1.5, 3.5, 3.5, 4) }, // … less a 2 × 2 hole
          { points: rectangle(0.5, 0.5, 1.5, 1.5, 0) }, // one voxel on slice 0
          { points: rectangle(4.5, 3.5, 5.5, 4.5, 0) }, // and another, separate
        ],
      },
    ]);
    const voxels = voxelsOf(readDicomMask(file, series).mask.data, SIZE);
    const hole = box(2, 3, 2, 3, 2);
    expect(voxels).toEqual([...box(1, 1, 1, 1, 0), ...box(5, 5, 4, 4, 0), ...box(0, 7, 0, 5, 2).filter((v) => !hole.includes(v))]);
  });

  it('maps contours through the image orientation (rows along +y, columns along +x)', () => {
    // Row direction +y, column direction +x: voxel x counts along y, voxel y along x; the normal is −z.
    const dir = syntheticSeries(scratch.file('rotated'), { size: [8, 6, 4], orientation: [0, 1, 0, 1, 0, 0] });
    const file = rs([{ name: 'GTV', contours: [{ points: rectangle(0.5, 0.5, 2.5, 3.5, -2) }] }]);
    const m = readDicomMask(file, dir);
    expect(voxelsOf(m.mask.data, SIZE)).toEqual(box(1, 3, 1, 2, 1));
  });

  it('chooses the ROI by name, and needs a name when there are several', () => {
    const file = rs([
      { name: 'GTV', contours: [{ points: rectangle(0.5, 0.5, 1.5, 1.5, 0) }] },
      { name: 'Bone', contours: [{ points: rectangle(4.5, 3.5, 5.5, 4.5, 6) }] },
    ]);
    expect(voxelsOf(readDicomMask(file, series, { roi: 'Bone' }).mask.data, SIZE)).toEqual(['5,4,3']);
    expect(voxelsOf(readDicomMask(file, series, { roi: 'GTV' }).mask.data, SIZE)).toEqual(['1,1,0']);
    const none = expectInputError(() => readDicomMask(file, series), { file, field: 'ROIName (3006,0026)', message: /2 ROIs/ });
    expect(none.expected).toContain("'GTV', 'Bone'");
    const missing = expectInputError(() => readDicomMask(file, series, { roi: 'CTV' }), { file, field: 'ROIName (3006,0026)', message: /no ROI named 'CTV'/ });
    expect(missing.expected).toContain("'GTV', 'Bone'");
  });

  it('refuses an ROI drawn in another frame of reference', () => {
    const file = rs([{ name: 'GTV', contours: [{ points: rectangle(0.5, 0.5, 1.5, 1.5, 0) }] }], { frameOfReferenceUid: '1.2.3.4' });
    const err = expectInputError(() => readDicomMask(file, series), {
      file,
      field: 'ReferencedFrameOfReferenceUID (3006,0024)',
      message: /another frame of reference/,
    });
    expect(err.message).not.toContain('1.2.3.4');
  });

  it('checks the series the structure set names, and picks it from a folder of several', () => {
    const roi = [{ name: 'GTV', contours: [{ points: rectangle(0.5, 0.5, 1.5, 1.5, 0) }] }];
    expect(readDicomMask(rs(roi, { series: [SERIES] }), series).warnings).toEqual([]);
    const other = rs(roi, { series: ['1.2.826.0.1.3680043.8.498.7999'] });
    expectInputError(() => readDicomMask(other, series), {
      file: other,
      field: 'SeriesInstanceUID (0020,000E) in RTReferencedSeriesSequence (3006,0014)',
      message: /another series/,
    });
    // A folder of two series in one frame of reference: the one named is read.
    const both = scratch.file('two-series');
    syntheticSeries(both, { size: [8, 6, 4], prefix: 'A' });
    syntheticSeries(both, { size: [5, 5, 3], prefix: 'B', seriesUid: '1.2.826.0.1.3680043.8.498.7003' });
    expect(readDicomMask(rs(roi, { series: ['1.2.826.0.1.3680043.8.498.7003'] }), both).mask.geometry.size).toEqual([5, 5, 3]);
    expect(readDicomMask(rs(roi, { series: [SERIES] }), both).mask.geometry.size).toEqual([8, 6, 4]);
  });

  it('clips contours partly outside the image, with warnings', () => {
    const file = rs([
      {
        name: 'GTV',
        contours: [
          { points: rectangle(5.5, 3.5, 20, 20, 2) }, // beyond the right and lower edge of slice 1
          { points: rectangle(0.5, 0.5, 1.5, 1.5, 40) }, // beyond the last slice
        ],
      },
    ]);
    const m = readDicomMask(file, series);
    expect(voxelsOf(m.mask.data, SIZE)).toEqual(box(6, 7, 4, 5, 1));
    expect(m.warnings).toHaveLength(2);
    expect(m.warnings.join('\n')).toMatch(/1 of 2 contour\(s\).*beyond the image's first or last slice/);
    expect(m.warnings.join('\n')).toMatch(/1 contour\(s\).*clipped/);
  });

  it('refuses contours entirely outside the image, or enclosing no voxel centre', () => {
    const beyond = rs([{ name: 'GTV', contours: [{ points: rectangle(100, 100, 110, 110, 2) }, { points: rectangle(0.5, 0.5, 1.5, 1.5, -30) }] }]);
    expectInputError(() => readDicomMask(beyond, series), { file: beyond, field: 'ContourData (3006,0050)', message: /entirely outside the image/ });
    const tiny = rs([{ name: 'GTV', contours: [{ points: rectangle(1.2, 1.2, 1.8, 1.8, 2) }] }]);
    expectInputError(() => readDicomMask(tiny, series), { file: tiny, field: 'ContourData (3006,0050)', message: /encloses no voxel centre/ });
  });

  it('refuses a contour between slices or not parallel to them', () => {
    const between = rs([{ name: 'GTV', contours: [{ points: rectangle(0.5, 0.5, 3.5, 2.5, 3) }] }]);
    expectInputError(() => readDicomMask(between, series), {
      file: between,
      field: "ContourData (3006,0050) of contour 1 of ROI 'GTV'",
      message: /off slice/,
    });
    const tilted = rs([{ name: 'GTV', contours: [{ points: [0.5, 0.5, 0, 3.5, 0.5, 0, 3.5, 2.5, 4, 0.5, 2.5, 4] }] }]);
    expectInputError(() => readDicomMask(tilted, series), { file: tilted, field: "ContourData (3006,0050) of contour 1 of ROI 'GTV'", message: /spans/ });
  });

  it('leaves out point and open contours with a warning', () => {
    const file = rs([
      {
        name: 'GTV',
        contours: [
          { points: rectangle(0.5, 0.5, 1.5, 1.5, 0) },
          { points: [3, 3, 0], type: 'POINT' },
          { points: rectangle(2.5, 2.5, 5.5, 4.5, 0), type: 'OPEN_PLANAR' },
        ],
      },
    ]);
    const m = readDicomMask(file, series);
    expect(voxelsOf(m.mask.data, SIZE)).toEqual(['1,1,0']);
    expect(m.warnings).toEqual([expect.stringMatching(/^2 contour\(s\) of ROI 'GTV' are points, open/)]);
  });

  it('refuses contour data that does not match NumberOfContourPoints', () => {
    const file = scratch.file('bad-count.dcm');
    structureSet(file, [{ name: 'GTV', contours: [{ points: rectangle(0.5, 0.5, 1.5, 1.5, 0) }] }]);
    modifyDicom(file, file, (ds) => {
      ds.ROIContourSequence[0].ContourSequence[0].NumberOfContourPoints = 5;
    });
    expectInputError(() => readDicomMask(file, series), {
      file,
      field: "ContourData (3006,0050) of contour 1 of ROI 'GTV'",
      message: /12 values for 5 points/,
    });
  });

  it('refuses files that are not an RTSTRUCT or SEG, naming the field', () => {
    const image = path.join(series, 'IM000.dcm');
    expectInputError(() => readDicomMask(image, series), { file: image, field: 'SOPClassUID (0008,0016)', message: /neither RTSTRUCT nor SEG/ });
    const text = scratch.file('notes.txt');
    writeFileSync(text, 'not DICOM at all');
    expectInputError(() => readDicomMask(text, series), { file: text, field: 'preamble (PS3.10 7.1)', message: /not a DICOM/ });
    const folder = scratch.file('a-folder');
    mkdirSync(folder);
    expectInputError(() => readDicomMask(folder, series), { file: folder, field: 'path', message: /folder/ });
  });

  it('refuses an image argument that is not a series folder', () => {
    const file = rs([{ name: 'GTV', contours: [{ points: rectangle(0.5, 0.5, 1.5, 1.5, 0) }] }]);
    const image = path.join(series, 'IM000.dcm');
    expectInputError(() => readDicomMask(file, image), { file: image, field: 'path', message: /not a folder/ });
  });
});
