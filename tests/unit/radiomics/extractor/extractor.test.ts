// The extractor's pipeline on synthetic volumes whose results are known in closed form or by PyRadiomics' documented
// behaviour: naming, settings flowing to classes, label choice, image-type registry, diagnostics, and bad input.
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { extract, extractSync, planExtraction } from '../../../../radiomics/extractor';
import { RadiomicsInputError } from '../../../../imaging/errors';
import { FEATURE_CATALOG, FEATURE_CLASSES } from '../../../../radiomics/extraction/featureClasses';
import { IMAGE_TYPES } from '../../../../radiomics/extraction/imageTypes';
import { volumeHash } from '../../../../radiomics/extraction/volumeHash';
import { FEATURE_CLASS_NAMES, parseParams } from '../../../../radiomics/params';
import type { Volume } from '../../../../imaging/image';
import { ENGINE_VERSION } from '../../../../radiomics/version';
import { describeWithReferenceData, referencePath } from '../../../support/referenceData';
import { boxMask, grid, volumeOf } from './support';

const g = grid([12, 12, 12]);
// Intensity = 10·x inside a 6×6×6 box: every ROI row holds 6 distinct values, 20 apart.
const image = volumeOf(Float64Array, g, (x) => 10 * x, 'image.nrrd');
const mask = boxMask(g, [3, 3, 3], [8, 8, 8]);

function inputError(f: () => unknown): RadiomicsInputError {
  try {
    f();
  } catch (err) {
    if (err instanceof RadiomicsInputError) return err;
    throw err;
  }
  throw new Error('no error');
}

describe('feature names and classes', () => {
  it('names every feature <imageType>_<class>_<Feature> and runs every class of a default extraction', () => {
    const { features } = extractSync(image, mask);
    const classes = new Set(Object.keys(features).map((k) => k.split('_')[1]));
    // shape2D needs force2D (reported as skipped), the seven 3D classes run.
    expect([...classes].sort()).toEqual(['firstorder', 'glcm', 'gldm', 'glrlm', 'glszm', 'ngtdm', 'shape']);
    expect(Object.keys(features).every((k) => /^original_[a-z0-9A-Z]+_[A-Za-z0-9]+$/.test(k))).toBe(true);
    // PyRadiomics: 18 + 14 + 24 + 16 + 16 + 14 + 5 = 107 non-deprecated 3D features.
    expect(Object.keys(features)).toHaveLength(107);
  });

  it('computes first-order values from the ROI (closed form: mean of 10·x over x = 3..8 is 55)', () => {
    const { features } = extractSync(image, mask, { featureClass: { firstorder: ['Mean', 'Minimum', 'Maximum', 'Range'] } });
    expect(features).toEqual({
      original_firstorder_Mean: 55,
      original_firstorder_Minimum: 30,
      original_firstorder_Maximum: 80,
      original_firstorder_Range: 50,
    });
  });

  it('passes class settings through: voxelArrayShift moves Energy to Σ(x + shift)²', () => {
    const energy = (shift: number) =>
      extractSync(image, mask, { setting: { voxelArrayShift: shift }, featureClass: { firstorder: ['Energy'] } }).features.original_firstorder_Energy;
    // 36 voxels per x value (6 × 6), x = 3..8: Σ (10x + s)²
    const expected = (s: number) => [3, 4, 5, 6, 7, 8].reduce((sum, x) => sum + 36 * (10 * x + s) ** 2, 0);
    expect(energy(0)).toBe(expected(0));
    expect(energy(1000)).toBe(expected(1000));
  });

  it('extracts the label asked for, from the parameters or the label option', () => {
    const two = volumeOf(Uint8Array, g, (x, y, z) => (y >= 2 && y <= 5 && z >= 2 && z <= 5 ? (x <= 4 ? 1 : x <= 9 ? 2 : 0) : 0));
    const mean = (r: { features: Record<string, number> }) => r.features.original_firstorder_Mean;
    const p = { featureClass: { firstorder: ['Mean'] } };
    expect(mean(extractSync(image, two, p))).toBe(20); // x = 0..4
    expect(mean(extractSync(image, two, { ...p, setting: { label: 2 } }))).toBe(70); // x = 5..9
    expect(mean(extractSync(image, two, p, { label: 2 }))).toBe(70);
  });

  it('the async API gives the same row as the single-threaded one', async () => {
    expect(await extract(image, mask)).toEqual(extractSync(image, mask));
  });

  it('validates feature names against the real feature classes', () => {
    expect(Object.keys(FEATURE_CATALOG).sort()).toEqual([...FEATURE_CLASS_NAMES].sort());
    for (const [name, cls] of Object.entries(FEATURE_CLASSES)) expect(cls.name).toBe(name);
    expect(() => extractSync(image, mask, { featureClass: { glcm: ['Contrastt'] } })).toThrow("field 'featureClass.glcm[0]'");
    // Params parsed without the catalog are checked again before extraction.
    const unchecked = parseParams('featureClass:\n  shape: [Volume]\n');
    expect(inputError(() => extractSync(image, mask, unchecked)).field).toBe('featureClass.shape');
  });
});

