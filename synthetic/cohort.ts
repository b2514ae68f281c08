// Per-patient plan of the synthetic study: who responds, the pathology, clinical variables, the anatomy, and how the
// tumour changes from baseline to pre-op. No voxels here — scene.ts and modalities.ts render a plan into images.
//
// Response model (why the task is learnable but not trivial): each patient has a pathological necrosis fraction s
// (good ≥ 0.9, poor 0.15–0.88) and an imaging response r = s + N(0, 0.14). Shrinkage, necrosis, ADC rise, SUV drop and
// texture homogenisation all follow r, each with its own noise; baseline volume, SUV, ALP and LDH lean only weakly
// towards poor response (d' ≈ 0.1–0.35), so a baseline-only model stays close to chance.
import type { Vec3 } from '../imaging/image';
import {
  TIMEPOINTS,
  type ClinicalVariables,
  type HuvosGrade,
  type Modality,
  type Pathology,
  type ProtocolTimepoint,
  type Responder,
  type Site,
  type TimepointName,
} from './manifest';
import { Rng, clamp } from './random';

export const PROTOCOL: ProtocolTimepoint[] = [
  { name: 'baseline', scheduledDay: -7, dueWindow: { fromDay: -21, toDay: 0 } },
  { name: 'mid', scheduledDay: 42, dueWindow: { fromDay: 35, toDay: 56 } },
  { name: 'preop', scheduledDay: 70, dueWindow: { fromDay: 63, toDay: 84 } },
];

/** Responders are assigned in permuted blocks of five (two good, three poor): 40 % good in every prefix of 5k patients. */
const RESPONDER_BLOCK: Responder[] = ['good', 'good', 'poor', 'poor', 'poor'];
const FIRST_TREATMENT_DAY = Date.UTC(2024, 0, 8);

export interface Anatomy {
  /** In-plane centre of the limb's axis at z = 0 and the axis direction (a unit vector near +z). */
  limbCentre: [number, number];
  axis: Vec3;
  /** Semi-axes of the limb's elliptical cross-section (mm). */
  limbRadii: [number, number];
  fatThickness: number;
  boneCentre: [number, number];
  boneRadius: number;
  cortexThickness: number;
}

/** Tissue means per modality (T1CE/T2 a.u., ADC 10⁻⁶ mm²/s, PET SUV) before the tumour's own values. */
export interface BackgroundTissue {
  fat: number;
  muscle: number;
  marrow: number;
  cortex: number;
  necrosis: number;
}

export interface TumourShape {
  centre: Vec3;
  axes: [Vec3, Vec3, Vec3];
  semiAxes: Vec3;
  irregularity: number;
}

/** The tumour and scan state of one timepoint. */
export interface TimepointState {
  name: TimepointName;
  /** Fraction of the way from baseline to pre-op (0, ≈ 0.5, 1). */
  progress: number;
  dayOffset: number;
  semiAxes: Vec3;
  necroticFraction: number;
  /** Mean of viable tumour per modality (T1CE/T2 a.u., ADC 10⁻⁶ mm²/s, PET SUV). */
  viable: Record<Modality, number>;
  /** Texture amplitude (relative standard deviation) of viable tumour per modality. */
  heterogeneity: Record<Modality, number>;
  /** Patient position in the scanner for this visit (mm), shared by all modalities of the visit. */
  shift: Vec3;
}

export interface PatientPlan {
  index: number;
  pseudonym: string;
  responder: Responder;
  necrosisPct: number;
  huvosGrade: HuvosGrade;
  imagingResponse: number;
  clinical: ClinicalVariables;
  treatmentStartDate: string;
  pathology: Pathology;
  anatomy: Anatomy;
  tissue: Record<Modality, BackgroundTissue>;
  tumour: TumourShape;
  timepoints: TimepointState[];
}

export function pseudonymOf(index: number): string {
  return `SYN-${String(index + 1).padStart(3, '0')}`;
}

export function isoDate(dayMs: number, days: number): string {
  return new Date(dayMs + days * 86_400_000).toISOString().slice(0, 10);
}

