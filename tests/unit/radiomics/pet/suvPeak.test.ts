// SUVpeak (1 cm³ sphere, radius 6.2 mm) on hand-computed cases, its sphere kernel, and SUV normalised to lean body
// mass with the James and Janmahasatian formulas against hand arithmetic.
import { leanBodyMass, sphereKernel, suvLeanBodyMass, suvPeak } from '../../../../radiomics/pet';
import { RadiomicsInputError } from '../../../../imaging/errors';
import { IDENTITY, type Vec3, type Volume } from '../../../../imaging/image';

function volume(size: Vec3, spacing: Vec3, value: (x: number, y: number, z: number) => number): Volume<Float32Array> {
  const data = new Float32Array(size[0] * size[1] * size[2]);
  for (let z = 0, i = 0; z < size[2]; z++) for (let y = 0; y < size[1]; y++) for (let x = 0; x < size[0]; x++, i++) data[i] = value(x, y, z);
  return { geometry: { size, spacing, origin: [0, 0, 0], direction: IDENTITY }, data };
}

function maskAt(size: Vec3, spacing: Vec3, points: Vec3[]): Volume<Uint8Array> {
  const v = volume(size, spacing, () => 0);
  const data = new Uint8Array(v.data.length);
  for (const [x, y, z] of points) data[x + size[0] * (y + size[1] * z)] = 1;
  return { geometry: v.geometry, data };
}

describe('SUVpeak', () => {
  // 4 mm voxels: within 6.2 mm of a centre lie the centre, its 6 face neighbours (4 mm) and 12 edge neighbours
  // (5.66 mm) — 19 voxels; the 8 corners (6.93 mm) and the voxels 8 mm away do not.
  const size: Vec3 = [9, 9, 9];
  const spacing: Vec3 = [4, 4, 4];
  const hot = (x: number, y: number, z: number) => {
    const d = Math.abs(x - 4) + Math.abs(y - 4) + Math.abs(z - 4);
    const corner = Math.abs(x - 4) === 1 && Math.abs(y - 4) === 1 && Math.abs(z - 4) === 1;
    if (d === 0) return 19;
    if (corner) return 100;
    if (d === 1 && Math.max(Math.abs(x - 4), Math.abs(y - 4), Math.abs(z - 4)) === 1) return 1.9;
    if (d === 2 && Math.max(Math.abs(x - 4), Math.abs(y - 4), Math.abs(z - 4)) === 1) return 0.95;
    return 0;
  };

  it('centre mode, one tumour voxel: (19 + 6·1.9 + 12·0.95) / 19 = 2.2 (the hot corners at 6.93 mm are outside)', () => {
    const pet = volume(size, spacing, hot);
    const r = suvPeak(pet, maskAt(size, spacing, [[4, 4, 4]]), { partial: 'centre' });
    expect(r.SUVpeak).toBeCloseTo(2.2, 6);
    expect(r.centre).toEqual([4, 4, 4]);
    expect(r.kernelMl).toBeCloseTo((19 * 64) / 1000, 12);
  });

  it('takes the best sphere among the tumour voxels, including spheres that reach outside the tumour', () => {
    const pet = volume(size, spacing, hot);
    // Centred on the corner voxel (5,5,5): its sphere holds itself (100), faces (4,5,5),(5,4,5),(5,5,4) = 0.95 each,
    // (6,5,5),(5,6,5),(5,5,6) = 0; edges (4,4,5),(4,5,4),(5,4,4) = 1.9 each, the other 9 edges 0 → (100 + 3·0.95 + 3·1.9)/19.
    const r = suvPeak(
      pet,
      maskAt(size, spacing, [
        [4, 4, 4],
        [5, 5, 5],
      ]),
      { partial: 'centre' },
    );
    expect(r.SUVpeak).toBeCloseTo((100 + 3 * 0.95 + 3 * 1.9) / 19, 5);
    expect(r.centre).toEqual([5, 5, 5]);
  });

  it('near the image edge, voxels beyond it are left out of the mean', () => {
    // Uniform 2 with a 10 at the corner voxel (0,0,0): its sphere keeps the centre, 3 faces and 3 edges → (10 + 6·2)/7.
    const pet = volume(size, spacing, (x, y, z) => (x + y + z === 0 ? 10 : 2));
    expect(suvPeak(pet, maskAt(size, spacing, [[0, 0, 0]]), { partial: 'centre' }).SUVpeak).toBeCloseTo(22 / 7, 6);
  });

  it('weighted mode: the kernel holds 1 cm³, a uniform image gives its value and a linear ramp the centre value', () => {
    for (const s of [
      [2, 2, 2],
      [2.73, 2.73, 3.27],
      [4, 4, 4],
    ] as Vec3[]) {
      const { weights } = sphereKernel(s, 6.2, 'weighted', 20);
      const ml = (weights.reduce((a, b) => a + b, 0) * s[0] * s[1] * s[2]) / 1000;
      expect(Math.abs(ml / ((4 / 3) * Math.PI * 6.2 ** 3 * 1e-3) - 1)).toBeLessThan(0.005);
    }
    const g: Vec3 = [15, 15, 13];
    const sp: Vec3 = [2.73, 2.73, 3.27];
    const uniform = suvPeak(
      volume(g, sp, () => 3),
      maskAt(g, sp, [[7, 7, 6]]),
    );
    expect(uniform.SUVpeak).toBeCloseTo(3, 6);
    expect(uniform.kernelMl).toBeCloseTo(1, 2);
    // A ramp in x is odd about the centre; the kernel is symmetric, so the mean is the centre's value.
    const ramp = suvPeak(
      volume(g, sp, (x, _y, z) => 5 + 0.3 * (x - 7) - 0.2 * (z - 6)),
      maskAt(g, sp, [[7, 7, 6]]),
    );
    expect(ramp.SUVpeak).toBeCloseTo(5, 5);
  });

  it('refuses an empty tumour and a mask on another grid', () => {
    const pet = volume(size, spacing, hot);
    expect(() => suvPeak(pet, { ...maskAt(size, spacing, []), source: 'm.nii.gz' })).toThrow("file m.nii.gz, field 'label': mask has no voxel with label 1");
    expect(() => suvPeak(pet, { ...maskAt([3, 3, 3], spacing, []), source: 'm.nii.gz' })).toThrow(RadiomicsInputError);
  });
});

