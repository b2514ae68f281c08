// `osteoflow extract --voxel-based --out-dir DIR`: one NIfTI map per feature (PyRadiomics' names) that reads back as
// the API's map, the ROI, diagnostics.csv, and usage errors for flags that do not go together.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { extractCommand } from '../../../../cli/extract';
import { parseCsv, readImage } from '../../../../radiomics';
import { extractVoxelBasedSync } from '../../../../radiomics/voxel/extract';

const FIXTURES = path.resolve(__dirname, '../../../fixtures/voxel');
const IMAGE = path.join(FIXTURES, 'brain1_crop_image.nrrd');
const MASK = path.join(FIXTURES, 'brain1_crop_label.nrrd');
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'osteoflow-voxel-cli-'));
  writeFileSync(
    path.join(dir, 'params.yaml'),
    'setting:\n  binWidth: 25\nvoxelSetting:\n  kernelRadius: 2\n  initValue: -5\nfeatureClass:\n  firstorder: [Mean]\n  ngtdm: [Coarseness]\n',
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = jest.spyOn(process.stdout, 'write').mockImplementation((s) => ((stdout += String(s)), true));
  const err = jest.spyOn(process.stderr, 'write').mockImplementation((s) => ((stderr += String(s)), true));
  try {
    return { code: await extractCommand.run(argv), stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

describe('osteoflow extract --voxel-based', () => {
  it('writes one NIfTI map per feature, the ROI and diagnostics.csv, with the parameter file’s voxelSetting', async () => {
    const out = path.join(dir, 'maps');
    const r = await run('--voxel-based', '--image', IMAGE, '--mask', MASK, '--params', path.join(dir, 'params.yaml'), '--out-dir', out);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['diagnostics.csv', 'original_firstorder_Mean.nii.gz', 'original_ngtdm_Coarseness.nii.gz', 'roi.nii.gz']);
    const api = extractVoxelBasedSync(IMAGE, MASK, path.join(dir, 'params.yaml'));
    const map = readImage(path.join(out, 'original_firstorder_Mean.nii.gz'));
    expect(map.geometry.size).toEqual(api.maps.original_firstorder_Mean.geometry.size);
    expect(Array.from(map.data)).toEqual(Array.from(api.maps.original_firstorder_Mean.data));
    const roi = readImage(path.join(out, 'roi.nii.gz'));
    // kernelRadius 2 pads the ROI's box by 2 voxels on each side; -5 outside the ROI.
    expect(map.data.filter((_, i) => !roi.data[i]).every((v) => v === -5)).toBe(true);
    const { header, rows } = parseCsv(readFileSync(path.join(out, 'diagnostics.csv'), 'utf8'), 'diagnostics.csv');
    expect(header).toEqual(['name', 'value']);
    const diag = Object.fromEntries(rows.map(([k, v]) => [k, v]));
    expect(diag.diagnostics_Versions_Engine).toMatch(/osteoflow/);
    expect(JSON.parse(diag.diagnostics_Configuration_VoxelSettings)).toEqual({ kernelRadius: 2, maskedKernel: true, initValue: -5, voxelBatch: null });
    expect(diag.diagnostics_Configuration_Ignored).toBeUndefined();
    expect(readdirSync(out).some((f) => f.startsWith('.tmp-'))).toBe(false);
  }, 60_000);

  it.each([
    [['--voxel-based', '--image', IMAGE, '--mask', MASK], /--voxel-based needs --out-dir/],
    [['--image', IMAGE, '--mask', MASK, '--out-dir', 'x'], /--out-dir is for --voxel-based/],
    [['--voxel-based', '--batch', 'cases.csv', '--out-dir', 'x'], /not --batch/],
    [['--voxel-based', '--image', IMAGE, '--mask', MASK, '--out-dir', 'x', '--format', 'csv'], /--format does not apply/],
  ])('usage error for %p', async (argv, message) => {
    const r = await run(...argv);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  it('exits 1 naming the setting for a kernelRadius of 0, and writes nothing', async () => {
    writeFileSync(path.join(dir, 'bad.yaml'), 'voxelSetting:\n  kernelRadius: 0\n');
    const out = path.join(dir, 'bad-maps');
    const r = await run('--voxel-based', '--image', IMAGE, '--mask', MASK, '--params', path.join(dir, 'bad.yaml'), '--out-dir', out);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/bad\.yaml.*voxelSetting\.kernelRadius/);
    expect(existsSync(out)).toBe(false);
  });
});
