// Sums shared by the gray-level × size matrices (GLRLM run lengths, GLSZM zone sizes, GLDM dependence sizes).

/** Σ_a Σ_c P(a,c)·f(level_a, size_c) / total; P is row-major with sizes varying fastest. */
export function sizeWeighted(P: Float64Array, levels: ArrayLike<number>, sizes: ArrayLike<number>, total: number, f: (i: number, j: number) => number): number {
  const ns = sizes.length;
  let s = 0;
  for (let a = 0; a < levels.length; a++) for (let c = 0; c < ns; c++) s += P[a * ns + c] * f(levels[a], sizes[c]);
  return s / total;
}

export function sumOfSquares(v: Float64Array): number {
  let s = 0;
  for (let k = 0; k < v.length; k++) s += v[k] * v[k];
  return s;
}

/** Variance of `values` under the distribution marginal/total. */
export function marginalVariance(marginal: Float64Array, values: Float64Array, total: number): number {
  let mean = 0;
  for (let k = 0; k < values.length; k++) mean += (marginal[k] / total) * values[k];
  let v = 0;
  for (let k = 0; k < values.length; k++) v += (marginal[k] / total) * (values[k] - mean) ** 2;
  return v;
}
