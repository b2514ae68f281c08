// Delta features and PET volumetrics on values worked out by hand.
import { featureDeltas, namedDeltas, relativeChange } from '../../../radiomics/delta';
import { petVolumetrics } from '../../../radiomics/pet';
import type { Volume } from '../../../imaging/image';

describe('relativeChange', () => {
  it('is (v − ref)/|ref|, 0 when both are 0, and undefined at a zero reference', () => {
    expect(relativeChange(150, 100)).toBe(0.5);
    expect(relativeChange(-150, -100)).toBe(-0.5);
    expect(relativeChange(0, 0)).toBe(0);
    expect(relativeChange(5, 0)).toBeNull();
    expect(relativeChange(5, 1e-12)).toBeNull();
    expect(relativeChange(Number.NaN, 1)).toBeNull();
  });
});

describe('featureDeltas and namedDeltas', () => {
  it('compares features present on both sides only', () => {
    expect(featureDeltas({ a: 3, b: 10, c: 1 }, { a: 2, b: 10 })).toEqual([
      { feature: 'a', absolute: 1, relative: 0.5 },
      { feature: 'b', absolute: 0, relative: 0 },
    ]);
  });

  it('reports volume and SUVmax change in %, ADC, MTV and TLG in their units, and null where a value is missing', () => {
    const baseline = {
      T1CE: { original_shape_MeshVolume: 40000 },
      ADC: { original_firstorder_Mean: 1000, original_firstorder_Minimum: 600 },
      PET: { derived_pet_SUVmax: 10, derived_pet_MTV40: 30, derived_pet_TLG40: 180 },
    };
    const preop = {
      T1CE: { original_shape_MeshVolume: 20000 },
      ADC: { original_firstorder_Mean: 1600, original_firstorder_Minimum: 700 },
      PET: { derived_pet_SUVmax: 3, derived_pet_MTV40: 12, derived_pet_TLG40: 30 },
    };
    expect(namedDeltas(preop, baseline)).toEqual({
      volumeChangePct: -50,
      deltaAdcMean: 600,
      deltaAdcMin: 100,
      suvMaxChangePct: -70,
      deltaMtv40: -18,
      deltaTlg40: -150,
      deltaMtv2p5: null,
      deltaTlg2p5: null,
    });
  });
});

describe('petVolumetrics', () => {
  it('computes SUVmax, SUVmean, MTV and TLG at 40 % of SUVmax and at SUV 2.5', () => {
    // 2×1×1 mm voxels = 0.002 ml each; ROI SUVs 10, 5, 3, 1 (label 1), plus a voxel outside the ROI.
    const geometry = {
      size: [5, 1, 1] as [number, number, number],
      spacing: [2, 1, 1] as [number, number, number],
      origin: [0, 0, 0] as [number, number, number],
      direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] as Volume['geometry']['direction'],
    };
    const suv: Volume = { geometry, data: new Float32Array([10, 5, 3, 1, 50]) };
    const mask: Volume = { geometry, data: new Uint8Array([1, 1, 1, 1, 0]) };
    const v = petVolumetrics(suv, mask);
    expect(v.SUVmax).toBe(10);
    expect(v.SUVmean).toBe(19 / 4);
    // 40 % of 10 = 4: voxels 10 and 5 → MTV 0.004 ml, TLG = 0.004 × 7.5.
    expect(v.MTV40).toBeCloseTo(0.004, 12);
    expect(v.TLG40).toBeCloseTo(0.03, 12);
    // SUV ≥ 2.5: 10, 5, 3 → 0.006 ml × mean 6.
    expect(v.MTV2p5).toBeCloseTo(0.006, 12);
    expect(v.TLG2p5).toBeCloseTo(0.036, 12);
  });

  it('rejects an empty ROI, naming the label', () => {
    const geometry = {
      size: [2, 1, 1] as [number, number, number],
      spacing: [1, 1, 1] as [number, number, number],
      origin: [0, 0, 0] as [number, number, number],
      direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] as Volume['geometry']['direction'],
    };
    expect(() => petVolumetrics({ geometry, data: new Float32Array(2) }, { geometry, data: new Uint8Array(2), source: 'm.nii.gz' })).toThrow(
      /mask has no voxel with label 1/,
    );
  });
});
