// A segmentation model package is a folder: model.json (the sidecar), the ONNX network, optionally the same network
// as TorchScript (for the Python worker) and a model card. The loader checks the folder and names what is wrong.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { SegmentationModelError } from './errors';
import { SIDECAR_FILE, validateSidecar, type Sidecar } from './sidecar';

export interface ModelPackage {
  dir: string;
  sidecar: Sidecar;
  /** Absolute path of the ONNX network. */
  onnxPath: string;
  torchscriptPath?: string;
  /** `name@version`: the key of a loaded session, and what results record. */
  ref: string;
}

export interface LoadPackageOptions {
  /** Re-hash the network files against the sidecar (default true; the loader reads each file once). */
  verifyHashes?: boolean;
}

export function sha256File(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

export function loadModelPackage(dir: string, options: LoadPackageOptions = {}): ModelPackage {
  const folder = path.resolve(dir);
  if (!existsSync(folder) || !statSync(folder).isDirectory()) {
    throw new SegmentationModelError('model package folder not found', { file: folder, expected: `a folder holding ${SIDECAR_FILE} and the ONNX network` });
  }
  const sidecarPath = path.join(folder, SIDECAR_FILE);
  if (!existsSync(sidecarPath)) {
    throw new SegmentationModelError(`the sidecar ${SIDECAR_FILE} is missing`, {
      file: sidecarPath,
      expected: 'the JSON sidecar of models/segmentation/sidecar.schema.json',
    });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(sidecarPath, 'utf8'));
  } catch (err) {
    throw new SegmentationModelError(`sidecar is not valid JSON (${(err as Error).message})`, { file: sidecarPath });
  }
  const sidecar = validateSidecar(raw, sidecarPath);
  const resolve = (kind: 'onnx' | 'torchscript'): string | undefined => {
    const entry = sidecar.files[kind];
    if (!entry) return undefined;
    const file = path.join(folder, entry.path);
    if (!existsSync(file)) throw new SegmentationModelError(`the ${kind} file named by the sidecar is missing`, { file, field: `files.${kind}.path` });
    if (options.verifyHashes !== false) {
      const actual = sha256File(file);
      if (actual !== entry.sha256) {
        throw new SegmentationModelError(
          `sha256 ${actual.slice(0, 12)}… differs from the sidecar's ${entry.sha256.slice(0, 12)}… (file altered or sidecar stale)`,
          {
            file,
            field: `files.${kind}.sha256`,
          },
        );
      }
    }
    return file;
  };
  if (sidecar.card !== undefined && !existsSync(path.join(folder, sidecar.card))) {
    throw new SegmentationModelError('the model card named by the sidecar is missing', { file: path.join(folder, sidecar.card), field: 'card' });
  }
  const onnxPath = resolve('onnx') as string;
  const torchscriptPath = resolve('torchscript');
  return { dir: folder, sidecar, onnxPath, ...(torchscriptPath ? { torchscriptPath } : {}), ref: `${sidecar.name}@${sidecar.version}` };
}
