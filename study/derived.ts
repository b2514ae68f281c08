// The study file's keys for maps and regions: a timepoint's `derived` maps, the `series` settings their fits need
// (DWI b-values; DCE frame times, AIF, sequence and fixed native T1) and the `regions` extracted as ROIs of their own.
// Every error names the key path and what was expected (the caller adds the file).
import { minimumFrames } from '../imaging/maps';
import {
  DERIVED_MAPS,
  DERIVED_MAP_NAMES,
  MASK_MODALITIES,
  SERIES_MODALITIES,
  type DceSeriesProtocol,
  type VfaSeriesProtocol,
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

function validateDce(raw: unknown, wanted: DerivedMap[], timepoints: TimepointProtocol[], fail: Fail): DceSeriesProtocol {
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
  if (aif !== 'parker' && aif !== 'roi')
    fail('series.DCE.aif', "'parker' (the population AIF of Parker et al. 2006) or 'roi' (sampled in the timepoint's ARTERY mask)", aif);
  // The timepoints that fit DCE maps: each needs its ARTERY mask for an ROI AIF, and a native T1 (VFA or the fixed one).
  const dceTimepoints = timepoints.map((t, i) => [t, i] as const).filter(([t]) => (t.derived ?? []).some((m) => DERIVED_MAPS[m] === 'DCE'));
  if (aif === 'roi')
    for (const [t, i] of dceTimepoints)
      if (!t.modalities.includes('ARTERY'))
        fail(
          `timepoints[${i}].modalities`,
          `ARTERY among them (series.DCE.aif is 'roi': the AIF is sampled in the ARTERY mask registered at each DCE timepoint)`,
          t.modalities,
        );
  const injection = raw.injection;
  if (injection !== undefined && !isNumber(injection)) fail('series.DCE.injection', "the bolus arrival in s on the frames' time axis", injection);
  const hematocrit = raw.hematocrit;
  if (hematocrit !== undefined && !(isNumber(hematocrit) && hematocrit > 0 && hematocrit < 1))
    fail('series.DCE.hematocrit', 'a number between 0 and 1', hematocrit);
  const withoutVfa = dceTimepoints.find(([t]) => !t.modalities.includes('VFA'));
  if (raw.t1 === undefined ? withoutVfa !== undefined : !(isNumber(raw.t1) && raw.t1 > 0))
    fail(
      'series.DCE.t1',
      `the fixed native T1 in ms (> 0)${withoutVfa ? `, used where a timepoint acquires no VFA series (timepoints[${withoutVfa[1]}] has none)` : ', or absent: every DCE timepoint has a VFA series'}`,
      raw.t1,
    );
  const fromTags = times === 'dicom';
  const flip = raw.flipAngle;
  if (!(flip === undefined && fromTags) && !(isNumber(flip) && flip > 0 && flip < 180))
    fail('series.DCE.flipAngle', `the flip angle in degrees (0–180)${fromTags ? ', or absent to read it from the DICOM tags' : ''}`, flip);
  const tr = raw.tr;
  if (!(tr === undefined && fromTags) && !(isNumber(tr) && tr > 0))
    fail('series.DCE.tr', `the repetition time in ms (> 0)${fromTags ? ', or absent to read it from the DICOM tags' : ''}`, tr);
  return {
    times,
    aif: aif as DceSeriesProtocol['aif'],
    ...(injection !== undefined ? { injectionS: injection as number } : {}),
    ...(hematocrit !== undefined ? { hematocrit: hematocrit as number } : {}),
    model: model as DceSeriesProtocol['model'],
    ...(raw.t1 !== undefined ? { t1Ms: raw.t1 as number } : {}),
    ...(flip !== undefined ? { flipDeg: flip as number } : {}),
    ...(tr !== undefined ? { trMs: tr as number } : {}),
    baselineFrames: baselineFrames as number,
  };
}

function validateVfa(raw: unknown, fail: Fail): VfaSeriesProtocol {
  if (!isObject(raw)) return fail('series.VFA', "a mapping { flipAngles: [degrees, one per frame] or 'dicom', tr: ms, method }", raw);
  checkKeys(raw, ['flipAngles', 'tr', 'method'], 'series.VFA.', fail);
  if (raw.flipAngles === undefined) fail('series.VFA.flipAngles', "the flip angles in degrees (one per frame of the 4D series), or 'dicom'");
  let flipAngles: VfaSeriesProtocol['flipAngles'] = 'dicom';
  if (raw.flipAngles !== 'dicom') {
    flipAngles = numberList(raw.flipAngles, 'series.VFA.flipAngles', 'flip angles in degrees', fail);
    flipAngles.forEach((a, i) => !(a > 0 && a <= 90) && fail(`series.VFA.flipAngles[${i}]`, 'a flip angle in degrees, 0 < α ≤ 90', a));
    if (new Set(flipAngles).size < 2) fail('series.VFA.flipAngles', 'at least 2 different flip angles (one gives no T1 fit)', raw.flipAngles);
  }
  const tr = raw.tr;
  if (!(tr === undefined && flipAngles === 'dicom') && !(isNumber(tr) && tr > 0))
    fail('series.VFA.tr', `the repetition time in ms (> 0)${flipAngles === 'dicom' ? ', or absent to read it from the DICOM tags' : ''}`, tr);
  const method = raw.method;
  if (method !== undefined && method !== 'linear' && method !== 'nlls') fail('series.VFA.method', "'linear' or 'nlls'", method);
  return { flipAngles, ...(tr !== undefined ? { trMs: tr as number } : {}), ...(method ? { method: method as VfaSeriesProtocol['method'] } : {}) };
}

/** `series`: the settings of each series a timepoint derives maps from (required for those, refused for others). */
export function validateSeries(raw: unknown, timepoints: TimepointProtocol[], fail: Fail): StudyProtocol['series'] {
  const wanted = timepoints.flatMap((t) => t.derived ?? []);
  const needs = (source: 'DWI' | 'DCE' | 'VFA') => wanted.filter((m) => DERIVED_MAPS[m] === source);
  // A VFA series is fitted wherever it is acquired (for T1map, and for the DCE maps' native T1).
  const vfaAt = timepoints.findIndex((t) => t.modalities.includes('VFA'));
  if (vfaAt >= 0 && (!isObject(raw) || raw.VFA === undefined))
    fail('series.VFA', `the settings of the VFA series (flipAngles, tr) that timepoints[${vfaAt}] acquires`);
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
  if (!isObject(raw)) return fail('series', 'a mapping with DWI, DCE, VFA and/or XR', raw);
  checkKeys(raw, ['DWI', 'DCE', 'VFA', 'XR'], 'series.', fail);
  const out: NonNullable<StudyProtocol['series']> = {};
  if (raw.VFA !== undefined) {
    if (vfaAt < 0) fail('series.VFA', 'absent (no timepoint lists VFA among its modalities)', raw.VFA);
    out.VFA = validateVfa(raw.VFA, fail);
  }
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
    else out.DCE = validateDce(raw.DCE, needs('DCE'), timepoints, fail);
  }
  return out;
}

