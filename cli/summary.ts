// The main job's cohort summary: a table for people and the --summary-json document for machines. Predictions come
// from the results store's ledger (the latest live one per patient); once pathology has arrived for patients who were
// predicted before it, each model version's prospective AUC over those frozen predictions is reported too.
import type { OsteoflowConfig } from '../config';
import { openResultsStore } from '../store';
import { prospectivePerformance, type ProspectivePerformance } from '../models/prospective';
import type { SyntheticRun } from './syntheticRun';
import type { PredictionRef } from '../contracts/timeline';
import type { ModelComparison } from '../contracts/models';
import type { ModelSummary } from '../clients/training';

export interface CohortSummary {
  studyId: string;
  patients: Array<{
    id: string;
    timepoints: Array<{ name: string; status: string; qc: 'passed' | 'failed' | 'overridden' | 'pending'; features: number }>;
    prediction: PredictionRef | null;
  }>;
  /** With each radiomics model's DeLong comparisons (clinical model, simple criteria) where the training reported them. */
  models: (ModelSummary & { comparisons?: ModelComparison[] })[];
  /** Prospective AUC per model version: frozen predictions scored against the pathology recorded after them. */
  prospective: ProspectivePerformance[];
  /** Why no model was trained (the study is too small), when none was. */
  trainingSkipped?: string;
}

/**
 * Feature counts and predictions come from the results store (what was persisted), not from the workflows' own
 * accounts: predictions made after the timelines closed (a newly promoted champion re-scores) are there too.
 */
export async function cohortSummary(
  cfg: OsteoflowConfig,
  run: SyntheticRun,
  models: (ModelSummary & { comparisons?: ModelComparison[] })[],
  trainingSkipped?: string,
): Promise<CohortSummary> {
  const store = openResultsStore(cfg);
  try {
    const patients: CohortSummary['patients'] = [];
    for (const view of run.timelines) {
      const timepoints = [];
      for (const tp of view.timepoints) {
        const features = await store.countFeatureRows({ studyId: view.studyId, pseudonym: view.pseudonym, timepoint: tp.name });
        const qc = !tp.qc ? 'pending' : tp.qc.override ? 'overridden' : tp.qc.passed ? 'passed' : 'failed';
        timepoints.push({ name: tp.name, status: tp.status, qc, features } as const);
      }
      const predictions = await store.listPredictions({ studyId: view.studyId, pseudonym: view.pseudonym });
      const latest = predictions.at(-1);
      const prediction = latest ? { probability: latest.probability, model: `${latest.model}@${latest.modelVersion}` } : null;
      patients.push({ id: view.pseudonym, timepoints, prediction });
    }
    const prospective = prospectivePerformance(await store.prospectivePredictions(run.protocol.studyId));
    return { studyId: run.protocol.studyId, patients, models, prospective, ...(trainingSkipped ? { trainingSkipped } : {}) };
  } finally {
    await store.close();
  }
}

const fmt = (v: number | null | undefined, digits = 1) => (v === null || v === undefined ? '–' : `${v >= 0 ? '+' : ''}${v.toFixed(digits)}`);

