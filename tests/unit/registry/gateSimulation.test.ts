// The promotion gate's error rates by simulation (seeded, so every run gives the same numbers): 1,000 evaluation sets
// per scenario, scores from the binormal ROC model (Hanley 1988, Radiology 168:325 — latent score N(μ·y, 1), so
// AUC = Φ(μ/√2)) turned into calibrated probabilities (logit p = logit π + μ·z − μ²/2 is the exact posterior log-odds
// under that model). A useless challenger (true AUC 0.5) has random, not constant, predictions: an overfit model's.
// The sizes are the main job's locked hold-out (drawHoldout on its 24 patients: 10 good, 14 poor) and the sizes at
// which the gate starts to judge (its minimum evidence) and beyond, as a growing prospective ledger reaches them.
import { DEFAULT_GATE, drawHoldout, evaluateGate } from '../../../registry/promotionPolicy';
import { seededRandom } from '../../../models/stats/random';
import { normalQuantile } from '../../../models/stats/special';
import type { GateCheckName, GatePolicy } from '../../../contracts/models';

const SETS = 1000;
const random = seededRandom(20260517);
const normal = () => Math.sqrt(-2 * Math.log(1 - random.next())) * Math.cos(2 * Math.PI * random.next());
const sigma = (x: number) => 1 / (1 + Math.exp(-x));
const muOf = (auc: number) => Math.SQRT2 * normalQuantile(auc);

/** Share of simulated evaluation sets on which the gate promotes the challenger (or passes only `check`, when named). */
function promotionRate(
  events: number,
  nonEvents: number,
  challengerAuc: number,
  championAuc: number | null,
  options: { policy?: GatePolicy; check?: GateCheckName } = {},
  correlation = 0.5,
): number {
  const labels = [...Array<number>(events).fill(1), ...Array<number>(nonEvents).fill(0)];
  const patients = labels.map((_, i) => `P${i}`);
  const prior = Math.log(events / nonEvents);
  const probability = (mu: number, y: number, e: number) => (mu > 0 ? sigma(prior + mu * (mu * y + e) - (mu * mu) / 2) : sigma(prior + e));
  const mc = muOf(challengerAuc);
  const mk = championAuc === null ? 0 : muOf(championAuc);
  let promoted = 0;
  for (let s = 0; s < SETS; s++) {
    const challenger: number[] = [];
    const champion: number[] = [];
    for (const y of labels) {
      const e1 = normal();
      const e2 = correlation * e1 + Math.sqrt(1 - correlation ** 2) * normal();
      challenger.push(probability(mc, y, e1));
      champion.push(probability(mk, y, e2));
    }
    const gate = evaluateGate({
      patients,
      labels,
      challenger: { probabilities: challenger, missing: [] },
      champion: championAuc === null ? undefined : { probabilities: champion, missing: [] },
      policy: options.policy,
    });
    if (options.check ? gate.checks.find((c) => c.name === options.check)!.passed : gate.passed) promoted++;
  }
  return promoted / SETS;
}

// The main job's hold-out: a quarter of each class of its 24 patients (seed 7: 10 good and 14 poor responders).
const mainJob = (() => {
  const y = [...Array<number>(10).fill(1), ...Array<number>(14).fill(0)];
  const ids = y.map((_, i) => `SYN-${String(i + 1).padStart(3, '0')}`);
  const held = new Set(drawHoldout(ids, y));
  const events = ids.filter((id, i) => held.has(id) && y[i] === 1).length;
  return { events, nonEvents: held.size - events };
})();

const SIZES: [string, number, number][] = [
  ['main-job hold-out', mainJob.events, mainJob.nonEvents],
  ['minimum evidence', DEFAULT_GATE.minEvents, DEFAULT_GATE.minNonEvents],
  ['grown ledger', 20, 20],
];

describe('promotion gate by simulation (1,000 evaluation sets per scenario)', () => {
  const rows: string[] = [];
  afterAll(() => console.log(`promotion rates (share of ${SETS} simulated evaluation sets):\n${rows.join('\n')}`));

  it('uses the main job’s hold-out of 3 good and 4 poor responders', () => {
    expect(mainJob).toEqual({ events: 3, nonEvents: 4 });
  });

  it.each(SIZES)(
    'promotes a useless challenger (true AUC 0.5) at most 5 %% of the time, alone or against a champion at 0.85 (%s)',
    (label, events, nonEvents) => {
      const alone = promotionRate(events, nonEvents, 0.5, null);
      const against = promotionRate(events, nonEvents, 0.5, 0.85);
      rows.push(
        `  ${label} (${events} good, ${nonEvents} poor): AUC 0.5 alone ${(100 * alone).toFixed(1)} %, AUC 0.5 vs champion 0.85 ${(100 * against).toFixed(1)} %`,
      );
      expect(alone).toBeLessThanOrEqual(0.05);
      expect(against).toBeLessThanOrEqual(0.05);
    },
  );

  it('needs its evidence floor: on the main job’s hold-out the DeLong bound alone passes a useless challenger above 5 %', () => {
    const lowered = { ...DEFAULT_GATE, minEvents: 2, minNonEvents: 2 };
    const small = promotionRate(mainJob.events, mainJob.nonEvents, 0.5, null, { policy: lowered, check: 'discrimination' });
    const floor = promotionRate(DEFAULT_GATE.minEvents, DEFAULT_GATE.minNonEvents, 0.5, null, { policy: lowered, check: 'discrimination' });
    rows.push(
      `  evidence floor lowered to 2 of each, discrimination bound alone, AUC 0.5: ${(100 * small).toFixed(1)} % at ${mainJob.events}/${mainJob.nonEvents}, ${(100 * floor).toFixed(1)} % at ${DEFAULT_GATE.minEvents}/${DEFAULT_GATE.minNonEvents}`,
    );
    expect(small).toBeGreaterThan(0.05);
    expect(floor).toBeLessThanOrEqual(0.05);
  });

  it.each(SIZES)(
    'reports how often a truly better challenger (AUC 0.90 vs champion 0.80) and a good one with no champion (0.85) are promoted (%s)',
    (label, events, nonEvents) => {
      const better = promotionRate(events, nonEvents, 0.9, 0.8);
      const alone = promotionRate(events, nonEvents, 0.85, null);
      rows.push(
        `  ${label} (${events} good, ${nonEvents} poor): AUC 0.90 vs champion 0.80 ${(100 * better).toFixed(1)} %, AUC 0.85 alone ${(100 * alone).toFixed(1)} %`,
      );
      if (events < DEFAULT_GATE.minEvents || nonEvents < DEFAULT_GATE.minNonEvents) {
        // Too few to show anything: insufficient evidence, however good the challenger.
        expect(better).toBe(0);
        expect(alone).toBe(0);
      } else {
        // Where it judges, the gate is not a wall: a good model alone passes most of the time.
        expect(alone).toBeGreaterThan(0.5);
        expect(better).toBeGreaterThan(0.15);
      }
    },
  );
});
