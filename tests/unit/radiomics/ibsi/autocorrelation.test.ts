// Moran's I (IBSI-1 N365) and Geary's C (NPT7), exact at every ROI size: both methods (pairs, FFT over offsets)
// against a brute-force double sum written from the manual's formulas, on synthetic ROIs above the size where an
// estimate used to stand in (12,000+ voxels, anisotropic spacing, holes, two separate parts), and against the IBSI-1
// digital phantom's reference values.
import { readFileSync } from 'node:fs';
import { autocorrelationMethod, spatialAutocorrelation } from '../../../../radiomics/ibsi/autocorrelation';
import { readImage } from '../../../../imaging/io';
import type { Geometry } from '../../../../imaging/image';
import { describeWithReferenceData, referencePath } from '../../../support/referenceData';
import { grid } from '../extractor/support';

/**
 * I = N/(Σ_{k1≠k2} w) · Σ_{k1≠k2} w (X1 − μ)(X2 − μ) / Σ (X − μ)², C = (N − 1)/(2 Σ w) · Σ_{k1≠k2} w (X1 − X2)² / Σ (X − μ)²,
 * w = 1/‖k1 − k2‖ in mm: every ordered pair, one by one.
 */
function bruteForce(image: Float64Array, mask: Uint8Array, g: Geometry): { moran: number; geary: number } {
  const [nx, ny] = g.size;
  const [sx, sy, sz] = g.spacing;
  const n = mask.reduce((a, b) => a + b, 0);
  const px = new Float64Array(n),
    py = new Float64Array(n),
    pz = new Float64Array(n),
    x = new Float64Array(n);
  for (let i = 0, k = 0; i < mask.length; i++) {
    if (!mask[i]) continue;
    px[k] = (i % nx) * sx;
    py[k] = (Math.floor(i / nx) % ny) * sy;
    pz[k] = Math.floor(i / (nx * ny)) * sz;
    x[k++] = image[i];
  }
  const mu = x.reduce((a, b) => a + b, 0) / n;
  const variance = x.reduce((a, b) => a + (b - mu) ** 2, 0);
  let sw = 0,
    si = 0,
    sc = 0;
  for (let a = 0; a < n; a++)
    for (let b = 0; b < n; b++) {
      if (a === b) continue;
      const w = 1 / Math.sqrt((px[a] - px[b]) ** 2 + (py[a] - py[b]) ** 2 + (pz[a] - pz[b]) ** 2);
      sw += w;
      si += w * (x[a] - mu) * (x[b] - mu);
      sc += w * (x[a] - x[b]) ** 2;
    }
  return { moran: ((n / sw) * si) / variance, geary: (((n - 1) / (2 * sw)) * sc) / variance };
}

function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

interface Case {
  image: Float64Array;
  mask: Uint8Array;
  geometry: Geometry;
}

/** An ellipsoid with a smooth gradient plus noise, holes punched at random, anisotropic 0.8 × 1.1 × 2.5 mm voxels. */
function ellipsoidCase(): Case {
  const geometry = grid([40, 38, 20], [0.8, 1.1, 2.5]);
  const [nx, ny, nz] = geometry.size;
  const random = prng(11);
  const image = new Float64Array(nx * ny * nz);
  const mask = new Uint8Array(nx * ny * nz);
  for (let z = 0, i = 0; z < nz; z++)
    for (let y = 0; y < ny; y++)
      for (let x = 0; x < nx; x++, i++) {
        const r = ((x - 19.5) / 19) ** 2 + ((y - 18.5) / 18) ** 2 + ((z - 9.5) / 9.6) ** 2;
        mask[i] = r <= 1 && random() > 0.05 ? 1 : 0;
        image[i] = 3 * x - 0.5 * y + 10 * Math.sin(z / 3) + 20 * random();
      }
  return { image, mask, geometry };
}

/** Two separate blocks far apart in a long box, white noise plus an offset between them. */
function twoPartsCase(): Case {
  const geometry = grid([120, 30, 12], [1, 1, 1.5]);
  const [nx, ny, nz] = geometry.size;
  const random = prng(5);
  const image = new Float64Array(nx * ny * nz);
  const mask = new Uint8Array(nx * ny * nz);
  for (let z = 0, i = 0; z < nz; z++)
    for (let y = 0; y < ny; y++)
      for (let x = 0; x < nx; x++, i++) {
        const left = x < 18,
          right = x >= 102;
        mask[i] = left || right ? 1 : 0;
        image[i] = (right ? 50 : 0) + 100 * random();
      }
  return { image, mask, geometry };
}

