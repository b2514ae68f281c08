// The IBSI soft-tissue sarcoma patients STS_001–003 (CT, T1 MR, PET in SUV): each RTSTRUCT rasterised on its DICOM
// series against the NIfTI mask MIRP (the IBSI reference toolkit) made from the same files (Dice ≥ 0.98), the
// features of the DICOM + RTSTRUCT path against those of the NIfTI path (within 1 %), the SEG written from each mask
// read back, and bad input built here from the real files. Each series is read once.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  rasteriseRoi,
  readDicomMask,
  readDicomObject,
  readSegmentation,
  readStructureSet,
  segmentToMask,
  selectRoi,
  selectSegment,
  writeSeg,
  type DicomMask,
} from '../../../../imaging/contours';
import { RadiomicsInputError } from '../../../../imaging/errors';
import { sameGeometry, type Volume } from '../../../../imaging/image';
import { readNifti } from '../../../../imaging/io';
import { extract, type ExtractionResult } from '../../../../radiomics';
import { describeWithReferenceData, referencePath } from '../../../support/referenceData';
import { dice, modifyDicom } from './support';

const PATIENTS = ['STS_001', 'STS_002', 'STS_003'];
const MODALITIES = ['CT', 'MR_T1', 'PET'];
const CASES = PATIENTS.flatMap((patient) => MODALITIES.map((modality) => ({ patient, modality, id: `${patient} ${modality}` })));
/** PyRadiomics' defaults (original image, every 3D class) with 32 bins, so that SUV, HU and MR values all get a texture. */
const PARAMS = { setting: { binCount: 32 } };

const rs = (patient: string, modality: string) => referencePath('sts', 'dicom', patient, modality, 'mask', 'RS.dcm');
const imageDir = (patient: string, modality: string) => referencePath('sts', 'dicom', patient, modality, 'image');
const nifti = (patient: string, modality: string, kind: 'image' | 'mask') => referencePath('sts', 'nifti', patient, `${modality}_${kind}.nii.gz`);

const FILES = CASES.flatMap(({ patient, modality }) =>
  [rs(patient, modality), imageDir(patient, modality), nifti(patient, modality, 'image'), nifti(patient, modality, 'mask')].map((f) =>
    path.relative(referencePath(), f),
  ),
);

/** |a − b| relative to the larger magnitude; 0 when both are 0 or both NaN. */
function relativeDifference(a: number, b: number): number {
  if (Number.isNaN(a) && Number.isNaN(b)) return 0;
  if (a === b) return 0;
  return Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b));
}

/** A RadiomicsInputError from `fn` naming `file` and `field`, on one line, quoting no UID nor patient identifier (paths aside). */
function inputError(fn: () => unknown, file: string, field: string | RegExp): RadiomicsInputError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(RadiomicsInputError);
  const err = caught as RadiomicsInputError;
  expect(err.file).toBe(file);
  if (typeof field === 'string') expect(err.field).toBe(field);
  else expect(err.field).toMatch(field);
  expect(err.expected).toBeTruthy();
  expect(err.message).toContain(file);
  expect(err.message.split('\n')).toHaveLength(1);
  expect(err.message.replaceAll(file, '').replaceAll(imageDir('STS_002', 'PET'), '')).not.toMatch(/STS_00\d|1\.3\.6\.1\.4\.1\.14519/);
  return err;
}

