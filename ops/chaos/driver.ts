// Drives the campaign's study through real timelines: enrols every patient, sends each visit's scans at its planned
// moment (a bad file in place of a good one where a fault says so), watches every timeline, records what each bad file
// made of its timepoint, takes a coordinator's way forward wherever a timepoint waits for a person, records pathology
// once a patient's timepoints are done, and says when every timeline has closed.
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { TimelineView, TimepointView } from '../../contracts/timeline';
import { sleep } from '../processes';
import { EXPECTED, meetsExpectation, reasonsOf, type Expectation } from './badFiles';
import { osteoflowStudy } from './coordinatorCli';
import { visitKey, type BadFileVariant, type FaultPlan, type Visit } from './plan';
import type { ChaosStudy } from './study';
import type { Closed, Timelines } from './timelines';

export interface BadFileRecord {
  variant: BadFileVariant;
  pseudonym: string;
  timepoint: string;
  modality: string;
  expected: Expectation;
  /** What the timepoint showed once the bad file was processed; `done` if it was accepted. */
  observed?: { status: string; reasons: string[] };
  matched?: boolean;
  remedied: boolean;
}

export interface AttentionRecord {
  pseudonym: string;
  timepoint: string;
  run: number;
  status: string;
  reasons: string[];
  /** The timeline's own words (attention message or QC reasons), for the report. */
  message: string;
  remedy: 'retry' | 're-register';
  remedied: boolean;
}

interface PatientState {
  pseudonym: string;
  index: number;
  enrolled: boolean;
  pathologyRecorded: boolean;
  closed?: Closed;
  view?: TimelineView;
}

const POLL_MS = 2000;
/** How long one registration keeps being tried through restarts before the campaign gives up on it. */
const REGISTER_PATIENCE_MS = 5 * 60000;
/** A coordinator's action that failed (e.g. the server was restarting) is tried again after this pause. */
const ACTION_RETRY_MS = 10000;

export class StudyDriver {
  readonly badFiles = new Map<string, BadFileRecord>();
  readonly attention: AttentionRecord[] = [];
  private readonly patients: PatientState[];
  private readonly automatic: Set<string>;
  /** Acting keys (`pseudonym/timepoint#run`) done, and when each failed action may be tried again. */
  private readonly acted = new Set<string>();
  private readonly retryAfter = new Map<string, number>();
  private readonly inFlight = new Set<string>();
  private readonly actions = new Set<Promise<unknown>>();
  private registrationsDone = false;

  constructor(
    private readonly study: ChaosStudy,
    private readonly plan: FaultPlan,
    private readonly timelines: Timelines,
    private readonly cliEnv: NodeJS.ProcessEnv,
    private readonly log: (line: string) => void,
    private readonly signal: AbortSignal,
  ) {
    this.patients = study.manifest.patients.map((p, index) => ({ pseudonym: p.pseudonym, index, enrolled: false, pathologyRecorded: false }));
    this.automatic = new Set(plan.automatic.map(visitKey));
  }

  get states(): readonly PatientState[] {
    return this.patients;
  }

  async enrolAll(): Promise<void> {
    for (const patient of this.patients) {
      const { clinical } = this.study.manifest.patients[patient.index];
      await this.persist(`enrol ${patient.pseudonym}`, () => this.timelines.enrol(patient.pseudonym, { ...clinical }));
      patient.enrolled = true;
    }
  }

  /** Sends the planned visits at their moments (the bad-file visits are sent by their faults). */
  async sendPlannedVisits(startedAt: number): Promise<void> {
    for (const { visit, atMs } of this.plan.registrations) {
      await this.until(startedAt + atMs);
      await this.sendVisit(visit);
    }
    this.registrationsDone = true;
  }

  /** Sends a visit's scans: the mask first (so the set is complete only with it), then the images. */
  async sendVisit(visit: Visit, bad?: { variant: BadFileVariant; modality: string; file: string }): Promise<void> {
    const pseudonym = this.study.pseudonymOf(visit);
    if (bad) {
      this.badFiles.set(visitKey(visit), {
        variant: bad.variant,
        pseudonym,
        timepoint: visit.timepoint,
        modality: bad.modality,
        expected: EXPECTED[bad.variant],
        remedied: false,
      });
    }
    const manual = !this.automatic.has(visitKey(visit)) || bad?.modality === 'mask';
    const modalities = [...(manual ? ['mask'] : []), ...this.study.protocol.timepoints.find((t) => t.name === visit.timepoint)!.modalities];
    for (const modality of modalities) {
      const source = bad?.modality === modality ? bad.file : this.study.file(visit, modality);
      await this.persist(`register ${pseudonym} ${visit.timepoint} ${modality}`, () =>
        this.timelines.register(pseudonym, { timepoint: visit.timepoint, modality, source }).catch((err: unknown) => {
          // Sent before an outage cut the answer off, and the timepoint has finished since: nothing left to send.
          if (err instanceof WorkflowUpdateFailedError && /already done/.test(err.cause?.message ?? '')) return;
          throw err;
        }),
      );
    }
  }