describe('image types', () => {
  const square = IMAGE_TYPES.Square;
  afterEach(() => {
    IMAGE_TYPES.Square = square;
  });

  it('a filter is one registry entry: its images are prefixed with its name and see its own settings', () => {
    const seen: number[] = [];
    IMAGE_TYPES.Square = (img, settings) => {
      seen.push(settings.binWidth);
      const data = Float64Array.from(img.data, (v) => v * v);
      return [{ name: 'square', image: { geometry: img.geometry, data } }];
    };
    const { features } = extractSync(image, mask, {
      imageType: { Original: {}, Square: { binWidth: 100 } },
      featureClass: { firstorder: ['Maximum'] },
    });
    expect(features).toEqual({ original_firstorder_Maximum: 80, square_firstorder_Maximum: 6400 });
    expect(seen).toEqual([100]);
  });

  it('an image type PyRadiomics knows but this engine lacks is refused by name', () => {
    const err = inputError(() => extractSync(image, mask, { imageType: { LBP3D: {} } }));
    expect(err.field).toBe('imageType.LBP3D');
    expect(err.expected).toContain('Original');
  });
});

describe('diagnostics and provenance', () => {
  it('carries the engine version, the parameter hash and both content hashes', () => {
    const params = parseParams('setting: {binWidth: 10}\n');
    const { diagnostics } = extractSync(image, mask, params);
    expect(diagnostics.diagnostics_Versions_Engine).toBe(`osteoflow-radiomics ${ENGINE_VERSION}`);
    expect(diagnostics.diagnostics_Configuration_ParamsHash).toMatch(/^[0-9a-f]{64}$/);
    expect(diagnostics['diagnostics_Image-original_Hash']).toMatch(/^[0-9a-f]{64}$/);
    expect(diagnostics['diagnostics_Mask-original_Hash']).not.toBe(diagnostics['diagnostics_Image-original_Hash']);
    // The extractor gathers each volume's value summary in passes it makes anyway; the hashes must not change by it.
    expect(diagnostics['diagnostics_Image-original_Hash']).toBe(volumeHash(image));
    expect(diagnostics['diagnostics_Mask-original_Hash']).toBe(volumeHash(mask));
  });

  it('hashes the parameters actually used: a label override changes the hash', () => {
    const two = boxMask(g, [3, 3, 3], [8, 8, 8], 2);
    const a = extractSync(image, two, { setting: { label: 2 }, featureClass: { firstorder: ['Mean'] } });
    const b = extractSync(image, two, { featureClass: { firstorder: ['Mean'] } }, { label: 2 });
    const c = extractSync(image, mask, { featureClass: { firstorder: ['Mean'] } });
    expect(b.diagnostics.diagnostics_Configuration_ParamsHash).toBe(a.diagnostics.diagnostics_Configuration_ParamsHash);
    expect(c.diagnostics.diagnostics_Configuration_ParamsHash).not.toBe(a.diagnostics.diagnostics_Configuration_ParamsHash);
  });

  it('reports the ROI as PyRadiomics does: box (x, y, z, extent), voxel count, 26-connected volumes, centre of mass', () => {
    // Two cubes touching only at a corner are one 26-connected volume; a third, apart, makes two.
    const blobs = volumeOf(Uint8Array, g, (x, y, z) => {
      const inA = x >= 1 && x <= 2 && y >= 1 && y <= 2 && z >= 1 && z <= 2;
      const inB = x >= 3 && x <= 4 && y >= 3 && y <= 4 && z >= 3 && z <= 4;
      const inC = x >= 8 && x <= 9 && y >= 1 && y <= 2 && z >= 1 && z <= 2;
      return inA || inB || inC ? 1 : 0;
    });
    const shifted = { ...blobs, geometry: grid([12, 12, 12], [2, 2, 2], [-10, 0, 5]) };
    const { diagnostics } = extractSync(
      volumeOf(Float64Array, shifted.geometry, () => 1),
      shifted,
      { featureClass: { shape: ['VoxelVolume'] } },
    );
    expect(diagnostics['diagnostics_Mask-original_BoundingBox']).toEqual([1, 1, 1, 9, 4, 4]);
    expect(diagnostics['diagnostics_Mask-original_VoxelNum']).toBe(24);
    expect(diagnostics['diagnostics_Mask-original_VolumeNum']).toBe(2);
    const com = [(1.5 + 3.5 + 8.5) / 3, (1.5 + 3.5 + 1.5) / 3, (1.5 + 3.5 + 1.5) / 3];
    expect(diagnostics['diagnostics_Mask-original_CenterOfMassIndex']).toEqual(com.map((c) => expect.closeTo(c, 12)));
    expect(diagnostics['diagnostics_Mask-original_CenterOfMass']).toEqual([-10 + 2 * com[0], 2 * com[1], 5 + 2 * com[2]].map((c) => expect.closeTo(c, 12)));
  });

  it('additionalInfo: false keeps only the provenance entries', () => {
    const { diagnostics } = extractSync(image, mask, { setting: { additionalInfo: false }, featureClass: { firstorder: ['Mean'] } });
    expect(Object.keys(diagnostics).sort()).toEqual([
      'diagnostics_Configuration_ParamsHash',
      'diagnostics_Image-original_Hash',
      'diagnostics_Mask-original_Hash',
      'diagnostics_Versions_Engine',
    ]);
  });

  it('says what it ignored or skipped: voxelSetting, and shape2D without force2D or on a thick ROI', () => {
    const r = extractSync(image, mask, { voxelSetting: { kernelRadius: 2 }, featureClass: { shape2D: null, firstorder: ['Mean'] } });
    expect(r.diagnostics.diagnostics_Configuration_Ignored).toMatch(/voxelSetting/);
    expect(r.diagnostics.diagnostics_Configuration_Skipped).toMatch(/shape2D: needs force2D/);
    const thick = extractSync(image, mask, { setting: { force2D: true }, featureClass: { shape2D: null } });
    expect(thick.diagnostics.diagnostics_Configuration_Skipped).toMatch(/6 voxels thick/);
    expect(Object.keys(thick.features)).toEqual([]);
  });

  it('computes shape2D on a one-slice ROI with force2D (closed form: a 6×6 square of 1 mm pixels)', () => {
    const slice = boxMask(g, [3, 3, 5], [8, 8, 5]);
    const { features } = extractSync(image, slice, { setting: { force2D: true }, featureClass: { shape2D: ['PixelSurface'] } });
    expect(features).toEqual({ original_shape2D_PixelSurface: 36 });
  });

  it('computes shape from a mask alone when only shape classes are enabled', () => {
    const { features, diagnostics } = extractSync(null, mask, { featureClass: { shape: ['VoxelVolume'] } });
    expect(features).toEqual({ original_shape_VoxelVolume: 216 });
    expect(diagnostics['diagnostics_Image-original_Hash']).toBeUndefined();
    expect(inputError(() => extractSync(null, mask)).field).toBe('image');
  });
});

