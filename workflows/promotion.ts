// Promotion: challenger against champion on the study's locked hold-out patients, the written gate
// (registry/promotionPolicy.ts), an ML engineer's approval (identity and reason), alias `champion` moved, the study's
// patients re-scored; then a rollback window in which a rollback update restores the previous champion. Every decision
// is written to the registry as tags. One promotion per registered model at a time (workflow id promotion/<model>).
import { ApplicationFailure, allHandlersFinished, condition, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import { approvePromotionUpdate, promotionQuery, rejectPromotionUpdate, rollbackUpdate } from './models/messages';
import {
  CHALLENGER_ALIAS,
  CHAMPION_ALIAS,
  type ApprovalInput,
  type Decision,
  type ModelActivities,
  type PromotionInput,
  type PromotionView,
  type Duration,
} from '../contracts/models';
import type { Duration as TemporalDuration } from '@temporalio/common';
import { POLICIES } from './policies';

/** The contract's duration text is the form Temporal parses ('14 days', '30s', milliseconds). */
const temporalDuration = (d: Duration): TemporalDuration => d as TemporalDuration;

const { resolveVersion, recordDecision, moveChampion, restoreChampion } = proxyActivities<ModelActivities>(POLICIES.registry);
const { evaluateOnHoldout, rescoreStudy } = proxyActivities<ModelActivities>(POLICIES.scoring);

export function promotionWorkflowId(modelName: string): string {
  return `promotion/${modelName}`;
}

function validateDecision(input: ApprovalInput): void {
  if (typeof input?.identity !== 'string' || input.identity.trim() === '') throw new Error('identity must name the ML engineer who decides');
  if (typeof input.reason !== 'string' || input.reason.trim().length < 3) throw new Error('reason must say why');
}

export async function promotionWorkflow(input: PromotionInput): Promise<PromotionView> {
  const view: PromotionView = { modelName: input.modelName ?? input.protocol.model.name, phase: 'evaluating', decisions: [] };
  await promote(input, view);
  // Approval and rollback handlers wait for the phase they caused: let them return the final view first.
  await condition(allHandlersFinished);
  return view;
}

async function promote(input: PromotionInput, view: PromotionView): Promise<void> {
  const { protocol } = input;
  const { modelName } = view;
  let approval: { approved: boolean; by: ApprovalInput } | undefined;
  let rollback: ApprovalInput | undefined;

  setHandler(promotionQuery, () => view);
  setHandler(
    approvePromotionUpdate,
    async (by) => {
      approval = { approved: true, by };
      await condition(() => !['awaiting-approval', 'promoting'].includes(view.phase));
      return view;
    },
    {
      validator: (by) => {
        validateDecision(by);
        if (view.phase !== 'awaiting-approval') throw new Error(`the promotion is ${view.phase}, not awaiting approval`);
      },
    },
  );
  setHandler(
    rejectPromotionUpdate,
    async (by) => {
      approval = { approved: false, by };
      await condition(() => view.phase !== 'awaiting-approval');
      return view;
    },
    {
      validator: (by) => {
        validateDecision(by);
        if (view.phase !== 'awaiting-approval') throw new Error(`the promotion is ${view.phase}, not awaiting approval`);
      },
    },
  );
  setHandler(
    rollbackUpdate,
    async (by) => {
      rollback = by;
      await condition(() => view.phase === 'rolled-back');
      return view;
    },
    {
      validator: (by) => {
        validateDecision(by);
        if (view.phase !== 'promoted') throw new Error(`the promotion is ${view.phase}; only a promoted champion can be rolled back`);
      },
    },
  );

  const decide = async (action: Decision['action'], version: string, by: string, reason: string, detail?: string) => {
    const decision: Decision = { action, version, by, reason, at: new Date().toISOString(), workflowId: workflowInfo().workflowId, detail };
    await recordDecision({ modelName, decision });
    view.decisions.push(decision);
  };

  const ref = input.challenger ?? CHALLENGER_ALIAS;
  const challenger = await resolveVersion({ modelName, ref });
  if (!challenger) {
    throw ApplicationFailure.create({
      type: 'ModelNotFound',
      nonRetryable: true,
      message: /^\d+$/.test(ref)
        ? `model '${modelName}' has no version ${ref}`
        : `model '${modelName}' has no alias '${ref}' (train a model first, or name a version)`,
    });
  }
  view.challenger = challenger;
  const champion = await resolveVersion({ modelName, ref: CHAMPION_ALIAS });
  view.previousChampion = champion;
  if (champion?.version === challenger.version) {
    throw ApplicationFailure.create({ type: 'AlreadyChampion', nonRetryable: true, message: `${modelName}@${challenger.version} is already the champion` });
  }

  const evaluation = await evaluateOnHoldout({ protocol, modelName, challenger: challenger.version, champion: champion?.version, policy: input.policy });
  view.gate = evaluation;
  const summary = evaluation.checks.map((c) => `${c.name}: ${c.passed ? 'pass' : 'FAIL'} (${c.detail})`).join('; ');
  const vs = champion ? `against champion ${champion.version}` : 'with no champion';
  // Results recorded before the gate chose its evaluation set always came from the hold-out.
  const set = `${evaluation.evaluationSet?.source === 'prospective' ? 'prospective set' : 'hold-out'} of ${evaluation.patients.length} patients ${vs}`;
  if (!evaluation.passed) {
    const why = evaluation.verdict === 'insufficient-evidence' ? `insufficient evidence: ${set}` : set;
    await decide('gate-failed', challenger.version, 'promotion-gate', why, summary);
    view.phase = 'gate-failed';
    return;
  }
  await decide('gate-passed', challenger.version, 'promotion-gate', set, summary);

  view.phase = 'awaiting-approval';
  if (!(await condition(() => approval !== undefined, temporalDuration(input.approvalTimeout ?? '14 days')))) {
    await decide('approval-timed-out', challenger.version, 'promotion-workflow', `no approval within ${input.approvalTimeout ?? '14 days'}`);
    view.phase = 'approval-timed-out';
    return;
  }
  const { approved, by } = approval!;
  if (!approved) {
    await decide('rejected', challenger.version, by.identity, by.reason);
    view.phase = 'rejected';
    return;
  }
  view.phase = 'promoting';
  await decide('approved', challenger.version, by.identity, by.reason);
  await moveChampion({ modelName, version: challenger.version });
  await decide('promoted', challenger.version, by.identity, `champion ${champion ? `${champion.version} → ` : ''}${challenger.version}`);
  view.rescore = await rescoreStudy({ protocol, modelName, version: challenger.version });
  view.phase = 'promoted';

  if (!(await condition(() => rollback !== undefined, temporalDuration(input.rollbackWindow ?? '30 days')))) {
    view.phase = 'closed';
    return;
  }
  view.phase = 'rolling-back';
  await restoreChampion({ modelName, previous: champion?.version ?? null });
  await decide('rolled-back', challenger.version, rollback!.identity, `${rollback!.reason} (champion back to ${champion ? champion.version : 'none'})`);
  view.rescore = champion ? await rescoreStudy({ protocol, modelName, version: champion.version }) : undefined;
  view.phase = 'rolled-back';
}
