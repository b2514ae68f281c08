// GLRLM on hand-made ROIs whose run length matrices are worked out by hand below.
import { glrlm, glrlmMatrix } from '../../../../radiomics/features/glrlm';
import { handRoi } from './support';

describe('GLRLM matrix', () => {
  it('reproduces the 0° GLRLM of the 5×5 example in PyRadiomics glrlm.py', () => {
    const image = [
      [5, 2, 5, 4, 4],
      [3, 3, 3, 1, 3],
      [2, 1, 1, 1, 3],
      [4, 2, 2, 2, 3],
      [3, 5, 3, 3, 2],
    ];
    // rows: gray levels 1..5, columns: run lengths 1..5
    const expected = [
      [1, 0, 1, 0, 0],
      [3, 0, 1, 0, 0],
      [4, 1, 1, 0, 0],
      [1, 1, 0, 0, 0],
      [3, 0, 0, 0, 0],
    ];
    const m = glrlmMatrix(handRoi([image]));
    expect(m.directions[3]).toEqual([0, 0, 1]);
    // No direction has a run longer than 3, so PyRadiomics drops run lengths 4 and 5.
    expect(Array.from(m.runLengths)).toEqual([1, 2, 3]);
    expect(Array.from(m.angles[3].P)).toEqual(expected.flatMap((row) => row.slice(0, 3)));
  });

  it('drops directions across a single-slice ROI and gray levels absent from the ROI', () => {
    const empty = [
      [0, 0, 0],
      [0, 0, 0],
    ];
    const m = glrlmMatrix(
      handRoi([
        empty,
        [
          [1, 1, 4],
          [4, 4, 1],
        ],
        empty,
      ]),
    );
    expect(m.directions.every((d) => d[0] === 0)).toBe(true);
    expect(m.directions).toHaveLength(4);
    expect(Array.from(m.grayLevels.values)).toEqual([1, 4]);
  });

  it('keeps a direction whose lines hold ROI voxels that are not adjacent (cmatrices.c counts elements per line)', () => {
    // slices z = 0 and z = 2 hold the ROI, z = 1 is empty: every z-line holds two ROI voxels, runs of length 1
    const m = glrlmMatrix(handRoi([[[1, 2]], [[0, 0]], [[2, 1]]]));
    const zIndex = m.directions.findIndex((d) => d[0] === 1 && d[1] === 0 && d[2] === 0);
    expect(zIndex).toBeGreaterThanOrEqual(0);
    expect(m.angles[zIndex].runs).toBe(4);
  });
});

describe('GLRLM features, closed form', () => {
  // Row [1, 1, 2, 1] along x: runs (1, length 2), (2, length 1), (1, length 1); N_r = 3, N_p = 4.
  // P = [[1, 1], [1, 0]] (gray levels 1, 2 × run lengths 1, 2); pg = (2, 1), pr = (2, 1).
  const values = glrlm.compute(handRoi([[[1, 1, 2, 1]]]));
  const expected: Record<string, number> = {
    ShortRunEmphasis: (2 / 1 + 1 / 4) / 3,
    LongRunEmphasis: (2 * 1 + 1 * 4) / 3,
    GrayLevelNonUniformity: (4 + 1) / 3,
    GrayLevelNonUniformityNormalized: (4 + 1) / 9,
    RunLengthNonUniformity: (4 + 1) / 3,
    RunLengthNonUniformityNormalized: (4 + 1) / 9,
    RunPercentage: 3 / 4,
    GrayLevelVariance: (2 / 3) * (1 - 4 / 3) ** 2 + (1 / 3) * (2 - 4 / 3) ** 2,
    RunVariance: (2 / 3) * (1 - 4 / 3) ** 2 + (1 / 3) * (2 - 4 / 3) ** 2,
    RunEntropy: Math.log2(3),
    LowGrayLevelRunEmphasis: (2 / 1 + 1 / 4) / 3,
    HighGrayLevelRunEmphasis: (2 * 1 + 1 * 4) / 3,
    // P(1,1) = P(1,2) = P(2,1) = 1
    ShortRunLowGrayLevelEmphasis: (1 + 1 / 4 + 1 / 4) / 3,
    ShortRunHighGrayLevelEmphasis: (1 + 1 / 4 + 4) / 3,
    LongRunLowGrayLevelEmphasis: (1 + 4 + 1 / 4) / 3,
    LongRunHighGrayLevelEmphasis: (1 + 4 + 4) / 3,
  };
  it('computes the 16 enabled-by-default features', () => {
    expect(Object.keys(values).sort()).toEqual(Object.keys(expected).sort());
  });
  for (const [name, value] of Object.entries(expected)) {
    it(name, () => expect(values[name]).toBeCloseTo(value, 12));
  }
});

describe('GLRLM averaging and weighting', () => {
  // 2×2 slice [[1, 1], [2, 2]]: directions (0,1,1), (0,1,0), (0,1,−1), (0,0,1).
  // Runs: diagonal ↘ 1,2 + singles → 4 runs of 1 (RP 1); vertical → 4 runs of 1; ↙ → 4 runs of 1;
  // horizontal → 2 runs of length 2 (RP 1/2).
  const slice = [
    [
      [1, 1],
      [2, 2],
    ],
  ];
  it('averages per-direction values', () => {
    expect(glrlm.compute(handRoi(slice), ['RunPercentage']).RunPercentage).toBeCloseTo((1 + 1 + 1 + 0.5) / 4, 14);
  });
  it('merges matrices weighted by direction length under weightingNorm (x 1 mm, y 2 mm, euclidean)', () => {
    const roi = handRoi(slice, { weightingNorm: 'euclidean' }, [1, 2, 1]);
    const m = glrlmMatrix(roi);
    expect(m.angles).toHaveLength(1);
    // weights √5, 2, √5, 1: length-1 runs weigh 4(√5 + 2 + √5), length-2 runs weigh 2·1
    const w1 = 4 * (2 * Math.sqrt(5) + 2);
    const w2 = 2;
    expect(m.angles[0].runs).toBeCloseTo(w1 + w2, 12);
    // Short run emphasis on the merged matrix: (w1 + w2/4) / (w1 + w2)
    expect(glrlm.compute(roi, ['ShortRunEmphasis']).ShortRunEmphasis).toBeCloseTo((w1 + w2 / 4) / (w1 + w2), 12);
  });
});

describe('GLRLM edge cases', () => {
  it('returns NaN for a single-voxel ROI (no direction has two ROI voxels, as in PyRadiomics)', () => {
    expect(
      glrlm.compute(
        handRoi([
          [
            [0, 0],
            [0, 3],
          ],
        ]),
        ['RunPercentage'],
      ).RunPercentage,
    ).toBeNaN();
  });
});