const voxels = (mask: Uint8Array) => mask.reduce((a, b) => a + b, 0);
const roiBox = (c: Case): [number, number, number] => {
  const [nx, ny] = c.geometry.size;
  const lo = [Infinity, Infinity, Infinity],
    hi = [-Infinity, -Infinity, -Infinity];
  c.mask.forEach((m, i) => {
    if (!m) return;
    const p = [i % nx, Math.floor(i / nx) % ny, Math.floor(i / (nx * ny))];
    for (let d = 0; d < 3; d++) {
      lo[d] = Math.min(lo[d], p[d]);
      hi[d] = Math.max(hi[d], p[d]);
    }
  });
  return [hi[0] - lo[0] + 1, hi[1] - lo[1] + 1, hi[2] - lo[2] + 1];
};

describe.each([
  ['an ellipsoid with holes', ellipsoidCase],
  ['two separate parts', twoPartsCase],
])("Moran's I and Geary's C of %s equal the brute-force double sum", (_name, make) => {
  const c = make();
  const want = bruteForce(c.image, c.mask, c.geometry);

  it('is large enough for the fast path', () => {
    expect(voxels(c.mask)).toBeGreaterThan(12000);
    expect(autocorrelationMethod(voxels(c.mask), roiBox(c))).toBe('fft');
  });

  it.each(['fft', 'pairs', undefined] as const)('method %s', (method) => {
    const got = spatialAutocorrelation(c.image, c.mask, c.geometry, method);
    expect(Math.abs(got.moran - want.moran)).toBeLessThan(1e-9 * Math.max(1, Math.abs(want.moran)));
    expect(Math.abs(got.geary - want.geary)).toBeLessThan(1e-9 * Math.max(1, Math.abs(want.geary)));
  });
});

describe('spatial autocorrelation edge cases', () => {
  it('NaN for a constant ROI and for a single voxel', () => {
    const g = grid([3, 3, 3]);
    const all = new Uint8Array(27).fill(1);
    expect(spatialAutocorrelation(new Float64Array(27).fill(4), all, g).moran).toBeNaN();
    const one = new Uint8Array(27);
    one[13] = 1;
    expect(
      spatialAutocorrelation(
        Float64Array.from({ length: 27 }, (_, i) => i),
        one,
        g,
      ).geary,
    ).toBeNaN();
  });

  it('a flat 2D ROI (one slice) through the FFT equals the brute force', () => {
    const g = grid([90, 80, 1], [0.7, 0.7, 3]);
    const random = prng(3);
    const image = Float64Array.from({ length: 7200 }, (_, i) => (i % 90) + 30 * random());
    const mask = Uint8Array.from({ length: 7200 }, () => (random() > 0.2 ? 1 : 0));
    const want = bruteForce(image, mask, g);
    const got = spatialAutocorrelation(image, mask, g, 'fft');
    expect(got.moran).toBeCloseTo(want.moran, 10);
    expect(got.geary).toBeCloseTo(want.geary, 10);
  });
});

const PHANTOM = ['ibsi/digital_phantom/phantom.nii.gz', 'ibsi/digital_phantom/mask.nii.gz', 'ibsi/reference_values/ibsi_1_dig_phantom.csv'];

describeWithReferenceData('spatial autocorrelation of the IBSI-1 digital phantom', PHANTOM, () => {
  /** Reference value and tolerance of a tag in the IBSI-1 table (`value;tolerance;tag`). */
  function reference(tag: string): { value: number; tolerance: number } {
    const row = readFileSync(referencePath('ibsi', 'reference_values', 'ibsi_1_dig_phantom.csv'), 'utf8')
      .split(/\r?\n/)
      .map((line) => line.split(';'))
      .find((cols) => cols[2]?.trim() === tag)!;
    return { value: Number(row[0]), tolerance: Number(row[1]) };
  }

  const image = readImage(referencePath('ibsi', 'digital_phantom', 'phantom.nii.gz'));
  const mask = readImage(referencePath('ibsi', 'digital_phantom', 'mask.nii.gz'));
  const values = Float64Array.from(image.data);
  const roi = Uint8Array.from(mask.data, (v) => (v === 1 ? 1 : 0));

  it.each(['pairs', 'fft'] as const)('method %s meets the reference values (3 significant digits, within tolerance)', (method) => {
    const got = spatialAutocorrelation(values, roi, image.geometry, method);
    for (const [tag, value] of [
      ['morph_moran_i', got.moran],
      ['morph_geary_c', got.geary],
    ] as const) {
      const ref = reference(tag);
      expect(Math.abs(Number(value.toPrecision(3)) - ref.value)).toBeLessThanOrEqual(ref.tolerance + 1e-12);
    }
    const want = bruteForce(values, roi, image.geometry);
    expect(got.moran).toBeCloseTo(want.moran, 12);
    expect(got.geary).toBeCloseTo(want.geary, 12);
  });
});
