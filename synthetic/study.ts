// The synthetic study: generateStudy plans it (the manifest, no voxels), renderVisit makes one visit's images in
// memory, writeStudy writes every file and manifest.json. Same options → byte-identical output.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { IDENTITY, type Geometry, type Vec3, type Volume } from '../imaging/image';
import { writeNifti, writeNiftiSeries } from '../imaging/io/nifti';
import { renderDce, renderDwi, tumourPerfusion, validateFunctionalOptions, type FunctionalOptions, type FunctionalProtocol } from './functional';
import {
  MODALITIES,
  SYNTHETIC_GENERATOR_NAME,
  SYNTHETIC_GENERATOR_VERSION,
  TIMEPOINTS,
  type Modality,
  type ScanFiles,
  type SyntheticDefect,
  type SyntheticPatient,
  type SyntheticStudyManifest,
  type SyntheticTimepoint,
  type TimepointName,
} from './manifest';
import { PROTOCOL, extentAlong, isoDate, planPatient, type PatientPlan } from './cohort';
import { planDefects, validateDefectOptions, type DefectOptions } from './defects';
import { patientFields, renderScene, type PatientFields } from './scene';
import { maskOf, renderModality } from './modalities';
import { Rng } from './random';

export interface StudyOptions {
  /** Any integer 0 … 2³²−1. */
  seed: number;
  /** 1 … 999 (pseudonyms SYN-001 …). */
  patients: number;
  defects?: DefectOptions;
  /** Voxels along x, y, z; default 64 × 64 × 32. */
  size?: Vec3;
  /** mm per voxel; default: a 96 mm cube over `size` (1.5 × 1.5 × 3 mm at the default size). */
  spacing?: Vec3;
  /** A 4D DWI and/or DCE series per visit (absent: none, and the study's files are as without this option). */
  functional?: FunctionalOptions;
}

export interface WriteStudyOptions extends StudyOptions {
  outDir: string;
}

export const DEFAULT_SIZE: Vec3 = [64, 64, 32];
export const FIELD_OF_VIEW_MM: Vec3 = [96, 96, 96];
export const UNITS: Record<Modality, string> = {
  T1CE: 'arbitrary MR units',
  T2: 'arbitrary MR units',
  ADC: '1e-6 mm^2/s',
  PET: 'SUVbw (g/mL)',
};

/** The grid of every image: identity direction, centred on the physical origin. */
export function studyGeometry(options: Pick<StudyOptions, 'size' | 'spacing'> = {}): Geometry {
  const size = options.size ?? DEFAULT_SIZE;
  if (!Array.isArray(size) || size.length !== 3 || size.some((n) => !Number.isInteger(n) || n < 8 || n > 1024)) {
    throw new Error(`size: expected three integers from 8 to 1024 (voxels along x, y, z), got ${JSON.stringify(size)}`);
  }
  const spacing = options.spacing ?? (FIELD_OF_VIEW_MM.map((fov, i) => fov / size[i]) as Vec3);
  if (!Array.isArray(spacing) || spacing.length !== 3 || spacing.some((s) => !Number.isFinite(s) || s <= 0)) {
    throw new Error(`spacing: expected three positive numbers (mm), got ${JSON.stringify(spacing)}`);
  }
  return {
    size: [...size] as Vec3,
    spacing: [...spacing] as Vec3,
    origin: size.map((n, i) => (-(n - 1) / 2) * spacing[i]) as Vec3,
    direction: [...IDENTITY],
  };
}

function validate(options: StudyOptions): void {
  const { seed, patients } = options;
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new Error(`seed: expected an integer from 0 to 4294967295, got ${JSON.stringify(seed)}`);
  if (!Number.isInteger(patients) || patients < 1 || patients > 999)
    throw new Error(`patients: expected an integer from 1 to 999, got ${JSON.stringify(patients)}`);
}

function fieldOfView(g: Geometry): Vec3 {
  return g.size.map((n, i) => n * g.spacing[i]) as Vec3;
}