  /** Watches the timelines until every one has closed (or the signal stops it); `faultsDone` must settle first. */
  async watch(faultsDone: Promise<unknown>): Promise<void> {
    let faultsSettled = false;
    const settle = () => (faultsSettled = true);
    faultsDone.then(settle, settle);
    for (;;) {
      this.signal.throwIfAborted();
      await this.round();
      if (faultsSettled && this.registrationsDone && this.patients.every((p) => p.closed)) return;
      await sleep(POLL_MS);
    }
  }

  private async round(): Promise<void> {
    await Promise.all(
      this.patients
        .filter((p) => p.enrolled && !p.closed)
        .map(async (patient) => {
          try {
            const view = await this.timelines.view(patient.pseudonym);
            patient.view = view;
            for (const tp of view.timepoints) this.look(patient, tp);
            if (!patient.pathologyRecorded && view.timepoints.every((t) => t.status === 'done')) await this.recordPathology(patient);
            if (patient.pathologyRecorded || view.timepoints.some((t) => t.status === 'done')) await this.checkClosed(patient);
          } catch {
            // A worker or the server is away (a fault): the timeline is looked at again next round. A closed one that
            // cannot be queried is found by its description.
            await this.checkClosed(patient).catch(() => undefined);
          }
        }),
    );
  }

  private async checkClosed(patient: PatientState): Promise<void> {
    const closed = await this.timelines.closed(patient.pseudonym);
    if (!closed) return;
    if (closed.status === 'COMPLETED') patient.view = await this.timelines.result(patient.pseudonym).catch(() => patient.view);
    else this.log(`${patient.pseudonym}: timeline ${closed.status}${closed.failure ? `: ${closed.failure}` : ''}`);
    patient.closed = closed;
  }

  private async recordPathology(patient: PatientState): Promise<void> {
    const { necrosisPct, huvosGrade, reportDate } = this.study.manifest.patients[patient.index].pathology;
    try {
      await this.timelines.recordPathology(patient.pseudonym, { necrosisPct, huvosGrade, date: reportDate });
    } catch (err) {
      // Recorded by an earlier attempt whose answer was lost: the validator says so, and that is the outcome wanted.
      if (!(err instanceof WorkflowUpdateFailedError && /already recorded/.test(err.cause?.message ?? ''))) throw err;
    }
    patient.pathologyRecorded = true;
  }

