// Extraction on worker threads: the calling thread's event loop stays free (a Temporal activity keeps heartbeating),
// and the derived images of the filters — each LoG sigma, slices of the wavelet sub-bands, every other image type —
// are computed in parallel. One worker first reads and preprocesses the inputs and computes shape (in IBSI mode, the
// whole extraction) while the others start and compile on a small case; then each of those is a job on the next free
// worker, which posts every derived image's features as soon as they are ready. Features and diagnostics are those of
// extractSync, in the same order.
import os from 'node:os';
import path from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { Worker } from 'node:worker_threads';
import { RadiomicsInputError } from '../../imaging/errors';
import { resolveParams, type ExtractionInput, type ExtractionResult, type ExtractOptions, type ParamsInput } from '../extractor';
import { imageTypeSettings } from '../params/validate';
import type { ExtractionParams, ExtractionSettings, FeatureClassName, ImageTypeName } from '../params/types';
import { derivedImageCount } from './imageTypes';
import { waveletAxes } from '../filters';
import { SHAPE_CLASSES } from './featureClasses';
import type { PoolReply, PoolRequest, PreparedState, SerializedError } from './poolMessages';
import { isIbsiMode } from '../params/ibsiSettings';

/** Set by the build (ops/build.cjs) to the compiled worker beside the bundle; from source the worker runs through tsx. */
declare const OSTEOFLOW_RADIOMICS_WORKER: string | undefined;

/** Where a worker thread's code is: a file and the Node options it needs. */
export interface WorkerScript {
  file: string;
  execArgv: string[];
}

function workerScript(): WorkerScript {
  if (typeof OSTEOFLOW_RADIOMICS_WORKER === 'string') return { file: OSTEOFLOW_RADIOMICS_WORKER, execArgv: [] };
  return { file: path.join(__dirname, 'poolWorker.ts'), execArgv: ['--require', require.resolve('tsx/cjs')] };
}

/** Progress of an extraction: `image` of `images` derived images have their features (`name` the latest). */
export interface ExtractionProgress {
  image: number;
  images: number;
  name: string;
}

export interface PooledExtractOptions extends ExtractOptions {
  /** Called after each derived image's features are computed, in the order they finish. */
  onProgress?: (progress: ExtractionProgress) => void;
  /** Workers to use (default: the process's shared pool, one worker per core). */
  pool?: ExtractionPool;
  /** Aborting rejects the extraction and stops its workers. */
  signal?: AbortSignal;
}

interface Job {
  request: PoolRequest;
  onReply: (reply: PoolReply) => void;
  worker?: Worker;
}

/** A fixed number of worker threads, started on first use; idle workers do not keep the process alive. */
export class ExtractionPool {
  private readonly idle: Worker[] = [];
  private readonly workers = new Set<Worker>();
  private readonly queue: Job[] = [];
  private readonly running = new Map<Worker, Job>();
  /** Workers that have run a job (their hot code is compiled). */
  private readonly used = new WeakSet<Worker>();
  private closed = false;

  constructor(
    readonly size = Math.max(1, os.availableParallelism()),
    private readonly script: WorkerScript = workerScript(),
  ) {}

  /** Queues one request; `onReply` sees its replies until the last ('done', 'shape', 'complete' or 'failed'). */
  submit(request: PoolRequest, onReply: (reply: PoolReply) => void): Job {
    if (this.closed) throw new Error('the extraction pool is closed');
    const job: Job = { request, onReply };
    this.queue.push(job);
    this.dispatch();
    return job;
  }

  /** Starts the workers not yet running (up to `size`), idle, so that their start-up overlaps the first job's work. */
  warm(): void {
    if (this.closed) return;
    while (this.workers.size < this.size) {
      const worker = this.spawn();
      worker.unref();
      this.idle.push(worker);
    }
  }

  /**
   * Runs `request` on each started worker that is idle and has run nothing yet, while no job waits: the compiling it
   * does then costs no other job's time.
   */
  warmUp(request: PoolRequest): void {
    for (const worker of [...this.idle]) {
      if (this.queue.length > 0 || this.used.has(worker)) continue;
      this.idle.splice(this.idle.indexOf(worker), 1);
      this.start(worker, { request, onReply: () => undefined });
    }
  }

  /** Drops a queued job, or stops the worker running it (a new one starts when needed). */
  cancel(job: Job): void {
    const queued = this.queue.indexOf(job);
    if (queued >= 0) this.queue.splice(queued, 1);
    if (job.worker && this.running.get(job.worker) === job) {
      this.running.delete(job.worker);
      this.discard(job.worker);
      void job.worker.terminate();
      this.dispatch();
    }
  }

