// Regions as ROIs of their own: each study region (a peritumoral shell, optionally kept to the body, or the bone marrow
// outside the tumour: the BONE mask or CT above a HU threshold, minus the tumour) made from the
// contour of every image it applies to, before any feature is stored, so that a region that cannot be made (it leaves
// the image, it is empty) fails the extraction with nothing stored. Features go under `<modality>@<region>`.
import { marrowRegion, peritumoralShells } from '../../imaging/regions';
import type { Volume } from '../../imaging/image';
import type { BoneSource } from '../../imaging/regions';
import { contourOf, type AcquiredScan } from '../../contracts/pipeline';
import { regionModality, type StudyProtocol } from '../../contracts/study';

export interface RegionRoi {
  /** The results store's modality key: `T1CE@shell_0_5mm`. */
  modality: string;
  image: AcquiredScan;
  mask: Volume;
  /** The contour the region was made from (its hash stands for the region's provenance). */
  contour: AcquiredScan;
}

export class RegionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RegionError';
  }
}

/**
 * Every region ROI of the timepoint's images (maps included). `read` reads a stored volume (cached by the caller).
 * Throws RegionError naming the study file key, the image and the contour's registered file.
 */
export function regionRois(protocol: StudyProtocol, acquired: AcquiredScan[], images: AcquiredScan[], read: (file: string) => Volume): RegionRoi[] {
  const out: RegionRoi[] = [];
  (protocol.regions ?? []).forEach((region, i) => {
    for (const modality of region.modalities) {
      const image = images.filter((s) => s.modality === modality).at(-1);
      if (!image) continue;
      const contour = contourOf(acquired, image);
      const where = `region ${region.name} (study file key regions[${i}]) on ${modality}`;
      if (!contour || contour.unusable !== undefined) throw new RegionError(`${where}: no usable contour to make it from`);
      let body: { image: Volume; threshold: number } | undefined;
      if (region.body) {
        const bodyImage = images.filter((s) => s.modality === region.body!.modality).at(-1);
        if (!bodyImage) throw new RegionError(`${where}: no ${region.body.modality} image to find the body in (regions[${i}].body.modality)`);
        body = { image: read(bodyImage.path), threshold: region.body.threshold };
      }
      let mask: Volume;
      const what = region.shell ? `regions[${i}].shell is [${region.shell.join(', ')}] mm` : `regions[${i}].marrow`;
      try {
        if (region.shell) {
          const [shell] = peritumoralShells(read(contour.path), [region.shell], { body });
          if (shell.voxels === 0) throw new Error(`the ${region.shell[0]}–${region.shell[1]} mm shell holds no voxel${body ? ' inside the body' : ''}`);
          mask = shell.mask;
        } else {
          const marrow = marrowOf(region.marrow!, acquired, images, read, where, i);
          const made = marrowRegion(read(contour.path), marrow);
          if (made.voxels === 0) throw new Error('the bone holds no voxel outside the tumour');
          mask = made.mask;
        }
      } catch (err) {
        if (err instanceof RegionError) throw err;
        // The stored copies are named as the coordinator registered them.
        let message = (err as Error).message.split(contour.path).join(contour.source);
        for (const scan of acquired) if (scan.path) message = message.split(scan.path).join(scan.source);
        throw new RegionError(`${where}, contour ${contour.source}: ${message} (${what})`);
      }
      out.push({ modality: regionModality(modality, region.name), image, mask, contour });
    }
  });
  return out;
}

/** The bone a marrow region is cut from: the timepoint's BONE mask, or an image (CT) at or above a HU threshold. */
function marrowOf(
  marrow: NonNullable<StudyProtocol['regions']>[number]['marrow'] & object,
  acquired: AcquiredScan[],
  images: AcquiredScan[],
  read: (file: string) => Volume,
  where: string,
  i: number,
): BoneSource {
  if ('bone' in marrow) {
    const bone = acquired.filter((s) => s.role === 'image' && s.modality === 'BONE' && s.unusable === undefined).at(-1);
    if (!bone) throw new RegionError(`${where}: no BONE mask was registered at this timepoint (regions[${i}].marrow.bone)`);
    return { mask: read(bone.path) };
  }
  const ct = images.filter((s) => s.modality === marrow.modality).at(-1);
  if (!ct) throw new RegionError(`${where}: no ${marrow.modality} image to threshold the bone on (regions[${i}].marrow.modality)`);
  return { ct: read(ct.path), hu: marrow.threshold };
}