describe('bad input gets a clear error naming the file and field', () => {
  it('a mask of another size', () => {
    const err = inputError(() => extractSync(image, boxMask(grid([12, 12, 11]), [3, 3, 3], [8, 8, 8])));
    expect(err.file).toBe('mask.nrrd');
    expect(err.field).toBe('geometry');
    expect(err.message).toMatch(/correctMask/);
  });

  it('a mask on another grid is corrected onto the image with correctMask (PyRadiomics _correctMask)', () => {
    // The same ROI described on a grid shifted by one voxel: nearest-neighbour resampling puts it back in place.
    const shifted = boxMask(grid([12, 12, 12], [1, 1, 1], [1, 0, 0]), [2, 3, 3], [7, 8, 8]);
    const r = extractSync(image, shifted, { setting: { correctMask: true }, featureClass: { firstorder: ['Mean'] } });
    expect(r.features.original_firstorder_Mean).toBe(55);
    expect(r.diagnostics['diagnostics_Mask-corrected_BoundingBox']).toEqual([3, 3, 3, 6, 6, 6]);
  });

  it('an empty mask, and a mask without the label', () => {
    expect(inputError(() => extractSync(image, boxMask(g, [0, 0, 0], [-1, -1, -1]))).message).toMatch(/nothing is segmented/);
    const err = inputError(() => extractSync(image, mask, { setting: { label: 3 } }));
    expect(err.field).toBe('label');
    expect(err.message).toMatch(/Label \(3\) not present in mask/);
  });

  it('a single-voxel ROI, a ROI too thin for minimumROIDimensions, one too small for minimumROISize', () => {
    expect(inputError(() => extractSync(image, boxMask(g, [4, 4, 4], [4, 4, 4]))).message).toMatch(/1 segmented voxel/);
    expect(inputError(() => extractSync(image, boxMask(g, [2, 4, 4], [8, 4, 4]))).field).toBe('minimumROIDimensions');
    expect(inputError(() => extractSync(image, mask, { setting: { minimumROISize: 216 } })).field).toBe('minimumROISize');
  });

  it('NaN intensities inside the ROI', () => {
    const nan = volumeOf(Float64Array, g, (x, y, z) => (x === 5 && y === 5 && z === 5 ? NaN : 1), 'nan.nrrd');
    const err = inputError(() => extractSync(nan, mask, { featureClass: { firstorder: ['Mean'] } }));
    expect(err.file).toBe('nan.nrrd');
    expect(err.message).toMatch(/non-finite/);
  });

  it('a flat ROI gives PyRadiomics’ documented values, not an error', () => {
    const flat = volumeOf(Float64Array, g, () => 100);
    const { features } = extractSync(flat, mask);
    expect(features).toMatchObject({
      original_firstorder_Variance: 0,
      original_firstorder_Range: 0,
      original_firstorder_Uniformity: 1,
      original_glcm_Contrast: 0,
      original_glcm_JointEnergy: 1,
      // ngtdm.getCoarsenessFeatureValue: 10⁶ when Σ p·s = 0; Busyness 0 when Ngp = 1
      original_ngtdm_Coarseness: 1e6,
      original_ngtdm_Busyness: 0,
      // glszm: one zone of 216 voxels
      original_glszm_ZonePercentage: 1 / 216,
    });
    expect(Math.abs(features.original_firstorder_Entropy)).toBeLessThan(1e-12);
  });

  it('input that is neither a path nor a volume, and a path that does not exist', () => {
    expect(inputError(() => extractSync({} as Volume, mask)).field).toBe('image');
    expect(inputError(() => extractSync('/nonexistent/image.nrrd', mask)).file).toBe('/nonexistent/image.nrrd');
  });

  it('a bad label option', () => {
    expect(inputError(() => extractSync(image, mask, undefined, { label: 0 })).field).toBe('label');
  });

  it('a plan lists one task per class and image, sharing one ROI', () => {
    const plan = planExtraction(image, mask, { featureClass: { shape: null, firstorder: null, glcm: null } });
    expect(plan.tasks.map((t) => t.prefix)).toEqual(['original_shape', 'original_firstorder', 'original_glcm']);
    expect(new Set(plan.tasks.map((t) => t.roi)).size).toBe(1);
  });
});

