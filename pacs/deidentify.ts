// De-identification on ingest: a folder of DICOM files (a series retrieved from the PACS, or an RTSTRUCT/SEG beside
// it) → a folder of the same objects without the patient's identity, by the Basic Application Level Confidentiality
// Profile of DICOM PS3.15 Annex E (Table E.1-1; the attributes and actions are in confidentialityProfile.ts).
//
//   Identity   PatientName and PatientID become the pseudonym; the other identifying attributes are removed, emptied
//              or given dummy values as the table says; PatientIdentityRemoved (0012,0062) = YES, and
//              DeidentificationMethod (0012,0063) with DeidentificationMethodCodeSequence (0012,0064) name the profile
//              and its options (PS3.15 E.1.1).
//   UIDs       Every instance UID (study, series, instance, frame of reference, references within sequences) is
//              replaced by 2.25.<a UUID from HMAC-SHA-256(secret, UID)> (PS3.5 B.2): the same UID gets the same new
//              UID in every file and on every run with the same secret, so an RTSTRUCT or SEG de-identified apart from
//              its series still references it. Standard UIDs (SOP classes, transfer syntaxes, 1.2.840.10008.*) stay.
//   Dates      Shifted by a whole number of days per patient (from the secret and the pseudonym, or given), or kept;
//              times of day are kept. LongitudinalTemporalInformationModified (0028,0303) says which.
//   Private    Private attributes (odd groups), overlays (60xx) and curves (50xx) are removed (PS3.15 E.1.1: private
//              attributes are removed unless the Retain Safe Private Option is applied, which it is not).
//   Pixels     Not altered. A file with BurnedInAnnotation (0028,0301) = YES is refused unless allowed: its pixels may
//              show identity, and the Clean Pixel Data Option is not applied.
// Nothing is written unless every file passes; the output folder appears whole. Errors and the summary name files
// by the paths given and count attributes; they never quote a value.
import { createHmac } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DEIDENTIFICATION_CODES, PROFILE, type ProfileRule } from './confidentialityProfile';
import { DeidentificationError } from './errors';

export interface DeidentifyOptions {
  /** Key of the UID mapping and of the derived date offset (at least 16 bytes); the same secret gives the same output. */
  secret: string | Buffer;
  /** What PatientName and PatientID become: the study's pseudonym for the patient (LO: 1–64 characters, no backslash). */
  pseudonym: string;
  /** 'shift' (default): dates moved by the patient's offset; 'keep': dates as they are. */
  dates?: 'shift' | 'keep';
  /** The shift in days (non-zero integer); default derived from the secret and the pseudonym (dateOffsetDays). */
  dateOffsetDays?: number;
  /** Keep PatientSex, PatientAge, PatientSize, PatientWeight (Retain Patient Characteristics Option); default true. */
  keepPatientCharacteristics?: boolean;
  /** ROI names: 'clean' (default; kept unless they hold an identifier) or 'remove' (emptied, as the Basic Profile has it). */
  roiNames?: 'clean' | 'remove';
  /** De-identify files marked BurnedInAnnotation = YES anyway (their pixels are not cleaned); default false. */
  allowBurnedInAnnotation?: boolean;
  /** Replace an existing output folder; default false (an existing one is an error). */
  overwrite?: boolean;
}

export interface DeidentifiedSeries {
  outputDir: string;
  /** Files written. */
  files: number;
  /** Files of the input folder that are not DICOM Part-10 files (left out). */
  skipped: number;
  /** New StudyInstanceUIDs and SeriesInstanceUIDs of the written files. */
  studyInstanceUids: string[];
  seriesInstanceUids: string[];
  modalities: string[];
  /** Attribute counts over all files: removed (X, private, overlay, UN), emptied (Z), replaced by dummies (D), UIDs mapped, dates shifted, free text emptied because it held an identifier. */
  counts: { removed: number; emptied: number; replaced: number; uidsMapped: number; datesShifted: number; cleaned: number };
  ms: number;
}

