// Helpers for the synthetic-study tests: temporary folders, file walking, hashes, ellipsoid radius, AUC.
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { indexToPhysical, type Geometry } from '../../../imaging/image';
import type { TumourTruth } from '../../../synthetic';

export function tempDir(prefix: string): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), `osteoflow-${prefix}-`));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** Every file under `root`, as sorted relative paths with '/' separators. */
export function listFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const full = join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else out.push(relative(root, full).split('\\').join('/'));
    }
  };
  walk(root);
  return out.sort();
}

export function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/** Normalised ellipsoid radius of voxel (i, j, k): 1 on the nominal surface. */
export function ellipsoidRadius(g: Geometry, t: TumourTruth, i: number, j: number, k: number): number {
  const p = indexToPhysical(g, i, j, k);
  const u = [p[0] - t.centre[0], p[1] - t.centre[1], p[2] - t.centre[2]];
  let sum = 0;
  for (let a = 0; a < 3; a++) {
    const along = u[0] * t.axes[a][0] + u[1] * t.axes[a][1] + u[2] * t.axes[a][2];
    sum += (along / t.semiAxes[a]) ** 2;
  }
  return Math.sqrt(sum);
}

/** Mann–Whitney AUC: P(a value of `positives` > a value of `negatives`), ties counting ½. */
export function auc(positives: number[], negatives: number[]): number {
  let wins = 0;
  for (const p of positives) for (const n of negatives) wins += p > n ? 1 : p === n ? 0.5 : 0;
  return wins / (positives.length * negatives.length);
}

export function mean(values: number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

/** NIfTI-1 `descrip` (bytes 148–227 of the uncompressed header). */
export function niftiDescription(bytes: Uint8Array): string {
  return Buffer.from(bytes.subarray(148, 228)).toString('latin1').replace(/\0.*$/s, '');
}
