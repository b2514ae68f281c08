// DCE-MRI maps from a 4D series (x, y, z, time): signal → concentration (SPGR, with a fixed native T1 or a T1 map from
// variable flip angles, voxel by voxel), the standard or extended
// Tofts model with the Parker population AIF or a measured one, and the semi-quantitative descriptors. One pass over
// the voxels in blocks; every map is 0 where its voxel was not fitted or failed.
import type { Volume } from '../image';
import { RadiomicsInputError } from '../errors';
import { aifGrid, type DceAif } from './aif';
import { semiQuantitative, areaUnder, type SemiQuantitative } from './semiQuantitative';
import { checkSpgr, signalToConcentration, type SpgrParameters } from './signal';
import { ToftsFitter, DEFAULT_KEP_RANGE, DEFAULT_KTRANS_RANGE } from './tofts';
import {
  FitFailure,
  blockSize,
  checkGrid,
  checkSeries,
  codeMap,
  floatMap,
  gatherCurves,
  maskBytes,
  summarise,
  type FitSummary,
  type VolumeSeries,
} from './series';

const { min } = Math;

export interface DceOptions {
  /** Acquisition time of each frame, s (strictly increasing). */
  times: readonly number[];
  aif: DceAif;
  /** `tofts` (default) or `extended` (adds vp). */
  model?: 'tofts' | 'extended';
  /** `signal` (default: converted with `spgr`) or `concentration` (mM). */
  input?: 'signal' | 'concentration';
  /** The DCE sequence (flip angle, TR, r1) and the fixed native T1 `t10Ms`, which is left out when `t1Map` is given. */
  spgr?: Omit<SpgrParameters, 't10Ms'> & { t10Ms?: number };
  /** Native T1 per voxel, ms, on the series' grid (e.g. fitT1Vfa's map); a voxel ≤ 0 or not finite fails (noNativeT1). */
  t1Map?: Volume;
  /** Pre-contrast frames (M0 and S_pre come from their mean); at least 1 for signal input. */
  baselineFrames: number;
  /** Onset of enhancement for the semi-quantitative maps, s; default the time of the last baseline frame (or the first frame). */
  onset?: number;
  mask?: Volume;
  /** Longest step (s) on which Parker's AIF is interpolated linearly; default 1 s. */
  aifStep?: number;
  /** kep search range, min⁻¹ (default [10⁻³, 20]). */
  kepRange?: [number, number];
  /** Accepted Ktrans, min⁻¹ (default [10⁻⁴, 5]); outside it a fit fails (code outOfRange). */
  ktransRange?: [number, number];
}

export interface DceMaps {
  /** min⁻¹ */
  ktrans: Volume<Float32Array>;
  /** min⁻¹ */
  kep: Volume<Float32Array>;
  ve: Volume<Float32Array>;
  /** Extended Tofts only. */
  vp: Volume<Float32Array> | null;
  /** FitFailure code of the model fit (conversion failures included). */
  failed: Volume<Uint8Array>;
  /** Semi-quantitative maps of the relative enhancement (S − S_pre)/S_pre (of the concentration for concentration input). */
  maxEnhancement: Volume<Float32Array>;
  /** s */
  timeToPeak: Volume<Float32Array>;
  /** per s */
  washIn: Volume<Float32Array>;
  /** per s */
  washOut: Volume<Float32Array>;
  /** s (relative enhancement) or mM·s (concentration input) */
  iauc60: Volume<Float32Array>;
  /** Initial area under the concentration curve over 60 s after the onset, mM·s. */
  iaugc60: Volume<Float32Array>;
  summary: FitSummary;
}

/** Minimum frames: the baseline, then at least the model's parameter count + 2 after it. */
export function minimumFrames(model: 'tofts' | 'extended', baselineFrames: number): number {
  return baselineFrames + (model === 'extended' ? 5 : 4);
}

/** Checks the time axis against the series; errors name the file, the field and what was expected. */
export function checkTimes(series: VolumeSeries, times: readonly number[], model: 'tofts' | 'extended', baselineFrames: number): void {
  const file = series.source;
  if (times.length !== series.frames) {
    throw new RadiomicsInputError(`${times.length} time points given for ${series.frames} frames (dim[4])`, {
      file,
      field: 'times',
      expected: `one acquisition time (s) per frame of the 4th dimension (${series.frames})`,
    });
  }
  const needed = minimumFrames(model, baselineFrames);
  if (times.length < needed) {
    throw new RadiomicsInputError(`${times.length} time points`, {
      file,
      field: 'times',
      expected: `at least ${needed} time points for the ${model === 'extended' ? 'extended ' : ''}Tofts model after ${baselineFrames} baseline frame(s)`,
    });
  }
  for (let i = 0; i < times.length; i++) {
    if (!Number.isFinite(times[i])) throw new RadiomicsInputError(`time point ${i + 1} is ${times[i]}`, { file, field: 'times', expected: 'finite times (s)' });
    if (i > 0 && !(times[i] > times[i - 1])) {
      throw new RadiomicsInputError(`time point ${i + 1} (${times[i]} s) is not after time point ${i} (${times[i - 1]} s)`, {
        file,
        field: 'times',
        expected: 'strictly increasing acquisition times (s)',
      });
    }
  }
}