/** Transfer syntaxes (PS3.5 A): the uncompressed ones are written as Explicit VR Little Endian; encapsulated ones are kept. */
const TS = {
  implicitLittle: '1.2.840.10008.1.2',
  explicitLittle: '1.2.840.10008.1.2.1',
  deflated: '1.2.840.10008.1.2.1.99',
  explicitBig: '1.2.840.10008.1.2.2',
} as const;
/** This writer's ImplementationClassUID (PS3.7 D.3.3.2), UUID-derived. */
const IMPLEMENTATION_CLASS_UID = '2.25.59464901896557719747869424578731072573';
const IMPLEMENTATION_VERSION = 'OSTEOFLOW_DEID';
/** The first value of DeidentificationMethod (0012,0063) this de-identification writes. */
const BASIC_PROFILE_METHOD = 'PS3.15 Annex E Basic Profile';
/** Objects whose Enhanced General Equipment module makes DeviceSerialNumber Type 1 (PS3.3 C.7.5.2): D, not X. */
const ENHANCED_EQUIPMENT_SOP_CLASSES = new Set([
  '1.2.840.10008.5.1.4.1.1.66.4', // Segmentation
  '1.2.840.10008.5.1.4.1.1.2.1', // Enhanced CT
  '1.2.840.10008.5.1.4.1.1.4.1', // Enhanced MR
  '1.2.840.10008.5.1.4.1.1.130', // Enhanced PET
]);
/** UI attributes that name classes, syntaxes or coding schemes, not instances: kept whatever their root. */
const KEPT_UID_TAGS = new Set([
  '00020002', // MediaStorageSOPClassUID
  '00020010', // TransferSyntaxUID
  '00020012', // ImplementationClassUID
  '00041510', // ReferencedSOPClassUIDInFile
  '00041512', // ReferencedTransferSyntaxUIDInFile
  '0004151A', // ReferencedRelatedGeneralSOPClassUIDInFile
  '00080016', // SOPClassUID
  '0008001A', // RelatedGeneralSOPClassUID
  '0008001B', // OriginalSpecializedSOPClassUID
  '00080062', // SOPClassesInStudy
  '0008010C', // CodingSchemeUID
  '0008010D', // ContextGroupExtensionCreatorUID
  '00080117', // ContextUID
  '00080118', // MappingResourceUID
  '00081150', // ReferencedSOPClassUID
  '04000010', // MACCalculationTransferSyntaxUID
]);
/** String VRs scanned for the patient's identifiers (PS3.5 6.2). */
const TEXT_VRS = new Set(['AE', 'CS', 'LO', 'LT', 'SH', 'ST', 'UC', 'UR', 'UT']);
/** Attributes set after the profile is applied (Patient Identification, SOP Common, Image Pixel). */
const SET_HERE = new Set(['00100010', '00100020', '00120062', '00120063', '00120064', '00280303']);
const BURNED_IN_ANNOTATION = '00280301';
const PIXEL_REPRESENTATION = '00280103';
/** US-or-SS attributes (PS3.6 "US or SS"): read as US from Implicit VR; signed when PixelRepresentation is 1. */
const US_OR_SS = new Set(['00280106', '00280107', '00280108', '00280109', '00280110', '00280111', '00280120', '00280121']);
const DUMMY_TEXT = 'DEIDENTIFIED';
/** Identifiers shorter than this are not searched for in free text (they would match ordinary words and codes). */
const MIN_NAME_CHARS = 3;
const MIN_ID_CHARS = 4;

