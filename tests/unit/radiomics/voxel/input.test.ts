// Voxel-based extraction's settings and bad input: kernelRadius, shape-only configurations, empty masks, and the
// guarantee that voxelBatch and worker threads change memory and speed, never values.
import path from 'node:path';
import type { Volume } from '../../../../imaging/image';
import { readImage } from '../../../../radiomics';
import { extractVoxelBasedSync, resolveVoxelSettings } from '../../../../radiomics/voxel/extract';
import { extractVoxelBased } from '../../../../radiomics/voxel/pool';
import { validateParams } from '../../../../radiomics/params';

const DIR = path.resolve(__dirname, '../../../fixtures/voxel');
const IMAGE = path.join(DIR, 'brain1_crop_image.nrrd');
const MASK = path.join(DIR, 'brain1_crop_label.nrrd');
const SMALL = {
  setting: { binWidth: 25 },
  featureClass: { firstorder: ['Mean', 'Entropy'], glcm: ['Contrast', 'MCC', 'JointAverage'], glszm: ['ZoneEntropy'] },
};

describe('voxel settings', () => {
  it("applies PyRadiomics' defaults: kernelRadius 1, maskedKernel true, initValue 0, one batch", () => {
    expect(resolveVoxelSettings(validateParams({}))).toEqual({ kernelRadius: 1, maskedKernel: true, initValue: 0, voxelBatch: null });
  });

  it.each([0, -1, 1.5])('refuses kernelRadius %p in a parameter file, naming the setting', (kernelRadius) => {
    expect(() => validateParams({ voxelSetting: { kernelRadius } }, { file: 'voxel.yaml' })).toThrow(/voxel\.yaml.*voxelSetting\.kernelRadius.*integer/);
  });

  it.each([0, 2.5, Number.NaN])('refuses kernelRadius %p given as an option, naming the setting', (kernelRadius) => {
    expect(() => extractVoxelBasedSync(IMAGE, MASK, SMALL, { voxelSettings: { kernelRadius } })).toThrow(/voxelSetting\.kernelRadius.*integer ≥ 1/);
  });

  it('refuses a voxelBatch below 1', () => {
    expect(() => extractVoxelBasedSync(IMAGE, MASK, SMALL, { voxelSettings: { voxelBatch: 0 } })).toThrow(/voxelSetting\.voxelBatch/);
  });

  it('refuses a configuration with shape classes only', () => {
    expect(() => extractVoxelBasedSync(IMAGE, MASK, { featureClass: { shape: null } })).toThrow(/field 'featureClass'.*shape classes have no voxel-based form/);
  });

  it('skips shape when other classes are enabled, and says so', () => {
    const r = extractVoxelBasedSync(IMAGE, MASK, { featureClass: { shape: null, firstorder: ['Mean'] } });
    expect(Object.keys(r.maps)).toEqual(['original_firstorder_Mean']);
    expect(String(r.diagnostics.diagnostics_Configuration_Skipped)).toMatch(/shape/);
  });

  it('refuses an empty mask, naming its file', () => {
    const mask = readImage(MASK);
    const empty: Volume = { geometry: mask.geometry, data: new Uint8Array(mask.data.length), source: 'empty_label.nrrd' };
    expect(() => extractVoxelBasedSync(IMAGE, empty, SMALL)).toThrow(/empty_label\.nrrd/);
  });
});

describe('voxel maps', () => {
  it('first-order Mean at a voxel is the mean of its 3×3×3 kernel within the ROI (maskedKernel)', () => {
    const r = extractVoxelBasedSync(IMAGE, MASK, { featureClass: { firstorder: ['Mean'] } });
    const roi = r.roi!;
    const [nx, ny] = roi.geometry.size;
    const image = readImage(IMAGE);
    const mask = readImage(MASK);
    // The maps' grid starts at the ROI's box minus kernelRadius on the image grid.
    const [ix, iy] = image.geometry.size;
    let lower = [Infinity, Infinity, Infinity];
    mask.data.forEach((v, i) => {
      if (v !== 1) return;
      const p = [i % ix, Math.floor(i / ix) % iy, Math.floor(i / (ix * iy))];
      lower = lower.map((l, a) => Math.min(l, p[a]));
    });
    const at = (x: number, y: number, z: number) => x - 1 + lower[0] + ix * (y - 1 + lower[1] + iy * (z - 1 + lower[2]));
    let checked = 0;
    roi.data.forEach((v, i) => {
      if (!v || checked > 20) return;
      const x = i % nx;
      const y = Math.floor(i / nx) % ny;
      const z = Math.floor(i / (nx * ny));
      let sum = 0;
      let n = 0;
      for (let dz = -1; dz <= 1; dz++)
        for (let dy = -1; dy <= 1; dy++)
          for (let dx = -1; dx <= 1; dx++) {
            const j = at(x + dx, y + dy, z + dz);
            if (mask.data[j] === 1) {
              sum += image.data[j];
              n++;
            }
          }
      expect(r.maps.original_firstorder_Mean.data[i]).toBeCloseTo(sum / n, 9);
      checked++;
    });
    expect(checked).toBeGreaterThan(0);
  });

  it('gives the same maps whatever voxelBatch, and on worker threads', async () => {
    const whole = extractVoxelBasedSync(IMAGE, MASK, SMALL);
    const batched = extractVoxelBasedSync(IMAGE, MASK, SMALL, { voxelSettings: { voxelBatch: 7 } });
    const pooled = await extractVoxelBased(IMAGE, MASK, SMALL, { workers: 2, voxelSettings: { voxelBatch: 50 } });
    expect(Object.keys(whole.maps).length).toBe(6);
    // Compared as plain arrays: maps computed on worker threads come from another realm.
    for (const [name, map] of Object.entries(whole.maps)) {
      expect(Array.from(batched.maps[name].data)).toEqual(Array.from(map.data));
      expect(Array.from(pooled.maps[name].data)).toEqual(Array.from(map.data));
    }
  }, 60_000);
});
