// The calibration plot: observed share of good responders against the mean predicted probability in risk groups, each
// with its 95 % Wilson interval, a lowess smoother of the outcomes on the predictions, the ideal line, and a rug of the
// predictions of good and poor responders below the plot.
//
// The smoother is Cleveland's lowess (Cleveland 1979, JASA 74:829) of the 0/1 outcome on the predicted probability,
// local linear with tricube weights, span f = 2/3 and no robustness iterations — the loess calibration curve Austin &
// Steyerberg (2014, Stat Med 33:517) studied and rms::val.prob draws (`lowess(p, y, iter = 0)`); it is evaluated at
// every distinct prediction (R's delta = 0). A curve on 0/1 outcomes may leave [0, 1] near the ends: it is clipped there.
// Around the smoother, a pointwise 95 % percentile bootstrap band (200 resamples of the patients, seeded): the loess
// curve of a few dozen 0/1 outcomes moves a lot with the sample, and the band shows how much. Below the rug, the
// deployed refit's optimism-corrected calibration-in-the-large and slope with their bootstrap intervals, since the
// points and the curve picture the out-of-fold predictions, not the refit.
// Wilson's score interval (Wilson 1927, JASA 22:209) keeps its coverage on groups of a handful of patients, where the
// Wald interval does not (Brown, Cai & DasGupta 2001, Stat Sci 16:101).
import { seededRandom } from '../stats/random';
import { normalQuantile } from '../stats/special';
import { ModelInputError } from '../stats/errors';
import { axes, esc, legend, num, plotNote, point, px, svgDocument, toX, type Frame } from './svg';

export const CALIBRATION_FRAME: Frame = { left: 90, top: 130, width: 440, height: 440, x: [0, 1], y: [0, 1] };
const WIDTH = 640;
const HEIGHT = 760;
const TICKS = [0, 0.2, 0.4, 0.6, 0.8, 1];
/** Rug rows below the x-axis title: good responders' predictions, then poor responders'. */
export const RUG_ROWS = { good: [644, 660], poor: [676, 692] } as const;

/** Wilson score interval for k events of n at the given level. */
export function wilsonInterval(k: number, n: number, level = 0.95): [number, number] {
  if (!(Number.isInteger(n) && n > 0 && Number.isInteger(k) && k >= 0 && k <= n))
    throw new ModelInputError(`${k} of ${n} (expected 0 ≤ k ≤ n, n ≥ 1)`, 'events');
  const z = normalQuantile(0.5 + level / 2);
  const z2 = z * z;
  const centre = (k + z2 / 2) / (n + z2);
  const half = (z / (n + z2)) * Math.sqrt((k * (n - k)) / n + z2 / 4);
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

export interface RiskGroup {
  patients: number;
  events: number;
  meanPredicted: number;
  observed: number;
  ci: [number, number];
}

/** The default number of risk groups: about five patients each, at most ten (deciles), at least one. */
export const defaultGroups = (n: number): number => Math.min(10, Math.max(1, Math.floor(n / 5)));

/**
 * Patients sorted by prediction and cut into `groups` groups of near-equal size (cuts at round(k·n/groups)); a cut
 * that would split equal predictions moves up past them, so ties share a group (all equal: one group).
 */
export function riskGroups(probabilities: readonly number[], labels: readonly number[], groups = defaultGroups(probabilities.length)): RiskGroup[] {
  const n = probabilities.length;
  if (!(Number.isInteger(groups) && groups >= 1)) throw new ModelInputError(`${groups} (expected a whole number ≥ 1)`, 'groups');
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => probabilities[a] - probabilities[b]);
  const cuts: number[] = [];
  for (let k = 1; k < groups; k++) {
    let c = Math.round((k * n) / groups);
    while (c > 0 && c < n && probabilities[order[c]] === probabilities[order[c - 1]]) c++;
    if (c > (cuts.at(-1) ?? 0) && c < n) cuts.push(c);
  }
  const bounds = [0, ...cuts, n];
  const out: RiskGroup[] = [];
  for (let g = 0; g + 1 < bounds.length; g++) {
    const members = order.slice(bounds[g], bounds[g + 1]);
    if (members.length === 0) continue;
    const events = members.reduce((s, i) => s + labels[i], 0);
    const meanPredicted = members.reduce((s, i) => s + probabilities[i], 0) / members.length;
    out.push({ patients: members.length, events, meanPredicted, observed: events / members.length, ci: wilsonInterval(events, members.length) });
  }
  return out;
}

/**
 * The local linear fit at x0 over the sorted window xs[left..right] (its ns nearest points), as Cleveland's clowess
 * computes it: tricube weights within 0.999·h of x0, h the window's farthest distance; the weights tilted by the slope
 * term unless the points hardly spread.
 */
