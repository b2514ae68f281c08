// Loads and validates a study file (YAML or JSON). Every error names the file, the key path and what was expected.
import type { OsteoflowConfig } from '../config';
import { openBlobStore } from '../store/blobs';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { loadParamsFile, paramsHash } from '../radiomics/params';
import { assertStudyId } from '../contracts/ids';
import { DEFAULT_SEGMENTATION_WORKER_WAIT_MS, MODALITIES, type Modality, type StudyProtocol, type TimepointProtocol } from '../contracts/study';
import { validateDerived, validateRegions, validateSeries } from './derived';

export class StudyFileError extends Error {
  constructor(file: string, key: string, expected: string, got?: unknown) {
    super(`study file ${file}: '${key}' must be ${expected}${got === undefined ? '' : `, got ${JSON.stringify(got)}`}`);
    this.name = 'StudyFileError';
  }
}

const UNIT_MS: Record<string, number> = { s: 1000, m: 60000, h: 3600000, d: 86400000, w: 604800000 };

/** '14d' → ms; units s, m, h, d, w. */
export function parseDuration(text: unknown): number | undefined {
  if (typeof text !== 'string') return undefined;
  const match = /^(\d+(?:\.\d+)?)\s*([smhdw])$/.exec(text.trim());
  return match ? Number(match[1]) * UNIT_MS[match[2]] : undefined;
}

type Obj = Record<string, unknown>;

/** Optional qc: keys (QC defaults them); see qc/README.md. */
const QC_TOLERANCE_KEYS = [
  'maskOriginTolerance',
  'maskSpacingTolerance',
  'maskDirectionTolerance',
  'constantImageMaxRange',
  'blankSliceMaxRange',
  'mapFitFailureMaxFraction',
  'mapOutOfRangeMaxFraction',
] as const;
type QcToleranceKey = (typeof QC_TOLERANCE_KEYS)[number];
const QC_TOLERANCE_EXPECTED: Record<QcToleranceKey, string> = {
  maskOriginTolerance: "a number ≥ 0 (a fraction of the image's voxel spacing)",
  maskSpacingTolerance: "a number ≥ 0 (a fraction of the image's voxel spacing)",
  maskDirectionTolerance: 'a number ≥ 0 (a difference of direction cosines)',
  constantImageMaxRange: 'a number ≥ 0 (an intensity range)',
  blankSliceMaxRange: 'a number ≥ 0 (an intensity range)',
  mapFitFailureMaxFraction: "a number ≥ 0 (a fraction of a map's voxels)",
  mapOutOfRangeMaxFraction: "a number ≥ 0 (a fraction of a map's voxels)",
};

function isObject(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export interface LoadStudyOptions {
  /**
   * Where the study's files are kept on a site of one machine (`<storeRoot>/<studyId>`, usually `<dataDir>/studies`);
   * absent where workers share a store across hosts, each keeping its own folder.
   */
  storeRoot?: string;
}

/**
 * The study file as a site enrols it: its files under the data folder on a single host; where workers share a store
 * across hosts, no store folder, and the parameter file put into the blob store for workers that do not have it.
 */
export async function loadStudyForSite(file: string, cfg: OsteoflowConfig): Promise<StudyProtocol> {
  const protocol = loadStudyFile(file, studyStoreOptions(cfg));
  if (cfg.store.url === undefined) return protocol;
  const blobs = openBlobStore(cfg);
  try {
    const { sha256 } = await blobs.put(protocol.features.paramsFile);
    return { ...protocol, features: { ...protocol.features, paramsSha256: sha256 } };
  } finally {
    await blobs.close();
  }
}

/** How a study enrolled from this host keeps its files: under the data folder, unless workers share a store across hosts. */
export function studyStoreOptions(cfg: Pick<OsteoflowConfig, 'dataDir' | 'store'>): LoadStudyOptions {
  return cfg.store.url !== undefined ? {} : { storeRoot: path.join(cfg.dataDir, 'studies') };
}

export function loadStudyFile(file: string, options: LoadStudyOptions): StudyProtocol {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`study file ${file}: cannot be read (${(err as NodeJS.ErrnoException).code ?? err})`, { cause: err });
  }
  let raw: unknown;
  try {
    raw = file.endsWith('.json') ? JSON.parse(text) : YAML.parse(text);
  } catch (err) {
    throw new Error(`study file ${file}: not valid ${file.endsWith('.json') ? 'JSON' : 'YAML'} (${(err as Error).message.split('\n')[0]})`, { cause: err });
  }
  return validateStudy(raw, file, options);
}

