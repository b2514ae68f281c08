// The attributes that tell the frames of a 4D MR series apart (PS3.3 C.8.3.1, C.7.6.1, C.8.13.5.9): the diffusion
// b-value, from DiffusionBValue (0018,9087) or, where a scanner writes only its own, the private b-value of Siemens
// (0019,xx0C "SIEMENS MR HEADER"), GE (0043,xx39 "GEMS_PARM_01", first value, less the 10⁹ some sequences add) or
// Philips (2001,xx03 "Philips Imaging DD 001") — the tags dcm2niix reads (Li et al. 2016, J Neurosci Methods
// 264:47); the temporal position, trigger time and acquisition time of a dynamic series; flip angle and TR.
import type { DataSet } from 'dicom-parser';
import { combineDateTime, parseDicomDateTime, parseDicomTime } from './dicomTime';

export interface FrameTags {
  /** s/mm², or undefined when no b-value tag is present. */
  bValue: number | undefined;
  /** The tag the b-value came from, e.g. 'DiffusionBValue (0018,9087)'. */
  bValueTag: string | undefined;
  /** TemporalPositionIdentifier (0020,0100). */
  temporalPosition: number | undefined;
  /** TriggerTime (0018,1060), ms. */
  triggerTimeMs: number | undefined;
  /** AcquisitionDateTime (0008,002A), else AcquisitionDate + AcquisitionTime (0008,0022/0032), else AcquisitionTime alone: s. */
  acquisitionTimeS: number | undefined;
  /** FlipAngle (0018,1314), degrees. */
  flipAngleDeg: number | undefined;
  /** RepetitionTime (0018,0080), ms. */
  repetitionTimeMs: number | undefined;
  /** InstanceNumber (0020,0013). */
  instanceNumber: number | undefined;
}

export const DIFFUSION_B_VALUE_TAGS = 'DiffusionBValue (0018,9087), Siemens (0019,xx0C), GE (0043,xx39) or Philips (2001,xx03)';

const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');
/** 'x0019100c' → '(0019,100C)'. */
const shown = (key: string) => `(${key.slice(1, 5)},${key.slice(5)})`.toUpperCase();

/** The tag key of private element `element` (0x00–0xFF) of `creator`'s block in `group`, or undefined without that block. */
function privateTag(ds: DataSet, group: number, creator: string, element: number): string | undefined {
  for (let block = 0x10; block <= 0xff; block++) {
    const key = `x${hex(group, 4)}00${hex(block, 2)}`;
    if (!ds.elements[key]) continue;
    if ((ds.string(key) ?? '').trim().toUpperCase() === creator.toUpperCase()) return `x${hex(group, 4)}${hex(block, 2)}${hex(element, 2)}`;
  }
  return undefined;
}

const finite = (x: number | undefined): number | undefined => (x !== undefined && Number.isFinite(x) ? x : undefined);

function present(ds: DataSet, tag: string): boolean {
  const e = ds.elements[tag];
  return e !== undefined && e.length > 0;
}

/** A binary value (FD of 8 bytes, FL of 4) read only when the element holds that many bytes; else NaN. */
function binary(ds: DataSet, tag: string, bytes: 4 | 8): number {
  if (ds.elements[tag].length < bytes) return NaN;
  return (bytes === 8 ? ds.double(tag) : ds.float(tag)) ?? NaN;
}

function bValueOf(ds: DataSet): { value: number; tag: string } | undefined {
  if (present(ds, 'x00189087')) return { value: binary(ds, 'x00189087', 8), tag: 'DiffusionBValue (0018,9087)' };
  const siemens = privateTag(ds, 0x0019, 'SIEMENS MR HEADER', 0x0c);
  if (siemens && present(ds, siemens)) return { value: ds.intString(siemens) ?? NaN, tag: `Siemens B_value ${shown(siemens)}` };
  const ge = privateTag(ds, 0x0043, 'GEMS_PARM_01', 0x39);
  if (ge && present(ds, ge)) {
    const v = ds.intString(ge, 0) ?? NaN;
    return { value: v >= 1e9 ? v % 1e9 : v, tag: `GE Slop_int_6 ${shown(ge)}` };
  }
  const philips = privateTag(ds, 0x2001, 'Philips Imaging DD 001', 0x03);
  if (philips && present(ds, philips)) return { value: binary(ds, philips, 4), tag: `Philips Diffusion_B-Factor ${shown(philips)}` };
  return undefined;
}

function acquisitionTime(ds: DataSet): number | undefined {
  const dt = ds.string('x0008002a');
  if (dt) return parseDicomDateTime(dt);
  const time = ds.string('x00080032');
  if (!time) return undefined;
  return combineDateTime(ds.string('x00080022'), time) ?? parseDicomTime(time);
}

export function frameTags(ds: DataSet): FrameTags {
  const b = bValueOf(ds);
  return {
    bValue: b?.value,
    bValueTag: b?.tag,
    temporalPosition: finite(ds.intString('x00200100')),
    triggerTimeMs: finite(ds.floatString('x00181060')),
    acquisitionTimeS: finite(acquisitionTime(ds)),
    flipAngleDeg: finite(ds.floatString('x00181314')),
    repetitionTimeMs: finite(ds.floatString('x00180080')),
    instanceNumber: finite(ds.intString('x00200013')),
  };
}
