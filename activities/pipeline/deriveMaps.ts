// The deriving step: a timepoint's parameter maps (ADC and IVIM from its DWI series, Tofts and semi-quantitative maps
// from its DCE series, the native T1 map from its VFA series, which the DCE fit then uses voxel by voxel instead of
// the fixed T1; the AIF is Parker's population curve or sampled in the timepoint's ARTERY mask) computed with the
// study's settings, counted for QC in each map's contour, and stored beside the scans with their SHA-256. Every map
// is computed before any is stored: a series that gives no maps makes each of its maps (and a VFA series that gives
// no T1 map, the DCE maps too) come back `unusable` (QC reports it) and leaves no file and no row behind. The fits run
// slab by slab (a few z-slices at a time, each voxel's fit independent of the others), yielding between slabs so that
// heartbeats go out.
import { statSync } from 'node:fs';
import { Context } from '@temporalio/activity';
import { readNiftiSeries } from '../../imaging/io/nifti';
import { readDicomSeries4d, type DicomSeries4d } from '../../imaging/io/dicomSeries4d';
import { readImage } from '../../imaging/io';
import { aifFromRoi, fitAdc, fitDce, fitIvim, fitT1Vfa, checkBValues, checkTimes, FitFailure, type DceAif, type VolumeSeries } from '../../imaging/maps';
import type { Geometry, Vec3, Volume } from '../../imaging/image';
import { storeVolume, removeStored } from '../../study/mapStore';
import type { ResultsStore } from '../../store/types';
import type { StudyFiles, StudyLocation } from '../../study/storedFiles';
import { contourForMap, type AcquiredScan, type MapActivities, type MapFitSummary } from '../../contracts/pipeline';
import {
  DERIVED_MAPS,
  derivedMapsOf,
  SERIES_MODALITIES,
  type DceSeriesProtocol,
  type DerivedMap,
  type DwiSeriesProtocol,
  type MapSource,
  type VfaSeriesProtocol,
} from '../../contracts/study';

export interface MapDeps {
  store: ResultsStore;
  maxVoxels?: number;
  /** This host's StudyFiles for a study (series laid out by address, maps put into the blob store). */
  filesOf: (study: StudyLocation) => StudyFiles;
}

/** A computed map before it is stored: its volume, its per-voxel failure codes and what it is measured in. */
interface ComputedMap {
  map: DerivedMap;
  volume: Volume<Float32Array>;
  failed: Uint8Array;
  /** Failure codes this map's QC counts (the semi-quantitative maps only fail where the signal cannot be converted). */
  counts: (code: number) => boolean;
  description: string;
}

/** Diffusivities are stored in 10⁻⁶ mm²/s, the unit of acquired ADC maps, so one parameter file bins both alike. */
const DIFFUSIVITY_SCALE = 1e6;

/** Voxels per slab: a few z-slices, about this many voxels. */
const SLAB_VOXELS = 16384;

const isFolder = (file: string) => {
  try {
    return statSync(file).isDirectory();
  } catch {
    return false;
  }
};

const AXIS: Record<MapSource, 'bvalue' | 'time' | 'flip'> = { DWI: 'bvalue', DCE: 'time', VFA: 'flip' };

function readSeries(file: string, axis: 'bvalue' | 'time' | 'flip', maxVoxels: number | undefined): VolumeSeries | DicomSeries4d {
  return isFolder(file) ? readDicomSeries4d(file, { axis }) : readNiftiSeries(file, { maxVoxels });
}
const fromDicom = (s: VolumeSeries | DicomSeries4d): s is DicomSeries4d => 'axis' in s;

/** The slab of z-slices [z0, z1) of a series, as a series of its own (frame-major, like the whole). */
function slabOf(series: VolumeSeries, z0: number, z1: number): VolumeSeries<Float64Array> {
  const g = series.geometry;
  const plane = g.size[0] * g.size[1];
  const voxels = plane * g.size[2];
  const sub = plane * (z1 - z0);
  const data = new Float64Array(sub * series.frames);
  for (let f = 0; f < series.frames; f++) {
    const from = f * voxels + z0 * plane;
    for (let i = 0; i < sub; i++) data[f * sub + i] = series.data[from + i];
  }
  const d = g.direction;
  const shift = z0 * g.spacing[2];
  const origin: Vec3 = [g.origin[0] + d[2] * shift, g.origin[1] + d[5] * shift, g.origin[2] + d[8] * shift];
  const geometry: Geometry = { ...g, size: [g.size[0], g.size[1], z1 - z0], origin };
  return { geometry, frames: series.frames, data, source: series.source };
}

