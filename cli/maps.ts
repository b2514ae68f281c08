// `osteoflow maps`: functional parameter maps and derived regions as NIfTI files — ADC and IVIM from a 4D DWI, DCE
// (Tofts / extended Tofts with the Parker AIF or a measured one, and semi-quantitative maps), native T1 from variable
// flip angles, peritumoral shells and the bone-marrow region. A DWI or DCE series is a 4D NIfTI or a DICOM folder
// (b-values or times from its tags). Exit codes: 0 success, 1 bad input (the message names the file and field), 2 bad arguments.
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Command } from './command';
import { parseFlags, UsageError, type FlagSpec } from './args';
import type { Volume } from '../imaging/image';
import { RadiomicsInputError } from '../imaging/errors';
import { readImage, writeNifti } from '../imaging/io';
import { readNiftiSeries } from '../imaging/io/nifti';
import { readDicomSeries4d, type DicomSeries4d, type FrameAxis } from '../imaging/io/dicomSeries4d';
import { aifFromRoi, fitAdc, fitDce, fitIvim, fitT1Vfa, parseNumberList, stackVolumes, type DceAif, type FitSummary, type VolumeSeries } from '../imaging/maps';
import { marrowRegion, parseShellDistances, peritumoralShells } from '../imaging/regions';

const USAGE = `usage: osteoflow maps adc    --dwi DWI.nii.gz --bvalues B,B,… --out ADC.nii.gz [--method loglinear|nlls] [--mask MASK]
                             [--units um2/s|mm2/s] [--s0 FILE] [--r2 FILE] [--failed FILE]
       osteoflow maps adc    --dwi DICOM_DIR --out ADC.nii.gz …  (b-values from the tags)
       osteoflow maps ivim   --dwi DWI.nii.gz|DICOM_DIR [--bvalues B,B,…] --out-dir DIR [--threshold 200] [--method segmented|full]
                             [--d-fit loglinear|nlls] [--mask MASK] [--units um2/s|mm2/s]
       osteoflow maps dce    --dce DCE.nii.gz|DICOM_DIR [--times T,T,…|START:STEP] --aif parker|roi|AIF.txt (--t1 MS | --t1-map T1.nii.gz)
                             [--aif-mask ARTERY.nii.gz (with --aif roi)]
                             --flip DEG --tr MS --out-dir DIR [--r1 4.1] [--baseline 3] [--injection S] [--hct 0.42] [--onset S]
                             [--model tofts|extended] [--aif-step 1] [--input signal|concentration] [--mask MASK]
       osteoflow maps t1     --vfa A.nii.gz,B.nii.gz,…|VFA4D.nii.gz --flip-angles 2,5,10,15 --tr MS --out T1.nii.gz
                             [--method linear|nlls] [--mask MASK] [--m0 FILE] [--r2 FILE] [--failed FILE]
       osteoflow maps t1     --vfa DICOM_DIR --out T1.nii.gz …  (flip angles and TR from the tags)
       osteoflow maps shells --mask MASK --distances 0-3,3-5,5-10 --out-dir DIR [--label N] [--body IMG --body-threshold V]
                             [--from surface|centres] [--clip]
       osteoflow maps marrow --mask MASK (--bone BONE | --ct CT --hu 200) --out FILE [--label N]

  adc      ADC by the mono-exponential model (log-linear or non-linear least squares); b-values in s/mm², one per
           volume of the 4D DWI, or from a DICOM folder's tags (DiffusionBValue or the vendor's; frames by ascending b);
           writes the ADC (float32, µm²/s = 10⁻⁶ mm²/s unless --units mm2/s) and, if asked, S0, R² and the failed-fit
           mask (uint8: 1 non-positive signal, 2 non-finite, 3 out of range, 4 not converged)
  ivim     IVIM segmented fit (D from b ≥ --threshold, f from the intercept, D* from the lower b-values; needs b = 0);
           writes D, Dstar, f, S0 and failed (.nii.gz) into DIR
  dce      DCE maps: signal → concentration (SPGR, native T1 fixed --t1 ms or voxel-wise from --t1-map (ms, the DCE grid),
           --flip degrees, --tr ms, --r1 mM⁻¹s⁻¹), Tofts (Ktrans, kep in min⁻¹, ve; extended: vp) with Parker's AIF
           injected at --injection s (default: the last baseline frame), an AIF file (plasma mM, one value per frame), or
           --aif roi: the mean concentration of the --aif-mask voxels (an artery on the DCE grid; each voxel converted
           with its own T1), as blood, Cp = Cb/(1 − --hct);
           semi-quantitative maps of the relative
           enhancement (maxEnhancement, timeToPeak s, washIn and washOut per s, IAUC60 s) from --onset (default: the
           injection), IAUGC60 (mM·s); failed (5 = signal-to-concentration conversion impossible, 6 = no T1 in the map).
           A DICOM folder gives the times (TemporalPositionIdentifier, TriggerTime or AcquisitionTime; s from the
           first frame) and, unless given, --flip and --tr (FlipAngle, RepetitionTime)
  t1       native T1 (ms) from variable-flip-angle SPGR (DESPOT1): the line S/sin α = E1·S/tan α + M0(1 − E1), E1 =
           exp(−TR/T1), by least squares (linear) or the signal equation by Levenberg–Marquardt (nlls); one volume per
           flip angle (files or folders on one grid), one 4D NIfTI, or one DICOM folder holding every flip angle
           (FlipAngle and RepetitionTime from its tags); failed (1 non-positive, 2 non-finite, 3 out of range, 4 not
           converged)
  shells   peritumoral shells FROM-TO mm from the tumour (exact Euclidean distance on the voxel grid) — from its surface
           (default: the outermost voxel centres lie a grid-dependent δ inside it, printed) or from its voxel centres
           (--from centres: dilation by a ball, as SimpleITK's distance maps); cut to the body (voxels of --body above
           --body-threshold) if given; a shell reaching past the image is an error unless --clip
  marrow   the bone minus the tumour: a bone mask, or CT ≥ --hu HU with each axial slice's holes filled
  -h, --help  this text`;

