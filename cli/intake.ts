// `osteoflow intake`: PACS intake for a study, and its review list.
//   intake start --study-file FILE [--from-now]          start polling the PACS (ORTHANC_URL's, or the embedded one)
//   intake review --study S [--all]                      the series intake could not place, with their reason codes
//   intake assign --study S --series ID --patient P --timepoint T --modality M [--for IMAGE] --who W --note N
//   intake dismiss --study S --series ID --who W --note N
// Intake matches each new stable series to an enrolled patient through the identifier map (OSTEOFLOW_IDENTITY_KEY),
// de-identifies it into the study store and registers it; the list names series by the PACS's id, never a PatientID.
import path from 'node:path';
import { parseAction, type Command } from './command';
import type { FlagSpec } from './args';
import { loadConfig } from '../config';
import { currentEndpoints, temporalEndpoint } from '../config/endpoints';
import { connectClient } from '../config/temporal';
import { loadStudyFile } from '../study/protocol';
import { loadIntakeSettings } from '../study/intakeSettings';
import { OrthancClient } from '../pacs';
import { assignSeries, dismissSeries, intakeHandle, readIntake, startIntake } from '../clients/intake';
import type { IntakeState } from '../contracts/intake';

const USAGE = [
  'usage: osteoflow intake start --study-file FILE [--from-now]',
  '       osteoflow intake review --study STUDY [--all]',
  '       osteoflow intake assign --study STUDY --series PACS_SERIES_ID --patient P --timepoint T --modality M [--for IMAGE] --who W --note TEXT',
  '       osteoflow intake dismiss --study STUDY --series PACS_SERIES_ID --who W --note TEXT',
  "(the study file's intake: section holds the series rules; the identifier map's key: OSTEOFLOW_IDENTITY_KEY)",
].join('\n');

const text = { kind: 'string', required: true } as const;
const SPECS: Record<string, FlagSpec> = {
  start: { 'study-file': text, 'from-now': { kind: 'boolean' } },
  review: { study: text, all: { kind: 'boolean' } },
  assign: { study: text, series: text, patient: text, timepoint: text, modality: text, for: { kind: 'string' }, who: text, note: text },
  dismiss: { study: text, series: text, who: text, note: text },
};

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

export const intakeCommand: Command = {
  summary: 'PACS intake: take in new series by themselves, and the review list of those it could not place',
  async run(argv) {
    const parsed = parseAction('osteoflow intake', USAGE, SPECS, argv);
    if (typeof parsed === 'number') return parsed;
    const action = parsed.action;
    const flags = parsed.flags as Record<string, string | boolean | undefined>;
    const cfg = loadConfig();
    const client = await connectClient(temporalEndpoint(cfg).address, cfg.temporal);
    try {
      if (action === 'start') {
        const file = path.resolve(String(flags['study-file']));
        const protocol = loadStudyFile(file, { storeRoot: path.join(cfg.dataDir, 'studies') });
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
    } finally {
      await client.connection.close();
    }
  },
};