  /** Stops every worker; queued and running jobs fail. */
  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.onReply({ kind: 'failed', error: { name: 'Error', message: 'the extraction pool was closed' } });
    await Promise.all([...this.workers].map((w) => w.terminate()));
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      const worker = this.idle.pop() ?? (this.workers.size < this.size ? this.spawn() : undefined);
      if (!worker) return;
      this.start(worker, this.queue.shift()!);
    }
  }

  private start(worker: Worker, job: Job): void {
    job.worker = worker;
    this.running.set(worker, job);
    this.used.add(worker);
    worker.ref();
    worker.postMessage(job.request);
  }

  private spawn(): Worker {
    const worker = startWorker(this.script);
    this.workers.add(worker);
    worker.on('message', (reply: PoolReply) => {
      const job = this.running.get(worker);
      if (!job) return;
      // 'image' and 'prepared' replies come before a job's last
      if (reply.kind !== 'image' && reply.kind !== 'prepared') {
        this.running.delete(worker);
        worker.unref();
        this.idle.push(worker);
      }
      job.onReply(reply);
      this.dispatch();
    });
    const lost = (why: string) => {
      this.discard(worker);
      const job = this.running.get(worker);
      this.running.delete(worker);
      job?.onReply({ kind: 'failed', error: { name: 'Error', message: `an extraction worker ${why}` } });
      this.dispatch();
    };
    worker.on('error', (err) => lost(`failed: ${err.message}`));
    worker.on('exit', (code) => lost(`exited (code ${code})`));
    return worker;
  }

  private discard(worker: Worker): void {
    this.workers.delete(worker);
    const at = this.idle.indexOf(worker);
    if (at >= 0) this.idle.splice(at, 1);
  }
}

/**
 * Starts a worker thread whose V8 isolate compiles its optimised code on its own thread. With V8's default
 * (concurrent recompilation) every isolate's hot functions are compiled on the process's shared helper threads, and
 * the feature loops' many on-stack replacements and re-optimisations made that about 1 s of CPU per extraction
 * (some 20 % of it) beyond the synchronous compiles' cost. An isolate reads the flag when it is created: it is
 * cleared only until the worker runs, so the process's other isolates keep the default. Worker threads accept no
 * V8 options of their own (execArgv), hence the process flag; where it is refused the default stays.
 */
function startWorker(script: WorkerScript): Worker {
  if (starting++ === 0) synchronousCompiles = setV8Flag('--no-concurrent-recompilation');
  const worker = new Worker(script.file, { execArgv: script.execArgv });
  let started = false;
  const settle = () => {
    if (started) return;
    started = true;
    if (--starting === 0 && synchronousCompiles) setV8Flag('--concurrent-recompilation');
  };
  worker.once('online', settle).once('exit', settle);
  return worker;
}

/** Workers created and not yet running, and whether the flag was cleared for them. */
let starting = 0;
let synchronousCompiles = false;

function setV8Flag(flag: string): boolean {
  try {
    setFlagsFromString(flag);
    return true;
  } catch {
    return false;
  }
}

let shared: ExtractionPool | undefined;

/** The process's pool, one worker per core, started on first use. */
export function sharedExtractionPool(): ExtractionPool {
  return (shared ??= new ExtractionPool());
}

function revive(error: SerializedError): Error {
  if (error.name === 'RadiomicsInputError') {
    const err = new RadiomicsInputError('');
    return Object.assign(err, { message: error.message, file: error.file, field: error.field, expected: error.expected });
  }
  const err = new Error(error.message);
  err.name = error.name;
  if (error.stack) err.stack = error.stack;
  return err;
}

interface ImageJob {
  imageType: ImageTypeName;
  settings: ExtractionSettings;
  /** The positions of the image type's derived images this job computes features for (null: all). */
  only: number[] | null;
  images: number;
  /** Where its images go in the result: the image type's place in the parameters, then base + each image's position. */
  rank: number;
  base: number;
}

/**
 * The wavelet sub-bands in groups that share their first passes: by the leading letters of the band name (the first
 * transformed axis' low or high pass, then the second's, as far as `parts` allows, and at least all letters but the
 * last), the last approximation with the all-low group. Each worker then computes the passes of its own bands only.
 * Groups of two bands a level (four groups in 3D, even for two workers) compute each of the first axis' two passes
 * twice, but a group's job holds two of the transform's image-sized blocks at a time instead of three or four: on the
 * sarcoma benchmark (bench/cliTables.ts) some 10-20 MB less peak RSS per case and 20 MB less for a batch, for about
 * 0.1-0.3 s more CPU per case.
 */
function waveletGroups(settings: ExtractionSettings, parts: number): number[][] {
  const axes = waveletAxes(settings).length;
  const perLevel = 2 ** axes - 1;
  const bits = Math.min(axes, Math.max(axes - 1, Math.floor(Math.log2(parts))));
  const groups: number[][] = Array.from({ length: 2 ** bits }, () => []);
  for (let level = 1; level <= settings.level; level++) {
    for (let code = 1; code <= perLevel; code++) groups[code >> (axes - bits)].push((level - 1) * perLevel + code - 1);
  }
  groups[0].push(settings.level * perLevel);
  return groups.filter((g) => g.length > 0);
}

/**
 * The image-type jobs of an extraction, in extraction order: each LoG sigma apart, the wavelet sub-bands in up to
 * `parts` groups (waveletGroups), another image type with several derived images in `parts` slices of them (each
 * worker filters again, and computes the features of its slice only), every other image type whole.
 */
