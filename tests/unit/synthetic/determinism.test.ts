// Same seed → byte-identical study; another seed → different files; a patient's data does not depend on the
// study's size or its defects.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readNifti } from '../../../imaging/io/nifti';
import { MODALITIES, generateStudy, renderVisit, writeStudy, type StudyOptions } from '../../../synthetic';
import { listFiles, tempDir } from './support';

const SMALL: Pick<StudyOptions, 'size'> = { size: [32, 32, 16] };

describe('synthetic study determinism', () => {
  const dir = tempDir('synthetic-determinism');
  afterAll(() => dir.remove());

  it('writes byte-identical files and manifests for the same seed, and different ones for another seed', () => {
    const options = { seed: 1234, patients: 2, defects: { rate: 0.5 }, ...SMALL };
    const a = join(dir.path, 'a');
    const b = join(dir.path, 'b');
    const c = join(dir.path, 'c');
    writeStudy({ ...options, outDir: a });
    writeStudy({ ...options, outDir: b });
    writeStudy({ ...options, seed: 1235, outDir: c });

    const files = listFiles(a);
    expect(files).toContain('manifest.json');
    expect(files.filter((f) => f.endsWith('.nii.gz')).length).toBeGreaterThanOrEqual(2 * 3 * 5);
    expect(listFiles(b)).toEqual(files);
    for (const f of files) expect(readFileSync(join(b, f)).equals(readFileSync(join(a, f)))).toBe(true);

    const clean = files.filter((f) => /^SYN-001\/baseline\/(T1CE|T2|ADC|PET|mask)\.nii\.gz$/.test(f));
    expect(clean).toHaveLength(5);
    for (const f of clean) expect(readFileSync(join(c, f)).equals(readFileSync(join(a, f)))).toBe(false);
  });

  it('returns from writeStudy the manifest that generateStudy plans, and that manifest.json holds', () => {
    const outDir = join(dir.path, 'm');
    const options = { seed: 9, patients: 1, defects: { rate: 1 }, ...SMALL };
    const written = writeStudy({ ...options, outDir });
    expect(written).toEqual(generateStudy(options));
    expect(JSON.parse(readFileSync(join(outDir, 'manifest.json'), 'utf8'))).toEqual(written);
  });

  it('plans patient k the same in a study of 3 and of 10 patients, with or without defects', () => {
    const small = generateStudy({ seed: 77, patients: 3 });
    const large = generateStudy({ seed: 77, patients: 10, defects: { rate: 0.3, kinds: ['missing-slice'] } });
    for (let i = 0; i < 3; i++) {
      const { timepoints: ts, ...rest } = small.patients[i];
      const { timepoints: tl, ...restLarge } = large.patients[i];
      expect(restLarge).toEqual(rest);
      // A missing slice leaves the schedule and the tumour alone.
      expect(tl.map((t) => [t.dayOffset, t.tumour])).toEqual(ts.map((t) => [t.dayOffset, t.tumour]));
    }
  });

  it('writes the clean files of a study with defects exactly as without them', () => {
    const options = { seed: 31, patients: 2, ...SMALL };
    const clean = join(dir.path, 'clean');
    const faulty = join(dir.path, 'faulty');
    writeStudy({ ...options, outDir: clean });
    const manifest = writeStudy({ ...options, defects: { rate: 0.5, kinds: ['missing-slice', 'truncated-file', 'wrong-modality'] }, outDir: faulty });
    const touched = new Set(manifest.defects.map((d) => `${d.pseudonym}/${d.timepoint}/${d.modality}.nii.gz`));
    expect(touched.size).toBe(3);
    let compared = 0;
    for (const f of listFiles(clean)) {
      if (f === 'manifest.json' || touched.has(f)) continue;
      expect(readFileSync(join(faulty, f)).equals(readFileSync(join(clean, f)))).toBe(true);
      compared++;
    }
    expect(compared).toBe(2 * 3 * 5 - 3);
  });
});

describe('renderVisit', () => {
  const dir = tempDir('synthetic-render');
  afterAll(() => dir.remove());

  it('returns the voxels that writeStudy writes for a clean visit', () => {
    const options = { seed: 8, patients: 2, ...SMALL };
    const manifest = writeStudy({ ...options, outDir: dir.path });
    const tp = manifest.patients[1].timepoints[1];
    const visit = renderVisit(options, 'SYN-002', 'mid');
    expect(Array.from(readNifti(join(dir.path, tp.files.mask)).data)).toEqual(Array.from(visit.mask.data));
    for (const m of MODALITIES) expect(Array.from(readNifti(join(dir.path, tp.files[m])).data)).toEqual(Array.from(visit.images[m].data));
    expect(() => renderVisit(options, 'SYN-003', 'mid')).toThrow(/pseudonym/);
    expect(() => renderVisit(options, 'SYN-001', 'week6' as never)).toThrow(/timepoint/);
  });
});
