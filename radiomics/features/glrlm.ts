// Gray Level Run Length Matrix features, PyRadiomics 3.1 semantics (radiomics/glrlm.py, cmatrices.c calculate_glrlm):
// one matrix per direction (distance 1), features averaged over directions (numpy.nanmean), or one merged matrix
// when weightingNorm is set.
import type { Vec3 } from '../../imaging/image';
import { directionOptions, offsetLength, offsetStep, textureDirections, type Offset } from './directions';
import { defineFeatureClass, EPS, nanMean, type FeatureFormula } from './featureTable';
import { roiGrayLevels, type GrayLevels } from './grayLevels';
import { marginalVariance, sizeWeighted, sumOfSquares } from './sizeMatrix';
import { paddedLevels, paddedStep, type PaddedLevels } from './paddedLevels';
import type { Roi } from './types';

/** One run length matrix P(i, j) with its marginals. */
export interface GlrlmAngle {
  /** P(i, j), row-major ng × runLengths.length (gray level × run length). */
  P: Float64Array;
  /** pg(i) = Σ_j P(i, j) */
  pg: Float64Array;
  /** pr(j) = Σ_i P(i, j) */
  pr: Float64Array;
  /** N_r(θ): number of runs. */
  runs: number;
}

export interface Glrlm {
  grayLevels: GrayLevels;
  /** Run lengths present in any direction (PyRadiomics jvector after removing empty run lengths). */
  runLengths: Float64Array;
  /** Directions of the kept matrices (empty ones removed), aligned with `angles`; empty when weighting merged them. */
  directions: Offset[];
  angles: GlrlmAngle[];
}

/** Builds the GLRLMs of a ROI (cmatrices.c calculate_glrlm + glrlm._calculateMatrix + _calculateCoefficients). */
export function glrlmMatrix(roi: Roi): Glrlm {
  const grayLevels = roiGrayLevels(roi, 'glrlm');
  const { settings, geometry } = roi;
  const size = geometry.size;
  const ng = grayLevels.values.length;
  const maxRun = Math.max(size[0], size[1], size[2]); // glrlm._calculateMatrix: Nr = max(image shape)
  let directions = textureDirections(size, directionOptions(settings, false, [1]));
  const padded = paddedLevels(roi, 1);
  // runs so far per voxel (no run outgrows the box's longest side, hence 16 bits for any practical box)
  const runs = maxRun <= 0xffff ? new Uint16Array(padded.levels.length) : null;
  let counts = directions.map(
    (offset) =>
      (runs && countRoiRuns(padded, runs, offset, grayLevels.indexOf, ng, maxRun)) ?? countRuns(roi.binned, size, offset, grayLevels.indexOf, ng, maxRun),
  );

  if (settings.weightingNorm !== null && settings.weightingNorm !== undefined) {
    // glrlm._calculateMatrix: each direction weighted by its length in mm under the norm, then summed.
    const norm = settings.weightingNorm;
    const merged = new Float64Array(ng * maxRun);
    directions.forEach((offset, a) => {
      const w = offsetLength(offset, geometry.spacing, norm);
      const P = counts[a];
      for (let k = 0; k < merged.length; k++) merged[k] += w * P[k];
    });
    counts = [merged];
    directions = [];
  } else if (counts.length > 1) {
    const kept = counts.map((P) => P.some((v) => v > 0));
    directions = directions.filter((_, a) => kept[a]);
    counts = counts.filter((_, a) => kept[a]);
  }

  // glrlm._calculateCoefficients: drop run lengths that occur in no direction.
  const present: number[] = [];
  for (let j = 0; j < maxRun; j++) {
    if (counts.some((P) => columnHasRuns(P, ng, maxRun, j))) present.push(j);
  }
  const runLengths = Float64Array.from(present, (j) => j + 1);
  const angles = counts.map((P) => angleMarginals(P, ng, maxRun, present));
  return { grayLevels, runLengths, directions, angles };
}

