// A study file for the suites that run DICOM through the timeline (the STS reference data's CT, T1 and PET with their
// RTSTRUCTs, or series segmented automatically): a light parameter file (the original image only), a 14-day window
// per visit, and, for the PACS intake suites, intake's series rules polled every second.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import type { IntakeSettings } from '../../../contracts/intake';
import type { StudyProtocol } from '../../../contracts/study';
import { loadIntakeSettings } from '../../../study/intakeSettings';
import { loadStudyFile } from '../../../study/protocol';

export interface StsStudyOptions {
  studyId: string;
  modalities: string[];
  /** Visits by name and the day their window opens; default one baseline on day 0. */
  visits?: { name: string; day: number }[];
  /** Feature classes of the parameter file; default first order only. */
  featureClass?: Record<string, null>;
  /** Intake's rules: which DICOM Modality values (and SeriesDescription pattern) become which study modality. */
  intakeSeries?: { modality: string; dicomModality: string[]; seriesDescription?: string }[];
  /** The study file's `segmentation` section; default 'manual-required'. */
  segmentation?: string | Record<string, unknown>;
}

export interface StsStudy {
  studyFile: string;
  paramsFile: string;
  /** The model the study predicts with: `<studyId>-model`. */
  modelName: string;
  protocol: StudyProtocol;
  /** Present when `intakeSeries` was given. */
  intake?: { settings: IntakeSettings; pollEveryMs: number };
}

export function writeStsStudy(dir: string, options: StsStudyOptions): StsStudy {
  const { studyId } = options;
  const paramsFile = path.join(dir, 'light.yaml');
  writeFileSync(
    paramsFile,
    YAML.stringify({ imageType: { Original: {} }, featureClass: options.featureClass ?? { firstorder: null }, setting: { binCount: 32 } }),
  );
  const studyFile = path.join(dir, 'study.yaml');
  const modelName = `${studyId}-model`;
  const visits = options.visits ?? [{ name: 'baseline', day: 0 }];
  writeFileSync(
    studyFile,
    YAML.stringify({
      studyId,
      timepoints: visits.map((v) => ({ name: v.name, dueAfter: `${v.day}d`, window: '14d', modalities: options.modalities })),
      qc: { minSlices: 16, maxSpacingMm: 6, tumourVolumeMl: [1, 5000] },
      segmentation: options.segmentation ?? 'manual-required',
      features: { params: paramsFile },
      model: { name: modelName },
      ...(options.intakeSeries ? { intake: { earlyDays: 7, pollEvery: '1s', series: options.intakeSeries } } : {}),
    }),
  );
  const protocol = loadStudyFile(studyFile, { storeRoot: path.join(dir, 'store') });
  if (!options.intakeSeries) return { studyFile, paramsFile, modelName, protocol };
  const { pollEveryMs, ...settings } = loadIntakeSettings(studyFile, protocol);
  return { studyFile, paramsFile, modelName, protocol, intake: { settings, pollEveryMs } };
}