/**
 * Fits `fit` slab by slab and stitches its named maps and failure codes over the whole grid. The first slab's errors
 * (bad b-values, bad times) are the whole series' errors: every check depends only on the frames, not the voxels.
 */
async function fitInSlabs<K extends string>(
  series: VolumeSeries,
  fit: (slab: VolumeSeries, z0: number, z1: number) => { maps: Record<K, Volume<Float32Array> | null>; failed: Volume<Uint8Array> },
  onSlab: (done: number, total: number) => void,
): Promise<{ maps: Record<K, Float32Array | null>; failed: Uint8Array }> {
  const g = series.geometry;
  const plane = g.size[0] * g.size[1];
  const voxels = plane * g.size[2];
  const step = Math.max(1, Math.floor(SLAB_VOXELS / plane));
  let maps: Record<K, Float32Array | null> | undefined;
  const failed = new Uint8Array(voxels);
  for (let z0 = 0; z0 < g.size[2]; z0 += step) {
    const z1 = Math.min(g.size[2], z0 + step);
    const result = fit(slabOf(series, z0, z1), z0, z1);
    maps ??= Object.fromEntries(Object.entries(result.maps).map(([k, v]) => [k, v ? new Float32Array(voxels) : null])) as Record<K, Float32Array | null>;
    for (const [k, v] of Object.entries(result.maps) as Array<[K, Volume<Float32Array> | null]>) if (v) maps[k]!.set(v.data, z0 * plane);
    failed.set(result.failed.data, z0 * plane);
    onSlab(z1, g.size[2]);
    // Lets the heartbeat (and a cancellation) through between slabs.
    await new Promise((resolve) => setImmediate(resolve));
  }
  return { maps: maps!, failed };
}

const scaled = (data: Float32Array, factor: number) => (factor === 1 ? data : data.map((v) => v * factor));
const anyFailure = () => true;
const conversionFailure = (code: number) => code === FitFailure.conversion || code === FitFailure.nonFinite || code === FitFailure.noNativeT1;

async function diffusionMaps(
  series: VolumeSeries | DicomSeries4d,
  settings: DwiSeriesProtocol,
  wanted: DerivedMap[],
  onSlab: (done: number, total: number) => void,
): Promise<ComputedMap[]> {
  const bValues = frameValues(series, settings.bValues, 'series.DWI.bValues', 'the b-values');
  // Checked on the whole series first, so the error names the registered file and all its volumes.
  checkBValues(series, bValues, 2);
  const out: ComputedMap[] = [];
  const grid = (data: Float32Array) => ({ geometry: series.geometry, data });
  if (wanted.includes('ADC')) {
    const { maps, failed } = await fitInSlabs(
      series,
      (slab) => {
        const m = fitAdc(slab, bValues, { method: settings.method });
        return { maps: { adc: m.adc }, failed: m.failed };
      },
      onSlab,
    );
    out.push({ map: 'ADC', volume: grid(scaled(maps.adc!, DIFFUSIVITY_SCALE)), failed, counts: anyFailure, description: 'ADC 1e-6 mm2/s' });
  }
  const ivim = wanted.filter((m) => m.startsWith('IVIM_'));
  if (ivim.length) {
    const { maps, failed } = await fitInSlabs(
      series,
      (slab) => {
        const m = fitIvim(slab, bValues);
        return { maps: { d: m.d, dStar: m.dStar, f: m.f }, failed: m.failed };
      },
      onSlab,
    );
    const of: Record<string, [Float32Array, string]> = {
      IVIM_D: [scaled(maps.d!, DIFFUSIVITY_SCALE), 'IVIM D 1e-6 mm2/s'],
      IVIM_Dstar: [scaled(maps.dStar!, DIFFUSIVITY_SCALE), 'IVIM D* 1e-6 mm2/s'],
      IVIM_f: [maps.f!, 'IVIM perfusion fraction'],
    };
    for (const map of ivim) out.push({ map, volume: grid(of[map][0]), failed, counts: anyFailure, description: of[map][1] });
  }
  return out;
}

/** A series' per-frame values (b-values, flip angles, frame times): the study file's, or the DICOM tags' where it says 'dicom'. */
function frameValues(series: VolumeSeries | DicomSeries4d, given: number[] | 'dicom', field: string, what: string): number[] {
  if (given !== 'dicom') return given;
  if (!fromDicom(series))
    throw new Error(`file ${series.source}, field '${field}': 'dicom' needs a DICOM series (expected ${what} in the study file for a NIfTI)`);
  return series.values;
}

