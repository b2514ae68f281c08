// NGTDM on a hand-made ROI whose neighbourhood averages are worked out by hand below.
import { ngtdm, ngtdmMatrix } from '../../../../radiomics/features/ngtdm';
import { handRoi } from './support';

// 2×3 slice, 8-connected neighbourhoods:
//   [1 2 2]   (0,0)=1: 2,3,1 → avg 2      |1−2|   = 1
//   [3 1 2]   (0,1)=2: 1,2,3,1,2 → 9/5    |2−9/5| = 1/5
//             (0,2)=2: 2,1,2 → 5/3        |2−5/3| = 1/3
//             (1,0)=3: 1,2,1 → 4/3        |3−4/3| = 5/3
//             (1,1)=1: 1,2,2,3,2 → 2      |1−2|   = 1
//             (1,2)=2: 2,2,1 → 5/3        |2−5/3| = 1/3
// n = (2, 3, 1), s = (2, 13/15, 5/3), N_vp = 6, p = (1/3, 1/2, 1/6)
const slice = [
  [
    [1, 2, 2],
    [3, 1, 2],
  ],
];
const n = [2, 3, 1];
const s = [2, 13 / 15, 5 / 3];
const p = [1 / 3, 1 / 2, 1 / 6];
const level = [1, 2, 3];

describe('NGTDM matrix', () => {
  it('sums |i − neighbourhood mean| per gray level', () => {
    const m = ngtdmMatrix(handRoi(slice));
    expect(Array.from(m.n)).toEqual(n);
    Array.from(m.s).forEach((v, k) => expect(v).toBeCloseTo(s[k], 14));
    expect(m.voxels).toBe(6);
  });

  it('counts a voxel without ROI neighbours with difference 0 and drops absent gray levels', () => {
    const m = ngtdmMatrix(
      handRoi([
        [
          [1, 0, 4],
          [1, 0, 0],
        ],
      ]),
    );
    expect(Array.from(m.grayLevels.values)).toEqual([1, 4]);
    expect(Array.from(m.n)).toEqual([2, 1]);
    expect(Array.from(m.s)).toEqual([0, 0]);
  });
});

describe('NGTDM features, closed form', () => {
  const values = ngtdm.compute(handRoi(slice));
  const pairs = (f: (a: number, b: number) => number) => {
    let total = 0;
    for (let a = 0; a < 3; a++) for (let b = 0; b < 3; b++) total += f(a, b);
    return total;
  };
  const ps = p[0] * s[0] + p[1] * s[1] + p[2] * s[2];
  const sumS = s[0] + s[1] + s[2];
  const expected: Record<string, number> = {
    Coarseness: 1 / ps,
    Contrast: (pairs((a, b) => p[a] * p[b] * (level[a] - level[b]) ** 2) / (3 * 2)) * (sumS / 6),
    Busyness: ps / pairs((a, b) => Math.abs(level[a] * p[a] - level[b] * p[b])),
    Complexity: pairs((a, b) => (Math.abs(level[a] - level[b]) * (p[a] * s[a] + p[b] * s[b])) / (p[a] + p[b])) / 6,
    Strength: pairs((a, b) => (p[a] + p[b]) * (level[a] - level[b]) ** 2) / sumS,
  };
  it('computes the 5 features', () => {
    expect(Object.keys(values).sort()).toEqual(Object.keys(expected).sort());
    // Hand check of the sums the formulas rest on: Σ p_i s_i = 124/90, Σ s_i = 68/15
    expect(ps).toBeCloseTo(124 / 90, 14);
    expect(sumS).toBeCloseTo(68 / 15, 14);
  });
  for (const [name, value] of Object.entries(expected)) {
    it(name, () => expect(values[name]).toBeCloseTo(value, 12));
  }

  it('gives PyRadiomics’ flat-region values for a single gray level', () => {
    const flat = ngtdm.compute(
      handRoi([
        [
          [2, 2],
          [2, 2],
        ],
      ]),
    );
    expect(flat).toEqual({ Coarseness: 1e6, Contrast: 0, Busyness: 0, Complexity: 0, Strength: 0 });
  });
});
