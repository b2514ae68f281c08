// The segmentTumour activity: a thin adapter from the contract to the segmentation library. It reads the images the
// model's channels name, segments, writes the mask beside the timepoint's scans (atomically) and reports what ran.
// Bad input fails non-retryably with its reason; an empty mask is a failed QC (a person registers a manual mask).
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync } from 'node:fs';
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
}

const NON_RETRYABLE_NAMES = new Set<string>([...SEGMENTATION_NON_RETRYABLE_ERRORS, 'RadiomicsInputError']);

function nonRetryable(err: Error): ApplicationFailure {
  return ApplicationFailure.create({ type: err.name, message: err.message, nonRetryable: true });
}

export function maskFileName(pkg: ModelPackage): string {
  return `mask.auto.${pkg.sidecar.name}-${pkg.sidecar.version}.nii.gz`;
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
        const volumes = channels.map((c) => readImage(byModality.get(c.modality)!.path));
        const tta = input.tta ?? deps.tta ?? false;
        const result = await segmentVolumes(volumes, pkg, session, {
          tta,
          onProgress: (done, total) => context.heartbeat({ stage: 'inference', done, total }),
        });
        if (result.tumourVoxels === 0) {
          const reason = `automatic segmentation (${pkg.ref}) found no tumour: register a manual mask`;
          throw ApplicationFailure.create({ type: QC_FAILED, nonRetryable: true, message: reason, details: [{ passed: false, reasons: [reason] }] });
        }
        mkdirSync(input.outDir, { recursive: true });
        const file = path.join(input.outDir, maskFileName(pkg));
        // Written beside, then renamed: a reader never sees half a mask, and a retry overwrites with the same bytes.
        const partial = `${file}.${process.pid}.partial.nii.gz`;
        writeNifti(partial, result.mask, { description: `osteoflow ${pkg.ref} automatic mask` });
        renameSync(partial, file);
        const output: SegmentTumourResult = {
          contractVersion: SEGMENT_CONTRACT_VERSION,
          mask: { path: file, sha256: createHash('sha256').update(readFileSync(file)).digest('hex') },
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
