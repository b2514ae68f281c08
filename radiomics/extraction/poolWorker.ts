// A worker thread of the extraction pool (pool.ts): it prepares an extraction (reads the inputs, preprocesses, computes
// shape — or the whole extraction in IBSI mode) or computes the features of one image type's derived images, posting
// each derived image's features as soon as they are ready.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parentPort } from 'node:worker_threads';
import { RadiomicsInputError } from '../../imaging/errors';
import type { Mat3, Vec3, VoxelArray } from '../../imaging/image';
import { derivedImageTasks, extractSync, preprocessWithShape, runTasks, type ExtractOptions } from '../extractor';
import type { ExtractionParams } from '../params/types';
import { isIbsiMode } from '../params/ibsiSettings';
import type { PoolReply, PoolRequest, SerializedError } from './poolMessages';

/**
 * A garbage collection (a full one unless 'minor' is asked), run after each derived image. A derived image leaves
 * tens of MB of typed arrays behind (filter passes, the ROI's intensities and gray levels), and V8 collects those only
 * after some 64 MB more have been allocated — in every worker thread of the pool, which made the pooled CLI's peak
 * memory about 80 MB above what the images need. A worker cannot be given --expose-gc (V8 options are not accepted by
 * worker threads), so the flag is set at run time; where that is refused, collection is left to V8.
 */
const collect: (type?: 'major' | 'minor') => void = (() => {
  try {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as unknown;
    return typeof gc === 'function' ? (type = 'major') => (gc as (options: { type: string }) => void)({ type }) : () => undefined;
  } catch {
    return () => undefined;
  }
})();

/**
 * A copy of `data` in shared memory. The prepared state goes to the pool's thread and from there to every image job:
 * in shared memory each of those holds the one copy instead of its own (the filters only read it).
 */
function shared<T extends VoxelArray>(data: T): T {
  const copy = new (data.constructor as new (buffer: SharedArrayBuffer) => T)(new SharedArrayBuffer(data.byteLength));
  copy.set(data);
  return copy;
}

/**
 * An extraction of a 16³ synthetic case (a ball in a patterned image, on the resampled spacing) with the parameters of
 * the extraction to come, for its side effect: V8 compiles the filters' and feature classes' hot loops. Its result and
 * any error are dropped (the real case reports its own).
 */
function warmUp(params: ExtractionParams, options: ExtractOptions): void {
  if (isIbsiMode(params.settings)) return;
  const n = 16;
  const spacing = [0, 1, 2].map((a) => params.settings.resampledPixelSpacing?.[a] || 1) as Vec3;
  const geometry = { size: [n, n, n] as Vec3, spacing, origin: [0, 0, 0] as Vec3, direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] as Mat3 };
  const image = new Float32Array(n ** 3);
  const mask = new Uint8Array(n ** 3);
  const label = options.label ?? params.settings.label;
  for (let z = 0, i = 0; z < n; z++) {
    for (let y = 0; y < n; y++) {
      for (let x = 0; x < n; x++, i++) {
        image[i] = 100 * Math.sin(0.7 * x) * Math.cos(0.5 * y) + 37 * ((7 * x + 13 * y + 5 * z) % 11);
        mask[i] = (x - 7.5) ** 2 + (y - 7.5) ** 2 + (z - 7.5) ** 2 <= 30 ? label : 0;
      }
    }
  }
  try {
    extractSync({ geometry, data: image, source: 'warm-up' }, { geometry, data: mask, source: 'warm-up' }, params, options);
  } catch {
    // the real case reports its own errors
  }
  collect();
}

function serializeError(err: unknown): SerializedError {
  if (err instanceof RadiomicsInputError) return { name: err.name, message: err.message, file: err.file, field: err.field, expected: err.expected };
  if (err instanceof Error) return { name: err.name, message: err.message, stack: err.stack };
  return { name: 'Error', message: String(err) };
}

function handle(request: PoolRequest, post: (reply: PoolReply) => void): void {
  if (request.kind === 'prepare') {
    if (isIbsiMode(request.params.settings)) {
      post({ kind: 'complete', result: extractSync(request.image, request.mask, request.params, request.options) });
      return;
    }
    const { pre, shapeTasks, diagnostics } = preprocessWithShape(request.image, request.mask, request.params, request.options);
    // the image jobs start on the other workers while this one collects and computes shape
    const { image, textureRoi } = pre;
    post({
      kind: 'prepared',
      diagnostics,
      pre: {
        params: pre.params,
        image: { ...image, data: shared(image.data) },
        textureRoi: { ...textureRoi, roi: shared(textureRoi.roi), mask: { ...textureRoi.mask, data: shared(textureRoi.mask.data) } },
        shapeIsTexture: pre.shapeRoi === pre.textureRoi,
      },
    });
    // reading and resampling leave the input's full-size arrays behind
    collect();
    post({ kind: 'shape', features: runTasks(shapeTasks) });
    return;
  }
  if (request.kind === 'warm') {
    warmUp(request.params, request.options);
    post({ kind: 'done' });
    return;
  }
  const { pre } = request;
  const state = { ...pre, shapeRoi: pre.shapeIsTexture ? pre.textureRoi : undefined };
  const only = request.only === null ? null : new Set(request.only);
  const wanted = only === null ? undefined : (index: number) => only.has(index);
  for (const { name, index, tasks } of derivedImageTasks(state, request.imageType, request.settings, undefined, wanted)) {
    // The filter's passes are garbage once the ROI is built: freed before the feature classes allocate theirs. They
    // are young, so a young-generation collection frees them, at a sixth of a full one's cost (some 2 ms).
    collect('minor');
    post({ kind: 'image', name, index, features: runTasks(tasks) });
    collect();
  }
  post({ kind: 'done' });
}

const port = parentPort!;
port.on('message', (request: PoolRequest) => {
  try {
    handle(request, (reply) => port.postMessage(reply));
  } catch (err) {
    port.postMessage({ kind: 'failed', error: serializeError(err) } satisfies PoolReply);
  }
});
