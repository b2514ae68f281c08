// Neighbour directions vs PyRadiomics' C enumeration (cmatrices.c build_angles: offsets (z, y, x) from +d to −d,
// x fastest, one-directional sets keep the first half) and its count formula (2d+1)^n − (2d−1)^n.
import { RadiomicsInputError } from '../../../../imaging/errors';
import { offsetLength, textureDirections, type DirectionOptions } from '../../../../radiomics/features/directions';

const options = (o: Partial<DirectionOptions> = {}): DirectionOptions => ({
  distances: [1],
  bidirectional: false,
  force2D: false,
  force2Ddimension: 0,
  ...o,
});

describe('textureDirections', () => {
  it('gives the 13 3D directions in PyRadiomics order', () => {
    expect(textureDirections([10, 10, 10], options())).toEqual([
      [1, 1, 1],
      [1, 1, 0],
      [1, 1, -1],
      [1, 0, 1],
      [1, 0, 0],
      [1, 0, -1],
      [1, -1, 1],
      [1, -1, 0],
      [1, -1, -1],
      [0, 1, 1],
      [0, 1, 0],
      [0, 1, -1],
      [0, 0, 1],
    ]);
  });

  it('gives both directions of each pair when bidirectional (26-connectivity), mirrored', () => {
    const all = textureDirections([10, 10, 10], options({ bidirectional: true }));
    expect(all).toHaveLength(26);
    for (let k = 0; k < 13; k++) expect(all[25 - k]).toEqual(all[k].map((v) => 0 - v || 0));
  });

  it('keeps the 4 in-plane directions with force2D (z out of plane by default)', () => {
    expect(textureDirections([10, 10, 10], options({ force2D: true }))).toEqual([
      [0, 1, 1],
      [0, 1, 0],
      [0, 1, -1],
      [0, 0, 1],
    ]);
    // force2Ddimension 2 = x (numpy axis 2) out of plane
    expect(textureDirections([10, 10, 10], options({ force2D: true, force2Ddimension: 2 }))).toEqual([
      [1, 1, 0],
      [1, 0, 0],
      [1, -1, 0],
      [0, 1, 0],
    ]);
  });

  it('drops directions that leave a box one voxel thick (a single-slice box is 2D)', () => {
    expect(textureDirections([10, 10, 1], options())).toEqual([
      [0, 1, 1],
      [0, 1, 0],
      [0, 1, -1],
      [0, 0, 1],
    ]);
    expect(textureDirections([5, 1, 1], options())).toEqual([[0, 0, 1]]);
  });

  it('counts (2d+1)³ − (2d−1)³ offsets per distance, halved one-directionally', () => {
    expect(textureDirections([10, 10, 10], options({ distances: [2] }))).toHaveLength((125 - 27) / 2);
    expect(textureDirections([10, 10, 10], options({ distances: [1, 2] }))).toHaveLength(13 + 49);
    const d2 = textureDirections([10, 10, 10], options({ distances: [2], bidirectional: true }));
    expect(d2).toHaveLength(98);
    expect(d2.every((o) => Math.max(...o.map(Math.abs)) === 2)).toBe(true);
  });

  it('caps offsets at the box size: distance 2 in a 2-voxel-wide axis only moves 1 there', () => {
    const dirs = textureDirections([10, 10, 2], options({ distances: [2] }));
    // x, y ∈ {−2..2}, z ∈ {−1..1}: 5·5·3 − 3·3·3 = 48 offsets of norm 2, 24 one-directional
    expect(dirs).toHaveLength(24);
    expect(dirs.every((o) => Math.abs(o[0]) <= 1)).toBe(true);
  });

  it('rejects distances that are not positive integers', () => {
    for (const distances of [[0], [1.5], [], [-1]]) {
      expect(() => textureDirections([10, 10, 10], options({ distances }))).toThrow(RadiomicsInputError);
    }
    expect(() => textureDirections([10, 10, 10], options({ distances: [0] }))).toThrow(/setting\.distances/);
  });

  it('rejects a box in which no direction fits', () => {
    expect(() => textureDirections([1, 1, 1], options())).toThrow(RadiomicsInputError);
    expect(() => textureDirections([1, 1, 7], options({ force2D: true }))).toThrow(/no neighbour direction/);
  });
});

describe('offsetLength (weightingNorm)', () => {
  // spacing is Geometry order (x, y, z); offsets are (z, y, x)
  const spacing: [number, number, number] = [1, 2, 3];
  it('measures the offset in mm under each norm', () => {
    const offset = [1, -1, 1] as const; // 3 mm in z, 2 mm in y, 1 mm in x
    expect(offsetLength(offset, spacing, 'infinity')).toBe(3);
    expect(offsetLength(offset, spacing, 'euclidean')).toBeCloseTo(Math.sqrt(14), 12);
    expect(offsetLength(offset, spacing, 'manhattan')).toBe(6);
    expect(offsetLength(offset, spacing, 'no_weighting')).toBe(1);
  });
  it('rejects an unknown norm', () => {
    expect(() => offsetLength([0, 0, 1], spacing, 'chebyshev' as never)).toThrow(RadiomicsInputError);
  });
});