function localFit(xs: readonly number[], ys: readonly number[], x0: number, left: number, right: number, range: number): number {
  const n = xs.length;
  const h = Math.max(x0 - xs[left], xs[right] - x0);
  const w = new Array<number>(n).fill(0);
  let total = 0;
  for (let j = left; j < n; j++) {
    const r = Math.abs(xs[j] - x0);
    if (r <= 0.999 * h) {
      w[j] = r <= 0.001 * h ? 1 : (1 - (r / h) ** 3) ** 3;
      total += w[j];
    } else if (xs[j] > x0) break;
  }
  if (total <= 0) return NaN;
  for (let j = left; j < n; j++) w[j] /= total;
  if (h > 0) {
    // Local linear: weights tilted by the slope term, as Cleveland's clowess does.
    let a = 0;
    for (let j = left; j < n; j++) a += w[j] * xs[j];
    let c = 0;
    for (let j = left; j < n; j++) c += w[j] * (xs[j] - a) ** 2;
    if (Math.sqrt(c) > 0.001 * range) {
      const b = (x0 - a) / c;
      for (let j = left; j < n; j++) w[j] *= b * (xs[j] - a) + 1;
    }
  }
  let fit = 0;
  for (let j = left; j < n; j++) fit += w[j] * ys[j];
  return fit;
}

/** x and y sorted by x, and the window size ns of span f. */
function sortedPoints(x: readonly number[], y: readonly number[], f: number): { xs: number[]; ys: number[]; ns: number } {
  const n = x.length;
  if (n !== y.length) throw new ModelInputError(`has ${n} values but y has ${y.length}`, 'x');
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => x[a] - x[b]);
  return { xs: order.map((i) => x[i]), ys: order.map((i) => y[i]), ns: Math.max(2, Math.min(n, Math.floor(f * n + 1e-7))) };
}

/** Lowess fitted values (degree 1, tricube weights, span f, no robustness iterations) at each distinct x, in order. */
export function lowess(x: readonly number[], y: readonly number[], f = 2 / 3): { x: number; y: number }[] {
  const { xs, ys, ns } = sortedPoints(x, y, f);
  const n = xs.length;
  if (n === 0) return [];
  const range = xs[n - 1] - xs[0];
  const out: { x: number; y: number }[] = [];
  let left = 0;
  let right = ns - 1;
  for (let i = 0; i < n; i++) {
    if (i > 0 && xs[i] === xs[i - 1]) continue;
    const x0 = xs[i];
    // The ns nearest points: slide the window right while its far right neighbour is nearer than its leftmost point.
    while (right < n - 1 && x0 - xs[left] > xs[right + 1] - x0) {
      left++;
      right++;
    }
    const fit = localFit(xs, ys, x0, left, right, range);
    out.push({ x: x0, y: Number.isNaN(fit) ? ys[i] : fit });
  }
  return out;
}

/** The same smoother evaluated at arbitrary points `at` (any order), e.g. the original predictions on a resample. */
export function lowessAt(x: readonly number[], y: readonly number[], at: readonly number[], f = 2 / 3): number[] {
  const { xs, ys, ns } = sortedPoints(x, y, f);
  const n = xs.length;
  const range = xs[n - 1] - xs[0];
  return at.map((x0) => {
    let left = 0;
    let right = ns - 1;
    while (right < n - 1 && x0 - xs[left] > xs[right + 1] - x0) {
      left++;
      right++;
    }
    return localFit(xs, ys, x0, left, right, range);
  });
}

export interface SmootherBand {
  x: number[];
  lower: number[];
  upper: number[];
  /** Resamples that gave a smoother (at least 3 distinct predictions). */
  replicates: number;
  level: number;
}

/**
 * Pointwise percentile bootstrap band of the lowess curve (Efron & Tibshirani 1993, §13.3): the patients are resampled
 * with replacement, the smoother refitted on each resample and evaluated at the original distinct predictions, and the
 * band at each is the central `level` share of those values (R's type-7 quantiles), clipped to [0, 1]. It shows how
 * far the curve moves with the sample; it is not a simultaneous band.
 */