  /** One timepoint of one round: a bad file's outcome is recorded; a timepoint waiting for a person gets its remedy. */
  private look(patient: PatientState, tp: TimepointView): void {
    const bad = this.badFiles.get(`${patient.index}/${tp.name}`);
    const waiting = tp.status === 'qc-failed/awaiting-rescan' || tp.status === 'needs-attention';
    if (bad && !bad.observed && (waiting || tp.status === 'done')) {
      bad.observed = { status: tp.status, reasons: reasonsOf(tp) };
      bad.matched = meetsExpectation(bad.expected, bad.observed);
      const outcome = `${bad.observed.status}${bad.observed.reasons.length ? ` (${bad.observed.reasons.join(', ')})` : ''}`;
      this.log(
        `${patient.pseudonym} ${tp.name}: bad file (${bad.variant}, ${bad.modality}) → ${outcome}${bad.matched ? '' : `; expected ${bad.expected.status} (${bad.expected.reason})`}`,
      );
    }
    // Still running: its segmentation waits for a worker, which the supervisor brings back.
    if (!waiting || (tp.status === 'needs-attention' && tp.attention?.code === ('segmentation-unavailable' as string))) return;
    const key = `${patient.pseudonym}/${tp.name}#${tp.runs}`;
    if (this.acted.has(key) || this.inFlight.has(key) || (this.retryAfter.get(key) ?? 0) > Date.now()) return;
    const visit = { patient: patient.index, timepoint: tp.name };
    let action: { what: string; args: string[][]; record?: AttentionRecord };
    if (bad && !bad.remedied) {
      // The coordinator replaces the bad file with the good one.
      action = { what: `register the good ${bad.modality} again`, args: [this.registerArgs(patient.pseudonym, visit, bad.modality)] };
    } else {
      const record: AttentionRecord = {
        pseudonym: patient.pseudonym,
        timepoint: tp.name,
        run: tp.runs,
        status: tp.status,
        reasons: reasonsOf(tp),
        message: tp.attention?.message ?? tp.qc?.reasons.join('; ') ?? '',
        remedy: tp.status === 'needs-attention' ? 'retry' : 're-register',
        remedied: false,
      };
      if (!this.attention.some((a) => a.pseudonym === record.pseudonym && a.timepoint === record.timepoint && a.run === record.run)) {
        this.attention.push(record);
        this.log(`${patient.pseudonym} ${tp.name}: ${tp.status} without a bad file (${record.reasons.join(', ') || 'no code'}): ${record.message}`);
      }
      action =
        record.remedy === 'retry'
          ? {
              what: 'retry the timepoint',
              args: [
                [
                  'retry',
                  ...this.ids(patient.pseudonym, tp.name),
                  '--reason',
                  `cause cleared: ${record.reasons[0] ?? 'fault over'}`,
                  '--who',
                  'chaos-coordinator',
                ],
              ],
              record,
            }
          : {
              // A scan that could not be acquired or failed QC without a bad file: the site sends the visit again.
              what: 'register the visit again',
              args: this.modalitiesOf(visit).map((m) => this.registerArgs(patient.pseudonym, visit, m)),
              record,
            };
    }
    this.inFlight.add(key);
    const acting = this.act(key, `${patient.pseudonym} ${tp.name}`, action.what, action.args)
      .then((ok) => {
        if (!ok) return;
        if (bad && !bad.remedied) bad.remedied = true;
        if (action.record) action.record.remedied = true;
      })
      .catch(() => undefined)
      .finally(() => {
        this.inFlight.delete(key);
        this.actions.delete(acting);
      });
    this.actions.add(acting);
  }

  /** Resolves once the coordinator's actions under way have ended (they stop when the campaign does). */
  async settled(): Promise<void> {
    await Promise.all([...this.actions]);
  }

  private async act(key: string, where: string, what: string, commands: string[][]): Promise<boolean> {
    for (const args of commands) {
      const outcome = await osteoflowStudy(this.cliEnv, args, this.signal);
      if (outcome.code !== 0) {
        this.log(`${where}: could not ${what} (osteoflow study ${args[0]}: ${outcome.said}); trying again later`);
        this.retryAfter.set(key, Date.now() + ACTION_RETRY_MS);
        return false;
      }
    }
    this.log(`${where}: ${what} (osteoflow study ${commands[0][0]})`);
    this.acted.add(key);
    return true;
  }

  private ids(pseudonym: string, timepoint: string): string[] {
    return ['--study', this.study.protocol.studyId, '--patient', pseudonym, '--timepoint', timepoint];
  }

  private registerArgs(pseudonym: string, visit: Visit, modality: string): string[] {
    return ['register', ...this.ids(pseudonym, visit.timepoint), '--modality', modality, '--source', this.study.file(visit, modality)];
  }

  private modalitiesOf(visit: Visit): string[] {
    const images = this.study.protocol.timepoints.find((t) => t.name === visit.timepoint)!.modalities;
    return this.automatic.has(visitKey(visit)) ? [...images] : ['mask', ...images];
  }

  /** Tries `fn` through outages (server restarts, no worker for a moment) until it succeeds or patience runs out. */
  private async persist(what: string, fn: () => Promise<void>): Promise<void> {
    const deadline = Date.now() + REGISTER_PATIENCE_MS;
    for (let attempt = 1; ; attempt++) {
      this.signal.throwIfAborted();
      try {
        await fn();
        return;
      } catch (err) {
        if (err instanceof WorkflowUpdateFailedError || Date.now() > deadline) throw new Error(`${what}: ${(err as Error).message}`, { cause: err });
        if (attempt === 3) this.log(`${what}: still failing (${(err as Error).message.split('\n')[0]}); trying on`);
        await sleep(Math.min(5000, 500 * attempt));
      }
    }
  }

  private async until(at: number): Promise<void> {
    while (Date.now() < at) {
      this.signal.throwIfAborted();
      await sleep(Math.min(500, at - Date.now()));
    }
  }
}
