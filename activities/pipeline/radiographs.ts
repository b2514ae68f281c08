// Radiographs in a study (modality XR): PNG and JPEG files carry no pixel spacing that can be trusted, so the study file
// gives it (`series.XR.pixelSpacing`); DICOM CR/DX bring their own. They decode asynchronously (sharp), so QC and
// extraction read them first and then look them up by path; a PNG mask drawn on a radiograph takes the radiograph's grid.
import { readImageAsync } from '../../imaging/io';
import { isRasterFile } from '../../imaging/raster';
import type { Volume } from '../../imaging/image';
import type { AcquiredScan } from '../../contracts/pipeline';
import type { StudyProtocol } from '../../contracts/study';

/** Every PNG/JPEG image and mask of the scan set, read (or the error reading it gave), by path. */
export async function readRasters(protocol: StudyProtocol, acquired: readonly AcquiredScan[], maxVoxels?: number): Promise<Map<string, Volume | Error>> {
  const out = new Map<string, Volume | Error>();
  const spacing = protocol.series?.XR?.pixelSpacing;
  for (const scan of acquired) {
    if (scan.role !== 'image' || !scan.path || !isRasterFile(scan.path)) continue;
    if (!spacing) {
      out.set(
        scan.path,
        new Error(
          `file ${scan.source}, field 'spacing': a ${scan.path.split('.').pop()!.toUpperCase()} radiograph carries no reliable pixel spacing (expected series.XR.pixelSpacing: [x, y] in mm in the study file)`,
        ),
      );
      continue;
    }
    out.set(scan.path, await readImageAsync(scan.path, { spacing, maxVoxels }).catch((err: Error) => err));
  }
  for (const mask of acquired) {
    if (mask.role !== 'mask' || !mask.path || !isRasterFile(mask.path)) continue;
    const image = mask.for ? out.get(acquired.filter((a) => a.role === 'image' && a.modality === mask.for).at(-1)?.path ?? '') : undefined;
    const grid = image && !(image instanceof Error) ? image.geometry : undefined;
    out.set(mask.path, await readImageAsync(mask.path, { mask: true, grid, spacing, maxVoxels }).catch((err: Error) => err));
  }
  return out;
}

/** `read`, answering the radiographs read beforehand from `rasters`. */
export function withRasters(rasters: Map<string, Volume | Error>, read: (file: string) => Volume): (file: string) => Volume {
  return (file) => {
    const got = rasters.get(file);
    if (got instanceof Error) throw got;
    return got ?? read(file);
  };
}
