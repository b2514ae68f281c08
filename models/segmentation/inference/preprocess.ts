// From images to the network's input: every channel onto the first channel's grid (linear), that grid onto the model's
// spacing (linear, same physical extent, centred), then each channel normalised as the sidecar says (nnU-Net's
// ZScoreNormalization for MR, CTNormalization for CT). The result is one Float32Array [C, z, y, x].
import type { Geometry, Volume } from '../../../imaging/image';
import { sameGeometry } from '../../../imaging/image';
import { resampleVolume } from '../../../imaging/resample';
import { SegmentationInputError } from '../errors';
import type { Normalisation, Sidecar, Vec3 } from '../sidecar';

export interface ModelInput {
  /** [C, z, y, x], x fastest: each channel block is laid out as a Volume's data. */
  data: Float32Array;
  channels: number;
  /** The model grid (the model's spacing over the first image's extent). */
  geometry: Geometry;
}

/** Relative spacing difference under which an image is taken to be on the model's grid already. */
const SAME_SPACING = 1e-3;

/** The grid with `spacing` covering the same physical box as `g` (centres aligned, direction kept). */
export function gridWithSpacing(g: Geometry, spacing: Vec3): Geometry {
  const size = g.size.map((n, i) => Math.max(1, Math.round((n * g.spacing[i]) / spacing[i]))) as Vec3;
  // The box's centre, in voxel units of g: (n − 1) / 2; the new origin sits (size' − 1) / 2 new voxels before it.
  const shift = [0, 1, 2].map((i) => ((g.size[i] - 1) * g.spacing[i]) / 2 - ((size[i] - 1) * spacing[i]) / 2);
  const d = g.direction;
  const origin = [0, 1, 2].map((r) => g.origin[r] + d[3 * r] * shift[0] + d[3 * r + 1] * shift[1] + d[3 * r + 2] * shift[2]) as Vec3;
  return { size, spacing: [...spacing] as Vec3, origin, direction: [...d] as Geometry['direction'] };
}

export function onModelSpacing(g: Geometry, spacing: Vec3): boolean {
  return g.spacing.every((s, i) => Math.abs(s - spacing[i]) <= SAME_SPACING * spacing[i]);
}

function asFloat(volume: Volume): Volume<Float32Array> {
  return volume.data instanceof Float32Array ? (volume as Volume<Float32Array>) : { ...volume, data: Float32Array.from(volume.data) };
}

/**
 * The network input for `volumes`, given in the order of the sidecar's channels. Throws SegmentationInputError when
 * there are fewer volumes than channels or the image is smaller than the patch on the model's grid.
 */
export function prepareInput(volumes: Volume[], sidecar: Sidecar): ModelInput {
  const channels = sidecar.input.channels;
  if (volumes.length < channels.length) {
    throw new SegmentationInputError(
      `the model needs ${channels.length} channel(s) (${channels.map((c) => c.modality).join(', ')}), ${volumes.length} image(s) given`,
      {
        field: 'images',
        expected: `one image per channel, in the order ${channels.map((c) => c.modality).join(', ')}`,
      },
    );
  }
  if (volumes.length > channels.length) {
    throw new SegmentationInputError(
      `the model takes ${channels.length} channel(s) (${channels.map((c) => c.modality).join(', ')}), ${volumes.length} images given`,
      { field: 'images' },
    );
  }
  const reference = volumes[0].geometry;
  const target = onModelSpacing(reference, sidecar.input.spacingMm) ? reference : gridWithSpacing(reference, sidecar.input.spacingMm);
  const patch = sidecar.input.patchSize;
  const small = [0, 1, 2].filter((i) => target.size[i] < patch[i]);
  if (small.length) {
    throw new SegmentationInputError(
      `image ${volumes[0].source ?? '(in memory)'} is ${target.size.join('×')} voxels on the model's ${sidecar.input.spacingMm.join('×')} mm grid, smaller than the ${patch.join('×')} patch along ${small.map((i) => 'xyz'[i]).join(', ')}`,
      {
        file: volumes[0].source,
        field: 'size',
        expected: `at least ${patch.map((p, i) => (p * sidecar.input.spacingMm[i]).toFixed(0)).join(' × ')} mm (the patch)`,
      },
    );
  }
  const n = target.size[0] * target.size[1] * target.size[2];
  const data = new Float32Array(channels.length * n);
  volumes.forEach((volume, c) => {
    // Other channels are taken to be co-registered with the first: brought onto its grid when theirs differs.
    const onReference = c === 0 || sameGeometry(volume.geometry, reference) ? volume : resampleVolume(asFloat(volume), reference, 'sitkLinear');
    const onTarget = target === reference ? onReference : resampleVolume(asFloat(onReference), target, 'sitkLinear');
    const block = data.subarray(c * n, (c + 1) * n);
    for (let i = 0; i < n; i++) block[i] = onTarget.data[i];
    normalise(block, channels[c].normalisation);
  });
  return { data, channels: channels.length, geometry: target };
}

/** In place. z-score: over every voxel of the image, as nnU-Net's ZScoreNormalization without a foreground mask. */
export function normalise(values: Float32Array, scheme: Normalisation): void {
  if (scheme.scheme === 'zscore') {
    let sum = 0;
    for (let i = 0; i < values.length; i++) sum += values[i];
    const mean = sum / values.length;
    let squares = 0;
    for (let i = 0; i < values.length; i++) squares += (values[i] - mean) ** 2;
    const sd = Math.max(Math.sqrt(squares / values.length), 1e-8);
    for (let i = 0; i < values.length; i++) values[i] = (values[i] - mean) / sd;
    return;
  }
  const [lo, hi] = scheme.clip;
  for (let i = 0; i < values.length; i++) values[i] = (Math.min(hi, Math.max(lo, values[i])) - scheme.mean) / scheme.sd;
}
