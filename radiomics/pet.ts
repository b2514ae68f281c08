// PET volumetrics inside a tumour mask: SUVmax, SUVmean, metabolic tumour volume (MTV) and total lesion glycolysis
// (TLG = MTV × SUVmean of the MTV region), by the two thresholds used in osteosarcoma response studies:
// 40 % of SUVmax (relative) and SUV ≥ 2.5 (absolute). (Boellaard et al., EANM guideline 2015, §MTV/TLG.)
// SUVpeak (1 cm³ sphere) and SUV normalised to lean body mass (SUL) follow below.
import type { Volume } from '../imaging/image';
import { RadiomicsInputError } from '../imaging/errors';

export interface PetVolumetrics {
  SUVmax: number;
  SUVmean: number;
  /** ml */
  MTV40: number;
  TLG40: number;
  /** ml */
  MTV2p5: number;
  TLG2p5: number;
}

export function petVolumetrics(suv: Volume, mask: Volume, label = 1): PetVolumetrics {
  if (suv.data.length !== mask.data.length) {
    throw new RadiomicsInputError('PET image and mask differ in size', { file: mask.source, field: 'size', expected: `${suv.geometry.size.join('×')}` });
  }
  const voxelMl = (suv.geometry.spacing[0] * suv.geometry.spacing[1] * suv.geometry.spacing[2]) / 1000;
  let max = -Infinity;
  let sum = 0;
  let n = 0;
  for (let i = 0; i < mask.data.length; i++) {
    if (mask.data[i] !== label) continue;
    const v = suv.data[i];
    if (v > max) max = v;
    sum += v;
    n++;
  }
  if (n === 0) throw new RadiomicsInputError(`mask has no voxel with label ${label}`, { file: mask.source, field: 'label', expected: 'a non-empty ROI' });
  const region = (threshold: number) => {
    let count = 0;
    let total = 0;
    for (let i = 0; i < mask.data.length; i++) {
      if (mask.data[i] === label && suv.data[i] >= threshold) {
        count++;
        total += suv.data[i];
      }
    }
    const mtv = count * voxelMl;
    return { mtv, tlg: count ? mtv * (total / count) : 0 };
  };
  const relative = region(0.4 * max);
  const absolute = region(2.5);
  return { SUVmax: max, SUVmean: sum / n, MTV40: relative.mtv, TLG40: relative.tlg, MTV2p5: absolute.mtv, TLG2p5: absolute.tlg };
}

const { ceil, abs, max: maxOf } = Math;

/** EANM / QIBA SUVpeak sphere: 1 cm³, radius (3/(4π))^(1/3) cm = 6.2 mm. */
export const SUV_PEAK_RADIUS_MM = 6.2;

export interface SuvPeakOptions {
  /** Sphere radius, mm (default 6.2: a 1 cm³ sphere). */
  radiusMm?: number;
  /**
   * `weighted` (default): each voxel counts with the fraction of its volume inside the sphere, estimated on a
   * `subsamples`³ grid of points per voxel (voxels wholly inside count 1, wholly outside 0);
   * `centre`: voxels whose centre lies within the sphere count 1, the others 0.
   */
  partial?: 'weighted' | 'centre';
  /** Points per voxel axis for `weighted` (default 10). */
  subsamples?: number;
  /** Tumour label (default 1). */
  label?: number;
}

export interface SuvPeak {
  /** The highest weighted mean SUV of a sphere centred on a tumour voxel. */
  SUVpeak: number;
  /** Voxel index (x, y, z) of that sphere's centre. */
  centre: [number, number, number];
  /** Sum of the kernel's weights × voxel volume, ml (≈ the sphere's volume). */
  kernelMl: number;
}

