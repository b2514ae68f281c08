// `osteoflow model train|list|promote|rollback`: what an ML engineer does with the study's models. Commands that wait
// on a workflow run a training worker in this process meanwhile (unless --no-worker: workers of your own serve it).
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import type { TrainingOptions } from '../contracts/models';
import { loadConfig, type OsteoflowConfig } from '../config';
import { connectClient } from '../config/temporal';
import { StackError } from '../config/stackError';
import { currentEndpoints } from '../config/endpoints';
import { MlflowClient } from '../registry/mlflowClient';
import { tagOf } from '../registry/modelPackage';
import { loadStudyForSite } from '../study/protocol';
import type { StudyProtocol } from '../contracts/study';
import { approvePromotion, readPromotion, rejectPromotion, rollbackPromotion, startPromotion, trainModels } from '../clients/training';
import { createTrainingWorker } from '../workers/training/worker';
import { installRuntime } from '../workers/runtime';
import { promotionWorkflowId } from '../workflows/promotion';
import { MODEL_KINDS, type ModelKind, type PromotionView } from '../contracts/models';
import { parseArguments, type Command } from './command';
import { isHelp, parseFlags, UsageError, type FlagSpec } from './args';
import { actingIdentity, ConsoleApiError, consoleApiOf, type ConsoleApi } from './consoleApi';
import type { PromotionResponse } from '../contracts/console';

const USAGE = `usage: osteoflow model <command> [options]
  train    --study FILE [--predict-at TIMEPOINT] [--kinds clinical,baseline,delta,combined] [--bootstrap N] [--no-worker]
  list     [--model NAME | --study FILE]
  promote  --study FILE [--challenger VERSION|ALIAS] [--supersede]         start a promotion: evaluates the gate
  promote  --model NAME --approve|--reject --by IDENTITY --reason TEXT      decide on the open promotion
  promote  --model NAME --status
  rollback --model NAME --by IDENTITY --reason TEXT                         restore the previous champion
With OSTEOFLOW_CONSOLE_URL and OSTEOFLOW_API_TOKEN set, approve, reject and rollback go through the console as the
token's user (its role and four eyes checked, the decision audited) and take no --by, and train records the token's
user as the versions' trainer (trained_by); without a token, train records this machine's user name, unverified.`;

const SPECS: Record<string, FlagSpec> = {
  train: {
    study: { kind: 'string' },
    'predict-at': { kind: 'string' },
    kinds: { kind: 'string' },
    bootstrap: { kind: 'int', min: 0, max: 2000 },
    'no-worker': { kind: 'boolean' },
  },
  list: { model: { kind: 'string' }, study: { kind: 'string' } },
  promote: {
    study: { kind: 'string' },
    model: { kind: 'string' },
    challenger: { kind: 'string' },
    supersede: { kind: 'boolean' },
    approve: { kind: 'boolean' },
    reject: { kind: 'boolean' },
    status: { kind: 'boolean' },
    by: { kind: 'string' },
    reason: { kind: 'string' },
    'no-worker': { kind: 'boolean' },
  },
  rollback: { model: { kind: 'string' }, by: { kind: 'string' }, reason: { kind: 'string' }, 'no-worker': { kind: 'boolean' } },
};

function studyOf(cfg: OsteoflowConfig, file: string | undefined): Promise<StudyProtocol> {
  if (!file) throw new UsageError('--study FILE is needed (the study file the timelines were enrolled with)');
  return loadStudyForSite(path.resolve(file), cfg);
}

function need(flags: Record<string, unknown>, ...names: string[]): void {
  for (const name of names) if (flags[name] === undefined) throw new UsageError(`--${name} is needed`);
}

const fmt = (x: number) => x.toFixed(3);

export function printPromotion(view: PromotionView): void {
  console.log(`promotion of ${view.modelName}: ${view.phase}`);
  if (view.challenger)
    console.log(
      `  challenger ${view.challenger.version} (${view.challenger.kind}); champion before: ${view.previousChampion ? view.previousChampion.version : 'none'}`,
    );
  for (const check of view.gate?.checks ?? []) console.log(`  ${check.passed ? 'pass' : 'FAIL'} ${check.name}: ${check.detail}`);
  for (const d of view.decisions) console.log(`  ${d.at} ${d.action} by ${d.by}: ${d.reason}`);
  if (view.rescore)
    console.log(
      `  re-scored with ${view.rescore.model}: ${view.rescore.scored.length} patients scored, ${view.rescore.signalled.length} timelines signalled, ${view.rescore.skipped.length} skipped`,
    );
}

