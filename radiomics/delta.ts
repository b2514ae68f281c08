// Delta-radiomics: the change of every feature between two timepoints, and the named deltas of the osteosarcoma
// literature (tumour volume change, ΔADC mean/min, %ΔSUVmax, ΔMTV, ΔTLG).

/**
 * Relative change (v − ref) / |ref|. Undefined (null) when |ref| is below `1e-9 · max(1, |v|)`: a feature that was 0
 * at the reference has no meaningful relative change, and dividing by a near-zero reference would only amplify noise.
 * Both zero → 0.
 */
export function relativeChange(value: number, reference: number): number | null {
  if (!Number.isFinite(value) || !Number.isFinite(reference)) return null;
  if (value === 0 && reference === 0) return 0;
  if (Math.abs(reference) < 1e-9 * Math.max(1, Math.abs(value))) return null;
  return (value - reference) / Math.abs(reference);
}

export interface FeatureDelta {
  feature: string;
  absolute: number;
  relative: number | null;
}

/** Deltas of every feature present in both sets (features missing on either side are skipped, not invented). */
export function featureDeltas(current: Record<string, number>, reference: Record<string, number>): FeatureDelta[] {
  const out: FeatureDelta[] = [];
  for (const [feature, value] of Object.entries(current)) {
    if (!(feature in reference)) continue;
    const ref = reference[feature];
    out.push({ feature, absolute: value - ref, relative: relativeChange(value, ref) });
  }
  return out;
}

/** Features by modality at one timepoint. */
export type FeaturesByModality = Record<string, Record<string, number>>;

/** Where each named delta reads its value: modality, feature, and whether the change is reported in % or absolute units. */
export const NAMED_DELTAS: Record<string, { modality: string; feature: string; as: 'percent' | 'absolute' }> = {
  volumeChangePct: { modality: 'T1CE', feature: 'original_shape_MeshVolume', as: 'percent' },
  deltaAdcMean: { modality: 'ADC', feature: 'original_firstorder_Mean', as: 'absolute' },
  deltaAdcMin: { modality: 'ADC', feature: 'original_firstorder_Minimum', as: 'absolute' },
  suvMaxChangePct: { modality: 'PET', feature: 'derived_pet_SUVmax', as: 'percent' },
  deltaMtv40: { modality: 'PET', feature: 'derived_pet_MTV40', as: 'absolute' },
  deltaTlg40: { modality: 'PET', feature: 'derived_pet_TLG40', as: 'absolute' },
  deltaMtv2p5: { modality: 'PET', feature: 'derived_pet_MTV2p5', as: 'absolute' },
  deltaTlg2p5: { modality: 'PET', feature: 'derived_pet_TLG2p5', as: 'absolute' },
};

export function namedDeltas(current: FeaturesByModality, baseline: FeaturesByModality): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const [name, { modality, feature, as }] of Object.entries(NAMED_DELTAS)) {
    const v = current[modality]?.[feature];
    const ref = baseline[modality]?.[feature];
    if (v === undefined || ref === undefined) out[name] = null;
    else if (as === 'absolute') out[name] = v - ref;
    else {
      const rel = relativeChange(v, ref);
      out[name] = rel === null ? null : 100 * rel;
    }
  }
  return out;
}
