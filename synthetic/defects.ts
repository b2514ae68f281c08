// Which scans get which defect. A rate r turns round(r × patients × 3) visits (at least one when r > 0) into defective
// ones, drawn without replacement; the requested kinds are dealt round-robin, so every kind appears once there are
// at least as many defects as kinds. How each kind is made and seen is documented on SyntheticDefect (manifest.ts).
import { DEFECT_KINDS, MODALITIES, TIMEPOINTS, type DefectKind, type Modality, type ProtocolTimepoint, type SyntheticDefect } from './manifest';
import { Rng } from './random';
import { pseudonymOf } from './cohort';

const MR_MODALITIES: Modality[] = ['T1CE', 'T2', 'ADC'];

export interface DefectOptions {
  /** Fraction of visits (patient × timepoint) with one defect, 0–1. */
  rate: number;
  kinds?: DefectKind[];
}

export function validateDefectOptions(defects: DefectOptions | undefined): { rate: number; kinds: DefectKind[] } {
  if (!defects) return { rate: 0, kinds: [...DEFECT_KINDS] };
  const { rate } = defects;
  if (typeof rate !== 'number' || !Number.isFinite(rate) || rate < 0 || rate > 1) {
    throw new Error(`defects.rate: expected a number from 0 to 1, got ${JSON.stringify(rate)}`);
  }
  const kinds = defects.kinds ?? [...DEFECT_KINDS];
  if (!Array.isArray(kinds) || kinds.length === 0) throw new Error(`defects.kinds: expected a non-empty list of ${DEFECT_KINDS.join(', ')}`);
  for (const k of kinds) {
    if (!DEFECT_KINDS.includes(k)) throw new Error(`defects.kinds: unknown kind ${JSON.stringify(k)} (expected ${DEFECT_KINDS.join(', ')})`);
  }
  return { rate, kinds: [...new Set(kinds)] };
}

/** Plans the defects of a study; `slice` (missing-slice) is chosen by the caller, who knows the tumour. */
export function planDefects(seed: number, patients: number, rate: number, kinds: DefectKind[], protocol: ProtocolTimepoint[]): SyntheticDefect[] {
  if (rate === 0) return [];
  const visits = patients * TIMEPOINTS.length;
  const count = Math.min(visits, Math.max(1, Math.round(rate * visits)));
  const rng = Rng.stream(seed, 'defects', patients, rate, kinds.join(','));
  const slots = rng.shuffle(Array.from({ length: visits }, (_, i) => i)).slice(0, count);
  const dealt = rng.shuffle(kinds);
  const defects = slots.map((slot, i): [number, SyntheticDefect] => [slot, defectAt(slot, dealt[i % dealt.length])]);
  // Patient, then timepoint order: the manifest lists them as a reader expects.
  return defects.sort((a, b) => a[0] - b[0]).map(([, d]) => d);

  function defectAt(slot: number, kind: DefectKind): SyntheticDefect {
    const patient = Math.floor(slot / TIMEPOINTS.length);
    const visit = slot % TIMEPOINTS.length;
    const base = { pseudonym: pseudonymOf(patient), timepoint: TIMEPOINTS[visit] };
    switch (kind) {
      case 'missing-slice': {
        const modality = rng.pick(MODALITIES);
        return { kind, ...base, modality, description: `${modality}: one z-slice inside the tumour is all zeros` };
      }
      case 'truncated-file': {
        const modality = rng.pick(MODALITIES);
        const keptFraction = Math.round(rng.uniform(0.3, 0.85) * 100) / 100;
        return { kind, ...base, modality, keptFraction, description: `${modality}: gzip stream cut after ${Math.round(keptFraction * 100)} % of its bytes` };
      }
      case 'wrong-modality': {
        const modality = rng.pick(MR_MODALITIES);
        const holds = rng.pick(MR_MODALITIES.filter((m) => m !== modality));
        return { kind, ...base, modality, holds, description: `${modality}: the file is a copy of this visit's ${holds}` };
      }
      case 'late-scan': {
        const daysLate = rng.int(3, 21);
        const window = protocol[visit].dueWindow;
        return { kind, ...base, modality: null, daysLate, description: `scanned ${daysLate} days after the due window (day ${window.toDay})` };
      }
    }
  }
}
