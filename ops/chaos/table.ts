// The campaign's outcome as a table, and the verdict: a campaign fails when a timeline failed or did not complete, a
// row was lost, doubled or unexpected, or a bad file ended with another reason than the one it must produce.
import type { StoreCheck } from './checker';
import type { AttentionRecord, BadFileRecord } from './driver';
import type { InjectedFault } from './faults';
import { FAULT_KINDS, countByKind, type FaultPlan } from './plan';

export interface TimelineOutcome {
  pseudonym: string;
  /** completed; needs-attention (still waiting for a person at the end); FAILED (failed, terminated, or never closed). */
  outcome: 'completed' | 'needs-attention' | 'FAILED';
  detail?: string;
}

export interface CampaignReport {
  seed: number;
  patients: number;
  studyId: string;
  plan: FaultPlan;
  injected: InjectedFault[];
  timelines: TimelineOutcome[];
  badFiles: BadFileRecord[];
  attention: AttentionRecord[];
  /** Worker exits nobody caused, with the last line of the worker's log. */
  /** Visits sent without a mask, and completed timepoints whose mask the segmentation worker made. */
  automaticMasks: { planned: number; made: number };
  workerCrashes: Array<{ worker: string; at: number; atStart: boolean; lastLine: string }>;
  check?: StoreCheck;
  /** Activity attempts beyond the first, by activity type (how often the faults made a step run again). */
  retries?: Record<string, number>;
  wallMs: number;
  /** Why the campaign stopped early, if it did. */
  aborted?: string;
}

const LABELS: Record<(typeof FAULT_KINDS)[number], string> = {
  'kill-pipeline-worker': 'SIGKILL pipeline worker',
  'kill-segmentation-worker': 'SIGKILL segmentation worker',
  'restart-temporal': 'restart Temporal server',
  'restart-mlflow': 'restart MLflow server',
  'store-unwritable': 'store folders unwritable',
  'bad-file': 'bad file registered',
};

/** Reasons the campaign failed; empty when it passed. */
export function verdict(report: CampaignReport): string[] {
  const out: string[] = [];
  if (report.aborted) out.push(`stopped early: ${report.aborted}`);
  const failed = report.timelines.filter((t) => t.outcome === 'FAILED').length;
  const waiting = report.timelines.filter((t) => t.outcome === 'needs-attention').length;
  if (failed) out.push(`${failed} timeline(s) FAILED`);
  if (waiting) out.push(`${waiting} timeline(s) still need attention after the coordinator acted`);
  const wrong = report.badFiles.filter((b) => !b.matched);
  if (wrong.length) out.push(`${wrong.length} bad file(s) ended with another reason than expected`);
  const c = report.check;
  if (!c) out.push('the results store was not checked');
  else {
    if (c.features.lost) out.push(`${c.features.lost} feature row(s) lost`);
    if (c.features.duplicated) out.push(`${c.features.duplicated} feature row(s) duplicated`);
    if (c.features.unexpected) out.push(`${c.features.unexpected} unexpected feature row(s)`);
    if (c.qc.lost) out.push(`${c.qc.lost} QC verdict(s) missing`);
    if (c.predictions.lost) out.push(`${c.predictions.lost} prediction(s) lost without a note`);
    if (c.pathology.lost) out.push(`${c.pathology.lost} pathology row(s) missing`);
  }
  return out;
}