/** The native T1 map (ms) of a VFA series, fitted slab by slab; flip angles and TR from the study file or the tags. */
async function t1Map(series: VolumeSeries | DicomSeries4d, settings: VfaSeriesProtocol, onSlab: (done: number, total: number) => void): Promise<ComputedMap> {
  const file = series.source;
  const flips = frameValues(series, settings.flipAngles, 'series.VFA.flipAngles', 'the flip angles');
  const trMs = settings.trMs ?? (fromDicom(series) ? series.repetitionTimeMs : undefined);
  if (trMs === undefined)
    throw new Error(`file ${file}, field 'RepetitionTime (0018,0080)': not the same in every file (expected series.VFA.tr in the study file)`);
  const { maps, failed } = await fitInSlabs(
    series,
    (slab) => {
      const m = fitT1Vfa(slab, flips, trMs, { method: settings.method });
      return { maps: { t1: m.t1 }, failed: m.failed };
    },
    onSlab,
  );
  return {
    map: 'T1map',
    volume: { geometry: series.geometry, data: maps.t1!, source: file } as Volume<Float32Array>,
    failed,
    counts: anyFailure,
    description: 'T1 ms VFA',
  };
}

const DCE_MAPS: Record<string, { key: string; description: string; model: boolean }> = {
  DCE_Ktrans: { key: 'ktrans', description: 'Ktrans 1/min', model: true },
  DCE_ve: { key: 've', description: 've', model: true },
  DCE_kep: { key: 'kep', description: 'kep 1/min', model: true },
  DCE_vp: { key: 'vp', description: 'vp', model: true },
  DCE_TTP: { key: 'timeToPeak', description: 'time to peak s', model: false },
  DCE_washIn: { key: 'washIn', description: 'wash-in 1/s', model: false },
  DCE_washOut: { key: 'washOut', description: 'wash-out 1/s', model: false },
  DCE_maxEnhancement: { key: 'maxEnhancement', description: 'max relative enhancement', model: false },
  DCE_IAUC60: { key: 'iauc60', description: 'IAUC60', model: false },
  DCE_IAUGC60: { key: 'iaugc60', description: 'IAUGC60 mM s', model: false },
};

async function perfusionMaps(
  series: VolumeSeries | DicomSeries4d,
  settings: DceSeriesProtocol,
  wanted: DerivedMap[],
  onSlab: (done: number, total: number) => void,
  native: { t1Map?: Volume<Float32Array>; artery?: Volume } = {},
): Promise<ComputedMap[]> {
  const file = series.source;
  const times = frameValues(series, settings.times, 'series.DCE.times', 'the frame times');
  checkTimes(series, times, settings.model, settings.baselineFrames);
  const flipDeg = settings.flipDeg ?? (fromDicom(series) ? series.flipAngleDeg : undefined);
  const trMs = settings.trMs ?? (fromDicom(series) ? series.repetitionTimeMs : undefined);
  if (flipDeg === undefined || trMs === undefined) {
    throw new Error(
      `file ${file}, field 'FlipAngle (0018,1314) / RepetitionTime (0018,0080)': not the same in every file (expected series.DCE.flipAngle and series.DCE.tr in the study file)`,
    );
  }
  const injection = settings.injectionS ?? times[settings.baselineFrames - 1];
  const { t1Map } = native;
  if (!t1Map && settings.t1Ms === undefined)
    throw new Error(`file ${file}, field 'series.DCE.t1': no VFA series at this timepoint (expected a fixed native T1 in the study file, or a VFA series)`);
  const t10Ms = t1Map ? undefined : settings.t1Ms;
  let aif: DceAif = { kind: 'parker', injection, hematocrit: settings.hematocrit };
  if (settings.aif === 'roi') {
    if (!native.artery) throw new Error(`file ${file}, field 'series.DCE.aif': 'roi' needs the ARTERY mask of this timepoint, and none was registered`);
    const roi = aifFromRoi(series, native.artery, {
      input: 'signal',
      spgr: { flipDeg, trMs, t10Ms },
      t1Map,
      baselineFrames: settings.baselineFrames,
      hematocrit: settings.hematocrit,
    });
    aif = { kind: 'curve', values: roi.values, source: native.artery.source };
  }
  const plane = series.geometry.size[0] * series.geometry.size[1];
  const { maps, failed } = await fitInSlabs(
    series,
    (slab, z0, z1) => {
      const m = fitDce(slab, {
        times,
        aif,
        model: settings.model,
        input: 'signal',
        spgr: { flipDeg, trMs, t10Ms },
        ...(t1Map ? { t1Map: { geometry: slab.geometry, data: t1Map.data.subarray(z0 * plane, z1 * plane), source: t1Map.source } } : {}),
        baselineFrames: settings.baselineFrames,
        onset: injection,
      });
      const { ktrans, kep, ve, vp, maxEnhancement, timeToPeak, washIn, washOut, iauc60, iaugc60 } = m;
      return { maps: { ktrans, kep, ve, vp, maxEnhancement, timeToPeak, washIn, washOut, iauc60, iaugc60 }, failed: m.failed };
    },
    onSlab,
  );
  return wanted.map((map) => {
    const spec = DCE_MAPS[map];
    const data = (maps as Record<string, Float32Array | null>)[spec.key];
    return {
      map,
      volume: { geometry: series.geometry, data: data! },
      failed,
      counts: spec.model ? anyFailure : conversionFailure,
      description: spec.description,
    };
  });
}

