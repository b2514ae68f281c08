// Schema migrations of the SQLite results store, applied in order and recorded in schema_migrations.
// Never edit a released migration: add the next one.

export interface Migration {
  version: number;
  name: string;
  sql: string;
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
];
