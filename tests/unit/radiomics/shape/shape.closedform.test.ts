// 3D shape on shapes with known answers: a single voxel (its mesh is the octahedron of its face centres), boxes
// (diameters between chamfered corners, PCA of uniform grids), a digitised ball, and the diameter search against the
// definition (every vertex pair).
import { computeShape } from '../../../../radiomics/features/shape';
import { meshVertices, padMask } from '../../../../radiomics/features/marchingCubes';
import { meshDiameters } from '../../../../radiomics/features/meshDiameters';
import type { Vec3 } from '../../../../imaging/image';
import { syntheticRoi, uniformVariance } from './support';

const ALL = [
  'MeshVolume',
  'VoxelVolume',
  'SurfaceArea',
  'SurfaceVolumeRatio',
  'Sphericity',
  'Compactness1',
  'Compactness2',
  'SphericalDisproportion',
  'Maximum3DDiameter',
  'Maximum2DDiameterSlice',
  'Maximum2DDiameterColumn',
  'Maximum2DDiameterRow',
  'MajorAxisLength',
  'MinorAxisLength',
  'LeastAxisLength',
  'Elongation',
  'Flatness',
];

describe('a single voxel', () => {
  const spacing: Vec3 = [1.5, 2, 3];
  const f = computeShape(
    syntheticRoi([1, 1, 1], spacing, () => true),
    ALL,
  );
  const [a, b, c] = spacing.map((s) => s / 2);

  it('has the octahedron of its face centres as mesh', () => {
    // volume of the octahedron with half-diagonals a, b, c: (4/3) a b c
    expect(f.MeshVolume).toBeCloseTo((4 / 3) * a * b * c, 12);
    // 8 faces, each half the norm of (−a, b, 0) × (−a, 0, c)
    expect(f.SurfaceArea).toBeCloseTo(4 * Math.sqrt(a * a * b * b + b * b * c * c + a * a * c * c), 12);
    expect(f.VoxelVolume).toBeCloseTo(1.5 * 2 * 3, 12);
  });

  it('spans its largest spacing, in-plane its largest in-plane spacing', () => {
    expect(f.Maximum3DDiameter).toBeCloseTo(3, 12);
    expect(f.Maximum2DDiameterSlice).toBeCloseTo(2, 12); // x–y plane
    expect(f.Maximum2DDiameterColumn).toBeCloseTo(3, 12); // x–z plane
    expect(f.Maximum2DDiameterRow).toBeCloseTo(3, 12); // y–z plane
  });

  it('has zero axis lengths (all voxel centres coincide)', () => {
    expect(f.MajorAxisLength).toBe(0);
    expect(f.LeastAxisLength).toBe(0);
  });

  it('keeps the derived ratios consistent with volume and area', () => {
    const v = f.MeshVolume;
    const s = f.SurfaceArea;
    expect(f.Sphericity).toBeCloseTo(Math.cbrt(36 * Math.PI * v * v) / s, 12);
    expect(f.SphericalDisproportion).toBeCloseTo(1 / f.Sphericity, 12);
    expect(f.Compactness2).toBeCloseTo(f.Sphericity ** 3, 12);
    expect(f.Compactness1).toBeCloseTo(v / (Math.sqrt(Math.PI) * s ** 1.5), 12);
    expect(f.SurfaceVolumeRatio).toBeCloseTo(s / v, 12);
  });
});

