// Rules on derived parameter maps (ADC, IVIM, DCE, T1map): the map could be computed from its series, and in the contour it
// is extracted in, the fraction of voxels whose fit failed, and of those fitted outside the accepted range, stay within
// the study's limits (qc.mapFitFailureMaxFraction, qc.mapOutOfRangeMaxFraction).
import { finding } from './finding';
import type { QcFinding } from '../../contracts/qc';
import type { QcContext, QcMap, ScanSetRule } from '../types';

const percent = (x: number) => `${(100 * x).toFixed(1)} %`;
const where = (m: QcMap) => (m.fit?.within === 'grid' ? 'of the image' : 'in its contour');

export const mapUnderivable: ScanSetRule = {
  codes: ['map-underivable'],
  check: ({ maps }: QcContext): QcFinding[] =>
    maps
      .filter((m) => m.unusable !== undefined)
      .map((m) => finding('map-underivable', `${m.modality}: cannot be computed from ${m.from} (${m.unusable})`, m.modality)),
};

export const mapFitFailures: ScanSetRule = {
  codes: ['map-fit-failures'],
  check: ({ maps, profile }: QcContext): QcFinding[] =>
    maps.flatMap((m) => {
      if (!m.fit || m.fit.voxels === 0) return [];
      // Out-of-range fits have a rule of their own: here the fits that gave no estimate at all.
      const fraction = (m.fit.failed - m.fit.outOfRange) / m.fit.voxels;
      return fraction > profile.mapFitFailureMaxFraction
        ? [
            finding(
              'map-fit-failures',
              `${m.modality}: ${percent(fraction)} of ${m.fit.voxels} voxels ${where(m)} failed to fit (at most ${percent(profile.mapFitFailureMaxFraction)})`,
              m.modality,
            ),
          ]
        : [];
    }),
};

export const mapOutOfRange: ScanSetRule = {
  codes: ['map-out-of-range'],
  check: ({ maps, profile }: QcContext): QcFinding[] =>
    maps.flatMap((m) => {
      if (!m.fit || m.fit.voxels === 0) return [];
      const fraction = m.fit.outOfRange / m.fit.voxels;
      return fraction > profile.mapOutOfRangeMaxFraction
        ? [
            finding(
              'map-out-of-range',
              `${m.modality}: ${percent(fraction)} of ${m.fit.voxels} voxels ${where(m)} fitted outside the accepted range (at most ${percent(profile.mapOutOfRangeMaxFraction)})`,
              m.modality,
            ),
          ]
        : [];
    }),
};
