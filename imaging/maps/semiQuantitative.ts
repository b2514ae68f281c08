// Model-free (semi-quantitative) descriptors of an enhancement curve E(t) (relative signal enhancement
// (S − S_pre)/S_pre, or concentration): maximum enhancement, time to peak from the onset, mean wash-in slope from
// the onset to the peak, wash-out slope from the peak to the last frame, and the initial area under the curve over
// the first 60 s after the onset (IAUC60; of the concentration: IAUGC60, Evelhoch 1999, JMRI 10:254), by the
// trapezoidal rule with E interpolated linearly at the interval ends. The peak is searched at or after the onset.

export interface SemiQuantitative {
  /** max E over frames at or after the onset (E's units). */
  maxEnhancement: number;
  /** t_peak − onset, s. */
  timeToPeak: number;
  /** (E_peak − E(onset)) / (t_peak − onset), E's units per s (0 when the peak is at the onset). */
  washIn: number;
  /** (E_last − E_peak) / (t_last − t_peak), E's units per s (0 when the peak is the last frame). */
  washOut: number;
  /** ∫ E dt over [onset, onset + 60 s], E's units · s. */
  iauc60: number;
}

/** E at time t by linear interpolation between frames (times increasing, t within them). */
function at(y: Float64Array, o: number, times: Float64Array, t: number): number {
  const n = times.length;
  if (t <= times[0]) return y[o];
  for (let i = 1; i < n; i++) {
    if (t <= times[i]) {
      const w = (t - times[i - 1]) / (times[i] - times[i - 1]);
      return y[o + i - 1] + w * (y[o + i] - y[o + i - 1]);
    }
  }
  return y[o + n - 1];
}

/** ∫ E dt over [a, b] by the trapezoidal rule on the frames, E interpolated linearly at a and b. */
export function areaUnder(y: Float64Array, o: number, times: Float64Array, a: number, b: number): number {
  let area = 0;
  let tPrev = a;
  let ePrev = at(y, o, times, a);
  for (let i = 0; i < times.length; i++) {
    const t = times[i];
    if (t <= a) continue;
    if (t >= b) break;
    const e = y[o + i];
    area += 0.5 * (e + ePrev) * (t - tPrev);
    tPrev = t;
    ePrev = e;
  }
  area += 0.5 * (ePrev + at(y, o, times, b)) * (b - tPrev);
  return area;
}

/** The descriptors of curve y[o … o + times.length) for an onset (s) within the acquisition; written into `out`. */
export function semiQuantitative(y: Float64Array, o: number, times: Float64Array, onset: number, out: SemiQuantitative): SemiQuantitative {
  const n = times.length;
  let peak = -1;
  for (let i = 0; i < n; i++) if (times[i] >= onset && (peak < 0 || y[o + i] > y[o + peak])) peak = i;
  const ePeak = y[o + peak];
  const tPeak = times[peak];
  out.maxEnhancement = ePeak;
  out.timeToPeak = tPeak - onset;
  out.washIn = tPeak > onset ? (ePeak - at(y, o, times, onset)) / (tPeak - onset) : 0;
  out.washOut = peak < n - 1 ? (y[o + n - 1] - ePeak) / (times[n - 1] - tPeak) : 0;
  out.iauc60 = areaUnder(y, o, times, onset, onset + 60);
  return out;
}