describe('lean body mass and SUL', () => {
  it('James (1976) and Janmahasatian (2005) for 70 kg, 175 cm', () => {
    // James: male 1.10·70 − 128·(70/175)² = 77 − 20.48 = 56.52; female 1.07·70 − 148·0.16 = 74.9 − 23.68 = 51.22.
    expect(leanBodyMass(70, 175, 'male', 'james')).toBeCloseTo(56.52, 10);
    expect(leanBodyMass(70, 175, 'female', 'james')).toBeCloseTo(51.22, 10);
    // BMI = 70/1.75² = 22.857142…; male 9270·70/(6680 + 216·22.857142) = 648900/11617.142857 = 55.857108;
    // female 648900/(8780 + 244·22.857142) = 648900/14357.142857 = 45.197015.
    expect(leanBodyMass(70, 175, 'male', 'janmahasatian')).toBeCloseTo(55.857108, 5);
    expect(leanBodyMass(70, 175, 'female', 'janmahasatian')).toBeCloseTo(45.197015, 5);
    expect(leanBodyMass(70, 175, 'male')).toBe(leanBodyMass(70, 175, 'male', 'janmahasatian'));
  });

  it('SUL = SUVbw × LBM / weight; James refused where it breaks down (high BMI)', () => {
    const suv = volume([2, 1, 1], [1, 1, 1], (x) => (x ? 4 : 10));
    const sul = suvLeanBodyMass(suv, { weightKg: 70, heightCm: 175, sex: 'male' }, 'james');
    expect(Array.from(sul.data)).toEqual([Math.fround((10 * 56.52) / 70), Math.fround((4 * 56.52) / 70)]);
    // 200 kg, 150 cm, female: 1.07·200 − 148·(200/150)² = 214 − 263.1 < 0.
    expect(() => leanBodyMass(200, 150, 'female', 'james')).toThrow(/james lean body mass -49.1 kg .*use janmahasatian/);
    expect(() => leanBodyMass(0, 170, 'male')).toThrow("field 'weight': weight 0 (expected a body weight > 0 kg)");
  });
});