/** Plans the whole study and returns its manifest; writes nothing. writeStudy returns the same manifest. */
export function generateStudy(options: StudyOptions): SyntheticStudyManifest {
  validate(options);
  const geometry = studyGeometry(options);
  const { rate, kinds } = validateDefectOptions(options.defects);
  const plans = Array.from({ length: options.patients }, (_, i) => planPatient(options.seed, i, fieldOfView(geometry)));
  const defects = planDefects(options.seed, options.patients, rate, kinds, PROTOCOL);
  const functional = validateFunctionalOptions(options.functional);
  const patients = plans.map((plan) =>
    describePatient(
      options.seed,
      geometry,
      plan,
      defects.filter((d) => d.pseudonym === plan.pseudonym),
      functional,
    ),
  );
  return {
    generator: { name: SYNTHETIC_GENERATOR_NAME, version: SYNTHETIC_GENERATOR_VERSION },
    seed: options.seed,
    geometry,
    modalities: [...MODALITIES],
    units: { ...UNITS },
    protocol: PROTOCOL.map((p) => ({ ...p, dueWindow: { ...p.dueWindow } })),
    defectRate: rate,
    defectKinds: kinds,
    patients,
    defects: patients.flatMap((p) => p.timepoints.flatMap((t) => t.defects)),
    ...(functional ? { functional } : {}),
  };
}

function scanFiles(folder: string): ScanFiles {
  const files = {} as ScanFiles;
  for (const m of MODALITIES) files[m] = `${folder}/${m}.nii.gz`;
  files.mask = `${folder}/mask.nii.gz`;
  return files;
}

function describePatient(seed: number, geometry: Geometry, plan: PatientPlan, defects: SyntheticDefect[], functional?: FunctionalProtocol): SyntheticPatient {
  const start = Date.parse(`${plan.treatmentStartDate}T00:00:00Z`);
  const pathology = { ...plan.pathology };
  const timepoints = plan.timepoints.map((state, visit): SyntheticTimepoint => {
    const protocol = PROTOCOL[visit];
    const own = defects.filter((d) => d.timepoint === state.name).map((d) => ({ ...d }));
    let dayOffset = state.dayOffset;
    const late = own.find((d) => d.kind === 'late-scan');
    if (late?.daysLate) dayOffset = protocol.dueWindow.toDay + late.daysLate;
    const folder = `${plan.pseudonym}/${state.name}`;
    const tumour = {
      centre: plan.tumour.centre.map((c, i) => c + state.shift[i]) as Vec3,
      semiAxes: [...state.semiAxes] as Vec3,
      axes: plan.tumour.axes.map((a) => [...a]) as [Vec3, Vec3, Vec3],
      boundaryIrregularity: plan.tumour.irregularity,
      necroticFraction: state.necroticFraction,
    };
    for (const d of own) if (d.kind === 'missing-slice') d.slice = sliceThroughTumour(seed, plan.pseudonym, state.name, geometry, tumour);
    const timepoint: SyntheticTimepoint = {
      name: state.name,
      dayOffset,
      date: isoDate(start, dayOffset),
      dueWindow: { ...protocol.dueWindow },
      files: scanFiles(folder),
      defects: own,
      tumour,
    };
    if (functional) {
      timepoint.functionalFiles = {
        ...(functional.dwi ? { DWI: `${folder}/DWI.nii.gz` } : {}),
        ...(functional.dce ? { DCE: `${folder}/DCE.nii.gz` } : {}),
      };
      timepoint.functionalTruth = {
        ...(functional.dwi ? { dwi: { adcFrom: 'ADC' as const } } : {}),
        ...(functional.dce
          ? { dce: { tumour: tumourPerfusion(functional.dce, plan.imagingResponse, state.progress), background: { ...functional.dce.background } } }
          : {}),
      };
    }
    const rescanned = own.filter((d) => d.modality !== null).map((d) => d.modality as Modality);
    if (rescanned.length > 0) {
      timepoint.rescanFiles = {};
      for (const m of rescanned) timepoint.rescanFiles[m] = `${folder}/rescan/${m}.nii.gz`;
      timepoint.rescanDayOffset = dayOffset + Rng.stream(seed, plan.pseudonym, state.name, 'rescan-day').int(2, 7);
    }
    return timepoint;
  });
  // Surgery follows the last scan, a late or re-scanned one included.
  const lastScan = Math.max(...timepoints.map((t) => t.rescanDayOffset ?? t.dayOffset));
  if (pathology.surgeryDayOffset < lastScan + 3) {
    const shift = lastScan + 7 - pathology.surgeryDayOffset;
    pathology.surgeryDayOffset += shift;
    pathology.surgeryDate = isoDate(start, pathology.surgeryDayOffset);
    pathology.reportDate = isoDate(Date.parse(`${pathology.reportDate}T00:00:00Z`), shift);
  }
  return {
    pseudonym: plan.pseudonym,
    responder: plan.responder,
    necrosisPct: plan.necrosisPct,
    huvosGrade: plan.huvosGrade,
    clinical: { ...plan.clinical },
    treatmentStartDate: plan.treatmentStartDate,
    pathology,
    timepoints,
  };
}