const DWI_FLAGS = {
  dwi: { kind: 'string', required: '4D NIfTI or DICOM folder' },
  bvalues: { kind: 'string' },
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
    dce: { kind: 'string', required: '4D NIfTI or DICOM folder' },
    times: { kind: 'string' },
    aif: { kind: 'string', required: "'parker', 'roi' (with --aif-mask) or a file of plasma concentrations" },
    'aif-mask': { kind: 'string' },
    t1: { kind: 'number', min: 0 },
    't1-map': { kind: 'string' },
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
  t1: {
    vfa: { kind: 'string', required: 'one volume per flip angle, comma-separated, one 4D NIfTI, or one DICOM folder' },
    'flip-angles': { kind: 'string' },
    tr: { kind: 'number' },
    out: { kind: 'string', required: true },
    method: { kind: 'enum', values: ['linear', 'nlls'] },
    mask: { kind: 'string' },
    m0: { kind: 'string' },
    r2: { kind: 'string' },
    failed: { kind: 'string' },
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

function isFolder(file: string): boolean {
  try {
    return statSync(file).isDirectory();
  } catch {
    return false;
  }
}

/** A 4D NIfTI, or a DICOM folder read along `axis` (its b-values or times come with it). */
function readSeries(file: string, flag: string, axis: FrameAxis): VolumeSeries | DicomSeries4d {
  if (isFolder(file)) return readDicomSeries4d(file, { axis });
  if (!/\.nii(\.gz)?$/i.test(file))
    throw new RadiomicsInputError('not a NIfTI file or a folder', { file, field: flag, expected: 'a 4D NIfTI (.nii or .nii.gz) or a DICOM series folder' });
  return readNiftiSeries(file);
}

const fromDicom = (s: VolumeSeries | DicomSeries4d): s is DicomSeries4d => 'axis' in s;

/** The b-values: from the DICOM tags, or --bvalues for a NIfTI (one of the two, not both). */
function bValuesOf(dwi: VolumeSeries | DicomSeries4d, text: string | undefined, file: string): number[] {
  if (fromDicom(dwi)) {
    if (text !== undefined) throw new UsageError(`--bvalues is for a NIfTI: the b-values of a DICOM series come from its tags (${dwi.valueTag})`);
    console.log(`b-values from ${dwi.valueTag}: ${dwi.values.join(', ')} s/mm²`);
    return dwi.values;
  }
  if (text === undefined) throw new UsageError('--bvalues is required for a NIfTI DWI (one per volume, comma-separated)');
  return parseNumberList(text, { file, field: '--bvalues', expected: 'b-values in s/mm², comma-separated' });
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
  const dwi = readSeries(a.dwi!, '--dwi', 'bvalue');
  const b = bValuesOf(dwi, a.bvalues, a.dwi!);
  const maps = fitAdc(dwi, b, { method: a.method, mask: readMask(a.mask) });
  const factor = a.units === 'mm2/s' ? 1 : 1e6;
  writeNifti(a.out!, scaled(maps.adc, factor), { description: `ADC ${a.units ?? 'um2/s'} ${a.method ?? 'loglinear'}` });
  if (a.s0) writeNifti(a.s0, maps.s0, { description: 'S0' });
  if (a.r2) writeNifti(a.r2, maps.r2, { description: 'ADC fit R2' });
  if (a.failed) writeNifti(a.failed, maps.failed, { description: 'ADC failed fits' });
  console.log(`${describe('ADC', maps.summary)} → ${a.out}`);
}

function runIvim(a: Flags<'ivim'>): void {
  const dwi = readSeries(a.dwi!, '--dwi', 'bvalue');
  const b = bValuesOf(dwi, a.bvalues, a.dwi!);
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
  const series = readSeries(file, '--dce', 'time');
  let times: number[];
  let flip = a.flip;
  let tr = a.tr;
  if (fromDicom(series)) {
    if (a.times !== undefined) throw new UsageError(`--times is for a NIfTI: the times of a DICOM series come from its tags (${series.valueTag})`);
    times = series.values;
    flip ??= series.flipAngleDeg;
    tr ??= series.repetitionTimeMs;
    const spread =
      series.frameSpreadS > 0 ? ` (the slices of one time point span up to ${series.frameSpreadS.toFixed(2)} s; each frame's time is their mean)` : '';
    console.log(`times from ${series.valueTag}: ${times.map((t) => Number(t.toFixed(3))).join(', ')} s${spread}`);
  } else {
    if (a.times === undefined) throw new UsageError('--times is required for a NIfTI DCE (T,T,… or START:STEP, s)');
    times = parseTimes(a.times, series.frames, file);
  }
  const input = a.input ?? 'signal';
  if (input === 'signal') {
    const missing = [
      ...(a.t1 === undefined && a['t1-map'] === undefined ? ['--t1 (or --t1-map)'] : []),
      ...(flip === undefined ? ['--flip'] : []),
      ...(tr === undefined ? ['--tr'] : []),
    ];
    if (missing.length) throw new UsageError(`${missing.join(', ')} required for signal input (or --input concentration)`);
    if (a.t1 !== undefined && a['t1-map'] !== undefined) throw new UsageError('give either --t1 (a fixed native T1) or --t1-map, not both');
  }
  const baselineFrames = a.baseline ?? (input === 'signal' ? 3 : 0);
  const injection = a.injection ?? times[Math.max(0, Math.min(times.length - 1, baselineFrames - 1))];
  if ((a.aif === 'roi') !== (a['aif-mask'] !== undefined))
    throw new UsageError(a.aif === 'roi' ? '--aif roi needs --aif-mask ARTERY.nii.gz (the arterial ROI on the DCE grid)' : '--aif-mask goes with --aif roi');
  const spgr = input === 'signal' ? { flipDeg: flip!, trMs: tr!, t10Ms: a.t1, r1: a.r1 } : undefined;
  const t1Map = input === 'signal' && a['t1-map'] !== undefined ? readImage(a['t1-map']) : undefined;
  let aif: DceAif;
  if (a.aif === 'parker') aif = { kind: 'parker', injection, hematocrit: a.hct };
  else if (a.aif === 'roi') {
    const roi = aifFromRoi(series, readImage(a['aif-mask']!), { input, spgr, t1Map, baselineFrames, hematocrit: a.hct });
    console.log(`AIF from ${roi.voxels} voxels of ${a['aif-mask']}${roi.excluded ? ` (${roi.excluded} left out: signal not convertible)` : ''}`);
    aif = { kind: 'curve', values: roi.values, source: a['aif-mask'] };
  } else aif = { kind: 'curve', values: readAifFile(a.aif!), source: a.aif };
  const maps = fitDce(series, {
    times,
    aif,
    model: a.model,
    input,
    spgr,
    t1Map,
    baselineFrames,
    onset: a.onset ?? (a.aif === 'parker' || a.aif === 'roi' ? injection : undefined),
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

function runT1(a: Flags<'t1'>): void {
  const files = a.vfa!.split(',').map((f) => f.trim());
  if (files.some((f) => f === '')) throw new UsageError('--vfa lists an empty file name');
  let series: VolumeSeries;
  let angles: number[];
  let tr = a.tr;
  if (files.length === 1 && isFolder(files[0])) {
    // One DICOM series holding every flip angle.
    const dicom = readDicomSeries4d(files[0], { axis: 'flip' });
    if (a['flip-angles'] !== undefined) throw new UsageError('--flip-angles is for NIfTI volumes: the flip angles of a DICOM series come from its tags');
    tr ??= dicom.repetitionTimeMs;
    if (tr === undefined) throw new UsageError('--tr is required: the files do not share one RepetitionTime (0018,0080)');
    console.log(`flip angles from FlipAngle (0018,1314): ${dicom.values.join(', ')}°, TR ${tr} ms`);
    series = dicom;
    angles = dicom.values;
  } else {
    series =
      files.length === 1 && /\.nii(\.gz)?$/i.test(files[0])
        ? readNiftiSeries(files[0])
        : stackVolumes(
            files.map((f) => readImage(f)),
            '--vfa',
          );
    if (a['flip-angles'] === undefined) throw new UsageError('--flip-angles is required (degrees, one per volume, comma-separated)');
    if (tr === undefined) throw new UsageError('--tr is required (repetition time, ms)');
    angles = parseNumberList(a['flip-angles'], { file: files[0], field: '--flip-angles', expected: 'flip angles in degrees, comma-separated' });
  }
  const maps = fitT1Vfa(series, angles, tr, { method: a.method, mask: readMask(a.mask) });
  writeNifti(a.out!, maps.t1, { description: `T1 ms VFA ${a.method ?? 'linear'}` });
  if (a.m0) writeNifti(a.m0, maps.m0, { description: 'M0' });
  if (a.r2) writeNifti(a.r2, maps.r2, { description: 'T1 fit R2' });
  if (a.failed) writeNifti(a.failed, maps.failed, { description: 'T1 failed fits' });
  console.log(`${describe('T1', maps.summary)} → ${a.out}`);
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
  summary: 'ADC, IVIM, DCE and T1 maps; peritumoral shells; bone-marrow region',
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
      const runners: { [K in Sub]: (a: Flags<K>) => void } = { adc: runAdc, ivim: runIvim, dce: runDce, t1: runT1, shells: runShells, marrow: runMarrow };
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
