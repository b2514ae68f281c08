// The model package's sidecar (model.json): its types, and the check against sidecar.schema.json plus the rules a
// schema cannot say (unique modalities and labels, a background class first, a sane clip range).
import { SegmentationModelError } from './errors';
import { checkSchema, describeProblems } from './jsonSchema';
import SIDECAR_SCHEMA from './sidecar.schema.json';

export type Axis = 'x' | 'y' | 'z';
export type Vec3 = [number, number, number];

export type Normalisation = { scheme: 'zscore' } | { scheme: 'clip-and-scale'; clip: [number, number]; mean: number; sd: number };

export interface ChannelSpec {
  modality: string;
  normalisation: Normalisation;
}

export interface ModelFile {
  path: string;
  sha256: string;
  bytes?: number;
}

export interface Sidecar {
  format: 'osteoflow-segmentation-model';
  formatVersion: 1;
  name: string;
  version: string;
  description?: string;
  card?: string;
  files: { onnx: ModelFile; torchscript?: ModelFile };
  input: {
    layout: 'NCDHW';
    channels: ChannelSpec[];
    /** x, y, z in mm. */
    spacingMm: Vec3;
    /** x, y, z in voxels. */
    patchSize: Vec3;
  };
  output: { activation: 'softmax'; classes: Array<{ name: string; label: number }> };
  inference: { overlap: number; gaussianSigmaScale: number; mirrorAxes: Axis[]; batchSize: number; halfPrecision?: boolean };
  postprocessing: { components: 'largest' | 'above-size' | 'all'; minComponentMl?: number };
  training?: Record<string, unknown>;
}

export const SIDECAR_FILE = 'model.json';
export { SIDECAR_SCHEMA };

/** Checks a parsed sidecar; throws SegmentationModelError naming every field at fault. */
export function validateSidecar(raw: unknown, file: string): Sidecar {
  const problems = checkSchema(raw, SIDECAR_SCHEMA as Record<string, unknown>);
  if (problems.length) throw new SegmentationModelError(`sidecar does not match the sidecar schema: ${describeProblems(problems)}`, { file });
  const sidecar = raw as Sidecar;
  const fail = (field: string, message: string, expected: string): never => {
    throw new SegmentationModelError(message, { file, field, expected });
  };
  const modalities = sidecar.input.channels.map((c) => c.modality);
  modalities.forEach((m, i) => modalities.indexOf(m) !== i && fail(`input.channels[${i}].modality`, `${m} appears twice`, 'each modality once'));
  sidecar.input.channels.forEach((c, i) => {
    if (c.normalisation.scheme === 'clip-and-scale' && !(c.normalisation.clip[0] < c.normalisation.clip[1])) {
      fail(`input.channels[${i}].normalisation.clip`, `[${c.normalisation.clip.join(', ')}] is empty`, '[lo, hi] with lo < hi');
    }
  });
  const labels = sidecar.output.classes.map((c) => c.label);
  if (labels[0] !== 0) fail('output.classes[0].label', `the first class has label ${labels[0]}`, 'the background, label 0, first');
  labels.forEach((l, i) => labels.indexOf(l) !== i && fail(`output.classes[${i}].label`, `label ${l} appears twice`, 'one class per label value'));
  if (sidecar.postprocessing.components === 'above-size' && sidecar.postprocessing.minComponentMl === undefined) {
    fail('postprocessing.minComponentMl', 'missing while components is above-size', 'the smallest component kept, in ml');
  }
  return sidecar;
}

export const AXIS_INDEX: Record<Axis, 0 | 1 | 2> = { x: 0, y: 1, z: 2 };
