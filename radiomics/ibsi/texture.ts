// IBSI texture families with IBSI's aggregations (IBSI-1 §3.6–3.12), named by IBSI tag. PyRadiomics mode's matrices are reused
// where IBSI agrees: PyRadiomics' force2D over the whole ROI is IBSI's 2.5D (slices merged, per direction), its
// weightingNorm 'no_weighting' merges directions (IBSI's _comb), and a one-slice ROI with force2D is one slice of 2D.
// GLDZM and IBSI's NGTDM come from zoneMatrices.ts. Features of 2D aggregations are averaged over slices.
import { nanMean } from '../features/featureTable';
import { glcm, glcmMatrix, type Glcm, type GlcmAngle } from '../features/glcm';
import { gldm, gldmMatrix, type Gldm } from '../features/gldm';
import { glrlm, glrlmMatrix, type Glrlm } from '../features/glrlm';
import { glszm, glszmMatrix, type Glszm } from '../features/glszm';
import { ngtdm, type Ngtdm } from '../features/ngtdm';
import type { FeatureSettings, Roi } from '../features/types';
import type { IbsiFamily, TextureAggregation } from '../params/ibsiKeys';
import { gldzmMatrix, ibsiNgtdmMatrix } from './zoneMatrices';

/** What the texture families need: the ROI on the working box, the morphological mask there, IBSI's N_g. */
export interface TextureInput {
  roi: Roi;
  morph: Uint8Array;
  ng: number;
}

type Formula<M> = (m: M) => number;

/** IBSI-1 §3.6: Σ_k p_{x−y}(k) / (1 + k/N_g), N_g the discretisation's bin count (whole ROI, also for one slice). */
const idnWith = (ng: number) => (m: GlcmAngle) => differenceWeighted(m, (k) => 1 / (1 + k / ng));
/** IBSI-1 §3.6: Σ_k p_{x−y}(k) / (1 + k²/N_g²). */
const idmnWith = (ng: number) => (m: GlcmAngle) => differenceWeighted(m, (k) => 1 / (1 + (k * k) / (ng * ng)));

function differenceWeighted(m: GlcmAngle, w: (k: number) => number): number {
  let s = 0;
  for (let k = 0; k < m.pxMinusY.length; k++) s += m.pxMinusY[k] * w(k);
  return s;
}

/** One GLCM feature on one matrix (direction): PyRadiomics mode's formula on a Glcm holding that matrix alone. */
const onAngle = (name: string) => (g: Glcm, angle: GlcmAngle) => glcm.formulas[name]({ ...g, angles: [angle] });

/** IBSI GLCM tags (IBSI-1 §3.6) → PyRadiomics glcm features (glcm.get<Name>FeatureValue), or IBSI's own. */
function glcmTags(ng: number): [string, (g: Glcm, a: GlcmAngle) => number][] {
  return [
    ['joint_max', onAngle('MaximumProbability')], // GYBY
    ['joint_avg', onAngle('JointAverage')], // 60VM
    ['joint_var', onAngle('SumSquares')], // UR99
    ['joint_entr', onAngle('JointEntropy')], // TU9B
    ['diff_avg', onAngle('DifferenceAverage')], // TF7R
    ['diff_var', onAngle('DifferenceVariance')], // D3YU
    ['diff_entr', onAngle('DifferenceEntropy')], // NTRS
    ['sum_avg', onAngle('SumAverage')], // ZGXS
    ['sum_var', onAngle('ClusterTendency')], // OEEB: Σ (k − μ_{x+y})² p_{x+y}(k) = cluster tendency
    ['sum_entr', onAngle('SumEntropy')], // P6QZ
    ['energy', onAngle('JointEnergy')], // 8ZQL
    ['contrast', onAngle('Contrast')], // ACUI
    ['dissimilarity', onAngle('DifferenceAverage')], // 8S9J: Σ_k k p_{x−y}(k)
    ['inv_diff', onAngle('Id')], // IB1Z
    ['inv_diff_norm', (_, a) => idnWith(ng)(a)], // NDRX
    ['inv_diff_mom', onAngle('Idm')], // WF0Z
    ['inv_diff_mom_norm', (_, a) => idmnWith(ng)(a)], // 1QCO
    ['inv_var', onAngle('InverseVariance')], // E8JP
    ['corr', onAngle('Correlation')], // NI2N
    ['auto_corr', onAngle('Autocorrelation')], // QWB0
    ['clust_tend', onAngle('ClusterTendency')], // DG8W
    ['clust_shade', onAngle('ClusterShade')], // 7NFM
    ['clust_prom', onAngle('ClusterProminence')], // AE86
    ['info_corr1', onAngle('Imc1')], // R8DG
    ['info_corr2', onAngle('Imc2')], // JN9H
  ];
}