describeWithReferenceData('STS_001–003: RTSTRUCT and SEG against the NIfTI references', FILES, () => {
  const read = new Map<string, { dicom: DicomMask; image: Volume; mask: Volume }>();
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'osteoflow-sts-'));
  const dices: Record<string, number> = {};
  const differing: Record<string, number> = {};
  const worst: { id: string; feature: string; a: number; b: number; diff: number }[] = [];

  beforeAll(() => {
    for (const c of CASES) {
      read.set(c.id, {
        dicom: readDicomMask(rs(c.patient, c.modality), imageDir(c.patient, c.modality)),
        image: readNifti(nifti(c.patient, c.modality, 'image')),
        mask: readNifti(nifti(c.patient, c.modality, 'mask')),
      });
    }
  });
  afterAll(() => {
    rmSync(scratch, { recursive: true, force: true });
    const table = PATIENTS.map(
      (p) => `${p}  ${MODALITIES.map((m) => `${m} ${dices[`${p} ${m}`]?.toFixed(4) ?? '-'} (${differing[`${p} ${m}`] ?? '-'} voxels differ)`).join('  ')}`,
    ).join('\n');
    const top = [...worst].sort((a, b) => b.diff - a.diff)[0];
    console.log(
      `Dice RTSTRUCT vs MIRP NIfTI mask\n${table}\nworst feature difference: ${top ? `${top.id} ${top.feature} ${top.a} vs ${top.b} (relative ${top.diff.toExponential(2)})` : '-'}`,
    );
  });

  describe.each(CASES)('$id', ({ id, modality }) => {
    it('rasterises the RTSTRUCT onto the NIfTI mask’s grid with Dice ≥ 0.98', () => {
      const { dicom, mask } = read.get(id)!;
      expect(dicom.name).toBe(`GTV_Mass_${modality}`);
      expect(dicom.warnings).toEqual([]);
      // MIRP's float32 header puts the NIfTI origin 1e-5 mm from the DICOM one.
      expect(sameGeometry(dicom.mask.geometry, mask.geometry, 1e-4)).toBe(true);
      const d = dice(dicom.mask.data, mask.data);
      dices[id] = d;
      differing[id] = Array.from(mask.data).filter((v, i) => (v !== 0) !== (dicom.mask.data[i] !== 0)).length;
      expect(mask.data.some((v) => v !== 0)).toBe(true);
      expect(d).toBeGreaterThanOrEqual(0.98);
    });

    it('gives the features of the NIfTI image and mask within 1 %', async () => {
      const { dicom, image, mask } = read.get(id)!;
      const fromDicom: ExtractionResult = await extract(dicom.series.volume, dicom.mask, PARAMS);
      const fromNifti: ExtractionResult = await extract(image, mask, PARAMS);
      const names = Object.keys(fromNifti.features);
      expect(names.length).toBe(107);
      expect(Object.keys(fromDicom.features).sort()).toEqual([...names].sort());
      let top = { id, feature: '', a: 0, b: 0, diff: -1 };
      for (const feature of names) {
        const [a, b] = [fromDicom.features[feature], fromNifti.features[feature]];
        const diff = relativeDifference(a, b);
        if (diff > top.diff) top = { id, feature, a, b, diff };
      }
      worst.push(top);
      expect(top.diff).toBeLessThanOrEqual(0.01);
    });

    it('writes a SEG of the mask that reads back as the same mask', () => {
      const { dicom } = read.get(id)!;
      const file = path.join(scratch, `${id.replace(' ', '_')}.dcm`);
      const written = writeSeg(file, dicom.mask, dicom.series, { segmentLabel: dicom.name });
      let slices = 0;
      const [nx, ny, nz] = dicom.mask.geometry.size;
      for (let k = 0; k < nz; k++) if (dicom.mask.data.subarray(k * nx * ny, (k + 1) * nx * ny).includes(1)) slices++;
      expect(written.frames).toBe(slices);
      const seg = readSegmentation(readDicomObject(file, { expected: 'a SEG' }));
      const back = segmentToMask(seg, selectSegment(seg, undefined), dicom.series);
      expect(back.name).toBe(dicom.name);
      expect(back.warnings).toEqual([]);
      let differ = 0;
      for (let i = 0; i < back.mask.data.length; i++) if (back.mask.data[i] !== dicom.mask.data[i]) differ++;
      expect(differ).toBe(0);
    });
  });

  describe('bad input built from the real files (STS_002 PET)', () => {
    const file = (name: string) => path.join(scratch, name);
    const source = () => rs('STS_002', 'PET');
    const series = () => read.get('STS_002 PET')!.dicom.series;
    const structureSet = (f: string) => readStructureSet(readDicomObject(f, { expected: 'an RTSTRUCT' }));

    it('an RTSTRUCT in another frame of reference', () => {
      const bad = modifyDicom(source(), file('other-frame.dcm'), (ds) => {
        const other = '1.2.826.0.1.3680043.8.498.424242';
        ds.FrameOfReferenceUID = other;
        ds.ReferencedFrameOfReferenceSequence[0].FrameOfReferenceUID = other;
        ds.StructureSetROISequence[0].ReferencedFrameOfReferenceUID = other;
      });
      const set = structureSet(bad);
      const err = inputError(() => rasteriseRoi(set, selectRoi(set, undefined), series()), bad, 'ReferencedFrameOfReferenceUID (3006,0024)');
      expect(err.message).toMatch(/another frame of reference/);
    });

    it('an ROI name that is not there: the error lists the names there are', () => {
      const set = structureSet(source());
      const err = inputError(() => selectRoi(set, 'GTV_Mass_CT'), source(), 'ROIName (3006,0026)');
      expect(err.message).toMatch(/no ROI named 'GTV_Mass_CT'.*one of 'GTV_Mass_PET'/);
    });

    it('contours entirely outside the image', () => {
      const bad = modifyDicom(source(), file('outside.dcm'), (ds) => {
        for (const contour of ds.ROIContourSequence[0].ContourSequence) {
          contour.ContourData = contour.ContourData.map((v: number, i: number) => (i % 3 === 0 ? Number((Number(v) + 1000).toFixed(3)) : Number(v)));
        }
      });
      const set = structureSet(bad);
      const err = inputError(() => rasteriseRoi(set, selectRoi(set, undefined), series()), bad, 'ContourData (3006,0050)');
      expect(err.message).toMatch(/entirely outside the image/);
    });

    it('a SEG of another size than the image', () => {
      const written = file('pet-seg.dcm');
      writeSeg(written, read.get('STS_002 PET')!.dicom.mask, series());
      const bad = modifyDicom(written, file('pet-seg-bigger.dcm'), (ds) => {
        ds.Rows += 1;
      });
      const seg = readSegmentation(readDicomObject(bad, { expected: 'a SEG' }));
      const err = inputError(() => segmentToMask(seg, selectSegment(seg, undefined), series()), bad, 'Rows/Columns (0028,0010/0011)');
      expect(err.message).toMatch(/frames of 28×30 pixels, .* slices of 27×30/);
    });

    it('an image file given where an RTSTRUCT or SEG belongs', () => {
      const image = series().instances[0].file;
      const err = inputError(() => readDicomMask(image, imageDir('STS_002', 'PET')), image, 'SOPClassUID (0008,0016)');
      expect(err.message).toMatch(/neither RTSTRUCT nor SEG/);
    });

    it('an RTSTRUCT drawn on another series of the same frame of reference', () => {
      const bad = modifyDicom(source(), file('other-series.dcm'), (ds) => {
        ds.ReferencedFrameOfReferenceSequence[0].RTReferencedStudySequence[0].RTReferencedSeriesSequence[0].SeriesInstanceUID =
          '1.2.826.0.1.3680043.8.498.4243';
      });
      const set = structureSet(bad);
      inputError(() => rasteriseRoi(set, selectRoi(set, undefined), series()), bad, /^SeriesInstanceUID \(0020,000E\) in RTReferencedSeriesSequence/);
    });
  });
});
