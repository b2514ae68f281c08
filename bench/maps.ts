// `npm run bench:maps`: wall time of the parameter maps on this machine, on synthetic data of clinical size:
// a 256×256×40 DWI with 4 b-values (ADC log-linear and NLLS), the same grid with 10 b-values (IVIM segmented), a
// 256×256×20×60 DCE series (Tofts, extended Tofts, with the semi-quantitative maps), a T1 map from 4 flip angles on
// the DCE grid (linear and NLLS), peritumoral shells around a 256×256×40 tumour mask, and SUVpeak. Every voxel of each
// grid is fitted (no mask), single-threaded; the load average is printed before and after (the machine may be shared).
// Options: --runs N (default 1; the median is reported), --only adc,ivim,dce,t1,shells,suvpeak.
import { cpus, loadavg } from 'node:os';
import { fitAdc, fitDce, fitIvim, fitT1Vfa, spgrSignal } from '../imaging/maps';
import { Rng } from '../synthetic/random';
import { peritumoralShells } from '../imaging/regions';
import { suvPeak } from '../radiomics/pet';
import { IDENTITY, type Geometry } from '../imaging/image';
import { synthesizeDce, synthesizeDwi, uniformValues } from '../synthetic';

const parse = (argv: string[]) => {
  const options = { runs: 1, only: ['adc', 'ivim', 'dce', 't1', 'shells', 'suvpeak'] };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--runs') options.runs = Math.max(1, Number(argv[++i]));
    else if (argv[i] === '--only') options.only = argv[++i].split(',');
    else throw new Error(`unknown option ${argv[i]} (expected --runs N, --only adc,ivim,dce,t1,shells,suvpeak)`);
  }
  return options;
};

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];

/** Runs fn `runs` times; prints the median wall time, the CPU time of that run (the machine may be shared) and per voxel. */
function time<T>(label: string, runs: number, voxels: number, fn: () => T): T {
  const results: Array<{ wall: number; cpu: number }> = [];
  let out!: T;
  for (let r = 0; r < runs; r++) {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    out = fn();
    const wall = Number(process.hrtime.bigint() - t0) / 1e6;
    const c = process.cpuUsage(c0);
    results.push({ wall, cpu: (c.user + c.system) / 1000 });
  }
  const m = results.find((x) => x.wall === median(results.map((y) => y.wall)))!;
  const s = (ms: number) => `${(ms / 1000).toFixed(2).padStart(7)} s`;
  console.log(`${label.padEnd(50)} wall ${s(m.wall)}  cpu ${s(m.cpu)}  ${((m.cpu * 1000) / voxels).toFixed(2).padStart(6)} µs/voxel (cpu)`);
  return out;
}