export function smootherBand(
  probabilities: readonly number[],
  labels: readonly number[],
  options: { replicates?: number; seed?: number; level?: number } = {},
): SmootherBand | null {
  const replicates = options.replicates ?? 200;
  const level = options.level ?? 0.95;
  const n = probabilities.length;
  const x = [...new Set(probabilities)].sort((a, b) => a - b);
  if (x.length < 3) return null;
  const random = seededRandom(options.seed ?? 1);
  const curves: number[][] = [];
  for (let b = 0; b < replicates; b++) {
    const rows = Array.from({ length: n }, () => random.int(n));
    const px_ = rows.map((r) => probabilities[r]);
    if (new Set(px_).size < 3) continue;
    curves.push(
      lowessAt(
        px_,
        rows.map((r) => labels[r]),
        x,
      ),
    );
  }
  if (curves.length < 0.8 * replicates) return null;
  const quantile = (sorted: number[], p: number) => {
    const h = (sorted.length - 1) * p;
    const lo = Math.floor(h);
    const hi = Math.min(lo + 1, sorted.length - 1);
    return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
  };
  const clip = (v: number) => Math.min(1, Math.max(0, v));
  const lower: number[] = [];
  const upper: number[] = [];
  x.forEach((_, k) => {
    const values = curves
      .map((c) => c[k])
      .filter(Number.isFinite)
      .sort((a, b) => a - b);
    lower.push(clip(quantile(values, (1 - level) / 2)));
    upper.push(clip(quantile(values, 1 - (1 - level) / 2)));
  });
  return { x, lower, upper, replicates: curves.length, level };
}

export interface CalibrationPlotInput {
  title: string;
  probabilities: readonly number[];
  labels: readonly number[] | null;
  /** What the predictions are, for the description (e.g. "nested-CV out-of-fold"). */
  source: string;
  groups?: number;
  /** The smoother's bootstrap band: resamples (default 200; 0 draws none) and seed. */
  band?: { replicates?: number; seed?: number };
  /** The deployed refit's optimism-corrected calibration, printed below the plot. */
  refit?: { intercept: RefitStatistic | null; slope: RefitStatistic | null; replicates: number } | null;
}

/** An optimism-corrected statistic of the deployed refit with its interval, as the candidate's metrics hold it. */
export interface RefitStatistic {
  corrected: number;
  ci?: [number, number] | null;
}

export interface CalibrationPlot {
  svg: string;
  groups: RiskGroup[];
  /** The smoother's points, or null with the reason it is not drawn. */
  smooth: { x: number; y: number }[] | null;
  /** The smoother's bootstrap band, or null where none is drawn. */
  band: SmootherBand | null;
  notes: string[];
}

/** The two lines below the plot about the deployed refit, or null when the candidate has no corrected calibration. */
function refitLines(refit: CalibrationPlotInput['refit']): string[] | null {
  if (!refit || (!refit.intercept && !refit.slope)) return null;
  const stat = (name: string, s: RefitStatistic | null) =>
    s ? `${name} ${num(s.corrected)}${s.ci ? ` (95 % CI ${num(s.ci[0])} to ${num(s.ci[1])})` : ''}` : `${name} not available`;
  return [
    `Deployed refit, optimism-corrected (bootstrap, ${refit.replicates} replicates):`,
    `${stat('calibration-in-the-large', refit.intercept)}; ${stat('slope', refit.slope)}`,
  ];
}

