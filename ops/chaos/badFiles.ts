// Hostile files made from a visit's good ones, and the one outcome the pipeline must give for each: a truncated scan and
// a link are refused before anything is computed, a mirrored mask fails QC, a mask whose tumour carries another label
// passes QC and is refused by feature extraction (the timepoint then needs a person).
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Mat3 } from '../../imaging/image';
import { readImage, writeNifti } from '../../imaging/io';
import type { TimepointStatus, TimepointView } from '../../contracts/timeline';
import type { BadFileVariant } from './plan';

export interface Expectation {
  status: TimepointStatus;
  /** A QC reason code, an attention code, or `symbolic-link` for a source refused as a link. */
  reason: string;
}

export const EXPECTED: Readonly<Record<BadFileVariant, Expectation>> = {
  'truncated-scan': { status: 'qc-failed/awaiting-rescan', reason: 'unreadable' },
  'symlink-scan': { status: 'qc-failed/awaiting-rescan', reason: 'symbolic-link' },
  'flipped-mask': { status: 'qc-failed/awaiting-rescan', reason: 'mask-direction-mismatch' },
  'relabelled-mask': { status: 'needs-attention', reason: 'extraction-failed' },
};

/** Share of a truncated file's bytes that are kept: the gzip stream ends mid-volume. */
const TRUNCATED_SHARE = 0.6;

/** Writes the hostile stand-in for `goodFile` into `dir` and returns its path. */
export function makeBadFile(variant: BadFileVariant, goodFile: string, dir: string, name: string): string {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.nii.gz`);
  switch (variant) {
    case 'truncated-scan': {
      const bytes = readFileSync(goodFile);
      writeFileSync(file, bytes.subarray(0, Math.floor(bytes.length * TRUNCATED_SHARE)));
      break;
    }
    case 'symlink-scan':
      symlinkSync(goodFile, file);
      break;
    case 'flipped-mask': {
      // The same voxels and grid, mirrored in space: the mask's first axis points the other way.
      const mask = readImage(goodFile);
      const d = mask.geometry.direction;
      const direction: Mat3 = [-d[0], d[1], d[2], -d[3], d[4], d[5], -d[6], d[7], d[8]];
      writeNifti(file, { ...mask, geometry: { ...mask.geometry, direction } });
      break;
    }
    case 'relabelled-mask': {
      // Tumour voxels labelled 2: QC sees a tumour, the study's parameter file extracts label 1.
      const mask = readImage(goodFile);
      writeNifti(file, { ...mask, data: Uint8Array.from(mask.data, (v) => (v !== 0 ? 2 : 0)) });
      break;
    }
  }
  return file;
}

/** The reasons a timepoint shows for waiting: its attention code, or its QC verdict's codes (a refused link by name). */
export function reasonsOf(tp: TimepointView): string[] {
  if (tp.status === 'needs-attention') return tp.attention ? [tp.attention.code] : [];
  if (tp.status !== 'qc-failed/awaiting-rescan') return [];
  const codes: string[] = tp.qc?.findings?.map((f) => f.code) ?? [];
  for (const reason of tp.qc?.reasons ?? []) {
    if (/^scan could not be acquired: .*symbolic link/.test(reason)) codes.push('symbolic-link');
    else if (reason.startsWith('scan could not be acquired')) codes.push('acquisition-failed');
  }
  return [...new Set(codes)];
}

/** Whether a timepoint waits for the reason a bad file must produce. */
export function meetsExpectation(expected: Expectation, observed: { status: string; reasons: string[] }): boolean {
  return observed.status === expected.status && observed.reasons.includes(expected.reason);
}