// dcmjs ships no type declarations; only these entry points are used.
interface DcmElement {
  vr: string;
  Value?: unknown[];
  _rawValue?: unknown;
}
type DcmDict = Record<string, DcmElement>;
interface DcmjsModule {
  data: {
    DicomMessage: { readFile(buffer: ArrayBuffer, options?: Record<string, unknown>): { meta: DcmDict; dict: DcmDict } };
    DicomDict: new (meta: DcmDict) => { dict: DcmDict; write(options?: Record<string, unknown>): ArrayBuffer };
    DicomMetaDictionary: { denaturalizeDataset(ds: Record<string, unknown>): DcmDict };
  };
  log: DcmjsLogger & { getLogger(name: string): DcmjsLogger };
}
interface DcmjsLogger {
  getLevel(): number;
  setLevel(level: number | string, persist?: boolean): void;
  levels: { SILENT: number };
}

let dcmjsModule: DcmjsModule | undefined;
function dcmjs(): DcmjsModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  dcmjsModule ??= require('dcmjs') as DcmjsModule;
  return dcmjsModule;
}

/**
 * dcmjs logs every ambiguous VR of an Implicit VR file (US or SS, OB or OW) as an error on its 'validation.dcmjs'
 * logger; they are resolved here, so that logger is silent while this module reads and writes.
 */
function quietly<T>(fn: () => T): T {
  const loggers = [dcmjs().log, dcmjs().log.getLogger('validation.dcmjs')];
  const levels = loggers.map((l) => l.getLevel());
  for (const l of loggers) l.setLevel(l.levels.SILENT, false);
  try {
    return fn();
  } finally {
    loggers.forEach((l, i) => l.setLevel(levels[i], false));
  }
}

function secretBytes(secret: string | Buffer): Buffer {
  const bytes = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret;
  if (bytes.length < 16) throw new Error('de-identification: the secret must hold at least 16 bytes');
  return bytes;
}

/**
 * The de-identification secret (UID mapping, date shift, series keys) derived from the identifier map's key: one key to
 * keep, and every de-identification of a site (PACS intake, scans registered by hand) maps a UID to the same new UID.
 */
export function deidentificationSecret(identityKey: Buffer): Buffer {
  return createHmac('sha256', identityKey).update('osteoflow de-identification').digest();
}

/**
 * What a Part-10 file says of its patient, from its header: the PatientID, and whether this de-identification wrote
 * the file (its ImplementationClassUID, PatientIdentityRemoved YES and the Basic Profile as DeidentificationMethod),
 * in which case the PatientID is the pseudonym and the file is not to be de-identified again (its dates would be
 * shifted twice, its UIDs mapped twice). Undefined for a file that is not a readable Part-10 file.
 */
export function patientOf(file: string): { patientId: string; deidentifiedHere: boolean } | undefined {
  const bytes = readFileSync(file);
  if (!isPart10(bytes)) return undefined;
  let parsed: { meta: DcmDict; dict: DcmDict };
  try {
    const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    parsed = quietly(() => dcmjs().data.DicomMessage.readFile(buffer, { untilTag: '7FE00010', includeUntilTagValue: false }));
  } catch {
    return undefined;
  }
  const deidentifiedHere =
    first(parsed.meta, '00020012') === IMPLEMENTATION_CLASS_UID &&
    first(parsed.dict, '00120062').toUpperCase() === 'YES' &&
    first(parsed.dict, '00120063') === BASIC_PROFILE_METHOD;
  return { patientId: first(parsed.dict, '00100020'), deidentifiedHere };
}

/** The UID that `uid` becomes under `secret`: 2.25.<UUID (version 8, RFC 9562) from HMAC-SHA-256 as an integer> (PS3.5 B.2). */
export function mapUid(secret: string | Buffer, uid: string): string {
  const digest = createHmac('sha256', secretBytes(secret)).update('uid\0').update(uid).digest();
  const bytes = Buffer.from(digest.subarray(0, 16));
  bytes[6] = (bytes[6] & 0x0f) | 0x80; // version 8: custom
  bytes[8] = (bytes[8] & 0x3f) | 0x80; // RFC 9562 variant
  return `2.25.${BigInt(`0x${bytes.toString('hex')}`).toString()}`;
}

