// `osteoflow study …`: the coordinator's commands on running timelines (enrol, register scans, override QC, retry a
// timepoint that needs attention, record pathology, withdraw, status). Each maps to one update or query of the
// patient's PatientTimeline workflow.
import path from 'node:path';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { loadConfig } from '../config';
import { connectClient } from '../config/temporal';
import { temporalEndpoint } from '../config/endpoints';
import {
  enrolPatient,
  listPatients,
  overrideQc,
  readTimeline,
  recordPathology,
  registerScan,
  retryTimepoint,
  timelineHandle,
  withdraw,
} from '../clients/coordinator';
import { loadStudyForSite } from '../study/protocol';
import { describeMaskExport, type HuvosGrade, type TimelineView } from '../contracts/timeline';
import type { FlagSpec } from './args';
import { parseAction, type Command } from './command';
import { ConsoleApiError, consoleApiOf, patientAction, type ConsoleApi } from './consoleApi';

const USAGE = `usage: osteoflow study <action> [options]
  enrol     --study-file FILE --patient PSEUDONYM
  register  --study ID --patient P --timepoint T --modality M --source PATH|URL|blob:SHA256[/NAME] [--for IMAGE-MODALITY] [--roi NAME]
            (a mask: --for the image it is drawn on, else shared by every image on its grid; an RTSTRUCT or SEG
             mask is converted on its image's DICOM series, --roi naming the ROI or segment)
  override  --study ID --patient P --timepoint T --reason TEXT [--who NAME]
  retry     --study ID --patient P --timepoint T --reason TEXT [--who NAME]   (a timepoint that needs attention, same scans)
  pathology --study ID --patient P --necrosis PCT --huvos I|II|III|IV --date YYYY-MM-DD
  withdraw  --study ID --patient P --reason TEXT
  show      --study ID --patient P
  list      --study ID [--filter 'QcStatus = "failed"']
With OSTEOFLOW_CONSOLE_URL and OSTEOFLOW_API_TOKEN set, override, retry, pathology and withdraw go through the console
as the token's user (its role checked, the action audited) and take no --who; without them --who names who acts.`;

// Every flag of an action is required but --filter and --who (required unless the command is signed with a token).
const s = { kind: 'string', required: true } as const;
const SPECS: Record<string, FlagSpec> = {
  enrol: { 'study-file': s, patient: s },
  register: { study: s, patient: s, timepoint: s, modality: s, source: s, for: { kind: 'string' }, roi: { kind: 'string' } },
  override: { study: s, patient: s, timepoint: s, reason: s, who: { kind: 'string' } },
  retry: { study: s, patient: s, timepoint: s, reason: s, who: { kind: 'string' } },
  pathology: { study: s, patient: s, necrosis: s, huvos: s, date: s },
  withdraw: { study: s, patient: s, reason: s },
  show: { study: s, patient: s },
  list: { study: s, filter: { kind: 'string' } },
};

function printTimeline(view: TimelineView): void {
  console.log(`${view.studyId}/${view.pseudonym}: ${view.stage}${view.withdrawn ? ` (withdrawn: ${view.withdrawn.reason})` : ''}`);
  for (const tp of view.timepoints) {
    const qc = tp.qc ? (tp.qc.override ? `QC overridden by ${tp.qc.override.who}` : tp.qc.passed ? 'QC passed' : `QC failed: ${tp.qc.reasons.join('; ')}`) : '';
    const masks = tp.masks?.length ? `masks: ${tp.masks.map((m) => `${m.for ?? 'shared'} ${m.kind}${m.roi ? ` '${m.roi}'` : ''}`).join(', ')}` : '';
    const prediction = tp.prediction ? `p(good response) ${tp.prediction.probability.toFixed(2)} by ${tp.prediction.model}` : '';
    const s = tp.segmentation;
    const segmentation = s
      ? `mask by ${s.model} on ${s.device} (${s.precision}, ${s.runtime}) in ${(s.totalMs / 1000).toFixed(1)} s${s.pacsExport ? `, ${describeMaskExport(s.pacsExport)}` : ''}`
      : '';
    const attention = tp.attention ? `needs attention (${tp.attention.code}) since ${tp.attention.at.slice(0, 16)}: ${tp.attention.message}` : '';
    const retried = tp.retried ? `retried by ${tp.retried.who}: ${tp.retried.reason}` : '';
    console.log(
      `  ${tp.name.padEnd(10)} ${tp.status.padEnd(26)} due ${tp.dueAt.slice(0, 10)}  ${[attention, qc, segmentation, masks, prediction, tp.note, retried].filter(Boolean).join(' · ')}`,
    );
  }
  const latest = view.latestPrediction;
  console.log(latest ? `  latest prediction: p(good response) ${latest.probability.toFixed(2)} by ${latest.model}` : '  latest prediction: none yet');
}

