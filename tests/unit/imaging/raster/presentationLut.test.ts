// Presentation LUT Shape (2050,0020) of DX and CR radiographs: INVERSE with MONOCHROME2 is inverted like MONOCHROME1;
// MONOCHROME1 with INVERSE (the pair the DX IOD prescribes) is inverted once, not twice; MONOCHROME1 with IDENTITY is
// inverted as MONOCHROME1, with a note; each gives the features of the same pixels stored MONOCHROME2 / IDENTITY. An
// unknown shape is refused, naming the file and the tag.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readImage } from '../../../../imaging/io';
import type { RadiographVolume } from '../../../../imaging/raster';
import { extractSync, resolveParams } from '../../../../radiomics';
import { syntheticRadiograph, writeRadiographDicom } from '../../../../synthetic/radiograph';

interface DcmjsDict {
  dict: Record<string, { vr: string; Value: unknown[] }>;
  write(): ArrayBuffer;
}
// dcmjs ships no type declarations; only the reader is used here (the files are written by writeRadiographDicom).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { DicomMessage } = (require('dcmjs') as { data: { DicomMessage: { readFile(buffer: ArrayBuffer): DcmjsDict } } }).data;

const ROOT = path.resolve(__dirname, '..', '..', '..', '..');
const PARAMS = resolveParams(path.join(ROOT, 'study', 'params', 'osteoflow-radiograph.yaml'));
const r = syntheticRadiograph();
let dir: string;
const file = (name: string) => path.join(dir, name);

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'presentation-lut-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * A DX or CR of the synthetic radiograph whose stored values are `top − v` when `mirrored`, with the given Photometric
 * Interpretation and Presentation LUT Shape written over those of writeRadiographDicom's file.
 */
function radiograph(name: string, modality: 'CR' | 'DX', mirrored: boolean, photometric: string, shape: string | undefined): string {
  const out = file(name);
  // writeRadiographDicom mirrors the values for MONOCHROME1: that is how a mirrored file is made.
  writeRadiographDicom(out, r.columns, r.rows, r.pixels, { modality, photometric: mirrored ? 'MONOCHROME1' : 'MONOCHROME2', pixelSpacing: [0.2, 0.15] });
  const bytes = readFileSync(out);
  const dicom = DicomMessage.readFile(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  dicom.dict['00280004'] = { vr: 'CS', Value: [photometric] };
  if (shape !== undefined) dicom.dict['20500020'] = { vr: 'CS', Value: [shape] };
  writeFileSync(out, Buffer.from(dicom.write()));
  return out;
}

const mask = () => ({ geometry: (readImage(file('m2-identity.dcm')) as RadiographVolume).geometry, data: r.mask });

describe('Presentation LUT Shape', () => {
  it('every conformant and non-conformant pair reads back the MONOCHROME2 / IDENTITY values, and gives its features', () => {
    const baseline = readImage(radiograph('m2-identity.dcm', 'DX', false, 'MONOCHROME2', 'IDENTITY')) as RadiographVolume;
    expect(Array.from(baseline.data)).toEqual(Array.from(r.pixels));
    expect(baseline).toMatchObject({ inverted: false, notes: [] });
    const reference = extractSync(baseline, mask(), PARAMS).features;
    const cases: Array<[string, 'CR' | 'DX', string, string | undefined, boolean, RegExp | undefined]> = [
      // name, modality, photometric, shape, stored mirrored, note
      ['m2-inverse.dcm', 'DX', 'MONOCHROME2', 'INVERSE', true, /INVERSE with MONOCHROME2 .*inverted as INVERSE/],
      ['m1-inverse.dcm', 'DX', 'MONOCHROME1', 'INVERSE', true, undefined],
      ['m1-inverse-cr.dcm', 'CR', 'MONOCHROME1', 'INVERSE', true, undefined],
      ['m1-identity.dcm', 'CR', 'MONOCHROME1', 'IDENTITY', true, /IDENTITY with MONOCHROME1 .*inverted as MONOCHROME1/],
      ['m1-absent.dcm', 'DX', 'MONOCHROME1', undefined, true, undefined],
      ['m2-absent.dcm', 'CR', 'MONOCHROME2', undefined, false, undefined],
    ];
    for (const [name, modality, photometric, shape, mirrored, note] of cases) {
      const v = readImage(radiograph(name, modality, mirrored, photometric, shape)) as RadiographVolume;
      expect({ name, values: Array.from(v.data) }).toEqual({ name, values: Array.from(r.pixels) });
      expect(v.inverted).toBe(mirrored);
      if (note) expect(v.notes.join(' ')).toMatch(note);
      else expect(v.notes).toEqual([]);
      expect({ name, features: extractSync(v, mask(), PARAMS).features }).toEqual({ name, features: reference });
    }
  });

  it('MONOCHROME1 + INVERSE is not inverted twice: its stored values come back mirrored, once', () => {
    const name = radiograph('m1-inverse-once.dcm', 'DX', true, 'MONOCHROME1', 'INVERSE');
    const v = readImage(name);
    // Stored 4095 − v; read back v: a double inversion would have given the stored values.
    const bytes = readFileSync(name);
    const dicom = DicomMessage.readFile(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    const stored = new Uint16Array(dicom.dict['7FE00010'].Value[0] as ArrayBuffer);
    expect(stored[0]).toBe(4095 - r.pixels[0]);
    expect(v.data[0]).toBe(r.pixels[0]);
  });

  it('an unknown shape is refused, naming the file and the tag', () => {
    const bad = radiograph('lin-od.dcm', 'DX', false, 'MONOCHROME2', 'LIN OD');
    expect(() => readImage(bad)).toThrow(
      `file ${bad}, field 'PresentationLUTShape (2050,0020)': 'LIN OD' (expected IDENTITY or INVERSE (or absent) for a softcopy radiograph)`,
    );
  });
});
