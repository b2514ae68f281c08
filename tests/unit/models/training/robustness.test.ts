// The segmentation-robustness screen: one-voxel erosion and dilation (closed-form voxel counts), ICC(1,1) per feature
// across the three segmentations, and delta features screened on their own values: the change computed under the
// same segmentation variant at both timepoints, checked against voxel counts worked out by hand.
import { extract, parseParams, type Volume } from '../../../../radiomics';
import { IDENTITY } from '../../../../imaging/image';
import { icc11 } from '../../../../models/learning/icc';
import { isRobust, perturbedFeatures, perturbMask, screenRobustness } from '../../../../models/training/robustness';

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

  it('keeps features with ICC(1,1) above the threshold and drops the rest, including those not rated everywhere', () => {
    const screen = screenRobustness(patients, 0.75);
    expect(screen.kept).toEqual(['baseline:T1CE:stable']);
    expect(screen.dropped.sort()).toEqual(['baseline:PET:undefined', 'baseline:T1CE:fragile']);
    expect(screen.icc['baseline:T1CE:stable']).toBe(icc11(patients.map((p) => p.features['baseline:T1CE:stable'])));
    expect(screen.icc['baseline:T1CE:stable']).toBeGreaterThan(0.99);
    expect(screen.patients).toHaveLength(5);
  });

  it('needs at least three patients', () => {
    expect(() => screenRobustness(patients.slice(0, 2))).toThrow('robustness patients: 2 patients (the ICC needs at least 3)');
  });
});

describe('delta features under perturbed segmentations', () => {
  // A 12³ image with a bright cube: side 5 at baseline, side 4 at mid. One voxel of 6-connected erosion leaves a cube
  // of side s − 2, dilation adds the six faces: (s − 2)³ and s³ + 6s² voxels of 1 mm³.
  function visit(side: number): { image: Volume; mask: Volume<Uint8Array> } {
    const n = 12;
    const mask = new Uint8Array(n ** 3);
    const image = new Float32Array(n ** 3);
    for (let z = 0; z < n; z++)
      for (let y = 0; y < n; y++)
        for (let x = 0; x < n; x++) {
          const i = x + n * (y + n * z);
          const inside = x >= 3 && y >= 3 && z >= 3 && x < 3 + side && y < 3 + side && z < 3 + side;
          mask[i] = inside ? 1 : 0;
          image[i] = inside ? 100 + ((x * 7 + y * 3 + z) % 11) : 10 + ((x + y + z) % 3);
        }
    const geometry: Volume['geometry'] = { size: [n, n, n], spacing: [1, 1, 1], origin: [0, 0, 0], direction: IDENTITY };
    return { image: { geometry, data: image }, mask: { geometry, data: mask } };
  }
  const params = parseParams('featureClass: { shape: [VoxelVolume, MeshVolume], firstorder: [Mean] }\n');

  it('computes each delta under the same variant at both timepoints (eroded against eroded, dilated against dilated)', async () => {
    const base = visit(5);
    const mid = visit(4);
    const drawn = async (v: { image: Volume; mask: Volume }) => (await extract(v.image, v.mask, params)).features;
    const features = await perturbedFeatures(
      {
        pseudonym: 'SYN-001',
        images: { T1CE: base.image },
        mask: base.mask,
        asDrawn: { T1CE: await drawn(base) },
        later: [{ timepoint: 'mid', images: { T1CE: mid.image }, mask: mid.mask, asDrawn: { T1CE: await drawn(mid) } }],
      },
      params,
    );
    expect(features['baseline:T1CE:original_shape_VoxelVolume']).toEqual([125, 27, 275]);
    const [asDrawn, eroded, dilated] = features['delta:mid:T1CE:original_shape_VoxelVolume'];
    expect(asDrawn).toBeCloseTo((64 - 125) / 125, 12);
    expect(eroded).toBeCloseTo((8 - 27) / 27, 12);
    expect(dilated).toBeCloseTo((160 - 275) / 275, 12);
    // The named tumour volume change follows T1CE's mesh volume, in per cent, under each variant alike.
    const mesh = features['baseline:T1CE:original_shape_MeshVolume'];
    const meshDelta = features['delta:mid:T1CE:original_shape_MeshVolume'];
    features['delta:mid:named:volumeChangePct'].forEach((v, k) => expect(v).toBeCloseTo(100 * meshDelta[k], 10));
    expect(mesh.every((v) => v > 0)).toBe(true);
    expect(features['delta:mid:named:deltaAdcMean']).toBeUndefined(); // no ADC in this case
  });
});

