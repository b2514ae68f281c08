// QC for one timepoint's scan set: readable files, the required modalities, sane geometry and intensities, a sane mask.
// Runs every rule and returns every finding (not just the first), so a coordinator sees the whole picture at once.
import { buildQcContext, type ImageReader } from './context';
import { IMAGE_RULES, MAP_RULES, MASK_RULES, SCAN_SET_RULES } from './rules';
import type { QcFinding } from '../contracts/qc';
import type { QcInput, QcResult } from './types';

export type { QcImage, QcInput, QcResult } from './types';
export type { ImageReader } from './context';

/** `read` defaults to the image reader for NIfTI, NRRD and DICOM folders. */
export function runQc(input: QcInput, read?: ImageReader): QcResult {
  const context = buildQcContext(input, read);
  const findings: QcFinding[] = [];
  for (const rule of SCAN_SET_RULES) findings.push(...rule.check(context));
  for (const image of context.images) for (const rule of IMAGE_RULES) findings.push(...rule.check(image, context));
  for (const rule of MASK_RULES) findings.push(...rule.check(context));
  for (const rule of MAP_RULES) findings.push(...rule.check(context));
  return { passed: findings.length === 0, reasons: findings.map((f) => f.message), findings };
}
