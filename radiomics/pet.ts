// PET volumetrics inside a tumour mask: SUVmax, SUVmean, metabolic tumour volume (MTV) and total lesion glycolysis
// (TLG = MTV × SUVmean of the MTV region), by the two thresholds used in osteosarcoma response studies:
// 40 % of SUVmax (relative) and SUV ≥ 2.5 (absolute). (Boellaard et al., EANM guideline 2015, §MTV/TLG.)
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