function main(): void {
  const options = parse(process.argv.slice(2));
  const { runs, only } = options;
  const load = () =>
    loadavg()
      .map((x) => x.toFixed(2))
      .join(' / ');
  console.log(`node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}; runs ${runs}; load average (1/5/15 min) ${load()}`);
  const dwiGrid: Geometry = { size: [256, 256, 40], spacing: [0.9, 0.9, 4], origin: [0, 0, 0], direction: IDENTITY };
  const n = 256 * 256 * 40;
  if (only.includes('adc')) {
    const b = [0, 200, 500, 800];
    const adc = uniformValues(1, 'adc', n, 0.5e-3, 2.5e-3);
    const dwi = synthesizeDwi({ geometry: dwiGrid, bValues: b, truth: { kind: 'adc', adc }, s0: 1000, snr: 20, seed: 1 });
    time('ADC log-linear, 256×256×40 × 4 b', runs, n, () => fitAdc(dwi, b));
    time('ADC NLLS (Levenberg–Marquardt), 256×256×40 × 4 b', runs, n, () => fitAdc(dwi, b, { method: 'nlls' }));
  }
  if (only.includes('ivim')) {
    const b = [0, 20, 50, 100, 150, 200, 400, 600, 800, 1000];
    const dwi = synthesizeDwi({
      geometry: dwiGrid,
      bValues: b,
      truth: {
        kind: 'ivim',
        d: uniformValues(2, 'd', n, 0.8e-3, 1.6e-3),
        f: uniformValues(2, 'f', n, 0.05, 0.3),
        dStar: uniformValues(2, 'ds', n, 0.01, 0.05),
      },
      s0: 1000,
      snr: 20,
      seed: 2,
    });
    time('IVIM segmented, 256×256×40 × 10 b', runs, n, () => fitIvim(dwi, b));
  }
  if (only.includes('dce')) {
    const g: Geometry = { size: [256, 256, 20], spacing: [0.9, 0.9, 5], origin: [0, 0, 0], direction: IDENTITY };
    const voxels = 256 * 256 * 20;
    const times = Array.from({ length: 60 }, (_, i) => 5 * i);
    const kt = uniformValues(3, 'kt', 256, 0.05, 0.4);
    const ve = uniformValues(3, 've', 256, 0.15, 0.6);
    const tissues = Array.from({ length: 256 }, (_, i) => ({ ktrans: kt[i], ve: ve[i], vp: 0.03 }));
    const labels = Uint16Array.from({ length: voxels }, (_, i) => (i * 2654435761) >>> 24);
    const { series } = synthesizeDce({ geometry: g, times, injection: 10, tissues, labels, flipDeg: 15, trMs: 5, t10Ms: 1400, snr: 20, seed: 3 });
    const spgr = { flipDeg: 15, trMs: 5, t10Ms: 1400 };
    const aif = { kind: 'parker' as const, injection: 10 };
    const maps = time('DCE Tofts + semi-quantitative, 256×256×20 × 60', runs, voxels, () => fitDce(series, { times, aif, spgr, baselineFrames: 3 }));
    console.log(`  failed fits: ${maps.summary.failed} of ${maps.summary.fitted}`);
    time('DCE extended Tofts + semi-quantitative', runs, voxels, () => fitDce(series, { times, aif, spgr, baselineFrames: 3, model: 'extended' }));
  }
  if (only.includes('t1')) {
    // VFA SPGR at 2, 5, 10, 15°, TR 5 ms, T1 300–3000 ms, M0 3000, Rician noise at SNR 20 (of the largest signal).
    const voxels = 256 * 256 * 20;
    const g: Geometry = { size: [256, 256, 20], spacing: [0.9, 0.9, 5], origin: [0, 0, 0], direction: IDENTITY };
    const angles = [2, 5, 10, 15];
    const t1 = uniformValues(5, 't1', voxels, 300, 3000);
    const data = new Float32Array(voxels * angles.length);
    const rng = Rng.stream(5, 'vfa');
    const s = new Float64Array(angles.length);
    for (let v = 0; v < voxels; v++) {
      for (let k = 0; k < angles.length; k++) s[k] = spgrSignal(3000, 0, { flipDeg: angles[k], trMs: 5, t10Ms: t1[v] });
      const sigma = Math.max(...s) / 20;
      for (let k = 0; k < angles.length; k++) data[k * voxels + v] = Math.hypot(s[k] + rng.normal(0, sigma), rng.normal(0, sigma));
    }
    const vfa = { geometry: g, frames: angles.length, data, source: 'synthetic VFA' };
    time('T1 VFA linear, 256×256×20 × 4 flip angles', runs, voxels, () => fitT1Vfa(vfa, angles, 5));
    time('T1 VFA NLLS (Levenberg–Marquardt), 256×256×20 × 4', runs, voxels, () => fitT1Vfa(vfa, angles, 5, { method: 'nlls' }));
  }
  if (only.includes('shells') || only.includes('suvpeak')) {
    const mask = new Uint8Array(n);
    const c = [128 * 0.9, 128 * 0.9, 20 * 4];
    for (let z = 0, i = 0; z < 40; z++)
      for (let y = 0; y < 256; y++) for (let x = 0; x < 256; x++, i++) mask[i] = Math.hypot(x * 0.9 - c[0], y * 0.9 - c[1], z * 4 - c[2]) <= 30 ? 1 : 0;
    const tumour = { geometry: dwiGrid, data: mask };
    if (only.includes('shells')) {
      time('shells 0–3, 3–5, 5–10 mm, 256×256×40 (r 30 mm)', runs, n, () =>
        peritumoralShells(tumour, [
          [0, 3],
          [3, 5],
          [5, 10],
        ]),
      );
    }
    if (only.includes('suvpeak')) {
      const pet = { geometry: dwiGrid, data: Float32Array.from(uniformValues(4, 'pet', n, 0, 10)) };
      time('SUVpeak (weighted 1 cm³ sphere), r 30 mm tumour', runs, n, () => suvPeak(pet, tumour));
    }
  }
  console.log(`load average (1/5/15 min) after: ${load()}`);
}

main();
