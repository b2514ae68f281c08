// `osteoflow intake`: PACS intake for a study, and its review list.
//   intake start --study-file FILE [--from-now]          start polling the PACS (ORTHANC_URL's, or the embedded one)
//   intake review --study S [--all]                      the series intake could not place, with their reason codes
//   intake assign --study S --series ID --patient P --timepoint T --modality M [--for IMAGE] [--who W] --note N
//   intake dismiss --study S --series ID [--who W] --note N
// Intake matches each new stable series to an enrolled patient through the identifier map (OSTEOFLOW_IDENTITY_KEY),
// de-identifies it into the study store and registers it; the list names series by the PACS's id, never a PatientID.
// With OSTEOFLOW_CONSOLE_URL and OSTEOFLOW_API_TOKEN set, assign and dismiss go through the console as the token's
// user (role checked, audited) and take no --who; without them --who names who acts.
import path from 'node:path';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { parseAction, type Command } from './command';
import type { FlagSpec } from './args';
import { loadConfig } from '../config';
import { currentEndpoints, temporalEndpoint } from '../config/endpoints';
import { connectClient } from '../config/temporal';
import { loadStudyForSite } from '../study/protocol';
import { loadIntakeSettings } from '../study/intakeSettings';
import { OrthancClient } from '../pacs';
import { assignSeries, dismissSeries, intakeHandle, readIntake, startIntake } from '../clients/intake';
import type { IntakeState } from '../contracts/intake';
import type { AssignSeriesRequest, IntakeActionResponse, IntakeStudyView } from '../contracts/console';
import { ConsoleApiError, consoleApiOf, type ConsoleApi } from './consoleApi';

const USAGE = [
  'usage: osteoflow intake start --study-file FILE [--from-now]',
  '       osteoflow intake review --study STUDY [--all]',
  '       osteoflow intake assign --study STUDY --series PACS_SERIES_ID --patient P --timepoint T --modality M [--for IMAGE] [--who W] --note TEXT',
  '       osteoflow intake dismiss --study STUDY --series PACS_SERIES_ID [--who W] --note TEXT',
  "(the study file's intake: section holds the series rules; the identifier map's key: OSTEOFLOW_IDENTITY_KEY)",
  "With OSTEOFLOW_CONSOLE_URL and OSTEOFLOW_API_TOKEN set, assign and dismiss go through the console as the token's user",
  '(its role checked, the action audited) and take no --who; without them --who names who acts.',
].join('\n');

const text = { kind: 'string', required: true } as const;
const SPECS: Record<string, FlagSpec> = {
  start: { 'study-file': text, 'from-now': { kind: 'boolean' } },
  review: { study: text, all: { kind: 'boolean' } },
  // --who is required unless the command is signed with an API token (then it is refused).
  assign: { study: text, series: text, patient: text, timepoint: text, modality: text, for: { kind: 'string' }, who: { kind: 'string' }, note: text },
  dismiss: { study: text, series: text, who: { kind: 'string' }, note: text },
};

/** The actions a console API token signs: they resolve a review entry, so the console names who acted. */
const SIGNED_ACTIONS: ReadonlySet<string> = new Set(['assign', 'dismiss']);

function printReview(state: IntakeState, all: boolean): void {
  const entries = state.review.filter((e) => all || e.status === 'open');
  console.log(`taken in: ${state.taken.length} series; on the review list: ${state.review.filter((e) => e.status === 'open').length} open`);
  // A PACS that stopped answering is said first: nothing new arrives until it answers again.
  if (state.attention) console.log(`needs attention since ${state.attention.since} (${state.attention.failedPolls} polls failed): ${state.attention.reason}`);
  for (const e of entries) {
    const resolved = e.resolution ? ` — ${e.status} by ${e.resolution.who} at ${e.resolution.at}: ${e.resolution.note}` : '';
    console.log(`${e.pacsSeriesId}  ${e.code}  ${e.message}${resolved}`);
  }
}

/** The review list as the console answers it: what the action resolved, then the entries still open. */
function printView(view: IntakeStudyView, series: string): void {
  const done = view.resolved.find((e) => e.pacsSeriesId === series);
  if (done?.resolution) console.log(`${series}  ${done.status} by ${done.resolution.who} at ${done.resolution.at}: ${done.resolution.note}`);
  console.log(`taken in: ${view.taken} series; on the review list: ${view.open.length} open`);
  if (view.attention) console.log(`needs attention since ${view.attention.since} (${view.attention.failedPolls} polls failed): ${view.attention.reason}`);
  for (const e of view.open) console.log(`${e.pacsSeriesId}  ${e.code}  ${e.message}`);
}

