// The campaign's study: a synthetic cohort from the project's generator and a study file for it, with automatic
// segmentation allowed (visits sent without a mask go to the segmentation worker) and windows long enough that no
// deadline passes during a campaign.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { PROJECT_ROOT } from '../../config';
import type { StudyProtocol } from '../../contracts/study';
import { loadStudyFile } from '../../study/protocol';
import { MODALITIES, TIMEPOINTS, writeStudy, type ScanFiles, type SyntheticStudyManifest } from '../../synthetic';
import type { Visit } from './plan';

export { MODALITIES, TIMEPOINTS };

export interface ChaosStudy {
  protocol: StudyProtocol;
  manifest: SyntheticStudyManifest;
  studyFile: string;
  pseudonymOf(visit: Visit): string;
  /** Absolute path of a visit's good file of a modality or its mask. */
  file(visit: Visit, modality: string): string;
}

export function prepareStudy(options: { workDir: string; studyId: string; seed: number; patients: number }): ChaosStudy {
  const sourceDir = path.join(options.workDir, 'source');
  const manifest = writeStudy({ seed: options.seed, patients: options.patients, outDir: sourceDir });
  const study = {
    studyId: options.studyId,
    description: `synthetic osteosarcoma study of a chaos campaign (seed ${options.seed})`,
    timepoints: TIMEPOINTS.map((name) => ({ name, dueAfter: '0d', window: '365d', modalities: [...MODALITIES] })),
    // The generator's grid (64×64×32 voxels over 96 mm) and tumours pass these; its defects would not.
    qc: { minSlices: 16, maxSpacingMm: 6, tumourVolumeMl: [0.5, 500] },
    segmentation: 'automatic-allowed',
    features: { params: path.join(PROJECT_ROOT, 'study', 'params', 'osteoflow-mr-pet.yaml') },
    model: { name: `chaos-response-${options.studyId}`.toLowerCase() },
    missedAfter: '365d',
  };
  mkdirSync(options.workDir, { recursive: true });
  const studyFile = path.join(options.workDir, `${options.studyId}.study.yaml`);
  writeFileSync(studyFile, YAML.stringify(study));
  const protocol = loadStudyFile(studyFile, { storeRoot: path.join(options.workDir, 'store') });
  mkdirSync(protocol.storeDir!, { recursive: true });
  const timepointOf = (visit: Visit) => manifest.patients[visit.patient].timepoints.find((t) => t.name === visit.timepoint)!;
  return {
    protocol,
    manifest,
    studyFile,
    pseudonymOf: (visit) => manifest.patients[visit.patient].pseudonym,
    file: (visit, modality) => path.join(sourceDir, timepointOf(visit).files[modality as keyof ScanFiles]),
  };
}
