// Exports synthetic training cases for train.py: each visit rendered by the study generator, put through the very
// preprocessing inference uses (prepareInput with the package's sidecar template: model grid, z-score per channel),
// and written as <case>_image.npy (float32 [C, z, y, x]) and <case>_mask.npy (uint8 [z, y, x]) with a cases.json.
//
//   npx tsx models/segmentation/training/make_dataset.ts --out models/segmentation/training/data/train \
//       --set 601:48:64,64,32 --set 602:12:96,96,48
//
// Each --set is seed:patients:size (size x,y,z at the generator's 1.5 × 1.5 × 3 mm when the size is not the default,
// i.e. a larger field of view around the same anatomy). Seeds used here must never be the held-out test seed.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { renderVisit } from '../../../synthetic';
import { TIMEPOINTS } from '../../../synthetic/manifest';
import { prepareInput } from '../inference/preprocess';
import { npyBytes as npy } from '../npy';
import { validateSidecar, type Vec3 } from '../sidecar';

function main(argv: string[]): void {
  const out = argv[argv.indexOf('--out') + 1];
  const sets = argv.flatMap((a, i) => (a === '--set' ? [argv[i + 1]] : []));
  if (argv.indexOf('--out') < 0 || !out || sets.length === 0) throw new Error('usage: make_dataset.ts --out DIR --set seed:patients:x,y,z [--set …]');
  const templateFile = path.join(__dirname, 'sidecar.template.json');
  const sidecar = validateSidecar(JSON.parse(readFileSync(templateFile, 'utf8')), templateFile);
  const modalities = sidecar.input.channels.map((c) => c.modality as 'T1CE' | 'T2');
  mkdirSync(out, { recursive: true });
  const cases: Array<{ id: string; seed: number; pseudonym: string; timepoint: string; size: Vec3; tumourVoxels: number }> = [];
  for (const set of sets) {
    const [seedText, patientsText, sizeText] = set.split(':');
    const seed = Number(seedText);
    const patients = Number(patientsText);
    const size = sizeText.split(',').map(Number) as Vec3;
    const isDefault = size[0] === 64 && size[1] === 64 && size[2] === 32;
    const options = { seed, patients, size, ...(isDefault ? {} : { spacing: sidecar.input.spacingMm }) };
    for (let p = 1; p <= patients; p++) {
      const pseudonym = `SYN-${String(p).padStart(3, '0')}`;
      for (const timepoint of TIMEPOINTS) {
        const visit = renderVisit(options, pseudonym, timepoint);
        const input = prepareInput(
          modalities.map((m) => visit.images[m]),
          sidecar,
        );
        const [nx, ny, nz] = input.geometry.size;
        const id = `s${seed}_${pseudonym}_${timepoint}`;
        writeFileSync(path.join(out, `${id}_image.npy`), npy(input.data, [input.channels, nz, ny, nx]));
        writeFileSync(path.join(out, `${id}_mask.npy`), npy(visit.mask.data, [nz, ny, nx]));
        cases.push({ id, seed, pseudonym, timepoint, size: input.geometry.size, tumourVoxels: visit.mask.data.reduce((a, b) => a + b, 0) });
      }
    }
    console.log(`seed ${seed}: ${patients} patients × ${TIMEPOINTS.length} visits at ${size.join('×')}`);
  }
  writeFileSync(path.join(out, 'cases.json'), `${JSON.stringify({ modalities, spacingMm: sidecar.input.spacingMm, cases }, null, 2)}\n`);
}

main(process.argv.slice(2));
