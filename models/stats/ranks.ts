// Ranks with ties given their average (mid-ranks), 1-based: the ranking behind Mann–Whitney, DeLong and Spearman.
import type { Numbers } from './checks';

export function midranks(values: Numbers): Float64Array {
  const n = values.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => values[a] - values[b]);
  const ranks = new Float64Array(n);
  let i = 0;
  while (i < n) {
    let j = i;
    while (j + 1 < n && values[order[j + 1]] === values[order[i]]) j++;
    const rank = (i + j) / 2 + 1; // average of the 1-based positions i+1 … j+1
    for (let k = i; k <= j; k++) ranks[order[k]] = rank;
    i = j + 1;
  }
  return ranks;
}
