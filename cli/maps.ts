// `osteoflow maps`: functional parameter maps and derived regions as NIfTI files — ADC and IVIM from a 4D DWI, DCE
// (Tofts / extended Tofts with the Parker AIF or a measured one, and semi-quantitative maps), peritumoral shells and
// the bone-marrow region. Exit codes: 0 success, 1 bad input (the message names the file and field), 2 bad arguments.
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from './command';
import { parseFlags, UsageError, type FlagSpec } from './args';
import type { Volume } from '../imaging/image';
import { RadiomicsInputError } from '../imaging/errors';
import { readImage, writeNifti } from '../imaging/io';
import { readNiftiSeries } from '../imaging/io/nifti';
import { fitAdc, fitDce, fitIvim, parseNumberList, type DceAif, type FitSummary, type VolumeSeries } from '../imaging/maps';
import { marrowRegion, parseShellDistances, peritumoralShells } from '../imaging/regions';

const USAGE = `usage: osteoflow maps adc    --dwi DWI.nii.gz --bvalues B,B,… --out ADC.nii.gz [--method loglinear|nlls] [--mask MASK]
                             [--units um2/s|mm2/s] [--s0 FILE] [--r2 FILE] [--failed FILE]
       osteoflow maps ivim   --dwi DWI.nii.gz --bvalues B,B,… --out-dir DIR [--threshold 200] [--method segmented|full]
                             [--d-fit loglinear|nlls] [--mask MASK] [--units um2/s|mm2/s]
       osteoflow maps dce    --dce DCE.nii.gz --times T,T,…|START:STEP --aif parker|AIF.txt --t1 MS --flip DEG --tr MS --out-dir DIR
                             [--r1 4.1] [--baseline 3] [--injection S] [--hct 0.42] [--onset S] [--model tofts|extended]
                             [--aif-step 1] [--input signal|concentration] [--mask MASK]
       osteoflow maps shells --mask MASK --distances 0-3,3-5,5-10 --out-dir DIR [--label N] [--body IMG --body-threshold V]
                             [--from surface|centres] [--clip]
       osteoflow maps marrow --mask MASK (--bone BONE | --ct CT --hu 200) --out FILE [--label N]

  adc      ADC by the mono-exponential model (log-linear or non-linear least squares); b-values in s/mm², one per
           volume of the 4D DWI; writes the ADC (float32, µm²/s = 10⁻⁶ mm²/s unless --units mm2/s) and, if asked,
           S0, R² and the failed-fit mask (uint8: 1 non-positive signal, 2 non-finite, 3 out of range, 4 not converged)
  ivim     IVIM segmented fit (D from b ≥ --threshold, f from the intercept, D* from the lower b-values; needs b = 0);
           writes D, Dstar, f, S0 and failed (.nii.gz) into DIR
  dce      DCE maps: signal → concentration (SPGR, fixed native T1 --t1 ms, --flip degrees, --tr ms, --r1 mM⁻¹s⁻¹),
           Tofts (Ktrans, kep in min⁻¹, ve; extended: vp) with Parker's AIF injected at --injection s (default: the last
           baseline frame) or an AIF file (plasma mM, one value per frame); semi-quantitative maps of the relative
           enhancement (maxEnhancement, timeToPeak s, washIn and washOut per s, IAUC60 s) from --onset (default: the
           injection), IAUGC60 (mM·s); failed (5 = signal-to-concentration conversion impossible)
  shells   peritumoral shells FROM-TO mm from the tumour (exact Euclidean distance on the voxel grid) — from its surface
           (default: the outermost voxel centres lie a grid-dependent δ inside it, printed) or from its voxel centres
           (--from centres: dilation by a ball, as SimpleITK's distance maps); cut to the body (voxels of --body above
           --body-threshold) if given; a shell reaching past the image is an error unless --clip
  marrow   the bone minus the tumour: a bone mask, or CT ≥ --hu HU with each axial slice's holes filled
  -h, --help  this text`;

const DWI_FLAGS = {
  dwi: { kind: 'string', required: '4D NIfTI' },
  bvalues: { kind: 'string', required: 'one per volume, comma-separated' },
  mask: { kind: 'string' },
  units: { kind: 'enum', values: ['um2/s', 'mm2/s'] },
} as const satisfies FlagSpec;

