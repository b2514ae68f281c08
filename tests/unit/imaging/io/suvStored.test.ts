// PET series already in SUV (Units GML, g/ml): read as stored (after the rescale) and recorded as SUVbw; no dose,
// weight or times needed. Other units are refused naming the file and the field. On the reference data, the STS PET
// series equal MIRP's NIfTI copies of them.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Vec3 } from '../../../../imaging/image';
import { readDicomSeries, readNifti } from '../../../../imaging/io';
import { describeWithReferenceData, referencePath } from '../../../support/referenceData';
import { expectInputError, scratchDir } from './support/files';
import { writeDicomSlice } from './support/dicomWriter';

const scratch = scratchDir('suv-stored');
let n = 0;

/** Stored 1000 and 1200 with RescaleSlope 0.5: 500 and 600 g/ml. Only the PET tags given here are written. */
function petSeries(perSlice: Record<string, unknown>[]): string {
  const dir = scratch.file(`pet${++n}`);
  mkdirSync(dir);
  perSlice.forEach((extra, k) =>
    writeDicomSlice(path.join(dir, `PT${k}`), {
      modality: 'PT',
      position: [0, 0, 4 * k] as Vec3,
      rows: 1,
      columns: 2,
      pixels: [1000, 1200],
      slope: 0.5,
      extra,
    }),
  );
  return dir;
}

describe('PET already in SUV (Units GML)', () => {
  it('reads the values as stored, as SUVbw, without dose, weight or times', () => {
    const v = readDicomSeries(petSeries([{ Units: 'GML' }, { Units: 'GML' }]));
    expect(v.units).toBe('SUVbw');
    expect(Array.from(v.data)).toEqual([500, 600, 500, 600]);
  });

  it('accepts SUV Type BW and refuses another SUV type, naming the file and the field', () => {
    expect(Array.from(readDicomSeries(petSeries([{ Units: 'GML', SUVType: 'BW' }])).data)).toEqual([500, 600]);
    const dir = petSeries([{ Units: 'GML', SUVType: 'LBM' }]);
    expectInputError(() => readDicomSeries(dir), { file: path.join(dir, 'PT0'), field: 'SUV Type (0054,1006)', message: /'LBM'.*expected 'BW' or absent/ });
  });

  it('ignores the BQML tags of a GML series (no decay correction applied twice)', () => {
    const tags = {
      Units: 'GML',
      DecayCorrection: 'START',
      PatientWeight: 75,
      RadiopharmaceuticalInformationSequence: [{ RadionuclideTotalDose: 3.7e8, RadionuclideHalfLife: 6586.2, RadiopharmaceuticalStartTime: '100000' }],
    };
    expect(Array.from(readDicomSeries(petSeries([tags])).data)).toEqual([500, 600]);
  });

  it('refuses a series whose slices differ in Units, naming the slice that differs', () => {
    const dir = petSeries([{ Units: 'GML' }, { Units: 'BQML' }]);
    expectInputError(() => readDicomSeries(dir), { file: path.join(dir, 'PT1'), field: 'Units (0054,1001)', message: /differs/ });
  });

  it('refuses other units and missing units, naming the file, the field and both accepted units', () => {
    for (const units of ['CNTS', 'PROPCNTS', undefined]) {
      const dir = petSeries([units === undefined ? {} : { Units: units }]);
      const err = expectInputError(() => readDicomSeries(dir), { file: path.join(dir, 'PT0'), field: 'Units (0054,1001)' });
      expect(err.expected).toMatch(/'BQML'.*'GML'/);
      expect(err.message).toMatch(units === undefined ? /missing/ : new RegExp(`'${units}'`));
      expect(err.message.split('\n')).toHaveLength(1);
    }
  });

  it("keeps the stored values and the Units tag with petUnits 'activity'", () => {
    const v = readDicomSeries(petSeries([{ Units: 'GML' }]), { petUnits: 'activity' });
    expect(Array.from(v.data)).toEqual([500, 600]);
    expect(v.units).toBe('GML');
  });
});

const PATIENTS = ['STS_001', 'STS_002', 'STS_003'];

describeWithReferenceData(
  'STS PET series in g/ml against the NIfTI copies MIRP made of them',
  PATIENTS.flatMap((p) => [path.join('sts', 'dicom', p, 'PET', 'image'), path.join('sts', 'nifti', p, 'PET_image.nii.gz')]),
  () => {
    it.each(PATIENTS)('%s: the same SUV in every voxel (float32 rounding)', (patient) => {
      const dicom = readDicomSeries(referencePath('sts', 'dicom', patient, 'PET', 'image'));
      const nifti = readNifti(referencePath('sts', 'nifti', patient, 'PET_image.nii.gz'));
      expect(dicom.units).toBe('SUVbw');
      expect(dicom.geometry.size).toEqual(nifti.geometry.size);
      let worst = 0;
      let max = 0;
      for (let i = 0; i < nifti.data.length; i++) {
        worst = Math.max(worst, Math.abs(dicom.data[i] - nifti.data[i]));
        max = Math.max(max, Math.abs(nifti.data[i]));
      }
      expect(max).toBeGreaterThan(1); // real uptake, not an empty image
      expect(worst).toBeLessThanOrEqual(1e-6 * max);
    });
  },
);
