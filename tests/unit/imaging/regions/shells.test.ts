// Peritumoral shells against the analytic shells of a sphere, the centre-distance mode against brute force, the body
// cut, the edge check, and the bone-marrow region.
import { marrowRegion, parseShellDistances, peritumoralShells, surfaceOffset } from '../../../../imaging/regions';
import { IDENTITY, type Vec3, type Volume } from '../../../../imaging/image';
import { RadiomicsInputError } from '../../../../imaging/errors';

/** A sphere of radius r (mm) voxelised by voxel centres, centred at `shift` voxels from the grid's middle. */
function sphere(spacing: Vec3, radius: number, extent: number, shift: Vec3): Volume<Uint8Array> {
  const size = spacing.map((s) => Math.ceil((2 * extent) / s) + 1) as Vec3;
  const [nx, ny, nz] = size;
  const c = size.map((n, a) => ((n - 1) / 2 + shift[a]) * spacing[a]);
  const data = new Uint8Array(nx * ny * nz);
  for (let z = 0, i = 0; z < nz; z++) {
    for (let y = 0; y < ny; y++) {
      for (let x = 0; x < nx; x++, i++) data[i] = Math.hypot(x * spacing[0] - c[0], y * spacing[1] - c[1], z * spacing[2] - c[2]) <= radius ? 1 : 0;
    }
  }
  return { geometry: { size, spacing, origin: [0, 0, 0], direction: IDENTITY }, data, source: 'tumour.nii.gz' };
}

const analyticMl = (r: number, a: number, b: number) => ((4 / 3) * Math.PI * ((r + b) ** 3 - (r + a) ** 3)) / 1000;
const SHELLS: Array<[number, number]> = [
  [0, 3],
  [3, 5],
  [5, 10],
];