/** A z index whose slice crosses the inner half of the tumour (ρ ≤ 0.5), so it surely holds tumour voxels. */
function sliceThroughTumour(seed: number, pseudonym: string, timepoint: TimepointName, g: Geometry, tumour: SyntheticTimepoint['tumour']): number {
  const half = 0.5 * extentAlong(tumour.axes, tumour.semiAxes, [0, 0, 1]);
  const lo = Math.max(1, Math.ceil((tumour.centre[2] - half - g.origin[2]) / g.spacing[2]));
  const hi = Math.min(g.size[2] - 2, Math.floor((tumour.centre[2] + half - g.origin[2]) / g.spacing[2]));
  const rng = Rng.stream(seed, pseudonym, timepoint, 'missing-slice');
  return hi >= lo ? rng.int(lo, hi) : Math.round((tumour.centre[2] - g.origin[2]) / g.spacing[2]);
}

export interface RenderedVisit {
  images: Record<Modality, Volume>;
  mask: Volume<Uint8Array>;
}

/** The clean images and mask of one visit, in memory (what writeStudy writes before any defect). */
export function renderVisit(options: StudyOptions, pseudonym: string, timepoint: TimepointName): RenderedVisit {
  validate(options);
  const geometry = studyGeometry(options);
  const index = Number(/^SYN-(\d{3})$/.exec(pseudonym)?.[1] ?? NaN) - 1;
  if (!(index >= 0 && index < options.patients))
    throw new Error(`pseudonym: expected SYN-001 … ${`SYN-${String(options.patients).padStart(3, '0')}`}, got ${JSON.stringify(pseudonym)}`);
  const visit = TIMEPOINTS.indexOf(timepoint);
  if (visit < 0) throw new Error(`timepoint: expected one of ${TIMEPOINTS.join(', ')}, got ${JSON.stringify(timepoint)}`);
  const plan = planPatient(options.seed, index, fieldOfView(geometry));
  return renderPlannedVisit(options.seed, geometry, plan, patientFields(options.seed, plan), visit, 'scan');
}

function renderPlannedVisit(
  seed: number,
  geometry: Geometry,
  plan: PatientPlan,
  fields: PatientFields,
  visit: number,
  acquisition: 'scan' | 'rescan',
  only?: Modality[],
): RenderedVisit {
  const scene = renderScene(geometry, plan, fields, visit);
  const images = {} as Record<Modality, Volume>;
  const name = plan.timepoints[visit].name;
  for (const m of only ?? MODALITIES) images[m] = renderModality(scene, plan, visit, m, Rng.stream(seed, plan.pseudonym, name, m, acquisition));
  return { images, mask: maskOf(scene) };
}

function descriptionOf(modality: Modality | 'mask', pseudonym: string, timepoint: TimepointName): string {
  return `${SYNTHETIC_GENERATOR_NAME} ${SYNTHETIC_GENERATOR_VERSION} ${modality} ${pseudonym} ${timepoint}`;
}

