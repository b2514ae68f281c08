// The minimal patient workflow on the shared real stack: started idempotently, found again by its search attributes.
import { WorkflowIdConflictPolicy } from '@temporalio/client';
import { loadConfig } from '../../config';
import { connectClient } from '../../config/temporal';
import { currentEndpoints } from '../../ops/stack';
import { enrolPatientWorkflow } from '../../workflows/enrolPatient';
import { patientWorkflowId } from '../../workflows/ids';
import { createPipelineWorker } from '../../workers/pipeline/worker';
import { installRuntime } from '../../workers/runtime';

jest.setTimeout(120000);

it('enrols patients through a real worker and lists them by StudyId and Stage', async () => {
  installRuntime('WARN');
  const cfg = loadConfig();
  const { temporal, mlflow } = currentEndpoints(cfg);
  const client = await connectClient(temporal.address, cfg.temporal);
  const pipeline = await createPipelineWorker(cfg, { address: temporal.address, mlflowUri: mlflow.trackingUri });
  const { worker } = pipeline;
  const studyId = `ENROL-${Date.now()}`;
  const pseudonyms = ['SYN-001', 'SYN-002', 'SYN-003'];
  try {
    await worker.runUntil(async () => {
      const start = (pseudonym: string) =>
        client.workflow.start(enrolPatientWorkflow, {
          workflowId: patientWorkflowId(studyId, pseudonym),
          taskQueue: cfg.taskQueues.pipeline,
          args: [{ studyId, pseudonym }],
          workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
        });
      const handles = await Promise.all(pseudonyms.map(start));
      // Starting the same patient again joins the running/closed execution instead of creating a second one.
      const again = await start('SYN-001');
      expect(again.firstExecutionRunId).toBe(handles[0].firstExecutionRunId);
      await Promise.all(handles.map((h) => h.result()));
    });

    // Visibility is eventually consistent: poll until all three are listed.
    const query = `StudyId = "${studyId}" AND Stage = "enrolled"`;
    let ids: string[] = [];
    for (let i = 0; i < 40 && ids.length < pseudonyms.length; i++) {
      ids = [];
      for await (const wf of client.workflow.list({ query })) ids.push(wf.workflowId);
      if (ids.length < pseudonyms.length) await new Promise((r) => setTimeout(r, 250));
    }
    expect(ids.sort()).toEqual(pseudonyms.map((p) => `${studyId}/${p}`));
  } finally {
    await pipeline.close();
    await client.connection.close();
  }
});