export function formatReport(report: CampaignReport): string {
  const lines: string[] = [];
  const row = (label: string, ...cells: Array<string | number>) => lines.push(`${label.padEnd(34)}${cells.map((c) => String(c).padStart(11)).join('')}`);
  const rule = () => lines.push('─'.repeat(34 + 11 * 5));
  lines.push(`chaos campaign: seed ${report.seed}, ${report.patients} patients, ${report.plan.faults.length} faults, study ${report.studyId}`);
  rule();
  row('faults', 'planned', 'injected');
  const planned = countByKind(report.plan.faults);
  const injected = countByKind(report.injected.filter((f) => f.ok));
  for (const kind of FAULT_KINDS) row(`  ${LABELS[kind]}`, planned[kind], injected[kind]);
  row('  total', report.plan.faults.length, report.injected.filter((f) => f.ok).length);
  rule();
  const count = (o: TimelineOutcome['outcome']) => report.timelines.filter((t) => t.outcome === o).length;
  row('timelines', 'completed', 'attention', 'FAILED');
  row(`  of ${report.timelines.length}`, count('completed'), count('needs-attention'), count('FAILED'));
  const matched = report.badFiles.filter((b) => b.matched).length;
  const remedied = report.badFiles.filter((b) => b.remedied).length;
  row('bad files', 'sent', 'reason ok', 'resent');
  row('  hostile scans and masks', report.badFiles.length, matched, remedied);
  const retried = report.attention.filter((a) => a.remedy === 'retry');
  const resent = report.attention.filter((a) => a.remedy === 're-register');
  row('masks by the segmentation worker', 'planned', 'made');
  row('  (visits sent without a mask)', report.automaticMasks.planned, report.automaticMasks.made);
  row('waiting without a bad file', 'timepoints', 'retried', 're-sent');
  row('  (the coordinator acted)', report.attention.length, retried.filter((a) => a.remedied).length, resent.filter((a) => a.remedied).length);
  row('worker exits nobody caused', 'at work', 'at start');
  row('  (restarted by the supervisor)', report.workerCrashes.filter((w) => !w.atStart).length, report.workerCrashes.filter((w) => w.atStart).length);
  const retries = Object.entries(report.retries ?? {}).sort((a, b) => b[1] - a[1]);
  lines.push(
    `activity attempts beyond the first: ${!report.retries ? 'not counted' : retries.length ? retries.map(([type, n]) => `${type} ${n}`).join(', ') : 'none'}`,
  );
  rule();
  const c = report.check;
  if (c) {
    row('results store', 'expected', 'present', 'lost', 'duplicated', 'unexpected');
    row('  feature rows', c.features.expected, c.features.present, c.features.lost, c.features.duplicated, c.features.unexpected);
    row('  QC verdicts (passing, latest)', c.qc.expected, c.qc.present, c.qc.lost);
    row('  predictions (noted missing)', c.predictions.expected, `${c.predictions.present} (+${c.predictions.noted})`, c.predictions.lost);
    row('  pathology', c.pathology.expected, c.pathology.present, c.pathology.lost);
  } else lines.push('results store: not checked');
  rule();
  row('wall time', `${(report.wallMs / 1000).toFixed(1)} s`);
  const reasons = verdict(report);
  lines.push(reasons.length ? `result: FAIL — ${reasons.join('; ')}` : 'result: PASS');
  return lines.join('\n');
}

/** The findings behind a failed verdict, one per line: which timeline, bad file or row, and what happened. */
export function formatFindings(report: CampaignReport): string[] {
  const out: string[] = [];
  for (const t of report.timelines.filter((x) => x.outcome !== 'completed'))
    out.push(`timeline ${t.pseudonym}: ${t.outcome}${t.detail ? ` — ${t.detail}` : ''}`);
  for (const b of report.badFiles.filter((x) => !x.matched)) {
    const seen = b.observed ? `${b.observed.status} (${b.observed.reasons.join(', ') || 'no reason code'})` : 'never seen waiting';
    out.push(`bad file ${b.variant} (${b.modality}) at ${b.pseudonym} ${b.timepoint}: expected ${b.expected.status} (${b.expected.reason}), got ${seen}`);
  }
  for (const a of report.attention) {
    out.push(`attention without a bad file: ${a.pseudonym} ${a.timepoint} run ${a.run}: ${a.status} (${a.reasons.join(', ') || 'no code'}): ${a.message}`);
  }
  for (const p of report.check?.problems ?? []) out.push(`store: ${p}`);
  for (const w of report.workerCrashes) {
    out.push(`${w.worker} ${w.atStart ? 'gave up at start' : 'exited by itself'} at ${(w.at / 1000).toFixed(0)} s; its log ends: ${w.lastLine}`);
  }
  for (const n of report.check?.notes ?? []) out.push(`note: ${n}`);
  return out;
}