export function huvosGradeOf(necrosisPct: number): HuvosGrade {
  if (necrosisPct >= 100) return 'IV';
  if (necrosisPct >= 90) return 'III';
  if (necrosisPct >= 50) return 'II';
  return 'I';
}

/** Plans patient `index` of the study with `seed`; independent of how many patients the study has. */
export function planPatient(seed: number, index: number, fieldOfViewMm: Vec3): PatientPlan {
  const pseudonym = pseudonymOf(index);
  const rng = Rng.stream(seed, pseudonym, 'plan');
  const responder = Rng.stream(seed, 'responder-block', Math.floor(index / 5)).shuffle(RESPONDER_BLOCK)[index % 5];

  // Pathology: s is the necrotic fraction the pathologist will report.
  let necrosisPct: number;
  if (responder === 'good') necrosisPct = rng.next() < 0.3 ? 100 : Math.round(rng.uniform(90, 99.9) * 10) / 10;
  else necrosisPct = Math.round(rng.uniform(15, 88) * 10) / 10;
  const s = necrosisPct / 100;
  const r = clamp(s + rng.normal(0, 0.14), 0, 1.15);
  const lean = 0.65 - s; // > 0 for poor responders: the weak baseline signal

  const site = rng.pick<Site>(['femur', 'tibia', 'humerus'], [0.55, 0.3, 0.15]);
  const ageYears = Math.round(clamp(16 * Math.exp(rng.normal(0, 0.35)), 8, 40));
  const clinical: ClinicalVariables = {
    ageYears,
    sex: rng.next() < 0.58 ? 'M' : 'F',
    site,
    alpUPerL: Math.round(220 * (ageYears < 18 ? 1.4 : 1) * Math.exp(rng.normal(0, 0.45) + 0.35 * lean)),
    ldhUPerL: Math.round(230 * Math.exp(rng.normal(0, 0.35) + 0.3 * lean)),
  };

  const anatomy = planAnatomy(rng, site);
  const tissue = planTissue(rng);
  const baselineVolumeFactor = Math.exp(0.15 * lean);
  const tumour = planTumour(rng, anatomy, baselineVolumeFactor, fieldOfViewMm);

  const startDay = FIRST_TREATMENT_DAY + (7 * index + rng.int(0, 4)) * 86_400_000;
  const timepoints = planTimepoints(rng, r, tumour, Math.exp(0.1 * lean));
  const surgeryDayOffset = timepoints[2].dayOffset + rng.int(7, 18);
  const pathology: Pathology = {
    necrosisPct,
    huvosGrade: huvosGradeOf(necrosisPct),
    surgeryDayOffset,
    surgeryDate: isoDate(startDay, surgeryDayOffset),
    reportDate: isoDate(startDay, surgeryDayOffset + rng.int(5, 10)),
  };
  return {
    index,
    pseudonym,
    responder,
    necrosisPct,
    huvosGrade: pathology.huvosGrade,
    imagingResponse: r,
    clinical,
    treatmentStartDate: isoDate(startDay, 0),
    pathology,
    anatomy,
    tissue,
    tumour,
    timepoints,
  };
}

function planAnatomy(rng: Rng, site: Site): Anatomy {
  const size = { femur: { limb: [38, 43], bone: [11, 14] }, tibia: { limb: [32, 38], bone: [10, 12.5] }, humerus: { limb: [30, 36], bone: [9, 11.5] } }[site];
  const rx = rng.uniform(size.limb[0], size.limb[1]);
  const tilt = rng.uniform(0, (5 * Math.PI) / 180);
  const azimuth = rng.uniform(0, 2 * Math.PI);
  const boneAngle = rng.uniform(0, 2 * Math.PI);
  const boneOffset = rng.uniform(0, 8);
  const limbCentre: [number, number] = [clamp(rng.normal(0, 2.5), -5, 5), clamp(rng.normal(0, 2.5), -5, 5)];
  return {
    limbCentre,
    axis: normalise([Math.tan(tilt) * Math.cos(azimuth), Math.tan(tilt) * Math.sin(azimuth), 1]),
    limbRadii: [rx, rx * rng.uniform(0.85, 1)],
    fatThickness: rng.uniform(3, 7),
    boneCentre: [limbCentre[0] + boneOffset * Math.cos(boneAngle), limbCentre[1] + boneOffset * Math.sin(boneAngle)],
    boneRadius: rng.uniform(size.bone[0], size.bone[1]),
    cortexThickness: rng.uniform(2.5, 4),
  };
}

