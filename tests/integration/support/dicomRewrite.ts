// DICOM files rewritten for the PACS intake tests with dcmjs (a second reader and writer, not ours): a visit's series
// copied with another study date, new UIDs (an RTSTRUCT's references moved with them) or another attribute, as a
// modality or planning system would send them.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

// dcmjs ships no type declarations; only these entry points are used.
interface DcmjsData {
  DicomMessage: { readFile(buffer: ArrayBuffer): { dict: unknown; meta: Record<string, unknown> } };
  DicomMetaDictionary: {
    naturalizeDataset(dict: unknown): Record<string, unknown>;
    denaturalizeDataset(ds: Record<string, unknown>): unknown;
  };
  DicomDict: new (meta: unknown) => { dict: unknown; write(): ArrayBuffer };
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dcmjs = require('dcmjs') as { data: DcmjsData; log: { getLogger(name: string): { setLevel(level: string): void } } };
dcmjs.log.getLogger('validation.dcmjs').setLevel('silent');

export type Dataset = Record<string, unknown>;

/** Files under a folder, recursively. */
export function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

/** The naturalized data set of a file (dcmjs's keyword form). */
export function readNatural(file: string): Dataset {
  const bytes = readFileSync(file);
  const dict = dcmjs.data.DicomMessage.readFile(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
  return dcmjs.data.DicomMetaDictionary.naturalizeDataset(dict.dict);
}

/** Copies every DICOM file of `from` into `to`, each changed by `edit` (the file meta's SOP Instance UID follows). */
export function rewriteFolder(from: string, to: string, edit: (ds: Dataset) => void): void {
  mkdirSync(to, { recursive: true });
  for (const file of filesUnder(from)) {
    const bytes = readFileSync(file);
    const dict = dcmjs.data.DicomMessage.readFile(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
    const ds = dcmjs.data.DicomMetaDictionary.naturalizeDataset(dict.dict);
    edit(ds);
    const meta = { ...dict.meta };
    if (typeof ds.SOPInstanceUID === 'string') meta['00020003'] = { vr: 'UI', Value: [ds.SOPInstanceUID] };
    const out = new dcmjs.data.DicomDict(meta);
    out.dict = dcmjs.data.DicomMetaDictionary.denaturalizeDataset(ds);
    writeFileSync(path.join(to, path.basename(file)), Buffer.from(out.write()));
  }
}

const asList = (value: unknown): Dataset[] => (Array.isArray(value) ? (value as Dataset[]) : value && typeof value === 'object' ? [value as Dataset] : []);

/**
 * A new UID for every UID-valued attribute (…UID keywords) anywhere in the data set, nested ones included, through
 * `uids` (the same old UID gets the same new one in every file that shares the map), except the class UIDs.
 * An RTSTRUCT's references to its image series' instances move with those instances when the series and the
 * structure set share the map.
 */
export function remapUids(ds: Dataset, uids: Map<string, string>, newUid: () => string): void {
  for (const [key, value] of Object.entries(ds)) {
    if (key === '_vrMap') continue;
    if (Array.isArray(value) && value.length > 0 && typeof value[0] === 'object') {
      for (const item of value as Dataset[]) remapUids(item, uids, newUid);
    } else if (value && typeof value === 'object' && !Array.isArray(value)) {
      remapUids(value as Dataset, uids, newUid);
    } else if (key.endsWith('UID') && !key.endsWith('ClassUID') && key !== 'TransferSyntaxUID' && typeof value === 'string' && value !== '') {
      if (!uids.has(value)) uids.set(value, newUid());
      ds[key] = uids.get(value);
    }
  }
}

/** Items of a sequence attribute (dcmjs gives one item as an object, several as an array). */
export const itemsOf = (ds: Dataset, keyword: string): Dataset[] => asList(ds[keyword]);
