// The study file for a synthetic study: the generator's protocol (windows in days from the start of chemotherapy)
// expressed relative to enrolment, which is the start of the baseline window. `timeUnit: 's'` compresses each day
// into a second for tests that watch deadlines pass.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { PROJECT_ROOT } from '../config';
import { PROTOCOL } from '../synthetic/cohort';
import { MODALITIES } from '../synthetic/manifest';

export const DEFAULT_PARAMS_FILE = path.join(PROJECT_ROOT, 'study', 'params', 'osteoflow-mr-pet.yaml');

export interface SyntheticStudyFileOptions {
  studyId: string;
  timeUnit?: 'd' | 's';
  paramsFile?: string;
  modelName?: string;
  /** Overrides the generator's windows, e.g. for an overdue test. */
  windows?: Array<{ dueAfter: string; window: string }>;
  missedAfter?: string;
  /** The study's `model.retryAfter`: the first wait before a prediction the registry could not give is tried again. */
  predictionRetryAfter?: string;
  /**
   * For a study generated with functional series: each timepoint also acquires them (`DWI`, `DCE`) and derives the
   * `derived` maps with the `series` settings the generator used (functionalSeriesSettings); `regions` as given.
   */
  functional?: { series: Record<string, unknown>; derived: string[]; regions?: unknown[] };
  /** Only the first N timepoints of the protocol (default all). */
  timepoints?: number;
}

export function writeSyntheticStudyFile(dir: string, options: SyntheticStudyFileOptions): string {
  const unit = options.timeUnit ?? 'd';
  const enrolmentDay = PROTOCOL[0].dueWindow.fromDay;
  const study = {
    studyId: options.studyId,
    description: 'synthetic osteosarcoma study (osteoflow generator)',
    timepoints: PROTOCOL.slice(0, options.timepoints ?? PROTOCOL.length).map((tp, i) => ({
      name: tp.name,
      dueAfter: options.windows?.[i]?.dueAfter ?? `${tp.dueWindow.fromDay - enrolmentDay}${unit}`,
      window: options.windows?.[i]?.window ?? `${tp.dueWindow.toDay - tp.dueWindow.fromDay}${unit}`,
      // A map the study derives (ADC from DWI) is no longer an acquired modality.
      modalities: [...MODALITIES.filter((m) => !options.functional?.derived.includes(m)), ...Object.keys(options.functional?.series ?? {})],
      ...(options.functional ? { derived: [...options.functional.derived] } : {}),
    })),
    ...(options.functional ? { series: options.functional.series } : {}),
    ...(options.functional?.regions ? { regions: options.functional.regions } : {}),
    qc: { minSlices: 16, maxSpacingMm: 6, tumourVolumeMl: [0.5, 500] },
    segmentation: 'manual-required',
    features: { params: options.paramsFile ?? DEFAULT_PARAMS_FILE },
    model: { name: options.modelName ?? 'osteoflow-response', ...(options.predictionRetryAfter ? { retryAfter: options.predictionRetryAfter } : {}) },
    missedAfter: options.missedAfter ?? `28${unit}`,
  };
  const file = path.join(dir, `${options.studyId}.study.yaml`);
  writeFileSync(file, YAML.stringify(study));
  return file;
}
