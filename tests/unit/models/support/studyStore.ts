// A labelled synthetic study in a results store, filled by the pipeline's own activities (acquire → QC → features →
// deltas → pathology) run in-process with Temporal's MockActivityEnvironment: the rows are exactly those a timeline
// writes, without a server. Built once per suite; small volumes keep it to seconds per patient.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createPipelineActivities } from '../../../../activities/pipeline/activities';
import type { AcquiredScan } from '../../../../contracts/pipeline';
import type { Predictor } from '../../../../activities/pipeline/predict';
import { loadStudyFile } from '../../../../study/protocol';
import { writeSyntheticStudyFile } from '../../../../cli/syntheticStudy';
import type { StudyProtocol } from '../../../../contracts/study';
import { SqliteResultsStore } from '../../../../store/sqliteStore';
import type { ResultsStore } from '../../../../store/types';
import { writeStudy, type SyntheticStudyManifest } from '../../../../synthetic';

export interface StoredStudy {
  dir: string;
  /** Absolute path of a file named in the manifest. */
  file(relative: string): string;
  protocol: StudyProtocol;
  manifest: SyntheticStudyManifest;
  store: ResultsStore;
  storeFile: string;
}

const noPredictor: Predictor = { predict: async () => ({ prediction: null, note: 'not predicting while filling the store' }) };

export interface StoredStudyOptions {
  patients: number;
  seed: number;
  studyId?: string;
  modelName?: string;
  /** Timepoints to process per patient (default all three). */
  timepoints?: number;
  /** Patients whose pathology is not recorded (unlabelled). */
  unlabelled?: string[];
  /** Reuse an existing store file (e.g. the worker's store in an integration test). */
  storeFile?: string;
  /** Patients generated on disk but not put in the store (e.g. to run through a real timeline). */
  skip?: string[];
}

export async function buildStoredStudy(options: StoredStudyOptions): Promise<StoredStudy> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'osteoflow-models-'));
  const manifest = writeStudy({ seed: options.seed, patients: options.patients, outDir: path.join(dir, 'source') });
  const studyId = options.studyId ?? `MODELS-${options.seed}-${Date.now().toString(36)}`;
  const studyFile = writeSyntheticStudyFile(dir, { studyId, modelName: options.modelName });
  const protocol = loadStudyFile(studyFile, { storeRoot: path.join(dir, 'store') });
  const storeFile = options.storeFile ?? path.join(dir, 'results.sqlite');
  const store = new SqliteResultsStore(storeFile);
  const activities = createPipelineActivities({ store, predictor: noPredictor });
  const env = new MockActivityEnvironment();
  const timepoints = protocol.timepoints.slice(0, options.timepoints ?? protocol.timepoints.length).map((t) => t.name);
  for (const patient of manifest.patients) {
    const { pseudonym } = patient;
    if (options.skip?.includes(pseudonym)) continue;
    await env.run(activities.recordEnrolment, { studyId, pseudonym, enrolledAt: patient.treatmentStartDate, clinical: { ...patient.clinical } });
    for (const [i, name] of timepoints.entries()) {
      const ref = { protocol, pseudonym, timepoint: name };
      const tp = patient.timepoints.find((t) => t.name === name)!;
      const acquired: AcquiredScan[] = [];
      for (const [modality, file] of Object.entries(tp.files)) {
        acquired.push(await env.run(activities.acquireScan, { ...ref, scan: { modality, source: path.join(dir, 'source', file), registeredAt: tp.date } }));
      }
      await env.run(activities.checkQuality, { ...ref, acquired });
      await env.run(activities.extractFeatures, { ...ref, acquired });
      if (i > 0) await env.run(activities.computeDeltas, { ...ref, baseline: timepoints[0], previous: timepoints[i - 1] });
    }
    if (!options.unlabelled?.includes(pseudonym)) {
      const { necrosisPct, huvosGrade, reportDate } = patient.pathology;
      await env.run(activities.recordPathology, { studyId, pseudonym, necrosisPct, huvosGrade, date: reportDate });
    }
  }
  return { dir, file: (relative) => path.join(dir, 'source', relative), protocol, manifest, store, storeFile };
}
