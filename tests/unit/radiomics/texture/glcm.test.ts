// GLCM on hand-made ROIs whose matrices are worked out by hand below.
import { RadiomicsInputError } from '../../../../imaging/errors';
import { glcm, glcmMatrix } from '../../../../radiomics/features/glcm';
import { handRoi } from './support';

describe('GLCM matrix', () => {
  it('reproduces the symmetrical 0° GLCM of the 5×5 example in PyRadiomics glcm.py', () => {
    const image = [
      [1, 2, 5, 2, 3],
      [3, 2, 1, 3, 1],
      [1, 3, 5, 5, 2],
      [1, 1, 1, 1, 2],
      [1, 2, 4, 3, 5],
    ];
    const expected = [
      [6, 4, 3, 0, 0],
      [4, 0, 2, 1, 3],
      [3, 2, 0, 1, 2],
      [0, 1, 1, 0, 0],
      [0, 3, 2, 0, 2],
    ];
    const m = glcmMatrix(handRoi([image]));
    // A one-slice box has the 4 in-plane directions; (0, 0, 1) — along x — is the 4th.
    expect(m.directions).toEqual([
      [0, 1, 1],
      [0, 1, 0],
      [0, 1, -1],
      [0, 0, 1],
    ]);
    const total = expected.flat().reduce((a, b) => a + b, 0);
    const p = Array.from(m.angles[3].p);
    expect(p.map((v) => v * total)).toEqual(expected.flat().map((v) => expect.closeTo(v, 10)));
  });

  it('counts one direction only without symmetricalGLCM', () => {
    // row [1, 2, 2] along x: pairs (1→2), (2→2)
    const m = glcmMatrix(handRoi([[[1, 2, 2]]], { symmetricalGLCM: false }));
    expect(Array.from(m.angles[0].p)).toEqual([0, 0.5, 0, 0.5]);
  });

  it('drops empty gray levels and uses the gray level values, not their rank', () => {
    // levels 1 and 3 only: |i − j| = 2
    const values = glcm.compute(handRoi([[[1, 3, 3]]]), ['Contrast', 'Idmn', 'DifferenceAverage']);
    // symmetric p: p(1,3) = p(3,1) = 1/4, p(3,3) = 1/2
    expect(values.Contrast).toBeCloseTo(0.5 * 4, 14);
    expect(values.DifferenceAverage).toBeCloseTo(0.5 * 2, 14);
    // Idmn with Ng = largest gray level = 3: Σ p_{x−y}(k)/(1 + k²/9)
    expect(values.Idmn).toBeCloseTo(0.5 + 0.5 / (1 + 4 / 9), 14);
  });
});

