// Schema migrations of the PostgreSQL results store, recorded in schema_migrations like SQLite's (store/migrations.ts)
// and numbered alike: a schema version means the same tables on both. PostgreSQL starts at version 3, the SQLite schema
// of that version (there is no older PostgreSQL store to upgrade). Never edit a released migration: add the next one,
// to both lists. Text columns compare bytewise (COLLATE "C"), as SQLite's do, so that every ORDER BY and every
// comparison of ISO times reads the same on both whatever the server's locale.
import type { PostgresMigration } from './postgresSchema';

export type { PostgresMigration };

const T = 'TEXT COLLATE "C"';

export const POSTGRES_MIGRATIONS: readonly PostgresMigration[] = [
  {
    version: 3,
    name: 'initial schema (the SQLite schema of version 3)',
    sql: `
      CREATE TABLE patients (
        study_id ${T} NOT NULL, pseudonym ${T} NOT NULL, enrolled_at ${T} NOT NULL, clinical ${T} NOT NULL,
        PRIMARY KEY (study_id, pseudonym));
      CREATE TABLE scans (
        study_id ${T} NOT NULL, pseudonym ${T} NOT NULL, timepoint ${T} NOT NULL, modality ${T} NOT NULL,
        role ${T} NOT NULL CHECK (role IN ('image', 'mask')), sha256 ${T} NOT NULL, path ${T} NOT NULL, source ${T} NOT NULL,
        recorded_at ${T} NOT NULL,
        PRIMARY KEY (study_id, pseudonym, timepoint, modality, role, sha256));
      CREATE TABLE qc_results (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        study_id ${T} NOT NULL, pseudonym ${T} NOT NULL, timepoint ${T} NOT NULL,
        passed BOOLEAN NOT NULL, reasons ${T} NOT NULL, findings ${T}, overridden_by ${T}, override_reason ${T}, checked_at ${T} NOT NULL,
        attempt ${T});
      CREATE INDEX qc_by_timepoint ON qc_results (study_id, pseudonym, timepoint, id);
      CREATE UNIQUE INDEX qc_by_attempt ON qc_results (study_id, pseudonym, timepoint, attempt) WHERE attempt IS NOT NULL;
      CREATE TABLE feature_sets (
        study_id ${T} NOT NULL, pseudonym ${T} NOT NULL, timepoint ${T} NOT NULL, modality ${T} NOT NULL, param_hash ${T} NOT NULL,
        engine_version ${T} NOT NULL, image_hash ${T} NOT NULL, mask_hash ${T} NOT NULL, extracted_at ${T} NOT NULL,
        PRIMARY KEY (study_id, pseudonym, timepoint, modality, param_hash));
      CREATE TABLE feature_values (
        study_id ${T} NOT NULL, pseudonym ${T} NOT NULL, timepoint ${T} NOT NULL, modality ${T} NOT NULL, param_hash ${T} NOT NULL,
        image_type ${T} NOT NULL, feature ${T} NOT NULL, value DOUBLE PRECISION,
        PRIMARY KEY (study_id, pseudonym, timepoint, modality, param_hash, feature),
        FOREIGN KEY (study_id, pseudonym, timepoint, modality, param_hash)
          REFERENCES feature_sets (study_id, pseudonym, timepoint, modality, param_hash) ON DELETE CASCADE);
      CREATE TABLE delta_features (
        study_id ${T} NOT NULL, pseudonym ${T} NOT NULL, timepoint ${T} NOT NULL, param_hash ${T} NOT NULL,
        modality ${T} NOT NULL, feature ${T} NOT NULL, reference ${T} NOT NULL CHECK (reference IN ('baseline', 'previous')),
        reference_timepoint ${T} NOT NULL, absolute DOUBLE PRECISION, relative DOUBLE PRECISION,
        PRIMARY KEY (study_id, pseudonym, timepoint, param_hash, modality, feature, reference));
      CREATE TABLE pathology (
        study_id ${T} NOT NULL, pseudonym ${T} NOT NULL, necrosis_pct DOUBLE PRECISION NOT NULL, huvos_grade ${T} NOT NULL,
        date ${T} NOT NULL, recorded_at ${T} NOT NULL,
        PRIMARY KEY (study_id, pseudonym));
      CREATE TABLE prediction_ledger (
        seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        study_id ${T} NOT NULL, pseudonym ${T} NOT NULL, timepoint ${T} NOT NULL, model ${T} NOT NULL, model_version ${T} NOT NULL,
        probability DOUBLE PRECISION NOT NULL, features_sha256 ${T}, predicted_at ${T} NOT NULL,
        in_sample BOOLEAN, rescore BOOLEAN, mode ${T} NOT NULL CHECK (mode IN ('live', 'silent')), attempt ${T},
        prev_hash ${T} NOT NULL, entry_hash ${T} NOT NULL UNIQUE);
      CREATE INDEX ledger_by_patient ON prediction_ledger (study_id, pseudonym, timepoint, seq);
      CREATE INDEX ledger_by_model ON prediction_ledger (study_id, model, model_version, seq);
      CREATE INDEX ledger_by_study ON prediction_ledger (study_id, seq);
      CREATE UNIQUE INDEX ledger_by_attempt ON prediction_ledger (attempt) WHERE attempt IS NOT NULL;
      -- Append-only: row triggers refuse UPDATE and DELETE, a statement trigger TRUNCATE (which row triggers do not see).
      CREATE FUNCTION prediction_ledger_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'UPDATE' THEN
          RAISE EXCEPTION 'prediction_ledger is append-only: an entry is never changed' USING ERRCODE = 'restrict_violation';
        END IF;
        RAISE EXCEPTION 'prediction_ledger is append-only: an entry is never deleted' USING ERRCODE = 'restrict_violation';
      END $$;
      CREATE TRIGGER prediction_ledger_no_update BEFORE UPDATE ON prediction_ledger
        FOR EACH ROW EXECUTE FUNCTION prediction_ledger_refuse_change();
      CREATE TRIGGER prediction_ledger_no_delete BEFORE DELETE ON prediction_ledger
        FOR EACH ROW EXECUTE FUNCTION prediction_ledger_refuse_change();
      CREATE TRIGGER prediction_ledger_no_truncate BEFORE TRUNCATE ON prediction_ledger
        FOR EACH STATEMENT EXECUTE FUNCTION prediction_ledger_refuse_change();
      -- The latest live entry per (patient, timepoint, model, version): what the timeline shows.
      CREATE VIEW predictions AS
        SELECT study_id, pseudonym, timepoint, model, model_version, probability, predicted_at, seq FROM prediction_ledger l
        WHERE mode = 'live' AND seq = (SELECT MAX(seq) FROM prediction_ledger m WHERE m.mode = 'live' AND m.study_id = l.study_id
          AND m.pseudonym = l.pseudonym AND m.timepoint = l.timepoint AND m.model = l.model AND m.model_version = l.model_version);
      CREATE TABLE clinical_values (
        study_id ${T} NOT NULL, pseudonym ${T} NOT NULL, variable ${T} NOT NULL, timepoint ${T} NOT NULL DEFAULT '',
        value_number DOUBLE PRECISION, value_text ${T}, known_at ${T} NOT NULL, recorded_at ${T} NOT NULL,
        CHECK ((value_number IS NULL) <> (value_text IS NULL)),
        PRIMARY KEY (study_id, pseudonym, variable, timepoint));
    `,
  },
];
