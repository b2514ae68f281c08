// In-memory stand-ins for the console server's backends (timelines, models, PACS intake) with the workflows' own rules
// for the actions the tests use, and a server built over them with a real access store and results store in a
// temporary folder. Integration tests run the real Temporal and MLflow backends.
import { LocalFolderBlobStore } from '../../../store/blobs';
import { StudyFiles } from '../../../study/storedFiles';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { AccessControl, SqliteAccessStore, type AccessStore } from '../../../access';
import type { Role } from '../../../contracts/console';
import type { PromotionView } from '../../../contracts/models';
import type { StudyProtocol } from '../../../contracts/study';
import type { RegisterScanInput, TimelineView, TimepointView } from '../../../contracts/timeline';
import { buildConsoleServer, type ConsoleDeps } from '../../../console/server/app';
import type { IntakeBackend, ModelBackend, TimelineBackend } from '../../../console/server/backend';
import type { AssignSeriesInput, DismissSeriesInput, IntakeState } from '../../../contracts/intake';
import { ActionRefused } from '../../../console/server/errors';
import { SqliteResultsStore } from '../../../store/sqliteStore';
import type { ModelDetail } from '../../../contracts/console';

// fastify's inject (light-my-request) requires the ESM-only `cookie` package, which jest on Node 20 cannot require;
// inject uses only its stringifySetCookie (for the `cookies` option, unused here), so a CommonJS stand-in does.
jest.mock('cookie', () => ({ stringifySetCookie: ({ name, value }: { name: string; value: string }) => `${name}=${encodeURIComponent(value)}` }));

export const STUDY = 'OS-T1';
const day = 86400000;

export function timepoint(name: string, status: TimepointView['status'], dueAt: Date, extra: Partial<TimepointView> = {}): TimepointView {
  return { name, status, dueAt: dueAt.toISOString(), windowEndsAt: new Date(dueAt.getTime() + 7 * day).toISOString(), scans: [], runs: 0, ...extra };
}

/** Two patients: P-001 with a failed baseline QC, P-002 done at baseline and due at mid. */
export function sampleViews(now: Date): TimelineView[] {
  const enrolled = new Date(now.getTime() - 20 * day);
  return [
    {
      studyId: STUDY,
      pseudonym: 'P-001',
      enrolledAt: enrolled.toISOString(),
      stage: 'baseline',
      timepoints: [
        timepoint('baseline', 'qc-failed/awaiting-rescan', enrolled, { qc: { passed: false, reasons: ['T2: 12 slices (at least 16 needed)'] }, runs: 1 }),
        timepoint('mid', 'pending', new Date(enrolled.getTime() + 56 * day)),
      ],
    },
    {
      studyId: STUDY,
      pseudonym: 'P-002',
      enrolledAt: enrolled.toISOString(),
      stage: 'mid',
      timepoints: [
        timepoint('baseline', 'done', enrolled, { qc: { passed: true, reasons: [] }, runs: 1 }),
        timepoint('mid', 'pending', new Date(now.getTime() - 2 * day)),
      ],
    },
  ];
}

export class FakeTimelines implements TimelineBackend {
  views = new Map<string, TimelineView>();
  registered: RegisterScanInput[] = [];
  protocol: StudyProtocol | null = { studyId: STUDY, model: { name: 'resp' } } as unknown as StudyProtocol;

  constructor(views: TimelineView[]) {
    for (const v of views) this.views.set(v.pseudonym, structuredClone(v));
  }

  private get(studyId: string, pseudonym: string): TimelineView {
    const v = this.views.get(pseudonym);
    if (!v || v.studyId !== studyId) throw new ActionRefused('the timeline is closed or does not exist; nothing was changed', 'conflict');
    return v;
  }

  private tp(v: TimelineView, name: string): TimepointView {
    const tp = v.timepoints.find((t) => t.name === name);
    if (!tp) throw new ActionRefused(`unknown timepoint ${JSON.stringify(name)}`);
    return tp;
  }

