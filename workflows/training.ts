// Training: assemble the study's training set (the locked hold-out kept out) → screen features for robustness to the
// segmentation → train the four models side by side (nested CV, final refit) → log each run and register it as a
// version → alias `challenger` on the best radiomics model. Heavy data stay in activities; history holds summaries.
import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import { CHALLENGER_ALIAS, CHALLENGER_KINDS, MODEL_KINDS, type ModelActivities, type TrainingInput, type TrainingResult } from '../contracts/models';
import { POLICIES } from './policies';

const { prepareTrainingSet, screenRobustness, trainCandidates } = proxyActivities<ModelActivities>(POLICIES.training);
const { registerCandidate, setAlias } = proxyActivities<ModelActivities>(POLICIES.registry);

export function trainingWorkflowId(studyId: string, startedAt: Date): string {
  return `training/${studyId}/${startedAt
    .toISOString()
    .replace(/[^0-9]/g, '')
    .slice(0, 14)}`;
}

export async function trainingWorkflow(input: TrainingInput): Promise<TrainingResult> {
  const { protocol } = input;
  const options = input.options ?? {};
  const modelName = protocol.model.name;
  const predictAt = options.predictAt ?? protocol.timepoints[protocol.timepoints.length - 1].name;
  const kinds = options.kinds ?? MODEL_KINDS;
  const eligible = options.challengerKinds ?? CHALLENGER_KINDS;

  const dataset = await prepareTrainingSet({ protocol, predictAt, holdoutFraction: options.holdoutFraction, seed: options.seed });
  const ref = { protocol, predictAt, fingerprint: dataset.fingerprint, holdout: dataset.holdout };
  const robustness = await screenRobustness({ ...ref, patients: options.robustnessPatients, threshold: options.iccThreshold, seed: options.seed });
  const trained = await trainCandidates({ ...ref, kinds, robust: robustness.robust, options });

  const models: TrainingResult['models'] = [];
  for (const candidate of trained.candidates) {
    const versus = trained.versusBaseline[candidate.kind];
    const registered = await registerCandidate({
      modelName,
      candidate,
      experimentName: options.experimentName ?? `osteoflow/${protocol.studyId}`,
      params: {
        training_workflow: workflowInfo().workflowId,
        holdout_patients: String(dataset.holdout.length),
        robustness_patients: String(robustness.patients.length),
        icc_threshold: String(robustness.threshold),
        robust_baseline_features: String(robustness.robust.length),
      },
      metrics: versus ? { delong_difference_vs_baseline: versus.difference, delong_p_vs_baseline: versus.p } : {},
      ...(options.trainedBy ? { trainedBy: options.trainedBy } : {}),
    });
    models.push({ ...registered, aliases: [] });
  }

  const best = models.filter((m) => eligible.includes(m.kind)).sort((a, b) => b.auc - a.auc)[0];
  if (best) {
    await setAlias({ modelName, alias: CHALLENGER_ALIAS, version: best.version });
    best.aliases.push(CHALLENGER_ALIAS);
  }
  return { dataset, robustness, models, challenger: best?.version ?? null };
}
