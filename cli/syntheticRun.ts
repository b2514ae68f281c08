// The main job: a synthetic study driven end to end through real workflows. This module plays the study's outside
// world — the site that sends scans, the automation that registers re-scans after a failed QC, and the pathologist —
// while the workers do the work.
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import type { OsteoflowConfig } from '../config';
import { writeStudy, type SyntheticPatient, type SyntheticStudyManifest } from '../synthetic';
import type { TimelineView } from '../contracts/timeline';
import { enrolPatient, readTimeline, recordPathology, registerScan, type TimelineHandle } from '../clients/coordinator';
import { cancellingCalls } from '../clients/training';
import { loadStudyFile } from '../study/protocol';
import { writeSyntheticStudyFile } from './syntheticStudy';
import type { StudyProtocol } from '../contracts/study';

export interface SyntheticRunOptions {
  studyId: string;
  patients: number;
  seed: number;
  /** Fraction of visits given a file defect that QC must catch (each comes with a clean re-scan). */
  defectRate: number;
  /** Where the synthetic source files and the study's store go. */
  workDir: string;
  log?: (line: string) => void;
  timeoutMs?: number;
  /** Stops the run (it rejects with the signal's reason) before its next step. */
  signal?: AbortSignal;
}

export interface SyntheticRun {
  protocol: StudyProtocol;
  manifest: SyntheticStudyManifest;
  timelines: TimelineView[];
  /** Re-scans the automation registered after a failed QC. */
  rescans: Array<{ pseudonym: string; timepoint: string; modality: string; reasons: string[]; afterRun: number }>;
}

/** File defects that QC catches and a re-scan repairs (late scans are a timing matter, not a file one). */
const FILE_DEFECTS = ['missing-slice', 'truncated-file', 'wrong-modality'] as const;

export async function runSyntheticStudy(client: Client, cfg: OsteoflowConfig, options: SyntheticRunOptions): Promise<SyntheticRun> {
  const log = options.log ?? (() => undefined);
  const checkpoint = () => options.signal?.throwIfAborted();
  const sourceDir = path.join(options.workDir, 'source');
  log(`generating ${options.patients} synthetic patients (seed ${options.seed}) in ${sourceDir}`);
  const manifest = writeStudy({
    seed: options.seed,
    patients: options.patients,
    outDir: sourceDir,
    defects: options.defectRate > 0 ? { rate: options.defectRate, kinds: [...FILE_DEFECTS] } : undefined,
  });
  const studyFile = writeSyntheticStudyFile(options.workDir, { studyId: options.studyId });
  const protocol = loadStudyFile(studyFile, { storeRoot: path.join(options.workDir, 'store') });
  const file = (relative: string) => path.join(sourceDir, relative);

  log(`enrolling ${manifest.patients.length} patients in ${protocol.studyId} and registering their scans`);
  const handles = new Map<string, TimelineHandle>();
  // Each stretch of calls runs in a scope that an abort cancels.
  const calls = <T>(fn: () => Promise<T>) => cancellingCalls(client, options.signal, fn);
  await calls(async () => {
    for (const patient of manifest.patients) {
      checkpoint();
      const handle = await enrolPatient(client, cfg.taskQueues.pipeline, protocol, patient.pseudonym, { ...patient.clinical });
      handles.set(patient.pseudonym, handle);
      for (const tp of patient.timepoints) {
        for (const [modality, relative] of Object.entries(tp.files)) await registerScan(handle, { timepoint: tp.name, modality, source: file(relative) });
      }
    }
  });

  const rescans: SyntheticRun['rescans'] = [];
  const labelled = new Set<string>();
  const deadline = Date.now() + (options.timeoutMs ?? 30 * 60000);
  // One round: read every timeline, register the re-scans QC asks for and the pathology of the finished patients.
  const round = async (): Promise<TimelineView[]> => {
    const views = await Promise.all(manifest.patients.map((p) => readTimeline(handles.get(p.pseudonym)!)));
    for (const [i, view] of views.entries()) {
      const patient = manifest.patients[i];
      for (const tp of view.timepoints) {
        // Nothing in the synthetic study fixes a failure that needs a person: say which and why, instead of waiting out the deadline.
        if (tp.status === 'needs-attention') {
          throw new Error(
            `${patient.pseudonym} ${tp.name} needs attention (${tp.attention?.code ?? 'unknown'}): ${tp.attention?.message ?? 'no reason recorded'}`,
          );
        }
        if (tp.status !== 'qc-failed/awaiting-rescan') continue;
        // A re-scan registered after this very run has not been picked up yet: wait for the timeline to rerun.
        if (rescans.some((r) => r.pseudonym === patient.pseudonym && r.timepoint === tp.name && r.afterRun === tp.runs)) continue;
        checkpoint();
        await registerRescan(patient, tp.name, tp.runs, handles.get(patient.pseudonym)!, tp.qc?.reasons ?? [], file, rescans, log);
      }
      if (!labelled.has(patient.pseudonym) && view.timepoints.every((t) => t.status === 'done')) {
        checkpoint();
        const { necrosisPct, huvosGrade, reportDate } = patient.pathology;
        await recordPathology(handles.get(patient.pseudonym)!, { necrosisPct, huvosGrade, date: reportDate });
        labelled.add(patient.pseudonym);
      }
    }
    return views;
  };
  for (;;) {
    const views = await calls(round);
    const done = views.filter((v) => v.timepoints.every((t) => t.status === 'done')).length;
    if (labelled.size === manifest.patients.length) break;
    if (Date.now() > deadline) throw new Error(`the study did not complete in time: ${done}/${manifest.patients.length} timelines done`);
    await sleep(1000, undefined, { signal: options.signal }).catch(checkpoint);
  }
  const timelines = await calls(() => Promise.all(manifest.patients.map((p) => handles.get(p.pseudonym)!.result())));
  return { protocol, manifest, timelines, rescans };
}

async function registerRescan(
  patient: SyntheticPatient,
  timepoint: string,
  afterRun: number,
  handle: TimelineHandle,
  reasons: string[],
  file: (relative: string) => string,
  rescans: SyntheticRun['rescans'],
  log: (line: string) => void,
): Promise<void> {
  const tp = patient.timepoints.find((t) => t.name === timepoint)!;
  const pending = Object.entries(tp.rescanFiles ?? {}).filter(
    ([modality]) => !rescans.some((r) => r.pseudonym === patient.pseudonym && r.timepoint === timepoint && r.modality === modality),
  );
  if (pending.length === 0) {
    throw new Error(`${patient.pseudonym}/${timepoint} failed QC (${reasons.join('; ')}) and the synthetic study has no re-scan for it`);
  }
  for (const [modality, relative] of pending) {
    log(`${patient.pseudonym}/${timepoint}: QC failed (${reasons.join('; ')}); registering the re-scan of ${modality}`);
    await registerScan(handle, { timepoint, modality, source: file(relative!) });
    rescans.push({ pseudonym: patient.pseudonym, timepoint, modality, reasons, afterRun });
  }
}