  async listTimelines(studyId?: string) {
    return [...this.views.values()].filter((v) => !studyId || v.studyId === studyId).map((v) => structuredClone(v));
  }
  async readTimeline(studyId: string, pseudonym: string) {
    const v = this.views.get(pseudonym);
    return v && v.studyId === studyId ? structuredClone(v) : null;
  }
  async protocolOf(studyId: string) {
    return studyId === STUDY ? this.protocol : null;
  }
  async registerScan(studyId: string, pseudonym: string, input: RegisterScanInput) {
    const v = this.get(studyId, pseudonym);
    const tp = this.tp(v, input.timepoint);
    if (!['T1CE', 'T2', 'ADC', 'PET', 'mask'].includes(input.modality))
      throw new ActionRefused(`modality ${JSON.stringify(input.modality)} is not part of timepoint '${tp.name}'`);
    this.registered.push(input);
    tp.scans.push({ modality: input.modality, source: input.source, registeredAt: new Date().toISOString() });
    tp.status = 'acquiring';
    return structuredClone(v);
  }
  async overrideQc(studyId: string, pseudonym: string, input: { timepoint: string; reason: string; who: string }) {
    const v = this.get(studyId, pseudonym);
    const tp = this.tp(v, input.timepoint);
    if (tp.status !== 'qc-failed/awaiting-rescan')
      throw new ActionRefused(`timepoint '${tp.name}' is ${tp.status}, not awaiting a re-scan; there is no QC verdict to override`);
    tp.qc = { ...tp.qc!, override: { reason: input.reason, who: input.who } };
    tp.status = 'extracting';
    return structuredClone(v);
  }
  async retryTimepoint(studyId: string, pseudonym: string, input: { timepoint: string }) {
    const v = this.get(studyId, pseudonym);
    const tp = this.tp(v, input.timepoint);
    if (tp.status !== 'needs-attention') throw new ActionRefused(`timepoint '${tp.name}' is ${tp.status}, not needing attention; there is nothing to retry`);
    return structuredClone(v);
  }
  async recordPathology(studyId: string, pseudonym: string, input: { necrosisPct: number; huvosGrade: 'I' | 'II' | 'III' | 'IV'; date: string }) {
    const v = this.get(studyId, pseudonym);
    if (v.pathology) throw new ActionRefused('pathology is already recorded; it is recorded once', 'conflict');
    v.pathology = input;
    return structuredClone(v);
  }
  async withdraw(studyId: string, pseudonym: string, input: { reason: string }) {
    const v = this.get(studyId, pseudonym);
    v.withdrawn = { reason: input.reason, at: new Date().toISOString() };
    return structuredClone(v);
  }
  async ping() {
    return 'fake-temporal';
  }
}

export class FakeModels implements ModelBackend {
  promotion: { view: PromotionView; open: boolean } | null = null;
  detail: ModelDetail = {
    name: 'resp',
    aliases: [{ alias: 'challenger', version: '2' }],
    versions: [
      {
        version: '1',
        kind: 'clinical',
        predictAt: 'preop',
        studyId: STUDY,
        aliases: [],
        auc: 0.6,
        aucCi: [0.4, 0.8],
        metrics: {},
        createdAt: null,
        lastDecision: null,
        trainedBy: null,
      },
      {
        version: '2',
        kind: 'delta',
        predictAt: 'preop',
        studyId: STUDY,
        aliases: ['challenger'],
        auc: 0.8,
        aucCi: [0.65, 0.95],
        metrics: { brier: 0.2 },
        createdAt: null,
        lastDecision: null,
        trainedBy: 'trainer',
      },
    ],
  };
  decisions: string[] = [];