/** IBSI GLRLM tags (IBSI-1 §3.7) → PyRadiomics glrlm features. */
const GLRLM_TAGS: [string, string][] = [
  ['sre', 'ShortRunEmphasis'], // 22OV
  ['lre', 'LongRunEmphasis'], // W4KF
  ['lgre', 'LowGrayLevelRunEmphasis'], // V3SW
  ['hgre', 'HighGrayLevelRunEmphasis'], // G3QZ
  ['srlge', 'ShortRunLowGrayLevelEmphasis'], // HTZT
  ['srhge', 'ShortRunHighGrayLevelEmphasis'], // GD3A
  ['lrlge', 'LongRunLowGrayLevelEmphasis'], // IVPO
  ['lrhge', 'LongRunHighGrayLevelEmphasis'], // 3KUM
  ['glnu', 'GrayLevelNonUniformity'], // R5YN
  ['glnu_norm', 'GrayLevelNonUniformityNormalized'], // OVBL
  ['rlnu', 'RunLengthNonUniformity'], // W92Y
  ['rlnu_norm', 'RunLengthNonUniformityNormalized'], // IC23
  ['r_perc', 'RunPercentage'], // 9ZK5 (merged matrices: N_v × directions, as Σ_j j·r_.j gives)
  ['gl_var', 'GrayLevelVariance'], // 8CE5
  ['rl_var', 'RunVariance'], // SXLW
  ['rl_entr', 'RunEntropy'], // HJ9O
];

/** IBSI GLSZM tags (IBSI-1 §3.9) → PyRadiomics glszm features. */
const GLSZM_TAGS: [string, string][] = [
  ['sze', 'SmallAreaEmphasis'], // 5QRC
  ['lze', 'LargeAreaEmphasis'], // 48P8
  ['lgze', 'LowGrayLevelZoneEmphasis'], // XMSY
  ['hgze', 'HighGrayLevelZoneEmphasis'], // 5GN9
  ['szlge', 'SmallAreaLowGrayLevelEmphasis'], // 5RAI
  ['szhge', 'SmallAreaHighGrayLevelEmphasis'], // HW1V
  ['lzlge', 'LargeAreaLowGrayLevelEmphasis'], // YH51
  ['lzhge', 'LargeAreaHighGrayLevelEmphasis'], // J17V
  ['glnu', 'GrayLevelNonUniformity'], // JNSA
  ['glnu_norm', 'GrayLevelNonUniformityNormalized'], // Y1RO
  ['zsnu', 'SizeZoneNonUniformity'], // 4JP3
  ['zsnu_norm', 'SizeZoneNonUniformityNormalized'], // VB3A
  ['z_perc', 'ZonePercentage'], // P30P
  ['gl_var', 'GrayLevelVariance'], // BYLV
  ['zs_var', 'ZoneVariance'], // 3NSA
  ['zs_entr', 'ZoneEntropy'], // GU8N
];

/** IBSI GLDZM tags (IBSI-1 §3.10): the GLSZM formulas with zone distance in place of zone size. */
const GLDZM_TAGS: [string, string][] = [
  ['sde', 'SmallAreaEmphasis'], // 0GBI: Σ d_.j / j² / N_s
  ['lde', 'LargeAreaEmphasis'], // MB4I: Σ j² d_.j / N_s
  ['lgze', 'LowGrayLevelZoneEmphasis'], // S1RA
  ['hgze', 'HighGrayLevelZoneEmphasis'], // K26C
  ['sdlge', 'SmallAreaLowGrayLevelEmphasis'], // RUVG
  ['sdhge', 'SmallAreaHighGrayLevelEmphasis'], // DKNJ
  ['ldlge', 'LargeAreaLowGrayLevelEmphasis'], // A7WM
  ['ldhge', 'LargeAreaHighGrayLevelEmphasis'], // KLTH
  ['glnu', 'GrayLevelNonUniformity'], // VFT7
  ['glnu_norm', 'GrayLevelNonUniformityNormalized'], // 7HP3
  ['zdnu', 'SizeZoneNonUniformity'], // V294
  ['zdnu_norm', 'SizeZoneNonUniformityNormalized'], // IATH
  ['z_perc', 'ZonePercentage'], // VIWW: N_s / N_v
  ['gl_var', 'GrayLevelVariance'], // QK93
  ['zd_var', 'ZoneVariance'], // 7WT1
  ['zd_entr', 'ZoneEntropy'], // GBDU
];