export function validateStudy(raw: unknown, file: string, options: LoadStudyOptions): StudyProtocol {
  const fail = (key: string, expected: string, got?: unknown): never => {
    throw new StudyFileError(file, key, expected, got);
  };
  if (!isObject(raw)) return fail('(top level)', 'a mapping with studyId, timepoints, qc, segmentation, features, model');
  // 'intake' is read by study/intakeSettings.ts.
  checkKeys(
    raw,
    ['studyId', 'description', 'timepoints', 'qc', 'segmentation', 'features', 'model', 'missedAfter', 'series', 'regions', 'intake', 'deidentification'],
    '',
    fail,
  );

  const studyId = raw.studyId;
  if (typeof studyId !== 'string') fail('studyId', 'a string such as OS-2026-01', studyId);
  try {
    assertStudyId(studyId as string);
  } catch {
    fail('studyId', '1–64 letters, digits, "_" or "-"', studyId);
  }

  if (!Array.isArray(raw.timepoints) || raw.timepoints.length === 0) fail('timepoints', 'a non-empty list of timepoints', raw.timepoints);
  const timepoints = (raw.timepoints as unknown[]).map((tp, i): TimepointProtocol => {
    const at = `timepoints[${i}]`;
    if (!isObject(tp)) return fail(at, 'a mapping with name, dueAfter, window, modalities', tp);
    checkKeys(tp, ['name', 'dueAfter', 'window', 'modalities', 'derived'], `${at}.`, fail);
    if (typeof tp.name !== 'string' || !/^[a-z][a-z0-9-]{0,31}$/.test(tp.name)) fail(`${at}.name`, 'a lower-case name such as baseline, mid, preop', tp.name);
    const dueAfterMs = parseDuration(tp.dueAfter) ?? fail(`${at}.dueAfter`, 'a duration such as 0d, 6w or 30s', tp.dueAfter);
    const windowMs = parseDuration(tp.window) ?? fail(`${at}.window`, 'a duration such as 14d or 2w', tp.window);
    if (!Array.isArray(tp.modalities) || tp.modalities.length === 0) fail(`${at}.modalities`, `a non-empty list of ${MODALITIES.join(', ')}`, tp.modalities);
    const modalities = (tp.modalities as unknown[]).map((m, j) =>
      MODALITIES.includes(m as Modality) ? (m as Modality) : fail(`${at}.modalities[${j}]`, `one of ${MODALITIES.join(', ')}`, m),
    );
    if (new Set(modalities).size !== modalities.length) fail(`${at}.modalities`, 'a list without repeats', tp.modalities);
    const derived = validateDerived(tp.derived, modalities, at, fail);
    return { name: tp.name as string, dueAfterMs, windowMs, modalities, ...(derived ? { derived } : {}) };
  });
  const series = validateSeries(raw.series, timepoints, fail);
  const regions = validateRegions(raw.regions, timepoints, fail);
  const names = timepoints.map((t) => t.name);
  names.forEach((name, i) => names.indexOf(name) !== i && fail(`timepoints[${i}].name`, 'unique across timepoints', name));
  timepoints.forEach(
    (t, i) =>
      i > 0 &&
      t.dueAfterMs < timepoints[i - 1].dueAfterMs &&
      fail(
        `timepoints[${i}].dueAfter`,
        `not earlier than timepoints[${i - 1}].dueAfter (timepoints are in protocol order)`,
        raw.timepoints && (raw.timepoints as Obj[])[i].dueAfter,
      ),
  );

  const qcRaw = raw.qc ?? {};
  const qcKeys = ['minSlices', 'maxSpacingMm', 'tumourVolumeMl', ...QC_TOLERANCE_KEYS];
  if (!isObject(qcRaw)) fail('qc', `a mapping (${qcKeys.join(', ')})`, qcRaw);
  const qc = qcRaw as Obj;
  checkKeys(qc, qcKeys, 'qc.', fail);
  const minSlices = qc.minSlices ?? 8;
  if (!Number.isInteger(minSlices) || (minSlices as number) < 1) fail('qc.minSlices', 'a positive integer', minSlices);
  const maxSpacingMm = qc.maxSpacingMm ?? 10;
  if (typeof maxSpacingMm !== 'number' || !(maxSpacingMm > 0)) fail('qc.maxSpacingMm', 'a positive number of mm', maxSpacingMm);
  const volume = (qc.tumourVolumeMl ?? [0.1, 5000]) as number[];
  if (!Array.isArray(volume) || volume.length !== 2 || !volume.every((v) => typeof v === 'number' && v >= 0) || volume[0] >= volume[1]) {
    fail('qc.tumourVolumeMl', '[min, max] in ml with 0 ≤ min < max', volume);
  }
  // Optional tolerances: absent stays absent (QC applies its defaults), so protocols without them read the same.
  const tolerances: Partial<Record<QcToleranceKey, number>> = {};
  for (const key of QC_TOLERANCE_KEYS) {
    const value = qc[key];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) fail(`qc.${key}`, QC_TOLERANCE_EXPECTED[key], value);
    tolerances[key] = value as number;
  }

  const seg = raw.segmentation ?? 'manual-required';
  const segObj = typeof seg === 'string' ? { mode: seg } : seg;
  if (!isObject(segObj)) fail('segmentation', "'manual-required', 'automatic-allowed' or { mode, taskQueue, workerWait, exportToPacs }", seg);
  checkKeys(segObj as Obj, ['mode', 'taskQueue', 'workerWait', 'exportToPacs'], 'segmentation.', fail);
  const mode = (segObj as Obj).mode;
  if (mode !== 'manual-required' && mode !== 'automatic-allowed') fail('segmentation.mode', "'manual-required' or 'automatic-allowed'", mode);
  const taskQueue = (segObj as Obj).taskQueue;
  if (taskQueue !== undefined && (typeof taskQueue !== 'string' || !taskQueue)) fail('segmentation.taskQueue', 'a task queue name', taskQueue);
  const workerWait = (segObj as Obj).workerWait;
  const workerWaitMs =
    workerWait === undefined
      ? DEFAULT_SEGMENTATION_WORKER_WAIT_MS
      : (parseDuration(workerWait) ?? fail('segmentation.workerWait', 'a duration such as 30m or 2h', workerWait));
  if (workerWaitMs <= 0) fail('segmentation.workerWait', 'a duration longer than zero', workerWait);
  // A study whose scans come from the PACS sends its automatic masks back there unless it says otherwise.
  const exportToPacs = (segObj as Obj).exportToPacs ?? (raw.intake !== undefined && mode === 'automatic-allowed');
  if (typeof exportToPacs !== 'boolean') fail('segmentation.exportToPacs', 'true or false', exportToPacs);
  if (exportToPacs && mode !== 'automatic-allowed')
    fail('segmentation.exportToPacs', "false where segmentation.mode is 'manual-required' (no automatic mask to export)", exportToPacs);

  if (!isObject(raw.features)) fail('features', 'a mapping with params (a PyRadiomics parameter file)', raw.features);
  const features = raw.features as Obj;
  checkKeys(features, ['params'], 'features.', fail);
  if (typeof features.params !== 'string') fail('features.params', 'the path of a PyRadiomics parameter file (YAML)', features.params);
  const paramsFile = path.resolve(path.dirname(file), features.params as string);
  // Validated now, so a bad parameter file fails at enrolment rather than weeks later at the first scan.
  const paramHash = paramsHash(loadParamsFile(paramsFile));

  if (!isObject(raw.model) || typeof raw.model.name !== 'string' || !raw.model.name)
    fail('model.name', 'the registered model name in MLflow', isObject(raw.model) ? raw.model.name : raw.model);
  checkKeys(raw.model as Obj, ['name', 'retryAfter'], 'model.', fail);
  const retryAfter = (raw.model as Obj).retryAfter;
  const retryAfterMs =
    retryAfter === undefined ? undefined : (parseDuration(retryAfter) ?? fail('model.retryAfter', 'a duration such as 5m or 1h', retryAfter));
  if (retryAfterMs !== undefined && retryAfterMs <= 0) fail('model.retryAfter', 'a duration longer than zero', retryAfter);

  let deidentification: StudyProtocol['deidentification'];
  if (raw.deidentification !== undefined) {
    const deid = raw.deidentification;
    if (!isObject(deid)) fail('deidentification', 'a mapping { dates: shift | keep, allowBurnedInAnnotation: true | false }', deid);
    checkKeys(deid as Obj, ['dates', 'allowBurnedInAnnotation'], 'deidentification.', fail);
    const dates = (deid as Obj).dates ?? 'shift';
    if (dates !== 'shift' && dates !== 'keep') fail('deidentification.dates', "'shift' (moved by the patient's offset) or 'keep'", dates);
    const allowBurnedInAnnotation = (deid as Obj).allowBurnedInAnnotation ?? false;
    if (typeof allowBurnedInAnnotation !== 'boolean') fail('deidentification.allowBurnedInAnnotation', 'true or false', allowBurnedInAnnotation);
    deidentification = { dates: dates as 'shift' | 'keep', allowBurnedInAnnotation: allowBurnedInAnnotation as boolean };
  }

  const missedAfterMs =
    raw.missedAfter === undefined ? 28 * UNIT_MS.d : (parseDuration(raw.missedAfter) ?? fail('missedAfter', 'a duration such as 4w', raw.missedAfter));

  return {
    studyId: studyId as string,
    timepoints,
    qc: { minSlices: minSlices as number, maxSpacingMm: maxSpacingMm as number, tumourVolumeMl: [volume[0], volume[1]] as [number, number], ...tolerances },
    segmentation: {
      mode: mode as StudyProtocol['segmentation']['mode'],
      ...(taskQueue ? { taskQueue: taskQueue as string } : {}),
      workerWaitMs,
      ...(exportToPacs ? { exportToPacs: true } : {}),
    },
    features: { paramsFile, paramHash },
    model: { name: (raw.model as Obj).name as string, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) },
    missedAfterMs,
    ...(options.storeRoot !== undefined ? { storeDir: path.join(options.storeRoot, studyId as string) } : {}),
    ...(series ? { series } : {}),
    ...(regions ? { regions } : {}),
    ...(deidentification ? { deidentification } : {}),
  };
}

function checkKeys(obj: Obj, allowed: string[], prefix: string, fail: (key: string, expected: string, got?: unknown) => never): void {
  for (const key of Object.keys(obj)) if (!allowed.includes(key)) fail(`${prefix}${key}`, `absent (unknown key; expected one of ${allowed.join(', ')})`);
}
