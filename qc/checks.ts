// QC v1 for one timepoint's scan set: readable files, the required modalities, sane geometry and intensities, a sane
// mask. Returns every reason found (not just the first), so a coordinator sees the whole picture at once.
import { readImage } from '../imaging/io';
import type { Volume } from '../imaging/image';
import type { QcProfile } from '../contracts/study';

export interface QcImage {
  modality: string;
  path: string;
  sha256: string;
}

export interface QcInput {
  images: QcImage[];
  mask?: { path: string };
  requiredModalities: string[];
  profile: QcProfile;
  /** 'automatic-allowed': a timepoint without a manual mask is segmented after QC, so no mask is no fault here. */
  segmentation?: 'manual-required' | 'automatic-allowed';
}

export interface QcResult {
  passed: boolean;
  reasons: string[];
}

/** DICOM modality tags expected for each acquisition (NIfTI/NRRD carry none). */
const DICOM_MODALITY: Record<string, string> = { PET: 'PT', CT: 'CT', T1: 'MR', T1CE: 'MR', T2: 'MR', FLAIR: 'MR', ADC: 'MR', DWI: 'MR' };

export function runQc(input: QcInput): QcResult {
  const reasons: string[] = [];
  const present = new Set(input.images.map((i) => i.modality));
  for (const modality of input.requiredModalities) if (!present.has(modality)) reasons.push(`${modality}: required modality missing`);

  // The same bytes filed under two modalities: one of them is the wrong sequence.
  const bySha = new Map<string, string>();
  for (const image of input.images) {
    const twin = bySha.get(image.sha256);
    if (twin) reasons.push(`${image.modality}: byte-identical to ${twin} (wrong modality filed?)`);
    else bySha.set(image.sha256, image.modality);
  }

  const volumes = new Map<string, Volume>();
  for (const image of input.images) {
    let volume: Volume;
    try {
      volume = readImage(image.path);
    } catch (err) {
      reasons.push(`${image.modality}: unreadable (${(err as Error).message})`);
      continue;
    }
    volumes.set(image.modality, volume);
    reasons.push(...checkGeometry(image.modality, volume, input.profile), ...checkIntensities(image.modality, volume));
    const tag = (volume as Volume & { modality?: string }).modality;
    const expected = DICOM_MODALITY[image.modality];
    if (tag && expected && tag !== expected) reasons.push(`${image.modality}: DICOM Modality is ${tag}, expected ${expected}`);
  }

  if (!input.mask) {
    if (input.segmentation !== 'automatic-allowed') reasons.push('no manual mask and no segmentation model for this study');
  } else {
    const reference = input.images.map((i) => volumes.get(i.modality)).find((v) => v !== undefined);
    reasons.push(...checkMask(input.mask.path, reference, input.profile));
  }
  return { passed: reasons.length === 0, reasons };
}

function checkGeometry(modality: string, volume: Volume, profile: QcProfile): string[] {
  const out: string[] = [];
  const { size, spacing } = volume.geometry;
  if (!spacing.every((s) => Number.isFinite(s) && s > 0)) out.push(`${modality}: spacing ${spacing.join('×')} mm is not positive`);
  else if (Math.max(...spacing) > profile.maxSpacingMm) out.push(`${modality}: spacing ${spacing.map((s) => s.toFixed(2)).join('×')} mm exceeds ${profile.maxSpacingMm} mm`);
  if (size[2] < profile.minSlices) out.push(`${modality}: ${size[2]} slices, fewer than ${profile.minSlices}`);
  return out;
}

function checkIntensities(modality: string, volume: Volume): string[] {
  const { data } = volume;
  const [nx, ny, nz] = volume.geometry.size;
  const plane = nx * ny;
  let nonFinite = 0;
  let min = Infinity;
  let max = -Infinity;
  // One pass: global range, non-finite count, and which slices are constant.
  const sliceConstant = new Uint8Array(nz);
  for (let z = 0; z < nz; z++) {
    const first = data[z * plane];
    let constant = true;
    for (let i = z * plane, end = i + plane; i < end; i++) {
      const v = data[i];
      if (!Number.isFinite(v)) {
        nonFinite++;
        continue;
      }
      if (v < min) min = v;
      if (v > max) max = v;
      if (v !== first) constant = false;
    }
    sliceConstant[z] = constant ? 1 : 0;
  }
  const out: string[] = [];
  if (nonFinite > 0) out.push(`${modality}: ${nonFinite} voxels are NaN or infinite`);
  if (min === max) out.push(`${modality}: every voxel has the same value (${min})`);
  else {
    // A blank slice between non-blank neighbours is a dropped slice, not anatomy.
    const blanks: number[] = [];
    for (let z = 1; z < nz - 1; z++) if (sliceConstant[z] && !sliceConstant[z - 1] && !sliceConstant[z + 1]) blanks.push(z);
    if (blanks.length) out.push(`${modality}: slice${blanks.length > 1 ? 's' : ''} ${blanks.join(', ')} blank between non-blank neighbours (missing slice)`);
  }
  return out;
}

function checkMask(path: string, reference: Volume | undefined, profile: QcProfile): string[] {
  let mask: Volume;
  try {
    mask = readImage(path);
  } catch (err) {
    return [`mask: unreadable (${(err as Error).message})`];
  }
  const out: string[] = [];
  let count = 0;
  for (let i = 0; i < mask.data.length; i++) if (mask.data[i] !== 0) count++;
  if (count === 0) return ['mask: empty (no tumour voxel)'];
  if (reference) {
    const a = mask.geometry;
    const b = reference.geometry;
    if (a.size.some((n, i) => n !== b.size[i])) out.push(`mask: size ${a.size.join('×')} differs from the image's ${b.size.join('×')}`);
    else if (a.origin.some((o, i) => Math.abs(o - b.origin[i]) > 0.01 * b.spacing[i]) || a.spacing.some((s, i) => Math.abs(s - b.spacing[i]) > 1e-3 * b.spacing[i])) {
      out.push('mask: geometry (origin/spacing) does not match the image: it is not inside the image grid');
    }
  }
  const ml = (count * mask.geometry.spacing[0] * mask.geometry.spacing[1] * mask.geometry.spacing[2]) / 1000;
  const [lo, hi] = profile.tumourVolumeMl;
  if (ml < lo || ml > hi) out.push(`mask: tumour volume ${ml.toFixed(2)} ml outside the plausible ${lo}–${hi} ml`);
  return out;
}