describe('GLCM features, closed form', () => {
  // Row [1, 2, 2]: the only direction is x; symmetric counts P(1,2) = P(2,1) = 1, P(2,2) = 2, so
  // p = [[0, 1/4], [1/4, 1/2]], px = py = (1/4, 3/4), μ = 7/4, σ² = 3/16, cov = −1/16.
  const p11 = 0;
  const p12 = 0.25;
  const p22 = 0.5;
  const mu = 1.75;
  const values = glcm.compute(handRoi([[[1, 2, 2]]]));
  const log2 = Math.log2;
  const expected: Record<string, number> = {
    Autocorrelation: p11 * 1 + 2 * p12 * 2 + p22 * 4,
    JointAverage: mu,
    ClusterProminence: 2 * p12 * (3 - 2 * mu) ** 4 + p22 * (4 - 2 * mu) ** 4,
    ClusterShade: 2 * p12 * (3 - 2 * mu) ** 3 + p22 * (4 - 2 * mu) ** 3,
    ClusterTendency: 2 * p12 * (3 - 2 * mu) ** 2 + p22 * (4 - 2 * mu) ** 2,
    Contrast: 2 * p12,
    Correlation: -1 / 16 / (3 / 16),
    DifferenceAverage: 0.5,
    DifferenceEntropy: 1,
    DifferenceVariance: 0.25,
    JointEnergy: 2 * p12 ** 2 + p22 ** 2,
    JointEntropy: -(2 * p12 * log2(p12) + p22 * log2(p22)),
    // HX = HY = H(1/4, 3/4); HXY1 = −Σ p(i,j) log₂ px(i)py(j); HXY2 = −Σ px(i)py(j) log₂ px(i)py(j)
    Imc1: (() => {
      const hx = -(0.25 * log2(0.25) + 0.75 * log2(0.75));
      const hxy = -(2 * p12 * log2(p12) + p22 * log2(p22));
      const hxy1 = -(2 * p12 * log2(0.25 * 0.75) + p22 * log2(0.75 * 0.75));
      return (hxy - hxy1) / hx;
    })(),
    Imc2: (() => {
      const q = [0.25 * 0.25, 0.25 * 0.75, 0.75 * 0.25, 0.75 * 0.75];
      const hxy2 = -q.reduce((s, v) => s + v * log2(v), 0);
      const hxy = -(2 * p12 * log2(p12) + p22 * log2(p22));
      return Math.sqrt(1 - Math.exp(-2 * (hxy2 - hxy)));
    })(),
    Idm: 0.5 + 0.5 / 2,
    // Q = [[1/3, 2/3], [2/9, 7/9]]: eigenvalues 1 and 1/9
    MCC: 1 / 3,
    Idmn: 0.5 + 0.5 / (1 + 1 / 4),
    Id: 0.5 + 0.5 / 2,
    Idn: 0.5 + 0.5 / (1 + 1 / 2),
    InverseVariance: 0.5,
    MaximumProbability: 0.5,
    SumAverage: 3 * 0.5 + 4 * 0.5,
    SumEntropy: 1,
    SumSquares: 0.25 * (1 - mu) ** 2 + 0.75 * (2 - mu) ** 2,
  };
  it('computes the 24 enabled-by-default features', () => {
    expect(Object.keys(values).sort()).toEqual(Object.keys(expected).sort());
    expect(glcm.featureNames).toHaveLength(24);
  });
  for (const [name, value] of Object.entries(expected)) {
    it(name, () => expect(values[name]).toBeCloseTo(value, 10));
  }
});

describe('GLCM averaging and weighting', () => {
  // 2×2 slice [[1, 2], [2, 1]]; directions (0,1,1): 1–1, (0,1,0): 1–2 twice, (0,1,−1): 2–2, (0,0,1): 1–2 twice.
  // Contrast per direction: 0, 1, 0, 1.
  const slice = [
    [
      [1, 2],
      [2, 1],
    ],
  ];
  it('averages per-direction values (numpy.nanmean)', () => {
    expect(glcm.compute(handRoi(slice), ['Contrast']).Contrast).toBeCloseTo(0.5, 14);
  });

  // Spacing x = 1 mm, y = 2 mm. Direction lengths: (1,1) → √5 / 3 / 2 (euclid / manhattan / infinity),
  // (1,0) along y → 2, (0,1) along x → 1. Merged matrix: P(1,1) = 2w₀, P(2,2) = 2w₂, P(1,2) = P(2,1) = 2w₁ + 2w₃.
  const contrastFor = (w: number[]) => (4 * w[1] + 4 * w[3]) / (2 * w[0] + 2 * w[2] + 4 * w[1] + 4 * w[3]);
  const cases: [string, number[]][] = [
    ['euclidean', [5, 4, 5, 1]],
    ['manhattan', [9, 4, 9, 1]],
    ['infinity', [4, 4, 4, 1]],
  ];
  for (const [norm, squaredLengths] of cases) {
    it(`merges matrices with weights exp(−‖d‖²) under ${norm}`, () => {
      const roi = handRoi(slice, { weightingNorm: norm as 'euclidean' }, [1, 2, 1]);
      const m = glcmMatrix(roi);
      expect(m.angles).toHaveLength(1);
      expect(glcm.compute(roi, ['Contrast']).Contrast).toBeCloseTo(contrastFor(squaredLengths.map((d) => Math.exp(-d))), 12);
    });
  }
  it("sums matrices unweighted with 'no_weighting'", () => {
    const roi = handRoi(slice, { weightingNorm: 'no_weighting' }, [1, 2, 1]);
    expect(glcm.compute(roi, ['Contrast']).Contrast).toBeCloseTo(contrastFor([1, 1, 1, 1]), 14);
  });

  it('drops directions with no pair in the ROI (a one-slice ROI in a 3D box keeps 4)', () => {
    const empty = [
      [0, 0],
      [0, 0],
    ];
    const m = glcmMatrix(
      handRoi([
        empty,
        [
          [1, 2],
          [2, 1],
        ],
        empty,
      ]),
    );
    expect(m.directions).toEqual([
      [0, 1, 1],
      [0, 1, 0],
      [0, 1, -1],
      [0, 0, 1],
    ]);
  });

  it('uses the distances setting (Chebyshev): distance 2 pairs voxels two apart', () => {
    // row [1, 5, 1, 5]: distance 1 pairs differ by 4, distance 2 pairs are equal
    expect(glcm.compute(handRoi([[[1, 5, 1, 5]]], { distances: [2] }), ['Contrast']).Contrast).toBe(0);
    expect(glcm.compute(handRoi([[[1, 5, 1, 5]]], { distances: [1] }), ['Contrast']).Contrast).toBeCloseTo(16, 12);
  });
});

