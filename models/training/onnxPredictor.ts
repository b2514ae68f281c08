// Scores patients with a response model's ONNX graph (model.onnx, models/export/logisticOnnx.ts) in onnxruntime-node:
// the same rows, the same errors for a missing or non-finite feature and the same probabilities as scoreRows on
// model.json, so the graph MLflow serves can be checked against the scorer the pipeline uses. Under Jest, run it in
// tests/unit/segmentation/onnxEnvironment.js: onnxruntime-node's output arrays come from Node's main realm.
import * as ort from 'onnxruntime-node';
import { fromRecords, type FeatureRecord } from '../learning/featureMatrix';
import { ModelInputError } from '../stats/errors';
import { ONNX_INPUT, ONNX_OUTPUT, readLogisticOnnx } from '../export/logisticOnnx';

export class OnnxPredictor {
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    /** Feature names in the graph's column order (from the graph's metadata). */
    readonly features: readonly string[],
    private readonly session: ort.InferenceSession,
    readonly where: string,
  ) {}

  /** Opens model.onnx's bytes; a file that is not a response model's graph is an error naming `where`. */
  static async open(bytes: Uint8Array, where: string): Promise<OnnxPredictor> {
    const info = readLogisticOnnx(bytes, where);
    let session: ort.InferenceSession;
    try {
      // One thread: the graph is a k-vector product per row, and the machine's cores belong to the pipeline.
      session = await ort.InferenceSession.create(bytes, { executionProviders: ['cpu'], intraOpNumThreads: 1, interOpNumThreads: 1 });
    } catch (err) {
      throw new ModelInputError(`onnxruntime cannot load the graph: ${(err as Error).message.split('\n')[0]}`, where);
    }
    return new OnnxPredictor(info.features, session, where);
  }

  /** Probability of good response for each row; a missing or non-finite feature is a ModelInputError naming it. */
  async score(rows: readonly FeatureRecord[]): Promise<Float64Array> {
    const k = this.features.length;
    if (rows.length === 0) return new Float64Array(0);
    const matrix = fromRecords(this.features, rows);
    const data = new Float64Array(rows.length * k);
    matrix.columns.forEach((column, j) => column.forEach((v, i) => (data[i * k + j] = v)));
    // onnxruntime-node runs one request of a session at a time; calls queue rather than overlap.
    const run = this.queue.then(() => this.session.run({ [ONNX_INPUT]: new ort.Tensor('float64', data, [rows.length, k]) }));
    this.queue = run.catch(() => undefined);
    const out = (await run)[ONNX_OUTPUT];
    if (out.type !== 'float64' || out.data.length !== rows.length)
      throw new ModelInputError(`expected ${rows.length} float64 probabilities, got ${out.data.length} of type ${out.type}`, `${this.where} output`);
    return Float64Array.from(out.data as Float64Array);
  }

  async close(): Promise<void> {
    await this.queue;
    await this.session.release();
  }
}