/** The patient's date shift under `secret`: between −1825 and −1 days (up to five years back, never none). */
export function dateOffsetDays(secret: string | Buffer, pseudonym: string): number {
  const digest = createHmac('sha256', secretBytes(secret)).update('date-offset\0').update(pseudonym).digest();
  return -(1 + (digest.readUInt32BE(0) % 1825));
}

function checkPseudonym(pseudonym: string): void {
  const control = [...String(pseudonym)].some((c) => c.charCodeAt(0) < 0x20);
  if (typeof pseudonym !== 'string' || pseudonym.trim() === '' || pseudonym.length > 64 || /[\\^=]/.test(pseudonym) || control) {
    throw new Error('de-identification: the pseudonym must be 1–64 characters without backslash, ^, = or control characters (LO and PN, PS3.5 6.2)');
  }
}

/** Text of an element's values: strings, numbers, and the components of person names. */
function texts(element: DcmElement | undefined): string[] {
  const out: string[] = [];
  for (const v of element?.Value ?? []) {
    if (typeof v === 'string') out.push(v);
    else if (typeof v === 'number') out.push(String(v));
    else if (v && typeof v === 'object' && !(v instanceof ArrayBuffer) && !ArrayBuffer.isView(v)) {
      for (const part of Object.values(v as Record<string, unknown>)) if (typeof part === 'string') out.push(part);
    }
  }
  return out.map((s) => s.replace(/[\0 ]+$/, '').trim()).filter((s) => s !== '');
}

/** The patient's identifiers as they may appear in free text: names and their components, IDs, accession number, birth date. */
function identifiersOf(ds: DcmDict): string[] {
  const found = new Set<string>();
  const add = (value: string, min: number) => {
    const v = value.trim().toLowerCase();
    if (v.length >= min) found.add(v);
  };
  for (const tag of ['00100010', '00101001', '00101005', '00101060']) {
    for (const name of texts(ds[tag])) {
      add(name, MIN_NAME_CHARS);
      for (const part of name.split(/[\^=]/)) add(part, MIN_NAME_CHARS);
    }
  }
  for (const tag of ['00100020', '00101000', '00080050', '00101090', '00380010', '00380060', '00100030'])
    for (const id of texts(ds[tag])) add(id, MIN_ID_CHARS);
  for (const item of (ds['00101002']?.Value ?? []) as DcmDict[]) for (const id of texts(item['00100020'])) add(id, MIN_ID_CHARS);
  return [...found];
}

/** One file's pass through the profile. */
class FileContext {
  readonly counts = { removed: 0, emptied: 0, replaced: 0, uidsMapped: 0, datesShifted: 0, cleaned: 0 };

  constructor(
    readonly file: string,
    readonly sopClassUid: string,
    readonly identifiers: string[],
    readonly options: Required<Omit<DeidentifyOptions, 'dateOffsetDays' | 'overwrite'>> & { offsetDays: number },
    readonly uidCache: Map<string, string>,
  ) {}

  holdsIdentifier(values: string[]): boolean {
    return values.some((value) => {
      const v = value.toLowerCase();
      return this.identifiers.some((id) => v.includes(id));
    });
  }

  mapUid(uid: string): string {
    let mapped = this.uidCache.get(uid);
    if (mapped === undefined) {
      mapped = mapUid(this.options.secret, uid);
      this.uidCache.set(uid, mapped);
    }
    this.counts.uidsMapped++;
    return mapped;
  }
}

const empty = (vr: string): DcmElement => ({ vr, Value: [] });

function dummy(vr: string): DcmElement {
  switch (vr) {
    case 'PN':
      return { vr, Value: [{ Alphabetic: DUMMY_TEXT }] };
    case 'DA':
      return { vr, Value: ['19000101'] };
    case 'DT':
      return { vr, Value: ['19000101000000'] };
    case 'TM':
      return { vr, Value: ['000000'] };
    case 'IS':
    case 'DS':
      return { vr, Value: [0] };
    case 'AE':
    case 'CS':
    case 'LO':
    case 'LT':
    case 'SH':
    case 'ST':
    case 'UC':
    case 'UT':
      return { vr, Value: [DUMMY_TEXT] };
    default:
      return empty(vr);
  }
}

