// Dual-time-point PET: where a visit acquired an early `PET` and a `PET_DELAYED` series, the retention index of each
// metric (SUVmax, SUVpeak, SUVmean; each scan in its own contour) becomes derived features of the early PET's feature
// set, `derived_pet_retentionIndex_<metric>` (%), so deltas pair them across timepoints like every other feature.
// Computed before anything is stored: a pair that gives no index fails the extraction with nothing stored.
import { dualTimePointRetention, type RetentionMetric } from '../../radiomics/pet';
import type { Volume } from '../../imaging/image';
import { contourOf, type AcquiredScan } from '../../contracts/pipeline';
import { PET_RETENTION_PREFIX } from '../../contracts/study';

const METRICS: RetentionMetric[] = ['SUVmax', 'SUVpeak', 'SUVmean'];

export class RetentionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RetentionError';
  }
}

/**
 * The retention index features of the timepoint's PET pair ({} without a PET_DELAYED image). `read` reads a stored
 * volume; errors name the registered files (never the store's copies).
 */
export function petRetentionFeatures(
  acquired: readonly AcquiredScan[],
  images: readonly AcquiredScan[],
  read: (file: string) => Volume,
): Record<string, number> {
  const early = images.filter((s) => s.modality === 'PET').at(-1);
  const delayed = images.filter((s) => s.modality === 'PET_DELAYED').at(-1);
  if (!early || !delayed) return {};
  const scans = [early, delayed].map((scan) => {
    const mask = contourOf(acquired, scan);
    if (!mask || mask.unusable !== undefined) throw new RetentionError(`${scan.modality}: no usable contour to measure the retention index in`);
    return { scan, mask };
  });
  const out: Record<string, number> = {};
  try {
    const [e, d] = scans.map(({ scan, mask }) => ({ suv: read(scan.path), mask: read(mask.path) }));
    for (const metric of METRICS) out[`${PET_RETENTION_PREFIX}${metric}`] = dualTimePointRetention(e, d, { metric }).retentionIndex;
  } catch (err) {
    let message = (err as Error).message;
    for (const { scan, mask } of scans) message = message.split(scan.path).join(scan.source).split(mask.path).join(mask.source);
    throw new RetentionError(`the retention index of PET (${early.source}) and PET_DELAYED (${delayed.source}): ${message}`);
  }
  return out;
}
