// The benchmark's synthetic case: a 256×256×120 int16 volume (0.8 × 0.8 × 2 mm) with smooth structure and
// deterministic noise, and a mask of exactly 60,000 voxels: those nearest the centre in an ellipsoidal metric.
import path from 'node:path';
import { IDENTITY, type Geometry, type Volume } from '../imaging/image';
import { writeNifti } from '../imaging/io';

export const SYNTHETIC_SIZE = [256, 256, 120] as const;
export const SYNTHETIC_ROI_VOXELS = 60_000;

/** A 32-bit xorshift generator: the same numbers on every machine and Node version. */
function xorshift32(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

export function syntheticCase(): { image: Volume<Int16Array>; mask: Volume<Uint8Array> } {
  const [nx, ny, nz] = SYNTHETIC_SIZE;
  const geometry: Geometry = { size: [nx, ny, nz], spacing: [0.8, 0.8, 2], origin: [-102, -102, -120], direction: [...IDENTITY] as Geometry['direction'] };
  const random = xorshift32(20240611);
  const image = new Int16Array(nx * ny * nz);
  let i = 0;
  for (let z = 0; z < nz; z++) {
    for (let y = 0; y < ny; y++) {
      for (let x = 0; x < nx; x++, i++) {
        const structure = 300 + 120 * Math.sin(x / 9) * Math.cos(y / 13) + 80 * Math.sin(z / 7 + x / 31);
        image[i] = Math.round(structure + 160 * (random() - 0.5));
      }
    }
  }
  // Rank voxels of a box around the centre by ellipsoidal distance (radii in mm → round in physical space).
  const [cx, cy, cz] = [nx / 2, ny / 2, nz / 2];
  const half = [40, 40, 16];
  const candidates: { d: number; index: number }[] = [];
  for (let z = cz - half[2]; z < cz + half[2]; z++) {
    for (let y = cy - half[1]; y < cy + half[1]; y++) {
      for (let x = cx - half[0]; x < cx + half[0]; x++) {
        const d = ((x - cx) * 0.8) ** 2 + ((y - cy) * 0.8 * 1.15) ** 2 + ((z - cz) * 2) ** 2;
        candidates.push({ d, index: x + nx * (y + ny * z) });
      }
    }
  }
  candidates.sort((a, b) => a.d - b.d || a.index - b.index);
  const mask = new Uint8Array(nx * ny * nz);
  for (let k = 0; k < SYNTHETIC_ROI_VOXELS; k++) mask[candidates[k].index] = 1;
  return { image: { geometry, data: image }, mask: { geometry, data: mask } };
}

/** Writes the synthetic case as NIfTI into `dir`; returns the two paths. */
export function writeSyntheticCase(dir: string): { image: string; mask: string } {
  const { image, mask } = syntheticCase();
  const files = { image: path.join(dir, 'synthetic_image.nii'), mask: path.join(dir, 'synthetic_label.nii') };
  writeNifti(files.image, image);
  writeNifti(files.mask, mask);
  return files;
}
