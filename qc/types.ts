// The shapes QC works on: what the caller hands in, what each rule sees, what comes back.
import type { Volume } from '../imaging/image';
import type { QcProfile } from '../contracts/study';
import type { QcFinding, QcReasonCode } from '../contracts/qc';
import type { MapFitSummary } from '../contracts/pipeline';

export interface QcImage {
  modality: string;
  path: string;
  sha256: string;
}

/** A mask as acquired: its voxel mask's path, or why none could be made from the registered file. */
export interface QcMask {
  path: string;
  /** Why the registered file gave no usable voxel mask (an RTSTRUCT or SEG that does not fit its image). */
  unusable?: string;
}

/** A derived map as the deriving step left it: its fit counts, or why it could not be computed. */
export interface QcMap {
  modality: string;
  /** The series it comes from. */
  from: string;
  fit?: MapFitSummary;
  unusable?: string;
}

export interface QcInput {
  images: QcImage[];
  /** Derived maps (their images are among `images` when they were computed). */
  maps?: QcMap[];
  /** The shared mask: used for every image on its grid that has no contour of its own. */
  mask?: QcMask;
  /** Contours of single images: `for` is the image modality (the latest per modality counts). */
  contours?: Array<QcMask & { for: string }>;
  requiredModalities: string[];
  profile: QcProfile;
  /** 'automatic-allowed': a timepoint without a manual mask is segmented after QC, so no mask is no fault here. */
  segmentation?: 'manual-required' | 'automatic-allowed';
}

export interface QcResult {
  passed: boolean;
  /** findings[i].message, in the same order. */
  reasons: string[];
  findings: QcFinding[];
}

/** The study's QC profile with every optional threshold filled in. */
export type ResolvedQcProfile = Required<QcProfile>;

/** Intensity summary of one image, from a single pass over its voxels (non-finite voxels are left out of every range). */
export interface IntensityStats {
  nonFinite: number;
  /** Finite range of the whole image; min > max when no voxel is finite. */
  min: number;
  max: number;
  /** Finite range of each slice (z); min > max when the slice has no finite voxel. */
  sliceMin: Float64Array;
  sliceMax: Float64Array;
  /** 1 where the slice's first voxel is finite. */
  sliceFirstFinite: Uint8Array;
}

/** One image of the scan set, read once: its volume and intensity summary, or why it could not be read. */
export interface ImageScan extends QcImage {
  volume?: Volume;
  intensities?: IntensityStats;
  error?: Error;
}

/** A mask, read once: its volume and tumour voxel count, or why it could not be read or made. */
export interface MaskScan {
  path: string;
  /** The image modality of a contour of one image; absent for the shared mask. */
  for?: string;
  volume?: Volume;
  /** Non-zero voxels (0 when unreadable). */
  tumourVoxels: number;
  error?: Error;
  /** Why the registered file gave no voxel mask (then nothing was read). */
  unusable?: string;
}

export interface QcContext {
  images: ImageScan[];
  requiredModalities: string[];
  segmentation: 'manual-required' | 'automatic-allowed';
  profile: ResolvedQcProfile;
  /** The shared mask. */
  mask?: MaskScan;
  /** The contours of single images, one per image modality (the latest registered), in the order of the images. */
  contours: MaskScan[];
  /** Derived maps with their fit counts. */
  maps: QcMap[];
}

/** A rule over the whole scan set (or the mask): run once. */
export interface ScanSetRule {
  /** Every code the rule can report. */
  codes: readonly QcReasonCode[];
  check(context: QcContext): QcFinding[];
}

/** A rule over one image: run for each image, in the scan set's order. */
export interface ImageRule {
  codes: readonly QcReasonCode[];
  check(image: ImageScan, context: QcContext): QcFinding[];
}
