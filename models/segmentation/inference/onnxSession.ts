// One onnxruntime-node inference session for a model package, on the first execution provider (in the order of
// preference given) that can both create the session and run a window of the model. A provider that fails is
// recorded with its reason (onnxruntime's WebGPU provider creates a session with a 3D ConvTranspose, then fails at run), and a
// provider that fails later, mid-volume, is replaced by the CPU for the rest of the session's life.
import { existsSync } from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { SegmentationModelError } from '../errors';
import type { ModelPackage } from '../package';
import type { PatchRunner } from './slidingWindow';

export const EXECUTION_PROVIDERS = ['cuda', 'webgpu', 'cpu'] as const;
export type ExecutionProvider = (typeof EXECUTION_PROVIDERS)[number];

export interface ProviderFailure {
  provider: ExecutionProvider;
  stage: 'create' | 'run';
  reason: string;
}

export interface SessionOptions {
  /** In order of preference; the CPU is always tried last even when not named. Default ['cpu']. */
  providers?: ExecutionProvider[];
  /** Threads of the CPU provider (default: onnxruntime's, one per core). */
  cpuThreads?: number;
  /** CUDA / WebGPU device (default 0). */
  deviceId?: number;
}

export function parseProviders(text: string): ExecutionProvider[] {
  const names = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const name of names) {
    if (!(EXECUTION_PROVIDERS as readonly string[]).includes(name))
      throw new Error(`execution provider '${name}' is not one of ${EXECUTION_PROVIDERS.join(', ')}`);
  }
  if (names.length === 0) throw new Error(`no execution provider named (expected a comma-separated list of ${EXECUTION_PROVIDERS.join(', ')})`);
  return names as ExecutionProvider[];
}

function message(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0].slice(0, 500);
}

/**
 * Why onnxruntime-node cannot have a CUDA provider here, if it cannot: its CUDA libraries are not bundled but fetched
 * at install time (workers/gpu/README.md). Checked first, so a host without them gets a clear reason, not a loader error.
 */
function missingCudaProvider(): string | undefined {
  if (process.platform !== 'linux') return undefined;
  const binding = path.join(path.dirname(require.resolve('onnxruntime-node')), '..', 'bin', 'napi-v6', process.platform, process.arch);
  const library = path.join(binding, 'libonnxruntime_providers_cuda.so');
  return existsSync(library) ? undefined : `onnxruntime-node's CUDA provider is not installed (no ${library}; see workers/gpu/README.md)`;
}

