// The manifest agrees with the files: every file exists on the manifest's grid, masks are non-empty and lie inside the
// tumour's ellipsoid, intensities are in each modality's units, and the clinical/pathology records are coherent.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readNifti } from '../../../imaging/io/nifti';
import { sameGeometry } from '../../../imaging/image';
import { generateStudy, writeStudy, MODALITIES, type SyntheticStudyManifest } from '../../../synthetic';
import { ellipsoidRadius, mean, tempDir } from './support';

describe('synthetic study manifest and files', () => {
  const dir = tempDir('synthetic-manifest');
  let manifest: SyntheticStudyManifest;
  beforeAll(() => {
    manifest = writeStudy({ seed: 7, patients: 3, outDir: dir.path });
  });
  afterAll(() => dir.remove());

  it('describes the default 64×64×32 grid at 1.5×1.5×3 mm, the generator and the protocol', () => {
    expect(manifest.geometry.size).toEqual([64, 64, 32]);
    expect(manifest.geometry.spacing).toEqual([1.5, 1.5, 3]);
    expect(manifest.generator).toEqual({ name: 'osteoflow-synthetic', version: expect.stringMatching(/^\d+\.\d+\.\d+$/) });
    expect(manifest.seed).toBe(7);
    expect(manifest.protocol.map((p) => p.name)).toEqual(['baseline', 'mid', 'preop']);
    expect(manifest.patients.map((p) => p.pseudonym)).toEqual(['SYN-001', 'SYN-002', 'SYN-003']);
    expect(manifest.defects).toEqual([]);
  });

  it('writes every listed file on the manifest grid with a non-empty mask inside the tumour ellipsoid', () => {
    const g = manifest.geometry;
    for (const patient of manifest.patients) {
      for (const tp of patient.timepoints) {
        expect(tp.files.mask).toBe(`${patient.pseudonym}/${tp.name}/mask.nii.gz`);
        const mask = readNifti(join(dir.path, tp.files.mask));
        expect(sameGeometry(mask.geometry, g)).toBe(true);
        expect(mask.data).toBeInstanceOf(Uint8Array);
        let inside = 0;
        let maxRadius = 0;
        let core = 0;
        let notBinary = 0;
        const [nx, ny, nz] = g.size;
        for (let k = 0, idx = 0; k < nz; k++) {
          for (let j = 0; j < ny; j++) {
            for (let i = 0; i < nx; i++, idx++) {
              const value = mask.data[idx];
              if (value !== 0 && value !== 1) notBinary++;
              const rho = ellipsoidRadius(g, tp.tumour, i, j, k);
              if (value === 1) {
                inside++;
                maxRadius = Math.max(maxRadius, rho);
              } else if (rho < 1 - tp.tumour.boundaryIrregularity - 1e-6) core++; // a voxel deep inside the ellipsoid left out
            }
          }
        }
        const voxelMl = (g.spacing[0] * g.spacing[1] * g.spacing[2]) / 1000;
        expect(inside * voxelMl).toBeGreaterThan(1); // mL: at least a small tumour
        expect(maxRadius).toBeLessThanOrEqual(1 + tp.tumour.boundaryIrregularity + 1e-6);
        expect(core).toBe(0);
        expect(notBinary).toBe(0);
        for (const m of MODALITIES) {
          const file = join(dir.path, tp.files[m]);
          expect(existsSync(file)).toBe(true);
          const image = readNifti(file);
          expect(sameGeometry(image.geometry, g)).toBe(true);
        }
        expect(tp.rescanFiles).toBeUndefined();
      }
    }
  });

  it('writes intensities in each modality’s units: ADC ~800–2500 in the tumour, SUV ≥ 0 with the tumour hottest', () => {
    const tp = manifest.patients[0].timepoints[0];
    const mask = readNifti(join(dir.path, tp.files.mask)).data;
    const adc = readNifti(join(dir.path, tp.files.ADC)).data;
    const pet = readNifti(join(dir.path, tp.files.PET)).data;
    const t2 = readNifti(join(dir.path, tp.files.T2)).data;
    expect(adc).toBeInstanceOf(Int16Array);
    expect(pet).toBeInstanceOf(Float32Array);
    const tumour = (data: ArrayLike<number>) => Array.from(data).filter((_, i) => mask[i] === 1);
    const outside = (data: ArrayLike<number>) => Array.from(data).filter((_, i) => mask[i] === 0);
    const adcMean = mean(tumour(adc));
    expect(adcMean).toBeGreaterThan(800);
    expect(adcMean).toBeLessThan(2500);
    expect(pet.every((v) => v >= 0)).toBe(true);
    expect(tumour(pet).some((v) => v > 2.5)).toBe(true);
    expect(mean(tumour(pet))).toBeGreaterThan(3 * mean(outside(pet)));
    // T2: the tumour is brighter than the average of the rest of the field of view (muscle, fat, air).
    expect(mean(tumour(t2))).toBeGreaterThan(mean(outside(t2)));
  });

  it('keeps pathology, responder status, clinical variables and the schedule coherent', () => {
    const big = generateStudy({ seed: 7, patients: 40 });
    expect(big.patients.filter((p) => p.responder === 'good')).toHaveLength(16);
    for (const p of big.patients) {
      expect(p.responder === 'good').toBe(p.necrosisPct >= 90);
      expect(p.huvosGrade).toBe(p.necrosisPct === 100 ? 'IV' : p.necrosisPct >= 90 ? 'III' : p.necrosisPct >= 50 ? 'II' : 'I');
      expect(p.pathology.necrosisPct).toBe(p.necrosisPct);
      expect(p.pathology.huvosGrade).toBe(p.huvosGrade);
      expect(p.clinical.ageYears).toBeGreaterThanOrEqual(8);
      expect(p.clinical.ageYears).toBeLessThanOrEqual(40);
      expect(['F', 'M']).toContain(p.clinical.sex);
      expect(['femur', 'tibia', 'humerus']).toContain(p.clinical.site);
      expect(p.clinical.alpUPerL).toBeGreaterThan(0);
      expect(p.clinical.ldhUPerL).toBeGreaterThan(0);
      const start = Date.parse(p.treatmentStartDate);
      for (const tp of p.timepoints) {
        expect(tp.dayOffset).toBeGreaterThanOrEqual(tp.dueWindow.fromDay);
        expect(tp.dayOffset).toBeLessThanOrEqual(tp.dueWindow.toDay);
        expect(Date.parse(tp.date)).toBe(start + tp.dayOffset * 86_400_000);
      }
      expect(p.pathology.surgeryDayOffset).toBeGreaterThan(p.timepoints[2].dayOffset);
      expect(Date.parse(p.pathology.surgeryDate)).toBe(start + p.pathology.surgeryDayOffset * 86_400_000);
      expect(Date.parse(p.pathology.reportDate)).toBeGreaterThan(Date.parse(p.pathology.surgeryDate));
    }
    expect(new Set(big.patients.map((p) => p.clinical.site)).size).toBe(3);
  });

  it('honours the size option on the same 96 mm field of view', () => {
    const m = generateStudy({ seed: 1, patients: 1, size: [128, 128, 64] });
    expect(m.geometry.spacing).toEqual([0.75, 0.75, 1.5]);
    expect(m.geometry.origin).toEqual([-47.625, -47.625, -47.25]);
  });

  it('rejects bad options with the option’s name', () => {
    expect(() => generateStudy({ seed: -1, patients: 1 })).toThrow(/seed/);
    expect(() => generateStudy({ seed: 1.5, patients: 1 })).toThrow(/seed/);
    expect(() => generateStudy({ seed: 1, patients: 0 })).toThrow(/patients/);
    expect(() => generateStudy({ seed: 1, patients: 1, size: [64, 64, 2] })).toThrow(/size/);
    expect(() => generateStudy({ seed: 1, patients: 1, spacing: [1, 0, 1] })).toThrow(/spacing/);
    expect(() => writeStudy({ seed: 1, patients: 1, outDir: '' })).toThrow(/outDir/);
  });
});
