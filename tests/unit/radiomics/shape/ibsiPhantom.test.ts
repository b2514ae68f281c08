// The IBSI-1 digital phantom (5 × 4 × 4 voxels of 2 mm, 74 ROI voxels): IBSI reference values for the
// morphological and intensity-statistics features PyRadiomics defines the same way. Values are given to 3 significant
// digits; we compare after rounding to 3 significant digits, within the listed tolerance.
import { readFileSync } from 'node:fs';
import { computeFirstOrder } from '../../../../radiomics/features/firstorder';
import { computeShape } from '../../../../radiomics/features/shape';
import { DEFAULT_FEATURE_SETTINGS } from '../../../../radiomics/features/types';
import { readImage } from '../../../../imaging/io';
import { buildRoi } from '../../../../radiomics/preprocessing/roi';
import { describeWithReferenceData, referencePath } from '../../../support/referenceData';

const FILES = ['ibsi/digital_phantom/phantom.nii.gz', 'ibsi/digital_phantom/mask.nii.gz', 'ibsi/reference_values/ibsi_1_dig_phantom.csv'];

function referenceValues(): Map<string, { value: number; tolerance: number }> {
  const text = readFileSync(referencePath('ibsi', 'reference_values', 'ibsi_1_dig_phantom.csv'), 'utf8');
  const out = new Map<string, { value: number; tolerance: number }>();
  for (const line of text.split(/\r?\n/).slice(1)) {
    const [value, tolerance, tag] = line.split(';');
    if (tag) out.set(tag.trim(), { value: Number(value), tolerance: Number(tolerance) });
  }
  return out;
}

const round3 = (v: number) => Number(v.toPrecision(3));

describeWithReferenceData('IBSI digital phantom', FILES, () => {
  const ref = referenceValues();
  const image = readImage(referencePath('ibsi', 'digital_phantom', 'phantom.nii.gz'));
  const mask = readImage(referencePath('ibsi', 'digital_phantom', 'mask.nii.gz'));
  // the phantom is already discretised to integer levels: bins of width 1 reproduce its histogram
  const roi = buildRoi(image, mask, { label: 1, padDistance: 0, settings: { ...DEFAULT_FEATURE_SETTINGS, binWidth: 1 } });
  const shape = computeShape(roi, [
    'MeshVolume',
    'VoxelVolume',
    'SurfaceArea',
    'SurfaceVolumeRatio',
    'Compactness1',
    'Compactness2',
    'SphericalDisproportion',
    'Sphericity',
    'Maximum3DDiameter',
    'MajorAxisLength',
    'MinorAxisLength',
    'LeastAxisLength',
    'Elongation',
    'Flatness',
  ]);
  const stats = computeFirstOrder(roi);

  const expectIbsi = (tag: string, value: number, scale = 1) => {
    const r = ref.get(tag);
    if (!r) throw new Error(`no IBSI reference for ${tag}`);
    const diff = Math.abs(round3(value) - round3(r.value * scale));
    if (!(diff <= r.tolerance * scale + 1e-12)) throw new Error(`${tag}: ${value} vs IBSI ${r.value * scale} ± ${r.tolerance * scale}`);
  };

  it('has 74 ROI voxels', () => expect(roi.voxelCount).toBe(74));

  it.each([
    ['morph_volume', 'MeshVolume'],
    ['morph_vol_approx', 'VoxelVolume'],
    ['morph_area_mesh', 'SurfaceArea'],
    ['morph_av', 'SurfaceVolumeRatio'],
    ['morph_comp_1', 'Compactness1'],
    ['morph_comp_2', 'Compactness2'],
    ['morph_sph_dispr', 'SphericalDisproportion'],
    ['morph_sphericity', 'Sphericity'],
    ['morph_diam', 'Maximum3DDiameter'],
    ['morph_pca_elongation', 'Elongation'],
    ['morph_pca_flatness', 'Flatness'],
  ])('%s = %s', (tag, feature) => expectIbsi(tag, shape[feature]));

  it.each([
    ['morph_pca_maj_axis', 'MajorAxisLength'],
    ['morph_pca_min_axis', 'MinorAxisLength'],
    ['morph_pca_least_axis', 'LeastAxisLength'],
  ])('%s = %s with PyRadiomics’ covariance (÷ Np, IBSI ÷ Np − 1)', (tag, feature) => {
    expectIbsi(tag, shape[feature], Math.sqrt(73 / 74));
  });

  it.each([
    ['stat_mean', 'Mean'],
    ['stat_var', 'Variance'],
    ['stat_skew', 'Skewness'],
    ['stat_median', 'Median'],
    ['stat_min', 'Minimum'],
    ['stat_p10', '10Percentile'],
    ['stat_p90', '90Percentile'],
    ['stat_max', 'Maximum'],
    ['stat_iqr', 'InterquartileRange'],
    ['stat_range', 'Range'],
    ['stat_mad', 'MeanAbsoluteDeviation'],
    ['stat_rmad', 'RobustMeanAbsoluteDeviation'],
    ['stat_energy', 'Energy'],
    ['stat_rms', 'RootMeanSquared'],
    ['ih_entropy', 'Entropy'],
    ['ih_uniformity', 'Uniformity'],
  ])('%s = %s', (tag, feature) => expectIbsi(tag, stats[feature]));

  it('stat_kurt = Kurtosis − 3 (PyRadiomics reports kurtosis, IBSI excess kurtosis)', () => {
    expectIbsi('stat_kurt', stats.Kurtosis - 3);
  });
});
