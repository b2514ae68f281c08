// The study file's keys for maps and regions: a timepoint's `derived` maps, the `series` settings their fits need
// (DWI b-values; DCE frame times, AIF, sequence and fixed native T1) and the `regions` extracted as ROIs of their own.
// Every error names the key path and what was expected (the caller adds the file).
import { minimumFrames } from '../imaging/maps';
import {
  DERIVED_MAPS,
  DERIVED_MAP_NAMES,
  type DceSeriesProtocol,
  type DerivedMap,
  type DwiSeriesProtocol,
  type Modality,
  type RegionProtocol,
  type StudyProtocol,
  type TimepointProtocol,
} from '../contracts/study';

type Fail = (key: string, expected: string, got?: unknown) => never;
type Obj = Record<string, unknown>;

const isObject = (value: unknown): value is Obj => typeof value === 'object' && value !== null && !Array.isArray(value);

function checkKeys(obj: Obj, allowed: string[], prefix: string, fail: Fail): void {
  for (const key of Object.keys(obj)) if (!allowed.includes(key)) fail(`${prefix}${key}`, `absent (unknown key; expected one of ${allowed.join(', ')})`);
}

const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** `timepoints[i].derived`: known maps, each with its source series among the timepoint's modalities. */
export function validateDerived(raw: unknown, modalities: Modality[], at: string, fail: Fail): DerivedMap[] | undefined {
  if (raw === undefined) return undefined;
  if (!Array.isArray(raw) || raw.length === 0) return fail(`${at}.derived`, `a non-empty list of maps (${DERIVED_MAP_NAMES.join(', ')})`, raw);
  const maps = raw.map((m, j): DerivedMap => {
    const key = `${at}.derived[${j}]`;
    if (typeof m !== 'string' || !(m in DERIVED_MAPS)) return fail(key, `one of ${DERIVED_MAP_NAMES.join(', ')}`, m);
    const map = m as DerivedMap;
    const source = DERIVED_MAPS[map];
    if (!modalities.includes(source)) fail(key, `a map whose source series ${source} is among ${at}.modalities (${modalities.join(', ')})`, m);
    if (modalities.includes(map as Modality)) fail(key, `not also an acquired modality (${map} is listed in ${at}.modalities)`, m);
    return map;
  });
  if (new Set(maps).size !== maps.length) fail(`${at}.derived`, 'a list without repeats', raw);
  return maps;
}

function numberList(raw: unknown, key: string, what: string, fail: Fail): number[] {
  if (!Array.isArray(raw) || raw.length === 0) return fail(key, `a list of ${what}, or 'dicom' (from the DICOM tags)`, raw);
  return raw.map((v, i) => (isNumber(v) ? v : fail(`${key}[${i}]`, `a finite number (${what})`, v)));
}

function validateDwi(raw: unknown, wanted: DerivedMap[], fail: Fail): DwiSeriesProtocol {
  if (!isObject(raw)) return fail('series.DWI', 'a mapping with bValues (s/mm², one per volume) and optionally method', raw);
  checkKeys(raw, ['bValues', 'method'], 'series.DWI.', fail);
  if (raw.bValues === undefined) fail('series.DWI.bValues', "the b-values in s/mm² (one per volume of the 4D series), or 'dicom'");
  let bValues: DwiSeriesProtocol['bValues'] = 'dicom';
  if (raw.bValues !== 'dicom') {
    bValues = numberList(raw.bValues, 'series.DWI.bValues', 'b-values in s/mm²', fail);
    bValues.forEach((b, i) => b < 0 && fail(`series.DWI.bValues[${i}]`, 'a b-value ≥ 0 s/mm²', b));
    const distinct = new Set(bValues).size;
    if (distinct < 2) fail('series.DWI.bValues', 'at least 2 distinct b-values (one b-value gives no diffusion fit)', raw.bValues);
    const ivim = wanted.some((m) => m.startsWith('IVIM_'));
    if (ivim && (bValues.filter((b) => b >= 200).length < 2 || !bValues.some((b) => b > 0 && b < 200) || !bValues.includes(0)))
      fail('series.DWI.bValues', 'for IVIM maps: b = 0, a b-value between 0 and 200 s/mm² and 2 distinct b-values ≥ 200 s/mm²', raw.bValues);
  }
  const method = raw.method;
  if (method !== undefined && method !== 'loglinear' && method !== 'nlls') fail('series.DWI.method', "'loglinear' or 'nlls'", method);
  return { bValues, ...(method ? { method: method as DwiSeriesProtocol['method'] } : {}) };
}

