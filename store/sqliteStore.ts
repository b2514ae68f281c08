// The embedded results store: one SQLite file (better-sqlite3, WAL), migrated on open. Every write that replaces a
// set of rows runs in one transaction, so a crash or a retry never leaves a partial or doubled set.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { MIGRATIONS, type Migration } from './migrations';
import {
  type DeltaRow,
  type FeatureSet,
  type PathologyRecord,
  type PatientKey,
  type PatientRecord,
  type PredictionRecord,
  type QcRecord,
  type ResultsStore,
  StoreConflictError,
  type StoredScan,
  type TimepointKey,
} from './types';

/** The image type is the prefix of a PyRadiomics feature name: `wavelet-LLH_glcm_Contrast` → `wavelet-LLH`. */
function imageTypeOf(feature: string): string {
  const cut = feature.indexOf('_');
  return cut > 0 ? feature.slice(0, cut) : 'derived';
}

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
      .prepare(
        `INSERT INTO patients (study_id, pseudonym, enrolled_at, clinical) VALUES (?, ?, ?, ?)
         ON CONFLICT (study_id, pseudonym) DO UPDATE SET clinical = excluded.clinical`,
      )
      .run(p.studyId, p.pseudonym, p.enrolledAt, JSON.stringify(p.clinical));
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
      .prepare(`SELECT * FROM feature_sets WHERE study_id = ? AND pseudonym = ? AND timepoint = ? ${paramHash ? 'AND param_hash = ?' : ''} ORDER BY modality`)
      .all(key.studyId, key.pseudonym, key.timepoint, ...(paramHash ? [paramHash] : [])) as Array<Record<string, string>>;
    const values = this.db.prepare(
      'SELECT feature, value FROM feature_values WHERE study_id = ? AND pseudonym = ? AND timepoint = ? AND modality = ? AND param_hash = ? ORDER BY feature',
    );
    return sets.map((s) => {
      const features: Record<string, number> = {};
      for (const row of values.all(key.studyId, key.pseudonym, key.timepoint, s.modality, s.param_hash) as Array<{ feature: string; value: number | null }>) {
        features[row.feature] = row.value ?? Number.NaN;
      }
      return {
        ...key,
        modality: s.modality,
        paramHash: s.param_hash,
        engineVersion: s.engine_version,
        imageHash: s.image_hash,
        maskHash: s.mask_hash,
        extractedAt: s.extracted_at,
        features,
      };
    });
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

  async getDeltas(key: TimepointKey): Promise<DeltaRow[]> {
    const rows = this.db
      .prepare('SELECT * FROM delta_features WHERE study_id = ? AND pseudonym = ? AND timepoint = ? ORDER BY reference, modality, feature')
      .all(key.studyId, key.pseudonym, key.timepoint) as Array<Record<string, string | number | null>>;
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
        if (existing) {
          if (existing.necrosis_pct === p.necrosisPct && existing.huvos_grade === p.huvosGrade && existing.date === p.date) return;
          throw new StoreConflictError(
            `pathology for ${p.studyId}/${p.pseudonym} is already recorded (necrosis ${existing.necrosis_pct} %, Huvos ${existing.huvos_grade}, ${existing.date}); it is not overwritten`,
          );
        }
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

  async recordPrediction(p: PredictionRecord): Promise<void> {
    this.db
      .prepare(
        `INSERT INTO predictions (study_id, pseudonym, timepoint, model, model_version, probability, predicted_at) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT DO UPDATE SET probability = excluded.probability, predicted_at = excluded.predicted_at`,
      )
      .run(p.studyId, p.pseudonym, p.timepoint, p.model, p.modelVersion, p.probability, p.predictedAt);
  }

  async listPredictions(key: PatientKey): Promise<PredictionRecord[]> {
    const rows = this.db
      .prepare('SELECT * FROM predictions WHERE study_id = ? AND pseudonym = ? ORDER BY predicted_at')
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

  async close(): Promise<void> {
    this.db.close();
  }
}
