// QC rules on in-memory volumes: every reason code, produced by a case that triggers it and nothing else, and the
// study-file thresholds that move each rule's line.
import type { Volume } from '../../../imaging/image';
import { QC_REASON_CODES, QC_REASON_MEANINGS, type QcFinding } from '../../../contracts/qc';
import type { QcProfile } from '../../../contracts/study';
import { runQc, type QcInput } from '../../../qc/runQc';
import { IMAGE_RULES, MAP_RULES, MASK_RULES, SCAN_SET_RULES } from '../../../qc/rules';

type Size = [number, number, number];
const base = {
  size: [8, 8, 12] as Size,
  spacing: [2, 2, 3] as Size,
  origin: [0, 0, 0] as Size,
  direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] as Volume['geometry']['direction'],
};
const profile: QcProfile = { minSlices: 10, maxSpacingMm: 6, tumourVolumeMl: [0.05, 10] };

function vol(fill: (x: number, y: number, z: number) => number, geometry: Partial<Volume['geometry']> = {}, extra: object = {}): Volume {
  const g = { ...base, ...geometry };
  const data = new Float32Array(g.size[0] * g.size[1] * g.size[2]);
  for (let z = 0; z < g.size[2]; z++)
    for (let y = 0; y < g.size[1]; y++) for (let x = 0; x < g.size[0]; x++) data[x + g.size[0] * (y + g.size[1] * z)] = fill(x, y, z);
  return { geometry: g, data, ...extra };
}

const texture = (x: number, y: number, z: number) => 100 + ((x * 7 + y * 13 + z * 5) % 17);
/** 27 voxels × 12 mm³ = 0.324 ml. */
const cube = (x: number, y: number, z: number) => (x >= 2 && x < 5 && y >= 2 && y < 5 && z >= 3 && z < 6 ? 1 : 0);

/** Runs QC on volumes held in memory, by path; a path not held cannot be read. */
function qc(files: Record<string, Volume>, input: Partial<QcInput> & { images: QcInput['images'] }) {
  const read = (p: string): Volume => {
    if (!files[p]) throw new Error(`${p}: not found`);
    return files[p];
  };
  return runQc({ requiredModalities: [], profile, segmentation: 'automatic-allowed', ...input }, read);
}

const T1 = { modality: 'T1CE', path: 't1', sha256: 'a' };
const good = { t1: vol(texture), mask: vol(cube) };
const withMask = { mask: { path: 'mask' }, segmentation: 'manual-required' as const };

