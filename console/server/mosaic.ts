// A PNG mosaic of a stored scan: a few axial slices (the third voxel axis) through the tumour mask, intensities
// windowed between the 1st and 99th percentile of the shown slices, the mask's outline drawn in red.
import sharp from 'sharp';
import { maskScanTarget } from '../../contracts/pipeline';
import type { Volume } from '../../imaging/image';

export interface MosaicOptions {
  /** How many slices at most (default 6). */
  slices?: number;
  /** Smallest tile width in pixels: small images are enlarged (nearest neighbour) to at least this (default 192). */
  minTileWidth?: number;
}

export interface Mosaic {
  png: Buffer;
  /** The slice indices shown, in order. */
  slices: number[];
  /** Whether the mask's outline was drawn (false when the mask is on another grid). */
  outlined: boolean;
}

/**
 * The stored mask a scan's mosaic outlines: the latest mask registered for that image modality (stored as
 * 'mask:<modality>'), else the latest shared mask ('mask'). Stored scans are listed oldest first.
 */
export function maskScanFor<T extends { role: string; modality: string }>(stored: readonly T[], modality: string): T | undefined {
  const masks = stored.filter((s) => s.role === 'mask');
  return masks.filter((s) => maskScanTarget(s.modality) === modality).at(-1) ?? masks.filter((s) => maskScanTarget(s.modality) === undefined).at(-1);
}

const sameGrid = (a: Volume, b: Volume) => a.geometry.size.every((n, i) => n === b.geometry.size[i]);

/** Slices of the mask's extent along z, evenly spaced (all of them when there are fewer than `count`). */
export function chooseSlices(mask: Volume | undefined, depth: number, count: number): number[] {
  let lo = 0;
  let hi = depth - 1;
  if (mask) {
    const [nx, ny, nz] = mask.geometry.size;
    const plane = nx * ny;
    const hit: number[] = [];
    for (let z = 0; z < nz; z++) {
      for (let i = z * plane; i < (z + 1) * plane; i++)
        if (mask.data[i] > 0) {
          hit.push(z);
          break;
        }
    }
    if (hit.length > 0) [lo, hi] = [hit[0], hit[hit.length - 1]];
  }
  const span = hi - lo + 1;
  if (span <= count) return Array.from({ length: span }, (_, i) => lo + i);
  return [...new Set(Array.from({ length: count }, (_, i) => Math.round(lo + ((hi - lo) * i) / (count - 1))))];
}

function percentile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return 0;
  const at = Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))));
  return sorted[at];
}

export async function renderMosaic(image: Volume, mask: Volume | undefined, options: MosaicOptions = {}): Promise<Mosaic> {
  const [nx, ny, nz] = image.geometry.size;
  const outlined = mask !== undefined && sameGrid(image, mask);
  const slices = chooseSlices(outlined ? mask : undefined, nz, options.slices ?? 6);
  const plane = nx * ny;
  const values = new Float64Array(slices.length * plane);
  slices.forEach((z, s) => {
    for (let i = 0; i < plane; i++) values[s * plane + i] = Number(image.data[z * plane + i]);
  });
  const sorted = Float64Array.from(values.filter(Number.isFinite)).sort();
  const low = percentile(sorted, 0.01);
  const high = percentile(sorted, 0.99);
  const scale = high > low ? 255 / (high - low) : 0;

  const columns = Math.min(3, slices.length);
  const rows = Math.ceil(slices.length / columns);
  const gap = 2;
  const width = columns * nx + (columns - 1) * gap;
  const height = rows * ny + (rows - 1) * gap;
  const rgb = Buffer.alloc(width * height * 3);
  const inMask = (z: number, x: number, y: number) => x >= 0 && y >= 0 && x < nx && y < ny && mask!.data[z * plane + y * nx + x] > 0;
  slices.forEach((z, s) => {
    const ox = (s % columns) * (nx + gap);
    const oy = Math.floor(s / columns) * (ny + gap);
    for (let y = 0; y < ny; y++) {
      for (let x = 0; x < nx; x++) {
        const v = values[s * plane + y * nx + x];
        const grey = Number.isFinite(v) ? Math.max(0, Math.min(255, Math.round((v - low) * scale))) : 0;
        // The outline: a mask voxel with a 4-neighbour outside the mask.
        const edge = outlined && inMask(z, x, y) && (!inMask(z, x - 1, y) || !inMask(z, x + 1, y) || !inMask(z, x, y - 1) || !inMask(z, x, y + 1));
        const at = ((oy + y) * width + ox + x) * 3;
        rgb[at] = edge ? 255 : grey;
        rgb[at + 1] = edge ? 40 : grey;
        rgb[at + 2] = edge ? 40 : grey;
      }
    }
  });
  const factor = Math.max(1, Math.ceil((options.minTileWidth ?? 192) / nx));
  const png = await sharp(rgb, { raw: { width, height, channels: 3 } })
    .resize(width * factor, height * factor, { kernel: 'nearest' })
    .png()
    .toBuffer();
  return { png, slices, outlined };
}
