// 2D features of a radiograph: equal to PyRadiomics 3.1 on the same pixels (fixture made by
// fixtures/makeRadiographFixture.ts), and equal whether the pixels come as a 16-bit PNG or as DICOM CR/DX
// (MONOCHROME1 or 2, Pixel Spacing or Imager Pixel Spacing), through the library and through `osteoflow extract`.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { extractCommand } from '../../../../cli/extract';
import { readImage, readImageAsync } from '../../../../imaging/io';
import { extractSync, resolveParams, type ExtractionResult } from '../../../../radiomics';
import { syntheticRadiograph, writeRadiographDicom, writeRadiographPng } from '../../../../synthetic/radiograph';
import { FIXTURE_SPACING, pixelHash } from './fixtures/radiographFixture';

const ROOT = path.resolve(__dirname, '..', '..', '..', '..');
const PARAMS = path.join(ROOT, 'study', 'params', 'osteoflow-radiograph.yaml');
const fixture = JSON.parse(readFileSync(path.join(__dirname, 'fixtures', 'pyradiomics-radiograph.json'), 'utf8')) as {
  pyradiomics: string;
  spacing: [number, number];
  pixelsSha256: string;
  maskSha256: string;
  features: Record<string, number | 'NaN'>;
};

const r = syntheticRadiograph();
let dir: string;
const file = (name: string) => path.join(dir, name);
let png: ExtractionResult;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'radiograph-parity-'));
  await writeRadiographPng(file('rx.png'), r.columns, r.rows, r.pixels, 16);
  await writeRadiographPng(file('mask.png'), r.columns, r.rows, r.mask, 8);
  const image = await readImageAsync(file('rx.png'), { spacing: FIXTURE_SPACING });
  const mask = await readImageAsync(file('mask.png'), { mask: true, grid: image.geometry });
  png = extractSync(image, mask, resolveParams(PARAMS));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('radiograph features against PyRadiomics 3.1', () => {
  it('uses the pixels, mask and spacing the fixture was made from', () => {
    expect(fixture.pyradiomics).toBe('v3.1.0');
    expect(pixelHash(r.pixels)).toBe(fixture.pixelsSha256);
    expect(pixelHash(r.mask)).toBe(fixture.maskSha256);
    expect(fixture.spacing).toEqual(FIXTURE_SPACING);
  });

  it('computes every PyRadiomics feature (shape2D, first order, texture) within 1e-6 relative', () => {
    const names = Object.keys(fixture.features).sort();
    expect(Object.keys(png.features).sort()).toEqual(names);
    expect(names.filter((n) => n.includes('_shape2D_'))).toHaveLength(9);
    const off: string[] = [];
    for (const name of names) {
      const want = fixture.features[name];
      const got = png.features[name];
      if (want === 'NaN') {
        if (!Number.isNaN(got)) off.push(`${name}: ${got} (PyRadiomics NaN)`);
        continue;
      }
      // The NIfTI copy stores spacing as float32 (0.2 → 0.20000000298): areas differ from the exact 0.2 by ~1e-8.
      if (Math.abs(got - want) > 1e-6 * Math.max(1, Math.abs(want))) off.push(`${name}: ${got} vs ${want}`);
    }
    expect(off).toEqual([]);
  });
});

describe('the same pixels as PNG and as DICOM', () => {
  const variants = [
    { name: 'DX MONOCHROME2, Pixel Spacing', modality: 'DX', photometric: 'MONOCHROME2', tag: 'pixelSpacing' },
    { name: 'DX MONOCHROME1, Imager Pixel Spacing', modality: 'DX', photometric: 'MONOCHROME1', tag: 'imagerPixelSpacing' },
    { name: 'CR MONOCHROME1, Pixel Spacing', modality: 'CR', photometric: 'MONOCHROME1', tag: 'pixelSpacing' },
  ] as const;
  it.each(variants)('$name gives exactly the PNG features', async ({ modality, photometric, tag }) => {
    const name = file(`${modality}-${photometric}-${tag}.dcm`);
    // DICOM orders spacing as row\column: [y, x].
    writeRadiographDicom(name, r.columns, r.rows, r.pixels, { modality, photometric, [tag]: [FIXTURE_SPACING[1], FIXTURE_SPACING[0]] });
    const image = readImage(name);
    const mask = await readImageAsync(file('mask.png'), { mask: true, grid: image.geometry });
    const result = extractSync(image, mask, resolveParams(PARAMS));
    expect(result.features).toEqual(png.features);
  });

  it('osteoflow extract --spacing gives the same features from a PNG as from the DX', async () => {
    writeRadiographDicom(file('cli.dcm'), r.columns, r.rows, r.pixels, { modality: 'DX', photometric: 'MONOCHROME1', pixelSpacing: [0.25, 0.2] });
    const run = async (argv: string[]) => {
      const out: string[] = [];
      const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
        out.push(String(chunk));
        return true;
      });
      try {
        const code = await extractCommand.run(argv);
        return { code, row: code === 0 ? (JSON.parse(out.join('')) as Record<string, unknown>) : undefined };
      } finally {
        spy.mockRestore();
      }
    };
    const fromPng = await run(['--image', file('rx.png'), '--mask', file('mask.png'), '--params', PARAMS, '--spacing', '0.2,0.25']);
    const fromDx = await run(['--image', file('cli.dcm'), '--mask', file('mask.png'), '--params', PARAMS]);
    expect(fromPng.code).toBe(0);
    expect(fromDx.code).toBe(0);
    const features = (row: Record<string, unknown> | undefined) => Object.fromEntries(Object.entries(row!).filter(([k]) => k.startsWith('original_')));
    expect(Object.keys(features(fromPng.row))).toHaveLength(Object.keys(fixture.features).length);
    expect(features(fromDx.row)).toEqual(features(fromPng.row));
    expect(features(fromPng.row).original_shape2D_PixelSurface).toBeCloseTo(fixture.features.original_shape2D_PixelSurface as number, 6);
  });

  it('osteoflow extract on a PNG without --spacing exits 1 naming the file and the flag', async () => {
    const err: string[] = [];
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      err.push(String(chunk));
      return true;
    });
    try {
      expect(await extractCommand.run(['--image', file('rx.png'), '--mask', file('mask.png'), '--params', PARAMS])).toBe(1);
    } finally {
      spy.mockRestore();
    }
    expect(err.join('')).toMatch(/rx\.png, field 'spacing': .*--spacing X,Y/);
  });
});
