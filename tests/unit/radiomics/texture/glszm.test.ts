// GLSZM on hand-made ROIs whose zones are worked out by hand below.
import { glszm, glszmMatrix } from '../../../../radiomics/features/glszm';
import { handRoi } from './support';

describe('GLSZM matrix', () => {
  it('reproduces the GLSZM of the 5×5 example in PyRadiomics glszm.py (8-connected zones in 2D)', () => {
    const image = [
      [5, 2, 5, 4, 4],
      [3, 3, 3, 1, 3],
      [2, 1, 1, 1, 3],
      [4, 2, 2, 2, 3],
      [3, 5, 3, 3, 2],
    ];
    // rows: gray levels 1..5, columns: zone sizes 1..5
    const expected = [
      [0, 0, 0, 1, 0],
      [1, 0, 0, 0, 1],
      [1, 0, 1, 0, 1],
      [1, 1, 0, 0, 0],
      [3, 0, 0, 0, 0],
    ];
    const m = glszmMatrix(handRoi([image]));
    expect(Array.from(m.zoneSizes)).toEqual([1, 2, 3, 4, 5]);
    expect(Array.from(m.P)).toEqual(expected.flat());
  });

  it('joins voxels touching at a corner in 3D (26-connectivity) but not across slices with force2D', () => {
    const levels = [
      [
        [2, 0],
        [0, 0],
      ],
      [
        [0, 0],
        [0, 2],
      ],
    ]; // (z0, y0, x0) and (z1, y1, x1)
    expect(Array.from(glszmMatrix(handRoi(levels)).P)).toEqual([1]); // one zone of size 2
    const flat = glszmMatrix(handRoi(levels, { force2D: true }));
    expect(Array.from(flat.zoneSizes)).toEqual([1]);
    expect(Array.from(flat.P)).toEqual([2]); // two zones of size 1
  });

  it('finds a long winding zone with an explicit stack (no recursion limit)', () => {
    // 1 × 200 × 200 slice, all level 1 except a level-2 checkerboard row pattern: one big level-1 zone
    const size = 200;
    const slice = Array.from({ length: size }, (_, y) => Array.from({ length: size }, (_, x) => (y % 2 === 1 && x % 4 === 1 ? 2 : 1)));
    const m = glszmMatrix(handRoi([slice]));
    const level2 = (size / 2) * (size / 4);
    expect(m.zones).toBe(1 + level2);
    expect(Array.from(m.zoneSizes)).toEqual([1, size * size - level2]);
  });
});

describe('GLSZM features, closed form', () => {
  // 2×3 slice [[1, 1, 2], [3, 1, 2]] (8-connected): zones (1, size 3), (2, size 2), (3, size 1); N_z = 3, N_p = 6.
  const values = glszm.compute(
    handRoi([
      [
        [1, 1, 2],
        [3, 1, 2],
      ],
    ]),
  );
  const expected: Record<string, number> = {
    SmallAreaEmphasis: (1 / 9 + 1 / 4 + 1) / 3,
    LargeAreaEmphasis: (9 + 4 + 1) / 3,
    GrayLevelNonUniformity: 3 / 3,
    GrayLevelNonUniformityNormalized: 3 / 9,
    SizeZoneNonUniformity: 3 / 3,
    SizeZoneNonUniformityNormalized: 3 / 9,
    ZonePercentage: 3 / 6,
    GrayLevelVariance: 2 / 3,
    ZoneVariance: 2 / 3,
    ZoneEntropy: Math.log2(3),
    LowGrayLevelZoneEmphasis: (1 + 1 / 4 + 1 / 9) / 3,
    HighGrayLevelZoneEmphasis: (1 + 4 + 9) / 3,
    SmallAreaLowGrayLevelEmphasis: (1 / 9 + 1 / 16 + 1 / 9) / 3,
    SmallAreaHighGrayLevelEmphasis: (1 / 9 + 4 / 4 + 9 / 1) / 3,
    LargeAreaLowGrayLevelEmphasis: (9 / 1 + 4 / 4 + 1 / 9) / 3,
    LargeAreaHighGrayLevelEmphasis: (9 + 16 + 9) / 3,
  };
  it('computes the 16 enabled-by-default features', () => {
    expect(Object.keys(values).sort()).toEqual(Object.keys(expected).sort());
  });
  for (const [name, value] of Object.entries(expected)) {
    it(name, () => expect(values[name]).toBeCloseTo(value, 12));
  }

  it('handles a single-voxel ROI: one zone of size 1', () => {
    const single = glszm.compute(
      handRoi([
        [
          [0, 0],
          [0, 4],
        ],
      ]),
      ['ZonePercentage', 'ZoneEntropy', 'GrayLevelVariance'],
    );
    expect(single.ZonePercentage).toBe(1);
    expect(single.GrayLevelVariance).toBe(0);
    expect(single.ZoneEntropy).toBeCloseTo(0, 12);
  });
});
