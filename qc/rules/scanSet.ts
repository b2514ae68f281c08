// Rules over the scan set as filed: is every required modality there, and is each file filed once.
import { finding } from './finding';
import type { QcFinding } from '../../contracts/qc';
import type { ScanSetRule } from '../types';

export const modalityMissing: ScanSetRule = {
  codes: ['modality-missing'],
  check({ images, requiredModalities }) {
    const present = new Set(images.map((i) => i.modality));
    return requiredModalities.filter((m) => !present.has(m)).map((m) => finding('modality-missing', `${m}: required modality missing`, m));
  },
};

/** The same bytes filed under two modalities: one of them is the wrong sequence. */
export const duplicateImage: ScanSetRule = {
  codes: ['duplicate-image'],
  check({ images }) {
    const bySha = new Map<string, string>();
    const out: QcFinding[] = [];
    for (const image of images) {
      const twin = bySha.get(image.sha256);
      if (twin) out.push(finding('duplicate-image', `${image.modality}: byte-identical to ${twin} (wrong modality filed?)`, image.modality));
      else bySha.set(image.sha256, image.modality);
    }
    return out;
  },
};