const DAY_MS = 86400000;

/** A DA value (YYYYMMDD, or the old YYYY.MM.DD) moved by `days`; undefined when it is not a valid date. */
function shiftDate(value: string, days: number): string | undefined {
  const m = /^(\d{4})\.?(\d{2})\.?(\d{2})$/.exec(value.trim());
  if (!m) return undefined;
  const t = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  const d = new Date(t);
  if (d.getUTCMonth() !== Number(m[2]) - 1 || d.getUTCDate() !== Number(m[3])) return undefined;
  const s = new Date(t + days * DAY_MS);
  return `${String(s.getUTCFullYear()).padStart(4, '0')}${String(s.getUTCMonth() + 1).padStart(2, '0')}${String(s.getUTCDate()).padStart(2, '0')}`;
}

/** A DT value (YYYYMMDD[HHMMSS[.F]][&ZZXX]) with its date moved; undefined when it holds no full date. */
function shiftDateTime(value: string, days: number): string | undefined {
  const v = value.trim();
  const date = v.length >= 8 ? shiftDate(v.slice(0, 8), days) : undefined;
  return date === undefined ? undefined : `${date}${v.slice(8)}`;
}

/** DA and DT values shifted (or kept); anything unreadable emptied. TM and other VRs are kept: times of day do not move. */
function retainDates(element: DcmElement, ctx: FileContext): DcmElement {
  if ((element.vr !== 'DA' && element.vr !== 'DT') || ctx.options.dates === 'keep') return element;
  const shift = element.vr === 'DA' ? shiftDate : shiftDateTime;
  const values = texts(element).map((v) => shift(v, ctx.options.offsetDays));
  if (values.some((v) => v === undefined)) {
    ctx.counts.emptied++;
    return empty(element.vr);
  }
  if (values.length > 0) ctx.counts.datesShifted++;
  return { vr: element.vr, Value: values };
}

function mapUids(element: DcmElement, ctx: FileContext): DcmElement {
  return { vr: element.vr, Value: texts(element).map((uid) => ctx.mapUid(uid)) };
}

function keepsUid(tag: string, element: DcmElement): boolean {
  return KEPT_UID_TAGS.has(tag) || texts(element).every((uid) => uid.startsWith('1.2.840.10008.'));
}

/** Applies a row of Table E.1-1 (or the option that retains it). */
function applyRule(rule: ProfileRule, element: DcmElement, ctx: FileContext, item: DcmDict): DcmElement | undefined {
  if (rule.retainedBy === 'dates') return retainDates(element, ctx);
  if (rule.retainedBy === 'characteristics' && ctx.options.keepPatientCharacteristics) return element;
  if (rule.retainedBy === 'roiNames' && ctx.options.roiNames === 'clean') {
    if (!ctx.holdsIdentifier(texts(element))) return element;
    ctx.counts.cleaned++;
    const number = texts(item['30060022'])[0];
    return { vr: element.vr, Value: [number ? `ROI ${number}` : 'ROI'] };
  }
  let action = rule.action;
  if (rule.tag === '00181000' && ENHANCED_EQUIPMENT_SOP_CLASSES.has(ctx.sopClassUid)) action = 'D';
  switch (action) {
    case 'X':
      ctx.counts.removed++;
      return undefined;
    case 'Z':
      ctx.counts.emptied++;
      return empty(element.vr);
    case 'D':
      if (element.vr === 'UI') return mapUids(element, ctx);
      ctx.counts.replaced++;
      return dummy(element.vr);
    case 'U':
      return element.vr === 'UI' ? mapUids(element, ctx) : (ctx.counts.removed++, undefined);
    case 'U*':
      return element.vr === 'SQ' ? sequence(element, ctx) : (ctx.counts.removed++, undefined);
  }
}