/** Sphere weights on the voxel grid: offsets (dx, dy, dz) and weights of the voxels the sphere touches. */
export function sphereKernel(spacing: readonly number[], radius: number, partial: 'weighted' | 'centre' = 'weighted', subsamples = 10) {
  const reach = spacing.map((s) => ceil(radius / s + 0.5));
  const offsets: number[] = [];
  const weights: number[] = [];
  for (let dz = -reach[2]; dz <= reach[2]; dz++) {
    for (let dy = -reach[1]; dy <= reach[1]; dy++) {
      for (let dx = -reach[0]; dx <= reach[0]; dx++) {
        const c = [dx * spacing[0], dy * spacing[1], dz * spacing[2]];
        let w: number;
        if (partial === 'centre') {
          w = c[0] ** 2 + c[1] ** 2 + c[2] ** 2 <= radius * radius ? 1 : 0;
        } else {
          // Nearest and farthest points of the voxel box from the sphere's centre.
          let near = 0;
          let far = 0;
          for (let a = 0; a < 3; a++) {
            const h = spacing[a] / 2;
            near += maxOf(0, abs(c[a]) - h) ** 2;
            far += (abs(c[a]) + h) ** 2;
          }
          if (far <= radius * radius) w = 1;
          else if (near >= radius * radius) w = 0;
          else {
            let inside = 0;
            for (let k = 0; k < subsamples; k++) {
              const z = c[2] + ((k + 0.5) / subsamples - 0.5) * spacing[2];
              for (let j = 0; j < subsamples; j++) {
                const y = c[1] + ((j + 0.5) / subsamples - 0.5) * spacing[1];
                for (let i = 0; i < subsamples; i++) {
                  const x = c[0] + ((i + 0.5) / subsamples - 0.5) * spacing[0];
                  if (x * x + y * y + z * z <= radius * radius) inside++;
                }
              }
            }
            w = inside / subsamples ** 3;
          }
        }
        if (w > 0) {
          offsets.push(dx, dy, dz);
          weights.push(w);
        }
      }
    }
  }
  return { offsets: Int32Array.from(offsets), weights: Float64Array.from(weights) };
}

/**
 * SUVpeak (Wahl et al. 2009, J Nucl Med 50:122S, PERCIST; Boellaard et al. 2015, EANM guideline v2.0): the highest
 * mean SUV within a 1 cm³ sphere centred on any voxel of the tumour; the sphere may reach outside the tumour. Voxels
 * of the sphere beyond the image's edge are left out and the mean taken over the rest.
 */
export function suvPeak(suv: Volume, mask: Volume, options: SuvPeakOptions = {}): SuvPeak {
  if (suv.data.length !== mask.data.length) {
    throw new RadiomicsInputError('PET image and mask differ in size', { file: mask.source, field: 'size', expected: `${suv.geometry.size.join('×')}` });
  }
  const radius = options.radiusMm ?? SUV_PEAK_RADIUS_MM;
  if (!(radius > 0 && Number.isFinite(radius))) throw new RadiomicsInputError(`radius ${radius} mm`, { field: 'radiusMm', expected: 'a radius > 0 mm' });
  const subsamples = options.subsamples ?? 10;
  if (!(Number.isInteger(subsamples) && subsamples >= 1))
    throw new RadiomicsInputError(`${subsamples} sub-samples`, { field: 'subsamples', expected: 'a positive integer' });
  const label = options.label ?? 1;
  const g = suv.geometry;
  const [nx, ny, nz] = g.size;
  const { offsets, weights } = sphereKernel(g.spacing, radius, options.partial ?? 'weighted', subsamples);
  const k = weights.length;
  let best = -Infinity;
  let centre: [number, number, number] = [0, 0, 0];
  const d = suv.data;
  for (let z = 0, i = 0; z < nz; z++) {
    for (let y = 0; y < ny; y++) {
      for (let x = 0; x < nx; x++, i++) {
        if (mask.data[i] !== label) continue;
        let sum = 0;
        let total = 0;
        for (let j = 0; j < k; j++) {
          const xx = x + offsets[3 * j];
          const yy = y + offsets[3 * j + 1];
          const zz = z + offsets[3 * j + 2];
          if (xx < 0 || yy < 0 || zz < 0 || xx >= nx || yy >= ny || zz >= nz) continue;
          const w = weights[j];
          sum += w * d[xx + nx * (yy + ny * zz)];
          total += w;
        }
        const mean = sum / total;
        if (mean > best) {
          best = mean;
          centre = [x, y, z];
        }
      }
    }
  }
  if (best === -Infinity)
    throw new RadiomicsInputError(`mask has no voxel with label ${label}`, { file: mask.source, field: 'label', expected: 'a non-empty ROI' });
  let kernel = 0;
  for (let j = 0; j < k; j++) kernel += weights[j];
  return { SUVpeak: best, centre, kernelMl: (kernel * g.spacing[0] * g.spacing[1] * g.spacing[2]) / 1000 };
}

export type Sex = 'male' | 'female';
export type LeanBodyMassFormula = 'james' | 'janmahasatian';

/**
 * Lean body mass, kg, from weight (kg) and height (cm).
 * James (1976, Research on Obesity, HMSO): male 1.10·W − 128·(W/H)², female 1.07·W − 148·(W/H)².
 * Janmahasatian et al. (2005, Clin Pharmacokinet 44:1051): male 9270·W/(6680 + 216·BMI), female 9270·W/(8780 + 244·BMI),
 * BMI = W/(H/100)². James' formula falls, and turns negative, at high BMI: such a value is refused.
 */