function imageJobs(params: ExtractionParams, parts: number): ImageJob[] {
  const intensity = (Object.keys(params.featureClasses) as FeatureClassName[]).some((c) => !SHAPE_CLASSES.includes(c));
  if (!intensity) return [];
  return (Object.keys(params.imageTypes) as ImageTypeName[]).flatMap((imageType, rank): ImageJob[] => {
    const settings = imageTypeSettings(params, imageType);
    if (imageType === 'LoG' && settings.sigma.length > 1) {
      return settings.sigma.map((sigma, k) => ({ imageType, settings: { ...settings, sigma: [sigma] }, only: null, images: 1, rank, base: k }));
    }
    const images = derivedImageCount(imageType, settings);
    // one job where there is nothing to split (and where the filter refuses its settings, as extractSync reports)
    if (images <= 1 || parts <= 1) return [{ imageType, settings, only: null, images, rank, base: 0 }];
    const groups =
      imageType === 'Wavelet'
        ? waveletGroups(settings, parts)
        : Array.from({ length: Math.min(parts, images) }, (_, k) =>
            Array.from({ length: images }, (_, i) => i).filter((i) => i % Math.min(parts, images) === k),
          );
    return groups.map((only) => ({ imageType, settings, only, images: only.length, rank, base: 0 }));
  });
}

/**
 * Whether the pool pays for an extraction with these parameters: where the filters make several image-type jobs (LoG
 * sigmas, wavelet sub-bands, several image types) they run in parallel; a lone original image gains nothing from a
 * worker but its start-up cost.
 */
export function poolPays(params: ExtractionParams, size = Math.max(1, os.availableParallelism())): boolean {
  return size > 1 && !isIbsiMode(params.settings) && imageJobs(params, size).length > 1;
}

/**
 * extractSync on worker threads, with progress: the same features and diagnostics, in the same order (PyRadiomics
 * mode and IBSI mode alike), computed off the calling thread with each image type's derived images in parallel.
 */
export function extractOnWorkers(
  image: ExtractionInput | null,
  mask: ExtractionInput,
  params?: ParamsInput,
  options: PooledExtractOptions = {},
): Promise<ExtractionResult> {
  const { onProgress, pool = sharedExtractionPool(), signal, ...extractOptions } = options;
  return new Promise<ExtractionResult>((resolve, reject) => {
    const jobs: Job[] = [];
    let settled = false;
    const fail = (err: unknown) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      for (const job of jobs) pool.cancel(job);
      reject(err);
    };
    const onAbort = () => fail(signal!.reason ?? new Error('extraction aborted'));
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });

    let resolved: ExtractionParams;
    try {
      resolved = resolveParams(params);
    } catch (err) {
      return fail(err);
    }
    let shapeFeatures: Record<string, number> | undefined;
    // set once the image jobs are planned: completes the extraction when shape and every image job are in
    let finish: (() => void) | undefined;
    // the other workers load the engine while the first reads and resamples
    const prepare = pool.submit({ kind: 'prepare', image, mask, params: resolved, options: extractOptions }, (reply) => {
      if (settled) return;
      if (reply.kind === 'failed') return fail(revive(reply.error));
      if (reply.kind === 'complete') {
        onProgress?.({ image: 1, images: 1, name: 'ibsi' });
        settled = true;
        return resolve(reply.result);
      }
      if (reply.kind === 'prepared') runImages(reply.diagnostics, reply.pre);
      if (reply.kind === 'shape') {
        shapeFeatures = reply.features;
        finish?.();
      }
    });
    jobs.push(prepare);
    pool.warm();
    // the other workers compile the engine's hot code on a small case meanwhile, rather than on the first images
    pool.warmUp({ kind: 'warm', params: resolved, options: extractOptions });

    const runImages = (diagnostics: ExtractionResult['diagnostics'], pre: PreparedState) => {
      const planned = imageJobs(resolved, pool.size);
      const images = planned.reduce((n, j) => n + j.images, 0);
      const computed: { rank: number; position: number; features: Record<string, number> }[] = [];
      let finished = 0,
        done = 0;
      finish = () => {
        if (settled || shapeFeatures === undefined || done < planned.length) return;
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        // extractSync's order: image types as the parameters list them, each one's derived images in filter order.
        computed.sort((a, b) => a.rank - b.rank || a.position - b.position);
        resolve({ features: Object.assign({}, shapeFeatures, ...computed.map((c) => c.features)), diagnostics });
      };
      if (planned.length === 0) return finish();
      // the jobs of most derived images first: the short ones come last, so that the workers finish close together
      [...planned]
        .sort((a, b) => b.images - a.images)
        .forEach(({ imageType, settings, only, rank, base }) => {
          const job = pool.submit({ kind: 'images', pre, imageType, settings, only }, (reply) => {
            if (settled) return;
            if (reply.kind === 'failed') return fail(revive(reply.error));
            if (reply.kind === 'image') {
              computed.push({ rank, position: base + reply.index, features: reply.features });
              onProgress?.({ image: ++finished, images: Math.max(images, finished), name: reply.name });
            } else if (reply.kind === 'done' && ++done === planned.length) finish!();
          });
          jobs.push(job);
        });
    };
  });
}
