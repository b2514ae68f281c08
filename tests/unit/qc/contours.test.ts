// QC of a contour per image: images that are not co-registered (CT, T1, PET on three grids) each need a usable contour,
// their own or the shared mask on their grid, and every problem names the image modality it is about.
import type { Volume } from '../../../imaging/image';
import type { QcProfile } from '../../../contracts/study';
import { runQc, type QcInput } from '../../../qc/runQc';

type Size = [number, number, number];
const profile: QcProfile = { minSlices: 4, maxSpacingMm: 6, tumourVolumeMl: [0.01, 100] };
const identity = [1, 0, 0, 0, 1, 0, 0, 0, 1] as Volume['geometry']['direction'];

/** A volume on a grid of `size` with 1 mm × 1 mm × 2 mm voxels; `fill` gives each voxel. */
function vol(size: Size, fill: (x: number, y: number, z: number) => number, origin: Size = [0, 0, 0]): Volume {
  const data = new Float32Array(size[0] * size[1] * size[2]);
  for (let z = 0; z < size[2]; z++) for (let y = 0; y < size[1]; y++) for (let x = 0; x < size[0]; x++) data[x + size[0] * (y + size[1] * z)] = fill(x, y, z);
  return { geometry: { size, spacing: [1, 1, 2], origin, direction: identity }, data };
}
const texture = (x: number, y: number, z: number) => 100 + ((x * 7 + y * 13 + z * 5) % 17);
/** 4 × 4 × 3 voxels of 2 mm³: 0.096 ml. */
const cube = (x: number, y: number, z: number) => (x >= 2 && x < 6 && y >= 2 && y < 6 && z >= 1 && z < 4 ? 1 : 0);

// Three grids, as a CT, a T1 and a PET of one visit are: no two alike.
const CT: Size = [12, 12, 6];
const T1: Size = [10, 9, 6];
const PET: Size = [8, 8, 6];
const files: Record<string, Volume> = {
  ct: vol(CT, texture),
  t1: vol(T1, texture),
  pet: vol(PET, texture),
  'ct-mask': vol(CT, cube),
  't1-mask': vol(T1, cube),
  'pet-mask': vol(PET, cube),
  'empty-mask': vol(T1, () => 0),
  'shifted-t1-mask': vol(T1, cube, [0.5, 0, 0]),
};
const images: QcInput['images'] = [
  { modality: 'CT', path: 'ct', sha256: 'c' },
  { modality: 'T1', path: 't1', sha256: 't' },
  { modality: 'PET', path: 'pet', sha256: 'p' },
];

function qc(input: Partial<QcInput>) {
  const read = (p: string): Volume => {
    if (!files[p]) throw new Error(`${p}: not found`);
    return files[p];
  };
  return runQc({ images, requiredModalities: ['CT', 'T1', 'PET'], profile, segmentation: 'manual-required', ...input }, read);
}

const own = (modality: string, path: string) => ({ for: modality, path });

