// PET standardised uptake value, body weight (SUVbw), following the QIBA / QIN vendor-neutral pseudo-code
// ("SUV calculation", QIBA FDG-PET/CT profile wiki; UW/QIN reference implementation):
//   SUVbw = activity concentration [Bq/ml] × weight [g] / decayed dose [Bq],
//   decayed dose = RadionuclideTotalDose × 2^(−(scan time − injection time) / RadionuclideHalfLife).
// Scan time: SeriesDate/Time when it is not after any image's AcquisitionDate/Time, else the earliest acquisition
// (a post-processed series); GE's private scan-time tag is not consulted. DecayCorrection (0054,1102) selects the
// reference: START → decay to the scan time; ADMIN → images already corrected to injection, no decay;
// NONE → each image decays to its own acquisition time.
// A series already in SUV (Units GML, g/ml: processed or exported PET) is read as stored and recorded as SUVbw; its
// SUV Type (0054,1006), where given, must be BW.
import { RadiomicsInputError } from '../errors';
import { token } from './limits';
import { DAY_SECONDS, combineDateTime, parseDicomDateTime } from './dicomTime';

/** The PET tags one image carries (strings as in the file). */
export interface PetTags {
  units?: string;
  /** SUV Type (0054,1006): BW, BSA, LBM, … where the series is already in SUV. */
  suvType?: string;
  decayCorrection?: string;
  patientWeightKg?: number;
  totalDoseBq?: number;
  halfLifeS?: number;
  startTime?: string;
  startDateTime?: string;
  seriesDate?: string;
  seriesTime?: string;
  acquisitionDate?: string;
  acquisitionTime?: string;
  acquisitionDateTime?: string;
}

function acquisitionSeconds(t: PetTags): number | undefined {
  return (t.acquisitionDateTime ? parseDicomDateTime(t.acquisitionDateTime) : undefined) ?? combineDateTime(t.acquisitionDate, t.acquisitionTime);
}

function required<T>(value: T | undefined, file: string, field: string, expected: string): T {
  if (value === undefined || (typeof value === 'number' && !(value > 0 && Number.isFinite(value)))) {
    throw new RadiomicsInputError(value === undefined ? 'missing, needed for SUV' : `invalid value ${token(String(value))}`, { file, field, expected });
  }
  return value;
}

/** PET Units (0054,1001) the engine reads as SUVbw: activity concentration, converted, or SUV already (PS3.3 C.8.9.1, PET Series module). */
export const SUV_SOURCE_UNITS = ['BQML', 'GML'] as const;

/**
 * SUVbw scale factor (g/ml per stored-and-rescaled unit) of each image of one PET series, in the order given: the
 * decay-corrected body-weight factor for BQML, 1 for a series already in SUV (GML).
 * `files` name the images for error messages.
 */
export function suvBodyWeightFactors(images: PetTags[], files: string[]): number[] {
  const first = images[0];
  const file = files[0];
  // Units belongs to the PET Series module (PS3.3 C.8.9.1): one value for the whole series.
  images.forEach((t, i) => {
    if (t.units !== first.units) {
      throw new RadiomicsInputError(`Units differs from ${file}`, {
        file: files[i],
        field: 'Units (0054,1001)',
        expected: 'one Units value for the whole series',
      });
    }
  });
  if (first.units === 'GML') return alreadySuv(images, files);
  if (first.units !== 'BQML') {
    throw new RadiomicsInputError(
      `Units is ${first.units === undefined ? 'missing' : `'${token(first.units)}'`}; SUV needs activity concentration or SUV values`,
      {
        file,
        field: 'Units (0054,1001)',
        expected: "'BQML' (Bq/ml, converted to SUVbw) or 'GML' (g/ml, already SUVbw); or read the series with petUnits: 'activity'",
      },
    );
  }
  const decay = first.decayCorrection;
  if (decay !== 'START' && decay !== 'ADMIN' && decay !== 'NONE') {
    throw new RadiomicsInputError(`DecayCorrection is ${decay === undefined ? 'missing' : `'${token(decay)}'`}`, {
      file,
      field: 'DecayCorrection (0054,1102)',
      expected: 'START, ADMIN or NONE',
    });
  }
  const weightG = required(first.patientWeightKg, file, 'PatientWeight (0010,1030)', 'a weight in kg > 0') * 1000;
  const dose = required(first.totalDoseBq, file, 'RadionuclideTotalDose (0018,1074)', 'the injected activity in Bq > 0');
  if (decay === 'ADMIN') return images.map(() => weightG / dose);

  const halfLife = required(first.halfLifeS, file, 'RadionuclideHalfLife (0018,1075)', 'a half-life in s > 0');
  const seriesAt = required(combineDateTime(first.seriesDate, first.seriesTime), file, 'SeriesDate/SeriesTime (0008,0021/0031)', 'a valid date and time');
  const acquisitions = images.map((t, i) =>
    required(acquisitionSeconds(t), files[i], 'AcquisitionDate/AcquisitionTime (0008,0022/0032)', 'a valid date and time'),
  );
  const earliest = Math.min(...acquisitions);
  const scanAt = seriesAt <= earliest ? seriesAt : earliest;

  let injectedAt: number;
  if (first.startDateTime) {
    injectedAt = required(parseDicomDateTime(first.startDateTime), file, 'RadiopharmaceuticalStartDateTime (0018,1078)', 'a valid DT');
  } else {
    // Start time has no date: take the series date, and the day before when that would put injection after the scan.
    const t = required(
      combineDateTime(first.seriesDate, first.startTime),
      file,
      'RadiopharmaceuticalStartTime (0018,1072)',
      'a valid TM (or RadiopharmaceuticalStartDateTime)',
    );
    injectedAt = t > scanAt ? t - DAY_SECONDS : t;
  }
  const factorAt = (at: number, i: number): number => {
    const elapsed = at - injectedAt;
    if (elapsed < 0) {
      throw new RadiomicsInputError(`injection (${token(first.startDateTime ?? first.startTime ?? '')}) is after the scan`, {
        file: files[i],
        field: 'RadiopharmaceuticalStartTime (0018,1072)',
        expected: 'an injection before the acquisition',
      });
    }
    return weightG / (dose * Math.pow(2, -elapsed / halfLife));
  };
  if (decay === 'START') {
    const f = factorAt(scanAt, 0);
    return images.map(() => f);
  }
  return acquisitions.map(factorAt);
}

/**
 * A series in g/ml is SUV as stored (after the rescale). SUV Type (0054,1006, PS3.3 C.8.9.1) says which SUV;
 * absent it is taken as body weight, the usual form; any other type (BSA, LBM, IBW, …) is refused, not mislabelled.
 */
function alreadySuv(images: PetTags[], files: string[]): number[] {
  images.forEach((t, i) => {
    if (t.suvType !== undefined && t.suvType !== 'BW') {
      throw new RadiomicsInputError(`SUV Type is '${token(t.suvType, 16)}' with Units GML`, {
        file: files[i],
        field: 'SUV Type (0054,1006)',
        expected: "'BW' or absent (GML is read as body-weight SUV)",
      });
    }
  });
  return images.map(() => 1);
}
