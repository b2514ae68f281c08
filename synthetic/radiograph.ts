// A deterministic synthetic radiograph (a long bone in soft tissue with a lesion in its shaft) and writers for it as
// PNG (8 or 16 bit), JPEG and DICOM CR or DX (MONOCHROME1 or 2, chosen spacing tags), for the radiograph readers' tests.
import { writeFileSync } from 'node:fs';
import sharp from 'sharp';
import { Rng } from './random';

export interface SyntheticRadiograph {
  columns: number;
  rows: number;
  /** Grey values, MONOCHROME2 (higher = more attenuation = brighter), row by row; every value below 2^bits. */
  pixels: Uint16Array;
  /** 1 inside the lesion, 0 elsewhere, on the same grid. */
  mask: Uint8Array;
  /** The bits every value fits in. */
  bits: number;
  /** Intensity of each structure before noise: air, soft tissue, cortex, marrow, lesion. */
  levels: { air: number; tissue: number; cortex: number; marrow: number; lesion: number };
}

export interface RadiographOptions {
  columns?: number;
  rows?: number;
  /** Bits of the grey values: 12 (default, 0…4095, as a DR detector stores them) or 8. */
  bits?: 8 | 12;
  seed?: number;
}

/**
 * Renders the radiograph: soft tissue across the middle, a vertical bone shaft (cortex, marrow) and an elliptical
 * lytic lesion in the marrow with a mottled texture. Same options, same pixels.
 */
export function syntheticRadiograph(options: RadiographOptions = {}): SyntheticRadiograph {
  const columns = options.columns ?? 96;
  const rows = options.rows ?? 80;
  const bits = options.bits ?? 12;
  const scale = bits === 12 ? 1 : 1 / 16;
  const levels = { air: 200, tissue: 1400, cortex: 3600, marrow: 2500, lesion: 1800 };
  const rng = Rng.stream(options.seed ?? 1, 'radiograph', columns, rows);
  const pixels = new Uint16Array(columns * rows);
  const mask = new Uint8Array(columns * rows);
  const cx = columns / 2;
  const shaft = columns * 0.18;
  const cortex = columns * 0.06;
  const lesion = { x: cx + columns * 0.02, y: rows * 0.5, a: shaft * 0.8, b: rows * 0.16 };
  const top = (1 << bits) - 1;
  for (let y = 0; y < rows; y++) {
    for (let x = 0; x < columns; x++) {
      const dx = Math.abs(x + 0.5 - cx);
      let v = Math.abs(x + 0.5 - cx) < columns * 0.42 ? levels.tissue : levels.air;
      if (dx < shaft) v = dx > shaft - cortex ? levels.cortex : levels.marrow;
      const ex = (x + 0.5 - lesion.x) / lesion.a;
      const ey = (y + 0.5 - lesion.y) / lesion.b;
      const inLesion = ex * ex + ey * ey <= 1;
      // Mottling: a slow ripple plus noise, so that texture matrices have more than one grey level.
      if (inLesion) v = levels.lesion + 220 * Math.sin(x * 0.9) * Math.cos(y * 0.7);
      v += 60 * rng.normal();
      const i = x + columns * y;
      pixels[i] = Math.max(0, Math.min(top, Math.round(v * scale)));
      mask[i] = inLesion ? 1 : 0;
    }
  }
  return { columns, rows, pixels, mask, bits, levels };
}

/** Writes grey values as a greyscale PNG: 16-bit samples when `depth` is 16 (values kept), else 8-bit (values < 256). */
export async function writeRadiographPng(file: string, columns: number, rows: number, values: ArrayLike<number>, depth: 8 | 16): Promise<void> {
  const raw = depth === 16 ? Uint16Array.from(values) : Uint8Array.from(values);
  if (depth === 8 && Array.prototype.some.call(values, (v: number) => v > 255)) throw new Error('an 8-bit PNG holds values up to 255');
  await sharp(raw, { raw: { width: columns, height: rows, channels: 1 } })
    .toColourspace(depth === 16 ? 'grey16' : 'b-w')
    .png({ compressionLevel: 6 })
    .toFile(file);
}

/** Writes interleaved samples (3 = RGB, 4 = RGBA, 2 = grey + alpha) as an 8-bit PNG, for the colour and alpha tests. */
export async function writeRawPng(file: string, columns: number, rows: number, samples: Uint8Array, channels: 2 | 3 | 4): Promise<void> {
  await sharp(samples, { raw: { width: columns, height: rows, channels } })
    .png()
    .toFile(file);
}

