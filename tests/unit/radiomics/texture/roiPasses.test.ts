// The texture matrices walk only the ROI's voxels in a zero-bordered copy of its box, and first-order statistics select
// their order statistics instead of sorting: both are checked here against the definitions computed the plain way
// (every voxel of the box, bounds checked; a full sort), on random ROIs that touch the box's faces, with holes, with
// distances beyond 1 and in 2D.
import { selectRanks } from '../../../../radiomics/features/firstorder';
import { textureDirections, type Offset } from '../../../../radiomics/features/directions';
import { glcmMatrix } from '../../../../radiomics/features/glcm';
import { gldmMatrix } from '../../../../radiomics/features/gldm';
import { glrlmMatrix } from '../../../../radiomics/features/glrlm';
import { glszmMatrix } from '../../../../radiomics/features/glszm';
import { ngtdmMatrix } from '../../../../radiomics/features/ngtdm';
import type { FeatureSettings } from '../../../../radiomics/features/types';
import { handRoi } from './support';

/** A deterministic generator (mulberry32), so that a failure names a reproducible case. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A [z][y][x] ROI of `levels` gray levels where about `fill` of the box's voxels are in the ROI. */
function randomLevels(rand: () => number, size: [number, number, number], levels: number, fill: number): number[][][] {
  const [nx, ny, nz] = size;
  return Array.from({ length: nz }, () =>
    Array.from({ length: ny }, () => Array.from({ length: nx }, () => (rand() < fill ? 1 + Math.floor(rand() * levels) : 0))),
  );
}

const at = (v: number[][][], x: number, y: number, z: number): number =>
  z >= 0 && z < v.length && y >= 0 && y < v[0].length && x >= 0 && x < v[0][0].length ? v[z][y][x] : 0;

function* voxels(v: number[][][]): Generator<[number, number, number, number]> {
  for (let z = 0; z < v.length; z++)
    for (let y = 0; y < v[0].length; y++) for (let x = 0; x < v[0][0].length; x++) if (v[z][y][x] > 0) yield [x, y, z, v[z][y][x]];
}

/** Co-occurrences (i, j) of voxel and neighbour at the offset, both in the ROI: counted from the definition. */
function pairsByDefinition(v: number[][][], [dz, dy, dx]: Offset): Map<string, number> {
  const pairs = new Map<string, number>();
  for (const [x, y, z, g] of voxels(v)) {
    const h = at(v, x + dx, y + dy, z + dz);
    if (h > 0) pairs.set(`${g},${h}`, (pairs.get(`${g},${h}`) ?? 0) + 1);
  }
  return pairs;
}

/** Maximal runs of one level along the offset: (level, length) counted from each run's first voxel. */
function runsByDefinition(v: number[][][], [dz, dy, dx]: Offset): Map<string, number> {
  const runs = new Map<string, number>();
  for (const [x, y, z, g] of voxels(v)) {
    if (at(v, x - dx, y - dy, z - dz) === g) continue;
    let n = 1;
    while (at(v, x + n * dx, y + n * dy, z + n * dz) === g) n++;
    runs.set(`${g},${n}`, (runs.get(`${g},${n}`) ?? 0) + 1);
  }
  return runs;
}

function matrixCells(P: Float64Array, rows: ArrayLike<number>, columns: ArrayLike<number>): Map<string, number> {
  const cells = new Map<string, number>();
  for (let r = 0; r < rows.length; r++) {
    for (let c = 0; c < columns.length; c++) {
      const n = P[r * columns.length + c];
      if (n !== 0) cells.set(`${rows[r]},${columns[c]}`, n);
    }
  }
  return cells;
}

const CASES: { name: string; size: [number, number, number]; levels: number; fill: number; settings: Partial<FeatureSettings> }[] = [
  { name: 'dense, 3 levels', size: [7, 6, 5], levels: 3, fill: 0.9, settings: {} },
  { name: 'sparse, 8 levels', size: [9, 5, 6], levels: 8, fill: 0.45, settings: {} },
  { name: 'distances 1 and 2', size: [6, 7, 5], levels: 4, fill: 0.7, settings: { distances: [1, 2] } },
  { name: 'force2D', size: [8, 7, 3], levels: 3, fill: 0.8, settings: { force2D: true } },
  { name: 'gldm_a 1', size: [6, 6, 6], levels: 6, fill: 0.8, settings: { gldm_a: 1 } },
];

