// DICOM CR and DX radiographs through readImage: spacing from Pixel Spacing or else Imager Pixel Spacing (and which
// was used), MONOCHROME1 inverted, Bits Stored masking, rescale, routing of a .dcm file and of a folder of one.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { parseDicom } from 'dicom-parser';
import os from 'node:os';
import path from 'node:path';
import { readImage } from '../../../../imaging/io';
import type { RadiographVolume } from '../../../../imaging/raster';
import { writeRadiographDicom } from '../../../../synthetic/radiograph';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'dicom-radiograph-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string) => path.join(dir, name);

// 3 columns × 2 rows of 12-bit values: row 0 = 0 100 4095, row 1 = 2048 7 3000.
const VALUES = [0, 100, 4095, 2048, 7, 3000];

describe('DICOM CR and DX', () => {
  it('reads a DX MONOCHROME2 with Pixel Spacing: values as stored, spacing [columns, rows] from row\\column', () => {
    writeRadiographDicom(file('dx2.dcm'), 3, 2, VALUES, { modality: 'DX', photometric: 'MONOCHROME2', pixelSpacing: [0.25, 0.2] });
    const v = readImage(file('dx2.dcm')) as RadiographVolume;
    expect(Array.from(v.data)).toEqual(VALUES);
    expect(v.geometry.size).toEqual([3, 2, 1]);
    // (0028,0030) lists the spacing between rows (y) first: 0.25\0.2 is x = 0.2, y = 0.25.
    expect(v.geometry.spacing).toEqual([0.2, 0.25, 1]);
    expect(v).toMatchObject({ format: 'dicom', modality: 'DX', spacingSource: 'PixelSpacing', inverted: false, bitsStored: 12 });
  });

  it('inverts MONOCHROME1 over the Bits Stored range, for CR and DX alike', () => {
    // MONOCHROME1 stores 4095 − v (minimum shown white); read back it must be v again.
    for (const modality of ['CR', 'DX'] as const) {
      const name = file(`${modality}-m1.dcm`);
      writeRadiographDicom(name, 3, 2, VALUES, { modality, photometric: 'MONOCHROME1', pixelSpacing: [0.1, 0.1] });
      // The file really holds the mirrored values: stored 4095 where the grey value is 0.
      const ds = parseDicom(readFileSync(name));
      const first = new DataView(ds.byteArray.buffer, ds.byteArray.byteOffset).getUint16(ds.elements.x7fe00010.dataOffset, true);
      expect(first).toBe(4095);
      const v = readImage(name) as RadiographVolume;
      expect(Array.from(v.data)).toEqual(VALUES);
      expect(v.inverted).toBe(true);
      expect(v.modality).toBe(modality);
    }
    // With 10 bits stored, the mirror is 1023 − stored.
    const small = [0, 1, 1023, 512, 7, 300];
    writeRadiographDicom(file('m1-10bit.dcm'), 3, 2, small, { modality: 'CR', photometric: 'MONOCHROME1', bitsStored: 10, pixelSpacing: [0.1, 0.1] });
    expect(Array.from(readImage(file('m1-10bit.dcm')).data)).toEqual(small);
  });

  it('drops bits above Bits Stored (an overlay plane in bit 15)', () => {
    writeRadiographDicom(file('overlay.dcm'), 3, 2, VALUES, { modality: 'DX', photometric: 'MONOCHROME2', pixelSpacing: [0.1, 0.1], highBits: 0x8000 });
    expect(Array.from(readImage(file('overlay.dcm')).data)).toEqual(VALUES);
  });

  it('applies Rescale Slope and Intercept after the inversion', () => {
    writeRadiographDicom(file('rescale.dcm'), 3, 2, VALUES, {
      modality: 'DX',
      photometric: 'MONOCHROME1',
      pixelSpacing: [0.1, 0.1],
      rescaleSlope: 0.5,
      rescaleIntercept: -10,
    });
    const v = readImage(file('rescale.dcm'));
    expect(v.data).toBeInstanceOf(Float32Array);
    expect(Array.from(v.data)).toEqual(VALUES.map((x) => 0.5 * x - 10));
  });

  it('uses Imager Pixel Spacing only without Pixel Spacing, and says so', () => {
    writeRadiographDicom(file('imager.dcm'), 3, 2, VALUES, { modality: 'CR', photometric: 'MONOCHROME2', imagerPixelSpacing: [0.3, 0.15] });
    const imager = readImage(file('imager.dcm')) as RadiographVolume;
    expect(imager.geometry.spacing).toEqual([0.15, 0.3, 1]);
    expect(imager.spacingSource).toBe('ImagerPixelSpacing');
    expect(imager.notes.join(' ')).toMatch(/not corrected for geometric magnification/);
    // Both present (a calibrated DX): Pixel Spacing, in the patient, wins.
    writeRadiographDicom(file('both.dcm'), 3, 2, VALUES, {
      modality: 'DX',
      photometric: 'MONOCHROME2',
      pixelSpacing: [0.2, 0.2],
      imagerPixelSpacing: [0.3, 0.3],
    });
    const both = readImage(file('both.dcm')) as RadiographVolume;
    expect(both.geometry.spacing).toEqual([0.2, 0.2, 1]);
    expect(both.spacingSource).toBe('PixelSpacing');
  });

  it('refuses a CR with neither spacing tag, naming both', () => {
    writeRadiographDicom(file('nospacing.dcm'), 3, 2, VALUES, { modality: 'CR', photometric: 'MONOCHROME2' });
    expect(() => readImage(file('nospacing.dcm'))).toThrow(
      /nospacing\.dcm, field 'PixelSpacing \(0028,0030\) \/ ImagerPixelSpacing \(0018,1164\)': neither Pixel Spacing nor Imager Pixel Spacing is present/,
    );
  });

  it('refuses a spacing that is not positive', () => {
    writeRadiographDicom(file('zero.dcm'), 3, 2, VALUES, { modality: 'DX', photometric: 'MONOCHROME2', pixelSpacing: [0, 0.2] });
    expect(() => readImage(file('zero.dcm'))).toThrow(/zero\.dcm, field 'PixelSpacing \(0028,0030\)': '0\\0\.2'/);
  });

  it('reads a folder that holds one CR or DX file as that radiograph', () => {
    const folder = file('one-dx');
    mkdirSync(folder);
    writeRadiographDicom(path.join(folder, 'IM0001'), 3, 2, VALUES, { modality: 'DX', photometric: 'MONOCHROME1', pixelSpacing: [0.25, 0.2] });
    const v = readImage(folder) as RadiographVolume;
    expect(Array.from(v.data)).toEqual(VALUES);
    expect(v.geometry.spacing).toEqual([0.2, 0.25, 1]);
  });
});
