// The web console's API contract: roles, permissions, timepoint states, and the request and response bodies of every
// route of the console server (console/server/), shared by the server and the browser front end (console/web/).
// Plain data and types only; identities are user names, patients are pseudonyms, never patient identity.
import type { IntakeReviewCode, IntakeTakeInCode } from './intake';
//
// Routes (all JSON unless said; errors are ApiError with the HTTP status):
//   GET    /healthz                                                     → Health (no sign-in)
//   GET    /api/openapi.json                                            → the OpenAPI 3 document (no sign-in)
//   POST   /api/session                       LoginRequest              → SessionInfo   (sets the session cookie; 401, 429)
//   GET    /api/session                                                 → SessionInfo   (401 when signed out or expired)
//   DELETE /api/session                                                 → 204
//   GET    /api/session/methods                                         → SignInMethods (no sign-in)
//   GET    /api/session/oidc            ?next=PATH                      → 302 to the identity provider (no sign-in; only when configured)
//   GET    /api/session/oidc/callback   (the provider's answer)         → 302 back into the console, session open (no sign-in)
//   GET    /api/studies                                                 → StudiesResponse                      studies.read
//   GET    /api/studies/:studyId/cohort        ?state=S[,S]             → CohortResponse                       studies.read
//   GET    /api/studies/:studyId/events        (text/event-stream)      → ConsoleEvent per `data:` line        studies.read
//   GET    /api/studies/:studyId/patients/:pseudonym                    → PatientResponse                      studies.read
//   GET    /api/studies/:studyId/patients/:pseudonym/timepoints/:timepoint/mosaic.png ?modality=M   → image/png studies.read
//   POST   /api/studies/:studyId/patients/:pseudonym/timepoints/:timepoint/scans   multipart: field `modality`, file `file` → ActionResponse  studies.act
//   PUT    /api/studies/:studyId/patients/:pseudonym/timepoints/:timepoint/mask    multipart: fields `for`, `roi`, file `file` → ActionResponse  studies.act
//   POST   /api/studies/:studyId/patients/:pseudonym/timepoints/:timepoint/override  OverrideRequest  → ActionResponse       studies.act
//   POST   /api/studies/:studyId/patients/:pseudonym/timepoints/:timepoint/retry     RetryRequest     → ActionResponse       studies.act
//   POST   /api/studies/:studyId/patients/:pseudonym/pathology      PathologyRequest                  → ActionResponse       studies.act (409 when recorded)
//   POST   /api/studies/:studyId/patients/:pseudonym/withdraw       WithdrawRequest                   → ActionResponse       studies.act
//   GET    /api/intake                                                  → IntakeResponse                       studies.read
//   GET    /api/studies/:studyId/intake                                 → IntakeStudyView                      studies.read
//   POST   /api/studies/:studyId/intake/:pacsSeriesId/assign   AssignSeriesRequest  → IntakeActionResponse     studies.act
//   POST   /api/studies/:studyId/intake/:pacsSeriesId/dismiss  DismissSeriesRequest → IntakeActionResponse     studies.act
//   GET    /api/models                                                  → ModelsResponse                       models.read
//   GET    /api/models/:name                                            → ModelDetail                          models.read
//   GET    /api/models/:name/promotion                                  → PromotionResponse                    models.read
//   POST   /api/models/:name/promotion         PromotionRequest         → PromotionResponse                    promotions.request
//   POST   /api/models/:name/promotion/approve  DecisionRequest         → PromotionResponse                    promotions.decide (four eyes)
//   POST   /api/models/:name/promotion/reject   DecisionRequest         → PromotionResponse                    promotions.decide (four eyes)
//   POST   /api/models/:name/promotion/rollback DecisionRequest         → PromotionResponse                    promotions.decide
//   GET    /api/audit  ?actor=&action=&target=&outcome=&since=&until=&limit=&before=  → AuditResponse           audit.read
//   GET    /api/users                                                   → UsersResponse                        users.manage
//   POST   /api/users                          CreateUserRequest        → UserInfo (201)                       users.manage
//   PATCH  /api/users/:username                UpdateUserRequest        → UserInfo                             users.manage
//   GET    /api/tokens         ?username=U (others: tokens.manage)      → TokensResponse                       signed in
//   POST   /api/tokens                         CreateTokenRequest       → CreatedToken (201; the secret once)  signed in
//   DELETE /api/tokens/:id     (another user's: tokens.manage)          → 204                                  signed in
//
// Authentication: the session cookie `osteoflow_session` (HttpOnly, SameSite=Strict, Secure behind https), and for
// every unsafe method (POST, PUT, PATCH, DELETE) with the cookie the header `x-csrf-token` = SessionInfo.csrfToken;
// or `Authorization: Bearer <api token>` (no CSRF header needed). 401: not signed in / session expired; 403: lacking
// a permission (ApiError.permission names it) or a four-eyes refusal.