/** assign or dismiss through the console's API, as the token's user (who is then audited). */
async function signedAction(api: ConsoleApi, action: string, flags: Record<string, string | boolean | undefined>): Promise<number> {
  if (flags.who !== undefined) {
    console.error(`osteoflow intake ${action}: --who is not taken with an API token: the token's user is who acts`);
    return 2;
  }
  const series = String(flags.series);
  const route = `/api/studies/${encodeURIComponent(String(flags.study))}/intake/${encodeURIComponent(series)}/${action}`;
  const body: AssignSeriesRequest | { note: string } =
    action === 'assign'
      ? {
          pseudonym: String(flags.patient),
          timepoint: String(flags.timepoint),
          modality: String(flags.modality),
          ...(typeof flags.for === 'string' ? { for: flags.for } : {}),
          note: String(flags.note),
        }
      : { note: String(flags.note) };
  try {
    const done = await api.post<IntakeActionResponse>(route, body);
    console.log(`intake of ${done.intake.studyId}: ${action} recorded (audit entry ${done.auditId})`);
    printView(done.intake, series);
    return 0;
  } catch (err) {
    if (!(err instanceof ConsoleApiError)) throw err;
    console.error(`osteoflow intake ${action}: ${err.message}`);
    return 1;
  }
}

export const intakeCommand: Command = {
  summary: 'PACS intake: take in new series by themselves, and the review list of those it could not place',
  async run(argv) {
    const parsed = parseAction('osteoflow intake', USAGE, SPECS, argv);
    if (typeof parsed === 'number') return parsed;
    const action = parsed.action;
    const flags = parsed.flags as Record<string, string | boolean | undefined>;
    const cfg = loadConfig();
    const api = consoleApiOf(cfg);
    if (api && SIGNED_ACTIONS.has(action)) return signedAction(api, action, flags);
    if (SIGNED_ACTIONS.has(action) && flags.who === undefined) {
      console.error(
        `osteoflow intake ${action}: --who is required (or sign the command with an API token: OSTEOFLOW_CONSOLE_URL and OSTEOFLOW_API_TOKEN)\n${USAGE}`,
      );
      return 2;
    }
    const client = await connectClient(temporalEndpoint(cfg).address, cfg.temporal);
    try {
      if (action === 'start') {
        const file = path.resolve(String(flags['study-file']));
        const protocol = await loadStudyForSite(file, cfg);
        const { pollEveryMs, ...settings } = loadIntakeSettings(file, protocol);
        let startCursor = 0;
        if (flags['from-now']) {
          const orthanc = currentEndpoints(cfg).orthanc;
          if (!orthanc) {
            console.error('osteoflow intake start: no PACS: set ORTHANC_URL, or start the stack with its embedded Orthanc');
            return 1;
          }
          startCursor = await new OrthancClient({ url: orthanc.url, credentials: orthanc.credentials }).latestCursor();
        }
        const handle = await startIntake(client, cfg.taskQueues.pipeline, protocol, settings, { pollEveryMs, startCursor });
        console.log(`intake: ${handle.workflowId} (every ${pollEveryMs / 1000} s, from change ${startCursor})`);
        return 0;
      }
      const handle = intakeHandle(client, String(flags.study));
      if (action === 'review') {
        printReview(await readIntake(handle), flags.all === true);
        return 0;
      }
      const state =
        action === 'assign'
          ? await assignSeries(handle, {
              pacsSeriesId: String(flags.series),
              pseudonym: String(flags.patient),
              timepoint: String(flags.timepoint),
              modality: String(flags.modality),
              ...(typeof flags.for === 'string' ? { for: flags.for } : {}),
              who: String(flags.who),
              note: String(flags.note),
            })
          : await dismissSeries(handle, { pacsSeriesId: String(flags.series), who: String(flags.who), note: String(flags.note) });
      printReview(state, false);
      return 0;
    } catch (err) {
      // The workflow's refusal is the coordinator's answer: say what was wrong, nothing changed.
      if (err instanceof WorkflowUpdateFailedError) {
        console.error(`osteoflow intake ${action}: rejected: ${err.cause?.message ?? err.message} (nothing was changed)`);
        return 1;
      }
      throw err;
    } finally {
      await client.connection.close();
    }
  },
};