export function printCohortTable(run: SyntheticRun, summary: CohortSummary): void {
  const header = ['patient', 'truth', 'baseline', 'mid', 'preop', 'ΔVol% pre', 'ΔADC pre', '%ΔSUVmax pre', 'prediction'];
  const rows = run.timelines.map((view, i) => {
    const patient = run.manifest.patients[i];
    const s = summary.patients[i];
    const cell = (name: string) => {
      const tp = s.timepoints.find((t) => t.name === name)!;
      const rescanned = run.rescans.some((r) => r.pseudonym === view.pseudonym && r.timepoint === name);
      return `${tp.status}${rescanned ? '*' : ''} ${tp.features}`;
    };
    const named = view.timepoints.find((t) => t.name === 'preop')?.deltas?.named ?? {};
    const prediction = s.prediction ? `${s.prediction.probability.toFixed(2)} (${s.prediction.model})` : '–';
    return [
      view.pseudonym,
      `${patient.responder} ${patient.necrosisPct}% ${patient.huvosGrade}`,
      cell('baseline'),
      cell('mid'),
      cell('preop'),
      fmt(named.volumeChangePct),
      fmt(named.deltaAdcMean, 0),
      fmt(named.suvMaxChangePct),
      prediction,
    ];
  });
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (cells: string[]) => cells.map((v, c) => v.padEnd(widths[c])).join('  ');
  console.log(`\nstudy ${summary.studyId}: status and stored features per timepoint (* = re-scanned after a failed QC)`);
  console.log(line(header));
  console.log(widths.map((w) => '─'.repeat(w)).join('  '));
  for (const row of rows) console.log(line(row));
  const notes = new Set(
    run.timelines
      .filter((_view, i) => !summary.patients[i].prediction)
      .map((v) => v.timepoints.at(-1)?.note)
      .filter(Boolean),
  );
  for (const note of notes) console.log(`no prediction: ${note}`);

  if (summary.models.length === 0) {
    console.log(`\nresponse models: none trained${summary.trainingSkipped ? ' (training skipped, see above)' : ''}`);
    printProspective(summary.prospective);
    return;
  }
  console.log('\nresponse models (nested cross-validation on the study; AUC with DeLong 95 % CI)');
  const modelRows = summary.models.map((m) => [
    `${m.name}@${m.version}`,
    m.kind,
    m.auc.toFixed(3),
    `[${m.aucCi[0].toFixed(3)}, ${m.aucCi[1].toFixed(3)}]`,
    m.aliases.join(', ') || '–',
  ]);
  const modelHeader = ['model', 'kind', 'AUC', '95 % CI', 'aliases'];
  const mw = modelHeader.map((h, c) => Math.max(h.length, ...modelRows.map((r) => r[c].length)));
  const mline = (cells: string[]) => cells.map((v, c) => v.padEnd(mw[c])).join('  ');
  console.log(mline(modelHeader));
  console.log(mw.map((w) => '─'.repeat(w)).join('  '));
  for (const row of modelRows) console.log(mline(row));
  const compared = summary.models.filter((m) => m.comparisons?.length);
  if (compared.length > 0) {
    console.log('\nradiomics models against the clinical model and simple criteria (same out-of-fold patients; DeLong)');
    for (const m of compared) {
      for (const c of m.comparisons!) {
        console.log(
          `  ${`${m.name}@${m.version}`.padEnd(20)} vs ${c.versus.padEnd(26)} AUC ${c.auc.toFixed(3)} vs ${c.versusAuc.toFixed(3)}, difference ${fmt(c.difference, 3)} [${c.ci
            .map((x) => x.toFixed(3))
            .join(', ')}], p = ${c.p.toFixed(3)}`,
        );
      }
    }
  }
  printProspective(summary.prospective);
}

/** Prospective AUC per model version, or a line saying there is nothing to score yet. */
export function printProspective(prospective: readonly ProspectivePerformance[]): void {
  if (prospective.length === 0) {
    console.log(
      '\nprospective performance: no frozen prediction has met its pathology yet (predictions made before pathology, on patients the model did not train on)',
    );
    return;
  }
  console.log('\nprospective performance (frozen predictions made before pathology, on patients the model did not train on)');
  for (const p of prospective) {
    const aucText =
      p.auc === null ? 'AUC – (one outcome only so far)' : `AUC ${p.auc.toFixed(3)}${p.aucCi ? ` [${p.aucCi.map((x) => x.toFixed(3)).join(', ')}]` : ''}`;
    console.log(`  ${`${p.model}@${p.version}`.padEnd(20)} ${p.patients} patients (${p.events} good, ${p.patients - p.events} poor): ${aucText}`);
  }
}
