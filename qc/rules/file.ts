// Rules about each image file itself: can it be read, and does its own header agree with where it was filed.
import { finding } from './finding';
import type { ImageRule } from '../types';

export const unreadable: ImageRule = {
  codes: ['unreadable'],
  check({ modality, error }) {
    return error ? [finding('unreadable', `${modality}: unreadable (${error.message})`, modality)] : [];
  },
};

/** DICOM Modality tags expected for each acquisition (NIfTI and NRRD carry none, so they are not checked). */
const DICOM_MODALITY: Readonly<Record<string, string>> = { PET: 'PT', CT: 'CT', T1: 'MR', T1CE: 'MR', T2: 'MR', FLAIR: 'MR', ADC: 'MR', DWI: 'MR', DCE: 'MR' };

export const modalityTagMismatch: ImageRule = {
  codes: ['modality-tag-mismatch'],
  check({ modality, volume }) {
    const tag = (volume as { modality?: string } | undefined)?.modality;
    const expected = DICOM_MODALITY[modality];
    return tag && expected && tag !== expected
      ? [finding('modality-tag-mismatch', `${modality}: DICOM Modality is ${tag}, expected ${expected}`, modality)]
      : [];
  },
};
