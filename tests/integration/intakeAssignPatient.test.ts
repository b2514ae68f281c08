// The PacsIntake workflow's assign names a patient who must be enrolled: on the real stack, with a series waiting on
// the review list, an assignment to a pseudonym with no timeline, or to a timeline that has closed, is refused with a
// reason naming the pseudonym (through the client and through `osteoflow intake assign`), the entry stays open and
// nothing reaches the study store; a malformed pseudonym is refused by the validator; an enrolled patient passes the
// check and the assignment goes on to take the series in (which fails here only because the PACS has no such series).
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { enrolPatient } from '../../clients/coordinator';
import { assignSeries, type IntakeHandle } from '../../clients/intake';
import { PROJECT_ROOT } from '../../config';
import { intakeWorkflowId, type AssignSeriesInput } from '../../contracts/intake';
import { intakeStateQuery, pacsIntakeWorkflow } from '../../workflows/intake';
import { connectHarness, type Harness } from './support/pipeline';
import { writeStsStudy } from './support/stsStudy';

jest.setTimeout(240000);

const SERIES = '0a1b2c3d-44556677-8899aabb-ccddeeff-00112233';

/** `osteoflow intake …` in its own process, as a coordinator runs it (the environment names the stack). */
async function osteoflowIntake(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  // Unsigned: the direct path to the workflow.
  const env = { ...process.env };
  delete env.OSTEOFLOW_CONSOLE_URL;
  delete env.OSTEOFLOW_API_TOKEN;
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [path.join(PROJECT_ROOT, 'bin', 'osteoflow.js'), 'intake', ...args], { env });
    return { code: 0, out: stdout, err: stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: e.stdout, err: e.stderr };
  }
}

/** The update's refusal: the validator's or the handler's message (for a failed activity, its own failure's). */
async function refusal(run: Promise<unknown>): Promise<string> {
  const err = await run.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
  let cause = err as Error;
  while (cause.cause instanceof Error) cause = cause.cause;
  return cause.message;
}

describe('assigning a series from the review list checks that the patient is enrolled', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await connectHarness();
  });
  afterAll(async () => harness?.close());

  it('refuses a pseudonym with no running timeline, naming it, and changes nothing', async () => {
    const started = Date.now();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'osteoflow-intake-assign-'));
    const studyId = `IT-ASSIGN-${Date.now().toString(36)}`;
    const { protocol, intake } = writeStsStudy(dir, { studyId, modalities: ['CT'], intakeSeries: [{ modality: 'CT', dicomModality: ['CT'] }] });
    const pipeline = await harness.startWorker();
    await pipeline.worker.runUntil(async () => {
      // A series already waiting for review; the intake polls once an hour, so the list is this test's.
      const handle: IntakeHandle = await harness.client.workflow.start(pacsIntakeWorkflow, {
        workflowId: intakeWorkflowId(studyId),
        taskQueue: harness.cfg.taskQueues.pipeline,
        args: [
          {
            protocol,
            settings: intake!.settings,
            pollEveryMs: 3600000,
            startCursor: 0,
            state: {
              cursor: 0,
              taken: [],
              review: [{ pacsSeriesId: SERIES, code: 'unknown-patient', message: 'no enrolment', at: new Date().toISOString(), status: 'open' }],
              polls: 0,
            },
          },
        ],
      });
      try {
        await enrolPatient(harness.client, harness.cfg.taskQueues.pipeline, protocol, 'OSF-0201');
        const closed = await enrolPatient(harness.client, harness.cfg.taskQueues.pipeline, protocol, 'OSF-0202');
        await closed.terminate('left the study');
        const assignment = (pseudonym: string): AssignSeriesInput => ({
          pacsSeriesId: SERIES,
          pseudonym,
          timepoint: 'baseline',
          modality: 'CT',
          who: 'cora',
          note: 'the requisition names this patient',
        });

        expect(await refusal(assignSeries(handle, assignment('OSF-0999')))).toBe(
          `no patient 'OSF-0999' in study '${studyId}' (no timeline is enrolled under that pseudonym)`,
        );
        expect(await refusal(assignSeries(handle, assignment('OSF-0202')))).toBe(
          `the timeline of patient 'OSF-0202' in study '${studyId}' is closed (terminated): it takes no more scans`,
        );
        expect(await refusal(assignSeries(handle, assignment('Doe Jane')))).toMatch(/^pseudonym is not valid/);
        const cli = await osteoflowIntake(
          'assign',
          '--study',
          studyId,
          '--series',
          SERIES,
          '--patient',
          'OSF-0998',
          '--timepoint',
          'baseline',
          '--modality',
          'CT',
          '--who',
          'cora',
          '--note',
          'typo',
        );
        expect(cli).toEqual({
          code: 1,
          out: '',
          err: `osteoflow intake assign: rejected: no patient 'OSF-0998' in study '${studyId}' (no timeline is enrolled under that pseudonym) (nothing was changed)\n`,
        });
        // The entry waits on; nothing was retrieved or stored for anyone.
        const state = await handle.query(intakeStateQuery);
        expect(state.review.map((e) => e.status)).toEqual(['open']);
        for (const p of ['OSF-0999', 'OSF-0998', 'OSF-0202']) expect(existsSync(path.join(protocol.storeDir!, p))).toBe(false);

        // An enrolled patient passes the check: the assignment goes on to the PACS, which has no such series here.
        const passed = await refusal(assignSeries(handle, assignment('OSF-0201')));
        expect(passed).not.toMatch(/no patient|is closed|not valid/);
        expect(passed).toMatch(/PACS|series/);
      } finally {
        await handle.terminate('test over');
      }
    });
    await pipeline.close();
    console.log(`[intake-assign] whole test ${Date.now() - started} ms`);
  });
});
