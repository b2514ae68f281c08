// A complex FFT for 3D grids whose sides are 5-smooth (products of 2, 3 and 5): mixed-radix Stockham passes
// (radices 4, 2, 3, 5), one axis at a time, each over a batch of lines copied into a contiguous scratch buffer.
// Unnormalised in both directions: a forward then an inverse transform multiplies by the number of cells.

/** The smallest 5-smooth integer ≥ n (n ≥ 1). */
export function smoothSize(n: number): number {
  for (let m = Math.max(1, Math.ceil(n)); ; m++) {
    let r = m;
    for (const p of [2, 3, 5]) while (r % p === 0) r /= p;
    if (r === 1) return m;
  }
}

interface Plan {
  n: number;
  radices: number[];
  cos: Float64Array;
  sin: Float64Array;
}

const plans = new Map<number, Plan>();

function planFor(n: number): Plan {
  let plan = plans.get(n);
  if (plan) return plan;
  const radices: number[] = [];
  let r = n;
  for (const p of [4, 2, 3, 5]) {
    for (; r % p === 0; r /= p) radices.push(p);
  }
  if (r !== 1) throw new Error(`FFT length ${n} is not 5-smooth`);
  const cos = new Float64Array(n);
  const sin = new Float64Array(n);
  for (let t = 0; t < n; t++) {
    cos[t] = Math.cos((2 * Math.PI * t) / n);
    sin[t] = Math.sin((2 * Math.PI * t) / n);
  }
  plan = { n, radices, cos, sin };
  plans.set(n, plan);
  return plan;
}

const C5_1 = Math.cos((2 * Math.PI) / 5),
  C5_2 = Math.cos((4 * Math.PI) / 5),
  S5_1 = Math.sin((2 * Math.PI) / 5),
  S5_2 = Math.sin((4 * Math.PI) / 5),
  S3 = Math.sqrt(3) / 2;

/**
 * Transforms `batch` interleaved sequences of length plan.n (element i of sequence b at b + batch·i) in (ar, ai),
 * ping-ponging with (br, bi); returns the pair that holds the result. dir = −1 forward (e^{−2πi jk/n}), +1 inverse.
 */
