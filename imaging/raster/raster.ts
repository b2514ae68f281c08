// PNG and JPEG radiographs (and PNG masks) → a 2D RadiographVolume, decoded by sharp (libvips; asynchronous).
// Bit depth is kept (a 16-bit PNG stays 16-bit), colour is accepted only when every pixel's channels are equal, and
// an alpha channel only when fully opaque. These formats carry no trustworthy pixel spacing (pHYs and JPEG density
// are screen or export defaults as often as not), so the caller gives it; the file's own value is only reported.
import sharp, { type Metadata, type OutputInfo } from 'sharp';
import path from 'node:path';
import { RadiomicsInputError } from '../errors';
import type { Geometry } from '../image';
import { checkVoxelCount, maxVoxelsOf, regularFileSize, token, type ReadLimits } from '../io/limits';
import { checkSpacing, radiographGeometry, type PixelSpacing2D, type RadiographVolume } from './radiograph';

export const RASTER_SUFFIXES = ['.png', '.jpg', '.jpeg'] as const;

export interface RasterReadOptions extends ReadLimits {
  /** Pixel spacing in mm, [x, y]; required for an image unless `grid` is given. */
  spacing?: PixelSpacing2D;
  /** A mask: every non-zero pixel becomes 1 (uint8); only PNG (JPEG is lossy at the edges). */
  mask?: boolean;
  /** The image's geometry, for a mask on the same grid: sizes must match, spacing comes from it. */
  grid?: Geometry;
}

/** True for a file name a raster reader handles (.png, .jpg, .jpeg, any case). */
export function isRasterFile(file: string): boolean {
  const lower = file.toLowerCase();
  return RASTER_SUFFIXES.some((s) => lower.endsWith(s));
}

/** What the file says about its resolution, in words; undefined when it says nothing. */
function densityNote(meta: Metadata): string | undefined {
  if (!meta.density) return undefined;
  // sharp reports pixels per inch; 25.4 mm per inch.
  return `the file declares ${meta.density} pixels per inch (${(25.4 / meta.density).toPrecision(4)} mm), not used: PNG pHYs and JPEG density are often display or export defaults`;
}

function spacingFor(file: string, meta: Metadata, options: RasterReadOptions): PixelSpacing2D {
  if (options.grid) return [options.grid.spacing[0], options.grid.spacing[1]];
  if (options.spacing) {
    checkSpacing(options.spacing, { file, field: 'spacing' });
    return options.spacing;
  }
  const declared = densityNote(meta);
  throw new RadiomicsInputError(
    `a ${path.extname(file).slice(1).toUpperCase()} radiograph carries no reliable pixel spacing${declared ? ` (${declared})` : ''}`,
    {
      file,
      field: 'spacing',
      expected: 'the pixel spacing in mm from the caller: --spacing X,Y on the command line, or the spacing option of readImageAsync',
    },
  );
}

/**
 * Reads a PNG (8- or 16-bit, grey, grey+alpha, RGB(A) or palette) or a JPEG (8-bit) as a radiograph: grey values as
 * stored (uint8 or uint16), x along a row, y down the image. EXIF orientation is not applied: a mask drawn on the
 * stored pixels stays aligned, so a file that asks for a rotation is refused.
 */