/** IBSI NGTDM tags (IBSI-1 §3.11) → PyRadiomics ngtdm features (formulas identical on IBSI's matrix). */
const NGTDM_TAGS: [string, string][] = [
  ['coarseness', 'Coarseness'], // QCDE
  ['contrast', 'Contrast'], // 65HE
  ['busyness', 'Busyness'], // NQ30
  ['complexity', 'Complexity'], // HDEZ
  ['strength', 'Strength'], // 1X9X
];

function sumSquares(v: Float64Array): number {
  let s = 0;
  for (const x of v) s += x * x;
  return s;
}

/** IBSI NGLDM tags (IBSI-1 §3.12, α = 0, Chebyshev δ) → PyRadiomics gldm features, or IBSI's own. */
const NGLDM_TAGS: [string, Formula<Gldm>][] = [
  ['lde', gldm.formulas.SmallDependenceEmphasis], // SODN
  ['hde', gldm.formulas.LargeDependenceEmphasis], // IMOQ
  ['lgce', gldm.formulas.LowGrayLevelEmphasis], // TL9H
  ['hgce', gldm.formulas.HighGrayLevelEmphasis], // OAE7
  ['ldlge', gldm.formulas.SmallDependenceLowGrayLevelEmphasis], // EQ3F
  ['ldhge', gldm.formulas.SmallDependenceHighGrayLevelEmphasis], // JA6D
  ['hdlge', gldm.formulas.LargeDependenceLowGrayLevelEmphasis], // NBZI
  ['hdhge', gldm.formulas.LargeDependenceHighGrayLevelEmphasis], // 9QMG
  ['glnu', gldm.formulas.GrayLevelNonUniformity], // FP8K
  ['glnu_norm', (m) => sumSquares(m.pg) / (m.zones * m.zones)], // 5SPA: Σ_i s_i.² / N_s²
  ['dcnu', gldm.formulas.DependenceNonUniformity], // Z87G
  ['dcnu_norm', gldm.formulas.DependenceNonUniformityNormalized], // OKJI
  ['dc_perc', (m) => m.zones / m.pg.reduce((a, b) => a + b, 0)], // 6XV8: N_s / N_v (1: every voxel is a neighbourhood)
  ['gl_var', gldm.formulas.GrayLevelVariance], // 1PFV
  ['dc_var', gldm.formulas.DependenceVariance], // DNX2
  ['dc_entr', gldm.formulas.DependenceEntropy], // FCBV
  ['dc_energy', (m) => sumSquares(m.P.map((v) => v / m.zones))], // CAS9: Σ p_ij²
];

/** The ROI restricted to each z slice that holds ROI voxels (a box one voxel thick), for 2D aggregation. */
export function sliceRois(roi: Roi): { roi: Roi; morph: (morph: Uint8Array) => Uint8Array }[] {
  const [nx, ny, nz] = roi.geometry.size;
  const plane = nx * ny;
  const out: { roi: Roi; morph: (morph: Uint8Array) => Uint8Array }[] = [];
  for (let z = 0; z < nz; z++) {
    const from = z * plane;
    const to = from + plane;
    let voxels = 0;
    for (let i = from; i < to; i++) voxels += roi.mask[i];
    if (voxels === 0) continue;
    const g = roi.geometry;
    const slice: Roi = {
      geometry: { size: [nx, ny, 1], spacing: g.spacing, origin: g.origin, direction: g.direction },
      image: roi.image.subarray(from, to),
      mask: roi.mask.subarray(from, to),
      binned: roi.binned.subarray(from, to),
      voxelCount: voxels,
      settings: roi.settings,
    };
    out.push({ roi: slice, morph: (morph) => morph.subarray(from, to) });
  }
  return out;
}

function withSettings(roi: Roi, patch: Partial<FeatureSettings>): Roi {
  return { ...roi, settings: { ...roi.settings, ...patch } };
}

const PLANAR: Partial<FeatureSettings> = { force2D: true, force2Ddimension: 0 };
const MERGED: Partial<FeatureSettings> = { weightingNorm: 'no_weighting' };

