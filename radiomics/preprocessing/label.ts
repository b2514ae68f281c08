// Label selection: turns a label map into a 0/1 ROI mask for one label (PyRadiomics imageoperations.getMask).
import { RadiomicsInputError } from '../errors';
import type { Volume } from '../image';

/** Distinct non-zero labels present in a label map, ascending. */
export function labelsPresent(mask: Volume): number[] {
  const seen = new Set<number>();
  const data = mask.data;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v !== 0) seen.add(v);
  }
  return [...seen].sort((a, b) => a - b);
}

/**
 * 1 where the label map equals `label`, 0 elsewhere. Errors as PyRadiomics does: an empty mask
 * ("nothing is segmented") and a label that is absent (listing the labels that are present).
 */
export function selectLabel(mask: Volume, label: number): Uint8Array {
  const data = mask.data;
  const out = new Uint8Array(data.length);
  let count = 0;
  let anyLabel = false;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v === label) {
      out[i] = 1;
      count++;
    } else if (v !== 0) {
      anyLabel = true;
    }
  }
  if (count === 0) {
    if (!anyLabel) {
      throw new RadiomicsInputError('No labels found in this mask (i.e. nothing is segmented)', {
        file: mask.source,
        field: 'mask',
        expected: 'at least one voxel with a non-zero label',
      });
    }
    throw new RadiomicsInputError(`Label (${label}) not present in mask. Choose from [${labelsPresent(mask).join(', ')}]`, {
      file: mask.source,
      field: 'label',
      expected: `one of ${labelsPresent(mask).join(', ')}`,
    });
  }
  return out;
}