async function listModels(mlflow: MlflowClient, name: string): Promise<void> {
  const model = await mlflow.findRegisteredModel(name);
  if (!model) {
    console.log(`no registered model '${name}'`);
    return;
  }
  const versions = (await mlflow.searchModelVersions(`name = '${name.replace(/'/g, "\\'")}'`)).sort((a, b) => Number(a.version) - Number(b.version));
  console.log(`${name}: ${versions.length} version(s)`);
  console.log(['version', 'kind', 'at', 'AUC (95 % CI)', 'aliases', 'study', 'last decision'].map((h, i) => h.padEnd([8, 10, 9, 22, 22, 26, 0][i])).join(''));
  for (const v of versions) {
    const aliases = (model.aliases ?? []).filter((a) => a.version === v.version).map((a) => a.alias);
    const auc = tagOf(v, 'auc');
    const ci = tagOf(v, 'auc_ci')?.split(',').map(Number);
    const decision = tagOf(v, 'rollback.decision') ?? tagOf(v, 'promotion.decision') ?? tagOf(v, 'gate.decision') ?? '';
    console.log(
      [
        v.version.padEnd(8),
        (tagOf(v, 'kind') ?? '?').padEnd(10),
        (tagOf(v, 'predict_at') ?? '?').padEnd(9),
        (auc ? `${fmt(Number(auc))} (${ci ? ci.map(fmt).join('–') : '?'})` : '?').padEnd(22),
        aliases.join(',').padEnd(22),
        (tagOf(v, 'study_id') ?? '?').padEnd(26),
        decision,
      ].join(''),
    );
  }
}

/**
 * An approver's decision signed with a console API token: approve, reject or roll back through the console's API as
 * the token's user — the console checks the role and four eyes and audits it — with no free-text --by.
 */
async function signedDecision(api: ConsoleApi, action: string, flags: Record<string, unknown>): Promise<number> {
  const decision = action === 'rollback' ? 'rollback' : flags.approve ? 'approve' : 'reject';
  const command = `osteoflow model ${action}`;
  if (flags.by !== undefined) {
    console.error(`${command}: --by is not taken with an API token: the token's user is who decides`);
    return 2;
  }
  for (const name of ['model', 'reason'])
    if (flags[name] === undefined) {
      console.error(`${command}: --${name} is needed\n${USAGE}`);
      return 2;
    }
  try {
    const view = await api.post<PromotionResponse>(`/api/models/${encodeURIComponent(flags.model as string)}/promotion/${decision}`, {
      reason: flags.reason,
    });
    const last = view.decisions[view.decisions.length - 1];
    console.log(
      `promotion of ${view.modelName}: ${view.phase}${last ? ` (${last.action} of version ${last.version} by ${last.by})` : ''}${view.auditId !== undefined ? `; audit entry ${view.auditId}` : ''}`,
    );
    return 0;
  } catch (err) {
    if (!(err instanceof ConsoleApiError)) throw err;
    console.error(`${command}: ${err.message}`);
    return 1;
  }
}