function sequence(element: DcmElement, ctx: FileContext): DcmElement {
  return { vr: 'SQ', Value: ((element.Value ?? []) as DcmDict[]).map((item) => dataset(item, ctx, false)) };
}

/** Group numbers removed whole: curves (50xx) and overlays (60xx), even groups (PS3.15 E.1.1). */
function repeatingGroup(group: number): boolean {
  return (group >= 0x5000 && group <= 0x50ff) || (group >= 0x6000 && group <= 0x60ff);
}

/** The profile applied to a data set (or a sequence item): a new data set; the input is not changed. */
function dataset(ds: DcmDict, ctx: FileContext, top: boolean): DcmDict {
  const out: DcmDict = {};
  const signed = top && Number(ds[PIXEL_REPRESENTATION]?.Value?.[0]) === 1;
  for (const [tag, element] of Object.entries(ds)) {
    const group = parseInt(tag.slice(0, 4), 16);
    if (group % 2 === 1 || repeatingGroup(group) || element.vr === 'UN' || tag.endsWith('0000')) {
      ctx.counts.removed++;
      continue;
    }
    if (top && SET_HERE.has(tag)) continue;
    const rule = PROFILE.get(tag);
    let result: DcmElement | undefined;
    if (rule) result = applyRule(rule, element, ctx, ds);
    else if (element.vr === 'SQ') result = sequence(element, ctx);
    else if (element.vr === 'PN') {
      // A person's name the table does not list (a name within a sequence, an observer): emptied.
      ctx.counts.emptied++;
      result = empty('PN');
    } else if (element.vr === 'DA' || element.vr === 'DT') result = retainDates(element, ctx);
    else if (element.vr === 'UI') result = keepsUid(tag, element) ? element : mapUids(element, ctx);
    else if (TEXT_VRS.has(element.vr) && ctx.holdsIdentifier(texts(element))) {
      ctx.counts.cleaned++;
      result = empty(element.vr);
    } else if (signed && US_OR_SS.has(tag) && element.vr === 'US') {
      result = { vr: 'SS', Value: (element.Value ?? []).map((v) => (typeof v === 'number' && v > 32767 ? v - 65536 : v)) };
    } else result = element;
    if (result) out[tag] = result;
  }
  return out;
}

function listFiles(dir: string): string[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new DeidentificationError('not a folder: expected a folder of DICOM files (one series)', dir, 'unreadable');
  return readdirSync(dir)
    .filter((name) => !name.startsWith('.'))
    .sort()
    .map((name) => path.join(dir, name))
    .filter((file) => {
      try {
        return statSync(file).isFile();
      } catch {
        return false;
      }
    });
}

function isPart10(bytes: Uint8Array): boolean {
  return bytes.length >= 132 && bytes[128] === 0x44 && bytes[129] === 0x49 && bytes[130] === 0x43 && bytes[131] === 0x4d;
}

/** Reads one Part-10 file with dcmjs; a file that does not parse is a DeidentificationError naming only its path. */
function readPart10(file: string, bytes: Buffer): { meta: DcmDict; dict: DcmDict } {
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  try {
    return quietly(() => dcmjs().data.DicomMessage.readFile(buffer, { ignoreErrors: false, untilTag: null, includeUntilTagValue: false, noCopy: true }));
  } catch (err) {
    const charset = /character set/i.test(String((err as Error)?.message));
    throw new DeidentificationError(
      charset
        ? 'its SpecificCharacterSet (0008,0005) is not supported: expected one character set (PS3.5 6.1.2.5)'
        : 'cannot be parsed as DICOM: expected a complete DICOM Part-10 file',
      file,
      charset ? 'unsupported-encoding' : 'unreadable',
    );
  }
}

function first(ds: DcmDict, tag: string): string {
  return texts(ds[tag])[0] ?? '';
}