function validateDce(raw: unknown, wanted: DerivedMap[], fail: Fail): DceSeriesProtocol {
  const keys = ['times', 'aif', 'injection', 'hematocrit', 'model', 't1', 'flipAngle', 'tr', 'baselineFrames'];
  if (!isObject(raw)) return fail('series.DCE', `a mapping (${keys.join(', ')})`, raw);
  checkKeys(raw, keys, 'series.DCE.', fail);
  const model = raw.model ?? 'tofts';
  if (model !== 'tofts' && model !== 'extended') fail('series.DCE.model', "'tofts' or 'extended'", model);
  if (wanted.includes('DCE_vp') && model !== 'extended') fail('series.DCE.model', "'extended' (the map DCE_vp comes from the extended Tofts model)", model);
  const baselineFrames = raw.baselineFrames ?? 3;
  if (!Number.isInteger(baselineFrames) || (baselineFrames as number) < 1)
    fail('series.DCE.baselineFrames', 'a whole number ≥ 1 of pre-contrast frames', baselineFrames);
  if (raw.times === undefined) fail('series.DCE.times', "the frame times in s (one per frame of the 4D series), or 'dicom'");
  let times: DceSeriesProtocol['times'] = 'dicom';
  if (raw.times !== 'dicom') {
    times = numberList(raw.times, 'series.DCE.times', 'frame times in s', fail);
    times.forEach(
      (t, i) =>
        i > 0 &&
        !(t > (times as number[])[i - 1]) &&
        fail(`series.DCE.times[${i}]`, `a time after series.DCE.times[${i - 1}] (${(times as number[])[i - 1]} s): times strictly increasing`, t),
    );
    const needed = minimumFrames(model as 'tofts' | 'extended', baselineFrames as number);
    if (times.length < needed)
      fail(
        'series.DCE.times',
        `at least ${needed} frame times (${baselineFrames} baseline frames, then the ${model} model's parameters + 2)`,
        `${times.length} times`,
      );
  }
  const aif = raw.aif ?? 'parker';
  if (aif !== 'parker') fail('series.DCE.aif', "'parker' (the population AIF of Parker et al. 2006)", aif);
  const injection = raw.injection;
  if (injection !== undefined && !isNumber(injection)) fail('series.DCE.injection', "the bolus arrival in s on the frames' time axis", injection);
  const hematocrit = raw.hematocrit;
  if (hematocrit !== undefined && !(isNumber(hematocrit) && hematocrit > 0 && hematocrit < 1))
    fail('series.DCE.hematocrit', 'a number between 0 and 1', hematocrit);
  if (!(isNumber(raw.t1) && raw.t1 > 0)) fail('series.DCE.t1', 'the fixed native T1 in ms (> 0)', raw.t1);
  const fromTags = times === 'dicom';
  const flip = raw.flipAngle;
  if (!(flip === undefined && fromTags) && !(isNumber(flip) && flip > 0 && flip < 180))
    fail('series.DCE.flipAngle', `the flip angle in degrees (0–180)${fromTags ? ', or absent to read it from the DICOM tags' : ''}`, flip);
  const tr = raw.tr;
  if (!(tr === undefined && fromTags) && !(isNumber(tr) && tr > 0))
    fail('series.DCE.tr', `the repetition time in ms (> 0)${fromTags ? ', or absent to read it from the DICOM tags' : ''}`, tr);
  return {
    times,
    aif: 'parker',
    ...(injection !== undefined ? { injectionS: injection as number } : {}),
    ...(hematocrit !== undefined ? { hematocrit: hematocrit as number } : {}),
    model: model as DceSeriesProtocol['model'],
    t1Ms: raw.t1 as number,
    ...(flip !== undefined ? { flipDeg: flip as number } : {}),
    ...(tr !== undefined ? { trMs: tr as number } : {}),
    baselineFrames: baselineFrames as number,
  };
}