const cases: [string, Record<string, Volume>, Partial<QcInput> & { images: QcInput['images'] }, QcFinding[]][] = [
  [
    'modality-missing',
    good,
    { images: [T1], requiredModalities: ['T1CE', 'T2'] },
    [{ code: 'modality-missing', modality: 'T2', message: 'T2: required modality missing' }],
  ],
  [
    'duplicate-image',
    good,
    { images: [T1, { modality: 'FLAIR', path: 't1', sha256: 'a' }] },
    [{ code: 'duplicate-image', modality: 'FLAIR', message: 'FLAIR: byte-identical to T1CE (wrong modality filed?)' }],
  ],
  [
    'unreadable',
    good,
    { images: [T1, { modality: 'PET', path: 'pet', sha256: 'b' }] },
    [{ code: 'unreadable', modality: 'PET', message: 'PET: unreadable (pet: not found)' }],
  ],
  [
    'spacing-invalid',
    { t1: vol(texture, { spacing: [2, 2, 0] }) },
    { images: [T1] },
    [{ code: 'spacing-invalid', modality: 'T1CE', message: 'T1CE: spacing 2×2×0 mm is not positive' }],
  ],
  [
    'spacing-too-coarse',
    { t1: vol(texture, { spacing: [2, 2, 8] }) },
    { images: [T1] },
    [{ code: 'spacing-too-coarse', modality: 'T1CE', message: 'T1CE: spacing 2.00×2.00×8.00 mm exceeds 6 mm' }],
  ],
  [
    'too-few-slices',
    { t1: vol(texture, { size: [8, 8, 6] }) },
    { images: [T1] },
    [{ code: 'too-few-slices', modality: 'T1CE', message: 'T1CE: 6 slices, fewer than 10' }],
  ],
  [
    'non-finite-voxels',
    { t1: vol((x, y, z) => (x === 3 && z === 4 ? (y === 0 ? Number.NaN : y === 1 ? Infinity : texture(x, y, z)) : texture(x, y, z))) },
    { images: [T1] },
    [{ code: 'non-finite-voxels', modality: 'T1CE', message: 'T1CE: 2 voxels are NaN or infinite' }],
  ],
  [
    'constant-image',
    { t1: vol(() => 3) },
    { images: [T1] },
    [{ code: 'constant-image', modality: 'T1CE', message: 'T1CE: every voxel has the same value (3)' }],
  ],
  [
    'missing-slice',
    { t1: vol((x, y, z) => (z === 3 || z === 6 ? 0 : texture(x, y, z))) },
    { images: [T1] },
    [{ code: 'missing-slice', modality: 'T1CE', message: 'T1CE: slices 3, 6 blank between non-blank neighbours (missing slice)' }],
  ],
  [
    'modality-tag-mismatch',
    { t1: vol(texture, {}, { modality: 'MR' }) },
    { images: [{ ...T1, modality: 'PET' }] },
    [{ code: 'modality-tag-mismatch', modality: 'PET', message: 'PET: DICOM Modality is MR, expected PT' }],
  ],
  [
    'mask-missing',
    good,
    { images: [T1], segmentation: 'manual-required' },
    [{ code: 'mask-missing', modality: 'mask', message: 'no manual mask and no segmentation model for this study' }],
  ],
  [
    'mask-unreadable',
    { t1: good.t1 },
    { images: [T1], ...withMask },
    [{ code: 'mask-unreadable', modality: 'mask', message: 'mask: unreadable (mask: not found)' }],
  ],
  [
    'mask-empty',
    { t1: good.t1, mask: vol(() => 0) },
    { images: [T1], ...withMask },
    [{ code: 'mask-empty', modality: 'mask', message: 'mask: empty (no tumour voxel)' }],
  ],
  [
    'mask-size-mismatch',
    { t1: good.t1, mask: vol(cube, { size: [8, 8, 14] }) },
    { images: [T1], ...withMask },
    [{ code: 'mask-size-mismatch', modality: 'T1CE', message: "mask: size 8×8×14 differs from the T1CE image's 8×8×12" }],
  ],
  [
    'mask-grid-mismatch',
    { t1: good.t1, mask: vol(cube, { origin: [0.1, 0, 0] }) },
    { images: [T1], ...withMask },
    [
      {
        code: 'mask-grid-mismatch',
        modality: 'T1CE',
        message: 'mask: geometry (origin/spacing) does not match the T1CE image: it is not inside the image grid',
      },
    ],
  ],
  [
    'mask-direction-mismatch',
    // The mask's x axis flipped: the same grid size and origin, mirrored in space.
    { t1: good.t1, mask: vol(cube, { direction: [-1, 0, 0, 0, 1, 0, 0, 0, 1] }) },
    { images: [T1], ...withMask },
    [
      {
        code: 'mask-direction-mismatch',
        modality: 'T1CE',
        message: "mask: axis directions differ from the T1CE image's (largest cosine difference 2.00; a flipped or transposed mask?)",
      },
    ],
  ],
  [
    'contour-missing',
    // T1CE has its own contour; PET has none and there is no shared mask.
    { t1: good.t1, pet: vol(texture), t1mask: vol(cube) },
    { images: [T1, { modality: 'PET', path: 'pet', sha256: 'b' }], contours: [{ for: 'T1CE', path: 't1mask' }], segmentation: 'manual-required' },
    [{ code: 'contour-missing', modality: 'PET', message: 'PET: no contour (no mask registered for PET and no shared mask; register one with --for PET)' }],
  ],
  [
    'contour-unusable',
    good,
    {
      images: [T1],
      contours: [{ for: 'T1CE', path: '', unusable: "file RS.dcm, field 'ROIName (3006,0026)': no ROI named 'GTV'" }],
      segmentation: 'manual-required',
    },
    [
      {
        code: 'contour-unusable',
        modality: 'T1CE',
        message: "T1CE mask: unusable (file RS.dcm, field 'ROIName (3006,0026)': no ROI named 'GTV')",
      },
    ],
  ],
  [
    'tumour-volume-implausible',
    good,
    { images: [T1], ...withMask, profile: { ...profile, tumourVolumeMl: [0.5, 10] } },
    [{ code: 'tumour-volume-implausible', modality: 'mask', message: 'mask: tumour volume 0.32 ml outside the plausible 0.5–10 ml' }],
  ],
  [
    'map-underivable',
    good,
    { images: [T1], maps: [{ modality: 'ADC', from: 'DWI', unusable: "file dwi, field 'b-values': 4 b-values given for 1 volume" }] },
    [{ code: 'map-underivable', modality: 'ADC', message: "ADC: cannot be computed from DWI (file dwi, field 'b-values': 4 b-values given for 1 volume)" }],
  ],
  [
    'map-fit-failures',
    good,
    // 20 failed, 5 of them out of range: 15 % gave no estimate (over the default 10 %), 5 % out of range (under it).
    { images: [T1], maps: [{ modality: 'ADC', from: 'DWI', fit: { voxels: 100, failed: 20, outOfRange: 5, within: 'contour' } }] },
    [{ code: 'map-fit-failures', modality: 'ADC', message: 'ADC: 15.0 % of 100 voxels in its contour failed to fit (at most 10.0 %)' }],
  ],
  [
    'map-out-of-range',
    good,
    { images: [T1], maps: [{ modality: 'DCE_Ktrans', from: 'DCE', fit: { voxels: 200, failed: 24, outOfRange: 24, within: 'grid' } }] },
    [
      {
        code: 'map-out-of-range',
        modality: 'DCE_Ktrans',
        message: 'DCE_Ktrans: 12.0 % of 200 voxels of the image fitted outside the accepted range (at most 10.0 %)',
      },
    ],
  ],
];

