// The bone-marrow region beside a bone tumour: the bone minus the tumour. The bone is a given mask, or CT voxels at or
// above a HU threshold with the holes of each axial (z) slice filled, so that the marrow cavity inside the cortex
// belongs to it (4-connected flood fill of the background from the slice border).
import type { Volume } from '../image';
import { RadiomicsInputError } from '../errors';

export type BoneSource = { mask: Volume } | { ct: Volume; hu: number; fillHoles?: boolean };

export interface MarrowRegion {
  mask: Volume<Uint8Array>;
  voxels: number;
  /** ml */
  volume: number;
}

function sameGrid(a: Volume, b: Volume, what: string): void {
  if (!a.geometry.size.every((s, i) => s === b.geometry.size[i]) || a.data.length !== b.data.length) {
    throw new RadiomicsInputError(`${what} is ${b.geometry.size.join('×')}, the tumour mask ${a.geometry.size.join('×')}`, {
      file: b.source,
      field: 'size',
      expected: "the tumour mask's grid",
    });
  }
}

/** Bone from CT: HU ≥ threshold, holes of each z slice filled. */
export function boneFromCt(ct: Volume, hu: number, fillHoles = true): Uint8Array {
  const [nx, ny, nz] = ct.geometry.size;
  const bone = new Uint8Array(ct.data.length);
  for (let i = 0; i < bone.length; i++) bone[i] = ct.data[i] >= hu ? 1 : 0;
  if (!fillHoles) return bone;
  const slice = nx * ny;
  const outside = new Uint8Array(slice);
  const stack = new Int32Array(slice);
  for (let z = 0; z < nz; z++) {
    const base = z * slice;
    outside.fill(0);
    let top = 0;
    const push = (p: number) => {
      if (!outside[p] && !bone[base + p]) {
        outside[p] = 1;
        stack[top++] = p;
      }
    };
    for (let x = 0; x < nx; x++) {
      push(x);
      push(x + (ny - 1) * nx);
    }
    for (let y = 0; y < ny; y++) {
      push(y * nx);
      push(nx - 1 + y * nx);
    }
    while (top > 0) {
      const p = stack[--top];
      const x = p % nx;
      const y = (p - x) / nx;
      if (x > 0) push(p - 1);
      if (x < nx - 1) push(p + 1);
      if (y > 0) push(p - nx);
      if (y < ny - 1) push(p + nx);
    }
    for (let p = 0; p < slice; p++) if (!outside[p]) bone[base + p] = 1;
  }
  return bone;
}

/** Bone minus tumour (tumour: non-zero voxels, or those of `label`). */
export function marrowRegion(tumour: Volume, source: BoneSource, label?: number): MarrowRegion {
  let bone: Uint8Array;
  if ('mask' in source) {
    sameGrid(tumour, source.mask, 'bone mask');
    bone = new Uint8Array(source.mask.data.length);
    for (let i = 0; i < bone.length; i++) bone[i] = source.mask.data[i] !== 0 ? 1 : 0;
  } else {
    sameGrid(tumour, source.ct, 'CT');
    if (!Number.isFinite(source.hu))
      throw new RadiomicsInputError(`HU threshold ${source.hu}`, { file: source.ct.source, field: 'hu', expected: 'a finite HU value' });
    bone = boneFromCt(source.ct, source.hu, source.fillHoles ?? true);
  }
  const t = tumour.data;
  let voxels = 0;
  for (let i = 0; i < bone.length; i++) {
    const inTumour = label === undefined ? t[i] !== 0 : t[i] === label;
    if (inTumour) bone[i] = 0;
    else if (bone[i]) voxels++;
  }
  const g = tumour.geometry;
  return { mask: { geometry: g, data: bone }, voxels, volume: (voxels * g.spacing[0] * g.spacing[1] * g.spacing[2]) / 1000 };
}
