// Content hashes: the same image hashes the same whatever its file format or voxel type; any change alters it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { volumeHash } from '../../../../radiomics/extraction/volumeHash';
import { readImage, writeNifti } from '../../../../imaging/io';
import { describeWithReferenceData, referencePath } from '../../../support/referenceData';
import { grid, volumeOf } from './support';

describe('volumeHash', () => {
  const g = grid([5, 4, 3], [0.5, 0.5, 2], [10, -20, 30]);
  const base = volumeOf(Int16Array, g, (x, y, z) => x - 2 * y + 7 * z);

  it('is a sha256 that ignores the stored voxel type when the values are equal', () => {
    const h = volumeHash(base);
    expect(h).toMatch(/^[0-9a-f]{64}$/);
    expect(volumeHash({ ...base, data: Float32Array.from(base.data) })).toBe(h);
    expect(volumeHash({ ...base, data: Float64Array.from(base.data) })).toBe(h);
  });

  it('changes with any voxel value, with non-integer values, and with the geometry', () => {
    const h = volumeHash(base);
    const changed = Int16Array.from(base.data);
    changed[17] += 1;
    expect(volumeHash({ ...base, data: changed })).not.toBe(h);
    const fractional = Float64Array.from(base.data);
    fractional[0] += 0.5;
    expect(volumeHash({ ...base, data: fractional })).not.toBe(h);
    expect(volumeHash({ ...base, geometry: { ...g, spacing: [0.5, 0.5, 2.5] } })).not.toBe(h);
    expect(volumeHash({ ...base, geometry: { ...g, origin: [10, -20, 30.01] } })).not.toBe(h);
    expect(volumeHash({ ...base, geometry: { ...g, direction: [-1, 0, 0, 0, 1, 0, 0, 0, 1] } })).not.toBe(h);
    expect(volumeHash({ ...base, geometry: { ...g, size: [3, 4, 5] } })).not.toBe(h);
  });

  it('encodes values by their range, not their storage: -0 and 0 agree, uint8-range labels hash alike in any type', () => {
    const labels = volumeOf(Uint8Array, g, (x) => (x > 2 ? 1 : 0));
    expect(volumeHash({ ...labels, data: Int32Array.from(labels.data) })).toBe(volumeHash(labels));
    expect(volumeHash({ ...labels, data: Float64Array.from(labels.data, (v) => (v === 0 ? -0 : v)) })).toBe(volumeHash(labels));
    const fractional = { ...base, data: Float64Array.from(base.data, (v, i) => (i === 3 ? -0 : v + 0.25)) };
    expect(volumeHash({ ...fractional, data: Float64Array.from(fractional.data, (v) => v + 0) })).toBe(volumeHash(fractional));
    // The same bytes read as another encoding are another image: 255 as uint8 vs 255 + 256 (needs int16).
    const wide = Int16Array.from(labels.data);
    wide[0] = 511;
    expect(volumeHash({ ...labels, data: wide })).not.toBe(volumeHash(labels));
  });

  it('hashes geometry at float32 precision (NIfTI stores it in float32), direction cosines to 1e-6', () => {
    const exact = grid([5, 4, 3], [0.7812499999999999, 0.7812499999999999, 6.499999999999998], [-99.60937499999999, 99.60937499999999, -77.99999999999996]);
    const stored = { ...exact, spacing: exact.spacing.map(Math.fround) as typeof g.spacing, origin: exact.origin.map(Math.fround) as typeof g.origin };
    expect(volumeHash({ ...base, geometry: stored })).toBe(volumeHash({ ...base, geometry: exact }));
    const tilted = { ...exact, direction: [1, 1e-8, 0, -1e-8, 1, 0, 0, 0, 1] as typeof g.direction };
    expect(volumeHash({ ...base, geometry: tilted })).toBe(volumeHash({ ...base, geometry: exact }));
  });
});

describeWithReferenceData('volumeHash across file formats', ['pyradiomics/brain1_image.nrrd'], () => {
  it('brain1 read from NRRD and from the NIfTI written from it hash the same', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'osteoflow-hash-'));
    try {
      const nrrd = readImage(referencePath('pyradiomics', 'brain1_image.nrrd'));
      const file = path.join(dir, 'brain1.nii.gz');
      writeNifti(file, nrrd);
      const nifti = readImage(file);
      expect(nifti.data.length).toBe(nrrd.data.length);
      expect(volumeHash(nifti)).toBe(volumeHash(nrrd));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
