// Robustness of features against the segmentation: the mask as drawn, eroded and dilated by one voxel (Zwanenburg
// et al. 2019, Sci Rep 9:614 — perturbed contours), the features extracted under each, and ICC(3,1) per feature across
// the three (models/learning/icc.ts). A delta feature is as robust as the baseline feature it is the change of.
import { extract, type ExtractionParams, type Volume } from '../../radiomics';
import { NAMED_DELTAS } from '../../radiomics/delta';
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

/** One patient's baseline: the image of each modality and the mask they share. */
export interface RobustnessCase {
  pseudonym: string;
  images: Record<string, Volume>;
  mask: Volume;
  /** The features as drawn, by modality (the stored baseline values). */
  asDrawn: Record<string, Record<string, number>>;
}

/** `baseline:<modality>:<feature>` → [as drawn, eroded, dilated] for one patient. */
export async function perturbedFeatures(c: RobustnessCase, params: ExtractionParams): Promise<Record<string, [number, number, number]>> {
  const eroded = perturbMask(c.mask, 'eroded');
  const dilated = perturbMask(c.mask, 'dilated');
  const out: Record<string, [number, number, number]> = {};
  for (const [modality, image] of Object.entries(c.images)) {
    const drawn = c.asDrawn[modality];
    if (!drawn) throw new ModelInputError(`has no stored baseline features for ${modality}`, `patient ${c.pseudonym}`);
    const variants: Record<string, number>[] = [];
    for (const mask of [eroded, dilated]) {
      const { features } = await extract(image, mask, params);
      if (modality === 'PET') for (const [name, v] of Object.entries(petVolumetrics(image, mask))) features[`derived_pet_${name}`] = v;
      variants.push(features);
    }
    for (const [name, value] of Object.entries(drawn)) {
      const e = variants[0][name];
      const d = variants[1][name];
      if (e === undefined || d === undefined) continue;
      out[`baseline:${modality}:${name}`] = [value, e, d];
    }
  }
  return out;
}

export interface RobustnessScreen extends RobustnessResult {
  patients: string[];
  threshold: number;
}

/** ICC(3,1) of every baseline feature over the patients' three segmentations; features with a non-finite value in any are dropped. */
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
 * Whether a model feature passes the robustness screen: baseline features by their own ICC, deltas by the ICC of the
 * baseline feature they change (named deltas by their source feature), clinical variables always.
 */
export function isRobust(feature: string, robustBaseline: ReadonlySet<string>): boolean {
  const parts = feature.split(':');
  if (parts[0] === 'clinical') return true;
  if (parts[0] === 'baseline') return robustBaseline.has(feature);
  if (parts[0] === 'delta') {
    const [, , modality, ...rest] = parts;
    if (modality === 'named') {
      const source = NAMED_DELTAS[rest.join(':')];
      return source !== undefined && robustBaseline.has(`baseline:${source.modality}:${source.feature}`);
    }
    return robustBaseline.has(`baseline:${modality}:${rest.join(':')}`);
  }
  return false;
}
