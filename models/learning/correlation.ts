// Rank and linear correlation between features, and the redundancy filter built on Spearman's ρ.
import { assertFinite, assertSameLength, type Numbers } from '../stats/checks';
import { ModelInputError } from '../stats/errors';
import { midranks } from '../stats/ranks';
import type { FeatureMatrix } from './featureMatrix';

/** Pearson's r; NaN when either variable is constant. */
export function pearson(a: Numbers, b: Numbers): number {
  assertSameLength(a, b, 'a', 'b');
  const n = a.length;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i] / n;
    mb += b[i] / n;
  }
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) ** 2;
    sbb += (b[i] - mb) ** 2;
  }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : NaN;
}

/** Spearman's ρ: Pearson's r of mid-ranks, so ties are handled (as scipy.stats.spearmanr); NaN for a constant variable. */
export function spearman(a: Numbers, b: Numbers): number {
  assertSameLength(a, b, 'a', 'b');
  assertFinite(a, 'a');
  assertFinite(b, 'b');
  if (a.length < 2) throw new ModelInputError(`${a.length} values (at least 2 needed)`, 'a');
  return pearson(midranks(a), midranks(b));
}

export interface RedundancyResult {
  kept: string[];
  /** Each dropped feature with the kept, more relevant feature it duplicates. */
  dropped: { feature: string; keptInstead: string; rho: number }[];
}

/**
 * Drops one of every pair with |ρ| > threshold (default 0.9), keeping the more relevant one: features are visited in
 * decreasing relevance and kept unless they correlate above the threshold with one already kept. Equal relevance
 * keeps the feature listed first.
 */
export function redundancyFilter(data: FeatureMatrix, relevance: Readonly<Record<string, number>>, threshold = 0.9): RedundancyResult {
  const order = data.names
    .map((name, j) => ({ name, j, rel: relevance[name] }))
    .map((f) => {
      if (f.rel === undefined || Number.isNaN(f.rel)) throw new ModelInputError('has no relevance score', `feature '${f.name}'`);
      return f;
    })
    .sort((a, b) => b.rel - a.rel || a.j - b.j);
  const ranks = data.columns.map((c) => midranks(c));
  const kept: { name: string; j: number }[] = [];
  const result: RedundancyResult = { kept: [], dropped: [] };
  for (const f of order) {
    let duplicate: { name: string; rho: number } | undefined;
    for (const k of kept) {
      const rho = pearson(ranks[f.j], ranks[k.j]);
      if (Math.abs(rho) > threshold) {
        duplicate = { name: k.name, rho };
        break;
      }
    }
    if (duplicate) result.dropped.push({ feature: f.name, keptInstead: duplicate.name, rho: duplicate.rho });
    else kept.push(f);
  }
  result.kept = kept.map((k) => k.name);
  return result;
}
