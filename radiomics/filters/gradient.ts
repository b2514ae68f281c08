// Gradient magnitude, as PyRadiomics' imageoperations.getGradientImage computes it with SimpleITK's
// GradientMagnitudeImageFilter: central differences (x[i+1] − x[i−1]) / 2 per axis, divided by the spacing when
// gradientUseSpacing (the default), the edge voxel repeated beyond the border (ITK's zero-flux Neumann condition).
import type { Volume } from '../../imaging/image';
import { boxSize, realArrayFor, regionImage, resolveRegion, type IndexBox, type RegionImage } from './region';

export interface GradientSettings {
  gradientUseSpacing: boolean;
}

export function gradientImage(image: Volume, settings: GradientSettings, region?: IndexBox): RegionImage & { name: string } {
  const box = resolveRegion(image, region);
  const extent = boxSize(box);
  const [nx, ny, nz] = image.geometry.size;
  const spacing = settings.gradientUseSpacing ? image.geometry.spacing : [1, 1, 1];
  // ½ / spacing per axis; an axis of one voxel has no neighbours and contributes 0.
  const [wx, wy, wz] = spacing.map((s) => 0.5 / s);
  const sy = nx;
  const sz = nx * ny;
  const data = image.data;
  const out = realArrayFor(data, extent[0] * extent[1] * extent[2]);
  let o = 0;
  for (let z = box.lower[2]; z <= box.upper[2]; z++) {
    const zm = (z > 0 ? z - 1 : 0) * sz;
    const zp = (z < nz - 1 ? z + 1 : nz - 1) * sz;
    for (let y = box.lower[1]; y <= box.upper[1]; y++) {
      const ym = (y > 0 ? y - 1 : 0) * sy;
      const yp = (y < ny - 1 ? y + 1 : ny - 1) * sy;
      const row = y * sy + z * sz;
      for (let x = box.lower[0]; x <= box.upper[0]; x++) {
        const xm = x > 0 ? x - 1 : 0;
        const xp = x < nx - 1 ? x + 1 : nx - 1;
        const gx = (data[row + xp] - data[row + xm]) * wx;
        const gy = (data[x + yp + z * sz] - data[x + ym + z * sz]) * wy;
        const gz = (data[x + y * sy + zp] - data[x + y * sy + zm]) * wz;
        out[o++] = Math.sqrt(gx * gx + gy * gy + gz * gz);
      }
    }
  }
  return { name: 'gradient', ...regionImage(image, box, out) };
}