  async listModels() {
    return [{ name: 'resp', aliases: this.detail.aliases, versions: 2, champion: null, challenger: '2' }];
  }
  async getModel(name: string) {
    return name === 'resp' ? structuredClone(this.detail) : null;
  }
  async readPromotion() {
    return this.promotion && structuredClone(this.promotion);
  }
  async startPromotion(input: { modelName: string; challenger?: string }) {
    if (this.promotion?.open) throw new ActionRefused(`a promotion of '${input.modelName}' is still open`, 'conflict');
    const view: PromotionView = {
      modelName: input.modelName,
      phase: 'awaiting-approval',
      challenger: { name: input.modelName, version: '2', kind: 'delta', aliases: [] },
      decisions: [],
    };
    this.promotion = { view, open: true };
    return structuredClone(view);
  }
  private act(phase: PromotionView['phase'], action: string, by: { identity: string; reason: string }) {
    if (!this.promotion?.open) throw new ActionRefused('no promotion is open', 'conflict');
    this.decisions.push(`${action} by ${by.identity}`);
    this.promotion.view.phase = phase;
    this.promotion.view.decisions.push({
      action: action as 'approved',
      version: '2',
      by: by.identity,
      reason: by.reason,
      at: new Date().toISOString(),
      workflowId: 'w',
    });
    this.promotion.open = phase === 'promoted';
    return Promise.resolve(structuredClone(this.promotion.view));
  }
  approve = (_: string, by: { identity: string; reason: string }) => this.act('promoted', 'approved', by);
  reject = (_: string, by: { identity: string; reason: string }) => this.act('rejected', 'rejected', by);
  rollback = (_: string, by: { identity: string; reason: string }) => this.act('rolled-back', 'rolled-back', by);
  async ping() {
    return 'fake-mlflow';
  }
}

/**
 * One study's intake state with two open entries and one dismissed; assign and dismiss follow the PacsIntake
 * workflow's validator (open entry, who and note, the timepoint and its modalities) and resolve the entry.
 */
export class FakeIntake implements IntakeBackend {
  states = new Map<string, IntakeState>();
  /** The updates that reached the "workflow" (validated or not). */
  updates: (AssignSeriesInput | DismissSeriesInput)[] = [];
  /** The protocol's image modalities per timepoint, as the workflow's validator knows them. */
  modalities: Record<string, string[]> = { baseline: ['T1CE', 'T2'], mid: ['T1CE', 'T2'] };

  constructor(private readonly clock: { now: Date }) {
    this.states.set(STUDY, {
      cursor: 12,
      taken: [],
      review: [
        {
          pacsSeriesId: '0a1b2c3d-44556677-8899aabb-ccddeeff-00112233',
          code: 'unknown-patient',
          message: 'the PatientID is in no enrolment of study OS-T1',
          at: '2026-02-27T09:00:00.000Z',
          status: 'open',
        },
        {
          pacsSeriesId: 'ffeeddcc-bbaa9988-77665544-33221100-abcdef01',
          code: 'outside-windows',
          message: "study date 2026-01-02 is in no open timepoint's window of P-001",
          at: '2026-02-28T09:00:00.000Z',
          status: 'open',
        },
        {
          pacsSeriesId: '11111111-22222222-33333333-44444444-55555555',
          code: 'no-rule',
          message: "no series rule matches Modality 'SR', SeriesDescription 'dose report'",
          at: '2026-02-20T09:00:00.000Z',
          status: 'dismissed',
          resolution: { who: 'earlier', at: '2026-02-21T09:00:00.000Z', note: 'a dose report, not an image' },
        },
      ],
      polls: 4,
    });
  }

