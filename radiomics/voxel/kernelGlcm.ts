// GLCM features of one kernel from its few co-occurrences: a 3×3×3 kernel has at most 18 pairs per direction, so
// the matrices are kept as sorted (i, j, count) entries instead of Ng×Ng arrays, and every formula runs over the
// entries. Same formulas as features/glcm.ts (PyRadiomics radiomics/glcm.py), voxel mode's Ng (the largest gray level
// of the whole ROI) in Idmn and Idn. weightingNorm merges directions before normalising; it goes through glcm.ts.
import type { Offset } from '../features/directions';
import { symmetricEigenvalues } from './symmetricEigen';

const EPS = Number.EPSILON;

/** Feature names of this module, in glcm.ts order. */
export const SPARSE_GLCM_FEATURES = [
  'Autocorrelation',
  'JointAverage',
  'ClusterProminence',
  'ClusterShade',
  'ClusterTendency',
  'Contrast',
  'Correlation',
  'DifferenceAverage',
  'DifferenceEntropy',
  'DifferenceVariance',
  'JointEnergy',
  'JointEntropy',
  'Imc1',
  'Imc2',
  'Idm',
  'MCC',
  'Idmn',
  'Id',
  'Idn',
  'InverseVariance',
  'MaximumProbability',
  'SumAverage',
  'SumEntropy',
  'SumSquares',
] as const;
type Name = (typeof SPARSE_GLCM_FEATURES)[number];
const INDEX = Object.fromEntries(SPARSE_GLCM_FEATURES.map((n, i) => [n, i])) as Record<Name, number>;
const F = (name: Name): number => INDEX[name];

/** Scratch space sized for one grid, reused by every kernel. */
export class KernelGlcm {
  private readonly codes: Int32Array;
  private readonly px: Float64Array;
  private readonly py: Float64Array;
  private readonly sum: Float64Array;
  private readonly diff: Float64Array;
  private readonly rowOf: Int32Array;
  private readonly a: number[] = [];
  private readonly b: number[] = [];
  private readonly p: number[] = [];
  /** Per-feature sum and count of the non-NaN per-direction values (numpy.nanmean). */
  private readonly acc = new Float64Array(SPARSE_GLCM_FEATURES.length);
  private readonly cnt = new Float64Array(SPARSE_GLCM_FEATURES.length);
  private readonly stride: number;
  private dense = new Float64Array(0);
  private eigen = new Float64Array(0);
  private scratch = new Float64Array(0);

  constructor(
    private readonly maxLevel: number,
    /** Number of gray levels of the whole ROI: a kernel with one level is flat for MCC only when this is 1. */
    private readonly levelCount: number,
    kernelVoxels: number,
    private readonly wanted: ReadonlySet<string>,
  ) {
    this.stride = maxLevel + 1;
    this.codes = new Int32Array(2 * kernelVoxels * 2);
    this.px = new Float64Array(maxLevel + 1);
    this.py = new Float64Array(maxLevel + 1);
    this.sum = new Float64Array(2 * maxLevel + 1);
    this.diff = new Float64Array(maxLevel + 1);
    this.rowOf = new Int32Array(maxLevel + 1).fill(-1);
  }