describe('QC of a contour per image', () => {
  it('passes three images on three grids, each with its own contour', () => {
    expect(qc({ contours: [own('CT', 'ct-mask'), own('T1', 't1-mask'), own('PET', 'pet-mask')] })).toEqual({ passed: true, reasons: [], findings: [] });
  });

  it('reports the shared mask on every image whose grid it does not match, naming each (not only the first image)', () => {
    // The CT contour registered as the one mask: CT fits, T1 and PET would fail at extraction; QC says so first.
    const { findings } = qc({ mask: { path: 'ct-mask' } });
    expect(findings).toEqual([
      { code: 'mask-size-mismatch', modality: 'T1', message: "mask: size 12×12×6 differs from the T1 image's 10×9×6" },
      { code: 'mask-size-mismatch', modality: 'PET', message: "mask: size 12×12×6 differs from the PET image's 8×8×6" },
    ]);
  });

  it('uses the shared mask for images without a contour of their own, where the grid matches', () => {
    expect(qc({ mask: { path: 'ct-mask' }, contours: [own('T1', 't1-mask'), own('PET', 'pet-mask')] }).passed).toBe(true);
    expect(qc({ mask: { path: 'ct-mask' }, contours: [own('T1', 't1-mask')] }).findings.map((f) => [f.code, f.modality])).toEqual([
      ['mask-size-mismatch', 'PET'],
    ]);
  });

  it('checks an own contour against its own image, and the shared mask does not stand in for a bad one', () => {
    // T1's contour is on the CT's grid; the shared mask would fit T1, but T1 has a contour of its own.
    const { findings } = qc({ mask: { path: 't1-mask' }, contours: [own('CT', 'ct-mask'), own('T1', 'ct-mask'), own('PET', 'pet-mask')] });
    expect(findings).toEqual([{ code: 'mask-size-mismatch', modality: 'T1', message: "T1 mask: size 12×12×6 differs from the image's 10×9×6" }]);
    const shifted = qc({ contours: [own('CT', 'ct-mask'), own('T1', 'shifted-t1-mask'), own('PET', 'pet-mask')] }).findings;
    expect(shifted).toEqual([
      { code: 'mask-grid-mismatch', modality: 'T1', message: 'T1 mask: geometry (origin/spacing) does not match the image: it is not inside the image grid' },
    ]);
  });

  it('asks no contour of a mask registered as a scan of its own (an arterial ROI)', () => {
    const withArtery = [...images, { modality: 'ARTERY', path: 't1-mask', sha256: 'a' }];
    const contours = [own('CT', 'ct-mask'), own('T1', 't1-mask'), own('PET', 'pet-mask')];
    expect(qc({ images: withArtery, contours }).findings.filter((f) => f.code === 'contour-missing')).toEqual([]);
  });

  it('names the image of a contour that is missing, unreadable, empty, unusable or of an implausible volume', () => {
    expect(qc({ contours: [own('CT', 'ct-mask'), own('T1', 't1-mask')] }).findings).toEqual([
      { code: 'contour-missing', modality: 'PET', message: 'PET: no contour (no mask registered for PET and no shared mask; register one with --for PET)' },
    ]);
    const bad = qc({
      contours: [
        own('CT', 'nowhere'),
        own('T1', 'empty-mask'),
        { for: 'PET', path: '', unusable: "file RS.dcm, field 'ROIName (3006,0026)': no ROI named 'GTV'" },
      ],
    });
    expect(bad.findings).toEqual([
      { code: 'mask-unreadable', modality: 'CT', message: 'CT mask: unreadable (nowhere: not found)' },
      { code: 'contour-unusable', modality: 'PET', message: "PET mask: unusable (file RS.dcm, field 'ROIName (3006,0026)': no ROI named 'GTV')" },
      { code: 'mask-empty', modality: 'T1', message: 'T1 mask: empty (no tumour voxel)' },
    ]);
    const small = qc({ contours: [own('CT', 'ct-mask'), own('T1', 't1-mask'), own('PET', 'pet-mask')], profile: { ...profile, tumourVolumeMl: [0.5, 100] } });
    expect(small.findings.map((f) => [f.code, f.modality, f.message])).toEqual(
      ['CT', 'T1', 'PET'].map((m) => ['tumour-volume-implausible', m, `${m} mask: tumour volume 0.10 ml outside the plausible 0.5–100 ml`]),
    );
  });

  it('counts the latest contour of a modality (a replaced mask)', () => {
    const contours = [own('CT', 'ct-mask'), own('T1', 'empty-mask'), own('PET', 'pet-mask'), own('T1', 't1-mask')];
    expect(qc({ contours }).passed).toBe(true);
  });

  it('leaves images without any mask to automatic segmentation, but not once a contour was registered', () => {
    expect(qc({ segmentation: 'automatic-allowed' }).passed).toBe(true);
    expect(qc({}).findings.map((f) => f.code)).toEqual(['mask-missing']);
    expect(qc({ segmentation: 'automatic-allowed', contours: [own('T1', 't1-mask')] }).findings.map((f) => [f.code, f.modality])).toEqual([
      ['contour-missing', 'CT'],
      ['contour-missing', 'PET'],
    ]);
  });
});