describe('a contour per image', () => {
  // Images of one visit: CT and T1 with their own cube contours (sides 5 and 4), PET with the shared one (side 6).
  function cube(side: number): Volume<Uint8Array> {
    const n = 10;
    const data = new Uint8Array(n ** 3);
    for (let z = 2; z < 2 + side; z++) for (let y = 2; y < 2 + side; y++) for (let x = 2; x < 2 + side; x++) data[x + n * (y + n * z)] = 1;
    return { geometry: { size: [n, n, n], spacing: [1, 1, 1], origin: [0, 0, 0], direction: [...IDENTITY] }, data };
  }
  const image = (): Volume => {
    const data = new Float32Array(1000).map((_, i) => 10 + (i % 7));
    return { geometry: cube(1).geometry, data };
  };
  const params = parseParams('featureClass: { shape: [VoxelVolume] }\n');

  it('measures each image in its own contour, eroded and dilated, and the shared mask only where an image has none', async () => {
    const features = await perturbedFeatures(
      {
        pseudonym: 'SYN-002',
        images: { CT: image(), T1: image(), PET: image() },
        mask: cube(6),
        masks: { CT: cube(5), T1: cube(4) },
        asDrawn: { CT: { original_shape_VoxelVolume: 125 }, T1: { original_shape_VoxelVolume: 64 }, PET: { original_shape_VoxelVolume: 216 } },
      },
      params,
    );
    // (s − 2)³ eroded, s³ + 6s² dilated (6-connected, one voxel).
    expect(features['baseline:CT:original_shape_VoxelVolume']).toEqual([125, 27, 275]);
    expect(features['baseline:T1:original_shape_VoxelVolume']).toEqual([64, 8, 160]);
    expect(features['baseline:PET:original_shape_VoxelVolume']).toEqual([216, 64, 432]);
  });

  it('refuses an image with neither its own contour nor a shared mask, naming the patient and the image', async () => {
    await expect(
      perturbedFeatures({ pseudonym: 'SYN-003', images: { CT: image() }, masks: { T1: cube(4) }, asDrawn: { CT: { original_shape_VoxelVolume: 1 } } }, params),
    ).rejects.toThrow(/has no stored mask for CT/);
  });
});

describe('isRobust', () => {
  const robust = new Set(['baseline:ADC:original_firstorder_Mean', 'delta:mid:T1CE:original_shape_MeshVolume', 'delta:mid:named:volumeChangePct']);
  it('judges baseline and delta features each by their own ICC, not by their baseline feature', () => {
    expect(isRobust('baseline:ADC:original_firstorder_Mean', robust)).toBe(true);
    expect(isRobust('delta:mid:ADC:original_firstorder_Mean', robust)).toBe(false); // its baseline feature is robust, the change is not
    expect(isRobust('baseline:T1CE:original_shape_MeshVolume', robust)).toBe(false); // the change is robust, the baseline value is not
    expect(isRobust('delta:mid:T1CE:original_shape_MeshVolume', robust)).toBe(true);
    expect(isRobust('delta:mid:named:volumeChangePct', robust)).toBe(true);
    expect(isRobust('delta:preop:named:volumeChangePct', robust)).toBe(false);
  });
  it('keeps clinical variables', () => {
    expect(isRobust('clinical:ageYears', robust)).toBe(true);
  });
});
