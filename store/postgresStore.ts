// The server results store: PostgreSQL through a pg connection pool, for a site whose workers run on several machines
// (SQLite's WAL needs one host and a local disk). Same contract and semantics as the SQLite store: each replace runs
// in one transaction, writes that replace the same rows are serialised by transaction-scoped advisory locks on their
// key (so concurrent writers neither lose nor double a set, nor fail on the primary key), and ledger appends are
// serialised per study, so every study's hash chain stays a chain however many processes append. The schema is
// migrated lazily under a session advisory lock: the constructor cannot wait, so every method waits for `ready`.
import type { Pool, PoolClient } from 'pg';
import type { StoreConnection } from '../config';
import { firstBreak, ledgerEntryHash, LEDGER_GENESIS } from './ledger';
import { POSTGRES_MIGRATIONS } from './postgresMigrations';
import { inTransaction, migratedPool, whenReady, type PostgresMigration } from './postgresSchema';

export { POOL_MAX, poolConfig } from './postgresSchema';
import {
  featureSetOf,
  checkClinicalValue,
  checkPathologyAgain,
  checkPrediction,
  checkStatedInput,
  entryOf,
  imageTypeOf,
  ledgerContent,
  type LedgerRow,
  mixedDeltaHashes,
  notEnrolled,
  type PendingPrediction,
} from './shared';
import type {
  ClinicalValue,
  DeltaRow,
  FeatureSet,
  LedgerAppend,
  LedgerEntry,
  LedgerVerification,
  PathologyRecord,
  PatientKey,
  PatientRecord,
  PredictionRecord,
  ProspectivePrediction,
  QcRecord,
  ResultsStore,
  StoredScan,
  TimepointKey,
} from './types';

/** The session advisory lock held while migrating (one bigint key: 'osteflo' in ASCII, 0x6f737465666c6f). */
const MIGRATION_LOCK = '31370666169494639';
/** Classes of the transaction advisory locks (two-int form: class, hashtext(key)). */
const LOCK = { ledger: 1, featureSet: 2, deltas: 3 } as const;
const APPEND_ONLY_TRIGGERS = ['prediction_ledger_no_update', 'prediction_ledger_no_delete', 'prediction_ledger_no_truncate'];

export interface PostgresStoreOptions {
  /** Pool size (POOL_MAX unless given). */
  max?: number;
  migrations?: readonly PostgresMigration[];
}

export class PostgresResultsStore implements ResultsStore {
  private readonly pool: Pool;
  /** Settles once the schema is current; rejects (for every method) when the server cannot be reached or is newer. */
  readonly ready: Promise<void>;

  constructor(
    readonly connection: StoreConnection,
    options: PostgresStoreOptions = {},
  ) {
    const { pool, ready } = migratedPool(connection, {
      max: options.max,
      label: `results store ${connection.redacted}`,
      lock: MIGRATION_LOCK,
      table: 'schema_migrations',
      migrations: options.migrations ?? POSTGRES_MIGRATIONS,
    });
    this.pool = pool;
    this.ready = ready;
  }

  /** Opens the store and waits until its schema is current. */
  static async open(connection: StoreConnection, options: PostgresStoreOptions = {}): Promise<PostgresResultsStore> {
    const store = new PostgresResultsStore(connection, options);
    await whenReady(store.pool, store.ready);
    return store;
  }

  async schemaVersion(): Promise<number> {
    return (await this.query<{ v: number | null }>('SELECT MAX(version) AS v FROM schema_migrations')).rows[0].v ?? 0;
  }

  private async query<R extends object>(text: string, values: unknown[] = []) {
    await this.ready;
    return this.pool.query<R>(text, values);
  }

  /** Runs `fn` in one transaction on one pooled connection: committed when it returns, rolled back when it throws. */
  private async tx<T>(fn: (c: PoolClient) => Promise<T>): Promise<T> {
    await this.ready;
    return inTransaction(this.pool, fn);
  }

