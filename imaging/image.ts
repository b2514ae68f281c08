// Voxel containers and geometry shared by the whole radiomics engine.
// Layout: x varies fastest, then y, then z (the ITK / NIfTI / NRRD file order);
// index(x, y, z) = x + size[0] * (y + size[1] * z).

export type Vec3 = [number, number, number];
/** Row-major 3×3; column j is the physical direction of voxel axis j (ITK's GetDirection()). */
export type Mat3 = [number, number, number, number, number, number, number, number, number];

export interface Geometry {
  size: Vec3;
  /** mm per voxel along each voxel axis. */
  spacing: Vec3;
  /** Physical (LPS, mm) position of the centre of voxel (0, 0, 0). */
  origin: Vec3;
  direction: Mat3;
}

export type VoxelArray = Float32Array | Float64Array | Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array;

export interface Volume<T extends VoxelArray = VoxelArray> {
  geometry: Geometry;
  data: T;
  /** Where it came from (a path), for error messages. */
  source?: string;
}

export const IDENTITY: Mat3 = [1, 0, 0, 0, 1, 0, 0, 0, 1];

export function voxelCount(g: Geometry): number {
  return g.size[0] * g.size[1] * g.size[2];
}

export function voxelIndex(g: Geometry, x: number, y: number, z: number): number {
  return x + g.size[0] * (y + g.size[1] * z);
}

/** Physical point of a (possibly fractional) voxel index: origin + D · diag(spacing) · idx. */
export function indexToPhysical(g: Geometry, i: number, j: number, k: number): Vec3 {
  const [sx, sy, sz] = g.spacing;
  const d = g.direction;
  const a = i * sx;
  const b = j * sy;
  const c = k * sz;
  return [g.origin[0] + d[0] * a + d[1] * b + d[2] * c, g.origin[1] + d[3] * a + d[4] * b + d[5] * c, g.origin[2] + d[6] * a + d[7] * b + d[8] * c];
}

/** Geometries match when sizes are equal and spacing/origin/direction agree within a tolerance (SimpleITK uses 1e-6 relative to spacing). */
export function sameGeometry(a: Geometry, b: Geometry, tolerance = 1e-4): boolean {
  for (let i = 0; i < 3; i++) {
    if (a.size[i] !== b.size[i]) return false;
    if (Math.abs(a.spacing[i] - b.spacing[i]) > tolerance * Math.max(1, Math.abs(a.spacing[i]))) return false;
    if (Math.abs(a.origin[i] - b.origin[i]) > tolerance * Math.max(1, Math.abs(a.spacing[i]))) return false;
  }
  for (let i = 0; i < 9; i++) if (Math.abs(a.direction[i] - b.direction[i]) > tolerance) return false;
  return true;
}
