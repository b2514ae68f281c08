// The two matrices IBSI defines on its own, against closed forms: the GLDZM of the manual's 2D example (IBSI-1 §3.10,
// grey levels, distance map and matrix as printed there) and IBSI's NGTDM, which leaves voxels without ROI neighbours
// out (IBSI-1 §3.11) where PyRadiomics counts them with s = 0.
import { ngtdm, ngtdmMatrix } from '../../../../radiomics/features/ngtdm';
import { DEFAULT_FEATURE_SETTINGS, type Roi } from '../../../../radiomics/features/types';
import { edgeDistances, gldzmMatrix, ibsiNgtdmMatrix } from '../../../../radiomics/ibsi/zoneMatrices';
import { grid } from '../extractor/support';

/** A one-slice ROI (rows top to bottom, 0 = outside) with force2D. */
function sliceRoi(rows: number[][]): Roi {
  const ny = rows.length;
  const nx = rows[0].length;
  const binned = Int32Array.from(rows.flat());
  const mask = Uint8Array.from(binned, (g) => (g > 0 ? 1 : 0));
  return {
    geometry: grid([nx, ny, 1]),
    image: Float64Array.from(binned),
    mask,
    binned,
    voxelCount: mask.reduce((a, b) => a + b, 0),
    settings: { ...DEFAULT_FEATURE_SETTINGS, force2D: true },
  };
}

describe('GLDZM (IBSI-1 §3.10 example)', () => {
  const roi = sliceRoi([
    [1, 2, 2, 3],
    [1, 2, 3, 3],
    [4, 2, 4, 1],
    [4, 1, 2, 3],
  ]);

  it('distance map: 1 on the edge, 2 inside (4-connected steps)', () => {
    expect(Array.from(edgeDistances(roi.mask, roi.geometry.size, true))).toEqual([1, 1, 1, 1, 1, 2, 2, 1, 1, 2, 2, 1, 1, 1, 1, 1]);
  });

  // The manual prints level 2 with two zones: its diagonal voxel (row 4, column 3) on its own, as 4-connected zones
  // would have it. Its text (8-connected zones in 2D) and the phantom's benchmark values (every dzm_*_2D met) join it.
  it('matrix: levels 1 and 3 have 3 and 2 zones at distance 1, level 2 one (8-connected), level 4 one at 1 and one at 2', () => {
    const m = gldzmMatrix(roi, roi.mask, true);
    expect(Array.from(m.grayLevels.values)).toEqual([1, 2, 3, 4]);
    expect(Array.from(m.zoneSizes)).toEqual([1, 2]);
    expect(Array.from(m.P)).toEqual([3, 0, 1, 0, 2, 0, 1, 1]);
    expect(m.zones).toBe(8);
    expect(m.voxels).toBe(16);
  });

  it('distances come from the morphological mask, zones from the intensity mask', () => {
    const intensity = sliceRoi([
      [0, 0, 0, 0],
      [0, 2, 0, 0],
      [0, 0, 0, 0],
      [0, 0, 0, 0],
    ]);
    const morph = new Uint8Array(16).fill(1);
    const m = gldzmMatrix(intensity, morph, true);
    expect(Array.from(m.zoneSizes)).toEqual([2]);
  });
});

describe('NGTDM: voxels without a neighbour in the ROI', () => {
  // a pair of levels 1 and 2, and a lone voxel of level 3
  const roi = sliceRoi([
    [1, 2, 0, 0],
    [0, 0, 0, 3],
  ]);

  it('IBSI leaves the lone voxel out: n = (1, 1), s = (1, 1), coarseness 1 / (½·1 + ½·1) = 1', () => {
    const m = ibsiNgtdmMatrix(roi, true)!;
    expect(Array.from(m.grayLevels.values)).toEqual([1, 2]);
    expect(Array.from(m.n)).toEqual([1, 1]);
    expect(Array.from(m.s)).toEqual([1, 1]);
    expect(m.voxels).toBe(2);
    expect(ngtdm.formulas.Coarseness(m)).toBeCloseTo(1, 12);
  });

  it('PyRadiomics counts it with s = 0: p = ⅓ each, coarseness 1 / (⅓ + ⅓) = 1.5', () => {
    expect(ngtdm.formulas.Coarseness(ngtdmMatrix(roi))).toBeCloseTo(1.5, 12);
  });

  it('an ROI of lone voxels has no NGTDM', () => {
    expect(ibsiNgtdmMatrix(sliceRoi([[1, 0, 2]]), true)).toBeNull();
  });
});
