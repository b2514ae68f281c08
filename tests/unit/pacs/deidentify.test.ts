// De-identification on ingest (PS3.15 Annex E Basic Profile) on small objects built here with dcmjs: the identity
// gone from every byte, Table E.1-1's actions, UIDs mapped alike in an image series and the RTSTRUCT drawn on it (and
// the same on a second run), dates shifted or kept, and the refusals (burned-in annotation, another patient, …).
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { dateOffsetDays, DeidentificationError, deidentifySeries, mapUid, PROFILE } from '../../../pacs';
import { tempDir } from './support';

interface DcmjsData {
  DicomDict: new (meta: unknown) => { dict: unknown; write(): ArrayBuffer };
  DicomMessage: { readFile(buffer: ArrayBuffer): { meta: Record<string, unknown>; dict: Record<string, { vr: string; Value?: unknown[] }> } };
  DicomMetaDictionary: { denaturalizeDataset(ds: Record<string, unknown>): Record<string, unknown>; naturalizeDataset(dict: unknown): Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
}
// dcmjs ships no type declarations; only these entry points are used.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { DicomDict, DicomMessage, DicomMetaDictionary } = (require('dcmjs') as { data: DcmjsData }).data;

const CT = '1.2.840.10008.5.1.4.1.1.2';
const RTSTRUCT = '1.2.840.10008.5.1.4.1.1.481.3';
const TS = { implicit: '1.2.840.10008.1.2', explicit: '1.2.840.10008.1.2.1', big: '1.2.840.10008.1.2.2' };
const ROOT = '1.2.826.0.1.3680043.8.498.5150';
const UID = { study: `${ROOT}.1`, series: `${ROOT}.2`, frame: `${ROOT}.3`, sop: [`${ROOT}.10`, `${ROOT}.11`], rtSeries: `${ROOT}.20`, rtSop: `${ROOT}.21` };
/** Every identifying value put into the objects below: none may be left in any output byte. */
const IDENTITY = [
  'Doe',
  'Jane',
  'MRN-778812',
  '19700215',
  'ACC99120',
  'ALT-5521',
  'Main Street',
  'ACME',
  'Whitaker',
  'St Elsewhere',
  'Jane Doe',
  'Nurse^Ratched',
];
const secret = 'unit-test-secret-0123456789';

function writeObject(file: string, sopClassUid: string, natural: Record<string, unknown>, raw: Record<string, unknown> = {}, transferSyntax = TS.explicit) {
  const meta = {
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: sopClassUid,
    MediaStorageSOPInstanceUID: natural.SOPInstanceUID,
    TransferSyntaxUID: transferSyntax,
    ImplementationClassUID: '1.2.826.0.1.3680043.8.498.1',
    SourceApplicationEntityTitle: 'ACME_PACS',
  };
  const dict = new DicomDict(DicomMetaDictionary.denaturalizeDataset(meta));
  dict.dict = { ...DicomMetaDictionary.denaturalizeDataset({ SOPClassUID: sopClassUid, ...natural }), ...raw };
  writeFileSync(file, Buffer.from(dict.write()));
}

const patient = {
  SpecificCharacterSet: 'ISO_IR 192',
  PatientName: [{ Alphabetic: 'Doe^Jane^Q' }],
  PatientID: 'MRN-778812',
  PatientBirthDate: '19700215',
  PatientSex: 'F',
  PatientAge: '054Y',
  PatientWeight: 61.5,
  OtherPatientIDs: 'ALT-5521',
  PatientAddress: '1 Main Street',
  EthnicGroup: 'Unknown',
  StudyInstanceUID: UID.study,
  StudyDate: '20240305',
  StudyTime: '101500',
  AccessionNumber: 'ACC99120',
  StudyID: 'S-1',
  StudyDescription: 'Follow-up Jane Doe',
  ReferringPhysicianName: [{ Alphabetic: 'Whitaker^John' }],
  InstitutionName: 'St Elsewhere Hospital',
};

function ctSlice(file: string, index: number, extra: Record<string, unknown> = {}, raw: Record<string, unknown> = {}, transferSyntax = TS.explicit) {
  writeObject(
    file,
    CT,
    {
      ...patient,
      SOPInstanceUID: UID.sop[index],
      SeriesInstanceUID: UID.series,
      FrameOfReferenceUID: UID.frame,
      Modality: 'CT',
      SeriesDate: '20240305',
      SeriesTime: '101733',
      AcquisitionDateTime: '20240305101733.25+0100',
      ContentDate: '20240305',
      ContentTime: '101800.5',
      SeriesDescription: 'CT Jane',
      OperatorsName: [{ Alphabetic: 'Nurse^Ratched' }],
      ProtocolName: 'Doe protocol',
      ImageComments: 'for Jane Doe',
      ContrastBolusRoute: 'IV, chart MRN-778812',
      ImageType: ['ORIGINAL', 'PRIMARY', 'AXIAL'],
      DeviceSerialNumber: 'SN-1',
      NamesOfIntendedRecipientsOfResults: [{ Alphabetic: 'Nurse^Ratched' }],
      ReferencedImageSequence: [{ ReferencedSOPClassUID: CT, ReferencedSOPInstanceUID: UID.sop[1 - index] }],
      InstanceNumber: index + 1,
      ImagePositionPatient: [0, 0, index * 2],
      ImageOrientationPatient: [1, 0, 0, 0, 1, 0],
      PixelSpacing: [1, 1],
      Rows: 2,
      Columns: 2,
      BitsAllocated: 16,
      BitsStored: 16,
      HighBit: 15,
      PixelRepresentation: 1,
      SamplesPerPixel: 1,
      PhotometricInterpretation: 'MONOCHROME2',
      BurnedInAnnotation: 'NO',
      PixelData: new Int16Array([-1000, 0, 5, 1000]).buffer,
      _vrMap: { PixelData: 'OW' },
      ...extra,
    },
    {
      '00090010': { vr: 'LO', Value: ['ACME 1.1'] },
      '00091001': { vr: 'LO', Value: ['Doe^Jane private'] },
      '60000010': { vr: 'US', Value: [2] },
      '60003000': { vr: 'OW', Value: [new Uint8Array([1, 0, 0, 0]).buffer] },
      '00280106': { vr: 'SS', Value: [-1000] },
      ...raw,
    },
    transferSyntax,
  );
}

function structureSet(file: string, roiName = 'GTV') {
  writeObject(file, RTSTRUCT, {
    ...patient,
    SOPInstanceUID: UID.rtSop,
    SeriesInstanceUID: UID.rtSeries,
    FrameOfReferenceUID: UID.frame,
    Modality: 'RTSTRUCT',
    StructureSetLabel: 'Jane plan',
    StructureSetName: 'Doe',
    StructureSetDate: '20240306',
    StructureSetTime: '090000',
    ReferencedFrameOfReferenceSequence: [
      {
        FrameOfReferenceUID: UID.frame,
        RTReferencedStudySequence: [
          {
            ReferencedSOPClassUID: '1.2.840.10008.3.1.2.3.1',
            ReferencedSOPInstanceUID: UID.study,
            RTReferencedSeriesSequence: [
              { SeriesInstanceUID: UID.series, ContourImageSequence: UID.sop.map((u) => ({ ReferencedSOPClassUID: CT, ReferencedSOPInstanceUID: u })) },
            ],
          },
        ],
      },
    ],
    StructureSetROISequence: [
      { ROINumber: 1, ReferencedFrameOfReferenceUID: UID.frame, ROIName: roiName, ROIGenerationAlgorithm: 'MANUAL' },
      { ROINumber: 2, ReferencedFrameOfReferenceUID: UID.frame, ROIName: 'Doe tumour', ROIGenerationAlgorithm: 'MANUAL' },
    ],
    RTROIObservationsSequence: [
      {
        ObservationNumber: 1,
        ReferencedROINumber: 1,
        ROIObservationLabel: 'Jane',
        RTROIInterpretedType: 'GTV',
        ROIInterpreter: [{ Alphabetic: 'Whitaker^John' }],
      },
    ],
  });
}

function read(file: string) {
  const bytes = readFileSync(file);
  const parsed = DicomMessage.readFile(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
  return { meta: DicomMetaDictionary.naturalizeDataset(parsed.meta), ds: DicomMetaDictionary.naturalizeDataset(parsed.dict), dict: parsed.dict };
}

function fixture() {
  const dir = tempDir('osteoflow-deid-');
  const image = path.join(dir, 'image');
  const mask = path.join(dir, 'mask');
  mkdirSync(image);
  mkdirSync(mask);
  ctSlice(path.join(image, 'Doe_Jane_0001.dcm'), 0, {}, {}, TS.implicit);
  ctSlice(path.join(image, 'Doe_Jane_0002.dcm'), 1);
  structureSet(path.join(mask, 'RS.dcm'));
  return { dir, image, mask };
}

function everyByte(dir: string): string {
  return readdirSync(dir)
    .map((f) => readFileSync(path.join(dir, f)).toString('latin1'))
    .join('\n');
}

describe('deidentifySeries', () => {
  const options = { secret, pseudonym: 'OSF-0007', dateOffsetDays: -10 };

  it('leaves none of the identifying values in any byte, and names the files neutrally', () => {
    const { dir, image, mask } = fixture();
    deidentifySeries(image, path.join(dir, 'out-image'), options);
    deidentifySeries(mask, path.join(dir, 'out-mask'), options);
    expect(readdirSync(path.join(dir, 'out-image'))).toEqual(['000001.dcm', '000002.dcm']);
    for (const out of ['out-image', 'out-mask']) {
      const text = everyByte(path.join(dir, out)).toLowerCase();
      for (const id of IDENTITY) expect({ id, found: text.includes(id.toLowerCase()) }).toEqual({ id, found: false });
      for (const uid of [UID.study, UID.series, UID.frame, ...UID.sop, UID.rtSop, UID.rtSeries]) expect(text.includes(uid)).toBe(false);
    }
  });

  it("applies Table E.1-1's actions and says what it did", () => {
    const { dir, image } = fixture();
    const result = deidentifySeries(image, path.join(dir, 'out'), options);
    expect(result).toMatchObject({ files: 2, skipped: 0, modalities: ['CT'] });
    const { ds, meta, dict } = read(path.join(dir, 'out', '000002.dcm'));
    // Identity: the pseudonym; Z → empty; X → gone; D → dummy (DeviceSerialNumber stays out of a CT: Type 3).
    expect(ds.PatientName).toEqual([{ Alphabetic: 'OSF-0007' }]);
    expect(ds.PatientID).toBe('OSF-0007');
    expect(dict['00100030']).toMatchObject({ vr: 'DA' });
    expect(ds.PatientBirthDate ?? '').toBe('');
    expect(ds.AccessionNumber ?? '').toBe('');
    expect(ds.StudyID ?? '').toBe('');
    expect(ds.ReferringPhysicianName ?? []).toEqual([]);
    for (const gone of [
      'OtherPatientIDs',
      'PatientAddress',
      'EthnicGroup',
      'StudyDescription',
      'SeriesDescription',
      'InstitutionName',
      'OperatorsName',
      'ProtocolName',
      'ImageComments',
      'DeviceSerialNumber',
    ]) {
      expect({ gone, present: gone in ds }).toEqual({ gone, present: false });
    }
    // Patient characteristics retained (SUVbw needs the weight).
    expect(ds).toMatchObject({ PatientSex: 'F', PatientAge: '054Y', PatientWeight: 61.5 });
    // Safety nets: a person's name the table leaves out, free text holding an identifier, private and overlay groups.
    expect(ds.NamesOfIntendedRecipientsOfResults ?? []).toEqual([]);
    expect(ds.ContrastBolusRoute ?? '').toBe('');
    expect(ds.ImageType).toEqual(['ORIGINAL', 'PRIMARY', 'AXIAL']);
    expect(Object.keys(dict).filter((t) => parseInt(t.slice(0, 4), 16) % 2 === 1 || t.startsWith('60'))).toEqual([]);
    expect(result.counts.removed).toBeGreaterThan(10);
    expect(result.counts.cleaned).toBe(2);
    // Marked as de-identified, with the profile and its options (CID 7050).
    expect(ds.PatientIdentityRemoved).toBe('YES');
    expect(ds.DeidentificationMethodCodeSequence.map((c: { CodeValue: string }) => c.CodeValue)).toEqual(['113100', '113107', '113108', '113105']);
    expect(ds.LongitudinalTemporalInformationModified).toBe('MODIFIED');
    // File meta: the new instance UID, no source AE title, this writer.
    expect(meta.MediaStorageSOPInstanceUID).toBe(ds.SOPInstanceUID);
    expect(meta.SourceApplicationEntityTitle).toBeUndefined();
    expect(meta.TransferSyntaxUID).toBe(TS.explicit);
    // Pixels untouched; a US-or-SS value read from Implicit VR becomes SS again.
    expect(Array.from(new Int16Array(ds.PixelData[0]))).toEqual([-1000, 0, 5, 1000]);
    const fromImplicit = read(path.join(dir, 'out', '000001.dcm')).dict['00280106'];
    expect(fromImplicit).toMatchObject({ vr: 'SS', Value: [-1000] });
  });

  it('maps UIDs alike in the series and in the RTSTRUCT drawn on it, the same on every run, standard UIDs kept', () => {
    const { dir, image, mask } = fixture();
    deidentifySeries(image, path.join(dir, 'a-image'), options);
    deidentifySeries(mask, path.join(dir, 'a-mask'), options);
    const slices = ['000001.dcm', '000002.dcm'].map((f) => read(path.join(dir, 'a-image', f)).ds);
    const rt = read(path.join(dir, 'a-mask', '000001.dcm')).ds;
    expect(slices.map((s) => s.SOPInstanceUID)).toEqual(UID.sop.map((u) => mapUid(secret, u)));
    expect(slices[0].ReferencedImageSequence[0].ReferencedSOPInstanceUID).toBe(slices[1].SOPInstanceUID);
    expect(slices[0].SOPClassUID).toBe(CT);
    const frame = rt.ReferencedFrameOfReferenceSequence[0];
    expect(frame.FrameOfReferenceUID).toBe(slices[0].FrameOfReferenceUID);
    expect(rt.StructureSetROISequence[0].ReferencedFrameOfReferenceUID).toBe(slices[0].FrameOfReferenceUID);
    const study = frame.RTReferencedStudySequence[0];
    expect(study.ReferencedSOPInstanceUID).toBe(slices[0].StudyInstanceUID);
    expect(study.ReferencedSOPClassUID).toBe('1.2.840.10008.3.1.2.3.1');
    expect(study.RTReferencedSeriesSequence[0].SeriesInstanceUID).toBe(slices[0].SeriesInstanceUID);
    expect(study.RTReferencedSeriesSequence[0].ContourImageSequence.map((c: { ReferencedSOPInstanceUID: string }) => c.ReferencedSOPInstanceUID)).toEqual(
      slices.map((s) => s.SOPInstanceUID),
    );
    expect(rt.StudyInstanceUID).toBe(slices[0].StudyInstanceUID);
    // Re-ingest: byte for byte the same; another secret: other UIDs.
    deidentifySeries(image, path.join(dir, 'b-image'), options);
    for (const f of ['000001.dcm', '000002.dcm'])
      expect(readFileSync(path.join(dir, 'b-image', f)).equals(readFileSync(path.join(dir, 'a-image', f)))).toBe(true);
    deidentifySeries(image, path.join(dir, 'c-image'), { ...options, secret: 'another-secret-0123456789' });
    expect(read(path.join(dir, 'c-image', '000001.dcm')).ds.SOPInstanceUID).not.toBe(slices[0].SOPInstanceUID);
  });

  it('cleans ROI names that hold an identifier, keeps the others, and empties them all when asked', () => {
    const { dir, mask } = fixture();
    deidentifySeries(mask, path.join(dir, 'clean'), options);
    const rt = read(path.join(dir, 'clean', '000001.dcm')).ds;
    expect(rt.StructureSetROISequence.map((r: { ROIName: string }) => r.ROIName)).toEqual(['GTV', 'ROI 2']);
    expect(rt.StructureSetLabel).toBe('DEIDENTIFIED'); // D: Type 1 in the Structure Set module
    expect(rt.StructureSetName).toBeUndefined();
    expect(rt.RTROIObservationsSequence[0].ROIObservationLabel).toBeUndefined();
    expect(rt.RTROIObservationsSequence[0].ROIInterpreter ?? []).toEqual([]);
    deidentifySeries(mask, path.join(dir, 'removed'), { ...options, roiNames: 'remove' });
    const removed = read(path.join(dir, 'removed', '000001.dcm')).ds;
    expect(removed.StructureSetROISequence.map((r: { ROIName?: string }) => r.ROIName ?? '')).toEqual(['', '']);
    expect(removed.DeidentificationMethodCodeSequence.map((c: { CodeValue: string }) => c.CodeValue)).toEqual(['113100', '113107', '113108']);
  });

  it('shifts dates by the offset (times of day kept), or keeps them', () => {
    const { dir, image, mask } = fixture();
    deidentifySeries(image, path.join(dir, 'shift'), options);
    deidentifySeries(mask, path.join(dir, 'shift-mask'), options);
    const ds = read(path.join(dir, 'shift', '000001.dcm')).ds;
    expect(ds).toMatchObject({ StudyDate: '20240224', StudyTime: '101500', SeriesDate: '20240224', ContentTime: '101800.5' });
    expect(ds.AcquisitionDateTime).toBe('20240224101733.25+0100');
    expect(read(path.join(dir, 'shift-mask', '000001.dcm')).ds.StructureSetDate).toBe('20240225');
    deidentifySeries(image, path.join(dir, 'keep'), { ...options, dates: 'keep', keepPatientCharacteristics: false });
    const kept = read(path.join(dir, 'keep', '000001.dcm')).ds;
    expect(kept).toMatchObject({ StudyDate: '20240305', AcquisitionDateTime: '20240305101733.25+0100', LongitudinalTemporalInformationModified: 'UNMODIFIED' });
    expect(kept.PatientWeight).toBeUndefined();
    expect(kept.PatientSex ?? '').toBe('');
    expect(kept.DeidentificationMethodCodeSequence.map((c: { CodeValue: string }) => c.CodeValue)).toEqual(['113100', '113106', '113105']);
  });

  it('derives a per-patient offset from the secret: stable, never zero, at most five years back', () => {
    const offsets = Array.from({ length: 200 }, (_v, i) => dateOffsetDays(secret, `OSF-${i}`));
    expect(offsets.every((d) => Number.isInteger(d) && d <= -1 && d >= -1825)).toBe(true);
    expect(new Set(offsets).size).toBeGreaterThan(150);
    expect(dateOffsetDays(secret, 'OSF-1')).toBe(dateOffsetDays(Buffer.from(secret), 'OSF-1'));
    expect(mapUid(secret, UID.study)).toMatch(/^2\.25\.\d{1,39}$/);
    expect(mapUid(secret, UID.study)).not.toBe(mapUid(secret, UID.series));
  });

  it('refuses a series with a burned-in annotation, writing nothing, unless allowed', () => {
    const { dir, image } = fixture();
    ctSlice(path.join(image, 'Doe_Jane_0003.dcm'), 1, { BurnedInAnnotation: 'YES', SOPInstanceUID: `${ROOT}.12` });
    const err = (() => {
      try {
        deidentifySeries(image, path.join(dir, 'refused'), options);
      } catch (e) {
        return e;
      }
    })() as DeidentificationError;
    expect(err).toBeInstanceOf(DeidentificationError);
    expect(err).toMatchObject({ code: 'burned-in-annotation', retryable: false });
    expect(err.message).toMatch(/BurnedInAnnotation \(0028,0301\) is YES/);
    for (const id of IDENTITY.slice(2)) expect(err.message).not.toContain(id);
    expect(existsSync(path.join(dir, 'refused'))).toBe(false);
    expect(readdirSync(dir).filter((n) => n.includes('partial'))).toEqual([]);
    expect(deidentifySeries(image, path.join(dir, 'allowed'), { ...options, allowBurnedInAnnotation: true }).files).toBe(3);
  });

  it('refuses another patient, an existing output, a folder without DICOM, Explicit VR Big Endian, and bad options; skips stray files', () => {
    const { dir, image } = fixture();
    const expectCode = (fn: () => unknown, code: string) => {
      try {
        fn();
      } catch (e) {
        expect(e).toMatchObject({ name: 'DeidentificationError', code });
        expect((e as Error).message).not.toContain('MRN-778812');
        return;
      }
      throw new Error(`expected ${code}`);
    };
    ctSlice(path.join(image, 'other.dcm'), 1, { PatientID: 'MRN-000001', SOPInstanceUID: `${ROOT}.13` });
    expectCode(() => deidentifySeries(image, path.join(dir, 'mixed'), options), 'mixed-patients');
    mkdirSync(path.join(dir, 'exists'));
    expectCode(() => deidentifySeries(path.join(dir, 'mask'), path.join(dir, 'exists'), options), 'output-exists');
    const empty = path.join(dir, 'nothing');
    mkdirSync(empty);
    writeFileSync(path.join(empty, 'notes.txt'), 'not DICOM');
    expectCode(() => deidentifySeries(empty, path.join(dir, 'out-nothing'), options), 'not-dicom');
    const big = path.join(dir, 'big');
    mkdirSync(big);
    ctSlice(path.join(big, 'a.dcm'), 0, {}, {}, TS.big);
    expectCode(() => deidentifySeries(big, path.join(dir, 'out-big'), options), 'unsupported-encoding');
    writeFileSync(path.join(dir, 'mask', 'README.txt'), 'a stray file');
    expect(deidentifySeries(path.join(dir, 'mask'), path.join(dir, 'out-mask'), options)).toMatchObject({ files: 1, skipped: 1 });
    expect(() => deidentifySeries(path.join(dir, 'mask'), path.join(dir, 'o1'), { ...options, pseudonym: 'Doe\\Jane' })).toThrow(/pseudonym/);
    expect(() => deidentifySeries(path.join(dir, 'mask'), path.join(dir, 'o2'), { ...options, secret: 'short' })).toThrow(/at least 16 bytes/);
    expect(() => deidentifySeries(path.join(dir, 'mask'), path.join(dir, 'o3'), { ...options, dateOffsetDays: 0 })).toThrow(/non-zero/);
  });
});

describe('transfer syntaxes', () => {
  it('writes uncompressed input as Explicit VR Little Endian and keeps an encapsulated one with its frames', () => {
    const dir = tempDir('osteoflow-deid-ts-');
    mkdirSync(path.join(dir, 'in'));
    const frame = Buffer.from([0xff, 0xd8, 1, 2, 3, 4, 5, 0xff, 0xd9, 0]);
    writeObject(
      path.join(dir, 'in', 'jpeg.dcm'),
      CT,
      {
        ...patient,
        SOPInstanceUID: `${ROOT}.30`,
        Rows: 2,
        Columns: 2,
        BitsAllocated: 8,
        NumberOfFrames: 1,
        PixelData: [frame.buffer.slice(frame.byteOffset, frame.byteOffset + frame.length)],
        _vrMap: { PixelData: 'OB' },
      },
      {},
      '1.2.840.10008.1.2.4.50',
    );
    deidentifySeries(path.join(dir, 'in'), path.join(dir, 'out'), { secret, pseudonym: 'OSF-0008' });
    const out = read(path.join(dir, 'out', '000001.dcm'));
    expect(out.meta.TransferSyntaxUID).toBe('1.2.840.10008.1.2.4.50');
    expect(Buffer.from(out.ds.PixelData[0]).equals(frame)).toBe(true);
    expect(out.ds.PatientID).toBe('OSF-0008');
  });
});

describe('the profile table', () => {
  const allowed: Record<string, string[]> = {
    D: ['D'],
    Z: ['Z'],
    X: ['X'],
    U: ['U'],
    'X/Z': ['X', 'Z'],
    'X/D': ['X', 'D'],
    'Z/D': ['Z', 'D'],
    'X/Z/D': ['X', 'Z', 'D'],
    'X/Z/U*': ['U*'],
  };

  it('takes for each attribute one of the actions Table E.1-1 allows (a D on a sequence none of these objects requires: X)', () => {
    const keywords = new Set<string>();
    for (const rule of PROFILE.values()) {
      expect(rule.tag).toMatch(/^[0-9A-F]{8}$/);
      expect(keywords.has(rule.keyword)).toBe(false);
      keywords.add(rule.keyword);
      const ok = allowed[rule.basic].includes(rule.action) || (rule.basic === 'D' && rule.action === 'X' && rule.keyword.endsWith('Sequence'));
      expect({ keyword: rule.keyword, ok }).toEqual({ keyword: rule.keyword, ok: true });
    }
    for (const identifying of [
      'PatientName',
      'PatientID',
      'PatientBirthDate',
      'AccessionNumber',
      'OtherPatientIDs',
      'StudyInstanceUID',
      'SOPInstanceUID',
      'ROIName',
      'ReferencedSOPInstanceUID',
    ]) {
      expect(keywords.has(identifying)).toBe(true);
    }
  });
});
