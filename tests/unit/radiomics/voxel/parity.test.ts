// Voxel-based maps against PyRadiomics 3.1's (tests/fixtures/voxel, written by make_voxel_fixtures.py there): every
// class but shape, kernelRadius 1 and 2, maskedKernel true and false, every filter (LoG and Square with a non-zero
// initValue; Wavelet, Gradient, SquareRoot, Logarithm unmasked). Each
// ROI voxel of each map must meet PyRadiomics' 3 % rule (exact 0 and NaN where PyRadiomics has them), the maps must
// lie on PyRadiomics' grid (the ROI's box padded by kernelRadius) and hold initValue outside the ROI.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { extractVoxelBasedSync, type VoxelExtractionResult } from '../../../../radiomics/voxel/extract';
import { readNpy } from '../../../support/npy';

const DIR = path.resolve(__dirname, '../../../fixtures/voxel');
const IMAGE = path.join(DIR, 'brain1_crop_image.nrrd');
const MASK = path.join(DIR, 'brain1_crop_label.nrrd');

interface Meta {
  case: 'crop' | 'edge';
  params: { voxelSetting: { initValue?: number }; featureClass: Record<string, unknown> };
  features: string[];
  mapSize: number[];
  mapOrigin: number[];
  roiVoxels: number;
}

// The references are stored as float32, so a value PyRadiomics computed as 0 stays 0, and float32 rounding is far
// inside 3 %. Sums of terms that cancel (ClusterShade of a symmetric kernel) leave rounding noise of ~1e-16 in either
// engine, or an exact 0 in one of them; two such values agree when both are below 1e-12 in magnitude.
const NOISE = 1e-12;

/** |1 − value/ref| under PyRadiomics' rule: 0 when both are NaN or both exactly 0, Infinity when only one is. */
export function relativeDifference(value: number, ref: number): number {
  if (Number.isNaN(ref) || Number.isNaN(value)) return Number.isNaN(ref) && Number.isNaN(value) ? 0 : Infinity;
  if (Math.abs(ref) < NOISE && Math.abs(value) < NOISE) return 0;
  if (ref === 0) return value === 0 ? 0 : Infinity;
  return Math.abs(1 - value / ref);
}

function load(name: string): { meta: Meta; rows: Float64Array; voxels: number } {
  const meta = JSON.parse(readFileSync(path.join(DIR, `${name}.json`), 'utf8')) as Meta;
  const npy = readNpy(path.join(DIR, `${name}.npy`));
  expect(npy.shape).toEqual([meta.features.length, meta.roiVoxels]);
  return { meta, rows: npy.data, voxels: npy.shape[1] };
}

/** Worst relative difference per class, and the features outside 3 %. */
function compare(result: VoxelExtractionResult, name: string): { worst: Record<string, number>; failures: string[] } {
  const { meta, rows, voxels } = load(name);
  const initValue = meta.params.voxelSetting.initValue ?? 0;
  const roi = result.roi!;
  expect([...roi.geometry.size]).toEqual(meta.mapSize);
  roi.geometry.origin.forEach((o, a) => expect(o).toBeCloseTo(meta.mapOrigin[a], 6));
  const inRoi: number[] = [];
  roi.data.forEach((v, i) => v && inRoi.push(i));
  expect(inRoi.length).toBe(voxels);
  expect(Object.keys(result.maps).sort()).toEqual([...meta.features].sort());
  const worst: Record<string, number> = {};
  const failures: string[] = [];
  meta.features.forEach((feature, row) => {
    const map = result.maps[feature];
    expect([...map.geometry.size]).toEqual(meta.mapSize);
    const cls = feature.split('_')[1];
    let bad = 0;
    for (let k = 0; k < voxels; k++) {
      const d = relativeDifference(map.data[inRoi[k]], rows[row * voxels + k]);
      worst[cls] = Math.max(worst[cls] ?? 0, d);
      if (!(d < 0.03)) bad++;
    }
    if (bad > 0) failures.push(`${feature}: ${bad} voxel(s)`);
    for (let i = 0; i < map.data.length; i++) if (!roi.data[i] && map.data[i] !== initValue) bad++;
    if (bad > 0 && failures.at(-1)?.startsWith(feature) !== true) failures.push(`${feature}: a voxel outside the ROI is not initValue`);
  });
  return { worst, failures };
}

describe('voxel-based maps match PyRadiomics 3.1', () => {
  const classes = ['firstorder', 'glcm', 'glrlm', 'glszm', 'gldm', 'ngtdm'];
  it.each(['r1-masked', 'r1-unmasked', 'r2-masked', 'r2-unmasked'])('%s: every class within 3 %% at every ROI voxel', (name) => {
    const { meta } = load(name);
    const result = extractVoxelBasedSync(IMAGE, MASK, meta.params);
    const { worst, failures } = compare(result, name);
    expect(failures).toEqual([]);
    expect(Object.keys(worst).sort()).toEqual([...classes].sort());
  });

  it('LoG and Square images, with initValue -1 outside the ROI', () => {
    const { meta } = load('filters-r1');
    const result = extractVoxelBasedSync(IMAGE, MASK, meta.params);
    const { failures } = compare(result, 'filters-r1');
    expect(failures).toEqual([]);
    expect(result.settings.initValue).toBe(-1);
  });

  it('Wavelet (8 sub-bands), Gradient, SquareRoot and Logarithm images with an unmasked kernel', () => {
    const { meta } = load('filters2-r1-unmasked');
    const result = extractVoxelBasedSync(IMAGE, MASK, meta.params);
    const { failures } = compare(result, 'filters2-r1-unmasked');
    expect(failures).toEqual([]);
    expect(Object.keys(result.maps).filter((k) => k.startsWith('wavelet-'))).toHaveLength(8 * 5);
  });

  it('a ROI touching the image borders: kernels and maps clipped to the image (kernelRadius 2, unmasked)', () => {
    const { meta } = load('edge-r2-unmasked');
    expect(meta.case).toBe('edge');
    const result = extractVoxelBasedSync(path.join(DIR, 'brain1_edge_image.nrrd'), path.join(DIR, 'brain1_edge_label.nrrd'), meta.params);
    const { failures } = compare(result, 'edge-r2-unmasked');
    expect(failures).toEqual([]);
    // the ROI's box padded by 2 is the whole 26×26×5 image: nothing to pad beyond its edges
    expect([...result.roi!.geometry.size]).toEqual([26, 26, 5]);
  });

  it('reproduces the references’ NaN JointAverage and the MCC map PyRadiomics leaves at initValue with masked kernels', () => {
    // Independent of the numbers: with a masked kernel some border kernels lack a direction that others have, so
    // PyRadiomics' plain mean (JointAverage) is NaN there and numpy.linalg.eigvals fails MCC for the whole batch.
    const { meta } = load('r1-masked');
    const result = extractVoxelBasedSync(IMAGE, MASK, meta.params);
    const roi = result.roi!.data;
    const ja = result.maps.original_glcm_JointAverage.data.filter((_, i) => roi[i]);
    expect(ja.some(Number.isNaN)).toBe(true);
    expect(ja.some((v) => !Number.isNaN(v))).toBe(true);
    expect(result.maps.original_glcm_MCC.data.every((v) => v === 0)).toBe(true);
    const unmasked = extractVoxelBasedSync(IMAGE, MASK, load('r1-unmasked').meta.params);
    const mcc = unmasked.maps.original_glcm_MCC.data.filter((_, i) => roi[i]);
    expect(mcc.every((v) => v > 0 && v <= 1 + 1e-12)).toBe(true);
  });
});
