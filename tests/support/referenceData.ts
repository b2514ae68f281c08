// Locates the read-only reference data (../shared/data by default). Absent data skips a test locally,
// with instructions, but fails under CI=true, where a skip would hide a gap.
import { existsSync } from 'node:fs';
import path from 'node:path';

export const PROJECT_ROOT = path.resolve(__dirname, '..', '..');

export function referenceDataDir(): string {
  return path.resolve(PROJECT_ROOT, process.env.OSTEOFLOW_REFERENCE_DATA ?? path.join('..', 'shared', 'data'));
}

/** Path of a reference file, e.g. referencePath('pyradiomics', 'brain1_image.nrrd'). */
export function referencePath(...parts: string[]): string {
  return path.join(referenceDataDir(), ...parts);
}

const HOW_TO_GET =
  'Reference data not found. Set OSTEOFLOW_REFERENCE_DATA to a folder holding pyradiomics/ (from AIM-Harvard/pyradiomics, data/) ' +
  'and ibsi/ (from theibsi/data_sets and the IBSI reference manual).';

/**
 * `describe` when every named reference file exists; otherwise `describe.skip` with a message,
 * or a failing suite under CI=true.
 */
export function describeWithReferenceData(name: string, files: string[], body: () => void): void {
  const missing = files.map((f) => referencePath(f)).filter((f) => !existsSync(f));
  if (missing.length === 0) {
    describe(name, body);
  } else if (process.env.CI === 'true') {
    describe(name, () => {
      it('has its reference data', () => {
        throw new Error(`${HOW_TO_GET} Missing: ${missing.join(', ')}`);
      });
    });
  } else {
    console.warn(`${name}: skipped. ${HOW_TO_GET} Missing: ${missing.join(', ')}`);
    describe.skip(name, body);
  }
}