export function leanBodyMass(weightKg: number, heightCm: number, sex: Sex, formula: LeanBodyMassFormula = 'janmahasatian'): number {
  if (!(weightKg > 0 && Number.isFinite(weightKg))) throw new RadiomicsInputError(`weight ${weightKg}`, { field: 'weight', expected: 'a body weight > 0 kg' });
  if (!(heightCm > 0 && Number.isFinite(heightCm))) throw new RadiomicsInputError(`height ${heightCm}`, { field: 'height', expected: 'a height > 0 cm' });
  if (sex !== 'male' && sex !== 'female') throw new RadiomicsInputError(`sex '${String(sex)}'`, { field: 'sex', expected: 'male or female' });
  let lbm: number;
  if (formula === 'james') {
    const r = weightKg / heightCm;
    lbm = sex === 'male' ? 1.1 * weightKg - 128 * r * r : 1.07 * weightKg - 148 * r * r;
  } else if (formula === 'janmahasatian') {
    const bmi = weightKg / (heightCm / 100) ** 2;
    lbm = sex === 'male' ? (9270 * weightKg) / (6680 + 216 * bmi) : (9270 * weightKg) / (8780 + 244 * bmi);
  } else {
    throw new RadiomicsInputError(`formula '${String(formula)}'`, { field: 'formula', expected: 'james or janmahasatian' });
  }
  if (!(lbm > 0 && lbm <= weightKg)) {
    throw new RadiomicsInputError(`${formula} lean body mass ${lbm.toFixed(1)} kg for ${weightKg} kg, ${heightCm} cm`, {
      field: 'formula',
      expected: "a lean body mass between 0 and the weight (James' formula fails at high BMI: use janmahasatian)",
    });
  }
  return lbm;
}

/** SUV normalised to lean body mass (SUL) from SUVbw: SUL = SUVbw × LBM / weight (Wahl et al. 2009, PERCIST). */
export function suvLeanBodyMass(
  suvBw: Volume,
  patient: { weightKg: number; heightCm: number; sex: Sex },
  formula: LeanBodyMassFormula = 'janmahasatian',
): Volume<Float32Array> {
  const factor = leanBodyMass(patient.weightKg, patient.heightCm, patient.sex, formula) / patient.weightKg;
  const out = new Float32Array(suvBw.data.length);
  for (let i = 0; i < out.length; i++) out[i] = suvBw.data[i] * factor;
  return { geometry: suvBw.geometry, data: out, source: suvBw.source };
}

export type RetentionMetric = 'SUVmax' | 'SUVpeak' | 'SUVmean';

export interface DualTimePoint {
  metric: RetentionMetric;
  early: number;
  delayed: number;
  /** %: (delayed − early) / early × 100. */
  retentionIndex: number;
}

/**
 * Dual-time-point retention index, % (Kubota et al. 2001, Eur J Nucl Med 28:696; Matthies et al. 2002, J Nucl Med
 * 43:871): RI = (SUV_delayed − SUV_early) / SUV_early × 100. The early SUV must be > 0.
 */
export function retentionIndex(early: number, delayed: number, source?: string): number {
  if (!(early > 0 && Number.isFinite(early)))
    throw new RadiomicsInputError(`early SUV ${early}`, { file: source, field: 'early SUV', expected: 'an SUV > 0 on the early scan' });
  if (!Number.isFinite(delayed))
    throw new RadiomicsInputError(`delayed SUV ${delayed}`, { file: source, field: 'delayed SUV', expected: 'a finite SUV on the delayed scan' });
  return ((delayed - early) / early) * 100;
}

/**
 * The retention index of two PET scans of one visit (early, then delayed), each with its own tumour mask on its own
 * grid; the metric (SUVmax by default, as in the studies above; SUVpeak or SUVmean) is taken from each scan alone.
 */
export function dualTimePointRetention(
  early: { suv: Volume; mask: Volume },
  delayed: { suv: Volume; mask: Volume },
  options: { metric?: RetentionMetric; label?: number } = {},
): DualTimePoint {
  const metric = options.metric ?? 'SUVmax';
  const label = options.label ?? 1;
  const value = (scan: { suv: Volume; mask: Volume }) =>
    metric === 'SUVpeak' ? suvPeak(scan.suv, scan.mask, { label }).SUVpeak : petVolumetrics(scan.suv, scan.mask, label)[metric];
  const e = value(early);
  const d = value(delayed);
  return { metric, early: e, delayed: d, retentionIndex: retentionIndex(e, d, early.suv.source) };
}
