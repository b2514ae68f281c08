// A patient as the console shows it: the timeline's published view joined with the results store's rows (stored
// scans, QC findings, features and deltas per timepoint, the prediction ledger). File paths are cut to file names.
import path from 'node:path';
import type { MaskView, PatientResponse, TimepointDetail } from '../../contracts/console';
import { maskScanTarget } from '../../contracts/pipeline';
import type { StudyProtocol } from '../../contracts/study';
import { describeMaskExport, type TimelineView, type TimepointView } from '../../contracts/timeline';
import type { ResultsStore, StoredScan } from '../../store';
import { patientState, timepointState } from './cohort';
import { withoutFolders } from './withoutFolders';

const fileName = (source: string) => path.basename(source.replace(/[?#].*$/, '')) || source;

/** Image modalities of a timepoint that have a stored image and a stored mask for it, its own or the shared one. */
export function mosaicModalities(stored: StoredScan[]): string[] {
  const masks = stored.filter((s) => s.role === 'mask').map((s) => maskScanTarget(s.modality));
  const shared = masks.includes(undefined);
  return [...new Set(stored.filter((s) => s.role === 'image' && (shared || masks.includes(s.modality))).map((s) => s.modality))].sort();
}

/**
 * The image modalities a timepoint takes: the protocol's, else (no protocol known) those registered. What a mask may
 * be registered `for`.
 */
export function imageModalitiesOf(tp: TimepointView, protocol: StudyProtocol | null): string[] {
  const planned = protocol?.timepoints?.find((t) => t.name === tp.name)?.modalities;
  if (planned) return [...planned];
  return [...new Set(tp.scans.map((s) => s.modality).filter((m) => m !== 'mask'))];
}

const maskView = (m: NonNullable<TimepointView['masks']>[number]): MaskView => ({ for: m.for ?? null, kind: m.kind, roi: m.roi ?? null, sha256: m.sha256 });

export async function patientDetail(view: TimelineView, store: ResultsStore, now: Date, protocol: StudyProtocol | null = null): Promise<PatientResponse> {
  const key = { studyId: view.studyId, pseudonym: view.pseudonym };
  const timepoints: TimepointDetail[] = [];
  for (const tp of view.timepoints) {
    const tpKey = { ...key, timepoint: tp.name };
    const stored = await store.listScans(tpKey);
    const paramHash = tp.featureSet?.paramHash;
    const sets = paramHash ? await store.getFeatureSets(tpKey, paramHash) : [];
    const deltas = paramHash ? await store.getDeltas(tpKey, paramHash).catch(() => []) : [];
    const qc = tp.qc;
    const seg = tp.segmentation;
    timepoints.push({
      name: tp.name,
      state: timepointState(tp, view, now),
      status: tp.status,
      dueAt: tp.dueAt,
      windowEndsAt: tp.windowEndsAt,
      runs: tp.runs,
      scans: tp.scans.map((s) => ({ modality: s.modality, registeredAt: s.registeredAt, fileName: fileName(s.source) })),
      stored: stored.map((s) => ({ modality: s.modality, role: s.role, sha256: s.sha256, fileName: fileName(s.source) })),
      qc: qc
        ? {
            passed: qc.passed,
            reasons: qc.reasons.map(withoutFolders),
            findings: (qc.findings ?? []).map((f) => ({ code: f.code, message: withoutFolders(f.message) })),
            ...(qc.override ? { override: qc.override } : {}),
          }
        : null,
      attention: tp.attention ? { ...tp.attention, message: withoutFolders(tp.attention.message) } : null,
      retried: tp.retried ?? null,
      segmentation: seg
        ? {
            model: seg.model,
            device: seg.device,
            precision: seg.precision,
            runtime: seg.runtime,
            totalMs: seg.totalMs,
            tumourMl: seg.tumourMl,
            pacsExport: seg.pacsExport ? withoutFolders(describeMaskExport(seg.pacsExport)) : null,
          }
        : null,
      features: sets.map((f) => ({
        modality: f.modality,
        paramHash: f.paramHash,
        engineVersion: f.engineVersion,
        extractedAt: f.extractedAt,
        featureCount: Object.keys(f.features).length,
        features: f.features,
      })),
      namedDeltas: tp.deltas?.named ?? {},
      deltas: deltas.map((d) => ({ ...d })),
      prediction: tp.prediction ? { probability: tp.prediction.probability, model: tp.prediction.model } : null,
      note: tp.note ? withoutFolders(tp.note) : null,
      mosaics: mosaicModalities(stored),
      imageModalities: imageModalitiesOf(tp, protocol),
      masks: (tp.masks ?? []).map(maskView),
    });
  }
  const ledger = await store.ledgerEntries(key);
  const latest = view.latestPrediction ?? null;
  return {
    studyId: view.studyId,
    pseudonym: view.pseudonym,
    enrolledAt: view.enrolledAt,
    stage: view.stage,
    state: patientState(
      timepoints.map((t) => t.state),
      Boolean(view.withdrawn),
    ),
    withdrawn: view.withdrawn ?? null,
    pathology: view.pathology ? { necrosisPct: view.pathology.necrosisPct, huvosGrade: view.pathology.huvosGrade, date: view.pathology.date } : null,
    timepoints,
    latestPrediction: latest ? { probability: latest.probability, model: latest.model } : null,
    predictions: ledger.map((e) => ({
      seq: e.seq,
      timepoint: e.timepoint,
      model: e.model,
      modelVersion: e.modelVersion,
      probability: e.probability,
      predictedAt: e.predictedAt,
      mode: e.mode,
      rescore: e.rescore,
      inSample: e.inSample,
    })),
  };
}
