// Live updates of a study's cohort: one watcher per study, shared by its subscribers, polls the timelines' published
// views (one visibility list per interval) and tells subscribers only what changed, by the digest of each patient's
// view. With nobody subscribed it stops; with nothing changed it sends nothing.
import type { CohortPatient, ConsoleEvent } from '../../contracts/console';
import type { TimelineBackend } from './backend';
import { cohortPatient } from './cohort';

type Listener = (event: ConsoleEvent) => void;

class StudyWatcher {
  private readonly listeners = new Set<Listener>();
  private known = new Map<string, CohortPatient>();
  private timer?: NodeJS.Timeout;
  private polling = false;
  private primed = false;

  constructor(
    private readonly studyId: string,
    private readonly timelines: TimelineBackend,
    private readonly intervalMs: number,
    private readonly now: () => Date,
    private readonly onIdle: () => void,
  ) {}

  add(listener: Listener): void {
    this.listeners.add(listener);
    this.timer ??= setInterval(() => void this.poll(), this.intervalMs);
  }

  remove(listener: Listener): void {
    this.listeners.delete(listener);
    if (this.listeners.size === 0) this.stop();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.listeners.clear();
    this.onIdle();
  }

  /** Sets what the subscribers already have (the snapshot they were sent). */
  prime(patients: CohortPatient[]): void {
    if (this.primed) return;
    this.known = new Map(patients.map((p) => [p.pseudonym, p]));
    this.primed = true;
  }

  async poll(): Promise<void> {
    if (this.polling) return; // a slow server: skip a beat rather than pile up
    this.polling = true;
    try {
      const now = this.now();
      const views = await this.timelines.listTimelines(this.studyId);
      const next = new Map(views.map((v) => [v.pseudonym, cohortPatient(v, now)]));
      // The clock moves states too (due → overdue): a patient whose cells changed counts as changed.
      const changed = [...next.values()].filter((p) => {
        const before = this.known.get(p.pseudonym);
        return !before || before.version !== p.version || JSON.stringify(before.cells) !== JSON.stringify(p.cells);
      });
      const removed = [...this.known.keys()].filter((k) => !next.has(k));
      this.known = next;
      this.primed = true;
      const at = now.toISOString();
      if (changed.length > 0) this.emit({ type: 'patients', studyId: this.studyId, at, patients: changed });
      if (removed.length > 0) this.emit({ type: 'removed', studyId: this.studyId, at, pseudonyms: removed });
    } catch {
      // The server did not answer this time: the next beat tries again.
    } finally {
      this.polling = false;
    }
  }

  private emit(event: ConsoleEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}

export class CohortEvents {
  private readonly watchers = new Map<string, StudyWatcher>();

  constructor(
    private readonly timelines: TimelineBackend,
    private readonly intervalMs = 1000,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Subscribes to a study's changes; `prime` is the snapshot the subscriber was sent. Returns the unsubscribe. */
  subscribe(studyId: string, listener: Listener, snapshot: CohortPatient[]): () => void {
    let watcher = this.watchers.get(studyId);
    if (!watcher) {
      watcher = new StudyWatcher(studyId, this.timelines, this.intervalMs, this.now, () => this.watchers.delete(studyId));
      this.watchers.set(studyId, watcher);
    }
    watcher.prime(snapshot);
    watcher.add(listener);
    const w = watcher;
    return () => w.remove(listener);
  }

  /** Studies watched now (for tests and health). */
  watched(): string[] {
    return [...this.watchers.keys()];
  }

  close(): void {
    for (const watcher of [...this.watchers.values()]) watcher.stop();
  }
}
