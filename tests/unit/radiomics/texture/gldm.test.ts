// GLDM on hand-made ROIs whose dependences are counted by hand below.
import { gldm, gldmMatrix } from '../../../../radiomics/features/gldm';
import { handRoi } from './support';

describe('GLDM matrix', () => {
  it('reproduces the GLDM (α = 0, δ = 1) of the 5×5 example in PyRadiomics gldm.py', () => {
    const image = [
      [5, 2, 5, 4, 4],
      [3, 3, 3, 1, 3],
      [2, 1, 1, 1, 3],
      [4, 2, 2, 2, 3],
      [3, 5, 3, 3, 2],
    ];
    // rows: gray levels 1..5, columns: dependence sizes 1..4 (0..3 dependent neighbours)
    const expected = [
      [0, 1, 2, 1],
      [1, 2, 3, 0],
      [1, 4, 4, 0],
      [1, 2, 0, 0],
      [3, 0, 0, 0],
    ];
    const m = gldmMatrix(handRoi([image]));
    expect(Array.from(m.dependenceSizes)).toEqual([1, 2, 3, 4]);
    expect(Array.from(m.P)).toEqual(expected.flat());
  });

  it('counts neighbours within gldm_a as dependent', () => {
    // [[1, 1, 2], [3, 1, 2]] with α = 1: level 1 voxels have 2, 4, 4 dependents, level 2 voxels 3 and 3, level 3 none
    const m = gldmMatrix(
      handRoi(
        [
          [
            [1, 1, 2],
            [3, 1, 2],
          ],
        ],
        { gldm_a: 1 },
      ),
    );
    expect(Array.from(m.dependenceSizes)).toEqual([1, 3, 4, 5]);
    expect(Array.from(m.P)).toEqual([0, 1, 0, 2, 0, 0, 2, 0, 1, 0, 0, 0]);
  });

  it('uses the distances setting: distance 2 reaches voxels two apart', () => {
    // row [1, 2, 1]: at distance 2 the two 1s depend on each other, the 2 has no neighbour
    const m = gldmMatrix(handRoi([[[1, 2, 1]]], { distances: [2] }));
    expect(Array.from(m.dependenceSizes)).toEqual([1, 2]);
    expect(Array.from(m.P)).toEqual([0, 2, 1, 0]);
  });
});

describe('GLDM features, closed form', () => {
  // [[1, 1, 2], [3, 1, 2]], α = 0, 8-connected: level 1 voxels have 2 dependents each (size 3), level 2 voxels 1
  // (size 2), level 3 none (size 1). P = diag(3, 2, 1) over sizes (3, 2, 1); N_z = 6; pg = (3, 2, 1); pd = (1, 2, 3).
  const values = gldm.compute(
    handRoi([
      [
        [1, 1, 2],
        [3, 1, 2],
      ],
    ]),
  );
  const p = [3 / 6, 2 / 6, 1 / 6];
  const meanLevel = p[0] * 1 + p[1] * 2 + p[2] * 3;
  const meanSize = p[0] * 3 + p[1] * 2 + p[2] * 1;
  const expected: Record<string, number> = {
    SmallDependenceEmphasis: (3 / 9 + 2 / 4 + 1 / 1) / 6,
    LargeDependenceEmphasis: (3 * 9 + 2 * 4 + 1 * 1) / 6,
    GrayLevelNonUniformity: (9 + 4 + 1) / 6,
    DependenceNonUniformity: (1 + 4 + 9) / 6,
    DependenceNonUniformityNormalized: (1 + 4 + 9) / 36,
    GrayLevelVariance: p[0] * (1 - meanLevel) ** 2 + p[1] * (2 - meanLevel) ** 2 + p[2] * (3 - meanLevel) ** 2,
    DependenceVariance: p[0] * (3 - meanSize) ** 2 + p[1] * (2 - meanSize) ** 2 + p[2] * (1 - meanSize) ** 2,
    DependenceEntropy: -p.reduce((s, v) => s + v * Math.log2(v), 0),
    LowGrayLevelEmphasis: (3 / 1 + 2 / 4 + 1 / 9) / 6,
    HighGrayLevelEmphasis: (3 * 1 + 2 * 4 + 1 * 9) / 6,
    SmallDependenceLowGrayLevelEmphasis: (3 / (1 * 9) + 2 / (4 * 4) + 1 / (9 * 1)) / 6,
    SmallDependenceHighGrayLevelEmphasis: (3 * (1 / 9) + 2 * (4 / 4) + 1 * (9 / 1)) / 6,
    LargeDependenceLowGrayLevelEmphasis: (3 * (9 / 1) + 2 * (4 / 4) + 1 * (1 / 9)) / 6,
    LargeDependenceHighGrayLevelEmphasis: (3 * 9 + 2 * 16 + 1 * 9) / 6,
  };
  it('computes the 14 enabled-by-default features', () => {
    expect(Object.keys(values).sort()).toEqual(Object.keys(expected).sort());
    expect(gldm.deprecated).toEqual(['GrayLevelNonUniformityNormalized', 'DependencePercentage']);
  });
  for (const [name, value] of Object.entries(expected)) {
    it(name, () => expect(values[name]).toBeCloseTo(value, 12));
  }
});
