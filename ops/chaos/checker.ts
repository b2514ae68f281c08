// Checks the results store after a campaign: every timepoint that completed holds exactly the feature rows its scans
// should produce (none lost, none doubled under another parameter hash, nothing else), a passing QC verdict and its
// prediction; every completed timeline its pathology. Reads through the store interface only.
import type { ResultsStore } from '../../store/types';

export interface CompletedTimepoint {
  pseudonym: string;
  timepoint: string;
  /** Why the timeline says it has no prediction here (a registry outage, a missing baseline), if it says so. */
  predictionNote?: string;
}

export interface CheckInput {
  studyId: string;
  paramHash: string;
  /** Feature names per modality of one timepoint (expected.ts). */
  expected: Record<string, string[]>;
  timepoints: CompletedTimepoint[];
  /** `name@version` every completed timepoint should be predicted with; absent: predictions are not checked. */
  model?: { name: string; version: string };
  /** Pathology of each completed timeline, as it was recorded. */
  pathology: Array<{ pseudonym: string; necrosisPct: number; huvosGrade: string; date: string }>;
}

export interface Tally {
  expected: number;
  present: number;
  lost: number;
}

export interface StoreCheck {
  features: Tally & { duplicated: number; unexpected: number };
  qc: Tally;
  /** Missing predictions the timeline explained with a note are `noted`, not lost. */
  predictions: Tally & { noted: number };
  pathology: Tally;
  /** One line per finding, naming pseudonym, timepoint and modality (never a value). */
  problems: string[];
  /** Why a prediction is missing where the timeline said so. */
  notes: string[];
}

const tally = (): Tally => ({ expected: 0, present: 0, lost: 0 });

export async function checkStore(store: ResultsStore, input: CheckInput): Promise<StoreCheck> {
  const result: StoreCheck = {
    features: { ...tally(), duplicated: 0, unexpected: 0 },
    qc: tally(),
    predictions: { ...tally(), noted: 0 },
    pathology: tally(),
    problems: [],
    notes: [],
  };
  const { studyId } = input;
  const predictionsOf = new Map<string, Awaited<ReturnType<ResultsStore['listPredictions']>>>();
  for (const tp of input.timepoints) {
    const key = { studyId, pseudonym: tp.pseudonym, timepoint: tp.timepoint };
    const where = `${tp.pseudonym} ${tp.timepoint}`;
    checkFeatures(result, where, input, await store.getFeatureSets(key));

    result.qc.expected += 1;
    const qc = await store.latestQc(key);
    if (qc && (qc.passed || qc.overriddenBy)) result.qc.present += 1;
    else {
      result.qc.lost += 1;
      result.problems.push(`${where}: ${qc ? 'the latest QC verdict failed' : 'no QC verdict'} although the timepoint completed`);
    }

    if (input.model) {
      const { name, version } = input.model;
      result.predictions.expected += 1;
      if (!predictionsOf.has(tp.pseudonym)) predictionsOf.set(tp.pseudonym, await store.listPredictions({ studyId, pseudonym: tp.pseudonym }));
      const found = predictionsOf.get(tp.pseudonym)!.some((p) => p.timepoint === tp.timepoint && p.model === name && p.modelVersion === version);
      if (found) result.predictions.present += 1;
      else if (tp.predictionNote) {
        result.predictions.noted += 1;
        result.notes.push(`${where}: no prediction; the timeline says: ${tp.predictionNote}`);
      } else {
        result.predictions.lost += 1;
        result.problems.push(`${where}: no prediction by ${name}@${version} and no note saying why`);
      }
    }
  }

  for (const p of input.pathology) {
    result.pathology.expected += 1;
    const stored = await store.getPathology({ studyId, pseudonym: p.pseudonym });
    if (stored && stored.necrosisPct === p.necrosisPct && stored.huvosGrade === p.huvosGrade && stored.date === p.date) result.pathology.present += 1;
    else {
      result.pathology.lost += 1;
      result.problems.push(`${p.pseudonym}: ${stored ? 'pathology differs from what was recorded' : 'no pathology row'}`);
    }
  }
  return result;
}

/** Feature rows of one timepoint against the expected names: each name once, under the study's parameter hash. */
function checkFeatures(result: StoreCheck, where: string, input: CheckInput, sets: Awaited<ReturnType<ResultsStore['getFeatureSets']>>): void {
  const f = result.features;
  for (const [modality, names] of Object.entries(input.expected)) {
    const ofModality = sets.filter((s) => s.modality === modality);
    const current = ofModality.find((s) => s.paramHash === input.paramHash);
    let lost = 0;
    let duplicated = 0;
    for (const name of names) {
      f.expected += 1;
      if (current && name in current.features) f.present += 1;
      else lost += 1;
      const copies = ofModality.filter((s) => name in s.features).length;
      if (copies > 1) duplicated += copies - 1;
    }
    const known = new Set(names);
    const unexpected = ofModality.reduce((n, s) => n + Object.keys(s.features).filter((name) => !known.has(name)).length, 0);
    f.lost += lost;
    f.duplicated += duplicated;
    f.unexpected += unexpected;
    if (lost) result.problems.push(`${where} ${modality}: ${lost} of ${names.length} feature rows missing`);
    if (duplicated) result.problems.push(`${where} ${modality}: ${duplicated} feature rows stored more than once (${ofModality.length} feature sets)`);
    if (unexpected) result.problems.push(`${where} ${modality}: ${unexpected} feature rows the parameter file does not produce`);
  }
  for (const set of sets.filter((s) => !(s.modality in input.expected))) {
    const n = Object.keys(set.features).length;
    f.unexpected += n;
    result.problems.push(`${where} ${set.modality}: ${n} feature rows of a modality the timepoint does not have`);
  }
}
