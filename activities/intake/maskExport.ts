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
import { StudyFiles } from '../../study/storedFiles';
import { dicomValue, exportSegmentation, mapUid, type DicomwebClient, type IdentityMap } from '../../pacs';

/** What the export needs of intake's dependencies (activities/intake/activities.ts, IntakeDeps). */
export interface MaskExportDeps {
  pacs: () => { dicomweb: DicomwebClient };
  identity: () => Pick<IdentityMap, 'identifierOf'>;
  /** The de-identification secret the stored series' UIDs were mapped with. */
  secret: () => Buffer;
  log?: (line: string) => void;
  /** The blob store the mask and images are fetched from by address; absent (library use): their paths are on this host. */
  files?: StudyFiles;
}

/** The stored image series the mask is on: the first DICOM series folder in `images` (their order is the preference) with the mask's grid. */
async function imageOfMask(
  input: ExportMaskInput,
  maskGeometry: ReturnType<typeof readImage>['geometry'],
  local: (file: { path: string; sha256?: string }) => Promise<string>,
): Promise<{ modality: string; series: ReferenceSeries } | undefined> {
  for (const image of input.images) {
    const folder = await local(image);
    if (!statSync(folder, { throwIfNoEntry: false })?.isDirectory()) continue; // NIfTI/NRRD: never in the PACS
    const series = readReferenceSeries(folder);
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
      const where = `patient ${input.pseudonym}, timepoint ${input.timepoint}`;
      const work = mkdtempSync(path.join(os.tmpdir(), 'osteoflow-mask-export-'));
      try {
        // The mask and images laid out by address in the work folder, whichever host stored them.
        const files = deps.files && new StudyFiles(deps.files.blobs, work);
        const local = async (file: { path: string; sha256?: string }) =>
          files && file.sha256 !== undefined ? files.local({ studyId: input.studyId }, { path: file.path, sha256: file.sha256 }) : file.path;
        const mask = readImage(await local(input.mask));
        const stored = await imageOfMask(input, mask.geometry, local);
        if (!stored)
          return {
            status: 'skipped',
            reason: `${where}: the mask is on no DICOM series of the timepoint (images registered as NIfTI or NRRD are not in the PACS)`,
          };
        return await exportOnto(input, where, mask, stored, work);
      } finally {
        rmSync(work, { recursive: true, force: true });
      }
    },
  };

  async function exportOnto(
    input: ExportMaskInput,
    where: string,
    mask: ReturnType<typeof readImage>,
    stored: { modality: string; series: ReferenceSeries },
    work: string,
  ): Promise<ExportMaskResult> {
    const context = Context.current();
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
  }
}
