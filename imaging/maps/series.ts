// Shared plumbing of the parameter maps: the 4D series type, per-voxel curves gathered in blocks (frame-contiguous,
// so that fits read one voxel's signal from consecutive memory), the fit-failure codes and the map containers.
import { sameGeometry, type Geometry, type Volume, type VoxelArray } from '../image';
import { RadiomicsInputError } from '../errors';
import type { VolumeSeries } from '../io/nifti';

export type { VolumeSeries } from '../io/nifti';

/**
 * Why a voxel's fit failed (the value of the failed-fit mask); 0 = fitted. The parameter maps hold 0 where a fit
 * failed or was not attempted (outside the mask).
 */
export const FitFailure = {
  none: 0,
  /** A signal used by the fit is ≤ 0 (its logarithm is undefined). */
  nonPositive: 1,
  /** A signal (or the input AIF) is NaN or infinite. */
  nonFinite: 2,
  /** A fitted parameter lies outside its bounds (or on the edge of the searched range). */
  outOfRange: 3,
  /** The iteration did not converge within its limit. */
  notConverged: 4,
  /** DCE: the signal cannot be turned into a concentration by the SPGR equation (at or above full relaxation). */
  conversion: 5,
  /** DCE: the T1 map has no native T1 for the voxel (≤ 0 or not finite: its own fit failed). */
  noNativeT1: 6,
} as const;
export type FitFailureCode = (typeof FitFailure)[keyof typeof FitFailure];

export const FIT_FAILURE_NAMES: Record<number, string> = {
  1: 'non-positive signal',
  2: 'non-finite signal',
  3: 'out of range',
  4: 'not converged',
  5: 'signal-to-concentration conversion impossible',
  6: 'no native T1 in the T1 map',
};

/** Counts of a failed-fit mask: fitted voxels (mask ∩ grid), failed ones, and failed ones by reason name. */
export interface FitSummary {
  fitted: number;
  failed: number;
  byReason: Record<string, number>;
}

export function summarise(failed: Uint8Array, mask: Uint8Array | null): FitSummary {
  const counts = new Map<number, number>();
  let fitted = 0;
  let bad = 0;
  for (let i = 0; i < failed.length; i++) {
    if (mask && !mask[i]) continue;
    fitted++;
    const c = failed[i];
    if (c) {
      bad++;
      counts.set(c, (counts.get(c) ?? 0) + 1);
    }
  }
  const byReason: Record<string, number> = {};
  for (const [code, n] of [...counts].sort((a, b) => a[0] - b[0])) byReason[FIT_FAILURE_NAMES[code] ?? `code ${code}`] = n;
  return { fitted, failed: bad, byReason };
}

export function voxelsOf(g: Geometry): number {
  return g.size[0] * g.size[1] * g.size[2];
}

export function floatMap(g: Geometry): Volume<Float32Array> {
  return { geometry: g, data: new Float32Array(voxelsOf(g)) };
}

export function codeMap(g: Geometry): Volume<Uint8Array> {
  return { geometry: g, data: new Uint8Array(voxelsOf(g)) };
}

/** Checks that a series holds frames × voxels values; returns the voxel count per frame. */
export function checkSeries(series: VolumeSeries, field: string): number {
  const n = voxelsOf(series.geometry);
  if (!(Number.isSafeInteger(series.frames) && series.frames >= 1) || series.data.length !== n * series.frames) {
    throw new RadiomicsInputError(`data holds ${series.data.length} values for ${series.geometry.size.join('×')} voxels × ${series.frames} frames`, {
      file: series.source,
      field,
      expected: `${n * series.frames} values`,
    });
  }
  return n;
}

/** Checks that a volume given beside a series (a mask, a T1 map) lies on the series' grid; the error names its file. */
export function checkGrid(volume: Volume, g: Geometry, what: string, role: string): void {
  const n = voxelsOf(g);
  const same = volume.geometry.size.every((s, i) => s === g.size[i]);
  if (!same || volume.data.length !== n) {
    throw new RadiomicsInputError(`${role} is ${volume.geometry.size.join('×')}, the ${what} ${g.size.join('×')}`, {
      file: volume.source,
      field: 'size',
      expected: `a ${role} on the ${what}'s grid`,
    });
  }
  if (!sameGeometry(volume.geometry, g)) {
    throw new RadiomicsInputError(`${role}'s spacing, origin or direction differ from the ${what}'s`, {
      file: volume.source,
      field: 'geometry',
      expected: `a ${role} on the ${what}'s grid (spacing ${g.spacing.join('×')} mm, origin ${g.origin.join(', ')})`,
    });
  }
}

/** The fitting mask as 0/1 bytes on the series' grid (null: every voxel), or an error naming the mask's file. */
export function maskBytes(mask: Volume | undefined, g: Geometry, what: string): Uint8Array | null {
  if (!mask) return null;
  const n = voxelsOf(g);
  checkGrid(mask, g, what, 'mask');
  const out = new Uint8Array(n);
  const d = mask.data;
  for (let i = 0; i < n; i++) out[i] = d[i] !== 0 ? 1 : 0;
  return out;
}

/** Voxels per block when curves are gathered: about 256 KiB of float64 per block. */
/** Why a voxel's signal curve (`frames` values from `offset`) cannot be fitted on a log scale, or FitFailure.none. */
export function signalFailure(curves: Float64Array, offset: number, frames: number): number {
  let code: number = FitFailure.none;
  for (let i = 0; i < frames; i++) {
    const s = curves[offset + i];
    if (!Number.isFinite(s)) return FitFailure.nonFinite;
    if (!(s > 0)) code = FitFailure.nonPositive;
  }
  return code;
}

export function blockSize(frames: number): number {
  return Math.max(64, Math.floor(32768 / Math.max(1, frames)));
}

/** Copies the curves of voxels [start, start + count) into `out` (voxel-major: out[v·frames + f]) as float64. */
export function gatherCurves(data: VoxelArray, voxels: number, frames: number, start: number, count: number, out: Float64Array): void {
  for (let f = 0; f < frames; f++) {
    const base = f * voxels + start;
    for (let v = 0; v < count; v++) out[v * frames + f] = data[base + v];
  }
}

/** Parses a list like "0,200,500,800" into numbers; the first bad entry is named. */
export function parseNumberList(text: string, where: { file?: string; field: string; expected: string }): number[] {
  const parts = text.split(',').map((p) => p.trim());
  return parts.map((p, i) => {
    const n = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(p) ? Number(p) : NaN;
    if (!Number.isFinite(n)) throw new RadiomicsInputError(`entry ${i + 1} is '${p.slice(0, 32)}'`, { ...where });
    return n;
  });
}
