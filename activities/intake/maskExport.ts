// Automatic masks back to the PACS: the mask is written as a DICOM SEG of the original image series it was made on
// and stored in that series' study, so that a radiologist reviews it in the viewer they use, beside the patient's
// images. The study store holds only the de-identified copy of the series, whose UIDs are keyed hashes of the
// originals (pacs/deidentify.ts). The original series is found again without any stored link: the identifier map
// gives the patient's PatientID, QIDO-RS lists that patient's studies and series, and the one whose UIDs hash to the
// stored copy's is it. The identifier and the original UIDs stay inside this activity; what it returns carries the
// study modality and counts only.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Context } from '@temporalio/activity';
import type { ExportMaskInput, ExportMaskResult } from '../../contracts/intake';
import { readReferenceSeries, type ReferenceSeries } from '../../imaging/contours';
import { sameGeometry } from '../../imaging/image';
import { readImage } from '../../imaging/io';
import { dicomValue, exportSegmentation, mapUid, type DicomwebClient, type IdentityMap } from '../../pacs';

/** What the export needs of intake's dependencies (activities/intake/activities.ts, IntakeDeps). */
export interface MaskExportDeps {
  pacs: () => { dicomweb: DicomwebClient };
  identity: () => Pick<IdentityMap, 'identifierOf'>;
  /** The de-identification secret the stored series' UIDs were mapped with. */
  secret: () => Buffer;
  log?: (line: string) => void;
}

/** The stored image series the mask is on: the first DICOM series folder in `images` (their order is the preference) with the mask's grid. */
function imageOfMask(
  input: ExportMaskInput,
  maskGeometry: ReturnType<typeof readImage>['geometry'],
): { modality: string; series: ReferenceSeries } | undefined {
  for (const image of input.images) {
    if (!statSync(image.path, { throwIfNoEntry: false })?.isDirectory()) continue; // NIfTI/NRRD: never in the PACS
    const series = readReferenceSeries(image.path);
    if (sameGeometry(series.volume.geometry, maskGeometry)) return { modality: image.modality, series };
  }
  return undefined;
}

export function createMaskExport(deps: MaskExportDeps): {
  exportMask(input: ExportMaskInput): Promise<ExportMaskResult>;
} {
  const log = deps.log ?? (() => undefined);
  return {
    async exportMask(input) {
      const context = Context.current();
      const where = `patient ${input.pseudonym}, timepoint ${input.timepoint}`;
      const mask = readImage(input.mask.path);
      const stored = imageOfMask(input, mask.geometry);
      if (!stored)
        return {
          status: 'skipped',
          reason: `${where}: the mask is on no DICOM series of the timepoint (images registered as NIfTI or NRRD are not in the PACS)`,
        };

      const identifier = deps.identity().identifierOf(input.studyId, input.pseudonym);
      if (identifier === undefined)
        return { status: 'skipped', reason: `${where}: the identifier map has no patient for the pseudonym, so the PACS cannot be searched` };
      const secret = deps.secret();
      const { dicomweb } = deps.pacs();
      context.heartbeat({ step: 'searching' });
      let original: { studyUid: string; seriesUid: string } | undefined;
      for (const study of await dicomweb.searchStudies({ PatientID: identifier })) {
        const studyUid = String(dicomValue(study, '0020000D') ?? '');
        if (mapUid(secret, studyUid) !== stored.series.studyInstanceUid) continue;
        for (const series of await dicomweb.searchSeries(studyUid)) {
          const seriesUid = String(dicomValue(series, '0020000E') ?? '');
          if (mapUid(secret, seriesUid) === stored.series.volume.seriesInstanceUid) original = { studyUid, seriesUid };
        }
      }
      if (!original)
        return {
          status: 'skipped',
          reason: `${where}: the ${stored.modality} series the mask is on is not in the PACS (not taken in from it, or deleted since)`,
        };

      const work = mkdtempSync(path.join(os.tmpdir(), 'osteoflow-mask-export-'));
      try {
        const retrieved = await dicomweb.retrieveSeries(original.studyUid, original.seriesUid, path.join(work, 'series'), {
          onProgress: (p) => context.heartbeat({ step: 'retrieving', instances: p.instances }),
        });
        const series = readReferenceSeries(retrieved.dir);
        // Fixed UIDs per mask and series: an attempt retried after the PACS stored the SEG stores the same instance again.
        const seed = `${original.seriesUid}/seg/${input.mask.sha256}`;
        const uids = { series: mapUid(secret, seed), instance: mapUid(secret, `${seed}/instance`) };
        context.heartbeat({ step: 'storing' });
        const exported = await exportSegmentation(dicomweb, mask, series, input.algorithm, uids);
        log(`mask export: ${where}: automatic mask stored in the PACS as a SEG of the ${stored.modality} series (${exported.frames} frames)`);
        return { status: 'stored', modality: stored.modality, frames: exported.frames };
      } finally {
        rmSync(work, { recursive: true, force: true });
      }
    },
  };
}
