// Regions as ROIs of their own: each study region (a peritumoral shell, optionally kept to the body) made from the
// contour of every image it applies to, before any feature is stored, so that a region that cannot be made (it leaves
// the image, it is empty) fails the extraction with nothing stored. Features go under `<modality>@<region>`.
import { peritumoralShells } from '../../imaging/regions';
import type { Volume } from '../../imaging/image';
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
      try {
        const [shell] = peritumoralShells(read(contour.path), [region.shell], { body });
        if (shell.voxels === 0) throw new Error(`the ${region.shell[0]}–${region.shell[1]} mm shell holds no voxel${body ? ' inside the body' : ''}`);
        mask = shell.mask;
      } catch (err) {
        // The contour's stored copy is named as the coordinator registered it.
        const message = (err as Error).message.split(contour.path).join(contour.source);
        throw new RegionError(`${where}, contour ${contour.source}: ${message} (regions[${i}].shell is [${region.shell.join(', ')}] mm)`);
      }
      out.push({ modality: regionModality(modality, region.name), image, mask, contour });
    }
  });
  return out;
}
