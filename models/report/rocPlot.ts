// The ROC curve of a model's out-of-fold probabilities of good response, with the chance diagonal and the AUC with its
// DeLong interval in the legend. The curve joins the empirical ROC points (every distinct probability a threshold), so
// tied probabilities give a sloped segment and the area under the drawn curve is the Mann–Whitney AUC, ties counting ½.
import { rocCurve } from '../stats/roc';
import { axes, legend, num, plotNote, point, svgDocument, type Frame } from './svg';

/** Square plot area: false-positive rate 0–1 across, true-positive rate 0–1 up. */
export const ROC_FRAME: Frame = { left: 90, top: 130, width: 440, height: 440, x: [0, 1], y: [0, 1] };
const WIDTH = 640;
const HEIGHT = 650;
const TICKS = [0, 0.2, 0.4, 0.6, 0.8, 1];

export interface RocPlotInput {
  /** Title, e.g. "ROC curve: delta model". */
  title: string;
  /** Probabilities of the event (good response) and the outcomes (1 = good); null when the outcomes are unknown. */
  probabilities: readonly number[];
  labels: readonly number[] | null;
  auc: number | null;
  aucCi: [number, number] | null;
  /** What the curve is, for the legend (e.g. "Nested-CV out-of-fold"). */
  source: string;
}

export function rocSvg(input: RocPlotInput): string {
  const f = ROC_FRAME;
  const parts = [axes(f, TICKS, TICKS, '1 − specificity (false-positive rate)', 'Sensitivity (true-positive rate)', [1, 1])];
  parts.push(`<polyline class="diagonal" points="${point(f, 0, 0)} ${point(f, 1, 1)}" fill="none" stroke="#777" stroke-width="1.5" stroke-dasharray="6 5"/>`);
  const aucText =
    input.auc === null
      ? 'AUC not available'
      : `AUC ${num(input.auc, 3)}${input.aucCi ? ` (95 % CI ${num(input.aucCi[0], 3)} to ${num(input.aucCi[1], 3)}, DeLong)` : ''}`;
  let description: string;
  if (input.labels) {
    const roc = rocCurve(input.probabilities, input.labels);
    const pts = roc.map((r) => point(f, r.falsePositiveRate, r.truePositiveRate)).join(' ');
    parts.push(`<polyline class="roc" points="${pts}" fill="none" stroke="#1f5fa8" stroke-width="2.5" stroke-linejoin="round"/>`);
    const events = input.labels.filter((y) => y === 1).length;
    description =
      `ROC curve of ${input.labels.length} patients' ${input.source.toLowerCase()} probabilities of good response ` +
      `(${events} good, ${input.labels.length - events} poor responders), ${roc.length} points; ${aucText}. The dashed diagonal is chance (AUC 0.5).`;
    if (roc.length === 2) parts.push(plotNote(f, ['Every prediction is the same:', 'the curve is the diagonal (AUC 0.5).']));
  } else {
    description = `No ROC curve: the patients' outcomes were not available to the report. ${aucText}. The dashed diagonal is chance.`;
    parts.push(plotNote(f, ['No curve: the outcomes of the patients', 'were not available to the report.']));
  }
  parts.push(
    legend(f.left, [
      { text: `${input.source}: ${aucText}`, stroke: '#1f5fa8' },
      { text: 'Chance (AUC 0.5)', stroke: '#777', dash: '6 5' },
    ]),
  );
  return svgDocument('roc', WIDTH, HEIGHT, input.title, description, parts.join(''));
}