  /**
   * Features of the kernel [lo, hi] (inclusive x, y, z) of a grid of `size`: co-occurrences of voxels with a gray
   * level ≥ 1 in `binned` (cmatrices calculate_glcm with the kernel as bounding box). Returns the number of
   * directions with co-occurrences; values are written to `out[name][k]`.
   */
  compute(
    binned: Int32Array,
    size: readonly number[],
    lo: readonly number[],
    hi: readonly number[],
    directions: readonly Offset[],
    symmetrical: boolean,
    kernelLevels: number,
    out: Record<string, Float64Array>,
    k: number,
    /** Set to 1 at the index of each direction with co-occurrences. */
    nonEmpty: Uint8Array,
  ): number {
    nonEmpty.fill(0);
    this.acc.fill(0);
    this.cnt.fill(0);
    const [nx, ny] = size;
    let kept = 0;
    for (let di = 0; di < directions.length; di++) {
      const d = directions[di];
      const dz = d[0];
      const dy = d[1];
      const dx = d[2];
      const x0 = Math.max(lo[0], lo[0] - dx);
      const x1 = Math.min(hi[0], hi[0] - dx);
      const y0 = Math.max(lo[1], lo[1] - dy);
      const y1 = Math.min(hi[1], hi[1] - dy);
      const z0 = Math.max(lo[2], lo[2] - dz);
      const z1 = Math.min(hi[2], hi[2] - dz);
      const step = dx + nx * (dy + ny * dz);
      let n = 0;
      for (let z = z0; z <= z1; z++) {
        for (let y = y0; y <= y1; y++) {
          let i = x0 + nx * (y + ny * z);
          for (let x = x0; x <= x1; x++, i++) {
            const gi = binned[i];
            if (gi === 0) continue;
            const gj = binned[i + step];
            if (gj === 0) continue;
            this.codes[n++] = gi * this.stride + gj;
            if (symmetrical) this.codes[n++] = gj * this.stride + gi;
          }
        }
      }
      if (n === 0) continue; // an empty direction drops out of the nanmean
      kept++;
      nonEmpty[di] = 1;
      this.direction(n, kernelLevels);
    }
    for (let f = 0; f < SPARSE_GLCM_FEATURES.length; f++) {
      const name = SPARSE_GLCM_FEATURES[f];
      if (this.wanted.has(name)) out[name][k] = this.cnt[f] === 0 ? NaN : this.acc[f] / this.cnt[f];
    }
    return kept;
  }

  private add(f: number, v: number): void {
    if (!Number.isNaN(v)) {
      this.acc[f] += v;
      this.cnt[f]++;
    }
  }

