// Turns a scene into the four images of a visit: MR-like T1CE and T2 (arbitrary units, Rician noise, coil bias,
// scanner gain), an ADC map (10⁻⁶ mm²/s, Gaussian noise) and PET SUV (blurred by a 6 mm FWHM point-spread function,
// noisy before the blur as reconstructed PET is). All on the scene's grid; the mask is the tumour's labels.
import type { Geometry, Volume } from '../imaging/image';
import type { Modality } from './manifest';
import type { BackgroundTissue, PatientPlan, TimepointState } from './cohort';
import { Tissue, type Scene } from './scene';
import type { Rng } from './random';

// Math's functions bound once: under jest (a vm context) each global lookup in a hot loop costs ~100×.
const { min, max, round, sqrt, floor } = Math;

/** Sign of each modality's response to cellularity: dense viable tumour enhances, restricts diffusion, takes up FDG, darkens T2. */
const CELLULARITY_SIGN: Record<Modality, number> = { T1CE: 1, T2: -1, ADC: -1, PET: 1 };
const MR_NOISE_SD: Record<'T1CE' | 'T2', number> = { T1CE: 16, T2: 14 };
const ADC_NOISE_SD = 80;
const PET_FWHM_MM = 6;
const PET_NOISE_BEFORE_BLUR = 0.6;
const PET_NOISE_AFTER_BLUR = 0.03;
const TEXTURE_CLIP = 2.5;

export function renderModality(scene: Scene, plan: PatientPlan, visit: number, modality: Modality, rng: Rng): Volume {
  const truth = meanIntensities(scene, plan.tissue[modality], plan.timepoints[visit], modality);
  switch (modality) {
    case 'T1CE':
    case 'T2':
      return { geometry: scene.geometry, data: magnitudeImage(scene.geometry, truth, MR_NOISE_SD[modality], rng) };
    case 'ADC':
      return { geometry: scene.geometry, data: adcMap(truth, rng) };
    case 'PET':
      return { geometry: scene.geometry, data: petImage(scene.geometry, truth, rng) };
  }
}

export function maskOf(scene: Scene): Volume<Uint8Array> {
  const data = new Uint8Array(scene.labels.length);
  for (const idx of scene.tumourVoxels) data[idx] = 1;
  return { geometry: scene.geometry, data };
}

/** Noise-free intensities: tissue means, with the tumour's textured viable part and its fluid-like necrosis. */
function meanIntensities(scene: Scene, tissue: BackgroundTissue, state: TimepointState, modality: Modality): Float32Array {
  const byLabel = [0, tissue.fat, tissue.muscle, tissue.cortex, tissue.marrow, state.viable[modality], tissue.necrosis];
  const out = new Float32Array(scene.labels.length);
  for (let i = 0; i < out.length; i++) out[i] = byLabel[scene.labels[i]];
  const texture = scene.texture[modality];
  const amplitude = CELLULARITY_SIGN[modality] * state.heterogeneity[modality];
  const viable = Tissue.Viable;
  for (let t = 0; t < scene.tumourVoxels.length; t++) {
    const idx = scene.tumourVoxels[t];
    // Clipped at ±2.5 SD so that the texture's rare tails do not make implausible values (ADC near 0).
    const tex = min(TEXTURE_CLIP, max(-TEXTURE_CLIP, texture[t]));
    out[idx] *= max(0.05, 1 + (scene.labels[idx] === viable ? amplitude * tex : 0.05 * tex));
  }
  return out;
}

/** Magnitude MR image: gain × linear coil bias × truth, Rician noise (|signal + complex Gaussian|), int16. */
function magnitudeImage(g: Geometry, truth: Float32Array, sd: number, rng: Rng): Int16Array {
  const gain = rng.uniform(0.85, 1.15);
  const biasAxis = [rng.normal(), rng.normal(), rng.normal()];
  const biasNorm = Math.hypot(biasAxis[0], biasAxis[1], biasAxis[2]);
  const biasPerMm = rng.uniform(0, 0.08) / 48 / biasNorm;
  const out = new Int16Array(truth.length);
  const [nx, ny, nz] = g.size;
  let idx = 0;
  for (let k = 0; k < nz; k++) {
    const z = g.origin[2] + k * g.spacing[2];
    for (let j = 0; j < ny; j++) {
      const y = g.origin[1] + j * g.spacing[1];
      for (let i = 0; i < nx; i++, idx++) {
        const x = g.origin[0] + i * g.spacing[0];
        const signal = truth[idx] * gain * (1 + biasPerMm * (biasAxis[0] * x + biasAxis[1] * y + biasAxis[2] * z));
        const re = signal + rng.normal(0, sd);
        const im = rng.normal(0, sd);
        out[idx] = min(32767, round(sqrt(re * re + im * im)));
      }
    }
  }
  return out;
}

function adcMap(truth: Float32Array, rng: Rng): Int16Array {
  const out = new Int16Array(truth.length);
  for (let i = 0; i < truth.length; i++) out[i] = round(min(4000, max(0, truth[i] + rng.normal(0, ADC_NOISE_SD))));
  return out;
}

function petImage(g: Geometry, truth: Float32Array, rng: Rng): Float32Array {
  const noisy = new Float32Array(truth.length);
  for (let i = 0; i < truth.length; i++) noisy[i] = truth[i] * (1 + PET_NOISE_BEFORE_BLUR * rng.normal());
  const sigmaMm = PET_FWHM_MM / (2 * Math.sqrt(2 * Math.log(2)));
  const blurred = gaussianBlur(g, noisy, sigmaMm);
  for (let i = 0; i < blurred.length; i++) blurred[i] = max(0, blurred[i] * (1 + PET_NOISE_AFTER_BLUR * rng.normal()));
  return blurred;
}

/** Separable Gaussian blur (σ in mm, truncated at 3σ, renormalised at the edges). */
export function gaussianBlur(g: Geometry, data: Float32Array, sigmaMm: number): Float32Array {
  let current = data;
  const [nx, ny] = g.size;
  const stride = [1, nx, nx * ny];
  for (let axis = 0; axis < 3; axis++) {
    const sigma = sigmaMm / g.spacing[axis];
    const radius = Math.ceil(3 * sigma);
    if (radius < 1) continue;
    const kernel = new Float64Array(2 * radius + 1);
    for (let r = -radius; r <= radius; r++) kernel[r + radius] = Math.exp(-(r * r) / (2 * sigma * sigma));
    const next = new Float32Array(current.length);
    const n = g.size[axis];
    const step = stride[axis];
    const line = new Float64Array(n);
    // Every line along `axis` starts at an index whose coordinate on that axis is 0.
    for (let start = 0; start < current.length; start++) {
      if (floor(start / step) % n !== 0) continue;
      for (let p = 0; p < n; p++) line[p] = current[start + p * step];
      for (let p = 0; p < n; p++) {
        let sum = 0;
        let weight = 0;
        const from = max(-radius, -p);
        const to = min(radius, n - 1 - p);
        for (let r = from; r <= to; r++) {
          const w = kernel[r + radius];
          sum += w * line[p + r];
          weight += w;
        }
        next[start + p * step] = sum / weight;
      }
    }
    current = next;
  }
  return current;
}
