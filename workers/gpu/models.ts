// The model packages one GPU worker serves: each loaded and checked once at start, each with one inference session
// (on the preferred execution provider that can run it) reused by every activity of the worker's life.
import { loadModelPackage, ModelSession, SegmentationModelError, type ExecutionProvider, type ModelPackage } from '../../models/segmentation';
import type { ModelServer } from '../../activities/segmentation/activities';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- the installed package's version, read at run time
const ORT_VERSION: string = (require('onnxruntime-node/package.json') as { version: string }).version;

export interface LoadedModel {
  pkg: ModelPackage;
  session: ModelSession;
}

export class OnnxModelServer implements ModelServer {
  readonly runtime = `onnxruntime-node ${ORT_VERSION}`;

  private constructor(private readonly models: LoadedModel[]) {}

  /** Loads every package and opens its session; a bad package stops the worker before it polls. */
  static async open(dirs: string[], options: { providers: ExecutionProvider[]; cpuThreads?: number; deviceId?: number }): Promise<OnnxModelServer> {
    const models: LoadedModel[] = [];
    try {
      for (const dir of dirs) {
        const pkg = loadModelPackage(dir);
        if (models.some((m) => m.pkg.ref === pkg.ref)) throw new SegmentationModelError(`${pkg.ref} is named twice`, { file: dir });
        models.push({ pkg, session: await ModelSession.open(pkg, options) });
      }
    } catch (err) {
      await Promise.all(models.map((m) => m.session.release()));
      throw err;
    }
    if (models.length === 0) throw new SegmentationModelError('no model package to serve');
    return new OnnxModelServer(models);
  }

  list(): LoadedModel[] {
    return [...this.models];
  }

  resolve(model: string | undefined): LoadedModel {
    if (model === undefined) return this.models[0];
    const found = this.models.find((m) => m.pkg.ref === model || m.pkg.sidecar.name === model);
    if (!found) {
      throw new SegmentationModelError(`this worker does not serve model ${model}`, {
        field: 'model',
        expected: `one of ${this.models.map((m) => m.pkg.ref).join(', ')}`,
      });
    }
    return found;
  }

  async close(): Promise<void> {
    await Promise.all(this.models.map((m) => m.session.release()));
  }
}
