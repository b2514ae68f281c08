// A volume written as a DICOM MR series, one slice per file, with the patient and study attributes a modality would
// send: how the synthetic study's NIfTI images reach a real PACS in the tests. Values are stored as unsigned 16-bit
// with a rescale slope and intercept chosen from the volume's range.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Volume } from '../../../imaging/image';
import { writeDicomSlice } from '../../unit/imaging/io/support/dicomWriter';

export function writeVolumeAsDicomSeries(volume: Volume, dir: string, attributes: Record<string, unknown> & { SeriesInstanceUID: string }): string {
  mkdirSync(dir, { recursive: true });
  const { size, spacing, origin, direction: d } = volume.geometry;
  const [nx, ny, nz] = size;
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of volume.data) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  // DS values hold 16 characters: 8 significant digits, and headroom below 65535 for the rounding.
  const slope = hi > lo ? Number(((hi - lo) / 60000).toPrecision(8)) : 1;
  lo = Number(lo.toPrecision(8));
  const normal = [d[2], d[5], d[8]];
  const plane = nx * ny;
  for (let k = 0; k < nz; k++) {
    const pixels = Array.from(volume.data.subarray(k * plane, (k + 1) * plane), (v) => Math.min(65535, Math.max(0, Math.round((v - lo) / slope))));
    writeDicomSlice(path.join(dir, `IM${String(k).padStart(4, '0')}.dcm`), {
      modality: 'MR',
      position: [0, 1, 2].map((a) => origin[a] + k * spacing[2] * normal[a]) as [number, number, number],
      orientation: [d[0], d[3], d[6], d[1], d[4], d[7]],
      pixelSpacing: [spacing[1], spacing[0]],
      rows: ny,
      columns: nx,
      pixels,
      signed: false,
      slope,
      intercept: lo,
      seriesUid: attributes.SeriesInstanceUID,
      extra: { ...attributes, InstanceNumber: k + 1 },
    });
  }
  return dir;
}
