// The pipeline activities' signatures: what workflows call (they import these types only) and workers implement.
import type { StudyProtocol } from './study';
import type { DeltaSummary, FeatureSetRef, PredictionRef, QcVerdict, RecordPathologyInput, RegisteredScan } from './timeline';

/** The kind of file a mask was registered as. RTSTRUCT and SEG masks are converted to a voxel mask on acquisition. */
export type MaskFileKind = 'NIfTI' | 'NRRD' | 'RTSTRUCT' | 'SEG';

/** Where a mask came from: the file kind, and for an RTSTRUCT or SEG the ROI (segment) and the series it lies on. */
export interface MaskSource {
  kind: MaskFileKind;
  /** The ROI's name (RTSTRUCT) or the segment's label (SEG) the mask was made from. */
  roi?: string;
  /** RTSTRUCT/SEG: the stored copy of the registered file, by store-relative name (the acquired `path` is its voxel mask), and its SHA-256. */
  file?: string;
  fileSha256?: string;
  /** RTSTRUCT/SEG: the SeriesInstanceUID of the image series the mask was made on. */
  seriesInstanceUid?: string;
  /** What the conversion clipped or left out, one line each. */
  warnings?: string[];
}

export interface AcquiredScan {
  modality: string;
  role: 'image' | 'mask';
  /**
   * The copy's name in the study's store, the same on every host: `<pseudonym>/<timepoint>/<file>` (for an RTSTRUCT
   * or SEG mask: its voxel mask, a NIfTI file). Each host lays it out under its own study folder, fetched from the
   * blob store by `sha256` (study/storedFiles.ts). Results recorded before this held absolute paths.
   */
  path: string;
  /** The content address: sha256 of the file, or of a DICOM series folder's manifest. */
  sha256: string;
  source: string;
  /** Masks only: the image modality the mask was drawn on; absent for the mask shared by every image on its grid. */
  for?: string;
  /** Masks only (absent in results recorded before it existed): what the mask was registered as. */
  maskSource?: MaskSource;
  /** Masks: why no usable voxel mask could be made from the registered file; maps: why the map could not be derived (QC reports it; nothing else was stored). */
  unusable?: string;
  /** Maps only: the acquired series the map was computed from (e.g. 'DWI' for 'ADC'). */
  derivedFrom?: string;
  /** Maps only: how the fit went, counted in the map's contour (or over the whole grid when none was acquired yet). */
  fit?: MapFitSummary;
}

/** The voxels a map's QC counts: those fitted, those whose fit failed (any reason), and those failed as out of range. */
export interface MapFitSummary {
  voxels: number;
  failed: number;
  outOfRange: number;
  /** Where they were counted: 'contour' (the tumour contour the map is extracted in) or 'grid' (every voxel). */
  within: 'contour' | 'grid';
}

/**
 * The contour a derived map is extracted in: one registered for the map, else the one of the series it comes from,
 * else the shared mask (the map lies on its series' grid).
 */
export function contourForMap<T extends { role: string; for?: string }>(scans: readonly T[], map: string, source: string): T | undefined {
  const masks = scans.filter((s) => s.role === 'mask');
  return masks.filter((m) => m.for === map).at(-1) ?? masks.filter((m) => m.for === source).at(-1) ?? masks.filter((m) => m.for === undefined).at(-1);
}

/** The contour of an acquired image or map (contourFor, or contourForMap for a map). */
export function contourOf<T extends { role: string; for?: string }>(scans: readonly T[], scan: { modality: string; derivedFrom?: string }): T | undefined {
  return scan.derivedFrom ? contourForMap(scans, scan.modality, scan.derivedFrom) : contourFor(scans, scan.modality);
}

/** The name a mask is stored under in the results store's scan list: 'mask' (shared) or 'mask:<modality>'. */
export function maskScanName(forModality: string | undefined): string {
  return forModality ? `mask:${forModality}` : 'mask';
}

/** The image modality a stored mask's name says it is for ('mask:T1' → 'T1'); undefined for the shared 'mask'. */
export function maskScanTarget(name: string): string | undefined {
  return name.startsWith('mask:') ? name.slice('mask:'.length) : undefined;
}

/**
 * The contour an image is extracted in: the mask registered for its modality, else the shared mask (which QC checked
 * is on the image's grid). The latest of each wins.
 */
export function contourFor<T extends { role: string; for?: string }>(scans: readonly T[], modality: string): T | undefined {
  const masks = scans.filter((s) => s.role === 'mask');
  return masks.filter((m) => m.for === modality).at(-1) ?? masks.filter((m) => m.for === undefined).at(-1);
}

export interface TimepointRef {
  protocol: StudyProtocol;
  pseudonym: string;
  timepoint: string;
}

export interface Notification {
  kind: 'overdue' | 'qc-failed' | 'missed' | 'acquisition-failed' | 'needs-attention';
  studyId: string;
  pseudonym: string;
  timepoint: string;
  message: string;
}

export interface PipelineActivities {
  recordEnrolment(input: { studyId: string; pseudonym: string; enrolledAt: string; clinical: Record<string, number | string> }): Promise<void>;
  /**
   * One scan per activity, so that a source that fails is retried on its own. A mask given `images` (the timepoint's
   * acquired images) may be an RTSTRUCT or SEG: it is converted on the grid of the image it is for.
   */
  acquireScan(input: TimepointRef & { scan: RegisteredScan; images?: AcquiredScan[] }): Promise<AcquiredScan>;
  /** Returns the verdict when QC passes (or is overridden); throws the non-retryable `QcFailed` with the verdict as details otherwise. */
  checkQuality(input: TimepointRef & { acquired: AcquiredScan[]; override?: { reason: string; who: string } }): Promise<QcVerdict>;
  extractFeatures(input: TimepointRef & { acquired: AcquiredScan[] }): Promise<FeatureSetRef>;
  computeDeltas(input: TimepointRef & { baseline: string; previous?: string }): Promise<DeltaSummary>;
  /** `rescore`: asked by a promotion (the study re-scored with a new champion); the ledger flags the entry so. */
  predictResponse(input: TimepointRef & { rescore?: boolean }): Promise<{ prediction: PredictionRef | null; note?: string }>;
  recordPathology(input: { studyId: string; pseudonym: string } & RecordPathologyInput): Promise<void>;
  notify(notification: Notification): Promise<void>;
}

/** The deriving step, apart from PipelineActivities: only timepoints that derive maps call it. */
export interface MapActivities {
  /**
   * Computes the timepoint's derived maps (protocol `derived`) from its acquired series and stores each beside the scan
   * with its SHA-256. A series that gives no maps (unreadable, a wrong b-value or time count, too few frames) makes
   * every map from it come back `unusable` with the reason, and then nothing at all is stored (QC reports it).
   */
  deriveMaps(input: TimepointRef & { acquired: AcquiredScan[] }): Promise<AcquiredScan[]>;
}
