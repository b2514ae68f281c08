// IBSI-1 §3.1–3.2 pieces against closed forms: convex hulls of boxes and tetrahedra, the ellipsoid-area series against
// the sphere and its own terms, Moran's I / Geary's C of two voxels, local intensity peaks of a linear ramp.
import { convexHull } from '../../../../radiomics/ibsi/convexHull';
import { localIntensityFeatures } from '../../../../radiomics/ibsi/intensity';
import { ellipsoidArea, morphologyFeatures } from '../../../../radiomics/ibsi/morphology';
import { grid, volumeOf } from '../extractor/support';

describe('convex hull', () => {
  it('of every lattice point of a 4 × 4 × 4 cube, scaled to a 2 × 4 × 8 mm box', () => {
    const pts: number[] = [];
    for (let z = 0; z <= 4; z++) for (let y = 0; y <= 4; y++) for (let x = 0; x <= 4; x++) pts.push(x, y, z);
    const hull = convexHull(Int32Array.from(pts), [0.5, 1, 2]);
    expect(hull.volume).toBeCloseTo(64, 10);
    expect(hull.area).toBeCloseTo(2 * (2 * 4 + 4 * 8 + 2 * 8), 10);
  });

  it('of a corner tetrahedron with points inside it', () => {
    const hull = convexHull(Int32Array.from([0, 0, 0, 4, 0, 0, 0, 4, 0, 0, 0, 4, 1, 1, 1, 0, 1, 1, 2, 1, 0]), [1, 1, 1]);
    expect(hull.volume).toBeCloseTo(64 / 6, 10);
    expect(hull.area).toBeCloseTo(24 + 8 * Math.sqrt(3), 10);
  });

  it('of coplanar points is empty', () => {
    expect(convexHull(Int32Array.from([0, 0, 0, 1, 0, 0, 0, 1, 0, 1, 1, 0, 2, 3, 0]), [1, 1, 1]).volume).toBe(0);
  });
});

describe('ellipsoid surface area (IBSI-1 RDD2: Legendre series to ν = 20)', () => {
  it('a sphere: 4πr²', () => expect(ellipsoidArea(3, 3, 3)).toBeCloseTo(4 * Math.PI * 9, 10));

  it('the manual’s series term by term, with P_ν evaluated directly (a = 3, b = 2.5, c = 2)', () => {
    const [a, b, c] = [3, 2.5, 2];
    const alpha = Math.sqrt(1 - (b * b) / (a * a));
    const beta = Math.sqrt(1 - (c * c) / (a * a));
    const x = (alpha * alpha + beta * beta) / (2 * alpha * beta);
    const P = [1, x];
    for (let n = 1; n < 20; n++) P.push(((2 * n + 1) * x * P[n] - n * P[n - 1]) / (n + 1));
    const sum = P.reduce((s, p, nu) => s + ((alpha * beta) ** nu / (1 - 4 * nu * nu)) * p, 0);
    expect(ellipsoidArea(a, b, c)).toBeCloseTo(4 * Math.PI * a * b * sum, 9);
  });
});

describe('spatial autocorrelation (IBSI-1 N365, NPT7)', () => {
  it("two voxels with different intensities: Moran's I = −1, Geary's C = 1", () => {
    const g = grid([2, 1, 1], [1, 1, 1]);
    const mask = Uint8Array.of(1, 1);
    const f = morphologyFeatures(Float64Array.of(3, 7), mask, mask, g);
    expect(f.morph_moran_i).toBeCloseTo(-1, 12);
    expect(f.morph_geary_c).toBeCloseTo(1, 12);
    expect(f.morph_vol_approx).toBe(2);
    // intensity-weighted centre at (3·0 + 7·1)/10 = 0.7 mm, geometric centre at 0.5 mm
    expect(f.morph_com).toBeCloseTo(0.2, 12);
    expect(f.morph_integ_int).toBeCloseTo(f.morph_volume * 5, 12);
  });
});

describe('local intensity peaks (IBSI-1 VJGA, 0F91)', () => {
  it('on a linear ramp every full 1 cm³ sphere averages to its centre, so both peaks are the ROI maximum', () => {
    const g = grid([30, 30, 30], [1, 1, 1]);
    const image = volumeOf(Float64Array, g, (x, y, z) => 2 * x + 0.5 * y - z).data;
    const mask = volumeOf(Uint8Array, g, (x, y, z) => (x >= 10 && x <= 18 && y >= 10 && y <= 15 && z >= 11 && z <= 14 ? 1 : 0)).data;
    const f = localIntensityFeatures(image, mask, g);
    const max = 2 * 18 + 0.5 * 15 - 11;
    expect(f.loc_peak_loc).toBeCloseTo(max, 10);
    expect(f.loc_peak_glob).toBeCloseTo(max, 10);
  });
});