function columnHasRuns(P: Float64Array, ng: number, maxRun: number, j: number): boolean {
  for (let i = 0; i < ng; i++) if (P[i * maxRun + j] !== 0) return true;
  return false;
}

/**
 * Runs along one direction from the ROI voxels alone: visited so that each voxel's predecessor along the offset comes
 * first, a voxel's run so far is its predecessor's plus one where both hold its level (the zero border ends every
 * line), and a run is counted at the voxel whose successor holds another level. `runs` is scratch space of the
 * padded box's size. Null when no run is longer than one voxel: whether a line then holds two ROI voxels apart
 * (cmatrices.c's test for an empty direction) is left to countRuns.
 */
function countRoiRuns(padded: PaddedLevels, runs: Uint16Array, offset: Offset, indexOf: Int32Array, ng: number, maxRun: number): Float64Array | null {
  const P = new Float64Array(ng * maxRun);
  const { levels, voxels } = padded;
  const step = paddedStep(offset, padded);
  const n = voxels.length;
  // voxels are in box order: ascending indices when the offset steps forward, descending otherwise
  const first = step > 0 ? 0 : n - 1;
  const by = step > 0 ? 1 : -1;
  let long = 0;
  // Branch-free integer tests (sign bits): runs end too irregularly for branches to be predicted.
  for (let k = first, left = n; left > 0; k += by, left--) {
    const p = voxels[k];
    const g = levels[p];
    const before = levels[p - step] ^ g;
    const same = ((before | -before) >>> 31) ^ 1;
    const run = 1 + (runs[p - step] & -same);
    runs[p] = run;
    const after = levels[p + step] ^ g;
    P[indexOf[g] * maxRun + run - 1] += (after | -after) >>> 31;
    long |= run >> 1;
  }
  return long !== 0 ? P : null;
}

/**
 * Runs along one direction: every line of the box parallel to the offset is walked once from its first voxel
 * (the one whose predecessor lies outside the box), counting maximal runs of one gray level inside the ROI.
 * As in cmatrices.c, a direction whose lines never hold two ROI voxels (e.g. across a single-slice ROI) is left empty.
 */
function countRuns(binned: Int32Array, size: Vec3, offset: Offset, indexOf: Int32Array, ng: number, maxRun: number): Float64Array {
  const P = new Float64Array(ng * maxRun);
  const [nx, ny, nz] = size;
  const [dz, dy, dx] = offset;
  const step = offsetStep(offset, size);
  let multiElement = false;
  // One line's maximal runs, walked from its first voxel.
  const walk = (x: number, y: number, z: number) => {
    // voxels on this line: steps until the first moving axis leaves the box
    const length = Math.min(lineLength(x, dx, nx), lineLength(y, dy, ny), lineLength(z, dz, nz));
    let i = x + nx * (y + ny * z);
    let level = 0;
    let run = 0;
    let elements = 0;
    for (let s = 0; s < length; s++, i += step) {
      const g = binned[i];
      if (g !== level) {
        if (level !== 0) P[indexOf[level] * maxRun + run - 1]++;
        level = g;
        run = 1;
      } else {
        run++;
      }
      if (g !== 0) elements++;
    }
    if (level !== 0) P[indexOf[level] * maxRun + run - 1]++;
    if (elements > 1) multiElement = true;
  };
  // Only the first voxels of lines are visited: where the step back leaves the box along y or z every voxel of the
  // row starts a line, otherwise only the row's end the x step comes from (none when the line does not move in x).
  for (let z = 0; z < nz; z++) {
    for (let y = 0; y < ny; y++) {
      if (!inBox(0, y - dy, z - dz, 1, ny, nz)) {
        for (let x = 0; x < nx; x++) walk(x, y, z);
      } else if (dx > 0) {
        walk(0, y, z);
      } else if (dx < 0) {
        walk(nx - 1, y, z);
      }
    }
  }
  if (!multiElement) P.fill(0);
  return P;
}