describe('QC reason codes', () => {
  it('are the stable list, each with a one-line meaning', () => {
    expect(QC_REASON_CODES).toEqual([
      'modality-missing',
      'duplicate-image',
      'unreadable',
      'spacing-invalid',
      'spacing-too-coarse',
      'too-few-slices',
      'non-finite-voxels',
      'constant-image',
      'missing-slice',
      'modality-tag-mismatch',
      'mask-missing',
      'contour-missing',
      'mask-unreadable',
      'contour-unusable',
      'mask-empty',
      'mask-size-mismatch',
      'mask-grid-mismatch',
      'mask-direction-mismatch',
      'tumour-volume-implausible',
      'map-underivable',
      'map-fit-failures',
      'map-out-of-range',
    ]);
    for (const code of QC_REASON_CODES) expect(QC_REASON_MEANINGS[code]).toMatch(/^[a-z].*[^.\n]$/);
    expect(Object.keys(QC_REASON_MEANINGS).sort()).toEqual([...QC_REASON_CODES].sort());
  });

  it('are each claimed by exactly one rule, and every one has a case below', () => {
    const claimed = [...SCAN_SET_RULES, ...IMAGE_RULES, ...MASK_RULES, ...MAP_RULES].flatMap((r) => r.codes);
    expect([...claimed].sort()).toEqual([...QC_REASON_CODES].sort());
    expect(cases.map(([code]) => code).sort()).toEqual([...QC_REASON_CODES].sort());
  });

  it('reads a mask with NaN voxels as unreadable (extraction would refuse it)', () => {
    const mask = vol((x, y, z) => (x === 1 && y === 2 && z === 3 ? NaN : cube(x, y, z)));
    expect(qc({ t1: good.t1, mask }, { images: [T1], ...withMask }).findings).toEqual([
      {
        code: 'mask-unreadable',
        modality: 'mask',
        message:
          "mask: unreadable (file mask, field 'mask': 1 voxel(s) of the mask are NaN or infinite, the first at index (1, 2, 3) (expected finite label values))",
      },
    ]);
  });

  it('passes the same scan set with nothing wrong', () => {
    expect(qc(good, { images: [T1], requiredModalities: ['T1CE'], ...withMask })).toEqual({ passed: true, reasons: [], findings: [] });
  });

  it.each(cases)('%s: produced by the case that triggers it, and nothing else', (_code, files, input, expected) => {
    const result = qc(files, input);
    expect(result.findings).toEqual(expected);
    expect(result.reasons).toEqual(expected.map((f) => f.message));
    expect(result.passed).toBe(false);
  });

  it('reports in rule order: scan set, then each image in turn, then the mask', () => {
    const files = { t1: vol(texture, { size: [8, 8, 6] }), t2: vol(() => 3, { size: [8, 8, 6] }), mask: vol(() => 0) };
    const result = qc(files, {
      images: [T1, { modality: 'T2', path: 't2', sha256: 'b' }, { modality: 'ADC', path: 't1', sha256: 'a' }],
      requiredModalities: ['PET'],
      ...withMask,
    });
    expect(result.findings.map((f) => [f.code, f.modality])).toEqual([
      ['modality-missing', 'PET'],
      ['duplicate-image', 'ADC'],
      ['too-few-slices', 'T1CE'],
      ['too-few-slices', 'T2'],
      ['constant-image', 'T2'],
      ['too-few-slices', 'ADC'],
      ['mask-empty', 'mask'],
    ]);
  });

  it('does not call a slice blank when its first voxel is NaN but it holds finite voxels', () => {
    const t1 = vol((x, y, z) => (z === 5 ? (x === 0 && y === 0 ? Number.NaN : 0) : texture(x, y, z)));
    expect(qc({ t1 }, { images: [T1] }).findings.map((f) => f.code)).toEqual(['non-finite-voxels']);
  });
});

