// Carries out the fault plan: each fault at its planned moment (or as soon as the one before it is done), one at a time.
// Worker deaths go through the supervisor, server restarts through the stack starter, an unwritable store through
// unwritable.ts (restored after its planned while, in the background), bad files through the driver, which sends the
// visit with the hostile file in place of the good one.
import path from 'node:path';
import type { OsteoflowConfig } from '../../config';
import { sleep } from '../processes';
import { makeBadFile } from './badFiles';
import type { StudyDriver } from './driver';
import type { FaultKind, FaultPlan, PlannedFault } from './plan';
import { restartServer } from './servers';
import type { ChaosStudy } from './study';
import type { Timelines } from './timelines';
import { makeUnwritable } from './unwritable';
import type { WorkerSupervisor } from './workers';

export interface InjectedFault {
  kind: FaultKind;
  /** ms after the study started. */
  at: number;
  ok: boolean;
  note: string;
}

export interface FaultContext {
  cfg: OsteoflowConfig;
  study: ChaosStudy;
  driver: StudyDriver;
  timelines: Timelines;
  workers: WorkerSupervisor;
  /** Folders an unwritable-store fault takes away: the results database's and the study's scan store. */
  storeFolders: string[];
  badFileDir: string;
  log: (line: string) => void;
  signal: AbortSignal;
}

export class FaultRunner {
  readonly injected: InjectedFault[] = [];
  /** The unwritable-store window in progress (restored when it ends, or when the campaign stops). */
  private window?: Promise<void>;

  constructor(
    private readonly plan: FaultPlan,
    private readonly ctx: FaultContext,
  ) {}

  async run(startedAt: number): Promise<void> {
    for (const fault of this.plan.faults) {
      while (Date.now() < startedAt + fault.atMs) {
        this.ctx.signal.throwIfAborted();
        await sleep(Math.min(500, startedAt + fault.atMs - Date.now()));
      }
      const at = Date.now() - startedAt;
      try {
        const note = await this.inject(fault);
        this.injected.push({ kind: fault.kind, at, ok: true, note });
        this.ctx.log(`fault ${this.injected.length}/${this.plan.faults.length} at ${(at / 1000).toFixed(0)} s: ${fault.kind} — ${note}`);
      } catch (err) {
        this.ctx.signal.throwIfAborted();
        const note = (err as Error).message.split('\n')[0];
        this.injected.push({ kind: fault.kind, at, ok: false, note });
        this.ctx.log(`fault ${this.injected.length}/${this.plan.faults.length}: ${fault.kind} could not be injected: ${note}`);
      }
    }
    await this.window;
  }

  private async inject(fault: PlannedFault): Promise<string> {
    const { ctx } = this;
    switch (fault.kind) {
      case 'kill-pipeline-worker':
      case 'kill-segmentation-worker': {
        const role = fault.kind === 'kill-pipeline-worker' ? 'pipeline' : 'segmentation';
        const slot = fault.kind === 'kill-pipeline-worker' ? fault.slot : 0;
        const pid = await ctx.workers.kill(role, slot, fault.restartAfterMs);
        return pid === undefined
          ? `${role} worker ${slot} was not running (being restarted)`
          : `SIGKILL to ${role} worker ${slot} (pid ${pid}); a new one after ${fault.restartAfterMs} ms`;
      }
      case 'restart-temporal':
      case 'restart-mlflow': {
        const server = fault.kind === 'restart-temporal' ? 'temporal' : 'mlflow';
        const started = Date.now();
        await restartServer(ctx.cfg, server, fault.downMs, () => undefined, ctx.signal);
        if (server === 'temporal') await ctx.timelines.reconnect();
        return `${server} stopped, started again after ${fault.downMs} ms down (${((Date.now() - started) / 1000).toFixed(1)} s in all)`;
      }
      case 'store-unwritable': {
        // One window at a time: a second fault waits for the first to end.
        await this.window;
        const folders = makeUnwritable(ctx.storeFolders);
        this.window = sleep(fault.forMs).then(() => {
          folders.restore();
          ctx.log(`store writable again after ${fault.forMs} ms`);
        });
        return `${folders.folders} store folders unwritable for ${fault.forMs} ms (${folders.enforcement})`;
      }
      case 'bad-file': {
        const pseudonym = ctx.study.pseudonymOf(fault.visit);
        const name = `${pseudonym}-${fault.visit.timepoint}-${fault.modality}-${fault.variant}`;
        const file = makeBadFile(fault.variant, ctx.study.file(fault.visit, fault.modality), path.join(ctx.badFileDir), name);
        await ctx.driver.sendVisit(fault.visit, { variant: fault.variant, modality: fault.modality, file });
        return `${pseudonym} ${fault.visit.timepoint} sent with a ${fault.variant} as ${fault.modality}`;
      }
    }
  }
}