/** The session cookie's name. */
export const SESSION_COOKIE = 'osteoflow_session';
/** The header carrying the session's CSRF token on unsafe methods. */
export const CSRF_HEADER = 'x-csrf-token';

export const ROLES = ['viewer', 'coordinator', 'ml-engineer', 'approver', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const PERMISSIONS = [
  /** Studies, cohorts, patients, mosaics, live events. */
  'studies.read',
  /** Register scans and masks, override QC, retry, record pathology, withdraw. */
  'studies.act',
  /** Registered models, versions, aliases, metrics, promotions. */
  'models.read',
  /** Train models. */
  'models.train',
  /** Request (start) a promotion. */
  'promotions.request',
  /** Approve, reject or roll back a promotion (never one's own: four eyes). */
  'promotions.decide',
  /** Read the audit trail. */
  'audit.read',
  /** Add users, change roles, disable users. */
  'users.manage',
  /** List and revoke other users' API tokens. */
  'tokens.manage',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

/**
 * A timepoint's state as the console shows it (derived from the timeline's TimepointStatus and the clock):
 * upcoming (before its window), due (in its window, no scans processed yet), overdue (window passed, no scans),
 * running (acquiring / segmenting / extracting), qc-failed (awaiting a re-scan or an override), needs-attention
 * (waiting for a person), done, missed, withdrawn (the patient was withdrawn before it was done).
 */
export const TIMEPOINT_STATES = ['needs-attention', 'qc-failed', 'overdue', 'due', 'running', 'upcoming', 'done', 'missed', 'withdrawn'] as const;
export type TimepointState = (typeof TIMEPOINT_STATES)[number];
/** States that wait for a person: such patients are listed first. */
export const ACTION_STATES: readonly TimepointState[] = ['needs-attention', 'qc-failed', 'overdue'];

export interface ApiError {
  statusCode: number;
  /** Short class of the error: 'Bad Request', 'Unauthorized', 'Forbidden', 'Not Found', 'Conflict', 'Too Many Requests', … */
  error: string;
  /** What was wrong and what was expected, in one sentence (nothing changed on a 4xx). */
  message: string;
  /** The permission needed (403 for lack of a permission). */
  permission?: Permission;
  /** The request field at fault (400). */
  field?: string;
}

// ---- health and session -------------------------------------------------------------------------------------------

export interface DependencyHealth {
  ok: boolean;
  /** Address or path checked. */
  target?: string;
  /** Why it is not ok. */
  error?: string;
  latencyMs?: number;
}

export interface Health {
  ok: boolean;
  version: string;
  uptimeS: number;
  temporal: DependencyHealth;
  mlflow: DependencyHealth;
  store: DependencyHealth;
}

export interface LoginRequest {
  username: string;
  password: string;
}

export interface SessionInfo {
  username: string;
  roles: Role[];
  permissions: Permission[];
  /** Send as header `x-csrf-token` on POST / PUT / PATCH / DELETE. Absent for API-token authentication. */
  csrfToken?: string;
  /** ISO times: the session ends at the earlier of idle expiry (30 min after the last request) and absolute expiry (12 h). */
  idleExpiresAt?: string;
  absoluteExpiresAt?: string;
  via: 'session' | 'token';
}

/** How one may sign in (GET /api/session/methods): always a password; the site's identity provider when configured. */
export interface SignInMethods {
  password: true;
  /** `start` is where the browser goes to sign in with the provider (append `?next=PATH`). */
  oidc: { label: string; start: string } | null;
}

// ---- studies and patients ------------------------------------------------------------------------------------------

export interface StudySummary {
  studyId: string;
  patients: number;
  /** Patients per patient state (the state of their most urgent timepoint). */
  byState: Partial<Record<TimepointState, number>>;
  /** Patients with a timepoint in an ACTION_STATES state. */
  needingAction: number;
}

export interface StudiesResponse {
  studies: StudySummary[];
}

export interface CohortCell {
  timepoint: string;
  state: TimepointState;
  /** The timeline's own status (TimepointStatus in contracts/timeline.ts). */
  status: string;
  dueAt: string;
  windowEndsAt: string;
  /** Short reason shown in the cell: the attention message, the QC reasons, the note. */
  detail?: string;
}

export interface CohortPatient {
  pseudonym: string;
  stage: string;
  /** The most urgent of its timepoints' states (order of TIMEPOINT_STATES). */
  state: TimepointState;
  needsAction: boolean;
  cells: CohortCell[];
  latestPrediction: { probability: number; model: string } | null;
  withdrawn: boolean;
  pathologyRecorded: boolean;
  /** A digest of the patient's published view: changes whenever anything about the patient changes. */
  version: string;
}

export interface CohortResponse {
  studyId: string;
  /** Timepoint names in protocol order (the columns). */
  timepoints: string[];
  /** Patients needing a person first, then by state order, then by pseudonym. */
  patients: CohortPatient[];
  /** ISO time the cohort was read. */
  at: string;
}

export interface QcFindingView {
  code: string;
  message: string;
}

export interface QcView {
  passed: boolean;
  reasons: string[];
  findings: QcFindingView[];
  override?: { reason: string; who: string };
}

export interface FeatureSetView {
  modality: string;
  paramHash: string;
  engineVersion: string;
  extractedAt: string;
  featureCount: number;
  /** Feature name → value. */
  features: Record<string, number>;
}

export interface DeltaView {
  modality: string;
  feature: string;
  reference: 'baseline' | 'previous';
  referenceTimepoint: string;
  absolute: number;
  relative: number | null;
}

/** A contour a timepoint's latest completed run used (TimepointView.masks). */
export interface MaskView {
  /** The image modality it is for; null for the mask shared by every image on its grid. */
  for: string | null;
  kind: 'NIfTI' | 'NRRD' | 'RTSTRUCT' | 'SEG' | 'automatic';
  /** RTSTRUCT / SEG: the ROI or segment it was made from. */
  roi: string | null;
  sha256: string;
}

export interface StoredScanView {
  modality: string;
  role: 'image' | 'mask';
  sha256: string;
  /** The registered source's file name only (never a full path). */
  fileName: string;
}

export interface TimepointDetail {
  name: string;
  state: TimepointState;
  status: string;
  dueAt: string;
  windowEndsAt: string;
  runs: number;
  scans: { modality: string; registeredAt: string; fileName: string }[];
  /** Scans stored in the results store (a mosaic exists for each image with a mask). */
  stored: StoredScanView[];
  qc: QcView | null;
  attention: { code: string; message: string; at: string } | null;
  retried: { reason: string; who: string; at: string } | null;
  segmentation: {
    model: string;
    device: string;
    precision: string;
    runtime: string;
    totalMs: number;
    tumourMl: number;
    /** What became of the mask's export to the PACS (null: the study does not export masks). */
    pacsExport: string | null;
  } | null;
  features: FeatureSetView[];
  /** Named literature deltas against baseline (volume %, ΔADC, …). */
  namedDeltas: Record<string, number | null>;
  deltas: DeltaView[];
  prediction: { probability: number; model: string } | null;
  note: string | null;
  /** Modalities with a mosaic: GET …/timepoints/:timepoint/mosaic.png?modality=M. */
  mosaics: string[];
  /** The image modalities the study's protocol takes at this timepoint (what a mask may be `for`). */
  imageModalities: string[];
  /** The contours the latest completed run used, one per image or one shared (empty before a run recorded them). */
  masks: MaskView[];
}

export interface PredictionHistoryEntry {
  seq: number;
  timepoint: string;
  model: string;
  modelVersion: string;
  probability: number;
  predictedAt: string;
  mode: 'live' | 'silent';
  rescore: boolean | null;
  inSample: boolean | null;
}

export interface PatientResponse {
  studyId: string;
  pseudonym: string;
  enrolledAt: string;
  stage: string;
  state: TimepointState;
  withdrawn: { reason: string; at: string } | null;
  pathology: { necrosisPct: number; huvosGrade: 'I' | 'II' | 'III' | 'IV'; date: string } | null;
  timepoints: TimepointDetail[];
  latestPrediction: { probability: number; model: string } | null;
  /** Every prediction of the ledger for the patient, oldest first. */
  predictions: PredictionHistoryEntry[];
}

// ---- coordinator actions -------------------------------------------------------------------------------------------

/** Image files the pipeline reads and the upload routes accept. */
export const UPLOAD_EXTENSIONS = ['.nii', '.nii.gz', '.nrrd'] as const;
/** A mask may also be a DICOM RTSTRUCT or SEG (converted on the grid of the image it is `for`). */
export const MASK_UPLOAD_EXTENSIONS = [...UPLOAD_EXTENSIONS, '.dcm'] as const;
/** The mask replace form's `for` value meaning "every image on its grid" (the shared mask); also sent as no `for`. */
export const MASK_FOR_ALL = 'all';

export interface OverrideRequest {
  /** Why the failed QC verdict is overridden (required, 3–500 characters). */
  reason: string;
}

export interface RetryRequest {
  reason: string;
}

export interface PathologyRequest {
  /** 0–100. */
  necrosisPct: number;
  huvosGrade: 'I' | 'II' | 'III' | 'IV';
  /** YYYY-MM-DD. */
  date: string;
}

export interface WithdrawRequest {
  reason: string;
}

export interface ActionResponse {
  /** The audit entry recording the action. */
  auditId: number;
  /** The patient after the action, as the timeline answered it. */
  patient: PatientResponse;
  /** A sentence for the user, e.g. that a scan registered while the timepoint runs is processed after the run. */
  message?: string;
}

// ---- PACS intake review list --------------------------------------------------------------------------------------

/** A human label for each reason a series waits on the review list (codes of contracts/intake.ts). */
export const INTAKE_REASON_LABELS: Readonly<Record<IntakeReviewCode | IntakeTakeInCode, string>> = {
  'unknown-patient': 'Patient not enrolled',
  withdrawn: 'Patient withdrawn',
  'no-rule': 'No series rule matches',
  'ambiguous-modality': 'Several modalities match',
  'outside-windows': 'Study date outside every window',
  'ambiguous-timepoint': 'Study date in several windows',
  'modality-not-in-timepoint': 'Modality not taken at the timepoint',
  'already-registered': 'Timepoint already has this scan',
  'contour-without-image': 'Contour of an image not taken in',
  'no-study-date': 'No study date',
  'registration-refused': 'Timeline refused the registration',
  'deidentification-refused': 'De-identification refused the series',
  'pacs-refused': 'The PACS refused the series',
};

export interface IntakeEntryView {
  /** The PACS's own id of the series (Orthanc's), as opened in the PACS viewer. */
  pacsSeriesId: string;
  code: IntakeReviewCode | IntakeTakeInCode;
  /** INTAKE_REASON_LABELS[code]. */
  label: string;
  message: string;
  /** When intake listed it (ISO). */
  at: string;
  status: 'open' | 'assigned' | 'dismissed';
  /** Who assigned or dismissed it, when and why; null while open. */
  resolution: { who: string; at: string; note: string } | null;
}

export interface IntakeStudyView {
  studyId: string;
  /** Entries waiting for a coordinator, oldest first. */
  open: IntakeEntryView[];
  /** Assigned or dismissed entries, latest resolution first. */
  resolved: IntakeEntryView[];
  /** How many series intake took in by itself. */
  taken: number;
  /** Present while intake cannot read the PACS (its polls fail through their retries): someone should look. */
  attention: { reason: string; since: string; failedPolls: number } | null;
}

export interface IntakeResponse {
  /** Every study with an intake workflow. */
  studies: IntakeStudyView[];
}

export interface AssignSeriesRequest {
  pseudonym: string;
  timepoint: string;
  /** An image modality of the timepoint, or 'mask' for a contour (then `for` names its image). */
  modality: string;
  for?: string;
  /** Why (3–500 characters). */
  note: string;
}

export interface DismissSeriesRequest {
  /** Why the series is not taken in (3–500 characters). */
  note: string;
}

export interface IntakeActionResponse {
  auditId: number;
  /** The study's review list after the action. */
  intake: IntakeStudyView;
}

// ---- live updates --------------------------------------------------------------------------------------------------

/**
 * What GET /api/studies/:studyId/events sends, one JSON object per SSE `data:` line (the SSE `event:` field repeats
 * `type`). 'snapshot' first, then 'patients' whenever patients changed (only those), 'removed' when a patient left the
 * study's list, and 'ping' every 15 s to keep the connection open.
 */
export type ConsoleEvent =
  | { type: 'snapshot'; studyId: string; at: string; cohort: CohortResponse }
  | { type: 'patients'; studyId: string; at: string; patients: CohortPatient[] }
  | { type: 'removed'; studyId: string; at: string; pseudonyms: string[] }
  | { type: 'ping'; at: string };

// ---- models and promotions -----------------------------------------------------------------------------------------

export interface ModelVersionView {
  version: string;
  kind: string | null;
  predictAt: string | null;
  studyId: string | null;
  aliases: string[];
  /** Nested-CV AUC with DeLong's 95 % CI. */
  auc: number | null;
  aucCi: [number, number] | null;
  /** Run metrics as logged (brier, calibration, …). */
  metrics: Record<string, number>;
  createdAt: string | null;
  /** The latest decision tag: gate-passed, promoted, rolled-back, … */
  lastDecision: string | null;
  /** Who trained it, when known (the training's requester). */
  trainedBy: string | null;
}

export interface ModelSummaryView {
  name: string;
  aliases: { alias: string; version: string }[];
  versions: number;
  champion: string | null;
  challenger: string | null;
}

export interface ModelsResponse {
  models: ModelSummaryView[];
}

export interface ModelDetail {
  name: string;
  aliases: { alias: string; version: string }[];
  versions: ModelVersionView[];
}

export interface PromotionRequest {
  /** The study whose locked hold-out the gate evaluates on (its timelines' protocol is used). */
  studyId: string;
  /** A version number or alias (default 'challenger'). */
  challenger?: string;
  /** Why the promotion is requested. */
  reason: string;
}

export interface DecisionRequest {
  reason: string;
}

export type PromotionPhaseView =
  'evaluating' | 'gate-failed' | 'awaiting-approval' | 'rejected' | 'approval-timed-out' | 'promoting' | 'promoted' | 'rolling-back' | 'rolled-back' | 'closed';

export interface PromotionResponse {
  modelName: string;
  /** 'none' when no promotion of the model was ever started. */
  phase: PromotionPhaseView | 'none';
  open: boolean;
  challenger: { version: string; kind: string } | null;
  previousChampion: { version: string; kind: string } | null;
  /** Who requested it (from the audit trail), when requested through the console. */
  requestedBy: string | null;
  gate: {
    passed: boolean;
    verdict: string;
    checks: { name: string; passed: boolean; detail: string }[];
    challengerAuc: number | null;
    challengerAucCi: [number, number] | null;
  } | null;
  decisions: { action: string; version: string; by: string; reason: string; at: string }[];
  auditId?: number;
}

// ---- audit ---------------------------------------------------------------------------------------------------------

export const AUDIT_OUTCOMES = ['ok', 'refused', 'failed'] as const;
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];

export interface AuditEntry {
  id: number;
  /** ISO time. */
  at: string;
  /** User name (or 'anonymous' for a failed sign-in of an unknown name, which is not echoed). */
  actor: string;
  /** e.g. session.login, scan.register, mask.replace, qc.override, timepoint.retry, pathology.record, patient.withdraw, promotion.request, promotion.approve, user.create, token.create. */
  action: string;
  /** What it acted on: `<study>/<pseudonym>/<timepoint>`, `model:<name>@<version>`, `user:<name>`, `token:<id>`. */
  target: string;
  reason: string | null;
  outcome: AuditOutcome;
  /** Extra facts (modality, file sha256, the refusal's message); never patient identity. */
  detail: Record<string, unknown> | null;
}

export interface AuditResponse {
  entries: AuditEntry[];
  /** Pass as `before` for the next (older) page; null at the end. */
  nextBefore: number | null;
}

// ---- users and tokens ----------------------------------------------------------------------------------------------

export interface UserInfo {
  username: string;
  roles: Role[];
  disabled: boolean;
  createdAt: string;
}

export interface UsersResponse {
  users: UserInfo[];
}

export interface CreateUserRequest {
  /** 2–64 characters: letters, digits, '.', '_', '-'. */
  username: string;
  /** At least 12 characters. */
  password: string;
  roles: Role[];
}

export interface UpdateUserRequest {
  roles?: Role[];
  disabled?: boolean;
  password?: string;
}

export interface TokenInfo {
  id: string;
  username: string;
  name: string;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export interface TokensResponse {
  tokens: TokenInfo[];
}

export interface CreateTokenRequest {
  /** A label, e.g. 'laptop CLI'. */
  name: string;
  /** 1–365; absent: no expiry. */
  expiresInDays?: number;
}

export interface CreatedToken extends TokenInfo {
  /** The secret, shown this once: `Authorization: Bearer <token>`. */
  token: string;
}
