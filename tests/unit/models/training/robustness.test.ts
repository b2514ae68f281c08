// The segmentation-robustness screen: one-voxel erosion and dilation (closed-form voxel counts), ICC(3,1) per feature
// across the three segmentations, and how delta and named-delta features inherit their baseline feature's verdict.
import type { Volume } from '../../../../radiomics';
import { IDENTITY } from '../../../../imaging/image';
import { isRobust, perturbMask, screenRobustness } from '../../../../models/training/robustness';

function cubeMask(size: number, lo: number, hi: number): Volume<Uint8Array> {
  const data = new Uint8Array(size ** 3);
  for (let z = lo; z <= hi; z++) for (let y = lo; y <= hi; y++) for (let x = lo; x <= hi; x++) data[x + size * (y + size * z)] = 1;
  return { geometry: { size: [size, size, size], spacing: [1, 1, 1], origin: [0, 0, 0], direction: [...IDENTITY] }, data };
}
const count = (v: Volume) => Array.from(v.data).filter((x) => x !== 0).length;

describe('perturbMask', () => {
  it('erodes a 3×3×3 cube to its centre and dilates it by a face layer on each side (6-connected)', () => {
    const mask = cubeMask(7, 2, 4);
    const eroded = perturbMask(mask, 'eroded');
    expect(count(eroded)).toBe(1);
    expect(eroded.data[3 + 7 * (3 + 7 * 3)]).toBe(1);
    // 27 + 6 faces of 3×3: the 6-neighbourhood adds no edge or corner voxels.
    expect(count(perturbMask(mask, 'dilated'))).toBe(27 + 6 * 9);
  });

  it('treats the volume edge as outside: a mask filling the volume loses its whole border when eroded', () => {
    const full = cubeMask(4, 0, 3);
    expect(count(perturbMask(full, 'eroded'))).toBe(8);
    expect(count(perturbMask(full, 'dilated'))).toBe(64);
  });

  it('only voxels equal to the label count as inside', () => {
    const mask = cubeMask(5, 1, 3);
    mask.data[2 + 5 * (2 + 5 * 2)] = 2; // the centre has another label
    expect(count(perturbMask(mask, 'eroded'))).toBe(0);
  });
});

describe('screenRobustness', () => {
  // Five patients; "stable" barely moves between segmentations, "fragile" is dominated by the segmentation.
  const patients = [10, 20, 30, 40, 50].map((v, i) => ({
    pseudonym: `P${i}`,
    features: {
      'baseline:T1CE:stable': [v, v + 0.1, v - 0.1] as [number, number, number],
      'baseline:T1CE:fragile': [1, 1 + 10 * ((i * 7) % 5), 1 - 10 * ((i * 3) % 5)] as [number, number, number],
      'baseline:PET:undefined': [v, Number.NaN, v] as [number, number, number],
    },
  }));

  it('keeps features with ICC(3,1) above the threshold and drops the rest, including those not rated everywhere', () => {
    const screen = screenRobustness(patients, 0.75);
    expect(screen.kept).toEqual(['baseline:T1CE:stable']);
    expect(screen.dropped.sort()).toEqual(['baseline:PET:undefined', 'baseline:T1CE:fragile']);
    expect(screen.icc['baseline:T1CE:stable']).toBeGreaterThan(0.99);
    expect(screen.patients).toHaveLength(5);
  });

  it('needs at least three patients', () => {
    expect(() => screenRobustness(patients.slice(0, 2))).toThrow('robustness patients: 2 patients (the ICC needs at least 3)');
  });
});

describe('isRobust', () => {
  const robust = new Set(['baseline:T1CE:original_shape_MeshVolume', 'baseline:ADC:original_firstorder_Mean']);
  it('judges baseline features by their own ICC and deltas by their baseline feature', () => {
    expect(isRobust('baseline:T1CE:original_shape_MeshVolume', robust)).toBe(true);
    expect(isRobust('baseline:T2:original_shape_MeshVolume', robust)).toBe(false);
    expect(isRobust('delta:mid:ADC:original_firstorder_Mean', robust)).toBe(true);
    expect(isRobust('delta:preop:ADC:original_firstorder_Median', robust)).toBe(false);
  });
  it('maps named deltas to their source feature and keeps clinical variables', () => {
    expect(isRobust('delta:mid:named:volumeChangePct', robust)).toBe(true); // T1CE original_shape_MeshVolume
    expect(isRobust('delta:mid:named:deltaAdcMean', robust)).toBe(true);
    expect(isRobust('delta:mid:named:suvMaxChangePct', robust)).toBe(false);
    expect(isRobust('clinical:ageYears', robust)).toBe(true);
  });
});