const FLAGS = {
  adc: {
    ...DWI_FLAGS,
    out: { kind: 'string', required: true },
    method: { kind: 'enum', values: ['loglinear', 'nlls'] },
    s0: { kind: 'string' },
    r2: { kind: 'string' },
    failed: { kind: 'string' },
  },
  ivim: {
    ...DWI_FLAGS,
    'out-dir': { kind: 'string', required: true },
    threshold: { kind: 'number', min: 0 },
    method: { kind: 'enum', values: ['segmented', 'full'] },
    'd-fit': { kind: 'enum', values: ['loglinear', 'nlls'] },
  },
  dce: {
    dce: { kind: 'string', required: '4D NIfTI' },
    times: { kind: 'string', required: 'acquisition times in s: T,T,… or START:STEP' },
    aif: { kind: 'string', required: "'parker' or a file of plasma concentrations" },
    t1: { kind: 'number', min: 0 },
    flip: { kind: 'number', min: 0, max: 180 },
    tr: { kind: 'number', min: 0 },
    r1: { kind: 'number', min: 0 },
    'out-dir': { kind: 'string', required: true },
    baseline: { kind: 'int', min: 0 },
    injection: { kind: 'number' },
    hct: { kind: 'number', min: 0, max: 0.99 },
    onset: { kind: 'number' },
    model: { kind: 'enum', values: ['tofts', 'extended'] },
    'aif-step': { kind: 'number', min: 0.001 },
    input: { kind: 'enum', values: ['signal', 'concentration'] },
    mask: { kind: 'string' },
  },
  shells: {
    mask: { kind: 'string', required: true },
    distances: { kind: 'string', required: 'shells FROM-TO in mm, e.g. 0-3,3-5,5-10' },
    'out-dir': { kind: 'string', required: true },
    label: { kind: 'positive-int' },
    body: { kind: 'string' },
    'body-threshold': { kind: 'number' },
    from: { kind: 'enum', values: ['surface', 'centres'] },
    clip: { kind: 'boolean' },
  },
  marrow: {
    mask: { kind: 'string', required: true },
    bone: { kind: 'string' },
    ct: { kind: 'string' },
    hu: { kind: 'number' },
    out: { kind: 'string', required: true },
    label: { kind: 'positive-int' },
  },
} as const satisfies Record<string, FlagSpec>;

type Sub = keyof typeof FLAGS;
const SUBS = Object.keys(FLAGS) as Sub[];

function readSeries(file: string, flag: string): VolumeSeries {
  if (!/\.nii(\.gz)?$/i.test(file)) throw new RadiomicsInputError('not a NIfTI file', { file, field: flag, expected: 'a 4D NIfTI (.nii or .nii.gz)' });
  return readNiftiSeries(file);
}

function readMask(file: string | undefined): Volume | undefined {
  return file === undefined ? undefined : readImage(file, { mask: true });
}

/** "0,5,10" or "START:STEP" (one time per frame). */
export function parseTimes(text: string, frames: number, file: string): number[] {
  const range = /^\s*([+-]?\d+(?:\.\d+)?)\s*:\s*(\d+(?:\.\d+)?)\s*$/.exec(text);
  if (range) {
    const [start, step] = [Number(range[1]), Number(range[2])];
    if (!(step > 0)) throw new RadiomicsInputError(`step ${step} s`, { file, field: '--times', expected: 'START:STEP with a step > 0 s' });
    return Array.from({ length: frames }, (_, i) => start + i * step);
  }
  return parseNumberList(text, { file, field: '--times', expected: 'acquisition times in s, comma-separated, or START:STEP' });
}

function readAifFile(file: string): number[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new RadiomicsInputError(`cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`, {
      file,
      field: '--aif',
      expected: "'parker' or a readable file",
    });
  }
  const tokens = text.split(/[\s,;]+/).filter((t) => t !== '');
  return parseNumberList(tokens.join(','), { file, field: 'aif', expected: 'plasma concentrations (mM), one per frame' });
}

function describe(name: string, s: FitSummary): string {
  const reasons = Object.entries(s.byReason)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  return `${name}: ${s.fitted} voxels fitted, ${s.failed} failed${reasons ? ` (${reasons})` : ''}`;
}

function scaled(v: Volume<Float32Array>, factor: number): Volume<Float32Array> {
  if (factor === 1) return v;
  const data = new Float32Array(v.data.length);
  for (let i = 0; i < data.length; i++) data[i] = v.data[i] * factor;
  return { geometry: v.geometry, data };
}

