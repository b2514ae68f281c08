// Robustness of features against the segmentation: the mask as drawn, eroded and dilated by one voxel (Zwanenburg
// et al. 2019, Sci Rep 9:614 — perturbed contours), the features extracted under each, and ICC(1,1) per feature across
// the three (models/learning/icc.ts), the form Zwanenburg et al. use. A delta feature is screened on its own values:
// the change computed under each segmentation variant at both timepoints (eroded against eroded, dilated against
// dilated), since a ratio of two reliable features can still be unreliable (the changes are small against the noise).
import { extract, type ExtractionParams, type Volume } from '../../radiomics';
import { namedDeltas, relativeChange, type FeaturesByModality } from '../../radiomics/delta';
import { petVolumetrics } from '../../radiomics/pet';
import { robustnessFilter, type RobustnessResult } from '../learning/icc';
import { ModelInputError } from '../stats/errors';

export type MaskPerturbation = 'eroded' | 'dilated';

// 6-connected neighbours: one voxel of erosion or dilation along each axis, not diagonally.
const NEIGHBOURS: ReadonlyArray<[number, number, number]> = [
  [1, 0, 0],
  [-1, 0, 0],
  [0, 1, 0],
  [0, -1, 0],
  [0, 0, 1],
  [0, 0, -1],
];

/** The mask (voxels equal to `label`) eroded or dilated by one voxel with a 6-connected structuring element. */
export function perturbMask(mask: Volume, how: MaskPerturbation, label = 1): Volume<Uint8Array> {
  const [nx, ny, nz] = mask.geometry.size;
  const inside = (i: number) => mask.data[i] === label;
  const out = new Uint8Array(mask.data.length);
  for (let z = 0; z < nz; z++) {
    for (let y = 0; y < ny; y++) {
      for (let x = 0; x < nx; x++) {
        const i = x + nx * (y + ny * z);
        let value = inside(i);
        for (const [dx, dy, dz] of NEIGHBOURS) {
          const X = x + dx;
          const Y = y + dy;
          const Z = z + dz;
          const within = X >= 0 && Y >= 0 && Z >= 0 && X < nx && Y < ny && Z < nz;
          const neighbour = within && inside(X + nx * (Y + ny * Z));
          // Erosion: a voxel stays only if every neighbour is inside (the volume's edge counts as outside).
          if (how === 'eroded' && !neighbour) value = false;
          if (how === 'dilated' && neighbour) value = true;
        }
        out[i] = value ? label : 0;
      }
    }
  }
  return { geometry: mask.geometry, data: out, source: mask.source && `${mask.source} (${how} by 1 voxel)` };
}

/**
 * One timepoint of a patient: the image of each modality, its contour (its own in `masks`, else the shared `mask`), and
 * the stored features as drawn.
 */
export interface RobustnessTimepoint {
  images: Record<string, Volume>;
  mask?: Volume;
  /** Contours registered for one image each, by modality. */
  masks?: Record<string, Volume>;
  /** The features as drawn, by modality (the stored values). */
  asDrawn: Record<string, Record<string, number>>;
}

/** One patient's baseline, and the later timepoints (up to the one the models predict at) whose deltas are screened. */
export interface RobustnessCase extends RobustnessTimepoint {
  pseudonym: string;
  later?: (RobustnessTimepoint & { timepoint: string })[];
}

type Variants = [FeaturesByModality, FeaturesByModality, FeaturesByModality];

/** How the perturbed features are extracted: `extract` by default; an activity passes extractOnWorkers to keep heartbeating. */
export type Extractor = (image: Volume, mask: Volume, params: ExtractionParams) => Promise<{ features: Record<string, number> }>;

