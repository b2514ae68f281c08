// Prospective performance from the prediction ledger: each model version's frozen predictions, made before the
// patient's pathology was recorded and for patients it was not trained on, scored against that pathology once it
// arrives — the temporal validation a re-used hold-out cannot give (Steyerberg & Harrell 2016, J Clin Epidemiol 69:245).
import { delongAuc } from './stats/delong';
import { ModelInputError } from './stats/errors';
import { auc } from './stats/roc';
import { GOOD_RESPONSE_NECROSIS_PCT } from './dataset';
import type { ProspectivePrediction } from '../store/types';

export interface ProspectivePerformance {
  model: string;
  version: string;
  patients: number;
  /** Good responders (necrosis ≥ 90 %) among them. */
  events: number;
  /** Null until both outcomes are present. */
  auc: number | null;
  /** DeLong 95 % CI; null until there are two patients of each outcome. */
  aucCi: [number, number] | null;
}

/** AUC per model version over its prospective predictions (one per patient: the last before the pathology). */
export function prospectivePerformance(scored: readonly ProspectivePrediction[]): ProspectivePerformance[] {
  const groups = new Map<string, { model: string; version: string; p: number[]; y: number[] }>();
  for (const s of scored) {
    const key = `${s.entry.model}@${s.entry.modelVersion}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { model: s.entry.model, version: s.entry.modelVersion, p: [], y: [] }));
    g.p.push(s.entry.probability);
    g.y.push(s.necrosisPct >= GOOD_RESPONSE_NECROSIS_PCT ? 1 : 0);
  }
  return [...groups.values()]
    .sort((a, b) => (a.model === b.model ? Number(a.version) - Number(b.version) || a.version.localeCompare(b.version) : a.model.localeCompare(b.model)))
    .map((g) => {
      const events = g.y.reduce((a, b) => a + b, 0);
      const both = events > 0 && events < g.y.length;
      let aucCi: [number, number] | null = null;
      if (Math.min(events, g.y.length - events) >= 2) {
        try {
          aucCi = delongAuc(g.p, g.y).ci;
        } catch (err) {
          if (!(err instanceof ModelInputError)) throw err;
        }
      }
      return { model: g.model, version: g.version, patients: g.y.length, events, auc: both ? auc(g.p, g.y) : null, aucCi };
    });
}
