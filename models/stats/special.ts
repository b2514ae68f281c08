// Special functions behind the p-values and confidence limits: log-gamma, the regularised incomplete gamma
// functions, the normal and χ² distributions. Double precision throughout, no tables beyond Stirling's series.
import { ModelInputError } from './errors';

const HALF_LN_TWO_PI = 0.5 * Math.log(2 * Math.PI);
const EPS = 1e-16;
const TINY = 1e-300;

/** ln Γ(x), x > 0: Stirling's series with Bernoulli terms up to B14 after shifting x ≥ 10 (Abramowitz & Stegun 6.1.40, 6.1.15). */
export function lnGamma(x: number): number {
  if (!(x > 0)) throw new ModelInputError(`${x} (expected a positive number)`, 'lnGamma argument');
  let shift = 0;
  let z = x;
  let product = 1;
  while (z < 10) {
    product *= z;
    z += 1;
    shift++;
  }
  const z2 = z * z;
  // 1/12z − 1/360z³ + 1/1260z⁵ − 1/1680z⁷ + 1/1188z⁹ − 691/360360z¹¹ + 1/156z¹³
  const series =
    (1 / z) *
    (1 / 12 + (1 / z2) * (-1 / 360 + (1 / z2) * (1 / 1260 + (1 / z2) * (-1 / 1680 + (1 / z2) * (1 / 1188 + (1 / z2) * (-691 / 360360 + 1 / z2 / 156))))));
  const stirling = (z - 0.5) * Math.log(z) - z + HALF_LN_TWO_PI + series;
  return shift > 0 ? stirling - Math.log(product) : stirling;
}

function checkGammaArgs(a: number, x: number): void {
  if (!(a > 0) || !Number.isFinite(a)) throw new ModelInputError(`shape ${a} (expected a positive number)`, 'incomplete gamma');
  if (!(x >= 0)) throw new ModelInputError(`argument ${x} (expected x ≥ 0)`, 'incomplete gamma');
}

// P(a, x) by its power series, for x < a + 1 (Numerical Recipes 3rd ed. §6.2, gser).
function gammaSeries(a: number, x: number): number {
  let ap = a;
  let term = 1 / a;
  let sum = term;
  for (let n = 0; n < 10000; n++) {
    ap += 1;
    term *= x / ap;
    sum += term;
    if (Math.abs(term) < Math.abs(sum) * EPS) break;
  }
  return sum * Math.exp(-x + a * Math.log(x) - lnGamma(a));
}

// Q(a, x) by its continued fraction (modified Lentz), for x ≥ a + 1 (Numerical Recipes 3rd ed. §6.2, gcf).
function gammaContinuedFraction(a: number, x: number): number {
  let b = x + 1 - a;
  let c = 1 / TINY;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 10000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < TINY) d = TINY;
    c = b + an / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < EPS) break;
  }
  return Math.exp(-x + a * Math.log(x) - lnGamma(a)) * h;
}

/** Regularised lower incomplete gamma P(a, x) = γ(a, x) / Γ(a). */
export function regularizedGammaP(a: number, x: number): number {
  checkGammaArgs(a, x);
  if (x === 0) return 0;
  if (x === Infinity) return 1;
  return x < a + 1 ? gammaSeries(a, x) : 1 - gammaContinuedFraction(a, x);
}

/** Regularised upper incomplete gamma Q(a, x) = 1 − P(a, x), accurate in the upper tail. */
export function regularizedGammaQ(a: number, x: number): number {
  checkGammaArgs(a, x);
  if (x === 0) return 1;
  if (x === Infinity) return 0;
  return x < a + 1 ? 1 - gammaSeries(a, x) : gammaContinuedFraction(a, x);
}

/** erfc(t) = Q(1/2, t²) for t ≥ 0 (Abramowitz & Stegun 7.1.2 with 6.5.17), reflected for t < 0. */
export function erfc(t: number): number {
  if (Number.isNaN(t)) return NaN;
  return t >= 0 ? regularizedGammaQ(0.5, t * t) : 2 - regularizedGammaQ(0.5, t * t);
}

/** Standard normal upper tail 1 − Φ(z) = erfc(z/√2)/2. */
export function normalSf(z: number): number {
  return 0.5 * erfc(z / Math.SQRT2);
}

/** Standard normal distribution function Φ(z). */
export function normalCdf(z: number): number {
  return normalSf(-z);
}

/** Φ⁻¹(p) by bisection on the lower tail Φ(x) = min(p, 1 − p), where Φ has full relative precision (0 < p < 1). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new ModelInputError(`${p} (expected 0 < p < 1)`, 'normal quantile');
  const q = p > 0.5 ? 1 - p : p;
  let lo = -40;
  let hi = 0;
  for (let i = 0; i < 200; i++) {
    const mid = 0.5 * (lo + hi);
    if (mid === lo || mid === hi) break;
    if (normalCdf(mid) < q) lo = mid;
    else hi = mid;
  }
  const x = 0.5 * (lo + hi);
  return p > 0.5 ? -x : x;
}

/** Upper tail of the χ² distribution with df degrees of freedom: Q(df/2, x/2). */
export function chiSquareSf(x: number, df: number): number {
  if (!(df > 0)) throw new ModelInputError(`${df} (expected a positive number of degrees of freedom)`, 'chi-square df');
  if (!(x >= 0)) throw new ModelInputError(`${x} (expected a statistic ≥ 0)`, 'chi-square statistic');
  return regularizedGammaQ(df / 2, x / 2);
}
