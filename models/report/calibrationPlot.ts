// The calibration plot: observed share of good responders against the mean predicted probability in risk groups, each
// with its 95 % Wilson interval, a lowess smoother of the outcomes on the predictions, the ideal line, and a rug of the
// predictions of good and poor responders below the plot.
//
// The smoother is Cleveland's lowess (Cleveland 1979, JASA 74:829) of the 0/1 outcome on the predicted probability,
// local linear with tricube weights, span f = 2/3 and no robustness iterations — the loess calibration curve Austin &
// Steyerberg (2014, Stat Med 33:517) studied and rms::val.prob draws (`lowess(p, y, iter = 0)`); it is evaluated at
// every distinct prediction (R's delta = 0). A curve on 0/1 outcomes may leave [0, 1] near the ends: it is clipped there.
// Wilson's score interval (Wilson 1927, JASA 22:209) keeps its coverage on groups of a handful of patients, where the
// Wald interval does not (Brown, Cai & DasGupta 2001, Stat Sci 16:101).
import { normalQuantile } from '../stats/special';
import { ModelInputError } from '../stats/errors';
import { axes, esc, legend, num, plotNote, point, px, svgDocument, toX, type Frame } from './svg';

export const CALIBRATION_FRAME: Frame = { left: 90, top: 130, width: 440, height: 440, x: [0, 1], y: [0, 1] };
const WIDTH = 640;
const HEIGHT = 720;
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

/** Lowess fitted values (degree 1, tricube weights, span f, no robustness iterations) at each distinct x, in order. */
export function lowess(x: readonly number[], y: readonly number[], f = 2 / 3): { x: number; y: number }[] {
  const n = x.length;
  if (n !== y.length) throw new ModelInputError(`has ${n} values but y has ${y.length}`, 'x');
  if (n === 0) return [];
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => x[a] - x[b]);
  const xs = order.map((i) => x[i]);
  const ys = order.map((i) => y[i]);
  const ns = Math.max(2, Math.min(n, Math.floor(f * n + 1e-7)));
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
    if (total <= 0) {
      out.push({ x: x0, y: ys[i] });
      continue;
    }
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
    out.push({ x: x0, y: fit });
  }
  return out;
}

export interface CalibrationPlotInput {
  title: string;
  probabilities: readonly number[];
  labels: readonly number[] | null;
  /** What the predictions are, for the description (e.g. "nested-CV out-of-fold"). */
  source: string;
  groups?: number;
}

export interface CalibrationPlot {
  svg: string;
  groups: RiskGroup[];
  /** The smoother's points, or null with the reason it is not drawn. */
  smooth: { x: number; y: number }[] | null;
  notes: string[];
}

export function calibrationPlot(input: CalibrationPlotInput): CalibrationPlot {
  const f = CALIBRATION_FRAME;
  const parts = [axes(f, TICKS, TICKS, 'Predicted probability of good response', 'Observed share of good responders', [1, 1])];
  parts.push(`<polyline class="ideal" points="${point(f, 0, 0)} ${point(f, 1, 1)}" fill="none" stroke="#777" stroke-width="1.5" stroke-dasharray="6 5"/>`);
  const notes: string[] = [];
  let groups: RiskGroup[] = [];
  let smooth: { x: number; y: number }[] | null = null;
  let description: string;
  const { labels, probabilities } = input;
  if (labels) {
    groups = riskGroups(probabilities, labels, input.groups);
    const distinct = new Set(probabilities).size;
    if (distinct >= 3) {
      smooth = lowess(probabilities, labels).map((p) => ({ x: p.x, y: Math.min(1, Math.max(0, p.y)) }));
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
      `. ${smooth ? 'Lowess smoother (span 2/3) drawn. ' : ''}Dashed: ideal calibration. Rug: each patient's prediction by outcome.`;
  } else {
    notes.push('the outcomes of the patients were not available to the report: no calibration curve');
    parts.push(plotNote(f, ['No curve: the outcomes of the patients', 'were not available to the report.']));
    description = 'No calibration plot: the patients’ outcomes were not available to the report. Dashed: ideal calibration.';
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
      ...(smooth ? [{ text: 'Lowess smoother of the outcomes (span 2/3, Cleveland 1979)', stroke: '#c2571a' }] : []),
      { text: 'Ideal: observed = predicted', stroke: '#777', dash: '6 5' },
    ]),
  );
  return { svg: svgDocument('calibration', WIDTH, HEIGHT, input.title, description, parts.join('')), groups, smooth, notes };
}
