// The 3D FFT behind the exact spatial autocorrelation, against a direct DFT (Σ x(n) e^{∓2πi k·n/N}) on grids whose
// sides use every radix (2, 3, 4, 5 and their products), and a forward–inverse round trip.
import { fft3d, smoothSize } from '../../../../radiomics/ibsi/fft';

function directDft(re: Float64Array, im: Float64Array, size: [number, number, number], dir: -1 | 1): [Float64Array, Float64Array] {
  const [nx, ny, nz] = size;
  const outRe = new Float64Array(re.length),
    outIm = new Float64Array(re.length);
  for (let kz = 0; kz < nz; kz++)
    for (let ky = 0; ky < ny; ky++)
      for (let kx = 0; kx < nx; kx++) {
        let sr = 0,
          si = 0;
        for (let z = 0; z < nz; z++)
          for (let y = 0; y < ny; y++)
            for (let x = 0; x < nx; x++) {
              const phase = dir * 2 * Math.PI * ((kx * x) / nx + (ky * y) / ny + (kz * z) / nz);
              const i = x + nx * (y + ny * z);
              sr += re[i] * Math.cos(phase) - im[i] * Math.sin(phase);
              si += re[i] * Math.sin(phase) + im[i] * Math.cos(phase);
            }
        const k = kx + nx * (ky + ny * kz);
        outRe[k] = sr;
        outIm[k] = si;
      }
  return [outRe, outIm];
}

function maxDifference(a: Float64Array, b: Float64Array): number {
  let max = 0;
  for (let k = 0; k < a.length; k++) max = Math.max(max, Math.abs(a[k] - b[k]));
  return max;
}

function randomGrid(cells: number, seed: number): [Float64Array, Float64Array] {
  let s = seed;
  const next = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
  return [Float64Array.from({ length: cells }, next), Float64Array.from({ length: cells }, next)];
}

describe('fft3d', () => {
  it.each<[number, number, number]>([
    [8, 1, 1],
    [2, 3, 5],
    [12, 10, 1],
    [4, 9, 25],
    [30, 1, 6],
    [1, 1, 1],
    [16, 15, 2],
  ])('equals the direct DFT on a %i × %i × %i grid, forward and inverse', (nx, ny, nz) => {
    const size: [number, number, number] = [nx, ny, nz];
    const [re, im] = randomGrid(nx * ny * nz, nx * 100 + ny * 10 + nz);
    for (const dir of [-1, 1] as const) {
      const [wantRe, wantIm] = directDft(re, im, size, dir);
      const gotRe = re.slice(),
        gotIm = im.slice();
      fft3d(gotRe, gotIm, size, dir);
      expect(maxDifference(gotRe, wantRe)).toBeLessThan(1e-9);
      expect(maxDifference(gotIm, wantIm)).toBeLessThan(1e-9);
    }
  });

  it('forward then inverse multiplies by the number of cells (a 60 × 45 × 32 grid)', () => {
    const size: [number, number, number] = [60, 45, 32];
    const cells = 60 * 45 * 32;
    const [re, im] = randomGrid(cells, 7);
    const r = re.slice(),
      i = im.slice();
    fft3d(r, i, size, -1);
    fft3d(r, i, size, 1);
    expect(
      maxDifference(
        r.map((v) => v / cells),
        re,
      ),
    ).toBeLessThan(1e-12);
    expect(
      maxDifference(
        i.map((v) => v / cells),
        im,
      ),
    ).toBeLessThan(1e-12);
  });

  it('smoothSize: the next product of 2, 3 and 5', () => {
    expect([1, 7, 11, 13, 17, 31, 49, 97, 121, 199].map(smoothSize)).toEqual([1, 8, 12, 15, 18, 32, 50, 100, 125, 200]);
  });

  it('refuses a side that is not 5-smooth', () => {
    expect(() => fft3d(new Float64Array(7), new Float64Array(7), [7, 1, 1], -1)).toThrow(/not 5-smooth/);
  });
});