/** De-identifies one parsed file; returns its bytes and what it was. */
function deidentifyParsed(
  file: string,
  parsed: { meta: DcmDict; dict: DcmDict },
  options: FileContext['options'],
  uidCache: Map<string, string>,
): { bytes: Buffer; ctx: FileContext; study: string; series: string; modality: string } {
  const { meta, dict } = parsed;
  const transferSyntax = first(meta, '00020010') || TS.implicitLittle;
  if (transferSyntax === TS.explicitBig) {
    throw new DeidentificationError(
      'its transfer syntax is Explicit VR Big Endian (retired, PS3.5 A.3): expected a little-endian or encapsulated one',
      file,
      'unsupported-encoding',
    );
  }
  const burnedIn = first(dict, BURNED_IN_ANNOTATION).toUpperCase();
  if (burnedIn === 'YES' && !options.allowBurnedInAnnotation) {
    throw new DeidentificationError(
      'refused: BurnedInAnnotation (0028,0301) is YES, so its pixels may show identifying text, which this de-identification does not remove ' +
        '(PS3.15 E.1.1; the Clean Pixel Data Option is not applied). Expected BurnedInAnnotation NO or absent, or allowBurnedInAnnotation.',
      file,
      'burned-in-annotation',
    );
  }
  const sopClassUid = first(dict, '00080016') || first(meta, '00020002');
  if (first(dict, '00080018') === '') throw new DeidentificationError('no SOPInstanceUID (0008,0018): expected a DICOM instance', file, 'unreadable');
  const ctx = new FileContext(file, sopClassUid, identifiersOf(dict), options, uidCache);
  const out = dataset(dict, ctx, true);
  const modified = options.dates === 'shift' ? 'MODIFIED' : first(dict, '00280303') || 'UNMODIFIED';
  const codes = [
    DEIDENTIFICATION_CODES.basic,
    options.dates === 'shift' ? DEIDENTIFICATION_CODES.modifiedDates : DEIDENTIFICATION_CODES.fullDates,
    ...(options.keepPatientCharacteristics ? [DEIDENTIFICATION_CODES.patientCharacteristics] : []),
    ...(options.roiNames === 'clean' ? [DEIDENTIFICATION_CODES.cleanDescriptors] : []),
  ];
  const methods = [
    BASIC_PROFILE_METHOD,
    options.dates === 'shift' ? 'Retain Longitudinal Modified Dates' : 'Retain Longitudinal Full Dates',
    ...(options.keepPatientCharacteristics ? ['Retain Patient Characteristics'] : []),
    ...(options.roiNames === 'clean' ? ['Clean Descriptors (ROI names)'] : []),
  ];
  const { DicomMetaDictionary, DicomDict } = dcmjs().data;
  const set = DicomMetaDictionary.denaturalizeDataset({
    PatientName: [{ Alphabetic: options.pseudonym }],
    PatientID: options.pseudonym,
    PatientIdentityRemoved: 'YES',
    DeidentificationMethod: methods,
    DeidentificationMethodCodeSequence: codes.map((c) => ({ ...c })),
    LongitudinalTemporalInformationModified: modified,
  });
  Object.assign(out, set);
  // dcmjs decodes text by the file's character set and writes it as UTF-8: the output always says so (PS3.5 6.1.2.5).
  out['00080005'] = { vr: 'CS', Value: ['ISO_IR 192'] };
  const sopInstanceUid = first(out, '00080018');
  const encapsulated = ![TS.implicitLittle, TS.explicitLittle, TS.deflated].includes(transferSyntax as never);
  const newMeta = DicomMetaDictionary.denaturalizeDataset({
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: sopClassUid,
    MediaStorageSOPInstanceUID: sopInstanceUid,
    TransferSyntaxUID: encapsulated ? transferSyntax : TS.explicitLittle,
    ImplementationClassUID: IMPLEMENTATION_CLASS_UID,
    ImplementationVersionName: IMPLEMENTATION_VERSION,
  });
  const writer = new DicomDict(newMeta);
  writer.dict = out;
  const bytes = Buffer.from(quietly(() => writer.write({ fragmentMultiframe: false })));
  return { bytes, ctx, study: first(out, '0020000D'), series: first(out, '0020000E'), modality: first(out, '00080060') };
}