describe('GLCM edge cases', () => {
  it('gives PyRadiomics’ flat-region values for a single gray level', () => {
    const values = glcm.compute(
      handRoi([
        [
          [3, 3],
          [3, 3],
        ],
      ]),
    );
    expect(values.Correlation).toBe(1);
    expect(values.MCC).toBe(1);
    expect(values.Imc1).toBe(0);
    expect(values.Imc2).toBe(0);
    expect(values.Contrast).toBe(0);
    expect(values.JointEnergy).toBeCloseTo(1, 14);
  });

  it('returns NaN for a single-voxel ROI (every direction empty, as in PyRadiomics)', () => {
    const values = glcm.compute(
      handRoi([
        [
          [0, 0, 0],
          [0, 2, 0],
          [0, 0, 0],
        ],
      ]),
      ['Contrast', 'JointEnergy'],
    );
    expect(values.Contrast).toBeNaN();
    expect(values.JointEnergy).toBeNaN();
  });

  it('computes only the named features; deprecated ones give no value; unknown ones are rejected', () => {
    const roi = handRoi([[[1, 2, 2]]]);
    expect(Object.keys(glcm.compute(roi, ['Contrast', 'Dissimilarity']))).toEqual(['Contrast']);
    expect(glcm.deprecated).toEqual(expect.arrayContaining(['Dissimilarity', 'Homogeneity1', 'Homogeneity2', 'SumVariance']));
    expect(() => glcm.compute(roi, ['Contrast', 'Contrasts'])).toThrow(RadiomicsInputError);
    expect(() => glcm.compute(roi, ['Contrasts'])).toThrow(/featureClass\.glcm/);
  });

  it('rejects an empty ROI and inconsistent ROI arrays', () => {
    expect(() => glcm.compute(handRoi([[[0, 0, 0]]]))).toThrow(RadiomicsInputError);
    const roi = handRoi([[[1, 2, 2]]]);
    expect(() => glcm.compute({ ...roi, binned: roi.binned.subarray(0, 2) })).toThrow(/roi\.binned/);
    expect(() => glcm.compute({ ...roi, voxelCount: 5 })).toThrow(/voxelCount/);
    expect(() => glcm.compute({ ...roi, binned: Int32Array.of(1, -2, 2) })).toThrow(/negative gray level/);
  });

  it('rejects invalid distances', () => {
    expect(() => glcm.compute(handRoi([[[1, 2, 2]]], { distances: [0] }))).toThrow(RadiomicsInputError);
  });
});