function stockham(
  ar: Float64Array,
  ai: Float64Array,
  br: Float64Array,
  bi: Float64Array,
  batch: number,
  plan: Plan,
  dir: number,
): [Float64Array, Float64Array] {
  const { n, cos, sin } = plan;
  let xr = ar,
    xi = ai,
    yr = br,
    yi = bi;
  let s = 1; // sub-transforms done so far, interleaved
  let len = n;
  for (const p of plan.radices) {
    const m = len / p;
    const sb = s * batch;
    for (let q = 0; q < m; q++) {
      // twiddles w^r = e^{dir·2πi q r / len} = table[q·r·s]
      const t = q * s;
      const w1r = cos[t],
        w1i = dir * sin[t];
      const w2r = cos[2 * t],
        w2i = dir * sin[2 * t];
      const w3r = p > 3 ? cos[3 * t] : 0,
        w3i = p > 3 ? dir * sin[3 * t] : 0;
      const w4r = p > 4 ? cos[4 * t] : 0,
        w4i = p > 4 ? dir * sin[4 * t] : 0;
      const inBase = q * sb;
      const inStep = m * sb;
      const outBase = p * q * sb;
      for (let e = 0; e < sb; e++) {
        const i0 = inBase + e;
        const o0 = outBase + e;
        if (p === 4) {
          const a0r = xr[i0],
            a0i = xi[i0],
            a1r = xr[i0 + inStep],
            a1i = xi[i0 + inStep],
            a2r = xr[i0 + 2 * inStep],
            a2i = xi[i0 + 2 * inStep],
            a3r = xr[i0 + 3 * inStep],
            a3i = xi[i0 + 3 * inStep];
          const t0r = a0r + a2r,
            t0i = a0i + a2i,
            t1r = a0r - a2r,
            t1i = a0i - a2i,
            t2r = a1r + a3r,
            t2i = a1i + a3i;
          // (a1 − a3)·(dir·i)
          const t3r = -dir * (a1i - a3i),
            t3i = dir * (a1r - a3r);
          const y1r = t1r + t3r,
            y1i = t1i + t3i,
            y2r = t0r - t2r,
            y2i = t0i - t2i,
            y3r = t1r - t3r,
            y3i = t1i - t3i;
          yr[o0] = t0r + t2r;
          yi[o0] = t0i + t2i;
          yr[o0 + sb] = y1r * w1r - y1i * w1i;
          yi[o0 + sb] = y1r * w1i + y1i * w1r;
          yr[o0 + 2 * sb] = y2r * w2r - y2i * w2i;
          yi[o0 + 2 * sb] = y2r * w2i + y2i * w2r;
          yr[o0 + 3 * sb] = y3r * w3r - y3i * w3i;
          yi[o0 + 3 * sb] = y3r * w3i + y3i * w3r;
        } else if (p === 2) {
          const a0r = xr[i0],
            a0i = xi[i0],
            a1r = xr[i0 + inStep],
            a1i = xi[i0 + inStep];
          const dr = a0r - a1r,
            di = a0i - a1i;
          yr[o0] = a0r + a1r;
          yi[o0] = a0i + a1i;
          yr[o0 + sb] = dr * w1r - di * w1i;
          yi[o0 + sb] = dr * w1i + di * w1r;
        } else if (p === 3) {
          const a0r = xr[i0],
            a0i = xi[i0],
            a1r = xr[i0 + inStep],
            a1i = xi[i0 + inStep],
            a2r = xr[i0 + 2 * inStep],
            a2i = xi[i0 + 2 * inStep];
          const sr = a1r + a2r,
            si = a1i + a2i;
          const mr = a0r - sr / 2,
            mi = a0i - si / 2;
          // dir·i·(√3/2)(a1 − a2)
          const jr = -dir * S3 * (a1i - a2i),
            ji = dir * S3 * (a1r - a2r);
          const y1r = mr + jr,
            y1i = mi + ji,
            y2r = mr - jr,
            y2i = mi - ji;
          yr[o0] = a0r + sr;
          yi[o0] = a0i + si;
          yr[o0 + sb] = y1r * w1r - y1i * w1i;
          yi[o0 + sb] = y1r * w1i + y1i * w1r;
          yr[o0 + 2 * sb] = y2r * w2r - y2i * w2i;
          yi[o0 + 2 * sb] = y2r * w2i + y2i * w2r;
        } else {
          const a0r = xr[i0],
            a0i = xi[i0],
            a1r = xr[i0 + inStep],
            a1i = xi[i0 + inStep],
            a2r = xr[i0 + 2 * inStep],
            a2i = xi[i0 + 2 * inStep],
            a3r = xr[i0 + 3 * inStep],
            a3i = xi[i0 + 3 * inStep],
            a4r = xr[i0 + 4 * inStep],
            a4i = xi[i0 + 4 * inStep];
          const s14r = a1r + a4r,
            s14i = a1i + a4i,
            d14r = a1r - a4r,
            d14i = a1i - a4i,
            s23r = a2r + a3r,
            s23i = a2i + a3i,
            d23r = a2r - a3r,
            d23i = a2i - a3i;
          const m1r = a0r + C5_1 * s14r + C5_2 * s23r,
            m1i = a0i + C5_1 * s14i + C5_2 * s23i,
            m2r = a0r + C5_2 * s14r + C5_1 * s23r,
            m2i = a0i + C5_2 * s14i + C5_1 * s23i;
          // dir·i·(S1 d14 + S2 d23) and dir·i·(S2 d14 − S1 d23)
          const n1r = -dir * (S5_1 * d14i + S5_2 * d23i),
            n1i = dir * (S5_1 * d14r + S5_2 * d23r),
            n2r = -dir * (S5_2 * d14i - S5_1 * d23i),
            n2i = dir * (S5_2 * d14r - S5_1 * d23r);
          const y1r = m1r + n1r,
            y1i = m1i + n1i,
            y4r = m1r - n1r,
            y4i = m1i - n1i,
            y2r = m2r + n2r,
            y2i = m2i + n2i,
            y3r = m2r - n2r,
            y3i = m2i - n2i;
          yr[o0] = a0r + s14r + s23r;
          yi[o0] = a0i + s14i + s23i;
          yr[o0 + sb] = y1r * w1r - y1i * w1i;
          yi[o0 + sb] = y1r * w1i + y1i * w1r;
          yr[o0 + 2 * sb] = y2r * w2r - y2i * w2i;
          yi[o0 + 2 * sb] = y2r * w2i + y2i * w2r;
          yr[o0 + 3 * sb] = y3r * w3r - y3i * w3i;
          yi[o0 + 3 * sb] = y3r * w3i + y3i * w3r;
          yr[o0 + 4 * sb] = y4r * w4r - y4i * w4i;
          yi[o0 + 4 * sb] = y4r * w4i + y4i * w4r;
        }
      }
    }
    [xr, yr] = [yr, xr];
    [xi, yi] = [yi, xi];
    s *= p;
    len = m;
  }
  return [xr, xi];
}