describe.each(CASES)('texture passes over the ROI, $name', ({ size, levels, fill, settings }) => {
  const seeds = [1, 2, 3];

  it.each(seeds)('GLCM counts every in-ROI pair of each direction (seed %i)', (seed) => {
    const v = randomLevels(random(seed), size, levels, fill);
    const roi = handRoi(v, { ...settings, symmetricalGLCM: false });
    const m = glcmMatrix(roi);
    const directions = textureDirections(roi.geometry.size, {
      distances: roi.settings.distances,
      bidirectional: false,
      force2D: roi.settings.force2D,
      force2Ddimension: roi.settings.force2Ddimension,
    });
    const kept = directions.filter((d) => pairsByDefinition(v, d).size > 0);
    expect(m.directions).toEqual(kept);
    m.angles.forEach((angle, a) => {
      const pairs = pairsByDefinition(v, kept[a]);
      const total = [...pairs.values()].reduce((s, n) => s + n, 0);
      const expected = new Map([...pairs].map(([k, n]) => [k, n / total]));
      expect(matrixCells(angle.p, angle.level, angle.level)).toEqual(expected);
    });
  });

  it.each(seeds)('GLRLM counts every maximal run of each direction (seed %i)', (seed) => {
    const v = randomLevels(random(seed), size, levels, fill);
    const m = glrlmMatrix(handRoi(v, settings));
    m.directions.forEach((direction, a) => {
      expect(matrixCells(m.angles[a].P, m.grayLevels.values, m.runLengths)).toEqual(runsByDefinition(v, direction));
    });
  });

  it.each(seeds)('GLSZM zones are the connected components of each level (seed %i)', (seed) => {
    const v = randomLevels(random(seed), size, levels, fill);
    const m = glszmMatrix(handRoi(v, settings));
    // Components by repeated relabelling to the smallest neighbouring label: slow, and independent of a flood fill.
    const flat = [...voxels(v)];
    const key = (x: number, y: number, z: number) => `${x},${y},${z}`;
    const label = new Map(flat.map(([x, y, z], k) => [key(x, y, z), k]));
    const depth = settings.force2D ? 0 : 1;
    for (let changed = true; changed;) {
      changed = false;
      for (const [x, y, z, g] of flat) {
        for (let dz = -depth; dz <= depth; dz++) {
          for (let dy = -1; dy <= 1; dy++) {
            for (let dx = -1; dx <= 1; dx++) {
              if (at(v, x + dx, y + dy, z + dz) !== g) continue;
              const mine = label.get(key(x, y, z))!;
              const theirs = label.get(key(x + dx, y + dy, z + dz))!;
              if (theirs < mine) {
                label.set(key(x, y, z), theirs);
                changed = true;
              }
            }
          }
        }
      }
    }
    const zones = new Map<number, { level: number; size: number }>();
    for (const [x, y, z, g] of flat) {
      const zone = zones.get(label.get(key(x, y, z))!) ?? { level: g, size: 0 };
      zone.size++;
      zones.set(label.get(key(x, y, z))!, zone);
    }
    const expected = new Map<string, number>();
    for (const { level, size: n } of zones.values()) expected.set(`${level},${n}`, (expected.get(`${level},${n}`) ?? 0) + 1);
    expect(matrixCells(m.P, m.grayLevels.values, m.zoneSizes)).toEqual(expected);
  });

  it.each(seeds)('GLDM and NGTDM read each voxel’s ROI neighbours within the distances (seed %i)', (seed) => {
    const v = randomLevels(random(seed), size, levels, fill);
    const roi = handRoi(v, settings);
    const directions = textureDirections(roi.geometry.size, {
      distances: roi.settings.distances,
      bidirectional: true,
      force2D: roi.settings.force2D,
      force2Ddimension: roi.settings.force2Ddimension,
    });
    const dependence = new Map<string, number>();
    const n = new Map<number, number>();
    const s = new Map<number, number>();
    for (const [x, y, z, g] of voxels(v)) {
      const around = directions.map(([dz, dy, dx]) => at(v, x + dx, y + dy, z + dz)).filter((h) => h > 0);
      const dependents = around.filter((h) => Math.abs(g - h) <= roi.settings.gldm_a).length;
      dependence.set(`${g},${dependents + 1}`, (dependence.get(`${g},${dependents + 1}`) ?? 0) + 1);
      n.set(g, (n.get(g) ?? 0) + 1);
      const difference = around.length === 0 ? 0 : Math.abs(g - around.reduce((a, b) => a + b, 0) / around.length);
      s.set(g, (s.get(g) ?? 0) + difference);
    }
    const gldm = gldmMatrix(roi);
    expect(matrixCells(gldm.P, gldm.grayLevels.values, gldm.dependenceSizes)).toEqual(dependence);
    const ngtdm = ngtdmMatrix(roi);
    ngtdm.grayLevels.values.forEach((g, k) => {
      expect(ngtdm.n[k]).toBe(n.get(g));
      expect(ngtdm.s[k]).toBeCloseTo(s.get(g)!, 10);
    });
  });
});

describe('selectRanks', () => {
  const arrays: [string, (rand: () => number) => number[]][] = [
    ['distinct', (rand) => Array.from({ length: 1000 }, () => rand() * 200 - 100)],
    ['many ties', (rand) => Array.from({ length: 1000 }, () => Math.floor(rand() * 5))],
    ['ascending', () => Array.from({ length: 500 }, (_, i) => i)],
    ['descending', () => Array.from({ length: 500 }, (_, i) => -i)],
    ['all equal', () => Array.from({ length: 300 }, () => 7)],
    ['organ pipe', () => Array.from({ length: 400 }, (_, i) => Math.min(i, 399 - i))],
    ['tiny', () => [3, -1, 2]],
  ];

  it.each(arrays)('puts the order statistics of the asked ranks in place: %s', (_, make) => {
    const rand = random(42);
    for (let trial = 0; trial < 5; trial++) {
      const values = make(rand);
      const sorted = Float64Array.from(values).sort();
      const n = values.length;
      const ranks = [...new Set([0, n - 1, Math.floor(0.1 * (n - 1)), Math.floor(0.5 * (n - 1)), Math.floor(rand() * n), Math.floor(rand() * n)])].sort(
        (a, b) => a - b,
      );
      const a = Float64Array.from(values);
      selectRanks(a, ranks);
      for (const r of ranks) {
        expect(a[r]).toBe(sorted[r]);
        // and split around it: nothing before it is larger, nothing after it smaller
        expect(a.subarray(0, r).every((x) => x <= a[r]) && a.subarray(r + 1).every((x) => x >= a[r])).toBe(true);
      }
      expect(Float64Array.from(a).sort()).toEqual(sorted);
    }
  });
});