  async listIntakes() {
    return [...this.states.entries()].map(([studyId, state]) => ({ studyId, state: structuredClone(state) }));
  }
  async readIntake(studyId: string) {
    const s = this.states.get(studyId);
    return s ? structuredClone(s) : null;
  }
  private open(studyId: string, input: { pacsSeriesId: string; who: string; note: string }) {
    const entry = this.states.get(studyId)?.review.find((e) => e.pacsSeriesId === input.pacsSeriesId && e.status === 'open');
    if (!entry) throw new ActionRefused(`series ${input.pacsSeriesId} is not open on the review list`, 'conflict');
    if (!input.who.trim()) throw new ActionRefused('who must name the coordinator');
    if (!input.note.trim()) throw new ActionRefused('note must say why');
    return entry;
  }
  async assign(studyId: string, input: AssignSeriesInput) {
    this.updates.push(input);
    const entry = this.open(studyId, input);
    const images = this.modalities[input.timepoint];
    if (!images) throw new ActionRefused(`timepoint ${JSON.stringify(input.timepoint)} is not in study ${studyId}`);
    if (input.modality === 'mask' ? !images.includes(input.for ?? '') : !images.includes(input.modality))
      throw new ActionRefused(
        input.modality === 'mask'
          ? `a contour needs 'for', one of ${images.join(', ')}`
          : `modality ${JSON.stringify(input.modality)} is not part of timepoint '${input.timepoint}' (expected one of ${images.join(', ')}, or mask)`,
      );
    const state = this.states.get(studyId)!;
    state.taken.push({
      seriesKey: 'k',
      pacsSeriesId: input.pacsSeriesId,
      pseudonym: input.pseudonym,
      timepoint: input.timepoint,
      modality: input.modality,
      ...(input.for ? { for: input.for } : {}),
      at: this.clock.now.toISOString(),
    });
    entry.status = 'assigned';
    entry.resolution = { who: input.who, at: this.clock.now.toISOString(), note: input.note };
    return structuredClone(state);
  }
  async dismiss(studyId: string, input: DismissSeriesInput) {
    this.updates.push(input);
    const entry = this.open(studyId, input);
    entry.status = 'dismissed';
    entry.resolution = { who: input.who, at: this.clock.now.toISOString(), note: input.note };
    return structuredClone(this.states.get(studyId)!);
  }
}

export interface TestServer {
  app: FastifyInstance;
  dir: string;
  access: AccessControl;
  accessStore: AccessStore;
  store: SqliteResultsStore;
  timelines: FakeTimelines;
  models: FakeModels;
  intake: FakeIntake;
  clock: { now: Date };
  /** Adds a user with the password `<username>-password-1`. */
  user(username: string, roles: Role[]): Promise<void>;
  /** Signs in and returns the cookie header and the CSRF token. */
  signIn(username: string): Promise<{ cookie: string; csrf: string }>;
  close(): Promise<void>;
}

/** Fast scrypt for tests that do not measure it. */
export const FAST_SCRYPT = { N: 2 ** 10, r: 8, p: 1 };

export async function testServer(overrides: Partial<ConsoleDeps> = {}, scrypt = FAST_SCRYPT): Promise<TestServer> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'osteoflow-console-'));
  const clock = { now: new Date('2026-03-01T10:00:00Z') };
  const accessStore = new SqliteAccessStore(path.join(dir, 'access.sqlite'));
  const access = new AccessControl(accessStore, { scrypt, now: () => clock.now });
  const store = new SqliteResultsStore(path.join(dir, 'results.sqlite'));
  const timelines = new FakeTimelines(sampleViews(clock.now));
  const models = new FakeModels();
  const intake = new FakeIntake(clock);
  const app = await buildConsoleServer({
    access,
    timelines,
    models,
    intake,
    store,
    files: new StudyFiles(new LocalFolderBlobStore(path.join(dir, 'blobs')), path.join(dir, 'studies')),
    uploadDir: path.join(dir, 'uploads'),
    now: () => clock.now,
    ...overrides,
  });
  const password = (u: string) => `${u}-password-1`;
  return {
    app,
    dir,
    access,
    accessStore,
    store,
    timelines,
    models,
    intake,
    clock,
    user: async (username, roles) => void (await access.addUser(username, password(username), roles)),
    signIn: async (username) => {
      const r = await app.inject({ method: 'POST', url: '/api/session', payload: { username, password: password(username) } });
      if (r.statusCode !== 200) throw new Error(`sign-in of ${username}: ${r.statusCode} ${r.body}`);
      const cookie = String(r.headers['set-cookie']).split(';')[0];
      return { cookie, csrf: (r.json() as { csrfToken: string }).csrfToken };
    },
    close: async () => {
      await app.close();
      await accessStore.close();
      await store.close();
    },
  };
}
