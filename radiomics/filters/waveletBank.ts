// Decomposition filters of the wavelets the wavelet image type supports, as PyWavelets defines them
// (pywt.Wavelet(name).dec_lo; dec_hi[k] = (−1)^(k+1) · dec_lo[F−1−k] for these orthogonal wavelets).
import { RadiomicsInputError } from '../../imaging/errors';

export interface WaveletBank {
  name: string;
  lo: Float64Array;
  hi: Float64Array;
}

const SQRT2 = Math.SQRT2;
const SQRT3 = Math.sqrt(3);

const DEC_LO: Readonly<Record<string, readonly number[]>> = {
  // Haar: 1/√2 · [1, 1].
  haar: [1 / SQRT2, 1 / SQRT2],
  db1: [1 / SQRT2, 1 / SQRT2],
  // Daubechies 2 in closed form: [1 − √3, 3 − √3, 3 + √3, 1 + √3] / (4√2).
  db2: [(1 - SQRT3) / (4 * SQRT2), (3 - SQRT3) / (4 * SQRT2), (3 + SQRT3) / (4 * SQRT2), (1 + SQRT3) / (4 * SQRT2)],
  // Coiflet 1 (PyRadiomics' default), PyWavelets' coefficients.
  coif1: [-0.015655728135791993, -0.07273261951252645, 0.3848648468648578, 0.8525720202116004, 0.3378976624574818, -0.07273261951252645],
};

export const SUPPORTED_WAVELETS: readonly string[] = Object.keys(DEC_LO);

export function waveletBank(name: string): WaveletBank {
  const lo = DEC_LO[name];
  if (!lo) {
    throw new RadiomicsInputError(`wavelet ${name} is not available in this engine`, {
      field: 'setting.wavelet',
      expected: `one of ${SUPPORTED_WAVELETS.join(', ')}`,
    });
  }
  const f = lo.length;
  const hi = lo.map((_, k) => (k % 2 === 0 ? -1 : 1) * lo[f - 1 - k]);
  return { name, lo: Float64Array.from(lo), hi: Float64Array.from(hi) };
}