/** Lines transformed together: enough for the inner loop to stream, few enough for the scratch to stay in cache. */
const SCRATCH_CELLS = 1 << 14;

/**
 * In-place FFT of a complex grid (re, im) of size [nx, ny, nz] (x fastest), each side 5-smooth; dir = −1 forward,
 * +1 inverse (unnormalised).
 */
export function fft3d(re: Float64Array, im: Float64Array, size: readonly [number, number, number], dir: -1 | 1): void {
  const [nx, ny, nz] = size;
  const maxLen = Math.max(nx, ny, nz);
  const scratch = Math.max(SCRATCH_CELLS, maxLen);
  const ar = new Float64Array(scratch),
    ai = new Float64Array(scratch),
    br = new Float64Array(scratch),
    bi = new Float64Array(scratch);
  // Axis a: length L, element stride `stride`; lines start at every offset not moved along the axis.
  const axes: Array<{ len: number; stride: number; lines: (visit: (start: number) => void) => void }> = [
    { len: nx, stride: 1, lines: (visit) => forEachLine(ny * nz, (j) => visit(j * nx)) },
    {
      len: ny,
      stride: nx,
      lines: (visit) => {
        for (let z = 0; z < nz; z++) for (let x = 0; x < nx; x++) visit(x + nx * ny * z);
      },
    },
    { len: nz, stride: nx * ny, lines: (visit) => forEachLine(nx * ny, visit) },
  ];
  for (const { len, stride, lines } of axes) {
    if (len === 1) continue;
    const plan = planFor(len);
    const batchMax = Math.max(1, Math.floor(scratch / len));
    const starts: number[] = [];
    const flush = () => {
      const batch = starts.length;
      for (let b = 0; b < batch; b++) {
        const s0 = starts[b];
        for (let i = 0; i < len; i++) {
          ar[b + batch * i] = re[s0 + stride * i];
          ai[b + batch * i] = im[s0 + stride * i];
        }
      }
      const [yr, yi] = stockham(ar, ai, br, bi, batch, plan, dir);
      for (let b = 0; b < batch; b++) {
        const s0 = starts[b];
        for (let i = 0; i < len; i++) {
          re[s0 + stride * i] = yr[b + batch * i];
          im[s0 + stride * i] = yi[b + batch * i];
        }
      }
      starts.length = 0;
    };
    lines((start) => {
      starts.push(start);
      if (starts.length === batchMax) flush();
    });
    if (starts.length > 0) flush();
  }
}

function forEachLine(count: number, visit: (j: number) => void): void {
  for (let j = 0; j < count; j++) visit(j);
}