function planTissue(rng: Rng): Record<Modality, BackgroundTissue> {
  const vary = (x: number) => x * Math.exp(rng.normal(0, 0.05));
  return {
    T1CE: { fat: vary(950), muscle: vary(420), marrow: vary(820), cortex: vary(60), necrosis: vary(230) },
    T2: { fat: vary(650), muscle: vary(240), marrow: vary(600), cortex: vary(40), necrosis: vary(1350) },
    ADC: { fat: vary(250), muscle: vary(1450), marrow: vary(350), cortex: vary(150), necrosis: vary(2350) },
    PET: { fat: vary(0.35), muscle: vary(0.75), marrow: vary(1.3), cortex: vary(0.5), necrosis: vary(0.9) },
  };
}

/** An eccentric ellipsoid arising from the bone, its long axis within 20° of the limb's, kept inside the limb and the field of view. */
function planTumour(rng: Rng, anatomy: Anatomy, volumeFactor: number, fov: Vec3): TumourShape {
  const irregularity = rng.uniform(0.06, 0.14);
  const inPlane = [rng.uniform(10, 19), rng.uniform(10, 19)];
  const semiAxes: Vec3 = [Math.min(30, Math.max(...inPlane) * rng.uniform(1.2, 1.8)), inPlane[0], inPlane[1]];
  const k = Math.cbrt(volumeFactor);
  for (let i = 0; i < 3; i++) semiAxes[i] *= k;

  const tilt = rng.uniform(0, (20 * Math.PI) / 180);
  const tiltAzimuth = rng.uniform(0, 2 * Math.PI);
  const roll = rng.uniform(0, Math.PI);
  const major = normalise(add(anatomy.axis, [Math.tan(tilt) * Math.cos(tiltAzimuth), Math.tan(tilt) * Math.sin(tiltAzimuth), 0]));
  const helper: Vec3 = Math.abs(major[0]) < 0.9 ? [1, 0, 0] : [0, 1, 0];
  const e1 = normalise(cross(major, helper));
  const e2 = cross(major, e1);
  const second = add(scale(e1, Math.cos(roll)), scale(e2, Math.sin(roll)));
  const axes: [Vec3, Vec3, Vec3] = [major, second, cross(major, second)];

  const angle = rng.uniform(0, 2 * Math.PI);
  const radial = rng.uniform(0.4, 1.1) * anatomy.boneRadius;
  const centre: Vec3 = [anatomy.boneCentre[0] + radial * Math.cos(angle), anatomy.boneCentre[1] + radial * Math.sin(angle), rng.uniform(-8, 8)];

  // Keep the whole tumour (boundary bumps included) inside the limb's muscle and the field of view.
  const grow = 1 + irregularity;
  const limbInner = Math.min(...anatomy.limbRadii) - anatomy.fatThickness - 1;
  for (let attempt = 0; attempt < 40; attempt++) {
    const planar = maxInPlaneExtent(axes, semiAxes) * grow;
    const fromLimb = Math.hypot(centre[0] - anatomy.limbCentre[0], centre[1] - anatomy.limbCentre[1]);
    const zRoom = fov[2] / 2 - 3 - Math.abs(centre[2]);
    const zExtent = extentAlong(axes, semiAxes, [0, 0, 1]) * grow;
    if (fromLimb + planar <= limbInner && zExtent <= zRoom) break;
    if (zExtent > zRoom || planar > limbInner * 0.6) for (let i = 0; i < 3; i++) semiAxes[i] *= 0.95;
    else {
      // Pull the centre towards the limb's axis.
      centre[0] = anatomy.limbCentre[0] + (centre[0] - anatomy.limbCentre[0]) * 0.9;
      centre[1] = anatomy.limbCentre[1] + (centre[1] - anatomy.limbCentre[1]) * 0.9;
    }
  }
  return { centre, axes, semiAxes, irregularity };
}