describe('QC thresholds from the study file', () => {
  const run = (files: Record<string, Volume>, extra: Partial<QcProfile>, input: Partial<QcInput> = {}) =>
    qc(files, { images: [T1], ...input, profile: { ...profile, ...extra } }).findings.map((f) => f.code);

  it('constantImageMaxRange: an image spanning less than it is constant', () => {
    const t1 = vol((x) => 100 + (x % 2) * 0.5);
    expect(run({ t1 }, {})).toEqual([]);
    expect(run({ t1 }, { constantImageMaxRange: 0.4 })).toEqual([]);
    const result = qc({ t1 }, { images: [T1], profile: { ...profile, constantImageMaxRange: 0.5 } });
    expect(result.findings).toEqual([
      { code: 'constant-image', modality: 'T1CE', message: 'T1CE: every voxel lies between 100 and 100.5 (near-constant image)' },
    ]);
  });

  it("mapFitFailureMaxFraction and mapOutOfRangeMaxFraction: the share of a map's voxels that may fail", () => {
    const maps = [{ modality: 'ADC', from: 'DWI', fit: { voxels: 100, failed: 20, outOfRange: 5, within: 'contour' as const } }];
    expect(run(good, {}, { maps })).toEqual(['map-fit-failures']);
    expect(run(good, { mapFitFailureMaxFraction: 0.15 }, { maps })).toEqual([]);
    expect(run(good, { mapFitFailureMaxFraction: 0.15, mapOutOfRangeMaxFraction: 0.04 }, { maps })).toEqual(['map-out-of-range']);
  });

  it('blankSliceMaxRange: a slice spanning less than it is blank', () => {
    const t1 = vol((x, y, z) => (z === 6 ? (x + y) % 2 : texture(x, y, z)));
    expect(run({ t1 }, {})).toEqual([]);
    expect(run({ t1 }, { blankSliceMaxRange: 0.5 })).toEqual([]);
    expect(run({ t1 }, { blankSliceMaxRange: 1 })).toEqual(['missing-slice']);
  });

  it('maskOriginTolerance: an origin offset, as a fraction of the image spacing', () => {
    // 0.1 mm off along x with 2 mm voxels: 0.05 of a voxel.
    const files = { t1: good.t1, mask: vol(cube, { origin: [0.1, 0, 0] }) };
    expect(run(files, {}, withMask)).toEqual(['mask-grid-mismatch']);
    expect(run(files, { maskOriginTolerance: 0.04 }, withMask)).toEqual(['mask-grid-mismatch']);
    expect(run(files, { maskOriginTolerance: 0.05 }, withMask)).toEqual([]);
    // 0.01 mm off is within the default (0.01 × 2 mm).
    expect(run({ t1: good.t1, mask: vol(cube, { origin: [0.01, 0, 0] }) }, {}, withMask)).toEqual([]);
  });

  it('maskSpacingTolerance: a spacing difference, as a fraction of the image spacing', () => {
    // 2.01 mm against 2 mm: 0.005 of the spacing.
    const files = { t1: good.t1, mask: vol(cube, { spacing: [2.01, 2, 3] }) };
    expect(run(files, {}, withMask)).toEqual(['mask-grid-mismatch']);
    expect(run(files, { maskSpacingTolerance: 0.004 }, withMask)).toEqual(['mask-grid-mismatch']);
    expect(run(files, { maskSpacingTolerance: 0.006 }, withMask)).toEqual([]);
    expect(run({ t1: good.t1, mask: vol(cube, { spacing: [2.001, 2, 3] }) }, {}, withMask)).toEqual([]);
  });

  it('maskDirectionTolerance: the largest difference of direction cosines', () => {
    // A mask rotated by 0.001 rad about z: cosines differ by up to 0.001.
    const c = Math.cos(0.001);
    const s = Math.sin(0.001);
    const files = { t1: good.t1, mask: vol(cube, { direction: [c, -s, 0, s, c, 0, 0, 0, 1] }) };
    expect(run(files, {}, withMask)).toEqual(['mask-direction-mismatch']);
    expect(run(files, { maskDirectionTolerance: 0.0009 }, withMask)).toEqual(['mask-direction-mismatch']);
    expect(run(files, { maskDirectionTolerance: 0.0011 }, withMask)).toEqual([]);
  });

  it('minSlices, maxSpacingMm and tumourVolumeMl move their rules too', () => {
    expect(run(good, { minSlices: 13 })).toEqual(['too-few-slices']);
    expect(run(good, { minSlices: 12 })).toEqual([]);
    expect(run(good, { maxSpacingMm: 2.9 })).toEqual(['spacing-too-coarse']);
    expect(run(good, { tumourVolumeMl: [0.05, 0.3] }, withMask)).toEqual(['tumour-volume-implausible']);
    expect(run(good, { tumourVolumeMl: [0.05, 0.33] }, withMask)).toEqual([]);
  });
});