export function fitDce(series: VolumeSeries, options: DceOptions): DceMaps {
  const voxels = checkSeries(series, 'data');
  const file = series.source;
  const model = options.model ?? 'tofts';
  const input = options.input ?? 'signal';
  const nb = options.baselineFrames;
  if (!(Number.isInteger(nb) && nb >= (input === 'signal' ? 1 : 0))) {
    throw new RadiomicsInputError(`${nb} baseline frames`, {
      file,
      field: 'baseline frames',
      expected: input === 'signal' ? 'at least 1 pre-contrast frame (M0 comes from them)' : 'a whole number ≥ 0',
    });
  }
  checkTimes(series, options.times, model, nb);
  const t1Map = options.t1Map;
  let spgr: SpgrParameters | undefined;
  if (input === 'signal') {
    const given = options.spgr;
    if (!given) throw new RadiomicsInputError('no SPGR parameters', { file, field: 'spgr', expected: 'flip angle, TR, T1 and r1 for signal input' });
    if (t1Map && given.t10Ms !== undefined) {
      throw new RadiomicsInputError(`both a fixed T1 (${given.t10Ms} ms) and a T1 map are given`, {
        file: t1Map.source,
        field: 'T1',
        expected: 'either a fixed native T1 or a T1 map',
      });
    }
    if (!t1Map && given.t10Ms === undefined)
      throw new RadiomicsInputError('no native T1', { file, field: 'T1', expected: 'a fixed native T1 (ms) or a T1 map' });
    // With a map, checkSpgr sees a placeholder T1: the voxels' own values are checked one by one.
    spgr = { ...given, t10Ms: given.t10Ms ?? 1000 };
    checkSpgr(spgr, file);
    if (t1Map) checkGrid(t1Map, series.geometry, 'DCE series', 'T1 map');
  }
  const times = Float64Array.from(options.times);
  const n = times.length;
  const onset = options.onset ?? times[Math.max(0, nb - 1)];
  if (!(onset >= times[0] && onset + 60 <= times[n - 1])) {
    throw new RadiomicsInputError(`the acquisition runs ${times[0]}–${times[n - 1]} s; onset ${onset} s + 60 s is not inside it`, {
      file,
      field: 'times',
      expected: 'an acquisition covering at least 60 s after the onset (IAUC60)',
    });
  }
  const grid = aifGrid(options.times, options.aif, options.aifStep ?? 1, file);
  const fitter = new ToftsFitter(grid, model === 'extended', options.kepRange ?? DEFAULT_KEP_RANGE, options.ktransRange ?? DEFAULT_KTRANS_RANGE);
  const mask = maskBytes(options.mask, series.geometry, 'DCE series');
  const g = series.geometry;
  const maps = {
    ktrans: floatMap(g),
    kep: floatMap(g),
    ve: floatMap(g),
    vp: model === 'extended' ? floatMap(g) : null,
    failed: codeMap(g),
    maxEnhancement: floatMap(g),
    timeToPeak: floatMap(g),
    washIn: floatMap(g),
    washOut: floatMap(g),
    iauc60: floatMap(g),
    iaugc60: floatMap(g),
  };
  const sq: SemiQuantitative = { maxEnhancement: 0, timeToPeak: 0, washIn: 0, washOut: 0, iauc60: 0 };
  const block = blockSize(n);
  const curves = new Float64Array(block * n);
  const enhancement = new Float64Array(n);
  for (let start = 0; start < voxels; start += block) {
    const count = min(block, voxels - start);
    gatherCurves(series.data, voxels, n, start, count, curves);
    for (let v = 0; v < count; v++) {
      const idx = start + v;
      if (mask && !mask[idx]) continue;
      const o = v * n;
      let code: number = FitFailure.none;
      if (input === 'signal') {
        // Relative enhancement first (the conversion overwrites the signal); defined wherever S_pre > 0.
        let pre = 0;
        for (let i = 0; i < nb; i++) pre += curves[o + i];
        pre /= nb;
        let finite = pre > 0 && Number.isFinite(pre);
        for (let i = 0; i < n; i++) {
          enhancement[i] = (curves[o + i] - pre) / pre;
          if (!Number.isFinite(enhancement[i])) finite = false;
        }
        if (finite) writeSemi(maps, idx, semiQuantitative(enhancement, 0, times, onset, sq));
        const t10 = t1Map ? t1Map.data[idx] : spgr!.t10Ms;
        code = t10 > 0 && Number.isFinite(t10) ? signalToConcentration(curves, o, n, nb, spgr!, t10) : FitFailure.noNativeT1;
      } else {
        for (let i = 0; i < n; i++) if (!Number.isFinite(curves[o + i])) code = FitFailure.nonFinite;
        if (!code) writeSemi(maps, idx, semiQuantitative(curves, o, times, onset, sq));
      }
      if (code) {
        maps.failed.data[idx] = code;
        continue;
      }
      maps.iaugc60.data[idx] = areaUnder(curves, o, times, onset, onset + 60);
      const r = fitter.fit(curves, o);
      if (r.code) {
        maps.failed.data[idx] = r.code;
        continue;
      }
      maps.ktrans.data[idx] = r.ktrans;
      maps.kep.data[idx] = r.kep;
      maps.ve.data[idx] = r.ve;
      if (maps.vp) maps.vp.data[idx] = r.vp;
    }
  }
  return { ...maps, summary: summarise(maps.failed.data, mask) };
}

function writeSemi(maps: Pick<DceMaps, 'maxEnhancement' | 'timeToPeak' | 'washIn' | 'washOut' | 'iauc60'>, idx: number, s: SemiQuantitative): void {
  maps.maxEnhancement.data[idx] = s.maxEnhancement;
  maps.timeToPeak.data[idx] = s.timeToPeak;
  maps.washIn.data[idx] = s.washIn;
  maps.washOut.data[idx] = s.washOut;
  maps.iauc60.data[idx] = s.iauc60;
}
