// Writes one synthetic visit from the study generator as NIfTI files, for the Python worker's tests:
//
//   npx tsx workers/torch/tests/render_visit.ts --seed 4242 --patients 3 --pseudonym SYN-001 --timepoint preop --out DIR
//
// DIR/T1CE.nii.gz, DIR/T2.nii.gz … (every modality the generator renders) and DIR/mask.nii.gz (the generator's truth,
// tumour = 1), at the default 64 × 64 × 32 grid unless --size x,y,z is given; --modalities T1CE,T2 writes only those.
// Prints the written paths as JSON.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { renderVisit } from '../../../synthetic';
import { TIMEPOINTS, type TimepointName } from '../../../synthetic/manifest';
import { writeNifti } from '../../../imaging/io';
import type { Vec3 } from '../../../imaging/image';

function option(argv: string[], name: string, fallback?: string): string {
  const i = argv.indexOf(name);
  const value = i >= 0 ? argv[i + 1] : fallback;
  if (value === undefined) {
    throw new Error(
      `usage: render_visit.ts --seed N --patients N --pseudonym SYN-001 --timepoint ${TIMEPOINTS.join('|')} --out DIR [--size x,y,z] [--modalities T1CE,T2]; missing ${name}`,
    );
  }
  return value;
}

function main(argv: string[]): void {
  const seed = Number(option(argv, '--seed'));
  const patients = Number(option(argv, '--patients'));
  const pseudonym = option(argv, '--pseudonym');
  const timepoint = option(argv, '--timepoint') as TimepointName;
  const out = option(argv, '--out');
  const sizeText = argv.includes('--size') ? option(argv, '--size') : undefined;
  const size = sizeText ? (sizeText.split(',').map(Number) as Vec3) : undefined;
  const only = argv.includes('--modalities') ? option(argv, '--modalities').split(',') : undefined;
  const visit = renderVisit({ seed, patients, ...(size ? { size } : {}) }, pseudonym, timepoint);
  mkdirSync(out, { recursive: true });
  if (only) {
    const unknown = only.filter((m) => !(m in visit.images));
    if (unknown.length > 0) throw new Error(`--modalities: expected some of ${Object.keys(visit.images).join(', ')}, got ${unknown.join(', ')}`);
  }
  const files: Record<string, string> = {};
  for (const [modality, volume] of Object.entries(visit.images)) {
    if (only && !only.includes(modality)) continue;
    files[modality] = path.join(out, `${modality}.nii.gz`);
    writeNifti(files[modality], volume);
  }
  files.mask = path.join(out, 'mask.nii.gz');
  writeNifti(files.mask, visit.mask);
  console.log(JSON.stringify({ seed, patients, pseudonym, timepoint, files }));
}

main(process.argv.slice(2));
