// Each defect kind appears when asked for, is recorded in the manifest, and is detectable as manifest.ts documents;
// defective scans come with a clean re-scan.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import { readNifti } from '../../../imaging/io/nifti';
import { RadiomicsInputError } from '../../../imaging/errors';
import { sameGeometry, type Volume } from '../../../imaging/image';
import { DEFECT_KINDS, MODALITIES, generateStudy, writeStudy, type Modality, type SyntheticStudyManifest } from '../../../synthetic';
import { niftiDescription, sha256, tempDir } from './support';

/** z indices of slices whose voxels all hold one value. */
function constantSlices(v: Volume): number[] {
  const [nx, ny, nz] = v.geometry.size;
  const out: number[] = [];
  for (let z = 0; z < nz; z++) {
    const first = v.data[z * nx * ny];
    let constant = true;
    for (let i = 1; i < nx * ny && constant; i++) constant = v.data[z * nx * ny + i] === first;
    if (constant) out.push(z);
  }
  return out;
}

describe('synthetic study defects', () => {
  const dir = tempDir('synthetic-defects');
  let manifest: SyntheticStudyManifest;
  const file = (relative: string) => join(dir.path, relative);
  beforeAll(() => {
    // 2 patients × 3 visits at rate 1: six defects dealt round-robin over the four kinds.
    manifest = writeStudy({ seed: 2024, patients: 2, defects: { rate: 1 }, size: [32, 32, 16], outDir: dir.path });
  });
  afterAll(() => dir.remove());

  const ofKind = (kind: string) => manifest.defects.filter((d) => d.kind === kind);

  it('records every requested kind, one per defective visit, with patient, timepoint and modality', () => {
    expect(manifest.defects).toHaveLength(6);
    for (const kind of DEFECT_KINDS) expect(ofKind(kind).length).toBeGreaterThanOrEqual(1);
    for (const p of manifest.patients) {
      for (const tp of p.timepoints) {
        expect(tp.defects).toHaveLength(1);
        const d = tp.defects[0];
        expect([d.pseudonym, d.timepoint]).toEqual([p.pseudonym, tp.name]);
        expect(d.modality === null).toBe(d.kind === 'late-scan');
        expect(manifest.defects).toContainEqual(d);
      }
    }
  });

  it('missing-slice: the recorded z-slice is all zeros, crosses the tumour, and no other slice is constant; the re-scan has none', () => {
    for (const d of ofKind('missing-slice')) {
      const tp = manifest.patients.find((p) => p.pseudonym === d.pseudonym)!.timepoints.find((t) => t.name === d.timepoint)!;
      const image = readNifti(file(tp.files[d.modality!]));
      expect(sameGeometry(image.geometry, manifest.geometry)).toBe(true);
      expect(constantSlices(image)).toEqual([d.slice]);
      const plane = image.geometry.size[0] * image.geometry.size[1];
      expect(image.data[d.slice! * plane]).toBe(0);
      const mask = readNifti(file(tp.files.mask)).data.subarray(d.slice! * plane, (d.slice! + 1) * plane);
      expect(mask.some((v) => v === 1)).toBe(true);
      const rescan = readNifti(file(tp.rescanFiles![d.modality!]!));
      expect(constantSlices(rescan)).toEqual([]);
      expect(tp.rescanDayOffset!).toBeGreaterThan(tp.dayOffset);
    }
  });

  it('truncated-file: the gzip stream is cut, readNifti fails with a RadiomicsInputError; the re-scan reads', () => {
    for (const d of ofKind('truncated-file')) {
      const tp = manifest.patients.find((p) => p.pseudonym === d.pseudonym)!.timepoints.find((t) => t.name === d.timepoint)!;
      const path = file(tp.files[d.modality!]);
      expect(() => gunzipSync(readFileSync(path))).toThrow();
      expect(() => readNifti(path)).toThrow(RadiomicsInputError);
      expect(sameGeometry(readNifti(file(tp.rescanFiles![d.modality!]!)).geometry, manifest.geometry)).toBe(true);
    }
  });

  it('wrong-modality: the file has the SHA-256 of the modality it holds and its descrip names that modality; the re-scan is right', () => {
    for (const d of ofKind('wrong-modality')) {
      const tp = manifest.patients.find((p) => p.pseudonym === d.pseudonym)!.timepoints.find((t) => t.name === d.timepoint)!;
      const target = d.modality!;
      const holds = d.holds!;
      expect(holds).not.toBe(target);
      expect(sha256(file(tp.files[target]))).toBe(sha256(file(tp.files[holds])));
      expect(niftiDescription(gunzipSync(readFileSync(file(tp.files[target]))))).toContain(` ${holds} `);
      const rescan = file(tp.rescanFiles![target]!);
      expect(sha256(rescan)).not.toBe(sha256(file(tp.files[holds])));
      expect(niftiDescription(gunzipSync(readFileSync(rescan)))).toContain(` ${target} `);
    }
  });

  it('late-scan: the day offset lies after the due window by daysLate, files are clean and no re-scan is written', () => {
    for (const d of ofKind('late-scan')) {
      const p = manifest.patients.find((x) => x.pseudonym === d.pseudonym)!;
      const tp = p.timepoints.find((t) => t.name === d.timepoint)!;
      expect(tp.dayOffset).toBe(tp.dueWindow.toDay + d.daysLate!);
      expect(d.daysLate!).toBeGreaterThan(0);
      expect(Date.parse(tp.date)).toBe(Date.parse(p.treatmentStartDate) + tp.dayOffset * 86_400_000);
      expect(tp.rescanFiles).toBeUndefined();
      expect(p.pathology.surgeryDayOffset).toBeGreaterThan(tp.dayOffset);
      const hashes = new Set<string>();
      for (const m of MODALITIES) {
        const image = readNifti(file(tp.files[m]));
        expect(constantSlices(image)).toEqual([]);
        hashes.add(sha256(file(tp.files[m])));
      }
      expect(hashes.size).toBe(MODALITIES.length);
    }
  });

  it('deals only the requested kinds at the requested rate, and none at rate 0', () => {
    expect(generateStudy({ seed: 1, patients: 10 }).defects).toEqual([]);
    const some = generateStudy({ seed: 1, patients: 10, defects: { rate: 0.1, kinds: ['truncated-file', 'late-scan'] } });
    expect(some.defects).toHaveLength(3);
    expect(new Set(some.defects.map((d) => d.kind))).toEqual(new Set(['truncated-file', 'late-scan']));
    const modalities = new Set<Modality | null>(some.defects.map((d) => d.modality));
    for (const m of modalities) expect(m === null || MODALITIES.includes(m)).toBe(true);
  });

  it('rejects a bad rate or kind with the option’s name', () => {
    expect(() => generateStudy({ seed: 1, patients: 1, defects: { rate: 1.5 } })).toThrow(/defects\.rate/);
    expect(() => generateStudy({ seed: 1, patients: 1, defects: { rate: 0.1, kinds: [] } })).toThrow(/defects\.kinds/);
    expect(() => generateStudy({ seed: 1, patients: 1, defects: { rate: 0.1, kinds: ['blurred' as never] } })).toThrow(/unknown kind "blurred"/);
  });
});