  /** Serialises the transactions that write the rows of one key until commit. */
  private lock(c: PoolClient, kind: keyof typeof LOCK, key: readonly string[]) {
    return c.query('SELECT pg_advisory_xact_lock($1::int, hashtext($2))', [LOCK[kind], JSON.stringify(key)]);
  }

  async upsertPatient(p: PatientRecord): Promise<void> {
    await this.tx(async (c) => {
      // The upsert locks the patient's row until commit, so a concurrent enrolment of the same patient waits here.
      await c.query(
        `INSERT INTO patients (study_id, pseudonym, enrolled_at, clinical) VALUES ($1, $2, $3, $4)
         ON CONFLICT (study_id, pseudonym) DO UPDATE SET clinical = excluded.clinical`,
        [p.studyId, p.pseudonym, p.enrolledAt, JSON.stringify(p.clinical)],
      );
      // The enrolment values are known from enrolment on; a repeated enrolment replaces them.
      await c.query(`DELETE FROM clinical_values WHERE study_id = $1 AND pseudonym = $2 AND timepoint = ''`, [p.studyId, p.pseudonym]);
      for (const [variable, value] of Object.entries(p.clinical)) await this.insertClinical(c, p, { variable, value, timepoint: null, knownAt: p.enrolledAt });
    });
  }

  private async insertClinical(c: PoolClient | Pool, key: PatientKey, v: ClinicalValue): Promise<void> {
    await c.query(
      `INSERT INTO clinical_values (study_id, pseudonym, variable, timepoint, value_number, value_text, known_at, recorded_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (study_id, pseudonym, variable, timepoint) DO UPDATE SET
         value_number = excluded.value_number, value_text = excluded.value_text, known_at = excluded.known_at, recorded_at = excluded.recorded_at`,
      [
        key.studyId,
        key.pseudonym,
        v.variable,
        v.timepoint ?? '',
        typeof v.value === 'number' ? v.value : null,
        typeof v.value === 'number' ? null : v.value,
        v.knownAt,
        new Date().toISOString(),
      ],
    );
  }

  async recordClinical(key: PatientKey, v: ClinicalValue): Promise<void> {
    checkClinicalValue(v);
    await this.tx(async (c) => {
      // The patient's row is locked while the value is written: an enrolment cannot replace it half-way.
      const enrolled = await c.query('SELECT 1 FROM patients WHERE study_id = $1 AND pseudonym = $2 FOR SHARE', [key.studyId, key.pseudonym]);
      if (enrolled.rowCount === 0) throw notEnrolled(key, v);
      await this.insertClinical(c, key, v);
    });
  }

  async getClinical(key: PatientKey): Promise<ClinicalValue[]> {
    const { rows } = await this.query<{ variable: string; timepoint: string; value_number: number | null; value_text: string | null; known_at: string }>(
      `SELECT * FROM clinical_values WHERE study_id = $1 AND pseudonym = $2 ORDER BY timepoint <> '', known_at, variable`,
      [key.studyId, key.pseudonym],
    );
    return rows.map((r) => ({
      variable: r.variable,
      value: r.value_number ?? (r.value_text as string),
      timepoint: r.timepoint === '' ? null : r.timepoint,
      knownAt: r.known_at,
    }));
  }

  async getPatient(key: PatientKey): Promise<PatientRecord | undefined> {
    const { rows } = await this.query<{ enrolled_at: string; clinical: string }>('SELECT * FROM patients WHERE study_id = $1 AND pseudonym = $2', [
      key.studyId,
      key.pseudonym,
    ]);
    const row = rows[0];
    return row && { studyId: key.studyId, pseudonym: key.pseudonym, enrolledAt: row.enrolled_at, clinical: JSON.parse(row.clinical) };
  }

  async listPatients(studyId: string): Promise<PatientRecord[]> {
    const { rows } = await this.query<{ pseudonym: string; enrolled_at: string; clinical: string }>(
      'SELECT * FROM patients WHERE study_id = $1 ORDER BY pseudonym',
      [studyId],
    );
    return rows.map((r) => ({ studyId, pseudonym: r.pseudonym, enrolledAt: r.enrolled_at, clinical: JSON.parse(r.clinical) }));
  }