/** `series`: the settings of each series a timepoint derives maps from (required for those, refused for others). */
export function validateSeries(raw: unknown, timepoints: TimepointProtocol[], fail: Fail): StudyProtocol['series'] {
  const wanted = timepoints.flatMap((t) => t.derived ?? []);
  const needs = (source: 'DWI' | 'DCE') => wanted.filter((m) => DERIVED_MAPS[m] === source);
  if (raw === undefined) {
    for (const source of ['DWI', 'DCE'] as const) {
      const map = needs(source)[0];
      if (map) {
        const i = timepoints.findIndex((t) => t.derived?.includes(map));
        fail(
          `series.${source}`,
          `the settings of the ${source} series (${source === 'DWI' ? 'bValues' : 'times, t1, flipAngle, tr'}) that ${map} in timepoints[${i}].derived is computed from`,
        );
      }
    }
    return undefined;
  }
  if (!isObject(raw)) return fail('series', 'a mapping with DWI, DCE and/or XR', raw);
  checkKeys(raw, ['DWI', 'DCE', 'XR'], 'series.', fail);
  const out: NonNullable<StudyProtocol['series']> = {};
  if (raw.XR !== undefined) {
    if (!isObject(raw.XR)) fail('series.XR', 'a mapping { pixelSpacing: [x, y] } (mm, for PNG and JPEG radiographs)', raw.XR);
    const xr = raw.XR as Obj;
    checkKeys(xr, ['pixelSpacing'], 'series.XR.', fail);
    const s = xr.pixelSpacing;
    if (!Array.isArray(s) || s.length !== 2 || !s.every((v) => isNumber(v) && v > 0))
      fail('series.XR.pixelSpacing', '[x, y]: the pixel spacing in mm between columns and between rows, both > 0', s);
    out.XR = { pixelSpacing: [(s as number[])[0], (s as number[])[1]] };
  }
  for (const source of ['DWI', 'DCE'] as const) {
    if (raw[source] === undefined) {
      const map = needs(source)[0];
      if (map) fail(`series.${source}`, `the settings of the ${source} series that ${map} is computed from`);
      continue;
    }
    if (source === 'DWI') out.DWI = validateDwi(raw.DWI, needs('DWI'), fail);
    else out.DCE = validateDce(raw.DCE, needs('DCE'), fail);
  }
  return out;
}

/** `regions`: uniquely named shells on image modalities or maps some timepoint has. */
export function validateRegions(raw: unknown, timepoints: TimepointProtocol[], fail: Fail): RegionProtocol[] | undefined {
  if (raw === undefined) return undefined;
  if (!Array.isArray(raw) || raw.length === 0) return fail('regions', 'a non-empty list of regions ({ name, shell: [from, to] mm, modalities })', raw);
  // What a region may be extracted on: acquired images (not the series maps come from) and derived maps.
  const extractable = (t: TimepointProtocol): string[] => {
    const sources = new Set((t.derived ?? []).map((m) => DERIVED_MAPS[m] as string));
    return [...t.modalities.filter((m) => !sources.has(m)), ...(t.derived ?? [])];
  };
  const known = [...new Set(timepoints.flatMap(extractable))];
  const regions = raw.map((r, i): RegionProtocol => {
    const at = `regions[${i}]`;
    if (!isObject(r)) return fail(at, 'a mapping with name, shell and modalities', r);
    checkKeys(r, ['name', 'shell', 'body', 'modalities'], `${at}.`, fail);
    if (typeof r.name !== 'string' || !/^[A-Za-z][A-Za-z0-9_]{0,31}$/.test(r.name))
      fail(`${at}.name`, "a name of letters, digits and '_' such as shell_0_5mm", r.name);
    const shell = r.shell;
    if (!Array.isArray(shell) || shell.length !== 2 || !shell.every(isNumber) || !(shell[0] >= 0 && shell[1] > shell[0]))
      fail(`${at}.shell`, '[from, to] in mm from the tumour surface, 0 ≤ from < to', shell);
    if (!Array.isArray(r.modalities) || r.modalities.length === 0)
      fail(`${at}.modalities`, `a non-empty list of image modalities or maps (${known.join(', ')})`, r.modalities);
    const modalities = (r.modalities as unknown[]).map((m, j) =>
      typeof m === 'string' && known.includes(m) ? m : fail(`${at}.modalities[${j}]`, `an image modality or map of a timepoint (${known.join(', ')})`, m),
    );
    if (new Set(modalities).size !== modalities.length) fail(`${at}.modalities`, 'a list without repeats', r.modalities);
    let body: RegionProtocol['body'];
    if (r.body !== undefined) {
      if (!isObject(r.body)) fail(`${at}.body`, 'a mapping { modality, threshold }: the body is where that image exceeds the threshold', r.body);
      const b = r.body as Obj;
      checkKeys(b, ['modality', 'threshold'], `${at}.body.`, fail);
      if (!isNumber(b.threshold)) fail(`${at}.body.threshold`, 'a number (voxels above it are body)', b.threshold);
      timepoints.forEach((t, k) => {
        const has = extractable(t);
        if (modalities.some((m) => has.includes(m)) && !has.includes(b.modality as string))
          fail(`${at}.body.modality`, `an image modality or map of every timepoint the region applies to (timepoints[${k}] has ${has.join(', ')})`, b.modality);
      });
      body = { modality: b.modality as string, threshold: b.threshold as number };
    }
    return { name: r.name as string, shell: [shell[0], shell[1]] as [number, number], ...(body ? { body } : {}), modalities };
  });
  const names = regions.map((r) => r.name);
  names.forEach((n, i) => names.indexOf(n) !== i && fail(`regions[${i}].name`, 'unique across regions', n));
  return regions;
}
