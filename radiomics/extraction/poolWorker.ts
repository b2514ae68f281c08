// A worker thread of the extraction pool (pool.ts): it prepares an extraction (reads the inputs, preprocesses, computes
// shape — or the whole extraction in IBSI mode) or computes the features of one image type's derived images, posting
// each derived image's features as soon as they are ready.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parentPort } from 'node:worker_threads';
import { RadiomicsInputError } from '../../imaging/errors';
import { derivedImageTasks, extractSync, preprocessWithShape, runTasks } from '../extractor';
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
    const shapeFeatures = runTasks(shapeTasks);
    // reading and resampling leave the input's full-size arrays behind
    collect();
    post({
      kind: 'prepared',
      shapeFeatures,
      diagnostics,
      pre: { params: pre.params, image: pre.image, textureRoi: pre.textureRoi, shapeIsTexture: pre.shapeRoi === pre.textureRoi },
    });
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
