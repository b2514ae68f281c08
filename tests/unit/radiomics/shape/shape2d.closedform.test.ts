// 2D shape on shapes with known answers: a single pixel (a diamond through its edge midpoints), rectangles in each
// of the three planes (force2Ddimension), and the errors PyRadiomics raises for masks that are not one slice thick.
import { RadiomicsInputError } from '../../../../imaging/errors';
import { computeShape2D } from '../../../../radiomics/features/shape2d';
import type { Vec3 } from '../../../../imaging/image';
import { syntheticRoi, uniformVariance } from './support';

const ALL = [
  'MeshSurface',
  'PixelSurface',
  'Perimeter',
  'PerimeterSurfaceRatio',
  'Sphericity',
  'SphericalDisproportion',
  'MaximumDiameter',
  'MajorAxisLength',
  'MinorAxisLength',
  'Elongation',
];

describe('a single pixel', () => {
  const f = computeShape2D(
    syntheticRoi([1, 1, 1], [0.8, 1.2, 5], () => true, { force2D: true }),
    ALL,
  );
  // axial plane: rows along y (1.2 mm), columns along x (0.8 mm)
  it('has the diamond of its edge midpoints as outline', () => {
    expect(f.MeshSurface).toBeCloseTo(0.5 * 0.8 * 1.2, 12);
    expect(f.Perimeter).toBeCloseTo(4 * Math.hypot(0.4, 0.6), 12);
    expect(f.PixelSurface).toBeCloseTo(0.8 * 1.2, 12);
    expect(f.MaximumDiameter).toBeCloseTo(1.2, 12);
  });
  it('keeps the derived ratios consistent', () => {
    expect(f.PerimeterSurfaceRatio).toBeCloseTo(f.Perimeter / f.MeshSurface, 12);
    expect(f.Sphericity).toBeCloseTo((2 * Math.sqrt(Math.PI * f.MeshSurface)) / f.Perimeter, 12);
    expect(f.SphericalDisproportion).toBeCloseTo(1 / f.Sphericity, 12);
  });
});

/** A rectangle of n pixels along `colAxis` and m along `rowAxis`, one voxel thick along the third axis. */
function rectangle(colAxis: number, rowAxis: number, n: number, m: number, spacing: Vec3, force2Ddimension: 0 | 1 | 2) {
  const size: Vec3 = [1, 1, 1];
  size[colAxis] = n + 2;
  size[rowAxis] = m + 2;
  const roi = syntheticRoi(
    size,
    spacing,
    (x, y, z) => {
      const p = [x, y, z];
      return p[colAxis] >= 1 && p[colAxis] <= n && p[rowAxis] >= 1 && p[rowAxis] <= m;
    },
    { force2D: true, force2Ddimension },
  );
  return computeShape2D(roi, ALL);
}

describe.each([
  // [force2Ddimension (numpy axis), column axis (ours), row axis (ours)]
  [0, 0, 1],
  [1, 0, 2],
  [2, 1, 2],
] as const)('a 5 × 3 rectangle with force2Ddimension %i', (dim, colAxis, rowAxis) => {
  const spacing: Vec3 = [0.6, 0.9, 2.5];
  const sc = spacing[colAxis];
  const sr = spacing[rowAxis];
  const n = 5;
  const m = 3;
  const f = rectangle(colAxis, rowAxis, n, m, spacing, dim);

  it('encloses the rectangle minus its four chamfered corners', () => {
    expect(f.MeshSurface).toBeCloseTo((n * m - 0.5) * sc * sr, 12);
    expect(f.PixelSurface).toBeCloseTo(n * m * sc * sr, 12);
  });

  it('has straight sides between outer centres plus four chamfers', () => {
    expect(f.Perimeter).toBeCloseTo(2 * (n - 1) * sc + 2 * (m - 1) * sr + 4 * Math.hypot(sc / 2, sr / 2), 12);
  });

  it('spans corner to corner', () => {
    expect(f.MaximumDiameter).toBeCloseTo(Math.max(Math.hypot(n * sc, (m - 1) * sr), Math.hypot((n - 1) * sc, m * sr)), 12);
  });

  it('has PCA axes of uniform grids', () => {
    const axes = [4 * Math.sqrt(uniformVariance(n, sc)), 4 * Math.sqrt(uniformVariance(m, sr))].sort((a, b) => b - a);
    expect(f.MajorAxisLength).toBeCloseTo(axes[0], 10);
    expect(f.MinorAxisLength).toBeCloseTo(axes[1], 10);
    expect(f.Elongation).toBeCloseTo(axes[1] / axes[0], 10);
  });
});

describe('masks shape2D refuses', () => {
  it('an ROI thicker than one voxel along force2Ddimension', () => {
    const roi = syntheticRoi([3, 3, 2], [1, 1, 1], () => true, { force2D: true, force2Ddimension: 0 });
    expect(() => computeShape2D(roi)).toThrow(RadiomicsInputError);
    expect(() => computeShape2D(roi)).toThrow(/dimension 0 is 2 voxels/);
  });

  it('a 3D ROI without force2D', () => {
    const roi = syntheticRoi([3, 3, 1], [1, 1, 1], () => true, { force2D: false });
    expect(() => computeShape2D(roi)).toThrow(/force2D/);
  });
});
