// The decision curve (Vickers & Elkin 2006, Med Decis Making 26:565) for the decision the model informs, as
// models/stats/decisionCurve.ts frames it: acting on a predicted poor responder (necrosis < 90 %) when P(poor) =
// 1 − P(good) reaches the threshold. Net benefit of the model against flagging every patient (treat all) and none
// (treat none), over the candidate's thresholds; the candidate's own points are marked, and where the outcomes are
// known the curve between them is drawn at every 0.01 from the same function. Treat-all falls steeply at high
// thresholds: the plot shows down to one axis step below −0.05 and clips below it (the description says so).
import { netBenefitOfPoorResponse } from '../stats/decisionCurve';
import type { NetBenefitPoint } from '../../contracts/models';
import { axes, legend, niceTicks, plotNote, point, px, svgDocument, type Frame } from './svg';

const WIDTH = 760;
const HEIGHT = 580;
const AREA = { left: 90, top: 130, width: 560, height: 360 };

export interface DecisionCurveInput {
  title: string;
  /** The candidate's decision-curve points (thresholds of P(poor)). */
  points: readonly NetBenefitPoint[];
  /** Prevalence of poor response, for the treat-all line between the points. */
  poorPrevalence: number;
  /** Out-of-fold P(good) and outcomes (1 = good), to draw the model's curve between the points; null: straight segments. */
  probabilities: readonly number[] | null;
  labels: readonly number[] | null;
}

export interface DecisionCurvePlot {
  svg: string;
  frame: Frame | null;
  /** Thresholds (of the candidate's points) at which the model's net benefit exceeds both treat all and treat none. */
  modelBest: number[];
}

const treatAll = (prevalence: number, pt: number) => prevalence - (1 - prevalence) * (pt / (1 - pt));

/** The frame for these points: thresholds across; net benefit from a tick step below −0.05 (or the lowest value) up. */
export function decisionCurveFrame(points: readonly NetBenefitPoint[]): Frame {
  const xs = points.map((p) => p.threshold);
  const x: [number, number] = [Math.floor(Math.min(...xs) * 10 + 1e-9) / 10, Math.ceil(Math.max(...xs) * 10 - 1e-9) / 10];
  if (x[1] <= x[0]) x[1] = x[0] + 0.1;
  const values = points.flatMap((p) => [p.model, p.treatAll, 0]);
  const hi = Math.max(0.05, ...values);
  const lo = Math.min(-0.05, Math.max(Math.min(...values), -hi));
  const { step } = niceTicks(lo, hi, 5);
  return { ...AREA, x, y: [Math.floor(lo / step - 1e-9) * step, Math.ceil(hi / step - 1e-9) * step] };
}

export function decisionCurvePlot(input: DecisionCurveInput): DecisionCurvePlot {
  if (input.points.length === 0) {
    const f: Frame = { ...AREA, x: [0, 1], y: [0, 1] };
    const body = plotNote(f, ['No decision curve: the model was not evaluated at any threshold.']);
    return {
      svg: svgDocument('decision-curve', WIDTH, HEIGHT, input.title, 'No decision curve: the candidate holds no net-benefit points.', body),
      frame: null,
      modelBest: [],
    };
  }
  const f = decisionCurveFrame(input.points);
  const xt = niceTicks(f.x[0], f.x[1], Math.round((f.x[1] - f.x[0]) / 0.1));
  const yt = niceTicks(f.y[0], f.y[1], 5);
  const parts = [axes(f, xt.values, yt.values, 'Threshold probability of poor response (necrosis < 90 %)', 'Net benefit', [xt.decimals, yt.decimals])];
  parts.push(`<defs><clipPath id="dca-clip"><rect x="${px(f.left)}" y="${px(f.top)}" width="${px(f.width)}" height="${px(f.height)}"/></clipPath></defs>`);
  const first = input.points[0].threshold;
  const last = input.points[input.points.length - 1].threshold;
  const dense: number[] = [];
  for (let k = Math.ceil(first * 100 - 1e-9); k <= Math.floor(last * 100 + 1e-9); k++) dense.push(k / 100);
  for (const t of input.points.map((p) => p.threshold)) if (!dense.some((d) => Math.abs(d - t) < 1e-12)) dense.push(t);
  dense.sort((a, b) => a - b);
  const model =
    input.probabilities && input.labels
      ? netBenefitOfPoorResponse(input.probabilities, input.labels, dense).map((p) => ({ x: p.threshold, y: p.model }))
      : input.points.map((p) => ({ x: p.threshold, y: p.model }));
  const all = dense.map((t) => ({ x: t, y: treatAll(input.poorPrevalence, t) }));
  const line = (cls: string, pts: { x: number; y: number }[], stroke: string, dash?: string) =>
    `<polyline class="${cls}" points="${pts.map((p) => point(f, p.x, p.y)).join(' ')}" fill="none" stroke="${stroke}" stroke-width="2.5"${dash ? ` stroke-dasharray="${dash}"` : ''}/>`;
  parts.push(`<g clip-path="url(#dca-clip)">`);
  parts.push(
    line(
      'treat-none',
      [
        { x: f.x[0], y: 0 },
        { x: f.x[1], y: 0 },
      ],
      '#444',
      '2 4',
    ),
  );
  parts.push(line('treat-all', all, '#777', '8 5'));
  parts.push(line('model', model, '#1f5fa8'));
  parts.push(`<g class="points" fill="#1f5fa8">`);
  for (const p of input.points) {
    const [cx, cy] = point(f, p.threshold, p.model).split(',');
    parts.push(`<circle cx="${cx}" cy="${cy}" r="4"/>`);
  }
  parts.push('</g></g>');
  parts.push(
    legend(f.left, [
      { text: 'Model: flag a patient when P(poor) ≥ threshold (dots: the candidate’s thresholds)', stroke: '#1f5fa8' },
      { text: 'Treat all: flag every patient as a poor responder', stroke: '#777', dash: '8 5' },
      { text: 'Treat none: flag no one', stroke: '#444', dash: '2 4' },
    ]),
  );
  const modelBest = input.points.filter((p) => p.model > Math.max(p.treatAll, 0) + 1e-12).map((p) => p.threshold);
  const clipped = input.points.some((p) => p.treatAll < f.y[0] || p.model < f.y[0]);
  const description =
    `Net benefit of flagging predicted poor responders at thresholds ${first} to ${last} of P(poor), prevalence of poor response ` +
    `${input.poorPrevalence.toFixed(3)}: ` +
    input.points.map((p) => `at ${p.threshold} model ${p.model.toFixed(3)}, treat all ${p.treatAll.toFixed(3)}`).join('; ') +
    `. The model beats both alternatives at ${modelBest.length === 0 ? 'no threshold' : modelBest.join(', ')}.` +
    (clipped ? ` Values below ${f.y[0].toFixed(2)} are clipped.` : '');
  return { svg: svgDocument('decision-curve', WIDTH, HEIGHT, input.title, description, parts.join('')), frame: f, modelBest };
}
