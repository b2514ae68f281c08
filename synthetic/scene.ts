// Rasterises one visit of one patient: a tissue label per voxel (limb, fat, muscle, cortex, marrow, viable tumour,
// necrosis) and, for tumour voxels, a smooth texture per modality. modalities.ts turns a scene into intensities.
import { voxelCount, type Geometry, type Vec3 } from '../imaging/image';
import { MODALITIES, type Modality } from './manifest';
import { extentAlong, type PatientPlan, type TimepointState } from './cohort';
import { SmoothField } from './noise';
import { Rng, clamp } from './random';

// Math's functions bound once: under jest (a vm context) each global lookup in a hot loop costs ~100×.
const { sqrt } = Math;
/** Clamps to [-1, 1]; local so that the hot loop makes no cross-module call. */
const clipUnit = (x: number) => (x < -1 ? -1 : x > 1 ? 1 : x);

export const enum Tissue {
  Air = 0,
  Fat = 1,
  Muscle = 2,
  Cortex = 3,
  Marrow = 4,
  Viable = 5,
  Necrosis = 6,
}

export interface Scene {
  geometry: Geometry;
  labels: Uint8Array;
  /** Voxel indices of the tumour (viable and necrotic), ascending. */
  tumourVoxels: Int32Array;
  /** Zero-mean, unit-SD texture per modality, aligned with `tumourVoxels`. */
  texture: Record<Modality, Float32Array>;
}

/** The smooth fields of one patient: created once, sampled at every visit. */
export interface PatientFields {
  boundary: SmoothField;
  necrosisEdge: SmoothField;
  /** Cellularity common to all modalities: a persistent part and a part renewed at each visit. */
  cellularity: SmoothField;
  cellularityByVisit: SmoothField[];
  byModality: Record<Modality, SmoothField>;
}

const FIELD_HALF_WIDTH_MM = 45;
/** Lattice cell (mm) of the tumour texture: a grain of a few voxels at 1.5 mm. */
const TEXTURE_CELL_MM = 7;
/** Shape fields are sampled at the tumour's normalised coordinates × this, so bumps scale with the tumour. */
const SHAPE_SCALE_MM = 30;
const NECROSIS_EDGE_NOISE = 0.12;

export function patientFields(seed: number, plan: PatientPlan): PatientFields {
  const field = (name: string, cell: number) => new SmoothField(Rng.stream(seed, plan.pseudonym, 'field', name), FIELD_HALF_WIDTH_MM, cell, 2);
  const byModality = {} as Record<Modality, SmoothField>;
  for (const m of MODALITIES) byModality[m] = field(`texture-${m}`, TEXTURE_CELL_MM);
  return {
    boundary: field('boundary', 14),
    necrosisEdge: field('necrosis-edge', 14),
    cellularity: field('cellularity', TEXTURE_CELL_MM),
    cellularityByVisit: plan.timepoints.map((t) => field(`cellularity-${t.name}`, TEXTURE_CELL_MM)),
    byModality,
  };
}

export function renderScene(geometry: Geometry, plan: PatientPlan, fields: PatientFields, visit: number): Scene {
  const state = plan.timepoints[visit];
  const labels = new Uint8Array(voxelCount(geometry));
  paintAnatomy(geometry, plan, state, labels);
  const tumour = paintTumour(geometry, plan, fields, visit, labels);
  return { geometry, labels, ...tumour };
}

function paintAnatomy(g: Geometry, plan: PatientPlan, state: TimepointState, labels: Uint8Array): void {
  const a = plan.anatomy;
  const [nx, ny, nz] = g.size;
  const [sx, sy, sz] = g.spacing;
  const fatInner = 1 - a.fatThickness / Math.min(...a.limbRadii);
  const marrowRadius = a.boneRadius - a.cortexThickness;
  let idx = 0;
  for (let k = 0; k < nz; k++) {
    const z = g.origin[2] + k * sz - state.shift[2];
    // The limb and the bone are parallel to `axis`: their in-plane centres slide along z with it.
    const slide = z / a.axis[2];
    const cx = a.limbCentre[0] + a.axis[0] * slide;
    const cy = a.limbCentre[1] + a.axis[1] * slide;
    const bx = a.boneCentre[0] + a.axis[0] * slide;
    const by = a.boneCentre[1] + a.axis[1] * slide;
    for (let j = 0; j < ny; j++) {
      const y = g.origin[1] + j * sy - state.shift[1];
      for (let i = 0; i < nx; i++, idx++) {
        const x = g.origin[0] + i * sx - state.shift[0];
        const lx = (x - cx) / a.limbRadii[0];
        const ly = (y - cy) / a.limbRadii[1];
        const limb = lx * lx + ly * ly; // squared: Math.hypot is slow in V8's hot loops
        if (limb > 1) continue; // air
        if (limb > fatInner * fatInner) {
          labels[idx] = Tissue.Fat;
          continue;
        }
        const bone = (x - bx) * (x - bx) + (y - by) * (y - by);
        labels[idx] = bone > a.boneRadius * a.boneRadius ? Tissue.Muscle : bone > marrowRadius * marrowRadius ? Tissue.Cortex : Tissue.Marrow;
      }
    }
  }
}