describe('peritumoral shells', () => {
  // The 2 mm wide 3–5 mm shell is two voxels thick on a 1 mm grid: the discrete distances there leave it 2.5 % large
  // (one δ cannot be right both where the surface is aligned with the grid and where it is oblique).
  it.each([
    [[0.8, 0.8, 2], 20, [0.3, 0.1, 0.7], [0.02, 0.02, 0.02]],
    [[0.8, 0.8, 2], 12, [0.4, 0.3, 0.2], [0.02, 0.02, 0.02]],
    [[0.5, 0.5, 0.5], 12, [0.1, 0.2, 0.3], [0.02, 0.02, 0.02]],
    [[1, 1, 1], 15, [0.1, 0.3, 0.2], [0.02, 0.03, 0.02]],
  ] as [Vec3, number, Vec3, number[]][])(
    'on %p mm voxels, a sphere of radius %p mm (centre shifted by %p voxels): 0–3, 3–5, 5–10 mm shell volumes within %p of the analytic ones',
    (spacing, r, shift, tolerance) => {
      const tumour = sphere(spacing, r, r + 12, shift);
      const shells = peritumoralShells(tumour, SHELLS);
      shells.forEach((s, k) => {
        const [a, b] = SHELLS[k];
        expect(Math.abs(s.volume / analyticMl(r, a, b) - 1)).toBeLessThan(tolerance[k]);
        // Shells lie outside the tumour.
        let inside = 0;
        for (let i = 0; i < s.mask.data.length; i++) if (s.mask.data[i] && tumour.data[i]) inside++;
        expect(inside).toBe(0);
      });
      const overlap = shells[0].mask.data.some((v, i) => v && (shells[1].mask.data[i] || shells[2].mask.data[i]));
      expect(overlap).toBe(false);
      // The surface offset is up to half the coarsest voxel.
      expect(shells[0].surfaceOffset).toBeGreaterThan(0);
      expect(shells[0].surfaceOffset).toBeLessThan(Math.max(...spacing) / 2);
    },
  );

  it('measured from voxel centres, a shell is exactly the voxels whose nearest tumour centre lies a < d ≤ b away', () => {
    const spacing: Vec3 = [0.9, 1.1, 2.5];
    const tumour = sphere(spacing, 5, 12, [0.2, 0.1, 0.3]);
    const [nx, ny] = tumour.geometry.size;
    const inside: number[][] = [];
    tumour.data.forEach((v, i) => v && inside.push([i % nx, Math.floor(i / nx) % ny, Math.floor(i / (nx * ny))]));
    const [shell] = peritumoralShells(tumour, [[2, 4.5]], { from: 'centres' });
    expect(shell.surfaceOffset).toBe(0);
    tumour.data.forEach((v, i) => {
      const p = [i % nx, Math.floor(i / nx) % ny, Math.floor(i / (nx * ny))];
      const d = Math.sqrt(Math.min(...inside.map((q) => q.reduce((s, x, k) => s + ((x - p[k]) * spacing[k]) ** 2, 0))));
      expect(shell.mask.data[i]).toBe(!v && d > 2 && d <= 4.5 ? 1 : 0);
    });
  });

  it('without the surface offset the shells of a sphere fall short (the half-voxel bias the offset removes)', () => {
    const r = 20;
    const tumour = sphere([0.8, 0.8, 2], r, r + 12, [0.3, 0.1, 0.7]);
    const [thin] = peritumoralShells(tumour, [[0, 3]], { from: 'centres' });
    expect(thin.volume / analyticMl(r, 0, 3)).toBeLessThan(0.9);
    const voxels = tumour.data.reduce((n, v) => n + v, 0);
    expect(surfaceOffset([0.8, 0.8, 2], voxels * 0.8 * 0.8 * 2)).toBeCloseTo(peritumoralShells(tumour, [[0, 3]])[0].surfaceOffset, 12);
  });

  it('keeps only body voxels when a body image is given', () => {
    const tumour = sphere([1, 1, 1], 6, 14, [0.2, 0.2, 0.2]);
    const [nx] = tumour.geometry.size;
    // Body: the half-space x < 14 voxels.
    const image = { geometry: tumour.geometry, data: Float32Array.from(tumour.data, (_, i) => (i % nx < 14 ? 100 : 0)) };
    const [all] = peritumoralShells(tumour, [[0, 5]]);
    const [cut] = peritumoralShells(tumour, [[0, 5]], { body: { image, threshold: 50 } });
    let expected = 0;
    all.mask.data.forEach((v, i) => v && i % nx < 14 && expected++);
    expect(cut.voxels).toBe(expected);
    expect(cut.voxels).toBeLessThan(all.voxels);
  });

  it('refuses a shell that leaves the image, naming the file, the field and what was expected; --clip keeps what is inside', () => {
    // Tumour 4 mm from the −x edge: the 3–5 mm shell (the first that does not fit) is named.
    const g = { size: [30, 30, 30] as Vec3, spacing: [1, 1, 1] as Vec3, origin: [0, 0, 0] as Vec3, direction: IDENTITY };
    const data = new Uint8Array(27000);
    for (let z = 12; z < 18; z++) for (let y = 12; y < 18; y++) for (let x = 4; x < 10; x++) data[x + 30 * (y + 30 * z)] = 1;
    const tumour = { geometry: g, data, source: 'mask.nii.gz' };
    let err: unknown;
    try {
      peritumoralShells(tumour, SHELLS, { from: 'centres' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RadiomicsInputError);
    expect((err as Error).message).toBe(
      "file mask.nii.gz, field 'distances': the 3–5 mm shell leaves the image: the tumour lies 4 mm from the image's −x edge (expected shells within 4 mm of the tumour, or an image reaching 10 mm beyond its voxels on every side)",
    );
    expect(peritumoralShells(tumour, SHELLS, { onEdge: 'clip', from: 'centres' })[2].voxels).toBeGreaterThan(0);
    expect(peritumoralShells(tumour, [[0, 4]], { from: 'centres' })[0].voxels).toBeGreaterThan(0);
  });

  it('parses shell lists and refuses bad ones', () => {
    expect(parseShellDistances('0-3,3-5,5-10')).toEqual(SHELLS);
    expect(parseShellDistances(' 0.5 - 2.5 ')).toEqual([[0.5, 2.5]]);
    expect(() => parseShellDistances('3-3', '--distances')).toThrow("field '--distances': shell '3-3' (expected shells FROM-TO in mm with 0 ≤ FROM < TO");
    expect(() => parseShellDistances('0-3,x')).toThrow(/shell 'x'/);
  });
});

describe('bone-marrow region', () => {
  // A long bone along z: cortex ring (radius 6–8 voxels, 1000 HU) around marrow (40 HU) in soft tissue (50 HU).
  const size: Vec3 = [24, 24, 6];
  const g = { size, spacing: [1, 1, 3] as Vec3, origin: [0, 0, 0] as Vec3, direction: IDENTITY };
  const n = 24 * 24 * 6;
  const radiusOf = (i: number) => Math.hypot((i % 24) - 11.5, (Math.floor(i / 24) % 24) - 11.5);
  const ct = { geometry: g, data: Float32Array.from({ length: n }, (_, i) => (radiusOf(i) >= 6 && radiusOf(i) < 8 ? 1000 : radiusOf(i) < 6 ? 40 : 50)) };
  // Tumour: the marrow of the two lowest slices.
  const tumour = { geometry: g, data: Uint8Array.from({ length: n }, (_, i) => (radiusOf(i) < 6 && Math.floor(i / 576) < 2 ? 1 : 0)) };

  it('from CT: voxels ≥ the HU threshold with the holes of each slice filled, minus the tumour', () => {
    const region = marrowRegion(tumour, { ct, hu: 300 });
    let bone = 0;
    let marrowInTumourSlices = 0;
    for (let i = 0; i < n; i++) {
      const expected = radiusOf(i) < 8 && !tumour.data[i] ? 1 : 0;
      expect(region.mask.data[i]).toBe(expected);
      bone += expected;
      if (region.mask.data[i] && Math.floor(i / 576) < 2 && radiusOf(i) < 6) marrowInTumourSlices++;
    }
    expect(region.voxels).toBe(bone);
    expect(marrowInTumourSlices).toBe(0);
    expect(region.volume).toBeCloseTo((bone * 3) / 1000, 12);
    // Without hole filling only the cortex passes the threshold.
    const cortexOnly = marrowRegion(tumour, { ct, hu: 300, fillHoles: false });
    expect(cortexOnly.voxels).toBe(Array.from({ length: n }, (_, i) => i).filter((i) => radiusOf(i) >= 6 && radiusOf(i) < 8).length);
  });

  it('from a bone mask, and a mask on another grid is refused', () => {
    const bone = { geometry: g, data: Uint8Array.from({ length: n }, (_, i) => (radiusOf(i) < 8 ? 1 : 0)) };
    expect(marrowRegion(tumour, { mask: bone }).voxels).toBe(marrowRegion(tumour, { ct, hu: 300 }).voxels);
    const other = { geometry: { ...g, size: [24, 24, 5] as Vec3 }, data: new Uint8Array(24 * 24 * 5), source: 'bone.nii.gz' };
    expect(() => marrowRegion(tumour, { mask: other })).toThrow(
      "file bone.nii.gz, field 'size': bone mask is 24×24×5, the tumour mask 24×24×6 (expected the tumour mask's grid)",
    );
  });
});
