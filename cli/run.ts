// `osteoflow run` (what `npm start` runs): brings up the stack, starts a pipeline worker, enrols a synthetic study
// through real workflows, prints each patient's result, and leaves the stack as it found it.
import { WorkflowIdConflictPolicy } from '@temporalio/client';
import { loadConfig } from '../config';
import { connectClient } from '../config/temporal';
import { StackError } from '../ops/errors';
import { startStack, stackStatus, stopStack } from '../ops/stack';
import { patientWorkflowId } from '../workflows/ids';
import { enrolPatientWorkflow, type EnrolPatientResult } from '../workflows/enrolPatient';
import { createPipelineWorker } from '../workers/pipeline/worker';
import { installRuntime } from '../workers/runtime';
import type { Command } from './main';
import { parseFlags, UsageError } from './args';

const USAGE = 'usage: osteoflow run [--patients N] [--study ID] [--keep-stack]';

export const runCommand: Command = {
  summary: 'run the main job on the embedded stack (a synthetic study end to end)',
  async run(argv) {
    let flags;
    try {
      flags = parseFlags(argv, { patients: { kind: 'int', min: 1, max: 1000 }, study: { kind: 'string' }, 'keep-stack': { kind: 'boolean' } });
    } catch (err) {
      if (err instanceof UsageError) {
        console.error(`osteoflow run: ${err.message}\n${USAGE}`);
        return 2;
      }
      throw err;
    }
    try {
      await runStudy({
        patients: (flags.patients as number | undefined) ?? 3,
        studyId: (flags.study as string | undefined) ?? `SYNTH-${new Date().toISOString().replace(/\D/g, '').slice(0, 14)}`,
        keepStack: flags['keep-stack'] === true,
      });
      return 0;
    } catch (err) {
      console.error(err instanceof StackError ? `osteoflow run: ${err.message}` : err);
      return 1;
    }
  },
};

async function runStudy(opts: { patients: number; studyId: string; keepStack: boolean }): Promise<void> {
  const started = Date.now();
  const cfg = loadConfig();
  const log = (line: string) => console.log(`[stack] ${line}`);
  const before = stackStatus(cfg);
  const wasRunning = before.temporal.startsWith('running') && before.mlflow.startsWith('running');
  const endpoints = await startStack(cfg, { log });
  installRuntime('WARN'); // the summary below is what a person reads; worker chatter stays out of it
  const pipeline = await createPipelineWorker(cfg, { address: endpoints.temporal.address, mlflowUri: endpoints.mlflow.trackingUri });
  const { worker } = pipeline;
  const client = await connectClient(endpoints.temporal.address, cfg.temporal);
  try {
    const results = await worker.runUntil(async () => {
      const pseudonyms = Array.from({ length: opts.patients }, (_, i) => `SYN-${String(i + 1).padStart(3, '0')}`);
      return Promise.all(
        pseudonyms.map(async (pseudonym) => {
          const handle = await client.workflow.start(enrolPatientWorkflow, {
            workflowId: patientWorkflowId(opts.studyId, pseudonym),
            taskQueue: cfg.taskQueues.pipeline,
            args: [{ studyId: opts.studyId, pseudonym }],
            workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
          });
          const result: EnrolPatientResult = await handle.result();
          const history = await handle.fetchHistory();
          return { result, events: history.events?.length ?? 0 };
        }),
      );
    });
    console.log(`\nstudy ${opts.studyId}: ${results.length} patient workflow(s) completed on ${endpoints.temporal.address}`);
    console.log(['workflow id'.padEnd(36), 'stage'.padEnd(10), 'events'.padEnd(7), 'acknowledged at'].join(' '));
    for (const { result, events } of results) {
      console.log([result.workflowId.padEnd(36), result.stage.padEnd(10), String(events).padEnd(7), result.acknowledgedAt].join(' '));
    }
    console.log(`\nresult of ${results[0].result.workflowId}: ${JSON.stringify(results[0].result)}`);
  } finally {
    await client.connection.close();
    await pipeline.close();
    if (!wasRunning && !opts.keepStack) await stopStack(cfg, log);
  }
  console.log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