function planTimepoints(rng: Rng, r: number, tumour: TumourShape, suvFactor: number): TimepointState[] {
  const midProgress = clamp(rng.normal(0.5, 0.1), 0.3, 0.7);
  const progress = [0, midProgress, 1];
  const rc = clamp(r, 0, 1);
  const logVolumeRatio = Math.log(1.12) - 0.8 * r + rng.normal(0, 0.12);
  const necrosis0 = rng.uniform(0.05, 0.18);
  const necrosisPreop = clamp(0.12 + 0.7 * r + rng.normal(0, 0.07), necrosis0, 0.85);
  const adc0 = 950 + rng.normal(0, 100);
  const adcRise = 420 * r + rng.normal(0, 60);
  const suv0 = 8 * Math.exp(rng.normal(0, 0.3)) * suvFactor;
  const logSuvRatio = Math.log(1 - 0.7 * rc);
  const t1ce0 = 680 * Math.exp(rng.normal(0, 0.08));
  const t20 = 880 * Math.exp(rng.normal(0, 0.08));
  const hetero0 = Math.exp(rng.normal(0, 0.15));

  return TIMEPOINTS.map((name, t) => {
    const p = progress[t];
    const later = t > 0 ? 1 : 0;
    const volumeRatio = Math.exp(p * logVolumeRatio + later * rng.normal(0, 0.03));
    const k = Math.cbrt(volumeRatio);
    const protocol = PROTOCOL[t];
    const dayOffset = clamp(Math.round(protocol.scheduledDay + rng.normal(0, 3)), protocol.dueWindow.fromDay, protocol.dueWindow.toDay);
    const homogenise = (1 - 0.55 * rc * p) * Math.exp(later * rng.normal(0, 0.08));
    return {
      name,
      progress: p,
      dayOffset,
      semiAxes: tumour.semiAxes.map((a) => a * k) as Vec3,
      necroticFraction: necrosis0 + (necrosisPreop - necrosis0) * p,
      viable: {
        T1CE: t1ce0 * (1 - 0.25 * rc * p),
        T2: t20 * (1 + 0.1 * rc * p),
        ADC: adc0 + adcRise * p + later * rng.normal(0, 50),
        PET: suv0 * Math.exp(p * logSuvRatio + later * rng.normal(0, 0.1)),
      },
      heterogeneity: {
        T1CE: 0.2 * hetero0 * homogenise,
        T2: 0.15 * hetero0 * homogenise,
        ADC: 0.15 * hetero0 * homogenise,
        PET: 0.3 * hetero0 * homogenise,
      },
      shift: [rng.normal(0, 1.2), rng.normal(0, 1.2), rng.normal(0, 1)],
    };
  });
}

export function add(a: Vec3, b: Vec3): Vec3 {
  return [a[0] + b[0], a[1] + b[1], a[2] + b[2]];
}
export function scale(a: Vec3, k: number): Vec3 {
  return [a[0] * k, a[1] * k, a[2] * k];
}
export function dot(a: Vec3, b: Vec3): number {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}
export function cross(a: Vec3, b: Vec3): Vec3 {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}
export function normalise(a: Vec3): Vec3 {
  return scale(a, 1 / Math.hypot(a[0], a[1], a[2]));
}

/** Half-width of the ellipsoid along unit direction e: √Σ (sᵢ uᵢ·e)². */
export function extentAlong(axes: [Vec3, Vec3, Vec3], semiAxes: Vec3, e: Vec3): number {
  let sum = 0;
  for (let i = 0; i < 3; i++) sum += (semiAxes[i] * dot(axes[i], e)) ** 2;
  return Math.sqrt(sum);
}

function maxInPlaneExtent(axes: [Vec3, Vec3, Vec3], semiAxes: Vec3): number {
  let max = 0;
  for (let a = 0; a < 32; a++) {
    const th = (a * Math.PI) / 32;
    max = Math.max(max, extentAlong(axes, semiAxes, [Math.cos(th), Math.sin(th), 0]));
  }
  return max;
}
