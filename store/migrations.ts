// Schema migrations of the SQLite results store, applied in order and recorded in schema_migrations, all pending ones
// in one transaction. Never edit a released migration: add the next one.
import type Database from 'better-sqlite3';
import { ledgerEntryHash, LEDGER_GENESIS } from './ledger';

export interface Migration {
  version: number;
  name: string;
  sql: string;
  /** A step SQL cannot express (e.g. hashing), run after `sql` in the same transaction. */
  run?: (db: Database.Database) => void;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    sql: `
      CREATE TABLE patients (
        study_id TEXT NOT NULL, pseudonym TEXT NOT NULL, enrolled_at TEXT NOT NULL, clinical TEXT NOT NULL,
        PRIMARY KEY (study_id, pseudonym));
      CREATE TABLE scans (
        study_id TEXT NOT NULL, pseudonym TEXT NOT NULL, timepoint TEXT NOT NULL, modality TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('image', 'mask')), sha256 TEXT NOT NULL, path TEXT NOT NULL, source TEXT NOT NULL,
        recorded_at TEXT NOT NULL,
        PRIMARY KEY (study_id, pseudonym, timepoint, modality, role, sha256));
      CREATE TABLE qc_results (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        study_id TEXT NOT NULL, pseudonym TEXT NOT NULL, timepoint TEXT NOT NULL,
        passed INTEGER NOT NULL, reasons TEXT NOT NULL, overridden_by TEXT, override_reason TEXT, checked_at TEXT NOT NULL);
      CREATE INDEX qc_by_timepoint ON qc_results (study_id, pseudonym, timepoint, id);
      CREATE TABLE feature_sets (
        study_id TEXT NOT NULL, pseudonym TEXT NOT NULL, timepoint TEXT NOT NULL, modality TEXT NOT NULL, param_hash TEXT NOT NULL,
        engine_version TEXT NOT NULL, image_hash TEXT NOT NULL, mask_hash TEXT NOT NULL, extracted_at TEXT NOT NULL,
        PRIMARY KEY (study_id, pseudonym, timepoint, modality, param_hash));
      CREATE TABLE feature_values (
        study_id TEXT NOT NULL, pseudonym TEXT NOT NULL, timepoint TEXT NOT NULL, modality TEXT NOT NULL, param_hash TEXT NOT NULL,
        image_type TEXT NOT NULL, feature TEXT NOT NULL, value REAL,
        PRIMARY KEY (study_id, pseudonym, timepoint, modality, param_hash, feature),
        FOREIGN KEY (study_id, pseudonym, timepoint, modality, param_hash)
          REFERENCES feature_sets (study_id, pseudonym, timepoint, modality, param_hash) ON DELETE CASCADE);
      CREATE TABLE delta_features (
        study_id TEXT NOT NULL, pseudonym TEXT NOT NULL, timepoint TEXT NOT NULL, param_hash TEXT NOT NULL,
        modality TEXT NOT NULL, feature TEXT NOT NULL, reference TEXT NOT NULL CHECK (reference IN ('baseline', 'previous')),
        reference_timepoint TEXT NOT NULL, absolute REAL, relative REAL,
        PRIMARY KEY (study_id, pseudonym, timepoint, param_hash, modality, feature, reference));
      CREATE TABLE pathology (
        study_id TEXT NOT NULL, pseudonym TEXT NOT NULL, necrosis_pct REAL NOT NULL, huvos_grade TEXT NOT NULL, date TEXT NOT NULL,
        recorded_at TEXT NOT NULL,
        PRIMARY KEY (study_id, pseudonym));
      CREATE TABLE predictions (
        study_id TEXT NOT NULL, pseudonym TEXT NOT NULL, timepoint TEXT NOT NULL, model TEXT NOT NULL, model_version TEXT NOT NULL,
        probability REAL NOT NULL, predicted_at TEXT NOT NULL,
        PRIMARY KEY (study_id, pseudonym, timepoint, model, model_version));
    `,
  },
  {
    version: 2,
    name: 'qc attempts and codes',
    // `attempt` names the activity execution that wrote the verdict (workflow, run, activity id): a retried QC step
    // replaces its own row instead of adding one. `findings` keeps the verdict's reason codes beside the messages.
    sql: `
      ALTER TABLE qc_results ADD COLUMN attempt TEXT;
      ALTER TABLE qc_results ADD COLUMN findings TEXT;
      CREATE UNIQUE INDEX qc_by_attempt ON qc_results (study_id, pseudonym, timepoint, attempt) WHERE attempt IS NOT NULL;
    `,
  },
  {
    version: 3,
    name: 'prediction ledger and timed clinical values',
    // The prediction ledger: every prediction appended, never changed (the triggers refuse UPDATE and DELETE), each
    // entry hashing its content and the previous entry's hash of the same study (store/ledger.ts). `predictions`
    // becomes a view of the latest live entry per (patient, timepoint, model, version), the reads it served unchanged.
    // Clinical values get the time from which they are known: `timepoint` (NULL = at enrolment, i.e. from the first
    // timepoint on) and `known_at`; a model uses only those known at the timepoint it predicts at.
    sql: `
      CREATE TABLE prediction_ledger (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        study_id TEXT NOT NULL, pseudonym TEXT NOT NULL, timepoint TEXT NOT NULL, model TEXT NOT NULL, model_version TEXT NOT NULL,
        probability REAL NOT NULL, features_sha256 TEXT, predicted_at TEXT NOT NULL,
        in_sample INTEGER CHECK (in_sample IN (0, 1)), rescore INTEGER CHECK (rescore IN (0, 1)),
        mode TEXT NOT NULL CHECK (mode IN ('live', 'silent')), attempt TEXT,
        prev_hash TEXT NOT NULL, entry_hash TEXT NOT NULL UNIQUE);
      CREATE INDEX ledger_by_patient ON prediction_ledger (study_id, pseudonym, timepoint, seq);
      CREATE INDEX ledger_by_model ON prediction_ledger (study_id, model, model_version, seq);
      CREATE UNIQUE INDEX ledger_by_attempt ON prediction_ledger (attempt) WHERE attempt IS NOT NULL;
      CREATE TRIGGER prediction_ledger_no_update BEFORE UPDATE ON prediction_ledger
        BEGIN SELECT RAISE(ABORT, 'prediction_ledger is append-only: an entry is never changed'); END;
      CREATE TRIGGER prediction_ledger_no_delete BEFORE DELETE ON prediction_ledger
        BEGIN SELECT RAISE(ABORT, 'prediction_ledger is append-only: an entry is never deleted'); END;
      CREATE TABLE clinical_values (
        study_id TEXT NOT NULL, pseudonym TEXT NOT NULL, variable TEXT NOT NULL, timepoint TEXT NOT NULL DEFAULT '',
        value_number REAL, value_text TEXT, known_at TEXT NOT NULL, recorded_at TEXT NOT NULL,
        CHECK ((value_number IS NULL) <> (value_text IS NULL)),
        PRIMARY KEY (study_id, pseudonym, variable, timepoint));
    `,
    run: (db) => {
      // Predictions stored before the ledger existed enter it first, in time order, with what is known of them: no
      // features hash and unknown in-sample / re-score flags, so none of them counts as prospective evidence.
      const old = db.prepare('SELECT * FROM predictions ORDER BY predicted_at, study_id, pseudonym, timepoint, model, model_version').all() as Array<
        Record<string, string | number>
      >;
      const insert = db.prepare(
        `INSERT INTO prediction_ledger (study_id, pseudonym, timepoint, model, model_version, probability, features_sha256, predicted_at,
           in_sample, rescore, mode, attempt, prev_hash, entry_hash) VALUES (?, ?, ?, ?, ?, ?, NULL, ?, NULL, NULL, 'live', NULL, ?, ?)`,
      );
      const last = new Map<string, string>();
      for (const r of old) {
        const entry = {
          studyId: String(r.study_id),
          pseudonym: String(r.pseudonym),
          timepoint: String(r.timepoint),
          model: String(r.model),
          modelVersion: String(r.model_version),
          probability: Number(r.probability),
          featuresSha256: null,
          predictedAt: String(r.predicted_at),
          inSample: null,
          rescore: null,
          mode: 'live' as const,
          attempt: null,
        };
        const prevHash = last.get(entry.studyId) ?? LEDGER_GENESIS;
        const entryHash = ledgerEntryHash(prevHash, entry);
        insert.run(entry.studyId, entry.pseudonym, entry.timepoint, entry.model, entry.modelVersion, entry.probability, entry.predictedAt, prevHash, entryHash);
        last.set(entry.studyId, entryHash);
      }
      db.exec(`
        DROP TABLE predictions;
        CREATE VIEW predictions AS
          SELECT study_id, pseudonym, timepoint, model, model_version, probability, predicted_at, seq FROM prediction_ledger l
          WHERE mode = 'live' AND seq = (SELECT MAX(seq) FROM prediction_ledger m WHERE m.mode = 'live' AND m.study_id = l.study_id
            AND m.pseudonym = l.pseudonym AND m.timepoint = l.timepoint AND m.model = l.model AND m.model_version = l.model_version);
      `);
      // Clinical values recorded at enrolment are known from enrolment on.
      const patients = db.prepare('SELECT study_id, pseudonym, enrolled_at, clinical FROM patients').all() as Array<Record<string, string>>;
      const value = db.prepare(
        `INSERT INTO clinical_values (study_id, pseudonym, variable, timepoint, value_number, value_text, known_at, recorded_at) VALUES (?, ?, ?, '', ?, ?, ?, ?)`,
      );
      for (const p of patients) {
        for (const [variable, v] of Object.entries(JSON.parse(p.clinical) as Record<string, number | string>)) {
          value.run(
            p.study_id,
            p.pseudonym,
            variable,
            typeof v === 'number' ? v : null,
            typeof v === 'number' ? null : String(v),
            p.enrolled_at,
            p.enrolled_at,
          );
        }
      }
    },
  },
];