export class ModelSession implements PatchRunner {
  /** Providers that could not serve this model, in the order they were tried. */
  readonly failures: ProviderFailure[] = [];
  private session!: ort.InferenceSession;
  private current!: ExecutionProvider;
  private inputName = '';
  private outputName = '';
  private readonly inputDims: number[];
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly pkg: ModelPackage,
    private readonly options: SessionOptions,
  ) {
    const [px, py, pz] = pkg.sidecar.input.patchSize;
    this.inputDims = [pkg.sidecar.input.channels.length, pz, py, px];
  }

  /** Opens the session on the first provider that creates and runs the model; the model's input and output shapes are checked first. */
  static async open(pkg: ModelPackage, options: SessionOptions = {}): Promise<ModelSession> {
    const session = new ModelSession(pkg, options);
    const wanted = options.providers ?? ['cpu'];
    const order = [...wanted.filter((p) => p !== 'cpu'), 'cpu'] as ExecutionProvider[];
    for (const provider of order) {
      if (await session.tryProvider(provider)) return session;
    }
    throw new SegmentationModelError(
      `no execution provider could run the model: ${session.failures.map((f) => `${f.provider} (${f.stage}): ${f.reason}`).join('; ')}`,
      { file: pkg.onnxPath },
    );
  }

  get provider(): ExecutionProvider {
    return this.current;
  }

  /** Why the session is not on the first provider asked for, if it is not. */
  get fallbackReason(): string | undefined {
    return this.failures.length ? this.failures.map((f) => `${f.provider} failed at ${f.stage}: ${f.reason}`).join('; ') : undefined;
  }

  private async tryProvider(provider: ExecutionProvider): Promise<boolean> {
    const missing = provider === 'cuda' ? missingCudaProvider() : undefined;
    if (missing) {
      this.failures.push({ provider, stage: 'create', reason: missing });
      return false;
    }
    let candidate: ort.InferenceSession;
    try {
      candidate = await ort.InferenceSession.create(this.pkg.onnxPath, this.sessionOptions(provider));
    } catch (err) {
      if (provider === 'cpu') throw new SegmentationModelError(`onnxruntime cannot load the network: ${message(err)}`, { file: this.pkg.onnxPath });
      this.failures.push({ provider, stage: 'create', reason: message(err) });
      return false;
    }
    this.checkSignature(candidate);
    try {
      // One window through the provider: creation alone does not prove it can run every node.
      await this.runOn(candidate, new Float32Array(this.inputDims.reduce((a, b) => a * b, 1)), 1);
    } catch (err) {
      await candidate.release().catch(() => undefined);
      if (provider === 'cpu') throw new SegmentationModelError(`the network fails on the CPU: ${message(err)}`, { file: this.pkg.onnxPath });
      this.failures.push({ provider, stage: 'run', reason: message(err) });
      return false;
    }
    this.session = candidate;
    this.current = provider;
    return true;
  }

  private sessionOptions(provider: ExecutionProvider): ort.InferenceSession.SessionOptions {
    const deviceId = this.options.deviceId ?? 0;
    const ep: ort.InferenceSession.ExecutionProviderConfig = provider === 'cpu' ? 'cpu' : provider === 'cuda' ? { name: 'cuda', deviceId } : { name: 'webgpu' };
    return {
      executionProviders: [ep],
      graphOptimizationLevel: 'all',
      ...(this.options.cpuThreads ? { intraOpNumThreads: this.options.cpuThreads } : {}),
      logSeverityLevel: 3,
    };
  }

  /** The network must take one [N, C, z, y, x] input with the sidecar's channels and patch, and give [N, K, z, y, x]. */
  private checkSignature(session: ort.InferenceSession): void {
    const file = this.pkg.onnxPath;
    const { sidecar } = this.pkg;
    if (session.inputNames.length !== 1)
      throw new SegmentationModelError(`the network has ${session.inputNames.length} inputs (${session.inputNames.join(', ')})`, {
        file,
        expected: 'one image input',
      });
    if (session.outputNames.length < 1) throw new SegmentationModelError('the network has no output', { file });
    this.inputName = session.inputNames[0];
    this.outputName = session.outputNames[0];
    const input = session.inputMetadata[0];
    const output = session.outputMetadata[0];
    const expectedIn = ['N', ...this.inputDims];
    const expectedOut = ['N', sidecar.output.classes.length, ...this.inputDims.slice(1)];
    const check = (meta: ort.InferenceSession.ValueMetadata, expected: Array<string | number>, what: string) => {
      if (!meta.isTensor) throw new SegmentationModelError(`the network's ${what} '${meta.name}' is not a tensor`, { file });
      if (meta.type !== 'float32') throw new SegmentationModelError(`the network's ${what} '${meta.name}' is ${meta.type}`, { file, expected: 'float32' });
      const shape = meta.shape;
      if (shape.length !== expected.length) {
        throw new SegmentationModelError(
          `the network's ${what} '${meta.name}' has rank ${shape.length} ([${shape.join(', ')}]) where the sidecar's layout NCDHW needs rank ${expected.length}`,
          {
            file,
            field: 'input.layout',
            expected: `[${expected.join(', ')}]`,
          },
        );
      }
      shape.forEach((dim, i) => {
        if (i > 0 && typeof dim === 'number' && dim !== expected[i]) {
          throw new SegmentationModelError(`the network's ${what} '${meta.name}' is [${shape.join(', ')}], which disagrees with the sidecar at axis ${i}`, {
            file,
            field: i === 1 ? (what === 'input' ? 'input.channels' : 'output.classes') : 'input.patchSize',
            expected: `[${expected.join(', ')}]`,
          });
        }
      });
    };
    check(input, expectedIn, 'input');
    check(output, expectedOut, 'output');
  }

  private async runOn(session: ort.InferenceSession, batch: Float32Array, count: number): Promise<Float32Array> {
    const tensor = new ort.Tensor('float32', batch, [count, ...this.inputDims]);
    const result = await session.run({ [this.inputName]: tensor });
    const out = result[this.outputName];
    const data = out.data as Float32Array;
    out.dispose();
    return data;
  }

  /** Runs a batch of windows; concurrent callers are served one at a time (one session, one device). */
  run(batch: Float32Array, count: number): Promise<Float32Array> {
    const next = this.queue.then(() => this.runNow(batch, count));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async runNow(batch: Float32Array, count: number): Promise<Float32Array> {
    try {
      return await this.runOn(this.session, batch, count);
    } catch (err) {
      if (this.current === 'cpu') throw err;
      // The GPU provider failed mid-volume (e.g. out of memory): the CPU takes over for good, and says why.
      this.failures.push({ provider: this.current, stage: 'run', reason: message(err) });
      await this.session.release().catch(() => undefined);
      await this.tryProvider('cpu');
      return this.runOn(this.session, batch, count);
    }
  }

  async release(): Promise<void> {
    await this.queue;
    await this.session.release();
  }
}