/** Voxels from coordinate c to the edge of an axis of n voxels moving by d (unbounded when d = 0). */
function lineLength(c: number, d: number, n: number): number {
  if (d > 0) return n - c;
  if (d < 0) return c + 1;
  return Infinity;
}

function inBox(x: number, y: number, z: number, nx: number, ny: number, nz: number): boolean {
  return x >= 0 && x < nx && y >= 0 && y < ny && z >= 0 && z < nz;
}

function angleMarginals(full: Float64Array, ng: number, maxRun: number, present: number[]): GlrlmAngle {
  const nr = present.length;
  const P = new Float64Array(ng * nr);
  const pg = new Float64Array(ng);
  const pr = new Float64Array(nr);
  let runs = 0;
  for (let i = 0; i < ng; i++) {
    for (let c = 0; c < nr; c++) {
      const v = full[i * maxRun + present[c]];
      P[i * nr + c] = v;
      pg[i] += v;
      pr[c] += v;
      runs += v;
    }
  }
  return { P, pg, pr, runs };
}

/** Σ_i Σ_j P(i,j)·f(i, j) / N_r over gray level and run length values; NaN for an empty matrix (glrlm: Nr = 0 → NaN). */
function runWeighted(g: Glrlm, m: GlrlmAngle, f: (i: number, j: number) => number): number {
  return sizeWeighted(m.P, g.grayLevels.values, g.runLengths, m.runs === 0 ? NaN : m.runs, f);
}

type AngleFormula = (g: Glrlm, m: GlrlmAngle) => number;

// IBSI 22OV · glrlm.getShortRunEmphasisFeatureValue: Σ P(i,j)/j² / N_r
const shortRunEmphasis: AngleFormula = (g, m) => runWeighted(g, m, (_, j) => 1 / (j * j));
// IBSI W4KF · glrlm.getLongRunEmphasisFeatureValue: Σ P(i,j)·j² / N_r
const longRunEmphasis: AngleFormula = (g, m) => runWeighted(g, m, (_, j) => j * j);
// IBSI R5YN · glrlm.getGrayLevelNonUniformityFeatureValue: Σ_i pg(i)² / N_r
const grayLevelNonUniformity: AngleFormula = (_, m) => sumOfSquares(m.pg) / m.runs;
// IBSI OVBL · glrlm.getGrayLevelNonUniformityNormalizedFeatureValue: Σ_i pg(i)² / N_r²
const grayLevelNonUniformityNormalized: AngleFormula = (_, m) => sumOfSquares(m.pg) / (m.runs * m.runs);
// IBSI W92Y · glrlm.getRunLengthNonUniformityFeatureValue: Σ_j pr(j)² / N_r
const runLengthNonUniformity: AngleFormula = (_, m) => sumOfSquares(m.pr) / m.runs;
// IBSI IC23 · glrlm.getRunLengthNonUniformityNormalizedFeatureValue: Σ_j pr(j)² / N_r²
const runLengthNonUniformityNormalized: AngleFormula = (_, m) => sumOfSquares(m.pr) / (m.runs * m.runs);
// IBSI 9ZK5 · glrlm.getRunPercentageFeatureValue: N_r / N_p with N_p = Σ_j pr(j)·j (counts each voxel once per merged matrix)
const runPercentage: AngleFormula = (g, m) => {
  let voxels = 0;
  for (let c = 0; c < m.pr.length; c++) voxels += m.pr[c] * g.runLengths[c];
  return m.runs / voxels;
};
// IBSI 8CE5 · glrlm.getGrayLevelVarianceFeatureValue: Σ p(i,j)(i − μ)², μ = Σ p(i,j)·i
const grayLevelVariance: AngleFormula = (g, m) => marginalVariance(m.pg, g.grayLevels.values, m.runs);
// IBSI SXLW · glrlm.getRunVarianceFeatureValue: Σ p(i,j)(j − μ)², μ = Σ p(i,j)·j
const runVariance: AngleFormula = (g, m) => marginalVariance(m.pr, g.runLengths, m.runs);
// IBSI HJ9O · glrlm.getRunEntropyFeatureValue: −Σ p(i,j) log₂(p(i,j) + ε), p = P/N_r
const runEntropy: AngleFormula = (_, m) => {
  let h = 0;
  for (let k = 0; k < m.P.length; k++) {
    const p = m.P[k] / m.runs;
    h -= p * Math.log2(p + EPS);
  }
  return h;
};
// IBSI V3SW · glrlm.getLowGrayLevelRunEmphasisFeatureValue: Σ P(i,j)/i² / N_r
const lowGrayLevelRunEmphasis: AngleFormula = (g, m) => runWeighted(g, m, (i) => 1 / (i * i));
// IBSI G3QZ · glrlm.getHighGrayLevelRunEmphasisFeatureValue: Σ P(i,j)·i² / N_r
const highGrayLevelRunEmphasis: AngleFormula = (g, m) => runWeighted(g, m, (i) => i * i);
// IBSI HTZT · glrlm.getShortRunLowGrayLevelEmphasisFeatureValue: Σ P(i,j)/(i²j²) / N_r
const shortRunLowGrayLevelEmphasis: AngleFormula = (g, m) => runWeighted(g, m, (i, j) => 1 / (i * i * j * j));
// IBSI GD3A · glrlm.getShortRunHighGrayLevelEmphasisFeatureValue: Σ P(i,j)·i²/j² / N_r
const shortRunHighGrayLevelEmphasis: AngleFormula = (g, m) => runWeighted(g, m, (i, j) => (i * i) / (j * j));
// IBSI IVPO · glrlm.getLongRunLowGrayLevelEmphasisFeatureValue: Σ P(i,j)·j²/i² / N_r
const longRunLowGrayLevelEmphasis: AngleFormula = (g, m) => runWeighted(g, m, (i, j) => (j * j) / (i * i));
// IBSI 3KUM · glrlm.getLongRunHighGrayLevelEmphasisFeatureValue: Σ P(i,j)·i²·j² / N_r
const longRunHighGrayLevelEmphasis: AngleFormula = (g, m) => runWeighted(g, m, (i, j) => i * i * j * j);