  /** One direction's normalised matrix from its first n pair codes, and every feature of it. */
  private direction(n: number, kernelLevels: number): void {
    const codes = this.codes.subarray(0, n).sort();
    const { a, b, p, px, py, sum, diff, stride } = this;
    a.length = b.length = p.length = 0;
    for (let s = 0; s < n;) {
      let e = s + 1;
      while (e < n && codes[e] === codes[s]) e++;
      a.push(Math.floor(codes[s] / stride));
      b.push(codes[s] % stride);
      p.push((e - s) / n);
      s = e;
    }
    const m = p.length;
    let ux = 0;
    let uy = 0;
    let hxy = 0;
    let energy = 0;
    let maxP = 0;
    let auto = 0;
    let contrast = 0;
    for (let e = 0; e < m; e++) {
      const pe = p[e];
      px[a[e]] += pe;
      py[b[e]] += pe;
      sum[a[e] + b[e]] += pe;
      diff[Math.abs(a[e] - b[e])] += pe;
      ux += pe * a[e];
      uy += pe * b[e];
      hxy -= pe * Math.log2(pe + EPS);
      energy += pe * pe;
      if (pe > maxP) maxP = pe;
      auto += pe * a[e] * b[e];
      contrast += pe * (a[e] - b[e]) ** 2;
    }
    let c2 = 0;
    let c3 = 0;
    let c4 = 0;
    let sx = 0;
    let sy = 0;
    let cov = 0;
    let hxy1 = 0;
    for (let e = 0; e < m; e++) {
      const pe = p[e];
      const t = a[e] + b[e] - ux - uy;
      c2 += pe * t * t;
      c3 += pe * t * t * t;
      c4 += pe * t * t * t * t;
      sx += pe * (a[e] - ux) ** 2;
      sy += pe * (b[e] - uy) ** 2;
      cov += pe * (a[e] - ux) * (b[e] - uy);
      hxy1 -= pe * Math.log2(px[a[e]] * py[b[e]] + EPS);
    }
    // Marginal levels (distinct a and b values), for HX, HY, HXY2 and MCC.
    const rows: number[] = [];
    const cols: number[] = [];
    for (let e = 0; e < m; e++) {
      if (this.rowOf[a[e]] === -1) {
        this.rowOf[a[e]] = -2;
        rows.push(a[e]);
      }
    }
    for (const r of rows) this.rowOf[r] = -1;
    for (let e = 0; e < m; e++) {
      if (this.rowOf[b[e]] === -1) {
        this.rowOf[b[e]] = -2;
        cols.push(b[e]);
      }
    }
    for (const c of cols) this.rowOf[c] = -1;
    let hx = 0;
    let hy = 0;
    for (const r of rows) hx -= px[r] * Math.log2(px[r] + EPS);
    for (const c of cols) hy -= py[c] * Math.log2(py[c] + EPS);
    let hxy2 = 0;
    for (const r of rows) {
      for (const c of cols) {
        const q = px[r] * py[c];
        hxy2 -= q * Math.log2(q + EPS);
      }
    }
    // Sum and difference distributions: entropies, averages, variance, inverse moments.
    let sumAverage = 0;
    let sumEntropy = 0;
    for (let s = 2; s < sum.length; s++) {
      const q = sum[s];
      if (q === 0) continue;
      sumAverage += s * q;
      sumEntropy -= q * Math.log2(q + EPS);
      sum[s] = 0;
    }
    const ng = this.maxLevel;
    let diffAverage = 0;
    let diffEntropy = 0;
    let idm = 0;
    let idmn = 0;
    let id = 0;
    let idn = 0;
    let inverseVariance = 0;
    for (let d = 0; d < diff.length; d++) {
      const q = diff[d];
      if (q === 0) continue;
      diffAverage += d * q;
      diffEntropy -= q * Math.log2(q + EPS);
      idm += q / (1 + d * d);
      idmn += q / (1 + (d * d) / (ng * ng));
      id += q / (1 + d);
      idn += q / (1 + d / ng);
      if (d >= 1) inverseVariance += q / (d * d);
    }
    let diffVariance = 0;
    for (let d = 0; d < diff.length; d++) {
      if (diff[d] === 0) continue;
      diffVariance += (d - diffAverage) ** 2 * diff[d];
      diff[d] = 0;
    }

    const sigma = Math.sqrt(sx) * Math.sqrt(sy);
    // IBSI QWB0 · glcm.getAutocorrelationFeatureValue: Σ p(i,j)·i·j
    this.add(F('Autocorrelation'), auto);
    // IBSI 60VM · glcm.getJointAverageFeatureValue: μx
    this.add(F('JointAverage'), ux);
    // IBSI AE86 / 7NFM / DG8W · glcm.getCluster{Prominence,Shade,Tendency}FeatureValue: Σ (i + j − μx − μy)^{4,3,2} p(i,j)
    this.add(F('ClusterProminence'), c4);
    this.add(F('ClusterShade'), c3);
    this.add(F('ClusterTendency'), c2);
    // IBSI ACUI · glcm.getContrastFeatureValue: Σ (i − j)² p(i,j)
    this.add(F('Contrast'), contrast);
    // IBSI NI2N · glcm.getCorrelationFeatureValue: Σ p(i,j)(i − μx)(j − μy) / (σx σy + ε), 1 when σx σy = 0
    this.add(F('Correlation'), sigma === 0 ? 1 : cov / (sigma + EPS));
    // IBSI TF7R / NTRS / D3YU · glcm.getDifference{Average,Entropy,Variance}FeatureValue over p_{x−y}
    this.add(F('DifferenceAverage'), diffAverage);
    this.add(F('DifferenceEntropy'), diffEntropy);
    this.add(F('DifferenceVariance'), diffVariance);
    // IBSI 8ZQL · glcm.getJointEnergyFeatureValue: Σ p(i,j)²
    this.add(F('JointEnergy'), energy);
    // IBSI TU9B · glcm.getJointEntropyFeatureValue: HXY = −Σ p(i,j) log₂(p(i,j) + ε)
    this.add(F('JointEntropy'), hxy);
    // IBSI R8DG · glcm.getImc1FeatureValue: (HXY − HXY1) / max(HX, HY), 0 when both are 0
    const div = Math.max(hx, hy);
    this.add(F('Imc1'), div === 0 ? 0 : (hxy - hxy1) / div);
    // IBSI JN9H · glcm.getImc2FeatureValue: √(1 − e^(−2(HXY2 − HXY))), 0 when HXY2 = HXY
    this.add(F('Imc2'), hxy2 === hxy ? 0 : Math.sqrt(1 - Math.exp(-2 * (hxy2 - hxy))));
    // IBSI WF0Z / 1QCO / IB1Z / NDRX / E8JP · glcm.get{Idm,Idmn,Id,Idn,InverseVariance}FeatureValue over p_{x−y}, Ng of the ROI
    this.add(F('Idm'), idm);
    this.add(F('Idmn'), idmn);
    this.add(F('Id'), id);
    this.add(F('Idn'), idn);
    this.add(F('InverseVariance'), inverseVariance);
    // IBSI GYBY · glcm.getMaximumProbabilityFeatureValue: max p(i,j)
    this.add(F('MaximumProbability'), maxP);
    // IBSI ZGXS / P6QZ · glcm.getSum{Average,Entropy}FeatureValue over p_{x+y}
    this.add(F('SumAverage'), sumAverage);
    this.add(F('SumEntropy'), sumEntropy);
    // IBSI UR99 · glcm.getSumSquaresFeatureValue: Σ (i − μx)² p(i,j)
    this.add(F('SumSquares'), sx);
    // PyRadiomics · glcm.getMCCFeatureValue on the ROI's gray levels: √(second largest eigenvalue of Q)
    if (this.wanted.has('MCC')) this.add(F('MCC'), this.mcc(rows, kernelLevels));
    for (let e = 0; e < m; e++) {
      px[a[e]] = 0;
      py[b[e]] = 0;
    }
  }