const RUNNING: ReadonlySet<string> = new Set(['acquiring', 'segmenting', 'extracting']);

/** The actions a console API token signs: they change a patient's record, so the console names who acted. */
const SIGNED_ACTIONS: ReadonlySet<string> = new Set(['override', 'retry', 'pathology', 'withdraw']);

async function signedAction(api: ConsoleApi, action: string, flags: Record<string, string>): Promise<number> {
  if (flags.who !== undefined) {
    console.error(`osteoflow study ${action}: --who is not taken with an API token: the token's user is who acts`);
    return 2;
  }
  const body = action === 'pathology' ? { necrosisPct: Number(flags.necrosis), huvosGrade: flags.huvos, date: flags.date } : { reason: flags.reason };
  try {
    const done = await patientAction(
      api,
      action as 'override' | 'retry' | 'pathology' | 'withdraw',
      { study: flags.study, patient: flags.patient, timepoint: flags.timepoint },
      body,
    );
    const p = done.patient;
    console.log(`${p.studyId}/${p.pseudonym}: ${p.stage} — ${action} recorded (audit entry ${done.auditId})${done.message ? `; ${done.message}` : ''}`);
    for (const tp of p.timepoints) console.log(`  ${tp.name.padEnd(10)} ${tp.state}`);
    return 0;
  } catch (err) {
    if (!(err instanceof ConsoleApiError)) throw err;
    console.error(`osteoflow study ${action}: ${err.message}`);
    return 1;
  }
}

export const studyCommand: Command = {
  summary: "a study coordinator's actions on patient timelines (enrol, register, override, retry, pathology, withdraw, show, list)",
  async run(argv) {
    const parsed = parseAction('osteoflow study', USAGE, SPECS, argv);
    if (typeof parsed === 'number') return parsed;
    const action = parsed.action;
    const flags = parsed.flags as Record<string, string>;
    const cfg = loadConfig();
    const api = consoleApiOf(cfg);
    if (api && SIGNED_ACTIONS.has(action)) return signedAction(api, action, flags);
    if ((action === 'override' || action === 'retry') && flags.who === undefined) {
      console.error(
        `osteoflow study ${action}: --who is required (or sign the command with an API token: OSTEOFLOW_CONSOLE_URL and OSTEOFLOW_API_TOKEN)\n${USAGE}`,
      );
      return 2;
    }
    // A coordinator's commands need Temporal only: they work while MLflow or the PACS restarts.
    const client = await connectClient(temporalEndpoint(cfg).address, cfg.temporal);
    try {
      if (action === 'enrol') {
        const protocol = await loadStudyForSite(path.resolve(flags['study-file']), cfg);
        const handle = await enrolPatient(client, cfg.taskQueues.pipeline, protocol, flags.patient);
        console.log(`enrolled: ${handle.workflowId}`);
        return 0;
      }
      if (action === 'list') {
        for (const id of await listPatients(client, flags.study, flags.filter)) console.log(id);
        return 0;
      }
      const handle = timelineHandle(client, flags.study, flags.patient);
      const view =
        action === 'register'
          ? await registerScan(handle, {
              timepoint: flags.timepoint,
              modality: flags.modality,
              source: flags.source,
              ...(flags.for !== undefined ? { for: flags.for } : {}),
              ...(flags.roi !== undefined ? { roi: flags.roi } : {}),
            })
          : action === 'override'
            ? await overrideQc(handle, { timepoint: flags.timepoint, reason: flags.reason, who: flags.who })
            : action === 'retry'
              ? await retryTimepoint(handle, { timepoint: flags.timepoint, reason: flags.reason, who: flags.who })
              : action === 'pathology'
                ? await recordPathology(handle, { necrosisPct: Number(flags.necrosis), huvosGrade: flags.huvos as HuvosGrade, date: flags.date })
                : action === 'withdraw'
                  ? await withdraw(handle, { reason: flags.reason })
                  : await readTimeline(handle);
      printTimeline(view);
      const target = action === 'register' ? view.timepoints.find((t) => t.name === flags.timepoint) : undefined;
      if (target && RUNNING.has(target.status)) console.log(`timepoint '${target.name}' is running; the new scan is processed in a run after this one`);
      return 0;
    } catch (err) {
      // A validator's rejection is the coordinator's answer: say what was wrong, nothing changed.
      if (err instanceof WorkflowUpdateFailedError) {
        console.error(`osteoflow study ${action}: rejected: ${err.cause?.message ?? err.message} (nothing was changed)`);
        return 1;
      }
      throw err;
    } finally {
      await client.connection.close();
    }
  },
};
