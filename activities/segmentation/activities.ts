// The segmentTumour activity: a thin adapter from the contract to the segmentation library. It reads the images the
// model's channels name, segments, writes the mask beside the timepoint's scans (atomically) and reports what ran.
// Bad input fails non-retryably with its reason; an empty mask is a failed QC (a person registers a manual mask).
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync } from 'node:fs';
import type { StudyFiles } from '../../study/storedFiles';
import os from 'node:os';
import path from 'node:path';
import { ApplicationFailure, Context } from '@temporalio/activity';
import { readImage, writeNifti } from '../../imaging/io';
import { SegmentationInputError, SegmentationModelError } from '../../models/segmentation/errors';
import type { ModelPackage } from '../../models/segmentation/package';
import type { ModelSession } from '../../models/segmentation/inference/onnxSession';
import { segmentVolumes } from '../../models/segmentation/segment';
import { SEGMENT_CONTRACT_VERSION, type SegmentationActivities, type SegmentTumourInput, type SegmentTumourResult } from '../../contracts/segmentation';
import { QC_FAILED, SEGMENTATION_NON_RETRYABLE_ERRORS } from '../../contracts/errors';
import { contractProblems } from './contractCheck';

/** The model packages a worker serves, each with its one open session. */
export interface ModelServer {
  /** `name` or `name@version`; undefined: the default. Throws SegmentationModelError for a model it does not serve. */
  resolve(model: string | undefined): { pkg: ModelPackage; session: ModelSession };
  runtime: string;
}

export interface SegmentationDeps {
  models: ModelServer;
  /** Mirroring test-time augmentation when the input does not say (default false). */
  tta?: boolean;
  /** Names this worker in results (default host:pid). */
  workerId?: string;
  /**
   * Where this worker lays out the images it reads and writes its masks (its own folder), and the blob store the
   * mask goes into. Absent (library use): images and outDir are paths on this host, and the mask is not put anywhere.
   */
  files?: StudyFiles;
}

const NON_RETRYABLE_NAMES = new Set<string>([...SEGMENTATION_NON_RETRYABLE_ERRORS, 'RadiomicsInputError']);

function nonRetryable(err: Error): ApplicationFailure {
  return ApplicationFailure.create({ type: err.name, message: err.message, nonRetryable: true });
}

/** The mask's file name; it carries the mask's address, so another mask of the same model never takes its name. */
export function maskFileName(pkg: ModelPackage, sha256: string): string {
  return `mask.auto.${pkg.sidecar.name}-${pkg.sidecar.version}-${sha256.slice(0, 12)}.nii.gz`;
}

export function createSegmentationActivities(deps: SegmentationDeps): SegmentationActivities {
  const workerId = deps.workerId ?? `${os.hostname()}:${process.pid}`;
  return {
    async segmentTumour(input: SegmentTumourInput): Promise<SegmentTumourResult> {
      const problems = contractProblems('input', input);
      if (problems)
        throw ApplicationFailure.create({
          type: SEGMENTATION_NON_RETRYABLE_ERRORS[0],
          nonRetryable: true,
          message: `segmentTumour input does not match the contract: ${problems}`,
        });
      const context = Context.current();
      try {
        const { pkg, session } = deps.models.resolve(input.model);
        const channels = pkg.sidecar.input.channels;
        const byModality = new Map(input.images.map((image) => [image.modality, image]));
        const missing = channels.filter((c) => !byModality.has(c.modality)).map((c) => c.modality);
        if (missing.length) {
          throw new SegmentationInputError(
            `model ${pkg.ref} needs ${channels.map((c) => c.modality).join(' + ')}; the timepoint has no ${missing.join(', ')} (it has ${[...byModality.keys()].join(', ')})`,
            {
              field: 'images',
              expected: `images of ${channels.map((c) => c.modality).join(', ')}`,
            },
          );
        }
        context.heartbeat({ stage: 'reading' });
        const study = { studyId: input.studyId };
        const local = async (image: SegmentTumourInput['images'][number]) => (deps.files ? deps.files.local(study, image) : image.path);
        const volumes = [];
        for (const c of channels) volumes.push(readImage(await local(byModality.get(c.modality)!)));
        const tta = input.tta ?? deps.tta ?? false;
        const result = await segmentVolumes(volumes, pkg, session, {
          tta,
          onProgress: (done, total) => context.heartbeat({ stage: 'inference', done, total }),
        });
        if (result.tumourVoxels === 0) {
          const reason = `automatic segmentation (${pkg.ref}) found no tumour: register a manual mask`;
          throw ApplicationFailure.create({ type: QC_FAILED, nonRetryable: true, message: reason, details: [{ passed: false, reasons: [reason] }] });
        }
        // outDir is the timepoint's folder relative to the study's (an absolute one: input scheduled by an earlier version).
        const outDir = deps.files && !path.isAbsolute(input.outDir) ? path.join(deps.files.folderOf(study), input.outDir) : input.outDir;
        mkdirSync(outDir, { recursive: true });
        // Written beside, then renamed to its content-addressed name: a reader never sees half a mask.
        const partial = path.join(outDir, `.mask.${process.pid}.partial.nii.gz`);
        writeNifti(partial, result.mask, { description: `osteoflow ${pkg.ref} automatic mask` });
        const sha256 = createHash('sha256').update(readFileSync(partial)).digest('hex');
        const file = path.join(outDir, maskFileName(pkg, sha256));
        renameSync(partial, file);
        const mask = deps.files && !path.isAbsolute(input.outDir) ? await deps.files.publish(study, file, sha256) : { path: file, sha256 };
        const output: SegmentTumourResult = {
          contractVersion: SEGMENT_CONTRACT_VERSION,
          mask,
          model: { name: pkg.sidecar.name, version: pkg.sidecar.version },
          tumourVoxels: result.tumourVoxels,
          tumourMl: result.tumourMl,
          device: session.provider,
          precision: 'fp32',
          runtime: deps.models.runtime,
          ...(session.fallbackReason ? { fallback: session.fallbackReason } : {}),
          tta,
          windows: result.windows,
          passes: result.passes,
          timings: { totalMs: Math.round(result.timings.totalMs), inferenceMs: Math.round(result.timings.inferenceMs) },
          worker: workerId,
        };
        const bad = contractProblems('result', output);
        if (bad) throw new Error(`segmentTumour result does not match the contract: ${bad}`);
        context.log.info('segmented', {
          studyId: input.studyId,
          pseudonym: input.pseudonym,
          timepoint: input.timepoint,
          model: pkg.ref,
          device: output.device,
          ms: output.timings.totalMs,
          tumourMl: output.tumourMl,
        });
        return output;
      } catch (err) {
        if (err instanceof ApplicationFailure) throw err;
        if (err instanceof Error && (err instanceof SegmentationInputError || err instanceof SegmentationModelError || NON_RETRYABLE_NAMES.has(err.name)))
          throw nonRetryable(err);
        throw err;
      }
    },
  };
}