  /**
   * √(second largest eigenvalue of Q), Q(i,j) = Σ_k p(i,k)p(j,k) / (px(i) py(k)). Q is similar to the symmetric
   * S = A·Aᵀ, A(i,k) = p(i,k)/√(px(i)py(k)), on the levels with px > 0 (rows of absent levels add eigenvalues 0), so the
   * eigenvalues of S are taken (symmetricEigen.ts). A kernel with one gray level has eigenvalues {1, 0, …} on the
   * ROI's levels (MCC 0), and is the flat case (1) only when the ROI has one level.
   */
  private mcc(rows: number[], kernelLevels: number): number {
    if (kernelLevels < 2) return this.levelCount < 2 ? 1 : 0;
    const n = rows.length;
    if (n < 2) return 0;
    const { a, b, p, px, py, rowOf } = this;
    rows.forEach((r, i) => (rowOf[r] = i));
    const S = this.dense.length >= n * n ? this.dense.fill(0, 0, n * n) : (this.dense = new Float64Array(n * n));
    // S(r1, r2) = Σ_k A(r1,k)·A(r2,k): pairs of entries sharing a column k, taken column by column.
    const m = p.length;
    const order = Array.from({ length: m }, (_, e) => e).sort((x, y) => b[x] - b[y]);
    const value = order.map((e) => p[e] / Math.sqrt(px[a[e]] * py[b[e]]));
    const row = order.map((e) => rowOf[a[e]]);
    for (let s0 = 0; s0 < m;) {
      let s1 = s0 + 1;
      while (s1 < m && b[order[s1]] === b[order[s0]]) s1++;
      for (let u = s0; u < s1; u++) for (let w = s0; w < s1; w++) S[row[u] * n + row[w]] += value[u] * value[w];
      s0 = s1;
    }
    for (const r of rows) rowOf[r] = -1;
    if (this.eigen.length < n) {
      this.eigen = new Float64Array(n);
      this.scratch = new Float64Array(n);
    }
    if (!symmetricEigenvalues(S, n, this.eigen, this.scratch)) return NaN;
    let first = -Infinity;
    let second = -Infinity;
    for (let i = 0; i < n; i++) {
      const v = this.eigen[i];
      if (v > first) {
        second = first;
        first = v;
      } else if (v > second) second = v;
    }
    return Math.sqrt(Math.max(0, second));
  }
}