  async recordScan(s: StoredScan): Promise<void> {
    await this.query(
      `INSERT INTO scans (study_id, pseudonym, timepoint, modality, role, sha256, path, source, recorded_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING`,
      [s.studyId, s.pseudonym, s.timepoint, s.modality, s.role, s.sha256, s.path, s.source, new Date().toISOString()],
    );
  }

  async listScans(key: TimepointKey): Promise<StoredScan[]> {
    const { rows } = await this.query<Record<string, string>>(
      'SELECT * FROM scans WHERE study_id = $1 AND pseudonym = $2 AND timepoint = $3 ORDER BY recorded_at, modality',
      [key.studyId, key.pseudonym, key.timepoint],
    );
    return rows.map((r) => ({ ...key, modality: r.modality, role: r.role as 'image' | 'mask', sha256: r.sha256, path: r.path, source: r.source }));
  }

  async recordQc(qc: QcRecord): Promise<void> {
    await this.query(
      `INSERT INTO qc_results (study_id, pseudonym, timepoint, passed, reasons, findings, overridden_by, override_reason, checked_at, attempt)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
       ON CONFLICT (study_id, pseudonym, timepoint, attempt) WHERE attempt IS NOT NULL DO UPDATE SET
         passed = excluded.passed, reasons = excluded.reasons, findings = excluded.findings, overridden_by = excluded.overridden_by,
         override_reason = excluded.override_reason, checked_at = excluded.checked_at`,
      [
        qc.studyId,
        qc.pseudonym,
        qc.timepoint,
        qc.passed,
        JSON.stringify(qc.reasons),
        qc.findings ? JSON.stringify(qc.findings) : null,
        qc.overriddenBy ?? null,
        qc.overrideReason ?? null,
        qc.checkedAt,
        qc.attempt ?? null,
      ],
    );
  }

  async latestQc(key: TimepointKey): Promise<QcRecord | undefined> {
    const { rows } = await this.query<{
      passed: boolean;
      reasons: string;
      findings: string | null;
      attempt: string | null;
      overridden_by: string | null;
      override_reason: string | null;
      checked_at: string;
    }>('SELECT * FROM qc_results WHERE study_id = $1 AND pseudonym = $2 AND timepoint = $3 ORDER BY id DESC LIMIT 1', [
      key.studyId,
      key.pseudonym,
      key.timepoint,
    ]);
    const row = rows[0];
    if (!row) return undefined;
    return {
      ...key,
      passed: row.passed,
      reasons: JSON.parse(row.reasons),
      ...(row.findings ? { findings: JSON.parse(row.findings) } : {}),
      ...(row.attempt ? { attempt: row.attempt } : {}),
      overriddenBy: row.overridden_by ?? undefined,
      overrideReason: row.override_reason ?? undefined,
      checkedAt: row.checked_at,
    };
  }