/** Counts failed and out-of-range voxels of a map inside its contour (or over the grid without a usable one). */
function fitSummary(map: ComputedMap, contour: Volume | undefined): MapFitSummary {
  const inside = contour && contour.data.length === map.failed.length ? contour.data : undefined;
  let voxels = 0;
  let failed = 0;
  let outOfRange = 0;
  for (let i = 0; i < map.failed.length; i++) {
    if (inside && inside[i] === 0) continue;
    voxels++;
    const code = map.failed[i];
    if (code !== 0 && map.counts(code)) {
      failed++;
      if (code === FitFailure.outOfRange) outOfRange++;
    }
  }
  return { voxels, failed, outOfRange, within: inside ? 'contour' : 'grid' };
}

export function createMapActivities(deps: MapDeps): MapActivities {
  return {
    async deriveMaps({ acquired: given, ...ref }) {
      const wanted = derivedMapsOf(ref.protocol, ref.timepoint);
      if (wanted.length === 0) return [];
      const context = Context.current();
      const files = deps.filesOf(ref.protocol);
      const acquired = await files.localise(ref.protocol, given);
      const bySource = new Map<MapSource, DerivedMap[]>();
      for (const map of wanted) bySource.set(DERIVED_MAPS[map], [...(bySource.get(DERIVED_MAPS[map]) ?? []), map]);

      // A VFA series acquired at this timepoint gives the native T1 of its T1map and of the DCE fit (the fixed
      // series.DCE.t1 is the fallback where none was acquired); it is fitted once, first.
      const tpModalities = ref.protocol.timepoints?.find((t) => t.name === ref.timepoint)?.modalities ?? [];
      if (bySource.has('DCE') && tpModalities.includes('VFA') && !bySource.has('VFA')) bySource.set('VFA', []);
      const order = [...bySource.keys()].sort((a, b) => (a === 'VFA' ? -1 : b === 'VFA' ? 1 : 0));
      const pathsToSources = (message: string) => {
        for (const scan of acquired) if (scan.path) message = message.split(scan.path).join(scan.source);
        return message;
      };

      const computed: Array<{ source: AcquiredScan; maps: ComputedMap[] } | { source: MapSource; maps: DerivedMap[]; unusable: string }> = [];
      let native: { t1Map?: Volume<Float32Array>; artery?: Volume } = {};
      let vfaFailure: string | undefined;
      for (const modality of order) {
        const maps = bySource.get(modality)!;
        const source = acquired.filter((a) => a.role === 'image' && a.modality === modality).at(-1);
        const onSlab = (done: number, total: number) => context.heartbeat({ series: modality, slices: `${done} of ${total}` });
        context.heartbeat({ series: modality, step: 'reading' });
        try {
          if (!source) throw new Error(`no ${modality} series was acquired`);
          if (modality === 'DCE' && vfaFailure) throw new Error(`its native T1 comes from the VFA series, which gave no T1 map: ${vfaFailure}`);
          const settings = ref.protocol.series?.[modality];
          if (!settings) throw new Error(`the study file has no series.${modality} settings`);
          const series = readSeries(source.path, AXIS[modality], deps.maxVoxels);
          let result: ComputedMap[];
          if (modality === 'VFA') {
            const t1 = await t1Map(series, settings as VfaSeriesProtocol, onSlab);
            native = { ...native, t1Map: t1.volume };
            result = maps.length ? [t1] : [];
          } else if (modality === 'DWI') result = await diffusionMaps(series, settings as DwiSeriesProtocol, maps, onSlab);
          else {
            const dce = settings as DceSeriesProtocol;
            const artery = acquired.filter((a) => a.role === 'image' && a.modality === 'ARTERY' && a.unusable === undefined).at(-1);
            if (dce.aif === 'roi' && artery) native = { ...native, artery: readImage(artery.path, { maxVoxels: deps.maxVoxels }) };
            result = await perfusionMaps(series, dce, maps, onSlab, native);
          }
          if (result.length) computed.push({ source, maps: result });
        } catch (err) {
          // A series that gives no maps is a finding about the scan (a re-scan or a corrected study file fixes it).
          const message = pathsToSources((err as Error).message);
          if (modality === 'VFA') vfaFailure = message;
          if (maps.length || modality !== 'VFA') computed.push({ source: modality, maps, unusable: message });
        }
      }

      const unusable = computed.filter((c): c is Extract<typeof c, { unusable: string }> => 'unusable' in c);
      if (unusable.length) {
        return unusable.flatMap((u) =>
          u.maps.map((map) => ({ modality: map, role: 'image' as const, path: '', sha256: '', source: '', derivedFrom: u.source, unusable: u.unusable })),
        );
      }

      // Every map computed: now they are stored, each counted in the contour it will be extracted in.
      const dir = files.timepointFolder(ref.protocol, ref.pseudonym, ref.timepoint);
      const contours = new Map<string, Volume | undefined>();
      const contourOf = (map: string, source: string) => {
        const mask = contourForMap(acquired, map, source);
        if (!mask || mask.unusable !== undefined || !mask.path) return undefined;
        if (!contours.has(mask.path)) {
          try {
            contours.set(mask.path, readImage(mask.path, { maxVoxels: deps.maxVoxels }));
          } catch {
            // An unreadable mask is QC's finding; the map is counted over its grid meanwhile.
            contours.set(mask.path, undefined);
          }
        }
        return contours.get(mask.path);
      };
      const written: string[] = [];
      const out: AcquiredScan[] = [];
      try {
        for (const entry of computed as Array<{ source: AcquiredScan; maps: ComputedMap[] }>) {
          for (const map of entry.maps) {
            context.heartbeat({ storing: map.map });
            const stored = storeVolume(dir, map.map, map.volume, `${map.description} from ${entry.source.modality}`);
            if (stored.created) written.push(stored.path);
            out.push({
              modality: map.map,
              role: 'image',
              path: stored.path,
              sha256: stored.sha256,
              source: `derived:${entry.source.modality}:${entry.source.sha256}`,
              derivedFrom: entry.source.modality,
              fit: fitSummary(map, contourOf(map.map, entry.source.modality)),
            });
          }
        }
      } catch (err) {
        // No row names these files yet: a store that failed part-way keeps none of them (a retry writes the same bytes).
        removeStored(written);
        throw err;
      }
      // Into the blob store, then rows last, each idempotent on its content hash: a retry after a failure here
      // records the same rows.
      for (const [index, scan] of out.entries()) out[index] = { ...scan, ...(await files.publish(ref.protocol, scan.path, scan.sha256)) };
      for (const scan of out) {
        await deps.store.recordScan({
          studyId: ref.protocol.studyId,
          pseudonym: ref.pseudonym,
          timepoint: ref.timepoint,
          modality: scan.modality,
          role: 'image',
          sha256: scan.sha256,
          path: scan.path,
          source: scan.source,
        });
      }
      return out;
    },
  };
}

/**
 * QC's reader: the 4D series maps come from are checked on their first frame (b = 0, or the first pre-contrast
 * frame), which has the series' grid; every other path goes to `read`.
 */
export function seriesQcReader(acquired: readonly AcquiredScan[], sources: readonly string[], read: (file: string) => Volume, maxVoxels?: number) {
  const series = (m: string) => sources.includes(m) && (SERIES_MODALITIES as readonly string[]).includes(m);
  const seriesPaths = new Map(acquired.filter((a) => a.role === 'image' && series(a.modality)).map((a) => [a.path, a.modality as MapSource]));
  return (file: string): Volume => {
    const modality = seriesPaths.get(file);
    if (modality === undefined) return read(file);
    const read4d = readSeries(file, AXIS[modality], maxVoxels);
    const g = read4d.geometry;
    const voxels = g.size[0] * g.size[1] * g.size[2];
    return { geometry: g, data: read4d.data.subarray(0, voxels), source: file } as Volume;
  };
}
