// The mosaic: slices chosen through the mask's extent, intensities windowed, the mask's outline red on its edge
// voxels and nowhere else (checked pixel by pixel on the decoded PNG against the mask we drew); and which stored mask
// outlines which image (its own contour, else the shared one).
import sharp from 'sharp';
import { chooseSlices, maskScanFor, renderMosaic } from '../../../console/server/mosaic';
import { IDENTITY, type Volume } from '../../../imaging/image';

const geometry = (size: [number, number, number]) => ({
  size,
  spacing: [1, 1, 1] as [number, number, number],
  origin: [0, 0, 0] as [number, number, number],
  direction: IDENTITY,
});

function volumes(): { image: Volume; mask: Volume } {
  const size: [number, number, number] = [16, 12, 10];
  const n = 16 * 12 * 10;
  const image = { geometry: geometry(size), data: Float32Array.from({ length: n }, (_, i) => i % 16) }; // a ramp along x
  // A 4×4 square, x 5..8 and y 3..6, on slices 2..7.
  const mask = {
    geometry: geometry(size),
    data: Uint8Array.from({ length: n }, (_, i) => {
      const x = i % 16;
      const y = Math.floor(i / 16) % 12;
      const z = Math.floor(i / 192);
      return x >= 5 && x <= 8 && y >= 3 && y <= 6 && z >= 2 && z <= 7 ? 1 : 0;
    }),
  };
  return { image, mask };
}

it('chooses evenly spaced slices within the mask', () => {
  const { mask } = volumes();
  expect(chooseSlices(mask, 10, 6)).toEqual([2, 3, 4, 5, 6, 7]);
  expect(chooseSlices(mask, 10, 3)).toEqual([2, 5, 7]); // 2 + 5·k/2 rounded: 2, 4.5 → 5, 7
  expect(chooseSlices(undefined, 10, 3)).toEqual([0, 5, 9]);
});

it('outlines the mask in red on its edge voxels only', async () => {
  const { image, mask } = volumes();
  const mosaic = await renderMosaic(image, mask, { slices: 3, minTileWidth: 16 });
  expect(mosaic.slices).toEqual([2, 5, 7]);
  expect(mosaic.outlined).toBe(true);
  const { data, info } = await sharp(mosaic.png).raw().toBuffer({ resolveWithObject: true });
  // 3 tiles of 16 px in a row with 2 px gaps, no enlargement (minTileWidth 16).
  expect([info.width, info.height]).toEqual([3 * 16 + 2 * 2, 12]);
  const red = (x: number, y: number) => {
    const at = (y * info.width + x) * info.channels;
    return data[at] === 255 && data[at + 1] === 40 && data[at + 2] === 40;
  };
  for (let tile = 0; tile < 3; tile++) {
    for (let y = 0; y < 12; y++) {
      for (let x = 0; x < 16; x++) {
        const inside = x >= 5 && x <= 8 && y >= 3 && y <= 6;
        const edge = inside && (x === 5 || x === 8 || y === 3 || y === 6);
        expect([tile, x, y, red(tile * 18 + x, y)]).toEqual([tile, x, y, edge]);
      }
    }
  }
  // Grey levels follow the ramp: x = 0 darkest, x = 15 brightest (window from the 1st to the 99th percentile).
  const grey = (x: number) => data[(0 * info.width + x) * info.channels];
  expect(grey(0)).toBe(0);
  expect(grey(15)).toBe(255);
});

it('draws no outline for a mask on another grid', async () => {
  const { image } = volumes();
  const other = { geometry: geometry([8, 8, 8]), data: new Uint8Array(512).fill(1) };
  const mosaic = await renderMosaic(image, other, { slices: 2 });
  expect(mosaic.outlined).toBe(false);
});

describe('maskScanFor: the stored mask a scan is outlined with', () => {
  // Stored scans as the results store lists them, oldest first; a mask for one image is stored as 'mask:<modality>'.
  const stored = [
    { role: 'image', modality: 'CT', path: 'ct' },
    { role: 'image', modality: 'T1', path: 't1' },
    { role: 'image', modality: 'PET', path: 'pet' },
    { role: 'mask', modality: 'mask', path: 'shared-1' },
    { role: 'mask', modality: 'mask:T1', path: 't1-contour-1' },
    { role: 'mask', modality: 'mask:CT', path: 'ct-contour' },
    { role: 'mask', modality: 'mask:T1', path: 't1-contour-2' },
    { role: 'mask', modality: 'mask', path: 'shared-2' },
  ];

  it("takes the image's own latest contour over any shared mask, even a later one", () => {
    expect(maskScanFor(stored, 'T1')?.path).toBe('t1-contour-2');
    expect(maskScanFor(stored, 'CT')?.path).toBe('ct-contour');
  });

  it('falls back to the latest shared mask for an image without its own contour', () => {
    expect(maskScanFor(stored, 'PET')?.path).toBe('shared-2');
  });

  it("never outlines an image with another image's contour", () => {
    const ownOnly = stored.filter((s) => s.modality !== 'mask');
    expect(maskScanFor(ownOnly, 'PET')).toBeUndefined();
    expect(maskScanFor(ownOnly, 'T1')?.path).toBe('t1-contour-2');
  });

  it('ignores images named like masks and answers nothing when there is no mask', () => {
    expect(maskScanFor([{ role: 'image', modality: 'mask:T1' }], 'T1')).toBeUndefined();
    expect(maskScanFor([], 'T1')).toBeUndefined();
  });
});
