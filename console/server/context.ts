// What every route module of the console server shares: the injected dependencies with their defaults resolved,
// the audit helper, and the common JSON schema pieces.
import type { StudyFiles } from '../../study/storedFiles';
import type { FastifyRequest, FastifyServerOptions } from 'fastify';
import type { AccessControl } from '../../access';
import type { AuditEntry, AuditOutcome } from '../../contracts/console';
import type { GatePolicy } from '../../contracts/models';
import type { StudyProtocol } from '../../contracts/study';
import type { ResultsStore } from '../../store';
import type { IntakeBackend, ModelBackend, TimelineBackend } from './backend';
import type { CohortEvents } from './events';
import type { OidcSignIn } from './oidc';
import { ActionRefused } from './errors';

export interface ConsoleDeps {
  access: AccessControl;
  timelines: TimelineBackend;
  models: ModelBackend;
  /** The PACS intake's review lists; absent: no study has intake (the review list routes answer empty). */
  intake?: IntakeBackend;
  /** The results store (features, deltas, QC, scans, predictions). */
  store: ResultsStore;
  /** Stored scans, laid out by their blob address in the console's own folder (absolute paths of earlier results are read as they are). */
  files: StudyFiles;
  /** Where uploaded scans are kept; each is registered by its address in the blob store (`files`), not by this path. */
  uploadDir: string;
  /** Largest upload in bytes (default 2 GiB). */
  maxUploadBytes?: number;
  /** Most voxels an uploaded image may declare (default: the readers' own limit). */
  maxVoxels?: number;
  /** The front end's built files (console/web/dist); absent: only the API is served. */
  webRoot?: string;
  /** Secure cookies: true always, false never, 'auto' (default) when the request came over https. */
  secureCookies?: boolean | 'auto';
  /** Believe X-Forwarded-* headers (behind a reverse proxy). */
  trustProxy?: boolean;
  /** Sign-in attempts per IP and user name per window (default 5 per minute). */
  loginRateLimit?: { max: number; timeWindowMs: number };
  /** How often live updates poll the timelines (default 1000 ms). */
  pollIntervalMs?: number;
  /** How often a live-update stream sends a ping and checks its session (default 15 s). */
  pingIntervalMs?: number;
  /** The promotion gate's policy for promotions requested here (default: the registry's DEFAULT_GATE). */
  promotionPolicy?: GatePolicy;
  /** Sign-in with the site's OpenID Connect provider, beside passwords; absent: passwords only. */
  oidc?: OidcSignIn;
  now?: () => Date;
  /** Fastify's logger (default off; the console command logs warnings and errors). */
  logger?: FastifyServerOptions['logger'];
  version?: string;
}

export interface ConsoleContext extends ConsoleDeps {
  maxUploadBytes: number;
  pingIntervalMs: number;
  now: () => Date;
  events: CohortEvents;
  /** The study's protocol (TimelineBackend.protocolOf), remembered a minute: pages read it on every patient. */
  protocolOf(studyId: string): Promise<StudyProtocol | null>;
  audit(
    request: FastifyRequest,
    entry: { action: string; target: string; reason?: string | null; outcome?: AuditOutcome; detail?: Record<string, unknown> | null },
  ): Promise<AuditEntry>;
}

type AuditFields = Omit<Parameters<ConsoleContext['audit']>[1], 'outcome'>;

/**
 * Runs an action and audits it: `ok` (with `detail` and whatever `okDetail` adds from the result) when it returns;
 * `refused` — answered with its HTTP error — when the backend refused it (ActionRefused: nothing changed), `failed`
 * otherwise, each with the error's message. Returns the result and the audit entry.
 */
export async function auditedAction<T>(
  ctx: ConsoleContext,
  request: FastifyRequest,
  audit: AuditFields,
  run: () => Promise<T>,
  okDetail?: (result: T) => Record<string, unknown>,
): Promise<{ result: T; entry: AuditEntry }> {
  let result: T;
  try {
    result = await run();
  } catch (err) {
    const refused = err instanceof ActionRefused;
    await ctx.audit(request, { ...audit, outcome: refused ? 'refused' : 'failed', detail: { ...audit.detail, message: (err as Error).message } });
    throw refused ? err.toHttp() : err;
  }
  const entry = await ctx.audit(request, { ...audit, outcome: 'ok', detail: okDetail ? { ...audit.detail, ...okDetail(result) } : audit.detail });
  return { result, entry };
}

export const ID_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$';
export const TIMEPOINT_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$';

export const studyParams = {
  type: 'object',
  required: ['studyId'],
  properties: { studyId: { type: 'string', pattern: ID_PATTERN } },
} as const;
export const patientParams = {
  type: 'object',
  required: ['studyId', 'pseudonym'],
  properties: { studyId: { type: 'string', pattern: ID_PATTERN }, pseudonym: { type: 'string', pattern: ID_PATTERN } },
} as const;
export const timepointParams = {
  type: 'object',
  required: ['studyId', 'pseudonym', 'timepoint'],
  properties: {
    studyId: { type: 'string', pattern: ID_PATTERN },
    pseudonym: { type: 'string', pattern: ID_PATTERN },
    timepoint: { type: 'string', pattern: TIMEPOINT_PATTERN },
  },
} as const;

/** A reason a person gives: at least 3 characters that are not blank, at most 500. */
export const reasonSchema = { type: 'string', minLength: 3, maxLength: 500, pattern: '\\S.*\\S' } as const;

export const errorSchema = {
  type: 'object',
  properties: {
    statusCode: { type: 'integer' },
    error: { type: 'string' },
    message: { type: 'string' },
    permission: { type: 'string' },
    field: { type: 'string' },
  },
} as const;

/** A JSON object response (its full shape is the contract's TypeScript type named in the description). */
export const objectResponse = (typeName: string) =>
  ({ type: 'object', additionalProperties: true, description: `${typeName} (contracts/console.ts)` }) as const;

export type Params<K extends string> = Record<K, string>;