  async putFeatureSet(set: FeatureSet): Promise<{ featureCount: number }> {
    const key = [set.studyId, set.pseudonym, set.timepoint, set.modality, set.paramHash] as const;
    const entries = Object.entries(set.features);
    await this.tx(async (c) => {
      await this.lock(c, 'featureSet', key);
      // Deleting the set cascades to its values; the insert below then writes exactly one copy.
      await c.query('DELETE FROM feature_sets WHERE study_id = $1 AND pseudonym = $2 AND timepoint = $3 AND modality = $4 AND param_hash = $5', [...key]);
      await c.query(
        `INSERT INTO feature_sets (study_id, pseudonym, timepoint, modality, param_hash, engine_version, image_hash, mask_hash, extracted_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [...key, set.engineVersion, set.imageHash, set.maskHash, set.extractedAt],
      );
      // One statement for all values (a set holds up to a few thousand); NaN is a double precision value here.
      await c.query(
        `INSERT INTO feature_values (study_id, pseudonym, timepoint, modality, param_hash, image_type, feature, value)
         SELECT $1, $2, $3, $4, $5, v.image_type, v.feature, v.value FROM unnest($6::text[], $7::text[], $8::float8[]) AS v (image_type, feature, value)`,
        [...key, entries.map(([f]) => imageTypeOf(f)), entries.map(([f]) => f), entries.map(([, v]) => v)],
      );
    });
    return { featureCount: entries.length };
  }

  async getFeatureSets(key: TimepointKey, paramHash?: string): Promise<FeatureSet[]> {
    const k = [key.studyId, key.pseudonym, key.timepoint, ...(paramHash ? [paramHash] : [])];
    const where = `study_id = $1 AND pseudonym = $2 AND timepoint = $3 ${paramHash ? 'AND param_hash = $4' : ''}`;
    // Both reads in one snapshot, so a set replaced meanwhile is read whole, old or new.
    return this.tx(async (c) => {
      await c.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
      const sets = (await c.query<Record<string, string>>(`SELECT * FROM feature_sets WHERE ${where} ORDER BY modality, param_hash`, k)).rows;
      const values = (
        await c.query<{ modality: string; param_hash: string; feature: string; value: number | null }>(
          `SELECT modality, param_hash, feature, value FROM feature_values WHERE ${where} ORDER BY feature`,
          k,
        )
      ).rows;
      return sets.map((s) =>
        featureSetOf(
          key,
          s,
          values.filter((v) => v.modality === s.modality && v.param_hash === s.param_hash),
        ),
      );
    });
  }

  async countFeatureRows(key: TimepointKey): Promise<number> {
    const { rows } = await this.query<{ n: string }>('SELECT COUNT(*) AS n FROM feature_values WHERE study_id = $1 AND pseudonym = $2 AND timepoint = $3', [
      key.studyId,
      key.pseudonym,
      key.timepoint,
    ]);
    return Number(rows[0].n);
  }

  async putDeltas(key: TimepointKey, paramHash: string, rows: DeltaRow[]): Promise<void> {
    const k = [key.studyId, key.pseudonym, key.timepoint, paramHash] as const;
    await this.tx(async (c) => {
      await this.lock(c, 'deltas', k);
      await c.query('DELETE FROM delta_features WHERE study_id = $1 AND pseudonym = $2 AND timepoint = $3 AND param_hash = $4', [...k]);
      // As in SQLite, an undefined change is stored as NULL (absolute read back as NaN, relative as null).
      const nanToNull = (v: number | null) => (v === null || Number.isNaN(v) ? null : v);
      await c.query(
        `INSERT INTO delta_features (study_id, pseudonym, timepoint, param_hash, modality, feature, reference, reference_timepoint, absolute, relative)
         SELECT $1, $2, $3, $4, d.modality, d.feature, d.reference, d.reference_timepoint, d.absolute, d.relative
         FROM unnest($5::text[], $6::text[], $7::text[], $8::text[], $9::float8[], $10::float8[])
           AS d (modality, feature, reference, reference_timepoint, absolute, relative)`,
        [
          ...k,
          rows.map((r) => r.modality),
          rows.map((r) => r.feature),
          rows.map((r) => r.reference),
          rows.map((r) => r.referenceTimepoint),
          rows.map((r) => nanToNull(r.absolute)),
          rows.map((r) => nanToNull(r.relative)),
        ],
      );
    });
  }

  async getDeltas(key: TimepointKey, paramHash?: string): Promise<DeltaRow[]> {
    const k = [key.studyId, key.pseudonym, key.timepoint];
    let hash = paramHash;
    if (hash === undefined) {
      const hashes = (
        await this.query<{ param_hash: string }>(
          'SELECT DISTINCT param_hash FROM delta_features WHERE study_id = $1 AND pseudonym = $2 AND timepoint = $3 ORDER BY param_hash',
          k,
        )
      ).rows.map((r) => r.param_hash);
      if (hashes.length > 1) throw mixedDeltaHashes(key, hashes);
      hash = hashes[0] ?? '';
    }
    const { rows } = await this.query<{
      modality: string;
      feature: string;
      reference: DeltaRow['reference'];
      reference_timepoint: string;
      absolute: number | null;
      relative: number | null;
    }>('SELECT * FROM delta_features WHERE study_id = $1 AND pseudonym = $2 AND timepoint = $3 AND param_hash = $4 ORDER BY reference, modality, feature', [
      ...k,
      hash,
    ]);
    return rows.map((r) => ({
      modality: r.modality,
      feature: r.feature,
      reference: r.reference,
      referenceTimepoint: r.reference_timepoint,
      absolute: r.absolute ?? Number.NaN,
      relative: r.relative,
    }));
  }

  async recordPathology(p: PathologyRecord): Promise<void> {
    const inserted = await this.query(
      `INSERT INTO pathology (study_id, pseudonym, necrosis_pct, huvos_grade, date, recorded_at) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (study_id, pseudonym) DO NOTHING`,
      [p.studyId, p.pseudonym, p.necrosisPct, p.huvosGrade, p.date, new Date().toISOString()],
    );
    if (inserted.rowCount === 1) return;
    // Already recorded (by us before, or by a concurrent writer whose commit the insert waited for).
    const { rows } = await this.query<{ necrosis_pct: number; huvos_grade: string; date: string }>(
      'SELECT necrosis_pct, huvos_grade, date FROM pathology WHERE study_id = $1 AND pseudonym = $2',
      [p.studyId, p.pseudonym],
    );
    checkPathologyAgain(p, { necrosisPct: rows[0].necrosis_pct, huvosGrade: rows[0].huvos_grade, date: rows[0].date });
  }

  async getPathology(key: PatientKey): Promise<PathologyRecord | undefined> {
    const { rows } = await this.query<{ necrosis_pct: number; huvos_grade: PathologyRecord['huvosGrade']; date: string }>(
      'SELECT * FROM pathology WHERE study_id = $1 AND pseudonym = $2',
      [key.studyId, key.pseudonym],
    );
    const row = rows[0];
    return row && { ...key, necrosisPct: row.necrosis_pct, huvosGrade: row.huvos_grade, date: row.date };
  }

  async appendPrediction(p: LedgerAppend): Promise<LedgerEntry> {
    checkStatedInput(p);
    return this.append(p);
  }

  async recordPrediction(p: PredictionRecord): Promise<LedgerEntry> {
    return this.append({ ...p, featuresSha256: null, inSample: null });
  }

  private async append(p: PendingPrediction): Promise<LedgerEntry> {
    const mode = checkPrediction(p);
    return this.tx(async (c) => {
      // One appender per study at a time, until commit: the next one reads this entry as the study's last.
      await this.lock(c, 'ledger', [p.studyId]);
      if (p.attempt) {
        const again = await c.query<LedgerRow>('SELECT * FROM prediction_ledger WHERE attempt = $1', [p.attempt]);
        if (again.rows[0]) return entryOf(again.rows[0]); // a retried activity: its prediction is already on the ledger
      }
      const earlier = await c.query('SELECT 1 FROM prediction_ledger WHERE study_id = $1 AND pseudonym = $2 AND timepoint = $3 AND mode = $4 LIMIT 1', [
        p.studyId,
        p.pseudonym,
        p.timepoint,
        mode,
      ]);
      const last = await c.query<{ entry_hash: string }>('SELECT entry_hash FROM prediction_ledger WHERE study_id = $1 ORDER BY seq DESC LIMIT 1', [p.studyId]);
      const content = ledgerContent(p, mode, (earlier.rowCount ?? 0) > 0);
      const prevHash = last.rows[0]?.entry_hash ?? LEDGER_GENESIS;
      const entryHash = ledgerEntryHash(prevHash, content);
      const { rows } = await c.query<{ seq: string }>(
        `INSERT INTO prediction_ledger (study_id, pseudonym, timepoint, model, model_version, probability, features_sha256, predicted_at,
           in_sample, rescore, mode, attempt, prev_hash, entry_hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING seq`,
        [
          content.studyId,
          content.pseudonym,
          content.timepoint,
          content.model,
          content.modelVersion,
          content.probability,
          content.featuresSha256,
          content.predictedAt,
          content.inSample,
          content.rescore,
          content.mode,
          content.attempt,
          prevHash,
          entryHash,
        ],
      );
      return { ...content, seq: Number(rows[0].seq), prevHash, entryHash };
    });
  }

  async listPredictions(key: PatientKey): Promise<PredictionRecord[]> {
    const { rows } = await this.query<{ timepoint: string; model: string; model_version: string; probability: number; predicted_at: string }>(
      'SELECT * FROM predictions WHERE study_id = $1 AND pseudonym = $2 ORDER BY predicted_at, seq',
      [key.studyId, key.pseudonym],
    );
    return rows.map((r) => ({
      ...key,
      timepoint: r.timepoint,
      model: r.model,
      modelVersion: r.model_version,
      probability: r.probability,
      predictedAt: r.predicted_at,
    }));
  }

  async ledgerEntries(filter: { studyId?: string; pseudonym?: string } = {}): Promise<LedgerEntry[]> {
    const where: string[] = [];
    const args: string[] = [];
    if (filter.studyId !== undefined) {
      args.push(filter.studyId);
      where.push(`study_id = $${args.length}`);
    }
    if (filter.pseudonym !== undefined) {
      args.push(filter.pseudonym);
      where.push(`pseudonym = $${args.length}`);
    }
    const { rows } = await this.query<LedgerRow>(`SELECT * FROM prediction_ledger ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq`, args);
    return rows.map(entryOf);
  }

  async verifyLedger(studyId?: string): Promise<LedgerVerification> {
    const entries = await this.ledgerEntries(studyId === undefined ? {} : { studyId });
    // In place and enabled: a trigger switched off with ALTER TABLE … DISABLE TRIGGER guards nothing.
    const { rows } = await this.query<{ tgname: string }>(
      `SELECT tgname FROM pg_trigger WHERE tgrelid = 'prediction_ledger'::regclass AND tgenabled <> 'D' AND NOT tgisinternal`,
    );
    const enabled = new Set(rows.map((r) => r.tgname));
    return {
      checked: entries.length,
      studies: [...new Set(entries.map((e) => e.studyId))].sort(),
      broken: firstBreak(entries),
      appendOnly: APPEND_ONLY_TRIGGERS.every((t) => enabled.has(t)),
    };
  }

  async prospectivePredictions(studyId: string): Promise<ProspectivePrediction[]> {
    // Per model version and patient, the last entry made before the pathology was recorded (the prediction standing
    // when the truth arrived), by a model not trained on the patient, with its input recorded.
    const { rows } = await this.query<LedgerRow & { necrosis_pct: number; pathology_recorded_at: string }>(
      `SELECT l.*, p.necrosis_pct, p.recorded_at AS pathology_recorded_at FROM prediction_ledger l
       JOIN pathology p ON p.study_id = l.study_id AND p.pseudonym = l.pseudonym
       WHERE l.study_id = $1 AND l.in_sample = false AND l.features_sha256 IS NOT NULL AND l.predicted_at < p.recorded_at
         AND l.seq = (SELECT MAX(m.seq) FROM prediction_ledger m WHERE m.study_id = l.study_id AND m.pseudonym = l.pseudonym
           AND m.model = l.model AND m.model_version = l.model_version AND m.in_sample = false AND m.features_sha256 IS NOT NULL
           AND m.predicted_at < p.recorded_at)
       ORDER BY l.model, l.model_version, l.pseudonym`,
      [studyId],
    );
    return rows.map((r) => ({ entry: entryOf(r), necrosisPct: r.necrosis_pct, pathologyRecordedAt: r.pathology_recorded_at }));
  }

  async close(): Promise<void> {
    await this.ready.catch(() => undefined); // a migration still running finishes (and unlocks) before the pool ends
    await this.pool.end();
  }
}
