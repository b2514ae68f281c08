// The segmentTumour contract (contracts/segmentation.schema.json), checked by both workers, and the small
// JSON Schema checker behind it and the sidecar.
import { contractProblems } from '../../../activities/segmentation/contractCheck';
import { checkSchema } from '../../../models/segmentation/jsonSchema';

const input = {
  contractVersion: 1,
  studyId: 'OS-2026-01',
  pseudonym: 'SYN-001',
  timepoint: 'baseline',
  images: [
    { modality: 'T1CE', path: '/store/SYN-001/baseline/T1CE.nii.gz', sha256: 'a'.repeat(64) },
    { modality: 'T2', path: '/store/SYN-001/baseline/T2.nii.gz', sha256: 'b'.repeat(64) },
  ],
  outDir: '/store/SYN-001/baseline',
};

const result = {
  contractVersion: 1,
  mask: { path: '/store/SYN-001/baseline/mask.auto.m-1.0.0.nii.gz', sha256: 'c'.repeat(64) },
  model: { name: 'osteoflow-tumour-unet3d', version: '1.0.0' },
  tumourVoxels: 2300,
  tumourMl: 15.5,
  device: 'cpu',
  precision: 'fp32',
  runtime: 'onnxruntime-node 1.30.0',
  windows: 4,
  passes: 4,
  timings: { totalMs: 2100, inferenceMs: 1900 },
  worker: 'host:123',
};

describe('segmentTumour contract', () => {
  it('accepts a well-formed input and result', () => {
    expect(contractProblems('input', input)).toBe('');
    expect(contractProblems('input', { ...input, model: 'osteoflow-tumour-unet3d@1.0.0', tta: true })).toBe('');
    expect(contractProblems('result', result)).toBe('');
    expect(
      contractProblems('result', { ...result, device: 'cuda:0', precision: 'fp16', runtime: 'torch 2.13.0', fallback: 'webgpu failed at run: …', tta: false }),
    ).toBe('');
  });

  it('names every field at fault', () => {
    const { outDir: _out, ...noOutDir } = input;
    expect(contractProblems('input', noOutDir)).toBe("'outDir' is missing");
    expect(contractProblems('input', { ...input, contractVersion: 2 })).toBe("'contractVersion' must be 1, got 2");
    expect(contractProblems('input', { ...input, images: [] })).toBe("'images' must have at least 1 item(s), got 0");
    expect(contractProblems('input', { ...input, images: [{ modality: 'T1CE', path: 'x' }] })).toBe("'images[0].sha256' is missing");
    expect(contractProblems('input', { ...input, model: 'Model X' })).toContain("'model' must match");
    expect(contractProblems('input', { ...input, extra: 1 })).toContain("'extra' is not allowed");
    expect(contractProblems('result', { ...result, tumourVoxels: 0 })).toBe("'tumourVoxels' must be ≥ 1, got 0");
    expect(contractProblems('result', { ...result, precision: 'int8' })).toBe('\'precision\' must be one of "fp32", "fp16", "bf16", got "int8"');
    expect(contractProblems('input', 'text')).toBe('\'(top level)\' must be an object, got "text"');
  });
});

describe('checkSchema', () => {
  it('refuses keywords it does not implement, so no check is silently skipped', () => {
    expect(() => checkSchema(1, { type: 'integer', multipleOf: 2 })).toThrow("schema keyword 'multipleOf' is not supported by this checker");
  });

  it('reports the branch of a oneOf that the value names by its discriminator', () => {
    const schema = {
      oneOf: [
        { type: 'object', required: ['kind'], properties: { kind: { const: 'a' } }, additionalProperties: false },
        { type: 'object', required: ['kind', 'n'], properties: { kind: { const: 'b' }, n: { type: 'integer' } }, additionalProperties: false },
      ],
    };
    expect(checkSchema({ kind: 'a' }, schema)).toEqual([]);
    expect(checkSchema({ kind: 'b', n: 'x' }, schema)).toEqual([{ path: 'n', message: 'must be an integer, got "x"' }]);
    expect(checkSchema({ kind: 'c' }, schema)[0].message).toContain('matches none of the allowed forms');
  });

  it('checks integers, bounds, patterns, unique items and $ref', () => {
    const schema = {
      $defs: { small: { type: 'integer', minimum: 0, exclusiveMaximum: 10 } },
      type: 'array',
      uniqueItems: true,
      items: { $ref: '#/$defs/small' },
    };
    expect(checkSchema([1, 2, 3], schema)).toEqual([]);
    expect(checkSchema([1, 1.5, 10, 1], schema).map((p) => `${p.path}: ${p.message}`)).toEqual([
      '[3]: repeats 1',
      '[1]: must be an integer, got 1.5',
      '[2]: must be < 10, got 10',
    ]);
    expect(checkSchema('abc', { type: 'string', pattern: '^[a-b]+$' })[0].message).toBe('must match ^[a-b]+$, got "abc"');
  });
});
