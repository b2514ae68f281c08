// Records histories of the Training and Promotion workflows for the replay test (tests/unit/workflows/replay.test.ts):
// a small labelled study trained on the real stack by a real training worker, then one promotion per outcome: rejected,
// promoted then closed (its rollback window ran out), promoted over a champion then rolled back. The integration tests
// drive only some of these outcomes; this drives each once, on the smallest study that trains. (A failed gate needs a
// hold-out on which two models differ; this study's four hold-out patients cannot tell them apart.)
//
//   OSTEOFLOW_RECORD_HISTORIES=tests/fixtures/histories npx tsx tests/integration/support/recordModelHistories.ts
//
// Starts the stack as the integration tests do (a throw-away data folder, free ports) unless one is already running.
import { approvePromotion, rejectPromotion, rollbackPromotion, startPromotion } from '../../../clients/training';
import type { GatePolicy, TrainingOptions } from '../../../contracts/models';
import { resultsStorePath } from '../../../store';
import { promotionWorkflowId, type promotionWorkflow } from '../../../workflows/promotion';
import { trainingWorkflow, trainingWorkflowId } from '../../../workflows/training';
import { createTrainingWorker } from '../../../workers/training/worker';
import { buildStoredStudy } from '../../unit/models/support/studyStore';
import globalSetup from '../globalSetup';
import globalTeardown from '../globalTeardown';
import { connectHarness, recordHistory } from './pipeline';

/** Passes any challenger: these recordings are about the workflow's paths, not the models. */
const LENIENT: GatePolicy = { aucMargin: 1, alpha: 0.05, calibrationSlope: [-1e9, 1e9] };

async function main(): Promise<void> {
  if (!process.env.OSTEOFLOW_RECORD_HISTORIES) throw new Error('set OSTEOFLOW_RECORD_HISTORIES to the folder the histories go to (tests/fixtures/histories)');
  await globalSetup();
  const harness = await connectHarness();
  const suffix = Date.now().toString(36);
  const modelName = `rec-response-${suffix}`;
  const cfg = { ...harness.cfg, taskQueues: { ...harness.cfg.taskQueues, training: `rec-training-${suffix}` } };
  // Fifteen patients at one timepoint: 6 good and 9 poor responses, enough for nested CV after the hold-out.
  const study = await buildStoredStudy({ patients: 15, seed: 5, modelName, storeFile: resultsStorePath(cfg), timepoints: 1 });
  await study.store.close();
  const { protocol } = study;
  const training = await createTrainingWorker(cfg, { address: harness.endpoints.temporal.address, mlflowUri: harness.endpoints.mlflow.trackingUri });
  const log = (line: string) => console.log(`[record] ${line}`);
  const finish = async (name: string) => {
    const handle = harness.client.workflow.getHandle<typeof promotionWorkflow>(promotionWorkflowId(modelName));
    const view = await handle.result();
    log(`promotion ${view.phase} (challenger ${view.challenger?.version})`);
    await recordHistory(harness, handle.workflowId, name);
  };
  try {
    await training.worker.runUntil(async () => {
      const options: TrainingOptions = {
        predictAt: 'baseline',
        kinds: ['clinical', 'baseline'],
        challengerKinds: ['baseline'],
        robustnessPatients: 3,
        bootstrapReplicates: 0,
      };
      const workflowId = trainingWorkflowId(protocol.studyId, new Date());
      const trained = await harness.client.workflow.execute(trainingWorkflow, {
        workflowId,
        taskQueue: cfg.taskQueues.training,
        args: [{ protocol, options }],
      });
      log(`trained ${trained.models.map((m) => `${m.kind} v${m.version}`).join(', ')}; challenger v${trained.challenger}`);
      await recordHistory(harness, workflowId, 'training-completed');
      const challenger = trained.challenger!;
      const other = trained.models.find((m) => m.version !== challenger)!.version;

      // No champion yet: rejected, then promoted and left to close its rollback window.
      await startPromotion(harness.client, cfg, { protocol, policy: LENIENT });
      await rejectPromotion(harness.client, modelName, { identity: 'ml-engineer-ada', reason: 'recording a rejection' });
      await finish('promotion-rejected');
      await startPromotion(harness.client, cfg, { protocol, policy: LENIENT, rollbackWindow: '2 seconds' });
      await approvePromotion(harness.client, modelName, { identity: 'ml-engineer-ada', reason: 'recording a promotion' });
      await finish('promotion-closed');

      // Over that champion: the other model promoted, then rolled back (the champion restored, the study re-scored).
      await startPromotion(harness.client, cfg, { protocol, challenger: other, policy: LENIENT });
      await approvePromotion(harness.client, modelName, { identity: 'ml-engineer-ada', reason: 'recording a second promotion' });
      await rollbackPromotion(harness.client, modelName, { identity: 'ml-engineer-bob', reason: 'recording a rollback' });
      await finish('promotion-rolled-back');
    });
  } finally {
    await training.close();
    await harness.close();
    await globalTeardown();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