describe('a box of 4 × 3 × 2 voxels', () => {
  const n: Vec3 = [4, 3, 2];
  const s: Vec3 = [0.5, 0.75, 2];
  const roi = syntheticRoi([6, 5, 4], s, (x, y, z) => x >= 1 && x <= 4 && y >= 1 && y <= 3 && z >= 1 && z <= 2);
  const f = computeShape(roi, ALL);
  // mesh vertices sit half a voxel outside the faces, at voxel centres along the face: the farthest pair runs
  // across the full extent of one axis and between the outermost centres of the other two
  const full = (d: number) => n[d] * s[d];
  const centres = (d: number) => (n[d] - 1) * s[d];
  const across = (axes: number[]) => Math.max(...axes.map((d) => Math.sqrt(axes.reduce((acc, o) => acc + (o === d ? full(o) : centres(o)) ** 2, 0))));

  it('encloses the box minus its chamfered edges and corners', () => {
    // edge prisms: right triangles with legs s/2 along the n − 1 centre spacings of each edge; corner cubes keep
    // only the tetrahedron x/a + y/b + z/c ≤ 1, i.e. lose 5/6 of (s/2)³ each
    const [a, b, c] = s.map((v) => v / 2);
    const edges = (d: number, p: number, q: number) => (4 * ((n[d] - 1) * s[d]) * ((s[p] / 2) * (s[q] / 2))) / 2;
    const volume = n[0] * s[0] * n[1] * s[1] * n[2] * s[2] - edges(0, 1, 2) - edges(1, 0, 2) - edges(2, 0, 1) - 8 * (5 / 6) * a * b * c;
    expect(f.MeshVolume).toBeCloseTo(volume, 10);
    // flat faces between the outer centres, chamfer strips along the edges, one triangle per corner
    const faces = (p: number, q: number) => 2 * (n[p] - 1) * s[p] * (n[q] - 1) * s[q];
    const strips = (d: number, p: number, q: number) => 4 * (n[d] - 1) * s[d] * Math.hypot(s[p] / 2, s[q] / 2);
    const corners = 8 * 0.5 * Math.sqrt(a * a * b * b + b * b * c * c + a * a * c * c);
    const area = faces(1, 2) + faces(0, 2) + faces(0, 1) + strips(0, 1, 2) + strips(1, 0, 2) + strips(2, 0, 1) + corners;
    expect(f.SurfaceArea).toBeCloseTo(area, 10);
  });

  it('has the diameters between its chamfered corners', () => {
    expect(f.Maximum3DDiameter).toBeCloseTo(across([0, 1, 2]), 12);
    expect(f.Maximum2DDiameterSlice).toBeCloseTo(across([0, 1]), 12);
    expect(f.Maximum2DDiameterColumn).toBeCloseTo(across([0, 2]), 12);
    expect(f.Maximum2DDiameterRow).toBeCloseTo(across([1, 2]), 12);
  });

  it('has PCA axes of uniform grids: 4 √(s²(n² − 1)/12)', () => {
    const lengths = [0, 1, 2].map((d) => 4 * Math.sqrt(uniformVariance(n[d], s[d]))).sort((p, q) => q - p);
    expect(f.MajorAxisLength).toBeCloseTo(lengths[0], 10);
    expect(f.MinorAxisLength).toBeCloseTo(lengths[1], 10);
    expect(f.LeastAxisLength).toBeCloseTo(lengths[2], 10);
    expect(f.Elongation).toBeCloseTo(lengths[1] / lengths[0], 10);
    expect(f.Flatness).toBeCloseTo(lengths[2] / lengths[0], 10);
  });

  it('counts its voxels for VoxelVolume, whatever padding the ROI box has', () => {
    expect(f.VoxelVolume).toBeCloseTo(24 * 0.5 * 0.75 * 2, 12);
  });
});

describe('a digitised ball of radius 15 voxels', () => {
  const r = 15;
  const c = r + 1;
  const roi = syntheticRoi([2 * r + 3, 2 * r + 3, 2 * r + 3], [1, 1, 1], (x, y, z) => (x - c) ** 2 + (y - c) ** 2 + (z - c) ** 2 <= r * r);
  const f = computeShape(roi, ALL);

  it('encloses the volume of the sphere within 1.5 %', () => {
    expect(Math.abs(f.MeshVolume / ((4 / 3) * Math.PI * r ** 3) - 1)).toBeLessThan(0.015);
  });

  it('has a surface within 10 % above the sphere (a midpoint mesh of a digitised sphere overestimates area)', () => {
    const ratio = f.SurfaceArea / (4 * Math.PI * r * r);
    expect(ratio).toBeGreaterThan(1);
    expect(ratio).toBeLessThan(1.1);
  });

  it('spans 2r + 1 between the vertices outside its axis-extreme voxels', () => {
    expect(f.Maximum3DDiameter).toBeCloseTo(2 * r + 1, 12);
    expect(f.Maximum2DDiameterSlice).toBeCloseTo(2 * r + 1, 12);
  });

  it('has three equal PCA axes of 4 r/√5 (a solid ball), within 1 %', () => {
    for (const axis of [f.MajorAxisLength, f.MinorAxisLength, f.LeastAxisLength]) {
      expect(Math.abs(axis / ((4 * r) / Math.sqrt(5)) - 1)).toBeLessThan(0.01);
    }
  });
});

describe('hull-pruned diameters', () => {
  /** The definition (cshape.c): every pair of vertices. */
  function bruteForce(points: Int32Array, scale: Vec3): number[] {
    const best = [0, 0, 0, 0];
    const n = points.length / 3;
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        let d = 0;
        for (let k = 0; k < 3; k++) d += ((points[3 * i + k] - points[3 * j + k]) * scale[k]) ** 2;
        for (let k = 0; k < 3; k++) if (points[3 * i + k] === points[3 * j + k] && d > best[k]) best[k] = d;
        if (d > best[3]) best[3] = d;
      }
    }
    return best.map(Math.sqrt);
  }

  it('equal the all-pairs maxima on random masks with anisotropic spacing', () => {
    let seed = 12345;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    for (let trial = 0; trial < 20; trial++) {
      const size: Vec3 = [3 + (trial % 5), 4 + (trial % 3), 2 + (trial % 4)];
      const density = 0.2 + 0.6 * random();
      const roi = syntheticRoi(size, [0.7, 1.3, 2.9], () => random() < density);
      if (roi.voxelCount === 0) continue;
      const vertices = meshVertices(padMask(roi.mask, size));
      const scale: Vec3 = [2.9 / 2, 1.3 / 2, 0.7 / 2]; // (z, y, x) half-voxel units
      const fast = meshDiameters(vertices, scale);
      const slow = bruteForce(vertices, scale);
      expect([...fast.inPlane, fast.overall].map((v) => +v.toFixed(10))).toEqual(slow.map((v) => +v.toFixed(10)));
    }
  });
});