/** Feature value = numpy.nanmean of the per-direction values (a single value when merged by weighting). */
const averaged =
  (f: AngleFormula): FeatureFormula<Glrlm> =>
  (g) =>
    nanMean(g.angles.map((m) => f(g, m)));

export const glrlm = defineFeatureClass<Glrlm>({
  name: 'glrlm',
  formulas: {
    ShortRunEmphasis: averaged(shortRunEmphasis),
    LongRunEmphasis: averaged(longRunEmphasis),
    GrayLevelNonUniformity: averaged(grayLevelNonUniformity),
    GrayLevelNonUniformityNormalized: averaged(grayLevelNonUniformityNormalized),
    RunLengthNonUniformity: averaged(runLengthNonUniformity),
    RunLengthNonUniformityNormalized: averaged(runLengthNonUniformityNormalized),
    RunPercentage: averaged(runPercentage),
    GrayLevelVariance: averaged(grayLevelVariance),
    RunVariance: averaged(runVariance),
    RunEntropy: averaged(runEntropy),
    LowGrayLevelRunEmphasis: averaged(lowGrayLevelRunEmphasis),
    HighGrayLevelRunEmphasis: averaged(highGrayLevelRunEmphasis),
    ShortRunLowGrayLevelEmphasis: averaged(shortRunLowGrayLevelEmphasis),
    ShortRunHighGrayLevelEmphasis: averaged(shortRunHighGrayLevelEmphasis),
    LongRunLowGrayLevelEmphasis: averaged(longRunLowGrayLevelEmphasis),
    LongRunHighGrayLevelEmphasis: averaged(longRunHighGrayLevelEmphasis),
  },
  deprecated: [],
  matrix: glrlmMatrix,
});