/** Writes 8-bit grey values as a greyscale JPEG (lossy: read it back to know its pixels). */
export async function writeRadiographJpeg(file: string, columns: number, rows: number, values: ArrayLike<number>, quality = 95): Promise<void> {
  await sharp(Uint8Array.from(values), { raw: { width: columns, height: rows, channels: 1 } })
    .toColourspace('b-w')
    .jpeg({ quality })
    .toFile(file);
}

export interface RadiographDicomOptions {
  modality: 'CR' | 'DX';
  photometric: 'MONOCHROME1' | 'MONOCHROME2';
  /** Bits Stored (BitsAllocated is 16); default 12. */
  bitsStored?: number;
  /** Pixel Spacing (0028,0030) as DICOM orders it: [between rows, between columns] (mm). */
  pixelSpacing?: [number, number];
  /** Imager Pixel Spacing (0018,1164), same order. */
  imagerPixelSpacing?: [number, number];
  rescaleSlope?: number;
  rescaleIntercept?: number;
  /** Values OR-ed into the bits above Bits Stored of every pixel (an overlay plane that a reader must drop). */
  highBits?: number;
  /** A pseudonym. */
  patientId?: string;
}

const SOP_CLASS = { CR: '1.2.840.10008.5.1.4.1.1.1', DX: '1.2.840.10008.5.1.4.1.1.1.1' } as const;

/** A deterministic UID under the 2.25 root (PS3.5 B.2), from a name. */
function uid(name: string): string {
  let h = 0n;
  for (const ch of name) h = (h * 131n + BigInt(ch.codePointAt(0)!)) % 2n ** 120n;
  return `2.25.${h + 1n}`;
}

interface DcmjsData {
  DicomDict: new (meta: unknown) => { dict: unknown; write(): ArrayBuffer };
  DicomMetaDictionary: { denaturalizeDataset(dataset: unknown): unknown };
}

/**
 * Writes stored values (MONOCHROME2 grey values; mirrored over Bits Stored for MONOCHROME1, so that a reader that
 * inverts gets the same values back) as a single-frame CR or DX file, explicit VR little endian.
 */
export function writeRadiographDicom(file: string, columns: number, rows: number, values: ArrayLike<number>, options: RadiographDicomOptions): void {
  const bitsStored = options.bitsStored ?? 12;
  const top = 2 ** bitsStored - 1;
  const stored = new Uint16Array(columns * rows);
  for (let i = 0; i < stored.length; i++) {
    const v = options.photometric === 'MONOCHROME1' ? top - values[i] : values[i];
    stored[i] = v | (options.highBits ?? 0);
  }
  const name = `${file}/${options.modality}/${options.photometric}`;
  const sopInstanceUid = uid(`${name}/instance`);
  const dataset: Record<string, unknown> = {
    SOPClassUID: SOP_CLASS[options.modality],
    SOPInstanceUID: sopInstanceUid,
    StudyInstanceUID: uid(`${name}/study`),
    SeriesInstanceUID: uid(`${name}/series`),
    Modality: options.modality,
    PatientID: options.patientId ?? 'SYN-RX-001',
    PatientName: 'Synthetic^Radiograph',
    SeriesNumber: 1,
    InstanceNumber: 1,
    SamplesPerPixel: 1,
    PhotometricInterpretation: options.photometric,
    Rows: rows,
    Columns: columns,
    BitsAllocated: 16,
    BitsStored: bitsStored,
    HighBit: bitsStored - 1,
    PixelRepresentation: 0,
    PixelData: stored.buffer,
    _vrMap: { PixelData: 'OW' },
  };
  if (options.modality === 'DX') dataset.PresentationIntentType = 'FOR PRESENTATION';
  if (options.pixelSpacing) dataset.PixelSpacing = options.pixelSpacing;
  if (options.imagerPixelSpacing) dataset.ImagerPixelSpacing = options.imagerPixelSpacing;
  if (options.rescaleSlope !== undefined) dataset.RescaleSlope = options.rescaleSlope;
  if (options.rescaleIntercept !== undefined) dataset.RescaleIntercept = options.rescaleIntercept;
  const meta = {
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: SOP_CLASS[options.modality],
    MediaStorageSOPInstanceUID: sopInstanceUid,
    TransferSyntaxUID: '1.2.840.10008.1.2.1',
    ImplementationClassUID: uid('osteoflow/synthetic'),
    ImplementationVersionName: 'OSTEOFLOW',
  };
  // dcmjs ships no type declarations; only these two entry points are used.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { DicomDict, DicomMetaDictionary } = (require('dcmjs') as { data: DcmjsData }).data;
  const dict = new DicomDict(DicomMetaDictionary.denaturalizeDataset(meta));
  dict.dict = DicomMetaDictionary.denaturalizeDataset(dataset);
  writeFileSync(file, Buffer.from(dict.write()));
}
