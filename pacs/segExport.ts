// Stores an automatic tumour mask back in the PACS as a DICOM SEG of the image series it was made on, so that a
// radiologist reviews it in the viewer they use. The SEG joins the series' study (StudyInstanceUID, patient and
// frame of reference copied from the series by the writer) and names the algorithm that made it.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeSeg, type ReferenceSeries, type SegWriteOptions } from '../imaging/contours';
import type { Volume } from '../imaging/image';
import type { DicomwebClient } from './dicomweb';
import { PacsRequestError } from './errors';

export interface SegExport {
  studyInstanceUid: string;
  seriesInstanceUid: string;
  sopInstanceUid: string;
  frames: number;
}

/**
 * Writes `mask` (on `series`' grid) as a one-segment SEG and stores it by STOW-RS into the series' study. `algorithm`
 * is the model that made the mask, e.g. 'osteoflow-tumour-unet3d@1.0.0'. `uids` fixes the SEG's UIDs, so that a
 * retried export stores the same instance again rather than a second one. Fails with PacsRequestError when the PACS
 * refuses the instance, naming its FailureReason.
 */
export async function exportSegmentation(
  client: DicomwebClient,
  mask: Volume,
  series: ReferenceSeries,
  algorithm: string,
  uids?: SegWriteOptions['uids'],
): Promise<SegExport> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'osteoflow-seg-'));
  try {
    const written = writeSeg(path.join(dir, 'seg.dcm'), mask, series, {
      algorithm: { type: 'AUTOMATIC', name: algorithm },
      segmentLabel: 'Tumour',
      seriesDescription: `Tumour (automatic, ${algorithm})`,
      ...(uids ? { uids } : {}),
    });
    const result = await client.store([written.file], { studyInstanceUid: series.studyInstanceUid });
    const refused = result.failed.find((f) => f.sopInstanceUid === written.sopInstanceUid);
    if (refused || !result.stored.includes(written.sopInstanceUid))
      throw new PacsRequestError(
        `the PACS did not store the segmentation of series ${series.volume.seriesInstanceUid} (${refused?.reason === undefined ? 'not in its stored list' : `FailureReason ${refused.reason}`})`,
        'STOW-RS /studies/{study}',
      );
    return {
      studyInstanceUid: series.studyInstanceUid,
      seriesInstanceUid: written.seriesInstanceUid,
      sopInstanceUid: written.sopInstanceUid,
      frames: written.frames,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
