// PET series → SUVbw, checked against the QIBA formula evaluated here with hand-picked numbers:
// SUVbw = activity [Bq/ml] × weight [g] / (dose [Bq] × 2^(−Δt / half-life)).
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Vec3 } from '../../../../imaging/image';
import { readDicomSeries } from '../../../../imaging/io';
import { parseDicomDate, parseDicomDateTime, parseDicomTime } from '../../../../imaging/io/dicomTime';
import { expectInputError, scratchDir } from './support/files';
import { writeDicomSlice } from './support/dicomWriter';

const scratch = scratchDir('suv');
let n = 0;

const F18_HALF_LIFE = 6586.2; // s (109.77 min)
const DOSE = 3.7e8; // Bq
const WEIGHT = 75; // kg
/** Stored 1000 and 1200 with RescaleSlope 0.5: activity 500 and 600 Bq/ml. */
const STORED = [1000, 1200];

interface PetSlice {
  acquisitionTime?: string;
  extra?: Record<string, unknown>;
}

function petSeries(slices: PetSlice[], common: Record<string, unknown> = {}): string {
  const dir = scratch.file(`pet${++n}`);
  mkdirSync(dir);
  slices.forEach((s, k) =>
    writeDicomSlice(path.join(dir, `PT${k}`), {
      modality: 'PT',
      position: [0, 0, 4 * k] as Vec3,
      rows: 1,
      columns: 2,
      pixels: STORED,
      slope: 0.5,
      extra: {
        Units: 'BQML',
        DecayCorrection: 'START',
        PatientWeight: WEIGHT,
        SeriesDate: '20240105',
        SeriesTime: '110000',
        AcquisitionDate: '20240105',
        AcquisitionTime: s.acquisitionTime ?? '110000',
        RadiopharmaceuticalInformationSequence: [{ RadionuclideTotalDose: DOSE, RadionuclideHalfLife: F18_HALF_LIFE, RadiopharmaceuticalStartTime: '100000' }],
        ...common,
        ...s.extra,
      },
    }),
  );
  return dir;
}

const suv = (activity: number, elapsedS: number) => (activity * WEIGHT * 1000) / (DOSE * Math.pow(2, -elapsedS / F18_HALF_LIFE));

