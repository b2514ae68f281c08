// An arterial input function sampled from a user ROI on the DCE series: each ROI voxel's signal converted to Gd
// concentration (SPGR, the voxel's native T1 from the T1 map or the fixed T1), averaged over the ROI frame by frame,
// and turned from whole blood into plasma, Cp = Cb/(1 − Hct). Voxels whose signal cannot be converted are left out;
// an ROI that is empty, off the series' grid or without one convertible voxel is refused.
import type { Volume } from '../image';
import { RadiomicsInputError } from '../errors';
import { DEFAULT_HEMATOCRIT } from './aif';
import { checkSpgr, signalToConcentration, type SpgrParameters } from './signal';
import { checkGrid, checkSeries, type VolumeSeries } from './series';

export interface RoiAifOptions {
  /** `signal` (default: converted with `spgr`) or `concentration` (mM, averaged as it is). */
  input?: 'signal' | 'concentration';
  /** Flip angle, TR, r1 and the fixed native T1 (ms) of blood; a `t1Map` voxel replaces the fixed T1 where given. */
  spgr?: Omit<SpgrParameters, 't10Ms'> & { t10Ms?: number };
  t1Map?: Volume;
  baselineFrames: number;
  /** Default 0.42. */
  hematocrit?: number;
  /** The ROI's label (default: every non-zero voxel). */
  label?: number;
}

export interface RoiAif {
  /** Plasma concentration (mM) at each frame, for `{ kind: 'curve' }`. */
  values: number[];
  /** ROI voxels averaged (convertible ones). */
  voxels: number;
  /** ROI voxels left out (their signal could not be converted). */
  excluded: number;
}

/** The plasma AIF (mM per frame) of the ROI `roi` on `series`; errors name the ROI's file. */
export function aifFromRoi(series: VolumeSeries, roi: Volume, options: RoiAifOptions): RoiAif {
  const voxels = checkSeries(series, 'data');
  const file = roi.source;
  checkGrid(roi, series.geometry, 'DCE series', 'arterial ROI');
  const hct = options.hematocrit ?? DEFAULT_HEMATOCRIT;
  if (!(hct >= 0 && hct < 1)) throw new RadiomicsInputError(`haematocrit ${hct}`, { file, field: 'hematocrit', expected: 'a fraction from 0 to below 1' });
  const input = options.input ?? 'signal';
  const n = series.frames;
  const nb = options.baselineFrames;
  let spgr: SpgrParameters | undefined;
  if (input === 'signal') {
    if (!(Number.isInteger(nb) && nb >= 1 && nb < n))
      throw new RadiomicsInputError(`${nb} baseline frames of ${n}`, {
        file: series.source,
        field: 'baseline frames',
        expected: 'at least 1 pre-contrast frame, fewer than the frames',
      });
    const given = options.spgr;
    if (!given || (given.t10Ms === undefined && !options.t1Map))
      throw new RadiomicsInputError('no SPGR parameters or native T1', {
        file: series.source,
        field: 'spgr',
        expected: 'flip angle, TR and a native T1 (fixed or a map) for signal input',
      });
    spgr = { ...given, t10Ms: given.t10Ms ?? 1000 };
    checkSpgr(spgr, series.source);
    if (options.t1Map) checkGrid(options.t1Map, series.geometry, 'DCE series', 'T1 map');
  }
  const inRoi = (v: number) => (options.label === undefined ? roi.data[v] !== 0 : roi.data[v] === options.label);
  const sum = new Float64Array(n);
  const curve = new Float64Array(n);
  let used = 0;
  let total = 0;
  for (let v = 0; v < voxels; v++) {
    if (!inRoi(v)) continue;
    total++;
    for (let i = 0; i < n; i++) curve[i] = series.data[i * voxels + v];
    if (input === 'signal') {
      const t10 = options.t1Map ? options.t1Map.data[v] : spgr!.t10Ms;
      if (!(t10 > 0 && Number.isFinite(t10)) || signalToConcentration(curve, 0, n, nb, spgr!, t10) !== 0) continue;
    } else if (!curve.every(Number.isFinite)) continue;
    for (let i = 0; i < n; i++) sum[i] += curve[i];
    used++;
  }
  if (total === 0)
    throw new RadiomicsInputError(`the arterial ROI holds no voxel${options.label === undefined ? '' : ` of label ${options.label}`}`, {
      file,
      field: 'aif ROI',
      expected: 'at least one voxel inside an artery on the DCE grid',
    });
  if (used === 0)
    throw new RadiomicsInputError(`none of the arterial ROI's ${total} voxels has a signal that converts to a concentration`, {
      file,
      field: 'aif ROI',
      expected: 'voxels with a positive, finite signal in every frame',
    });
  return { values: Array.from(sum, (s) => s / used / (1 - hct)), voxels: used, excluded: total - used };
}
