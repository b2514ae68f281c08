// QC on volumes written to disk: each defect class found, with the modality, the reason code and what is wrong.
import { mkdirSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeNifti } from '../../../imaging/io';
import type { Volume } from '../../../imaging/image';
import { runQc } from '../../../qc/runQc';
import { writeDicomSlice } from '../imaging/io/support/dicomWriter';

const dir = mkdtempSync(path.join(os.tmpdir(), 'osteoflow-qc-'));
const geometry = {
  size: [16, 16, 12] as [number, number, number],
  spacing: [2, 2, 3] as [number, number, number],
  origin: [0, 0, 0] as [number, number, number],
  direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] as Volume['geometry']['direction'],
};
const profile = { minSlices: 10, maxSpacingMm: 6, tumourVolumeMl: [0.05, 10] as [number, number] };

function volume(name: string, fill: (x: number, y: number, z: number) => number, g = geometry, type: 'float' | 'mask' = 'float'): string {
  const n = g.size[0] * g.size[1] * g.size[2];
  const data = type === 'mask' ? new Uint8Array(n) : new Float32Array(n);
  for (let z = 0; z < g.size[2]; z++)
    for (let y = 0; y < g.size[1]; y++) for (let x = 0; x < g.size[0]; x++) data[x + g.size[0] * (y + g.size[1] * z)] = fill(x, y, z);
  const file = path.join(dir, `${name}.nii.gz`);
  writeNifti(file, { geometry: g, data });
  return file;
}

const texture = (x: number, y: number, z: number) => 100 + ((x * 7 + y * 13 + z * 5) % 17);
const cube = (x: number, y: number, z: number) => (x >= 5 && x < 10 && y >= 5 && y < 10 && z >= 3 && z < 8 ? 1 : 0);