export function calibrationPlot(input: CalibrationPlotInput): CalibrationPlot {
  const f = CALIBRATION_FRAME;
  const parts = [axes(f, TICKS, TICKS, 'Predicted probability of good response', 'Observed share of good responders', [1, 1])];
  parts.push(`<polyline class="ideal" points="${point(f, 0, 0)} ${point(f, 1, 1)}" fill="none" stroke="#777" stroke-width="1.5" stroke-dasharray="6 5"/>`);
  const notes: string[] = [];
  let groups: RiskGroup[] = [];
  let smooth: { x: number; y: number }[] | null = null;
  let band: SmootherBand | null = null;
  let description: string;
  const { labels, probabilities } = input;
  const refitText = refitLines(input.refit);
  if (labels) {
    groups = riskGroups(probabilities, labels, input.groups);
    const distinct = new Set(probabilities).size;
    if (distinct >= 3) {
      smooth = lowess(probabilities, labels).map((p) => ({ x: p.x, y: Math.min(1, Math.max(0, p.y)) }));
      const replicates = input.band?.replicates ?? 200;
      band = replicates > 0 ? smootherBand(probabilities, labels, { replicates, seed: input.band?.seed ?? 1 }) : null;
      if (band) {
        const outline = [...band.x.map((x, k) => point(f, x, band!.upper[k])), ...band.x.map((x, k) => point(f, x, band!.lower[k])).reverse()];
        parts.push(`<polygon class="band" points="${outline.join(' ')}" fill="#c2571a" fill-opacity="0.18" stroke="none"/>`);
      } else if (replicates > 0) notes.push('too few resamples with 3 distinct predictions: no band around the smoother');
      parts.push(`<polyline class="smooth" points="${smooth.map((p) => point(f, p.x, p.y)).join(' ')}" fill="none" stroke="#c2571a" stroke-width="2.5"/>`);
    } else {
      notes.push(`${distinct} distinct prediction${distinct === 1 ? '' : 's'}: no smoothed curve (at least 3 needed)`);
      parts.push(plotNote(f, [`${distinct === 1 ? 'Every prediction is the same' : 'Only 2 distinct predictions'}: no smoothed curve.`]));
    }
    parts.push(`<g class="groups" stroke="#1f5fa8" stroke-width="2" fill="#1f5fa8">`);
    for (const g of groups) {
      const [x, lo] = point(f, g.meanPredicted, g.ci[0]).split(',');
      const hi = point(f, g.meanPredicted, g.ci[1]).split(',')[1];
      const [, y] = point(f, g.meanPredicted, g.observed).split(',');
      parts.push(`<line class="ci" x1="${x}" y1="${lo}" x2="${x}" y2="${hi}"/>`);
      parts.push(
        `<circle class="group" cx="${x}" cy="${y}" r="5"><title>${g.events} of ${g.patients} good (${num(g.observed)}), mean prediction ${num(g.meanPredicted)}</title></circle>`,
      );
    }
    parts.push('</g>');
    // The rug: one tick per patient at its prediction, good responders in the upper row, poor in the lower.
    const rug = (row: readonly [number, number], outcome: number, label: string, colour: string) => {
      const ticks = probabilities.map((p, i) => (labels[i] === outcome ? p : null)).filter((p): p is number => p !== null);
      return (
        `<text x="${px(f.left - 10)}" y="${px(row[1] - 3)}" text-anchor="end" font-size="13">${esc(`${label} (${ticks.length})`)}</text>` +
        `<g class="rug-${label}" stroke="${colour}" stroke-width="1.5">` +
        ticks.map((p) => `<line x1="${px(toX(f, p))}" y1="${px(row[0])}" x2="${px(toX(f, p))}" y2="${px(row[1])}"/>`).join('') +
        '</g>'
      );
    };
    parts.push(rug(RUG_ROWS.good, 1, 'good', '#1f5fa8'), rug(RUG_ROWS.poor, 0, 'poor', '#8a1c1c'));
    const events = labels.filter((y) => y === 1).length;
    description =
      `Calibration of ${labels.length} patients' ${input.source} probabilities of good response (${events} good, ${labels.length - events} poor): ` +
      groups
        .map((g) => `mean prediction ${num(g.meanPredicted)}, observed ${g.events} of ${g.patients} (95 % CI ${num(g.ci[0])} to ${num(g.ci[1])})`)
        .join('; ') +
      `. ${smooth ? `Lowess smoother (span 2/3) drawn${band ? ` with its pointwise 95 % bootstrap band (${band.replicates} resamples)` : ''}. ` : ''}Dashed: ideal calibration. Rug: each patient's prediction by outcome.` +
      (refitText ? ` ${refitText.join(' ')}` : '');
  } else {
    notes.push('the outcomes of the patients were not available to the report: no calibration curve');
    parts.push(plotNote(f, ['No curve: the outcomes of the patients', 'were not available to the report.']));
    description = 'No calibration plot: the patients’ outcomes were not available to the report. Dashed: ideal calibration.';
  }
  if (refitText) {
    parts.push(
      refitText.map((t, i) => `<text class="refit" x="${px(f.left - 60)}" y="${px(RUG_ROWS.poor[1] + 30 + 20 * i)}" font-size="13">${esc(t)}</text>`).join(''),
    );
  }
  const sizes = groups.map((g) => g.patients);
  const size = groups.length === 0 ? 'no' : Math.min(...sizes) === Math.max(...sizes) ? String(sizes[0]) : `${Math.min(...sizes)}–${Math.max(...sizes)}`;
  parts.push(
    legend(f.left, [
      {
        text: `Risk groups (${groups.length}, ${size} patient${size === '1' ? '' : 's'} each): observed share, 95 % Wilson CI`,
        stroke: '#1f5fa8',
        marker: true,
      },
      ...(smooth ? [{ text: `Lowess smoother (span 2/3)${band ? ', shaded: pointwise 95 % bootstrap band' : ''}`, stroke: '#c2571a' }] : []),
      { text: 'Ideal: observed = predicted', stroke: '#777', dash: '6 5' },
    ]),
  );
  return { svg: svgDocument('calibration', WIDTH, HEIGHT, input.title, description, parts.join('')), groups, smooth, band, notes };
}