type Flags<S extends Sub> = ReturnType<typeof parseFlags<(typeof FLAGS)[S]>>;

function runAdc(a: Flags<'adc'>): void {
  const dwi = readSeries(a.dwi!, '--dwi');
  const b = parseNumberList(a.bvalues!, { file: a.dwi, field: '--bvalues', expected: 'b-values in s/mm², comma-separated' });
  const maps = fitAdc(dwi, b, { method: a.method, mask: readMask(a.mask) });
  const factor = a.units === 'mm2/s' ? 1 : 1e6;
  writeNifti(a.out!, scaled(maps.adc, factor), { description: `ADC ${a.units ?? 'um2/s'} ${a.method ?? 'loglinear'}` });
  if (a.s0) writeNifti(a.s0, maps.s0, { description: 'S0' });
  if (a.r2) writeNifti(a.r2, maps.r2, { description: 'ADC fit R2' });
  if (a.failed) writeNifti(a.failed, maps.failed, { description: 'ADC failed fits' });
  console.log(`${describe('ADC', maps.summary)} → ${a.out}`);
}

function runIvim(a: Flags<'ivim'>): void {
  const dwi = readSeries(a.dwi!, '--dwi');
  const b = parseNumberList(a.bvalues!, { file: a.dwi, field: '--bvalues', expected: 'b-values in s/mm², comma-separated' });
  const maps = fitIvim(dwi, b, { threshold: a.threshold, method: a.method, dFit: a['d-fit'], mask: readMask(a.mask) });
  const dir = a['out-dir']!;
  mkdirSync(dir, { recursive: true });
  const factor = a.units === 'mm2/s' ? 1 : 1e6;
  const units = a.units ?? 'um2/s';
  writeNifti(path.join(dir, 'D.nii.gz'), scaled(maps.d, factor), { description: `IVIM D ${units}` });
  writeNifti(path.join(dir, 'Dstar.nii.gz'), scaled(maps.dStar, factor), { description: `IVIM D* ${units}` });
  writeNifti(path.join(dir, 'f.nii.gz'), maps.f, { description: 'IVIM perfusion fraction' });
  writeNifti(path.join(dir, 'S0.nii.gz'), maps.s0, { description: 'IVIM S0' });
  writeNifti(path.join(dir, 'failed.nii.gz'), maps.failed, { description: 'IVIM failed fits' });
  console.log(`${describe('IVIM', maps.summary)} → ${dir}`);
}

function runDce(a: Flags<'dce'>): void {
  const file = a.dce!;
  const series = readSeries(file, '--dce');
  const times = parseTimes(a.times!, series.frames, file);
  const input = a.input ?? 'signal';
  if (input === 'signal') {
    const missing = (['t1', 'flip', 'tr'] as const).filter((k) => a[k] === undefined);
    if (missing.length) throw new UsageError(`${missing.map((k) => `--${k}`).join(', ')} required for signal input (or --input concentration)`);
  }
  const baselineFrames = a.baseline ?? (input === 'signal' ? 3 : 0);
  const injection = a.injection ?? times[Math.max(0, Math.min(times.length - 1, baselineFrames - 1))];
  const aif: DceAif = a.aif === 'parker' ? { kind: 'parker', injection, hematocrit: a.hct } : { kind: 'curve', values: readAifFile(a.aif!), source: a.aif };
  const maps = fitDce(series, {
    times,
    aif,
    model: a.model,
    input,
    spgr: input === 'signal' ? { flipDeg: a.flip!, trMs: a.tr!, t10Ms: a.t1!, r1: a.r1 } : undefined,
    baselineFrames,
    onset: a.onset ?? (a.aif === 'parker' ? injection : undefined),
    mask: readMask(a.mask),
    aifStep: a['aif-step'],
  });
  const dir = a['out-dir']!;
  mkdirSync(dir, { recursive: true });
  const out: Array<[string, Volume | null, string]> = [
    ['Ktrans', maps.ktrans, 'Ktrans 1/min'],
    ['kep', maps.kep, 'kep 1/min'],
    ['ve', maps.ve, 've'],
    ['vp', maps.vp, 'vp'],
    ['failed', maps.failed, 'DCE failed fits'],
    ['maxEnhancement', maps.maxEnhancement, 'max relative enhancement'],
    ['timeToPeak', maps.timeToPeak, 'time to peak s'],
    ['washIn', maps.washIn, 'wash-in 1/s'],
    ['washOut', maps.washOut, 'wash-out 1/s'],
    ['IAUC60', maps.iauc60, 'IAUC60'],
    ['IAUGC60', maps.iaugc60, 'IAUGC60 mM s'],
  ];
  for (const [name, volume, description] of out) if (volume) writeNifti(path.join(dir, `${name}.nii.gz`), volume, { description });
  console.log(`${describe(maps.vp ? 'extended Tofts' : 'Tofts', maps.summary)} → ${dir}`);
}

