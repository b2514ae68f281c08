// Writes the nnU-Net v2 raw dataset Dataset501_OsteoSynth from the study's synthetic generator, for train_tiny.sh:
//
//   npx tsx models/segmentation/nnunet/make_raw_dataset.ts --out models/segmentation/nnunet/work/raw [--seed 611] [--patients 10]
//
// imagesTr/<case>_0000.nii.gz = T1CE, <case>_0001.nii.gz = T2, labelsTr/<case>.nii.gz (tumour = 1) at the generator's
// default 64 × 64 × 32 grid (1.5 × 1.5 × 3 mm). The seed must never be 4242, the held-out seed the tests score on.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { renderVisit } from '../../../synthetic';
import { TIMEPOINTS } from '../../../synthetic/manifest';
import { writeNifti } from '../../../imaging/io';

const DATASET = 'Dataset501_OsteoSynth';
const HELD_OUT_SEED = 4242;

function option(argv: string[], name: string, fallback?: string): string {
  const i = argv.indexOf(name);
  const value = i >= 0 ? argv[i + 1] : fallback;
  if (value === undefined) throw new Error(`usage: make_raw_dataset.ts --out DIR [--seed 611] [--patients 10]; missing ${name}`);
  return value;
}

function main(argv: string[]): void {
  const out = path.join(option(argv, '--out'), DATASET);
  const seed = Number(option(argv, '--seed', '611'));
  const patients = Number(option(argv, '--patients', '10'));
  if (seed === HELD_OUT_SEED) throw new Error(`seed ${HELD_OUT_SEED} is the held-out test seed`);
  mkdirSync(path.join(out, 'imagesTr'), { recursive: true });
  mkdirSync(path.join(out, 'labelsTr'), { recursive: true });
  let n = 0;
  for (let p = 1; p <= patients; p++) {
    const pseudonym = `SYN-${String(p).padStart(3, '0')}`;
    for (const timepoint of TIMEPOINTS) {
      const visit = renderVisit({ seed, patients }, pseudonym, timepoint);
      const id = `osteo_s${seed}_${pseudonym.replace('-', '')}_${timepoint}`;
      writeNifti(path.join(out, 'imagesTr', `${id}_0000.nii.gz`), visit.images.T1CE);
      writeNifti(path.join(out, 'imagesTr', `${id}_0001.nii.gz`), visit.images.T2);
      writeNifti(path.join(out, 'labelsTr', `${id}.nii.gz`), visit.mask);
      n++;
    }
  }
  const datasetJson = {
    name: DATASET,
    description: `osteoflow synthetic study, seed ${seed}, ${patients} patients × ${TIMEPOINTS.length} visits (test fixture, not clinical)`,
    channel_names: { '0': 'T1CE', '1': 'T2' },
    labels: { background: 0, tumour: 1 },
    numTraining: n,
    file_ending: '.nii.gz',
  };
  writeFileSync(path.join(out, 'dataset.json'), `${JSON.stringify(datasetJson, null, 2)}\n`);
  console.log(`${out}: ${n} cases (seed ${seed}, ${patients} patients × ${TIMEPOINTS.length} visits)`);
}

main(process.argv.slice(2));
