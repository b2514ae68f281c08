// Derived-image names as PyRadiomics builds them, which embed Python's str() of a float setting.

/**
 * Python 3's repr of a float: shortest round-trip digits, '.0' on integral values, and exponent notation below 1e-4
 * or from 1e16 on ('1e-05', '1.5e+16'). Parameter files are read into JavaScript numbers, so `sigma: [1]` (a YAML
 * int, which PyRadiomics prints as '1') is named as `sigma: [1.0]` is; PyRadiomics' own examples write floats.
 */
export function pythonFloatText(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const [mantissa, exponentText] = x.toExponential().split('e');
  const exponent = Number(exponentText);
  if (exponent < -4 || exponent >= 16) {
    return `${mantissa}e${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }
  const text = String(x);
  return /[.e]/.test(text) ? text : `${text}.0`;
}

/** imageoperations.getLoGImage: 'log-sigma-%s-mm-3D' % str(sigma).replace('.', '-'). */
export function logImageName(sigma: number): string {
  return `log-sigma-${pythonFloatText(sigma).replace(/\./g, '-')}-mm-3D`;
}

/** imageoperations.getWaveletImage: the first level unnumbered ('wavelet-LLH'), later ones 'wavelet2-LLH', …. */
export function waveletImageName(levelIndex: number, bands: string): string {
  return levelIndex === 1 ? `wavelet-${bands}` : `wavelet${levelIndex}-${bands}`;
}