/** The features of one timepoint under the three segmentations [as drawn, eroded, dilated], by modality. */
async function variantsOf(pseudonym: string, tp: RobustnessTimepoint, params: ExtractionParams, extractor: Extractor): Promise<Variants> {
  // Each contour is perturbed once, however many images share it.
  const perturbed = new Map<Volume, [Volume, Volume]>();
  const variantsOfMask = (mask: Volume) => {
    if (!perturbed.has(mask)) perturbed.set(mask, [perturbMask(mask, 'eroded'), perturbMask(mask, 'dilated')]);
    return perturbed.get(mask)!;
  };
  const out: Variants = [{}, {}, {}];
  for (const [modality, image] of Object.entries(tp.images)) {
    const drawn = tp.asDrawn[modality];
    if (!drawn) throw new ModelInputError(`has no stored features for ${modality}`, `patient ${pseudonym}`);
    const contour = tp.masks?.[modality] ?? tp.mask;
    if (!contour) throw new ModelInputError(`has no stored mask for ${modality}`, `patient ${pseudonym}`);
    out[0][modality] = drawn;
    for (const [v, mask] of variantsOfMask(contour).entries()) {
      const { features } = await extractor(image, mask, params);
      if (modality === 'PET') for (const [name, x] of Object.entries(petVolumetrics(image, mask))) features[`derived_pet_${name}`] = x;
      out[v + 1][modality] = features;
    }
  }
  return out;
}

/**
 * Feature → [as drawn, eroded, dilated] for one patient: `baseline:<modality>:<feature>` from the baseline, and for
 * each later timepoint `delta:<timepoint>:<modality>:<feature>` (relative change against the baseline under the same
 * segmentation variant; NaN where undefined) and `delta:<timepoint>:named:<name>` (radiomics/delta.ts namedDeltas).
 */
export async function perturbedFeatures(
  c: RobustnessCase,
  params: ExtractionParams,
  extractor: Extractor = extract,
): Promise<Record<string, [number, number, number]>> {
  const base = await variantsOf(c.pseudonym, c, params, extractor);
  const out: Record<string, [number, number, number]> = {};
  for (const [modality, drawn] of Object.entries(base[0])) {
    for (const name of Object.keys(drawn)) {
      const e = base[1][modality]?.[name];
      const d = base[2][modality]?.[name];
      if (e === undefined || d === undefined) continue;
      out[`baseline:${modality}:${name}`] = [drawn[name], e, d];
    }
  }
  for (const tp of c.later ?? []) {
    const later = await variantsOf(c.pseudonym, tp, params, extractor);
    for (const [modality, drawn] of Object.entries(later[0])) {
      if (!base[0][modality]) continue;
      for (const name of Object.keys(drawn)) {
        const values = [0, 1, 2].map((v) => {
          const now = later[v][modality]?.[name];
          const ref = base[v][modality]?.[name];
          return now === undefined || ref === undefined ? undefined : (relativeChange(now, ref) ?? Number.NaN);
        });
        if (values.some((v) => v === undefined)) continue;
        out[`delta:${tp.timepoint}:${modality}:${name}`] = values as [number, number, number];
      }
    }
    const named = [0, 1, 2].map((v) => namedDeltas(later[v], base[v]));
    for (const name of Object.keys(named[0])) {
      if (named[0][name] === null && named[1][name] === null && named[2][name] === null) continue; // no such modality
      out[`delta:${tp.timepoint}:named:${name}`] = named.map((n) => n[name] ?? Number.NaN) as [number, number, number];
    }
  }
  return out;
}

export interface RobustnessScreen extends RobustnessResult {
  patients: string[];
  threshold: number;
}

/** ICC(1,1) of every feature over the patients' three segmentations; features with a non-finite value in any are dropped. */
export function screenRobustness(perPatient: { pseudonym: string; features: Record<string, [number, number, number]> }[], threshold = 0.75): RobustnessScreen {
  if (perPatient.length < 3) throw new ModelInputError(`${perPatient.length} patients (the ICC needs at least 3)`, 'robustness patients');
  const names = Object.keys(perPatient[0].features).filter((name) => perPatient.every((p) => p.features[name]?.every(Number.isFinite)));
  const ratings: Record<string, number[][]> = {};
  for (const name of names) ratings[name] = perPatient.map((p) => p.features[name]);
  const result = robustnessFilter(ratings, threshold);
  const unrated = Object.keys(perPatient[0].features).filter((n) => !(n in ratings));
  return { ...result, dropped: [...result.dropped, ...unrated], patients: perPatient.map((p) => p.pseudonym), threshold };
}

/**
 * Whether a model feature passes the robustness screen: baseline and delta features (named deltas too) by their own
 * ICC over the perturbed segmentations, clinical variables always (they are not measured on the images).
 */
export function isRobust(feature: string, robust: ReadonlySet<string>): boolean {
  const family = feature.slice(0, feature.indexOf(':'));
  if (family === 'clinical') return true;
  if (family === 'baseline' || family === 'delta') return robust.has(feature);
  return false;
}
