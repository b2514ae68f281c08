// The even-odd fill at voxel centres: hand-counted shapes (a rectangle, a hole, two separate polygons, a triangle
// with centres on its edges), clipping at the slice's edge, and agreement with an independent ray-casting
// point-in-polygon test (PNPOLY) on random polygons.
import { fillEvenOdd } from '../../../../imaging/contours';

const poly = (...xy: number[]) => Float64Array.from(xy);
const rect = (x0: number, y0: number, x1: number, y1: number) => poly(x0, y0, x1, y0, x1, y1, x0, y1);

function filled(polygons: Float64Array[], nx: number, ny: number): string[] {
  const out = new Uint8Array(nx * ny);
  fillEvenOdd(polygons, nx, ny, out, 0);
  const set: string[] = [];
  out.forEach((v, i) => v && set.push(`${i % nx},${Math.floor(i / nx)}`));
  return set;
}

/** W. R. Franklin's PNPOLY: a ray from (x, y) towards +x crosses the polygons' edges an odd number of times. */
function pnpoly(polygons: Float64Array[], x: number, y: number): boolean {
  let inside = false;
  for (const p of polygons) {
    const n = p.length / 2;
    for (let i = 0, j = n - 1; i < n; j = i++) {
      const [xi, yi, xj, yj] = [p[2 * i], p[2 * i + 1], p[2 * j], p[2 * j + 1]];
      if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
    }
  }
  return inside;
}

describe('fillEvenOdd', () => {
  it('fills the voxel centres inside a rectangle', () => {
    // Centres x = 1, 2, 3 lie in [0.5, 3.5]; y = 1, 2 in [0.5, 2.5].
    expect(filled([rect(0.5, 0.5, 3.5, 2.5)], 6, 5)).toEqual(['1,1', '2,1', '3,1', '1,2', '2,2', '3,2']);
  });

  it('cuts a hole where one polygon lies inside another (even-odd over all contours of the slice)', () => {
    const set = filled([rect(-0.5, -0.5, 5.5, 4.5), rect(1.5, 0.5, 3.5, 3.5)], 6, 5);
    expect(set).toHaveLength(30 - 6); // the inner rectangle holds centres x = 2, 3 and y = 1, 2, 3
    for (const hole of ['2,1', '3,1', '2,2', '3,2', '2,3', '3,3']) expect(set).not.toContain(hole);
    expect(set).toContain('1,1');
  });

  it('adds up separate polygons of one slice', () => {
    expect(filled([rect(0.5, 0.5, 1.5, 1.5), rect(3.5, 2.5, 4.5, 3.5)], 6, 5)).toEqual(['1,1', '4,3']);
  });

  it('counts a centre on a left or lower edge as inside, on a right or upper edge as outside', () => {
    // Triangle (0,0), (4,0), (0,4): row y has centres x = 0 … 3 − y (x = 4 − y lies on the hypotenuse).
    expect(filled([poly(0, 0, 4, 0, 0, 4)], 6, 6)).toHaveLength(4 + 3 + 2 + 1);
    expect(filled([poly(0, 0, 4, 0, 0, 4)], 6, 6)).toEqual(['0,0', '1,0', '2,0', '3,0', '0,1', '1,1', '2,1', '0,2', '1,2', '0,3']);
  });

  it('clips to the slice: a polygon beyond the edges fills only the slice, and nothing outside its range of the array', () => {
    const out = new Uint8Array(3 * 4 * 4).fill(0);
    const set = fillEvenOdd([rect(-10, -10, 1.5, 20)], 4, 4, out, 16); // the middle slice of three
    expect(set).toBe(2 * 4); // x = 0, 1 on all 4 rows
    expect(out.subarray(0, 16).every((v) => v === 0)).toBe(true);
    expect(out.subarray(32).every((v) => v === 0)).toBe(true);
  });

  it('ignores polygons without area', () => {
    expect(filled([poly(1, 1, 3, 1, 2, 1)], 5, 5)).toEqual([]);
    expect(filled([], 5, 5)).toEqual([]);
  });

  it('agrees with ray casting at every voxel centre on random polygons, several per slice', () => {
    let seed = 12345;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 40 - 5;
    const disagreements: string[] = [];
    let inside = 0;
    for (let trial = 0; trial < 40; trial++) {
      const polygons = Array.from({ length: 1 + (trial % 3) }, (_, i) => Float64Array.from({ length: 2 * (3 + ((trial + i) % 9)) }, random));
      const out = new Uint8Array(30 * 30);
      fillEvenOdd(polygons, 30, 30, out, 0);
      for (let y = 0; y < 30; y++) {
        for (let x = 0; x < 30; x++) {
          if ((out[x + 30 * y] === 1) !== pnpoly(polygons, x, y)) disagreements.push(`trial ${trial} (${x}, ${y})`);
          inside += out[x + 30 * y];
        }
      }
    }
    expect(disagreements).toEqual([]);
    expect(inside).toBeGreaterThan(1000); // the polygons do cover voxels
  });
});
