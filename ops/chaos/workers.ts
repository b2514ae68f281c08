// The campaign's workers as a supervisor keeps them: pipeline worker processes (workers/pipeline/main.ts) and one
// segmentation worker process (workers/gpu/main.ts on the CPU), each in its own process group with its log in the run
// folder. A worker the campaign kills is started again after the planned pause; one that dies by itself is counted
// and started again too.
import path from 'node:path';
import { PROJECT_ROOT } from '../../config';
import { isAlive } from '../../config/endpoints';
import { sleep, spawnDetached, stopProcessGroup, tail } from '../processes';

export type WorkerRole = 'pipeline' | 'segmentation';

/** A worker gone within this long of its start gave up starting (rather than dying at work). */
const START_WINDOW_MS = 20000;
/** Colour codes of the Rust core's log lines. */
// eslint-disable-next-line no-control-regex
const ANSI_COLOUR = /\u001b\[[0-9;]*m/g;

interface Slot {
  role: WorkerRole;
  index: number;
  pid?: number;
  startedAt: number;
  /** Set while the campaign itself stops or restarts it, so that its exit is not counted as a crash. */
  expectedExit: boolean;
  starts: number;
}

const ENTRY: Record<WorkerRole, string> = {
  pipeline: path.join(PROJECT_ROOT, 'workers', 'pipeline', 'main.ts'),
  segmentation: path.join(PROJECT_ROOT, 'workers', 'gpu', 'main.ts'),
};

export class WorkerSupervisor {
  private readonly slots: Slot[];
  private watcher?: NodeJS.Timeout;
  private stopped = false;
  /**
   * Exits nobody asked for: a worker that died while running is a finding; one that gave up at start (within
   * START_WINDOW_MS: a worker exits when a server it needs is not there) is what a supervisor retries.
   */
  readonly unexpectedExits: Array<{ worker: string; at: number; atStart: boolean; lastLine: string }> = [];

  constructor(
    private readonly env: NodeJS.ProcessEnv,
    private readonly logDir: string,
    pipelineWorkers: number,
    private readonly log: (line: string) => void,
  ) {
    this.slots = [
      ...Array.from({ length: pipelineWorkers }, (_, index) => ({ role: 'pipeline' as const, index, expectedExit: false, starts: 0, startedAt: 0 })),
      { role: 'segmentation', index: 0, expectedExit: false, starts: 0, startedAt: 0 },
    ];
  }

  startAll(): void {
    for (const slot of this.slots) this.start(slot);
    // Restarts a worker that died on its own within a few seconds, as a process supervisor would.
    this.watcher = setInterval(() => {
      for (const slot of this.slots) {
        if (this.stopped || slot.expectedExit || slot.pid === undefined || isAlive(slot.pid)) continue;
        const lastLine = tail(this.logFile(slot), 2)
          .replace(ANSI_COLOUR, '')
          .split('\n')
          .map((l) => l.trim())
          .join(' / ')
          .slice(0, 400);
        const atStart = Date.now() - slot.startedAt < START_WINDOW_MS;
        this.unexpectedExits.push({ worker: `${slot.role} worker ${slot.index} (pid ${slot.pid})`, at: Date.now(), atStart, lastLine });
        this.log(`${slot.role} worker ${slot.index} (pid ${slot.pid}) ${atStart ? 'gave up at start' : 'exited by itself'}; starting it again`);
        slot.pid = undefined;
        slot.expectedExit = true;
        setTimeout(() => {
          slot.expectedExit = false;
          if (!this.stopped) this.start(slot);
        }, 2000);
      }
    }, 1000);
  }

  /** SIGKILL to the worker's process group, then a new worker after `restartAfterMs`. Returns the killed pid. */
  async kill(role: WorkerRole, index: number, restartAfterMs: number): Promise<number | undefined> {
    const slot = this.slots.find((s) => s.role === role && s.index === index % this.count(role));
    if (!slot || slot.pid === undefined) return undefined;
    const pid = slot.pid;
    slot.expectedExit = true;
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
    while (isAlive(pid)) await sleep(50);
    slot.pid = undefined;
    await sleep(restartAfterMs);
    slot.expectedExit = false;
    if (!this.stopped) this.start(slot);
    return pid;
  }

  /** Asks every worker to stop (SIGTERM: a worker hands back or finishes its tasks), then kills what is left. */
  async stopAll(): Promise<void> {
    this.stopped = true;
    if (this.watcher) clearInterval(this.watcher);
    await Promise.all(
      this.slots.map(async (slot) => {
        slot.expectedExit = true;
        if (slot.pid !== undefined) await stopProcessGroup(slot.pid, 20000);
        slot.pid = undefined;
      }),
    );
  }

  /** On the way out of a dying process: SIGKILL to every worker at once. */
  killAllNow(): void {
    this.stopped = true;
    if (this.watcher) clearInterval(this.watcher);
    for (const slot of this.slots) {
      if (slot.pid === undefined) continue;
      try {
        process.kill(-slot.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
  }

  private count(role: WorkerRole): number {
    return this.slots.filter((s) => s.role === role).length;
  }

  private logFile(slot: Slot): string {
    return path.join(this.logDir, `${slot.role}-worker-${slot.index}.log`);
  }

  private start(slot: Slot): void {
    const env: NodeJS.ProcessEnv = { ...this.env, OSTEOFLOW_LOG_LEVEL: 'WARN' };
    // The segmentation worker on the CPU with one thread: the machine's cores belong to the pipeline workers.
    if (slot.role === 'segmentation') Object.assign(env, { OSTEOFLOW_SEGMENTATION_PROVIDERS: 'cpu', OSTEOFLOW_SEGMENTATION_CPU_THREADS: '1' });
    // tsx by its resolved path: the worker does not depend on the directory the campaign was started from.
    slot.pid = spawnDetached(process.execPath, ['-r', require.resolve('tsx/cjs'), ENTRY[slot.role]], this.logFile(slot), env);
    slot.starts += 1;
    slot.startedAt = Date.now();
  }
}
