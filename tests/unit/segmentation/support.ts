// Shared helpers of the segmentation unit tests: model packages built in a temporary folder around a network file,
// from the training's sidecar template, with whatever the test breaks.
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from '../../../config';
import { sha256File } from '../../../models/segmentation';
import type { Sidecar } from '../../../models/segmentation/sidecar';

export const FIXTURES = path.join(__dirname, 'fixtures');
export const TEMPLATE_FILE = path.join(PROJECT_ROOT, 'models', 'segmentation', 'training', 'sidecar.template.json');

export function templateSidecar(): Sidecar {
  return JSON.parse(readFileSync(TEMPLATE_FILE, 'utf8')) as Sidecar;
}

/** A package folder holding `onnx` (copied as model.onnx) and a sidecar with its true hash, then `edit` applied. */
export function makePackage(onnx: string, edit: (sidecar: Sidecar & Record<string, unknown>) => void = () => undefined): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'osteoflow-modelpkg-'));
  copyFileSync(onnx, path.join(dir, 'model.onnx'));
  const sidecar = templateSidecar() as Sidecar & Record<string, unknown>;
  sidecar.files = { onnx: { path: 'model.onnx', sha256: sha256File(path.join(dir, 'model.onnx')) } };
  delete sidecar.card;
  edit(sidecar);
  writeFileSync(path.join(dir, 'model.json'), JSON.stringify(sidecar, null, 2));
  return dir;
}
