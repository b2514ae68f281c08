// Variable-flip-angle SPGR series with known T1 and M0 for the T1-map tests: S = M0·sin α·(1 − E1)/(1 − cos α·E1)
// written out here (not through the fit's code), with Rician noise of σ = the voxel's largest signal / SNR.
import type { Geometry } from '../../../../imaging/image';
import type { VolumeSeries } from '../../../../imaging/maps';
import { Rng } from '../../../../synthetic/random';

export function synthesizeVfa(
  geometry: Geometry,
  flipDeg: readonly number[],
  trMs: number,
  t1Ms: ArrayLike<number>,
  m0: ArrayLike<number>,
  snr: number,
  seed: number,
  precision: 'float32' | 'float64' = 'float32',
): VolumeSeries {
  const voxels = geometry.size[0] * geometry.size[1] * geometry.size[2];
  const n = flipDeg.length;
  const data = precision === 'float64' ? new Float64Array(voxels * n) : new Float32Array(voxels * n);
  const rng = Rng.stream(seed, 'vfa');
  const s = new Float64Array(n);
  for (let v = 0; v < voxels; v++) {
    const e1 = Math.exp(-trMs / t1Ms[v]);
    let peak = 0;
    for (let k = 0; k < n; k++) {
      const a = (flipDeg[k] * Math.PI) / 180;
      s[k] = (m0[v] * Math.sin(a) * (1 - e1)) / (1 - Math.cos(a) * e1);
      peak = Math.max(peak, s[k]);
    }
    const sigma = peak / snr;
    for (let k = 0; k < n; k++) {
      let value = s[k];
      if (sigma > 0 && Number.isFinite(sigma)) value = Math.hypot(s[k] + rng.normal(0, sigma), rng.normal(0, sigma));
      data[k * voxels + v] = value;
    }
  }
  return { geometry, frames: n, data, source: 'synthetic VFA' };
}