/**
 * De-identifies every DICOM file of `inputDir` into `outputDir` (written as 000001.dcm, 000002.dcm, … in the input's
 * name order; files that are not DICOM Part-10 are left out and counted). Refuses the whole folder — writing nothing —
 * when a file is marked BurnedInAnnotation = YES (unless allowed), cannot be read, or belongs to another patient than
 * the first file.
 */
export function deidentifySeries(inputDir: string, outputDir: string, options: DeidentifyOptions): DeidentifiedSeries {
  const started = Date.now();
  checkPseudonym(options.pseudonym);
  secretBytes(options.secret);
  const dates = options.dates ?? 'shift';
  const offsetDays = options.dateOffsetDays ?? dateOffsetDays(options.secret, options.pseudonym);
  if (dates === 'shift' && (!Number.isInteger(offsetDays) || offsetDays === 0 || Math.abs(offsetDays) > 36500)) {
    throw new Error('de-identification: dateOffsetDays must be a non-zero whole number of days (at most 100 years)');
  }
  const resolved: FileContext['options'] = {
    secret: options.secret,
    pseudonym: options.pseudonym,
    dates,
    offsetDays,
    keepPatientCharacteristics: options.keepPatientCharacteristics ?? true,
    roiNames: options.roiNames ?? 'clean',
    allowBurnedInAnnotation: options.allowBurnedInAnnotation ?? false,
  };
  const output = path.resolve(outputDir);
  if (existsSync(output) && !options.overwrite) {
    throw new DeidentificationError('the output folder exists already: expected a new folder, or the overwrite option', output, 'output-exists');
  }
  const files = listFiles(inputDir);
  const partial = `${output}.partial-${process.pid}-${Date.now().toString(36)}`;
  mkdirSync(partial, { recursive: true });
  const counts = { removed: 0, emptied: 0, replaced: 0, uidsMapped: 0, datesShifted: 0, cleaned: 0 };
  const studies = new Set<string>();
  const series = new Set<string>();
  const modalities = new Set<string>();
  const uidCache = new Map<string, string>();
  let patientId: string | undefined;
  let written = 0;
  let skipped = 0;
  try {
    for (const input of files) {
      const bytes = readFileSync(input);
      if (!isPart10(bytes)) {
        skipped++;
        continue;
      }
      const parsed = readPart10(input, bytes);
      const id = first(parsed.dict, '00100020');
      patientId ??= id;
      if (id !== patientId) {
        throw new DeidentificationError(
          "its PatientID (0010,0020) differs from the folder's first file: expected the files of one patient",
          input,
          'mixed-patients',
        );
      }
      const result = deidentifyParsed(input, parsed, resolved, uidCache);
      writeFileSync(path.join(partial, `${String(written + 1).padStart(6, '0')}.dcm`), result.bytes);
      written++;
      for (const [key, value] of Object.entries(result.ctx.counts)) counts[key as keyof typeof counts] += value;
      if (result.study) studies.add(result.study);
      if (result.series) series.add(result.series);
      if (result.modality) modalities.add(result.modality);
    }
    if (written === 0) {
      throw new DeidentificationError(
        `no DICOM Part-10 files in the folder (${skipped} other files): expected a series' files`,
        path.resolve(inputDir),
        'not-dicom',
      );
    }
    if (existsSync(output)) rmSync(output, { recursive: true, force: true });
    renameSync(partial, output);
  } catch (err) {
    rmSync(partial, { recursive: true, force: true });
    throw err;
  }
  return {
    outputDir: output,
    files: written,
    skipped,
    studyInstanceUids: [...studies],
    seriesInstanceUids: [...series],
    modalities: [...modalities],
    counts,
    ms: Date.now() - started,
  };
}
