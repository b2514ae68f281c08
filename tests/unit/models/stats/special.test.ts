// Special functions vs SciPy 1.17.1 (scipy.special.gammainc/gammaincc/gammaln, scipy.stats.norm, scipy.stats.chi2),
// values in fixtures/python-reference.json "special".
import { chiSquareSf, lnGamma, normalCdf, normalQuantile, normalSf, regularizedGammaP, regularizedGammaQ } from '../../../../models/stats/special';
import { ModelInputError } from '../../../../models/stats/errors';
import { expectClose, inputs, python } from '../fixtures';

const sf = inputs.special;
const ref = python.special;

describe('special functions against SciPy', () => {
  it('regularised incomplete gamma P and Q', () => {
    sf.gamma.forEach(([a, x], i) => {
      expectClose(regularizedGammaP(a, x), ref.gammaP[i], 1e-14);
      expectClose(regularizedGammaQ(a, x), ref.gammaQ[i], 1e-14);
    });
  });

  it('log-gamma', () => {
    sf.gamma.forEach(([a], i) => expectClose(lnGamma(a), ref.lnGamma[i], 1e-14));
  });

  it('normal distribution function, upper tail (relative in the far tail) and quantile', () => {
    sf.normal.forEach((z, i) => {
      expectClose(normalCdf(z), ref.normalCdf[i], 1e-15);
      expect(Math.abs(normalSf(z) / ref.normalSf[i] - 1)).toBeLessThan(1e-12);
    });
    sf.quantiles.forEach((q, i) => expectClose(normalQuantile(q), ref.normalQuantile[i], 1e-13));
  });

  it('χ² upper tail', () => {
    sf.chiSquare.forEach(([x, df], i) => expect(Math.abs(chiSquareSf(x, df) / ref.chiSquareSf[i] - 1)).toBeLessThan(1e-12));
  });

  it('rejects arguments outside the domain', () => {
    expect(() => normalQuantile(1)).toThrow(ModelInputError);
    expect(() => regularizedGammaP(-1, 2)).toThrow(/shape -1/);
    expect(() => chiSquareSf(-1, 3)).toThrow(/statistic/);
  });
});