export const modelCommand: Command = {
  summary: 'train, list, promote or roll back response-prediction models (MLflow registry)',
  async run(argv) {
    const [action, ...rest] = argv;
    if (isHelp(action)) {
      console.log(USAGE);
      return 0;
    }
    const spec = Object.hasOwn(SPECS, action ?? '') ? SPECS[action] : undefined;
    if (!spec) {
      console.error(USAGE);
      return 2;
    }
    const flags = parseArguments(`osteoflow model ${action}`, USAGE, () => parseFlags(rest, spec));
    if (typeof flags === 'number') return flags;
    const cfg = loadConfig();
    const api = consoleApiOf(cfg);
    if (api && ((action === 'promote' && (flags.approve || flags.reject)) || action === 'rollback')) return signedDecision(api, action, flags);
    let client: Client | undefined;
    try {
      // The trainer, for the versions' trained_by tag (four eyes: they may not approve its promotion); a token's user
      // without the permission is refused before anything starts.
      const trainer = action === 'train' ? await actingIdentity(api, 'models.train', () => os.userInfo().username) : undefined;
      if (trainer && !trainer.verified)
        console.error(
          `trained_by: ${trainer.name} (this machine's user name, unverified; set OSTEOFLOW_CONSOLE_URL and OSTEOFLOW_API_TOKEN to record your console user)`,
        );
      const endpoints = currentEndpoints(cfg);
      const mlflow = new MlflowClient({ trackingUri: endpoints.mlflow.trackingUri, token: cfg.mlflow.token });
      if (action === 'list') {
        const name = (flags.model as string | undefined) ?? (flags.study ? (await studyOf(cfg, flags.study as string)).model.name : undefined);
        if (name) await listModels(mlflow, name);
        else for (const m of await mlflow.searchRegisteredModels()) await listModels(mlflow, m.name);
        return 0;
      }
      installRuntime('WARN');
      client = await connectClient(endpoints.temporal.address, cfg.temporal);
      const c = client;
      // Runs `work` with a training worker in this process, unless the engineer runs workers of their own.
      const withWorker = async <T>(work: () => Promise<T>): Promise<T> => {
        if (flags['no-worker']) return work();
        const training = await createTrainingWorker(cfg, { address: endpoints.temporal.address, mlflowUri: endpoints.mlflow.trackingUri });
        try {
          return await training.worker.runUntil(work);
        } finally {
          await training.close();
        }
      };
      if (action === 'train') {
        const protocol = await studyOf(cfg, flags.study as string | undefined);
        const kinds = (flags.kinds as string | undefined)?.split(',').map((k) => k.trim());
        const unknown = kinds?.filter((k) => !MODEL_KINDS.includes(k as ModelKind));
        if (unknown?.length) throw new UsageError(`--kinds: unknown kind(s) ${unknown.join(', ')} (expected ${MODEL_KINDS.join(', ')})`);
        const options: TrainingOptions = {
          trainedBy: trainer!.name,
          predictAt: flags['predict-at'] as string | undefined,
          kinds: kinds as ModelKind[] | undefined,
          bootstrapReplicates: flags.bootstrap as number | undefined,
        };
        const result = await withWorker(() => trainModels(c, cfg, protocol, options));
        console.log(
          `trained on ${result.dataset.patients} patients of ${protocol.studyId} (${result.dataset.events} good responders; hold-out ${result.dataset.holdout.length}), predicting at '${result.dataset.predictAt}'`,
        );
        for (const m of result.models)
          console.log(
            `  ${m.name}@${m.version}  ${m.kind.padEnd(9)} nested-CV AUC ${fmt(m.auc)} (95 % CI ${m.aucCi.map(fmt).join('–')})${m.aliases.length ? `  [${m.aliases.join(', ')}]` : ''}`,
          );
        return 0;
      }
      // An update needs the promotion still open; a closed one is named with how it ended.
      const assertOpen = async (name: string): Promise<void> => {
        const handle = c.workflow.getHandle(promotionWorkflowId(name));
        const status = (await handle.describe().catch(() => undefined))?.status.name;
        if (status === undefined) throw new Error(`no promotion of '${name}' was ever started`);
        if (status === 'COMPLETED')
          throw new Error(`no promotion of '${name}' is open: the last one ended ${((await handle.result()) as PromotionView).phase}`);
        if (status !== 'RUNNING') throw new Error(`no promotion of '${name}' is open: the last one is ${status.toLowerCase()}`);
      };
      if (action === 'promote') {
        if (flags.approve || flags.reject || flags.status) {
          need(flags, 'model');
          const name = flags.model as string;
          if (flags.status) {
            printPromotion(await withWorker(() => readPromotion(c, name))); // a query needs a worker to answer
            return 0;
          }
          need(flags, 'by', 'reason');
          await assertOpen(name);
          const by = { identity: flags.by as string, reason: flags.reason as string };
          printPromotion(await withWorker(() => (flags.approve ? approvePromotion(c, name, by) : rejectPromotion(c, name, by))));
          return 0;
        }
        const protocol = await studyOf(cfg, flags.study as string | undefined);
        const view = await withWorker(() =>
          startPromotion(
            c,
            cfg,
            { protocol, modelName: flags.model as string | undefined, challenger: flags.challenger as string | undefined },
            { supersede: flags.supersede === true },
          ),
        );
        printPromotion(view);
        if (view.phase === 'awaiting-approval')
          console.log(`approve with: osteoflow model promote --model ${view.modelName} --approve --by <you> --reason "<why>"`);
        return view.phase === 'gate-failed' ? 1 : 0;
      }
      need(flags, 'model', 'by', 'reason');
      await assertOpen(flags.model as string);
      printPromotion(await withWorker(() => rollbackPromotion(c, flags.model as string, { identity: flags.by as string, reason: flags.reason as string })));
      return 0;
    } catch (err) {
      if (err instanceof UsageError) {
        console.error(`osteoflow model ${action}: ${err.message}\n${USAGE}`);
        return 2;
      }
      const message = err instanceof StackError ? err.message : rootMessage(err);
      console.error(`osteoflow model ${action}: ${message}`);
      return 1;
    } finally {
      await client?.connection.close();
    }
  },
};

function rootMessage(err: unknown): string {
  let cause: unknown = err;
  while (cause instanceof Error && cause.cause) cause = cause.cause;
  return cause instanceof Error ? cause.message : String(cause);
}