export async function readRaster(file: string, options: RasterReadOptions = {}): Promise<RadiographVolume> {
  const lower = file.toLowerCase();
  const format = lower.endsWith('.png') ? 'png' : lower.endsWith('.jpg') || lower.endsWith('.jpeg') ? 'jpeg' : undefined;
  if (!format) throw new RadiomicsInputError('not a PNG or JPEG file', { file, field: 'extension', expected: RASTER_SUFFIXES.join(', ') });
  if (options.mask && format === 'jpeg') {
    throw new RadiomicsInputError('a JPEG mask is lossy (edges blur into other values)', {
      file,
      field: 'mask',
      expected: 'a PNG mask (non-zero = label) or a NIfTI',
    });
  }
  regularFileSize(file, { field: 'path', expected: `a ${format.toUpperCase()} file` });
  const maxVoxels = maxVoxelsOf(options, file);
  const input = sharp(file, { limitInputPixels: maxVoxels, sequentialRead: true, failOn: 'error' });
  let meta: Metadata;
  try {
    meta = await input.metadata();
  } catch (err) {
    throw new RadiomicsInputError(`cannot be decoded (${token((err as Error).message ?? 'error', 80)})`, {
      file,
      field: 'data',
      expected: `a valid ${format.toUpperCase()} file`,
    });
  }
  if (meta.format !== format) {
    throw new RadiomicsInputError(`content is ${token(String(meta.format), 16)}`, {
      file,
      field: 'format',
      expected: `${format.toUpperCase()} content, as the name says`,
    });
  }
  const columns = meta.width;
  const rows = meta.height;
  checkVoxelCount(columns * rows, maxVoxels, { file, field: 'width×height', sizes: `${columns}×${rows}` });
  if (meta.orientation !== undefined && meta.orientation !== 1) {
    throw new RadiomicsInputError(`EXIF orientation ${meta.orientation}`, {
      file,
      field: 'orientation',
      expected: 'pixels stored upright (orientation 1 or none)',
    });
  }
  if ((meta.pages ?? 1) > 1) throw new RadiomicsInputError(`${meta.pages} frames`, { file, field: 'pages', expected: 'one image' });
  const sixteen = meta.depth === 'ushort';
  if (!sixteen && meta.depth !== 'uchar') {
    throw new RadiomicsInputError(`pixel depth ${token(meta.depth, 16)}`, { file, field: 'depth', expected: '8- or 16-bit samples' });
  }
  const colour = meta.channels - (meta.hasAlpha ? 1 : 0) >= 3;
  // Keep the file's own bands and depth: libvips would otherwise convert to 8-bit sRGB (a 16-bit PNG read as 8-bit).
  const space = sixteen ? (colour ? 'rgb16' : 'grey16') : colour ? 'srgb' : 'b-w';
  // Checked before decoding: a missing spacing costs no pixel work.
  const spacing = spacingFor(file, meta, options);
  let raw: { data: Buffer; info: OutputInfo };
  try {
    raw = await sharp(file, { limitInputPixels: maxVoxels, failOn: 'error' })
      .toColourspace(space)
      .raw({ depth: sixteen ? 'ushort' : 'uchar' })
      .toBuffer({ resolveWithObject: true });
  } catch (err) {
    throw new RadiomicsInputError(`cannot be decoded (${token((err as Error).message ?? 'error', 80)})`, {
      file,
      field: 'data',
      expected: `a valid ${format.toUpperCase()} file`,
    });
  }
  const { info, data } = raw;
  // sharp reports the raw depth at run time; its typings omit it.
  const depth = (info as OutputInfo & { depth?: string }).depth;
  const bands = info.channels;
  const bytes = sixteen ? 2 : 1;
  // The decoded buffer must be exactly the declared pixels at the declared depth: anything else is a misread.
  if (info.width !== columns || info.height !== rows || data.length !== columns * rows * bands * bytes || depth !== (sixteen ? 'ushort' : 'uchar')) {
    throw new RadiomicsInputError(`decoded ${info.width}×${info.height}×${bands} ${String(depth)} from a ${columns}×${rows} ${meta.depth} header`, {
      file,
      field: 'depth',
      expected: `${columns}×${rows} samples of ${sixteen ? 16 : 8} bits`,
    });
  }
  const samples = sixteen ? new Uint16Array(data.buffer, data.byteOffset, data.length / 2) : new Uint8Array(data.buffer, data.byteOffset, data.length);
  const alpha = info.hasAlpha || bands === 2 || bands === 4;
  const greyBands = alpha ? bands - 1 : bands;
  const opaque = sixteen ? 65535 : 255;
  const count = columns * rows;
  const out = options.mask ? new Uint8Array(count) : sixteen ? new Uint16Array(count) : new Uint8Array(count);
  for (let i = 0, k = 0; i < count; i++, k += bands) {
    const v = samples[k];
    for (let b = 1; b < greyBands; b++) {
      if (samples[k + b] !== v) {
        const x = i % columns;
        const y = (i - x) / columns;
        throw new RadiomicsInputError(
          `a colour image: pixel (${x}, ${y}) has unequal channels (${Array.from(samples.subarray(k, k + greyBands)).join(', ')})`,
          {
            file,
            field: 'channels',
            expected: 'a greyscale radiograph (grey, or colour with R = G = B at every pixel)',
          },
        );
      }
    }
    if (alpha && samples[k + bands - 1] !== opaque) {
      const x = i % columns;
      throw new RadiomicsInputError(`transparent pixel (${x}, ${(i - x) / columns})`, {
        file,
        field: 'alpha',
        expected: 'no alpha channel, or a fully opaque one',
      });
    }
    out[i] = options.mask ? (v !== 0 ? 1 : 0) : v;
  }
  let geometry;
  if (options.grid) {
    const [w, h] = options.grid.size;
    if (w !== columns || h !== rows || options.grid.size[2] !== 1) {
      throw new RadiomicsInputError(`mask is ${columns}×${rows} pixels, the image ${options.grid.size.join('×')}`, {
        file,
        field: 'width×height',
        expected: `a mask on the image's grid: ${w}×${h}`,
      });
    }
    geometry = { ...options.grid, size: [...options.grid.size] as Geometry['size'], spacing: [...options.grid.spacing] as Geometry['spacing'] };
  } else {
    geometry = radiographGeometry(columns, rows, spacing);
  }
  const note = densityNote(meta);
  return {
    geometry,
    data: out,
    source: file,
    format,
    modality: '',
    spacingSource: 'caller',
    bitsStored: meta.bitsPerSample ?? (sixteen ? 16 : 8),
    inverted: false,
    notes: note ? [note] : [],
  };
}
