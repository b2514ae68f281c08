// Writes a voxel-based extraction to a folder: one NIfTI map per feature, named as PyRadiomics names the feature
// (`original_glcm_Contrast.nii.gz`), the ROI on the maps' grid (`roi.nii.gz`), and the diagnostics as a CSV of
// name,value rows. Each file is written beside its final name and renamed into place, so an interrupted run never
// leaves a half-written map and a map from an earlier run is replaced only by a complete one.
import { mkdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { RadiomicsInputError } from '../../imaging/errors';
import { writeNifti } from '../../imaging/io/nifti';
import { csvLine } from '../extraction/csv';
import type { VoxelExtractionResult } from './extract';

function csvValue(v: unknown): string {
  if (typeof v === 'number') return Number.isNaN(v) ? 'nan' : String(v);
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}

function ensureFolder(dir: string): void {
  try {
    if (!statSync(dir).isDirectory()) {
      throw new RadiomicsInputError('exists and is not a folder', { file: dir, field: '--out-dir', expected: 'a folder (created when missing)' });
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    mkdirSync(dir, { recursive: true });
  }
}

/** Writes the maps, the ROI and diagnostics.csv into `dir`; returns the files written. */
export function writeVoxelMaps(result: VoxelExtractionResult, dir: string): string[] {
  ensureFolder(dir);
  const written: string[] = [];
  const put = (name: string, write: (tmp: string) => void) => {
    const file = path.join(dir, name);
    // the temporary name keeps the extension: writeNifti compresses by it
    const tmp = path.join(dir, `.tmp-${process.pid}-${name}`);
    write(tmp);
    renameSync(tmp, file);
    written.push(file);
  };
  for (const [name, map] of Object.entries(result.maps)) {
    put(`${name}.nii.gz`, (tmp) => writeNifti(tmp, map, { description: `voxel-based ${name}` }));
  }
  if (result.roi) put('roi.nii.gz', (tmp) => writeNifti(tmp, result.roi!, { description: 'ROI of the voxel-based maps' }));
  const rows = [csvLine(['name', 'value']), ...Object.entries(result.diagnostics).map(([k, v]) => csvLine([k, csvValue(v)]))];
  put('diagnostics.csv', (tmp) => writeFileSync(tmp, `${rows.join('\n')}\n`));
  return written;
}