const suffix = (a: TextureAggregation) => (a === '2.5D' ? '2_5D' : a);

/** Directional families: `_avg` averages per-direction features, `_comb` merges the directions' matrices first. */
function directional<M extends { angles: A[] }, A>(
  family: string,
  input: TextureInput,
  aggregations: TextureAggregation[],
  build: (roi: Roi) => M,
  tags: [string, (m: M, a: A) => number][],
  out: Record<string, number>,
): void {
  for (const agg of aggregations) {
    const sx = suffix(agg);
    if (agg === '3D' || agg === '2.5D') {
      const base = agg === '3D' ? input.roi : withSettings(input.roi, PLANAR);
      const avg = build(base);
      const comb = build(withSettings(base, MERGED));
      for (const [tag, f] of tags) {
        out[`${family}_${tag}_${sx}_avg`] = nanMean(avg.angles.map((a) => f(avg, a)));
        out[`${family}_${tag}_${sx}_comb`] = nanMean(comb.angles.map((a) => f(comb, a)));
      }
    } else {
      const slices = sliceRois(input.roi).map(({ roi }) => {
        const planar = withSettings(roi, PLANAR);
        return { avg: build(planar), comb: build(withSettings(planar, MERGED)) };
      });
      for (const [tag, f] of tags) {
        out[`${family}_${tag}_${sx}_avg`] = nanMean(slices.map(({ avg }) => nanMean(avg.angles.map((a) => f(avg, a)))));
        out[`${family}_${tag}_${sx}_comb`] = nanMean(slices.map(({ comb }) => nanMean(comb.angles.map((a) => f(comb, a)))));
      }
    }
  }
}

/** Families with one matrix per ROI: 3D on the volume, 2.5D on the merged slices, 2D per slice then averaged. */
function zoneBased<M>(
  family: string,
  input: TextureInput,
  aggregations: TextureAggregation[],
  build: (roi: Roi, morph: Uint8Array, inPlane: boolean) => M | null,
  tags: [string, Formula<M>][],
  out: Record<string, number>,
): void {
  for (const agg of aggregations) {
    const sx = suffix(agg);
    let matrices: (M | null)[];
    if (agg === '3D') matrices = [build(input.roi, input.morph, false)];
    else if (agg === '2.5D') matrices = [build(withSettings(input.roi, PLANAR), input.morph, true)];
    else matrices = sliceRois(input.roi).map(({ roi, morph }) => build(withSettings(roi, PLANAR), morph(input.morph), true));
    for (const [tag, f] of tags) out[`${family}_${tag}_${sx}`] = nanMean(matrices.map((m) => (m === null ? NaN : f(m))));
  }
}

const formulaTags = <M>(formulas: Readonly<Record<string, Formula<M>>>, tags: [string, string][]): [string, Formula<M>][] =>
  tags.map(([tag, name]) => [tag, formulas[name]]);

export function textureFeatures(input: TextureInput, families: Set<IbsiFamily>, aggregations: TextureAggregation[]): Record<string, number> {
  const out: Record<string, number> = {};
  if (families.has('cm')) directional<Glcm, GlcmAngle>('cm', input, aggregations, glcmMatrix, glcmTags(input.ng), out);
  if (families.has('rlm')) {
    const tags = GLRLM_TAGS.map(([tag, name]): [string, (g: Glrlm, a: Glrlm['angles'][number]) => number] => [
      tag,
      (g, a) => glrlm.formulas[name]({ ...g, angles: [a] }),
    ]);
    directional('rlm', input, aggregations, glrlmMatrix, tags, out);
  }
  if (families.has('szm')) zoneBased<Glszm>('szm', input, aggregations, (roi) => glszmMatrix(roi), formulaTags(glszm.formulas, GLSZM_TAGS), out);
  if (families.has('dzm')) zoneBased<Glszm>('dzm', input, aggregations, gldzmMatrix, formulaTags(glszm.formulas, GLDZM_TAGS), out);
  if (families.has('ngt'))
    zoneBased<Ngtdm>('ngt', input, aggregations, (roi, _m, inPlane) => ibsiNgtdmMatrix(roi, inPlane), formulaTags(ngtdm.formulas, NGTDM_TAGS), out);
  if (families.has('ngl')) zoneBased<Gldm>('ngl', input, aggregations, (roi) => gldmMatrix(roi), NGLDM_TAGS, out);
  return out;
}