/** Writes `<outDir>/<pseudonym>/<timepoint>/<MODALITY>.nii.gz`, `mask.nii.gz`, re-scans and `<outDir>/manifest.json`. */
export function writeStudy(options: WriteStudyOptions): SyntheticStudyManifest {
  if (typeof options.outDir !== 'string' || options.outDir === '') throw new Error('outDir: expected a folder path');
  const manifest = generateStudy(options);
  const geometry = manifest.geometry;
  for (const patient of manifest.patients) {
    const plan = planPatient(options.seed, Number(patient.pseudonym.slice(4)) - 1, fieldOfView(geometry));
    const fields = patientFields(options.seed, plan);
    patient.timepoints.forEach((tp, visit) => {
      const path = (relative: string) => join(options.outDir, relative);
      mkdirSync(path(`${patient.pseudonym}/${tp.name}`), { recursive: true });
      const { images, mask } = renderPlannedVisit(options.seed, geometry, plan, fields, visit, 'scan');
      for (const d of tp.defects) if (d.kind === 'missing-slice' && d.modality && d.slice !== undefined) zeroSlice(images[d.modality], d.slice);
      writeNifti(path(tp.files.mask), mask, { description: descriptionOf('mask', patient.pseudonym, tp.name) });
      for (const m of MODALITIES) writeNifti(path(tp.files[m]), images[m], { description: descriptionOf(m, patient.pseudonym, tp.name) });
      // Functional series from the clean visit (a defect of the ADC file does not reach the DWI made from its truth).
      const functional = manifest.functional;
      if (functional?.dwi && tp.functionalFiles?.DWI) {
        const adc = renderPlannedVisit(options.seed, geometry, plan, fields, visit, 'scan', ['ADC']).images.ADC;
        writeNiftiSeries(path(tp.functionalFiles.DWI), renderDwi(functional.dwi, adc, options.seed, patient.pseudonym, tp.name), {
          description: `${SYNTHETIC_GENERATOR_NAME} ${SYNTHETIC_GENERATOR_VERSION} DWI ${patient.pseudonym} ${tp.name}`,
        });
      }
      if (functional?.dce && tp.functionalFiles?.DCE && tp.functionalTruth?.dce) {
        writeNiftiSeries(path(tp.functionalFiles.DCE), renderDce(functional.dce, mask, tp.functionalTruth.dce, options.seed, patient.pseudonym, tp.name), {
          description: `${SYNTHETIC_GENERATOR_NAME} ${SYNTHETIC_GENERATOR_VERSION} DCE ${patient.pseudonym} ${tp.name}`,
        });
      }
      for (const d of tp.defects) {
        if (d.kind === 'wrong-modality' && d.modality && d.holds) copyFileSync(path(tp.files[d.holds]), path(tp.files[d.modality]));
        if (d.kind === 'truncated-file' && d.modality && d.keptFraction !== undefined) {
          const bytes = readFileSync(path(tp.files[d.modality]));
          writeFileSync(path(tp.files[d.modality]), bytes.subarray(0, Math.floor(bytes.length * d.keptFraction)));
        }
      }
      if (tp.rescanFiles) {
        mkdirSync(path(`${patient.pseudonym}/${tp.name}/rescan`), { recursive: true });
        const modalities = Object.keys(tp.rescanFiles) as Modality[];
        const rescan = renderPlannedVisit(options.seed, geometry, plan, fields, visit, 'rescan', modalities);
        for (const m of modalities)
          writeNifti(path(tp.rescanFiles[m] as string), rescan.images[m], { description: descriptionOf(m, patient.pseudonym, tp.name) });
      }
    });
  }
  writeFileSync(join(options.outDir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

function zeroSlice(volume: Volume, z: number): void {
  const plane = volume.geometry.size[0] * volume.geometry.size[1];
  volume.data.fill(0, z * plane, (z + 1) * plane);
}
