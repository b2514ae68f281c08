// Laplacian of Gaussian, as PyRadiomics' imageoperations.getLoGImage computes it with SimpleITK's
// LaplacianRecursiveGaussianImageFilter (NormalizeAcrossScale on): Σ_d σ² ∂²(G_σ * I)/∂x_d², in mm, with ITK's
// recursive Gaussians (recursiveGaussian.ts). IBSI-1 §2.x "Laplacian of Gaussian"; sigma in mm.
//
// ITK sums, for each axis d, the second derivative along d smoothed along the two other axes. The passes along
// different axes commute, so they are ordered to compute only what the caller's region needs: the first pass runs
// over every line (a recursive filter needs whole lines), the later ones only over lines that cross the region.
import { RadiomicsInputError } from '../../imaging/errors';
import type { Vec3, Volume, VoxelArray } from '../../imaging/image';
import { alongAxis, type Block, type LineFilter } from './axisPass';
import { logImageName } from './naming';
import { recursiveGaussianCoefficients, recursiveLineFilter } from './recursiveGaussian';
import { boxSize, realArrayFor, regionImage, resolveRegion, type IndexBox, type RegionImage } from './region';

export interface LogSettings {
  sigma: number[];
}

/** Checks PyRadiomics' size rules, which it answers with a warning and no image; here they are errors. */
export function checkLogInput(image: Volume, sigmas: readonly number[]): void {
  const { size, spacing } = image.geometry;
  if (sigmas.length === 0) {
    throw new RadiomicsInputError('LoG is enabled without any sigma', {
      field: 'imageType.LoG.sigma',
      expected: 'a list of filter widths in mm, e.g. sigma: [1.0, 3.0]',
    });
  }
  // getLoGImage: "the image size must be at least 4 voxels in each dimension" (ITK's recursive filters need 4).
  if (Math.min(...size) < 4) {
    throw new RadiomicsInputError(`image of ${size.join('×')} voxels is too small for the LoG filter`, {
      file: image.source,
      field: 'imageType.LoG',
      expected: 'at least 4 voxels along every axis',
    });
  }
  for (const sigma of sigmas) {
    if (!(sigma > 0)) {
      throw new RadiomicsInputError(`sigma ${sigma} is not positive`, { field: 'imageType.LoG.sigma', expected: 'sigma > 0 (mm)' });
    }
    // getLoGImage: numpy.all(size >= numpy.ceil(sigma / spacing) + 1), else the sigma is skipped.
    const axis = [0, 1, 2].find((a) => size[a] < Math.ceil(sigma / spacing[a]) + 1);
    if (axis !== undefined) {
      const largest = Math.min(...[0, 1, 2].map((a) => (size[a] - 1) * spacing[a]));
      throw new RadiomicsInputError(`sigma ${sigma} mm is too large for the image: ${size[axis]} voxels of ${spacing[axis]} mm along axis ${'xyz'[axis]}`, {
        file: image.source,
        field: 'imageType.LoG.sigma',
        expected: `sigma ≤ ${+largest.toPrecision(6)} mm for this image (size ≥ ceil(sigma / spacing) + 1 along every axis)`,
      });
    }
  }
}

/**
 * The axis order with the least work: a pass filters every line of what the passes before it kept (two filters in
 * the first pass, three in each later one), running each line's causal half to the kept range's end and its
 * anti-causal half back to the range's start.
 */
function passOrder(size: Vec3, box: IndexBox): number[] {
  const orders = [
    [0, 1, 2],
    [0, 2, 1],
    [1, 0, 2],
    [1, 2, 0],
    [2, 0, 1],
    [2, 1, 0],
  ];
  const lineShare = (a: number) => (box.upper[a] + 1 + size[a] - box.lower[a]) / (2 * size[a]);
  const kept = (a: number) => (box.upper[a] - box.lower[a] + 1) / size[a];
  const cost = ([p, q, r]: number[]) => 2 * lineShare(p) + 3 * kept(p) * lineShare(q) + 3 * kept(p) * kept(q) * lineShare(r);
  return orders.reduce((best, o) => (cost(o) < cost(best) ? o : best));
}

/** The LoG response of one sigma over `region` (whole image by default). */
export function logImage(image: Volume, sigma: number, region?: IndexBox): RegionImage {
  checkLogInput(image, [sigma]);
  const box = resolveRegion(image, region);
  const { size, spacing } = image.geometry;
  const full: Block<VoxelArray> = { data: image.data, size: [...size] as Vec3 };
  const smooth = [0, 1, 2].map((a) => recursiveLineFilter(recursiveGaussianCoefficients(sigma, spacing[a], 0, true)));
  const second = [0, 1, 2].map((a) => recursiveLineFilter(recursiveGaussianCoefficients(sigma, spacing[a], 2, true)));
  const extent = boxSize(box);
  const [a1, a2, a3] = passOrder(size, box);
  const keep = (a: number): [number, number] => [box.lower[a], box.upper[a]];

  // ITK keeps float (float32) images between the passes of LaplacianRecursiveGaussianImageFilter ("to save memory").
  const pass = (input: Block<VoxelArray>, axis: number, filters: LineFilter[]) => alongAxis(input, axis, ...keep(axis), filters, Float32Array);
  const [s1, d1] = pass(full, a1, [smooth[a1], second[a1]]);
  const [s2s1, d2s1] = pass(s1, a2, [smooth[a2], second[a2]]);
  const terms: Block['data'][] = [];
  // ∂²/∂a1² smoothed along a2 and a3; ∂²/∂a2² smoothed along a1 and a3; ∂²/∂a3² smoothed along a1 and a2.
  terms[a1] = pass(pass(d1, a2, [smooth[a2]])[0], a3, [smooth[a3]])[0].data;
  terms[a2] = pass(d2s1, a3, [smooth[a3]])[0].data;
  terms[a3] = pass(s2s1, a3, [second[a3]])[0].data;

  // LaplacianRecursiveGaussianImageFilter: cumulative (float) += term_d · (1 / spacing_d²), axes in order.
  const n = extent[0] * extent[1] * extent[2];
  const out = realArrayFor(image.data, n);
  const w = [0, 1, 2].map((a) => 1 / (spacing[a] * spacing[a]));
  sumTerms(out, terms, w);
  return regionImage(image, box, out);
}

/** out = float(float(t0·w0) + t1·w1) + t2·w2 voxel by voxel (apart from logImage, so that it is optimised once). */
function sumTerms(out: Float32Array | Float64Array, [t0, t1, t2]: Block['data'][], w: number[]): void {
  for (let i = 0; i < out.length; i++) out[i] = Math.fround(Math.fround(t0[i] * w[0]) + t1[i] * w[1]) + t2[i] * w[2];
}

/** getLoGImage: one derived image per sigma, named 'log-sigma-<sigma>-mm-3D'. */
export function* logImages(image: Volume, settings: LogSettings, region?: IndexBox): Generator<RegionImage & { name: string }> {
  checkLogInput(image, settings.sigma);
  for (const sigma of settings.sigma) yield { name: logImageName(sigma), ...logImage(image, sigma, region) };
}
