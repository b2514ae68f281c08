// The `intake:` section of a study file: how PACS intake recognises the study's series (pacs/intakeMatch.ts). Read
// beside the protocol by the commands that start intake; every error names the file, the key path and what was
// expected, as the protocol's do.
//
//   intake:
//     earlyDays: 30                 # a scan up to 30 days before a timepoint's due date counts for it (default 14)
//     pollEvery: 30s                # how often the PACS's change feed is read (default 30s)
//     series:
//       - { modality: T1, dicomModality: [MR], seriesDescription: '\bt1\b' }
//       - { modality: CT, dicomModality: [CT] }
import { readFileSync } from 'node:fs';
import YAML from 'yaml';
import type { IntakeSettings, SeriesRule } from '../contracts/intake';
import type { StudyProtocol } from '../contracts/study';
import { parseDuration, StudyFileError } from './protocol';

export const DEFAULT_EARLY_DAYS = 14;
export const DEFAULT_POLL_EVERY_MS = 30_000;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Checks that a pattern compiles, so a bad one fails when intake starts, not on the first series. */
function pattern(file: string, key: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') throw new StudyFileError(file, key, 'a regular expression (text)', value);
  try {
    new RegExp(value, 'i');
  } catch (err) {
    throw new StudyFileError(file, key, `a valid regular expression (${(err as Error).message})`, value);
  }
  return value;
}

export function loadIntakeSettings(file: string, protocol: StudyProtocol): IntakeSettings & { pollEveryMs: number } {
  const raw = YAML.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  const intake = raw?.intake;
  if (!isObject(intake)) throw new StudyFileError(file, 'intake', 'a section with series rules (intake.series)', intake);
  const studyModalities = new Set(protocol.timepoints.flatMap((tp) => tp.modalities as string[]));
  if (!Array.isArray(intake.series) || intake.series.length === 0)
    throw new StudyFileError(file, 'intake.series', 'a non-empty list of rules { modality, dicomModality, seriesDescription? }', intake.series);
  const rules = intake.series.map((rule: unknown, i: number): SeriesRule => {
    const key = `intake.series[${i}]`;
    if (!isObject(rule)) throw new StudyFileError(file, key, 'a rule { modality, dicomModality, seriesDescription? }', rule);
    if (typeof rule.modality !== 'string' || !studyModalities.has(rule.modality))
      throw new StudyFileError(file, `${key}.modality`, `a modality of the study's timepoints (${[...studyModalities].join(', ')})`, rule.modality);
    const dicom = rule.dicomModality;
    if (!Array.isArray(dicom) || dicom.length === 0 || dicom.some((d) => typeof d !== 'string' || !/^[A-Z]{2,16}$/.test(d)))
      throw new StudyFileError(file, `${key}.dicomModality`, "a list of DICOM Modality values such as ['MR'] or ['CT']", dicom);
    const description = pattern(file, `${key}.seriesDescription`, rule.seriesDescription);
    const sequence = pattern(file, `${key}.sequence`, rule.sequence);
    return {
      modality: rule.modality,
      dicomModality: dicom as string[],
      ...(description !== undefined ? { seriesDescription: description } : {}),
      ...(sequence !== undefined ? { sequence } : {}),
    };
  });
  const earlyDays = intake.earlyDays ?? DEFAULT_EARLY_DAYS;
  if (typeof earlyDays !== 'number' || !Number.isInteger(earlyDays) || earlyDays < 0)
    throw new StudyFileError(file, 'intake.earlyDays', 'a whole number of days ≥ 0', earlyDays);
  const pollEveryMs = intake.pollEvery === undefined ? DEFAULT_POLL_EVERY_MS : parseDuration(intake.pollEvery);
  if (pollEveryMs === undefined || pollEveryMs < 1000)
    throw new StudyFileError(file, 'intake.pollEvery', "a duration of at least 1s, e.g. '30s' or '5m'", intake.pollEvery);
  return { rules, earlyDays, pollEveryMs };
}