describe('PET SUVbw', () => {
  it('DecayCorrection START: decays the dose from injection (10:00) to the series time (11:00)', () => {
    const v = readDicomSeries(petSeries([{}, {}]));
    expect(v.units).toBe('SUVbw');
    expect(v.data).toBeInstanceOf(Float32Array);
    // 500 × 75000 / (3.7e8 × 2^(−3600/6586.2)) = 0.148037…
    expect(v.data[0]).toBeCloseTo(0.1480375, 6);
    expect(v.data[0]).toBeCloseTo(suv(500, 3600), 6);
    expect(v.data[1]).toBeCloseTo(suv(600, 3600), 6);
    expect(v.data[3]).toBeCloseTo(suv(600, 3600), 6);
  });

  it('DecayCorrection ADMIN: no decay (images already corrected to injection)', () => {
    const v = readDicomSeries(petSeries([{}], { DecayCorrection: 'ADMIN' }));
    expect(v.data[0]).toBeCloseTo((500 * 75000) / 3.7e8, 6); // 0.101351…
  });

  it('DecayCorrection NONE: each slice decays to its own acquisition time', () => {
    const v = readDicomSeries(petSeries([{ acquisitionTime: '110000' }, { acquisitionTime: '110500' }], { DecayCorrection: 'NONE' }));
    expect(v.data[0]).toBeCloseTo(suv(500, 3600), 6);
    expect(v.data[2]).toBeCloseTo(suv(500, 3900), 6); // 0.152786…
    expect(v.data[2]).toBeCloseTo(0.152786, 5);
  });

  it('uses the earliest acquisition when the series time is later (a post-processed series)', () => {
    const v = readDicomSeries(petSeries([{ acquisitionTime: '111000' }, { acquisitionTime: '110500' }], { SeriesTime: '140000' }));
    expect(v.data[0]).toBeCloseTo(suv(500, 3900), 6);
    expect(v.data[2]).toBeCloseTo(suv(500, 3900), 6);
  });

  it('prefers RadiopharmaceuticalStartDateTime, across midnight', () => {
    const info = [
      {
        RadionuclideTotalDose: DOSE,
        RadionuclideHalfLife: F18_HALF_LIFE,
        RadiopharmaceuticalStartTime: '090000',
        RadiopharmaceuticalStartDateTime: '20240104233000',
      },
    ];
    const v = readDicomSeries(
      petSeries([{ acquisitionTime: '003000' }], { SeriesDate: '20240105', SeriesTime: '003000', RadiopharmaceuticalInformationSequence: info }),
    );
    expect(v.data[0]).toBeCloseTo(suv(500, 3600), 6);
  });

  it('with only a start time, an injection "after" the scan is taken to be the day before', () => {
    const info = [{ RadionuclideTotalDose: DOSE, RadionuclideHalfLife: F18_HALF_LIFE, RadiopharmaceuticalStartTime: '233000' }];
    const v = readDicomSeries(petSeries([{ acquisitionTime: '003000' }], { SeriesTime: '003000', RadiopharmaceuticalInformationSequence: info }));
    expect(v.data[0]).toBeCloseTo(suv(500, 3600), 6);
  });

  it("keeps Bq/ml with petUnits 'activity'", () => {
    const v = readDicomSeries(petSeries([{}], { Units: 'CNTS' }), { petUnits: 'activity' });
    expect(Array.from(v.data)).toEqual([500, 600]);
    expect(v.units).toBe('CNTS');
  });

  it('requires Units BQML, naming the tag', () => {
    const dir = petSeries([{}], { Units: 'CNTS' });
    expectInputError(() => readDicomSeries(dir), { file: path.join(dir, 'PT0'), field: 'Units (0054,1001)', message: /'CNTS'/ });
  });

  it('requires DecayCorrection, the weight, the dose and the times', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ DecayCorrection: undefined }, 'DecayCorrection (0054,1102)'],
      [{ PatientWeight: undefined }, 'PatientWeight (0010,1030)'],
      [{ PatientWeight: 0 }, 'PatientWeight (0010,1030)'],
      [
        { RadiopharmaceuticalInformationSequence: [{ RadionuclideHalfLife: F18_HALF_LIFE, RadiopharmaceuticalStartTime: '100000' }] },
        'RadionuclideTotalDose (0018,1074)',
      ],
      [
        { RadiopharmaceuticalInformationSequence: [{ RadionuclideTotalDose: DOSE, RadiopharmaceuticalStartTime: '100000' }] },
        'RadionuclideHalfLife (0018,1075)',
      ],
      [
        { RadiopharmaceuticalInformationSequence: [{ RadionuclideTotalDose: DOSE, RadionuclideHalfLife: F18_HALF_LIFE }] },
        'RadiopharmaceuticalStartTime (0018,1072)',
      ],
      [{ SeriesTime: undefined }, 'SeriesDate/SeriesTime (0008,0021/0031)'],
    ];
    for (const [common, field] of cases) {
      const dir = petSeries([{}], common);
      expectInputError(() => readDicomSeries(dir), { file: path.join(dir, 'PT0'), field });
    }
  });
});

describe('DICOM DA / TM / DT values (PS3.5 6.2)', () => {
  it('reads times with optional parts, fractions and the legacy colon form', () => {
    expect(parseDicomTime('101530')).toBe(10 * 3600 + 15 * 60 + 30);
    expect(parseDicomTime('1015')).toBe(10 * 3600 + 15 * 60);
    expect(parseDicomTime('10')).toBe(36000);
    expect(parseDicomTime('101530.25')).toBe(36930.25);
    expect(parseDicomTime('10:15:30.5')).toBe(36930.5);
    expect(parseDicomTime('251000')).toBeUndefined();
    expect(parseDicomTime('ab')).toBeUndefined();
  });

  it('reads dates and date-times one day apart as 86400 s apart, ignoring the UTC offset', () => {
    expect(parseDicomDate('20240301')! - parseDicomDate('20240229')!).toBe(86400);
    expect(parseDicomDate('2024.03.01')).toBe(parseDicomDate('20240301'));
    expect(parseDicomDateTime('20240301000000.5+0100')! - parseDicomDateTime('20240229')!).toBe(86400.5);
    expect(parseDicomDate('2024-03-01')).toBeUndefined();
  });
});
