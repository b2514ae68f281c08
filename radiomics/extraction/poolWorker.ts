// A worker thread of the extraction pool (pool.ts): it prepares an extraction (reads the inputs, preprocesses, computes
// shape — or the whole extraction in IBSI mode) or computes the features of one image type's derived images, posting
// each derived image's features as soon as they are ready.
import { parentPort } from 'node:worker_threads';
import { RadiomicsInputError } from '../../imaging/errors';
import { derivedImageTasks, extractSync, preprocessWithShape, runTasks } from '../extractor';
import { isIbsiMode } from '../params/ibsiSettings';
import type { PoolReply, PoolRequest, SerializedError } from './poolMessages';

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
    post({
      kind: 'prepared',
      shapeFeatures: runTasks(shapeTasks),
      diagnostics,
      pre: { params: pre.params, image: pre.image, textureRoi: pre.textureRoi, shapeIsTexture: pre.shapeRoi === pre.textureRoi },
    });
    return;
  }
  const { pre } = request;
  const state = { ...pre, shapeRoi: pre.shapeIsTexture ? pre.textureRoi : undefined };
  for (const { name, tasks } of derivedImageTasks(state, request.imageType, request.settings, undefined, request.range)) {
    post({ kind: 'image', name, features: runTasks(tasks) });
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
