// PNG and JPEG radiographs through readImageAsync: bit depth kept, grey-only colour, opaque alpha, spacing from the
// caller (and a clear error without it), PNG masks on the image's grid, and readImage pointing at the async reader.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { readImage, readImageAsync, writeNifti } from '../../../../imaging/io';
import { parseSpacing, radiographGeometry, type RadiographVolume } from '../../../../imaging/raster';
import { extractSync } from '../../../../radiomics';
import { syntheticRadiograph, writeRadiographJpeg, writeRadiographPng, writeRawPng } from '../../../../synthetic/radiograph';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'raster-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string) => path.join(dir, name);

describe('PNG radiographs', () => {
  it('keeps every 16-bit value of a 16-bit PNG (values above 255, low bytes that an 8-bit read loses)', async () => {
    // Values chosen so that each one's high and low bytes differ from any 8-bit rescaling: 0x0102 = 258, …
    const values = [0, 1, 258, 4095, 4096, 30000, 65534, 65535, 513, 1027, 12345, 54321];
    await writeRadiographPng(file('sixteen.png'), 4, 3, values, 16);
    const v = (await readImageAsync(file('sixteen.png'), { spacing: [0.15, 0.15] })) as RadiographVolume;
    expect(v.data).toBeInstanceOf(Uint16Array);
    expect(Array.from(v.data)).toEqual(values);
    expect(v.bitsStored).toBe(16);
    // What a reader converting to libvips' default 8-bit sRGB gets: the same file read so is visibly wrong.
    const naive = await sharp(file('sixteen.png')).raw().toBuffer();
    expect(Array.from(naive.subarray(0, 12)).filter((_, i) => i % 3 === 0)).not.toEqual(values.slice(0, 4));
  });

  it('reads an 8-bit greyscale PNG as uint8 with the given spacing, x along a row and y down the image', async () => {
    // 3 columns × 2 rows: row 0 is 10 20 30, row 1 is 40 50 60.
    await writeRadiographPng(file('eight.png'), 3, 2, [10, 20, 30, 40, 50, 60], 8);
    const v = (await readImageAsync(file('eight.png'), { spacing: [0.1, 0.3] })) as RadiographVolume;
    expect(v.data).toBeInstanceOf(Uint8Array);
    expect(Array.from(v.data)).toEqual([10, 20, 30, 40, 50, 60]);
    expect(v.geometry).toEqual(radiographGeometry(3, 2, [0.1, 0.3]));
    expect(v.geometry.size).toEqual([3, 2, 1]);
    expect(v.spacingSource).toBe('caller');
  });

  it('accepts colour whose channels are equal at every pixel, and opaque alpha', async () => {
    const rgb = new Uint8Array([5, 5, 5, 6, 6, 6, 7, 7, 7, 8, 8, 8]);
    await writeRawPng(file('rgb-grey.png'), 2, 2, rgb, 3);
    expect(Array.from((await readImageAsync(file('rgb-grey.png'), { spacing: [1, 1] })).data)).toEqual([5, 6, 7, 8]);
    const rgba = new Uint8Array([5, 5, 5, 255, 6, 6, 6, 255, 7, 7, 7, 255, 8, 8, 8, 255]);
    await writeRawPng(file('rgba-opaque.png'), 2, 2, rgba, 4);
    expect(Array.from((await readImageAsync(file('rgba-opaque.png'), { spacing: [1, 1] })).data)).toEqual([5, 6, 7, 8]);
  });

  it('refuses a colour image with unequal channels, naming the pixel', async () => {
    const rgb = new Uint8Array([5, 5, 5, 6, 6, 6, 7, 7, 7, 8, 9, 8]);
    await writeRawPng(file('rgb-colour.png'), 2, 2, rgb, 3);
    await expect(readImageAsync(file('rgb-colour.png'), { spacing: [1, 1] })).rejects.toThrow(
      /rgb-colour\.png, field 'channels': a colour image: pixel \(1, 1\) has unequal channels \(8, 9, 8\).*greyscale radiograph/,
    );
  });

  it('refuses a transparent pixel', async () => {
    const rgba = new Uint8Array([5, 5, 5, 255, 6, 6, 6, 0, 7, 7, 7, 255, 8, 8, 8, 255]);
    await writeRawPng(file('rgba-hole.png'), 2, 2, rgba, 4);
    await expect(readImageAsync(file('rgba-hole.png'), { spacing: [1, 1] })).rejects.toThrow(/field 'alpha': transparent pixel \(1, 0\)/);
  });

  it('refuses a radiograph without spacing, naming the file and how to give it, and reports a declared density', async () => {
    await writeRadiographPng(file('nospacing.png'), 3, 2, [1, 2, 3, 4, 5, 6], 8);
    await expect(readImageAsync(file('nospacing.png'))).rejects.toThrow(
      /nospacing\.png, field 'spacing': a PNG radiograph carries no reliable pixel spacing.*--spacing X,Y.*readImageAsync/,
    );
    // 254 pixels per inch is 0.1 mm: said in the message, never used silently.
    await sharp(Uint8Array.from([1, 2, 3, 4, 5, 6]), { raw: { width: 3, height: 2, channels: 1 } })
      .toColourspace('b-w')
      .withMetadata({ density: 254 })
      .png()
      .toFile(file('density.png'));
    await expect(readImageAsync(file('density.png'))).rejects.toThrow(/declares 254 pixels per inch \(0\.1000 mm\), not used/);
    const v = (await readImageAsync(file('density.png'), { spacing: [0.5, 0.5] })) as RadiographVolume;
    expect(v.geometry.spacing).toEqual([0.5, 0.5, 1]);
    expect(v.notes.join(' ')).toMatch(/254 pixels per inch/);
  });

  it('refuses a spacing that is not two positive numbers', async () => {
    await writeRadiographPng(file('badspacing.png'), 3, 2, [1, 2, 3, 4, 5, 6], 8);
    await expect(readImageAsync(file('badspacing.png'), { spacing: [0.2, 0] })).rejects.toThrow(/field 'spacing': pixel spacing 0\.2,0/);
    expect(parseSpacing('0.2,0.25', { file: '--spacing', field: 'spacing' })).toEqual([0.2, 0.25]);
    expect(parseSpacing('0.3', { file: '--spacing', field: 'spacing' })).toEqual([0.3, 0.3]);
    expect(() => parseSpacing('0.2,x', { file: '--spacing', field: 'spacing' })).toThrow(/--spacing, field 'spacing'/);
    expect(() => parseSpacing('1,2,3', { file: '--spacing', field: 'spacing' })).toThrow(/two positive numbers/);
  });

  it('refuses a PNG whose content is something else', async () => {
    writeFileSync(file('fake.png'), 'not a png at all');
    await expect(readImageAsync(file('fake.png'), { spacing: [1, 1] })).rejects.toThrow(/fake\.png, field 'data': cannot be decoded/);
  });

  it('makes readImage point at readImageAsync for PNG and JPEG', async () => {
    await writeRadiographPng(file('sync.png'), 3, 2, [1, 2, 3, 4, 5, 6], 8);
    expect(() => readImage(file('sync.png'))).toThrow(/sync\.png, field 'extension': PNG and JPEG are decoded asynchronously \(expected readImageAsync/);
  });
});

describe('JPEG radiographs', () => {
  it('reads a greyscale JPEG as uint8 (lossy: close to what was written)', async () => {
    const r = syntheticRadiograph({ bits: 8, columns: 32, rows: 24 });
    await writeRadiographJpeg(file('rx.jpg'), r.columns, r.rows, r.pixels, 95);
    const v = (await readImageAsync(file('rx.jpg'), { spacing: [0.2, 0.2] })) as RadiographVolume;
    expect(v.format).toBe('jpeg');
    expect(v.data).toBeInstanceOf(Uint8Array);
    expect(v.geometry.size).toEqual([32, 24, 1]);
    let worst = 0;
    for (let i = 0; i < r.pixels.length; i++) worst = Math.max(worst, Math.abs(v.data[i] - r.pixels[i]));
    expect(worst).toBeLessThanOrEqual(12);
    // Without spacing: the same clear error as for PNG.
    await expect(readImageAsync(file('rx.jpg'))).rejects.toThrow(/rx\.jpg, field 'spacing': a JPG radiograph carries no reliable pixel spacing/);
  });
});

describe('PNG masks', () => {
  it('takes the image grid, makes every non-zero pixel label 1, and refuses another size', async () => {
    const r = syntheticRadiograph({ columns: 40, rows: 30 });
    await writeRadiographPng(file('img.png'), r.columns, r.rows, r.pixels, 16);
    await writeRadiographPng(
      file('mask.png'),
      r.columns,
      r.rows,
      Array.from(r.mask, (m) => m * 255),
      8,
    );
    await writeRadiographPng(file('mask-small.png'), r.columns - 1, r.rows, new Uint8Array((r.columns - 1) * r.rows), 8);
    const image = await readImageAsync(file('img.png'), { spacing: [0.2, 0.25] });
    const mask = await readImageAsync(file('mask.png'), { mask: true, grid: image.geometry });
    expect(mask.geometry).toEqual(image.geometry);
    expect(Array.from(mask.data)).toEqual(Array.from(r.mask));
    await expect(readImageAsync(file('mask-small.png'), { mask: true, grid: image.geometry })).rejects.toThrow(
      /mask-small\.png, field 'width×height': mask is 39×30 pixels, the image 40×30×1 \(expected a mask on the image's grid: 40×30\)/,
    );
  });

  it('refuses a JPEG mask', async () => {
    await writeRadiographJpeg(file('mask.jpg'), 4, 2, [0, 0, 255, 255, 0, 0, 255, 255]);
    await expect(readImageAsync(file('mask.jpg'), { mask: true, spacing: [1, 1] })).rejects.toThrow(/mask\.jpg, field 'mask': a JPEG mask is lossy/);
  });

  it('accepts a one-slice NIfTI mask on the radiograph', async () => {
    const r = syntheticRadiograph({ columns: 40, rows: 30 });
    await writeRadiographPng(file('img2.png'), r.columns, r.rows, r.pixels, 16);
    const image = await readImageAsync(file('img2.png'), { spacing: [0.2, 0.25] });
    writeNifti(file('mask2.nii.gz'), { geometry: image.geometry, data: r.mask });
    const params = { featureClass: { firstorder: ['Mean'], shape2D: ['PixelSurface'] }, setting: { force2D: true } };
    const result = extractSync(image, file('mask2.nii.gz'), params);
    const inside = Array.from(r.pixels).filter((_, i) => r.mask[i] === 1);
    expect(result.features.original_firstorder_Mean).toBeCloseTo(inside.reduce((a, b) => a + b, 0) / inside.length, 9);
    // Pixel surface: the count of ROI pixels times 0.2 × 0.25 mm².
    expect(result.features.original_shape2D_PixelSurface).toBeCloseTo(inside.length * 0.05, 9);
  });
});