function runShells(a: Flags<'shells'>): void {
  const mask = readImage(a.mask!, { mask: true });
  let distances: Array<[number, number]>;
  try {
    distances = parseShellDistances(a.distances!, '--distances');
  } catch (err) {
    if (err instanceof RadiomicsInputError) throw new UsageError(err.message);
    throw err;
  }
  if ((a.body === undefined) !== (a['body-threshold'] === undefined)) throw new UsageError('--body and --body-threshold go together');
  const body = a.body !== undefined ? { image: readImage(a.body), threshold: a['body-threshold']! } : undefined;
  const shells = peritumoralShells(mask, distances, { label: a.label, body, onEdge: a.clip ? 'clip' : 'error', from: a.from });
  const dir = a['out-dir']!;
  mkdirSync(dir, { recursive: true });
  console.log(
    `distances from the tumour's ${a.from === 'centres' ? 'voxel centres' : `surface (δ = ${shells[0].surfaceOffset.toFixed(3)} mm beyond its outermost voxel centres)`}`,
  );
  for (const s of shells) {
    const file = path.join(dir, `shell_${s.from}-${s.to}mm.nii.gz`);
    writeNifti(file, s.mask, { description: `peritumoral shell ${s.from}-${s.to} mm` });
    console.log(`${s.from}–${s.to} mm: ${s.voxels} voxels, ${s.volume.toFixed(3)} ml → ${file}`);
  }
}

function runMarrow(a: Flags<'marrow'>): void {
  if ((a.bone === undefined) === (a.ct === undefined)) throw new UsageError('give either --bone or --ct (with --hu)');
  if (a.ct !== undefined && a.hu === undefined) throw new UsageError('--ct needs --hu (the bone threshold in HU)');
  const mask = readImage(a.mask!, { mask: true });
  const source = a.bone !== undefined ? { mask: readImage(a.bone, { mask: true }) } : { ct: readImage(a.ct!), hu: a.hu! };
  const region = marrowRegion(mask, source, a.label);
  writeNifti(a.out!, region.mask, { description: 'bone marrow minus tumour' });
  console.log(`marrow: ${region.voxels} voxels, ${region.volume.toFixed(3)} ml → ${a.out}`);
}

export const mapsCommand: Command = {
  summary: 'ADC, IVIM and DCE maps; peritumoral shells; bone-marrow region',
  async run(argv: string[]): Promise<number> {
    const [sub, ...rest] = argv;
    if (sub === '-h' || sub === '--help') {
      console.log(USAGE);
      return 0;
    }
    const name = `osteoflow maps${sub && SUBS.includes(sub as Sub) ? ` ${sub}` : ''}`;
    let run: () => void;
    try {
      if (!sub || !SUBS.includes(sub as Sub))
        throw new UsageError(sub ? `unknown map '${sub}' (expected one of: ${SUBS.join(', ')})` : `a map is required (${SUBS.join(', ')})`);
      const s = sub as Sub;
      const flags = parseFlags(rest, FLAGS[s]);
      if (flags.help) {
        console.log(USAGE);
        return 0;
      }
      const runners: { [K in Sub]: (a: Flags<K>) => void } = { adc: runAdc, ivim: runIvim, dce: runDce, shells: runShells, marrow: runMarrow };
      run = () => (runners[s] as (a: typeof flags) => void)(flags);
    } catch (err) {
      if (!(err instanceof UsageError)) throw err;
      console.error(`${name}: ${err.message}\n\n${USAGE}`);
      return 2;
    }
    try {
      run();
      return 0;
    } catch (err) {
      if (err instanceof UsageError) {
        console.error(`${name}: ${err.message}\n\n${USAGE}`);
        return 2;
      }
      if (!(err instanceof RadiomicsInputError)) throw err;
      console.error(`${name}: ${err.message}`);
      return 1;
    }
  },
};