describeWithReferenceData('extraction from files', ['pyradiomics/breast1_image.nrrd', 'pyradiomics/breast1_label.nrrd'], () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'osteoflow-extractor-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a truncated image file is refused naming the file', () => {
    const bytes = readFileSync(referencePath('pyradiomics', 'breast1_image.nrrd'));
    const truncated = path.join(dir, 'truncated.nrrd');
    writeFileSync(truncated, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const err = inputError(() => extractSync(truncated, referencePath('pyradiomics', 'breast1_label.nrrd')));
    expect(err.file).toBe(truncated);
  });

  it('a file that is not an image at all', () => {
    const junk = path.join(dir, 'junk.nrrd');
    writeFileSync(junk, 'this is not NRRD\n');
    expect(inputError(() => extractSync(junk, referencePath('pyradiomics', 'breast1_label.nrrd'))).file).toBe(junk);
  });

  it('reads paths, and the same data under another name gives the same row', () => {
    const copy = path.join(dir, 'copy.nrrd');
    copyFileSync(referencePath('pyradiomics', 'breast1_image.nrrd'), copy);
    const a = extractSync(referencePath('pyradiomics', 'breast1_image.nrrd'), referencePath('pyradiomics', 'breast1_label.nrrd'));
    const b = extractSync(copy, referencePath('pyradiomics', 'breast1_label.nrrd'));
    expect(b).toEqual(a);
  });
});
