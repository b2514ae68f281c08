// The fault plan of a chaos campaign: which faults, at which moments, against what — drawn from the seed alone, so
// that a campaign can be run again with the same plan. Pure data; the injectors and the driver carry it out.
import { Rng } from '../../synthetic/random';

export const FAULT_KINDS = ['kill-pipeline-worker', 'kill-segmentation-worker', 'restart-temporal', 'restart-mlflow', 'store-unwritable', 'bad-file'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** Hostile files a site might send: each has one reason the pipeline must give for it (badFiles.ts). */
export const BAD_FILE_VARIANTS = ['truncated-scan', 'symlink-scan', 'flipped-mask', 'relabelled-mask'] as const;
export type BadFileVariant = (typeof BAD_FILE_VARIANTS)[number];

/** One patient's timepoint; `patient` indexes the synthetic study's patients. */
export interface Visit {
  patient: number;
  timepoint: string;
}

export const visitKey = (v: Visit): string => `${v.patient}/${v.timepoint}`;

export type PlannedFault = { atMs: number } & (
  | { kind: 'kill-pipeline-worker'; slot: number; restartAfterMs: number }
  | { kind: 'kill-segmentation-worker'; restartAfterMs: number }
  | { kind: 'restart-temporal' | 'restart-mlflow'; downMs: number }
  | { kind: 'store-unwritable'; forMs: number }
  | { kind: 'bad-file'; variant: BadFileVariant; visit: Visit; modality: string }
);

export interface FaultPlan {
  seed: number;
  /** Faults fall within this many ms after the study starts. */
  horizonMs: number;
  /** In the order they fire. */
  faults: PlannedFault[];
  /** Visits sent without a manual mask, so that the segmentation worker makes theirs. */
  automatic: Visit[];
  /** When each visit's scans are sent; a visit that gets a bad file is sent by its fault instead. */
  registrations: Array<{ visit: Visit; atMs: number }>;
}

export interface PlanOptions {
  seed: number;
  faults: number;
  patients: number;
  timepoints: readonly string[];
  modalities: readonly string[];
  pipelineWorkers: number;
}

/** How often each kind is drawn once every kind has appeared once: worker deaths are the commonest fault. */
const WEIGHTS: Record<FaultKind, number> = {
  'kill-pipeline-worker': 3,
  'kill-segmentation-worker': 1.5,
  'restart-temporal': 1.5,
  'restart-mlflow': 1.5,
  'store-unwritable': 1.5,
  'bad-file': 2,
};

const SCAN_VARIANTS: readonly BadFileVariant[] = ['truncated-scan', 'symlink-scan'];
/** About one visit in four leaves its mask to automatic segmentation. */
const AUTOMATIC_SHARE = 0.25;
/** Registrations are spread over this share of the horizon, so that faults keep meeting work in flight. */
const REGISTRATION_SHARE = 0.75;
const MIN_GAP_MS = 2000;

export function planFaults(options: PlanOptions): FaultPlan {
  const { seed, faults: count, patients, timepoints, modalities } = options;
  if (!Number.isInteger(count) || count < 0) throw new Error(`faults: expected a whole number ≥ 0, got ${count}`);
  if (!Number.isInteger(patients) || patients < 1) throw new Error(`patients: expected a whole number ≥ 1, got ${patients}`);
  const rng = Rng.stream(seed, 'chaos-plan', patients, count);
  // Visits in waves (every baseline, then every mid, …), the order a study's scans arrive in.
  const visits: Visit[] = timepoints.flatMap((timepoint) => Array.from({ length: patients }, (_, patient) => ({ patient, timepoint })));
  const horizonMs = Math.max(60000, count * 8000, visits.length * 4000);
  // At most half the visits get a bad file: the rest of the study must still run under the other faults.
  const maxBadFiles = Math.floor(visits.length / 2);

  const kinds: FaultKind[] = rng.shuffle(FAULT_KINDS).slice(0, Math.min(count, FAULT_KINDS.length));
  while (kinds.length < count)
    kinds.push(
      rng.pick(
        FAULT_KINDS,
        FAULT_KINDS.map((k) => WEIGHTS[k]),
      ),
    );
  for (let i = 0, bad = 0; i < kinds.length; i++) {
    if (kinds[i] === 'bad-file' && ++bad > maxBadFiles) kinds[i] = 'kill-pipeline-worker';
  }
  const order = rng.shuffle(kinds);

  const times = Array.from({ length: count }, () => Math.round(rng.uniform(0.05, 1) * horizonMs)).sort((a, b) => a - b);
  for (let i = 1; i < times.length; i++) times[i] = Math.max(times[i], times[i - 1] + MIN_GAP_MS);

  const targets = rng.shuffle(visits);
  const variants = rng.shuffle(BAD_FILE_VARIANTS);
  let badFiles = 0;
  const faults = order.map((kind, i): PlannedFault => {
    const atMs = times[i];
    switch (kind) {
      case 'kill-pipeline-worker':
        return { kind, atMs, slot: rng.int(0, options.pipelineWorkers - 1), restartAfterMs: rng.int(1000, 6000) };
      case 'kill-segmentation-worker':
        return { kind, atMs, restartAfterMs: rng.int(1000, 6000) };
      case 'restart-temporal':
      case 'restart-mlflow':
        return { kind, atMs, downMs: rng.int(2000, 8000) };
      case 'store-unwritable':
        return { kind, atMs, forMs: rng.int(10000, 40000) };
      case 'bad-file': {
        // Dealt round-robin, so every variant appears once there are at least as many bad files as variants.
        const variant = variants[badFiles % variants.length];
        const visit = targets[badFiles++];
        const modality = SCAN_VARIANTS.includes(variant) ? rng.pick(modalities) : 'mask';
        return { kind, atMs, variant, visit, modality };
      }
    }
  });

  const badVisits = new Set(faults.flatMap((f) => (f.kind === 'bad-file' ? [visitKey(f.visit)] : [])));
  const maskVisits = new Set(faults.flatMap((f) => (f.kind === 'bad-file' && f.modality === 'mask' ? [visitKey(f.visit)] : [])));
  const candidates = visits.filter((v) => !maskVisits.has(visitKey(v)));
  const automatic = rng.shuffle(candidates).slice(0, Math.max(1, Math.round(visits.length * AUTOMATIC_SHARE)));
  const regular = visits.filter((v) => !badVisits.has(visitKey(v)));
  const spacing = regular.length > 1 ? (REGISTRATION_SHARE * horizonMs) / (regular.length - 1) : 0;
  const registrations = regular.map((visit, i) => ({ visit, atMs: Math.round(i * spacing) }));
  return { seed, horizonMs, faults, automatic, registrations };
}

/** Planned faults by kind, every kind listed. */
export function countByKind(faults: readonly { kind: FaultKind }[]): Record<FaultKind, number> {
  const counts = Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>;
  for (const f of faults) counts[f.kind] += 1;
  return counts;
}