/** `regions`: uniquely named shells or marrow regions on image modalities or maps some timepoint has. */
export function validateRegions(raw: unknown, timepoints: TimepointProtocol[], fail: Fail): RegionProtocol[] | undefined {
  if (raw === undefined) return undefined;
  if (!Array.isArray(raw) || raw.length === 0)
    return fail('regions', 'a non-empty list of regions ({ name, shell: [from, to] mm or marrow: { bone } , modalities })', raw);
  // What a region may be extracted on: acquired images (not 4D series, not masks registered as scans) and derived maps.
  const extractable = (t: TimepointProtocol): string[] => {
    const sources = new Set((t.derived ?? []).map((m) => DERIVED_MAPS[m] as string));
    const skipped = (m: Modality) => sources.has(m) || SERIES_MODALITIES.includes(m) || MASK_MODALITIES.includes(m);
    return [...t.modalities.filter((m) => !skipped(m)), ...(t.derived ?? [])];
  };
  const known = [...new Set(timepoints.flatMap(extractable))];
  const regions = raw.map((r, i): RegionProtocol => {
    const at = `regions[${i}]`;
    if (!isObject(r)) return fail(at, 'a mapping with name, shell or marrow, and modalities', r);
    checkKeys(r, ['name', 'shell', 'marrow', 'body', 'modalities'], `${at}.`, fail);
    if (typeof r.name !== 'string' || !/^[A-Za-z][A-Za-z0-9_]{0,31}$/.test(r.name))
      fail(`${at}.name`, "a name of letters, digits and '_' such as shell_0_5mm", r.name);
    if ((r.shell === undefined) === (r.marrow === undefined))
      fail(at, 'exactly one of shell ([from, to] mm) and marrow ({ bone: BONE } or { threshold: HU, modality: CT })', Object.keys(r).join(', '));
    const shell = r.shell;
    if (shell !== undefined && (!Array.isArray(shell) || shell.length !== 2 || !shell.every(isNumber) || !(shell[0] >= 0 && shell[1] > shell[0])))
      fail(`${at}.shell`, '[from, to] in mm from the tumour surface, 0 ≤ from < to', shell);
    if (!Array.isArray(r.modalities) || r.modalities.length === 0)
      fail(`${at}.modalities`, `a non-empty list of image modalities or maps (${known.join(', ')})`, r.modalities);
    const modalities = (r.modalities as unknown[]).map((m, j) =>
      typeof m === 'string' && known.includes(m) ? m : fail(`${at}.modalities[${j}]`, `an image modality or map of a timepoint (${known.join(', ')})`, m),
    );
    if (new Set(modalities).size !== modalities.length) fail(`${at}.modalities`, 'a list without repeats', r.modalities);
    // Every timepoint the region applies to must have what it is cut with.
    const applies = timepoints.map((t, k) => [t, k] as const).filter(([t]) => modalities.some((m) => extractable(t).includes(m)));
    let marrow: RegionProtocol['marrow'];
    if (r.marrow !== undefined) {
      const expected =
        '{ bone: BONE } (the bone mask registered as the BONE modality) or { threshold: HU, modality: CT } (bone where that image is ≥ threshold)';
      if (!isObject(r.marrow)) fail(`${at}.marrow`, expected, r.marrow);
      const m = r.marrow as Obj;
      if (m.bone !== undefined) {
        checkKeys(m, ['bone'], `${at}.marrow.`, fail);
        if (m.bone !== 'BONE') fail(`${at}.marrow.bone`, 'BONE (the modality the bone mask is registered as)', m.bone);
        for (const [t, k] of applies)
          if (!t.modalities.includes('BONE'))
            fail(`${at}.marrow.bone`, `a BONE mask at every timepoint the region applies to (timepoints[${k}] lists ${t.modalities.join(', ')})`, m.bone);
        marrow = { bone: 'BONE' };
      } else {
        checkKeys(m, ['threshold', 'modality'], `${at}.marrow.`, fail);
        if (!isNumber(m.threshold)) fail(`${at}.marrow.threshold`, 'a number (HU at or above which a voxel is bone)', m.threshold);
        for (const [t, k] of applies)
          if (typeof m.modality !== 'string' || !extractable(t).includes(m.modality))
            fail(
              `${at}.marrow.modality`,
              `an image modality of every timepoint the region applies to, such as CT (timepoints[${k}] has ${extractable(t).join(', ')})`,
              m.modality,
            );
        marrow = { modality: m.modality as string, threshold: m.threshold as number };
      }
    }
    let body: RegionProtocol['body'];
    if (r.body !== undefined) {
      if (!isObject(r.body)) fail(`${at}.body`, 'a mapping { modality, threshold }: the body is where that image exceeds the threshold', r.body);
      const b = r.body as Obj;
      checkKeys(b, ['modality', 'threshold'], `${at}.body.`, fail);
      if (!isNumber(b.threshold)) fail(`${at}.body.threshold`, 'a number (voxels above it are body)', b.threshold);
      for (const [t, k] of applies) {
        const has = extractable(t);
        if (!has.includes(b.modality as string))
          fail(`${at}.body.modality`, `an image modality or map of every timepoint the region applies to (timepoints[${k}] has ${has.join(', ')})`, b.modality);
      }
      body = { modality: b.modality as string, threshold: b.threshold as number };
    }
    return {
      name: r.name as string,
      ...(shell !== undefined ? { shell: [(shell as number[])[0], (shell as number[])[1]] as [number, number] } : {}),
      ...(marrow ? { marrow } : {}),
      ...(body ? { body } : {}),
      modalities,
    };
  });
  const names = regions.map((r) => r.name);
  names.forEach((n, i) => names.indexOf(n) !== i && fail(`regions[${i}].name`, 'unique across regions', n));
  return regions;
}
