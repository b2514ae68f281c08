// The embedded results store: one SQLite file (better-sqlite3, WAL), migrated on open. Every write that replaces a
// set of rows runs in one transaction, so a crash or a retry never leaves a partial or doubled set.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { firstBreak, ledgerEntryHash, LEDGER_GENESIS } from './ledger';
import { MIGRATIONS, type Migration } from './migrations';
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
import {
  type ClinicalValue,
  type DeltaRow,
  type LedgerAppend,
  type LedgerEntry,
  type LedgerVerification,
  type FeatureSet,
  type PathologyRecord,
  type PatientKey,
  type PatientRecord,
  type PredictionRecord,
  type ProspectivePrediction,
  type QcRecord,
  type ResultsStore,
  type StoredScan,
  type TimepointKey,
} from './types';

/**
 * Runs `step` again while SQLite answers SQLITE_BUSY. Switching a new file to WAL needs an exclusive lock, and when
 * another connection is doing the same SQLite returns BUSY at once instead of calling the busy handler, so the
 * busy_timeout alone does not cover processes that open a new file at the same moment.
 */
function retryWhileBusy<T>(step: () => T, timeoutMs: number): T {
  const deadline = Date.now() + timeoutMs;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    try {
      return step();
    } catch (err) {
      if ((err as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() > deadline) throw err;
      Atomics.wait(pause, 0, 0, 5 + Math.random() * 20); // a short synchronous pause: the constructor cannot await
    }
  }
}

export class SqliteResultsStore implements ResultsStore {
  private readonly db: Database.Database;