/** Paints the tumour over the anatomy (osteosarcoma destroys cortex and fills marrow) and samples its texture. */
function paintTumour(g: Geometry, plan: PatientPlan, fields: PatientFields, visit: number, labels: Uint8Array): Omit<Scene, 'geometry' | 'labels'> {
  const state = plan.timepoints[visit];
  const { axes, irregularity } = plan.tumour;
  const semi = state.semiAxes;
  const centre: Vec3 = [plan.tumour.centre[0] + state.shift[0], plan.tumour.centre[1] + state.shift[1], plan.tumour.centre[2] + state.shift[2]];
  const grow = 1 + irregularity;
  const coreRadius = Math.cbrt(state.necroticFraction);
  const lo: number[] = [];
  const hi: number[] = [];
  for (let d = 0; d < 3; d++) {
    const e: Vec3 = [0, 0, 0];
    e[d] = 1;
    const half = extentAlong(axes, semi, e) * grow;
    lo.push(clamp(Math.floor((centre[d] - half - g.origin[d]) / g.spacing[d]), 0, g.size[d] - 1));
    hi.push(clamp(Math.ceil((centre[d] + half - g.origin[d]) / g.spacing[d]), 0, g.size[d] - 1));
  }
  const indices: number[] = [];
  const tex: Record<Modality, number[]> = { T1CE: [], T2: [], ADC: [], PET: [] };
  const visitField = fields.cellularityByVisit[visit];
  const modalities = MODALITIES; // a local: an imported binding is a getter call under CommonJS
  const u: Vec3 = [0, 0, 0];
  const n: Vec3 = [0, 0, 0];
  const shape: Vec3 = [0, 0, 0];
  for (let k = lo[2]; k <= hi[2]; k++) {
    for (let j = lo[1]; j <= hi[1]; j++) {
      for (let i = lo[0]; i <= hi[0]; i++) {
        u[0] = g.origin[0] + i * g.spacing[0] - centre[0];
        u[1] = g.origin[1] + j * g.spacing[1] - centre[1];
        u[2] = g.origin[2] + k * g.spacing[2] - centre[2];
        for (let a = 0; a < 3; a++) n[a] = (u[0] * axes[a][0] + u[1] * axes[a][1] + u[2] * axes[a][2]) / semi[a];
        const rho = sqrt(n[0] * n[0] + n[1] * n[1] + n[2] * n[2]);
        if (rho > grow) continue;
        for (let a = 0; a < 3; a++) shape[a] = n[a] * SHAPE_SCALE_MM;
        const bump = clipUnit(0.5 * fields.boundary.at(shape));
        const rhoShaped = rho / (1 + irregularity * bump);
        if (rhoShaped > 1) continue;
        const edge = clipUnit(0.5 * fields.necrosisEdge.at(shape));
        const idx = i + g.size[0] * (j + g.size[1] * k);
        labels[idx] = rhoShaped + NECROSIS_EDGE_NOISE * edge < coreRadius ? Tissue.Necrosis : Tissue.Viable;
        indices.push(idx);
        // Texture lives in the patient's frame around the tumour centre (u), so its grain does not shrink with the tumour.
        const cellular = 0.8 * fields.cellularity.at(u) + 0.6 * visitField.at(u);
        for (const m of modalities) tex[m].push(0.75 * cellular + 0.66 * fields.byModality[m].at(u));
      }
    }
  }
  // Loops run z, y, x, so indices are already ascending.
  const texture = {} as Record<Modality, Float32Array>;
  for (const m of MODALITIES) texture[m] = Float32Array.from(tex[m]);
  return { tumourVoxels: Int32Array.from(indices), texture };
}
