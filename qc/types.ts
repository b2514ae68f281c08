// The shapes QC works on: what the caller hands in, what each rule sees, what comes back.
import type { Volume } from '../imaging/image';
import type { QcProfile } from '../contracts/study';
import type { QcFinding, QcReasonCode } from '../contracts/qc';

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

/** The mask, read once: its volume and tumour voxel count, or why it could not be read. */
export interface MaskScan {
  path: string;
  volume?: Volume;
  /** Non-zero voxels (0 when unreadable). */
  tumourVoxels: number;
  error?: Error;
}

export interface QcContext {
  images: ImageScan[];
  requiredModalities: string[];
  segmentation: 'manual-required' | 'automatic-allowed';
  profile: ResolvedQcProfile;
  mask?: MaskScan;
  /** The image whose grid the mask must share (see buildQcContext). */
  reference?: Volume;
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