  constructor(
    readonly file: string,
    migrations: readonly Migration[] = MIGRATIONS,
  ) {
    if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true });
    this.db = new Database(file);
    // Several worker processes may open and write at once; wait for the lock instead of failing (set first, so that
    // switching a new file to WAL waits too).
    this.db.pragma('busy_timeout = 10000');
    retryWhileBusy(() => this.db.pragma('journal_mode = WAL'), 10000);
    this.db.pragma('foreign_keys = ON');
    this.migrate(migrations);
  }

  /**
   * Applies the pending migrations. The applied set is read inside the same write transaction that applies the rest,
   * so processes opening a new file at once apply each migration exactly once (the others wait, then find it done).
   */
  private migrate(migrations: readonly Migration[]): void {
    this.db.transaction(() => this.applyPending(migrations)).immediate();
  }

  private applyPending(migrations: readonly Migration[]): void {
    this.db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
    const applied = new Set((this.db.prepare('SELECT version FROM schema_migrations').all() as Array<{ version: number }>).map((r) => r.version));
    const newest = Math.max(0, ...applied);
    const known = Math.max(0, ...migrations.map((m) => m.version));
    if (newest > known) {
      throw new Error(
        `results store ${this.file}: schema version ${newest} is newer than this osteoflow knows (${known}); upgrade osteoflow instead of writing with an older one`,
      );
    }
    for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
      if (applied.has(migration.version)) continue;
      this.db.exec(migration.sql);
      migration.run?.(this.db);
      this.db
        .prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)')
        .run(migration.version, migration.name, new Date().toISOString());
    }
  }

  schemaVersion(): number {
    return (this.db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number | null }).v ?? 0;
  }

  async upsertPatient(p: PatientRecord): Promise<void> {
    this.db
      .transaction(() => {
        this.db
          .prepare(
            `INSERT INTO patients (study_id, pseudonym, enrolled_at, clinical) VALUES (?, ?, ?, ?)
             ON CONFLICT (study_id, pseudonym) DO UPDATE SET clinical = excluded.clinical`,
          )
          .run(p.studyId, p.pseudonym, p.enrolledAt, JSON.stringify(p.clinical));
        // The enrolment values are known from enrolment on; a repeated enrolment replaces them.
        this.db.prepare(`DELETE FROM clinical_values WHERE study_id = ? AND pseudonym = ? AND timepoint = ''`).run(p.studyId, p.pseudonym);
        for (const [variable, value] of Object.entries(p.clinical)) this.insertClinical(p, { variable, value, timepoint: null, knownAt: p.enrolledAt });
      })
      .immediate();
  }

  private insertClinical(key: PatientKey, v: ClinicalValue): void {
    this.db
      .prepare(
        `INSERT INTO clinical_values (study_id, pseudonym, variable, timepoint, value_number, value_text, known_at, recorded_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (study_id, pseudonym, variable, timepoint) DO UPDATE SET
           value_number = excluded.value_number, value_text = excluded.value_text, known_at = excluded.known_at, recorded_at = excluded.recorded_at`,
      )
      .run(
        key.studyId,
        key.pseudonym,
        v.variable,
        v.timepoint ?? '',
        typeof v.value === 'number' ? v.value : null,
        typeof v.value === 'number' ? null : v.value,
        v.knownAt,
        new Date().toISOString(),
      );
  }

  async recordClinical(key: PatientKey, v: ClinicalValue): Promise<void> {
    checkClinicalValue(v);
    if (!this.db.prepare('SELECT 1 FROM patients WHERE study_id = ? AND pseudonym = ?').get(key.studyId, key.pseudonym)) throw notEnrolled(key, v);
    this.insertClinical(key, v);
  }

  async getClinical(key: PatientKey): Promise<ClinicalValue[]> {
    const rows = this.db
      .prepare(`SELECT * FROM clinical_values WHERE study_id = ? AND pseudonym = ? ORDER BY timepoint <> '', known_at, variable`)
      .all(key.studyId, key.pseudonym) as Array<{
      variable: string;
      timepoint: string;
      value_number: number | null;
      value_text: string | null;
      known_at: string;
    }>;
    return rows.map((r) => ({
      variable: r.variable,
      value: r.value_number ?? (r.value_text as string),
      timepoint: r.timepoint === '' ? null : r.timepoint,
      knownAt: r.known_at,
    }));
  }

  async getPatient(key: PatientKey): Promise<PatientRecord | undefined> {
    const row = this.db.prepare('SELECT * FROM patients WHERE study_id = ? AND pseudonym = ?').get(key.studyId, key.pseudonym) as
      { study_id: string; pseudonym: string; enrolled_at: string; clinical: string } | undefined;
    return row && { studyId: row.study_id, pseudonym: row.pseudonym, enrolledAt: row.enrolled_at, clinical: JSON.parse(row.clinical) };
  }

  async listPatients(studyId: string): Promise<PatientRecord[]> {
    const rows = this.db.prepare('SELECT pseudonym FROM patients WHERE study_id = ? ORDER BY pseudonym').all(studyId) as Array<{ pseudonym: string }>;
    return Promise.all(rows.map((r) => this.getPatient({ studyId, pseudonym: r.pseudonym }) as Promise<PatientRecord>));
  }

  async recordScan(s: StoredScan): Promise<void> {
    this.db
      .prepare(
        `INSERT INTO scans (study_id, pseudonym, timepoint, modality, role, sha256, path, source, recorded_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
      )
      .run(s.studyId, s.pseudonym, s.timepoint, s.modality, s.role, s.sha256, s.path, s.source, new Date().toISOString());
  }

  async listScans(key: TimepointKey): Promise<StoredScan[]> {
    const rows = this.db
      .prepare('SELECT * FROM scans WHERE study_id = ? AND pseudonym = ? AND timepoint = ? ORDER BY recorded_at, modality')
      .all(key.studyId, key.pseudonym, key.timepoint) as Array<Record<string, string>>;
    return rows.map((r) => ({ ...key, modality: r.modality, role: r.role as 'image' | 'mask', sha256: r.sha256, path: r.path, source: r.source }));
  }

  async recordQc(qc: QcRecord): Promise<void> {
    this.db
      .prepare(
        `INSERT INTO qc_results (study_id, pseudonym, timepoint, passed, reasons, findings, overridden_by, override_reason, checked_at, attempt)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (study_id, pseudonym, timepoint, attempt) WHERE attempt IS NOT NULL DO UPDATE SET
           passed = excluded.passed, reasons = excluded.reasons, findings = excluded.findings, overridden_by = excluded.overridden_by,
           override_reason = excluded.override_reason, checked_at = excluded.checked_at`,
      )
      .run(
        qc.studyId,
        qc.pseudonym,
        qc.timepoint,
        qc.passed ? 1 : 0,
        JSON.stringify(qc.reasons),
        qc.findings ? JSON.stringify(qc.findings) : null,
        qc.overriddenBy ?? null,
        qc.overrideReason ?? null,
        qc.checkedAt,
        qc.attempt ?? null,
      );
  }

  async latestQc(key: TimepointKey): Promise<QcRecord | undefined> {
    const row = this.db
      .prepare('SELECT * FROM qc_results WHERE study_id = ? AND pseudonym = ? AND timepoint = ? ORDER BY id DESC LIMIT 1')
      .get(key.studyId, key.pseudonym, key.timepoint) as Record<string, string | number | null> | undefined;
    if (!row) return undefined;
    return {
      ...key,
      passed: row.passed === 1,
      reasons: JSON.parse(String(row.reasons)),
      ...(row.findings ? { findings: JSON.parse(String(row.findings)) } : {}),
      ...(row.attempt ? { attempt: String(row.attempt) } : {}),
      overriddenBy: (row.overridden_by as string | null) ?? undefined,
      overrideReason: (row.override_reason as string | null) ?? undefined,
      checkedAt: String(row.checked_at),
    };
  }

  async putFeatureSet(set: FeatureSet): Promise<{ featureCount: number }> {
    const key = [set.studyId, set.pseudonym, set.timepoint, set.modality, set.paramHash] as const;
    const entries = Object.entries(set.features);
    this.db
      .transaction(() => {
        // Deleting the set cascades to its values; the insert below then writes exactly one copy.
        this.db.prepare('DELETE FROM feature_sets WHERE study_id = ? AND pseudonym = ? AND timepoint = ? AND modality = ? AND param_hash = ?').run(...key);
        this.db
          .prepare(
            `INSERT INTO feature_sets (study_id, pseudonym, timepoint, modality, param_hash, engine_version, image_hash, mask_hash, extracted_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(...key, set.engineVersion, set.imageHash, set.maskHash, set.extractedAt);
        const insert = this.db.prepare(
          'INSERT INTO feature_values (study_id, pseudonym, timepoint, modality, param_hash, image_type, feature, value) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
        );
        // SQLite has no NaN: a NaN feature (PyRadiomics' result for some degenerate ROIs) is stored as NULL and read back as NaN.
        for (const [feature, value] of entries) insert.run(...key, imageTypeOf(feature), feature, Number.isNaN(value) ? null : value);
      })
      .immediate();
    return { featureCount: entries.length };
  }

  async getFeatureSets(key: TimepointKey, paramHash?: string): Promise<FeatureSet[]> {
    const sets = this.db
      .prepare(
        `SELECT * FROM feature_sets WHERE study_id = ? AND pseudonym = ? AND timepoint = ? ${paramHash ? 'AND param_hash = ?' : ''} ORDER BY modality, param_hash`,
      )
      .all(key.studyId, key.pseudonym, key.timepoint, ...(paramHash ? [paramHash] : [])) as Array<Record<string, string>>;
    const values = this.db.prepare(
      'SELECT feature, value FROM feature_values WHERE study_id = ? AND pseudonym = ? AND timepoint = ? AND modality = ? AND param_hash = ? ORDER BY feature',
    );
    return sets.map((s) =>
      featureSetOf(key, s, values.all(key.studyId, key.pseudonym, key.timepoint, s.modality, s.param_hash) as Array<{ feature: string; value: number | null }>),
    );
  }

  async countFeatureRows(key: TimepointKey): Promise<number> {
    return (
      this.db
        .prepare('SELECT COUNT(*) AS n FROM feature_values WHERE study_id = ? AND pseudonym = ? AND timepoint = ?')
        .get(key.studyId, key.pseudonym, key.timepoint) as {
        n: number;
      }
    ).n;
  }

  async putDeltas(key: TimepointKey, paramHash: string, rows: DeltaRow[]): Promise<void> {
    const k = [key.studyId, key.pseudonym, key.timepoint] as const;
    this.db
      .transaction(() => {
        this.db.prepare('DELETE FROM delta_features WHERE study_id = ? AND pseudonym = ? AND timepoint = ? AND param_hash = ?').run(...k, paramHash);
        const insert = this.db.prepare(
          `INSERT INTO delta_features (study_id, pseudonym, timepoint, param_hash, modality, feature, reference, reference_timepoint, absolute, relative)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        );
        for (const r of rows) {
          insert.run(...k, paramHash, r.modality, r.feature, r.reference, r.referenceTimepoint, Number.isNaN(r.absolute) ? null : r.absolute, r.relative);
        }
      })
      .immediate();
  }

  async getDeltas(key: TimepointKey, paramHash?: string): Promise<DeltaRow[]> {
    const k = [key.studyId, key.pseudonym, key.timepoint] as const;
    let hash = paramHash;
    if (hash === undefined) {
      const hashes = (
        this.db
          .prepare('SELECT DISTINCT param_hash FROM delta_features WHERE study_id = ? AND pseudonym = ? AND timepoint = ? ORDER BY param_hash')
          .all(...k) as Array<{
          param_hash: string;
        }>
      ).map((r) => r.param_hash);
      if (hashes.length > 1) throw mixedDeltaHashes(key, hashes);
      hash = hashes[0] ?? '';
    }
    const rows = this.db
      .prepare('SELECT * FROM delta_features WHERE study_id = ? AND pseudonym = ? AND timepoint = ? AND param_hash = ? ORDER BY reference, modality, feature')
      .all(...k, hash) as Array<Record<string, string | number | null>>;
    return rows.map((r) => ({
      modality: String(r.modality),
      feature: String(r.feature),
      reference: r.reference as DeltaRow['reference'],
      referenceTimepoint: String(r.reference_timepoint),
      absolute: r.absolute === null ? Number.NaN : Number(r.absolute),
      relative: r.relative === null ? null : Number(r.relative),
    }));
  }

  async recordPathology(p: PathologyRecord): Promise<void> {
    this.db
      .transaction(() => {
        const existing = this.db.prepare('SELECT * FROM pathology WHERE study_id = ? AND pseudonym = ?').get(p.studyId, p.pseudonym) as
          { necrosis_pct: number; huvos_grade: string; date: string } | undefined;
        if (existing) return checkPathologyAgain(p, { necrosisPct: existing.necrosis_pct, huvosGrade: existing.huvos_grade, date: existing.date });
        this.db
          .prepare('INSERT INTO pathology (study_id, pseudonym, necrosis_pct, huvos_grade, date, recorded_at) VALUES (?, ?, ?, ?, ?, ?)')
          .run(p.studyId, p.pseudonym, p.necrosisPct, p.huvosGrade, p.date, new Date().toISOString());
      })
      .immediate();
  }

  async getPathology(key: PatientKey): Promise<PathologyRecord | undefined> {
    const row = this.db.prepare('SELECT * FROM pathology WHERE study_id = ? AND pseudonym = ?').get(key.studyId, key.pseudonym) as
      { necrosis_pct: number; huvos_grade: PathologyRecord['huvosGrade']; date: string } | undefined;
    return row && { ...key, necrosisPct: row.necrosis_pct, huvosGrade: row.huvos_grade, date: row.date };
  }

  async appendPrediction(p: LedgerAppend): Promise<LedgerEntry> {
    checkStatedInput(p);
    return this.append(p);
  }

  async recordPrediction(p: PredictionRecord): Promise<LedgerEntry> {
    return this.append({ ...p, featuresSha256: null, inSample: null });
  }

  private append(p: PendingPrediction): LedgerEntry {
    const mode = checkPrediction(p);
    return this.db
      .transaction((): LedgerEntry => {
        if (p.attempt) {
          const again = this.db.prepare('SELECT * FROM prediction_ledger WHERE attempt = ?').get(p.attempt) as LedgerRow | undefined;
          if (again) return entryOf(again); // a retried activity: its prediction is already on the ledger
        }
        const earlier = this.db
          .prepare('SELECT 1 FROM prediction_ledger WHERE study_id = ? AND pseudonym = ? AND timepoint = ? AND mode = ? LIMIT 1')
          .get(p.studyId, p.pseudonym, p.timepoint, mode);
        const last = this.db.prepare('SELECT entry_hash FROM prediction_ledger WHERE study_id = ? ORDER BY seq DESC LIMIT 1').get(p.studyId) as
          { entry_hash: string } | undefined;
        const content = ledgerContent(p, mode, earlier !== undefined);
        const prevHash = last?.entry_hash ?? LEDGER_GENESIS;
        const entryHash = ledgerEntryHash(prevHash, content);
        const { lastInsertRowid } = this.db
          .prepare(
            `INSERT INTO prediction_ledger (study_id, pseudonym, timepoint, model, model_version, probability, features_sha256, predicted_at,
               in_sample, rescore, mode, attempt, prev_hash, entry_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(
            content.studyId,
            content.pseudonym,
            content.timepoint,
            content.model,
            content.modelVersion,
            content.probability,
            content.featuresSha256,
            content.predictedAt,
            content.inSample === null ? null : content.inSample ? 1 : 0,
            content.rescore ? 1 : 0,
            content.mode,
            content.attempt,
            prevHash,
            entryHash,
          );
        return { ...content, seq: Number(lastInsertRowid), prevHash, entryHash };
      })
      .immediate();
  }

  async listPredictions(key: PatientKey): Promise<PredictionRecord[]> {
    const rows = this.db
      .prepare('SELECT * FROM predictions WHERE study_id = ? AND pseudonym = ? ORDER BY predicted_at, seq')
      .all(key.studyId, key.pseudonym) as Array<Record<string, string | number>>;
    return rows.map((r) => ({
      ...key,
      timepoint: String(r.timepoint),
      model: String(r.model),
      modelVersion: String(r.model_version),
      probability: Number(r.probability),
      predictedAt: String(r.predicted_at),
    }));
  }

  async ledgerEntries(filter: { studyId?: string; pseudonym?: string } = {}): Promise<LedgerEntry[]> {
    const where: string[] = [];
    const args: string[] = [];
    if (filter.studyId !== undefined) {
      where.push('study_id = ?');
      args.push(filter.studyId);
    }
    if (filter.pseudonym !== undefined) {
      where.push('pseudonym = ?');
      args.push(filter.pseudonym);
    }
    const rows = this.db
      .prepare(`SELECT * FROM prediction_ledger ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq`)
      .all(...args) as LedgerRow[];
    return rows.map(entryOf);
  }

  async verifyLedger(studyId?: string): Promise<LedgerVerification> {
    const entries = await this.ledgerEntries(studyId === undefined ? {} : { studyId });
    const triggers = (
      this.db.prepare(`SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'prediction_ledger'`).all() as Array<{ name: string }>
    ).map((t) => t.name);
    return {
      checked: entries.length,
      studies: [...new Set(entries.map((e) => e.studyId))].sort(),
      broken: firstBreak(entries),
      appendOnly: triggers.includes('prediction_ledger_no_update') && triggers.includes('prediction_ledger_no_delete'),
    };
  }

  async prospectivePredictions(studyId: string): Promise<ProspectivePrediction[]> {
    // Per model version and patient, the last entry made before the pathology was recorded (the prediction standing
    // when the truth arrived), by a model not trained on the patient, with its input recorded.
    const rows = this.db
      .prepare(
        `SELECT l.*, p.necrosis_pct, p.recorded_at AS pathology_recorded_at FROM prediction_ledger l
         JOIN pathology p ON p.study_id = l.study_id AND p.pseudonym = l.pseudonym
         WHERE l.study_id = ? AND l.in_sample = 0 AND l.features_sha256 IS NOT NULL AND l.predicted_at < p.recorded_at
           AND l.seq = (SELECT MAX(m.seq) FROM prediction_ledger m WHERE m.study_id = l.study_id AND m.pseudonym = l.pseudonym
             AND m.model = l.model AND m.model_version = l.model_version AND m.in_sample = 0 AND m.features_sha256 IS NOT NULL
             AND m.predicted_at < p.recorded_at)
         ORDER BY l.model, l.model_version, l.pseudonym`,
      )
      .all(studyId) as Array<LedgerRow & { necrosis_pct: number; pathology_recorded_at: string }>;
    return rows.map((r) => ({ entry: entryOf(r), necrosisPct: r.necrosis_pct, pathologyRecordedAt: r.pathology_recorded_at }));
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