describe('runQc', () => {
  const t1 = { modality: 'T1CE', path: volume('t1', texture), sha256: 'a' };
  const mask = { path: volume('mask', cube, geometry, 'mask') };

  it('passes a sane scan set', () => {
    expect(runQc({ images: [t1], mask, requiredModalities: ['T1CE'], profile })).toEqual({ passed: true, reasons: [], findings: [] });
  });

  it('finds a missing slice, NaNs, a constant image, a copy filed twice and a missing modality', () => {
    const gap = { modality: 'T2', path: volume('gap', (x, y, z) => (z === 6 ? 0 : texture(x, y, z))), sha256: 'b' };
    const nan = { modality: 'ADC', path: volume('nan', (x, y, z) => (x === 0 && y === 0 && z === 0 ? Number.NaN : texture(x, y, z))), sha256: 'c' };
    const flat = { modality: 'PET', path: volume('flat', () => 3), sha256: 'd' };
    const copy = { modality: 'FLAIR', path: t1.path, sha256: 'a' };
    const { passed, reasons } = runQc({ images: [t1, gap, nan, flat, copy], mask, requiredModalities: ['T1CE', 'T2', 'ADC', 'PET', 'FLAIR', 'DWI'], profile });
    expect(passed).toBe(false);
    expect(reasons).toEqual(
      expect.arrayContaining([
        'DWI: required modality missing',
        'FLAIR: byte-identical to T1CE (wrong modality filed?)',
        'T2: slice 6 blank between non-blank neighbours (missing slice)',
        'ADC: 1 voxels are NaN or infinite',
        'PET: every voxel has the same value (3)',
      ]),
    );
  });

  it('gives every reason its code and modality, in the order the checks run', () => {
    const gap = { modality: 'T2', path: volume('gap2', (x, y, z) => (z === 6 ? 0 : texture(x, y, z))), sha256: 'b' };
    const flat = { modality: 'PET', path: volume('flat2', () => 3), sha256: 'd' };
    const copy = { modality: 'FLAIR', path: t1.path, sha256: 'a' };
    const result = runQc({ images: [t1, gap, flat, copy], mask, requiredModalities: ['T1CE', 'DWI'], profile });
    expect(result.findings).toEqual([
      { code: 'modality-missing', modality: 'DWI', message: 'DWI: required modality missing' },
      { code: 'duplicate-image', modality: 'FLAIR', message: 'FLAIR: byte-identical to T1CE (wrong modality filed?)' },
      { code: 'missing-slice', modality: 'T2', message: 'T2: slice 6 blank between non-blank neighbours (missing slice)' },
      { code: 'constant-image', modality: 'PET', message: 'PET: every voxel has the same value (3)' },
    ]);
    expect(result.reasons).toEqual([
      'DWI: required modality missing',
      'FLAIR: byte-identical to T1CE (wrong modality filed?)',
      'T2: slice 6 blank between non-blank neighbours (missing slice)',
      'PET: every voxel has the same value (3)',
    ]);
  });

  it('finds a DICOM series whose Modality tag disagrees with where it was filed', () => {
    const series = path.join(dir, 'mr-series');
    mkdirSync(series);
    for (let k = 0; k < 12; k++) {
      writeDicomSlice(path.join(series, `IM${k}`), {
        modality: 'MR',
        position: [0, 0, 3 * k],
        pixelSpacing: [2, 2],
        rows: 2,
        columns: 3,
        pixels: [0, 1, 2, 3, 4, 5].map((v) => v + k),
      });
    }
    const result = runQc({ images: [{ modality: 'PET', path: series, sha256: 'p' }], requiredModalities: [], profile, segmentation: 'automatic-allowed' });
    expect(result.findings).toEqual([{ code: 'modality-tag-mismatch', modality: 'PET', message: 'PET: DICOM Modality is MR, expected PT' }]);
    expect(runQc({ images: [{ modality: 'T2', path: series, sha256: 'p' }], requiredModalities: [], profile, segmentation: 'automatic-allowed' }).passed).toBe(
      true,
    );
  });

  it('finds thick slices, too few slices and an unreadable file', () => {
    const thick = { modality: 'T2', path: volume('thick', texture, { ...geometry, spacing: [2, 2, 8] }), sha256: 'e' };
    const short = { modality: 'ADC', path: volume('short', texture, { ...geometry, size: [16, 16, 6] }), sha256: 'f' };
    const missing = { modality: 'PET', path: path.join(dir, 'absent.nii.gz'), sha256: 'g' };
    const { reasons } = runQc({ images: [thick, short, missing], mask, requiredModalities: [], profile });
    expect(reasons).toEqual(
      expect.arrayContaining([
        'T2: spacing 2.00×2.00×8.00 mm exceeds 6 mm',
        'ADC: 6 slices, fewer than 10',
        expect.stringMatching(/^PET: unreadable \(.*absent\.nii\.gz/),
      ]),
    );
  });

  it('checks the mask: absent, empty, another grid, implausible volume', () => {
    expect(runQc({ images: [t1], requiredModalities: [], profile }).reasons).toEqual(['no manual mask and no segmentation model for this study']);
    expect(runQc({ images: [t1], mask: { path: volume('empty', () => 0, geometry, 'mask') }, requiredModalities: [], profile }).reasons).toEqual([
      'mask: empty (no tumour voxel)',
    ]);
    const other = volume('other', cube, { ...geometry, size: [16, 16, 14] }, 'mask');
    expect(runQc({ images: [t1], mask: { path: other }, requiredModalities: [], profile }).reasons).toEqual([
      "mask: size 16×16×14 differs from the T1CE image's 16×16×12",
    ]);
    // 125 voxels × 12 mm³ = 1.5 ml, outside [0.05, 1].
    expect(runQc({ images: [t1], mask, requiredModalities: [], profile: { ...profile, tumourVolumeMl: [0.05, 1] } }).reasons).toEqual([
      'mask: tumour volume 1.50 ml outside the plausible 0.05–1 ml',
    ]);
  });
});
