// The evidence report of a trained candidate: ROC, calibration and decision-curve plots as SVG, the model card, the
// TRIPOD+AI checklist and the Radiomics Quality Score, as files under report/ of the training run. Pure: the registry
// uploads them and rasterises the SVGs to PNG.
import { calibrationPlot } from './calibrationPlot';
import { decisionCurvePlot } from './decisionCurvePlot';
import { reportData, type ReportOptions } from './input';
import { modelCard, REPORT_FILES } from './modelCard';
import { rocSvg } from './rocPlot';
import { rqsAssessment } from './rqs';
import { tripodChecklist } from './tripod';
import type { Candidate } from '../../contracts/models';

export { reportData, type ReportData, type ReportOptions, type ExternalEvidence } from './input';
export { REPORT_FILES } from './modelCard';
export { rocSvg, ROC_FRAME } from './rocPlot';
export { calibrationPlot, lowess, lowessAt, riskGroups, smootherBand, wilsonInterval, CALIBRATION_FRAME } from './calibrationPlot';
export { decisionCurvePlot, decisionCurveFrame } from './decisionCurvePlot';

export interface ReportFile {
  /** Relative to the run's artifact root, e.g. report/roc.svg. */
  path: string;
  content: string;
}

/** Replicates of the deployed refit's bootstrap: the most any of its corrected calibration statistics used. */
function refitReplicates(metrics: Candidate['metrics']): number {
  const cal = metrics.optimismCorrectedCalibration;
  return Math.max(cal?.intercept?.replicates ?? 0, cal?.slope?.replicates ?? 0);
}

/** Every file of the report; a candidate whose numbers cannot be its own is refused (ModelInputError naming the field). */
export function modelReport(candidate: Candidate, options: ReportOptions = {}): ReportFile[] {
  const data = reportData(candidate, options);
  const { metrics, kind, artifact } = candidate;
  const source = 'Nested-CV out-of-fold';
  const labels = data.evaluated ? data.labels : null;
  const roc = rocSvg({
    title: `ROC curve: ${kind} model, good response`,
    probabilities: data.probabilities,
    labels,
    auc: data.evaluated ? metrics.auc : null,
    aucCi: data.evaluated ? metrics.aucCi : null,
    source,
  });
  const calibration = calibrationPlot({
    title: `Calibration: ${kind} model (out-of-fold)`,
    probabilities: data.probabilities,
    labels,
    source: 'nested-CV out-of-fold',
    refit: data.evaluated && metrics.optimismCorrectedCalibration ? { ...metrics.optimismCorrectedCalibration, replicates: refitReplicates(metrics) } : null,
  });
  const n = artifact.dataset.patients;
  const decision = decisionCurvePlot({
    title: `Decision curve: ${kind} model, flagging poor responders`,
    points: data.evaluated ? metrics.netBenefit : [],
    poorPrevalence: n > 0 ? (n - artifact.dataset.events) / n : 0,
    probabilities: labels ? data.probabilities : null,
    labels,
  });
  const card = modelCard(data, { groups: calibration.groups, calibrationNotes: calibration.notes, modelBest: decision.modelBest });
  return [
    { path: REPORT_FILES.roc, content: roc },
    { path: REPORT_FILES.calibration, content: calibration.svg },
    { path: REPORT_FILES.decisionCurve, content: decision.svg },
    { path: REPORT_FILES.card, content: card },
    { path: REPORT_FILES.tripod, content: tripodChecklist(data) },
    { path: REPORT_FILES.rqs, content: rqsAssessment(data) },
  ];
}
