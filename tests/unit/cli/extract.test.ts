// `osteoflow extract`: argument handling (exit 2 + usage), bad input (exit 1 naming file/field), single and batch
// output in JSON and CSV, checked on volumes written to a temporary folder.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { extractCommand, parseExtractArgs } from '../../../cli/extract';
import { extractSync, parseCsv } from '../../../radiomics';
import { writeNifti } from '../../../imaging/io';
import { boxMask, grid, volumeOf } from '../radiomics/extractor/support';

let dir: string;
const g = grid([10, 10, 10]);

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'osteoflow-cli-'));
  writeNifti(
    path.join(dir, 'image.nii.gz'),
    volumeOf(Int16Array, g, (x) => 10 * x),
  );
  writeNifti(
    path.join(dir, 'mask.nii.gz'),
    volumeOf(Uint8Array, g, (x, y, z) => (y >= 2 && y <= 6 && z >= 2 && z <= 6 ? (x <= 4 ? 1 : 2) : 0)),
  );
  writeNifti(path.join(dir, 'empty.nii.gz'), boxMask(g, [0, 0, 0], [-1, -1, -1]));
  writeFileSync(path.join(dir, 'params.yaml'), 'setting:\n  binWidth: 10\nfeatureClass:\n  firstorder: [Mean, Maximum]\n');
  writeFileSync(path.join(dir, 'bad.yaml'), 'setting:\n  binWidth: wide\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = jest.spyOn(process.stdout, 'write').mockImplementation((s) => ((stdout += String(s)), true));
  const err = jest.spyOn(process.stderr, 'write').mockImplementation((s) => ((stderr += String(s)), true));
  try {
    const code = await extractCommand.run(argv);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

const f = (name: string) => path.join(dir, name);

describe('osteoflow extract: one case', () => {
  it('prints one JSON object with the features and the diagnostics_* entries', async () => {
    const r = await run('--image', f('image.nii.gz'), '--mask', f('mask.nii.gz'), '--params', f('params.yaml'));
    expect(r.code).toBe(0);
    const row = JSON.parse(r.stdout);
    expect(row.original_firstorder_Mean).toBe(20); // x = 0..4, intensity 10·x
    expect(row.original_firstorder_Maximum).toBe(40);
    expect(row.diagnostics_Versions_Engine).toMatch(/^osteoflow-radiomics /);
    expect(row.diagnostics_Configuration_ParamsHash).toMatch(/^[0-9a-f]{64}$/);
    expect(row['diagnostics_Image-original_Hash']).toMatch(/^[0-9a-f]{64}$/);
    expect(row['diagnostics_Mask-original_Hash']).toMatch(/^[0-9a-f]{64}$/);
  });

  it('--label picks the label; --format csv prints a header and one row', async () => {
    const r = await run('--image', f('image.nii.gz'), '--mask', f('mask.nii.gz'), '--params', f('params.yaml'), '--label', '2', '--format', 'csv');
    expect(r.code).toBe(0);
    const { header, rows } = parseCsv(r.stdout);
    expect(rows).toHaveLength(1);
    expect(Number(rows[0][header.indexOf('original_firstorder_Mean')])).toBe(70); // x = 5..9
    expect(JSON.parse(rows[0][header.indexOf('diagnostics_Configuration_Settings')]).label).toBe(2);
  });

  it('runs PyRadiomics defaults without --params (all 3D classes)', async () => {
    const r = await run('--image', f('image.nii.gz'), '--mask', f('mask.nii.gz'));
    expect(r.code).toBe(0);
    expect(Object.keys(JSON.parse(r.stdout)).filter((k) => k.startsWith('original_'))).toHaveLength(107);
  });
});

describe('osteoflow extract: batch', () => {
  beforeAll(() => {
    writeFileSync(f('cases.csv'), 'ID,Image,Mask,Label\nleft,image.nii.gz,mask.nii.gz,1\nright,image.nii.gz,mask.nii.gz,2\n');
    writeFileSync(f('partly-bad.csv'), 'ID,Image,Mask\ngood,image.nii.gz,mask.nii.gz\nempty,image.nii.gz,empty.nii.gz\n');
  });

  it('one CSV row per case, the input columns first, paths relative to the CSV', async () => {
    const r = await run('--batch', f('cases.csv'), '--params', f('params.yaml'), '--format', 'csv');
    expect(r.code).toBe(0);
    const { header, rows } = parseCsv(r.stdout);
    expect(header.slice(0, 4)).toEqual(['ID', 'Image', 'Mask', 'Label']);
    expect(rows.map((row) => [row[0], Number(row[header.indexOf('original_firstorder_Mean')])])).toEqual([
      ['left', 20],
      ['right', 70],
    ]);
  });

  it('JSON lines by default; a failing case is reported by ID, the others still run, exit 1', async () => {
    const r = await run('--batch', f('partly-bad.csv'), '--params', f('params.yaml'));
    expect(r.code).toBe(1);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.ID)).toEqual(['good']);
    expect(r.stderr).toMatch(/empty: .*empty\.nii\.gz.*nothing is segmented/);
    expect(r.stderr).toMatch(/1 of 2 case\(s\) failed/);
  });

  it('with filters, cases run side by side on worker threads: rows in the CSV order, the features of extractSync, a failing case reported', async () => {
    writeFileSync(
      f('filters.yaml'),
      'imageType:\n  Original: {}\n  LoG:\n    sigma: [1.0, 2.0]\nsetting:\n  binWidth: 10\nfeatureClass:\n  firstorder: [Mean, Maximum]\n  glcm: [Contrast]\n',
    );
    writeFileSync(
      f('filtered.csv'),
      'ID,Image,Mask,Label\nleft,image.nii.gz,mask.nii.gz,1\nnone,image.nii.gz,empty.nii.gz,1\nright,image.nii.gz,mask.nii.gz,2\nleft2,image.nii.gz,mask.nii.gz,1\n',
    );
    const r = await run('--batch', f('filtered.csv'), '--params', f('filters.yaml'));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/none: .*empty\.nii\.gz.*nothing is segmented/);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => l.ID)).toEqual(['left', 'right', 'left2']);
    for (const [line, label] of [
      [lines[0], 1],
      [lines[1], 2],
      [lines[2], 1],
    ] as const) {
      const want = extractSync(f('image.nii.gz'), f('mask.nii.gz'), f('filters.yaml'), { label });
      const got = Object.fromEntries(Object.keys(want.features).map((k) => [k, line[k]]));
      expect(Object.keys(want.features)).toContain('log-sigma-2-0-mm-3D_glcm_Contrast');
      expect(got).toEqual(want.features);
    }
  });

  it('a batch file without the Mask column is refused naming the file', async () => {
    writeFileSync(f('nomask.csv'), 'Image\nimage.nii.gz\n');
    const r = await run('--batch', f('nomask.csv'));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/nomask\.csv.*missing column Mask/);
  });

  it('a bad Label cell names its line', async () => {
    writeFileSync(f('badlabel.csv'), 'Image,Mask,Label\nimage.nii.gz,mask.nii.gz,one\n');
    const r = await run('--batch', f('badlabel.csv'));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/field 'Label \(line 2\)'/);
  });
});

describe('osteoflow extract: errors', () => {
  it.each([
    [[], '--image and --mask are required (or --batch)'],
    [['--image', 'a.nii'], '--image and --mask are required (or --batch)'],
    [['--image', 'a.nii', '--mask', 'b.nii', '--label', 'x'], "--label must be a positive integer, got 'x'"],
    [['--image', 'a.nii', '--mask', 'b.nii', '--label', '0'], "--label must be a positive integer, got '0'"],
    [['--image', 'a.nii', '--mask', 'b.nii', '--format', 'xml'], "--format must be json or csv, got 'xml'"],
    [
      ['--image', 'a.nii', '--mask', 'b.nii', '--verbose'],
      "unknown argument '--verbose' (expected one of: --image, --mask, --params, --label, --format, --batch, --roi, --spacing, --voxel-based, --out-dir)",
    ],
    [['--image', 'a.nii', '--image', 'b.nii', '--mask', 'c.nii'], '--image given twice'],
    [['--image'], '--image needs a value'],
    [['--image=', '--mask', 'b.nii'], '--image needs a value'],
    [['--batch', 'c.csv', '--image', 'a.nii'], '--batch takes images, masks and labels from the CSV; do not combine it with --image, --mask or --label'],
  ])('bad arguments %j → usage, exit 2', async (argv, message) => {
    const r = await run(...argv);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe(`osteoflow extract: ${message}`);
    expect(r.stderr).toMatch(/usage: osteoflow extract/);
    expect(r.stdout).toBe('');
  });

  it('--help prints usage and exits 0', async () => {
    const r = await run('--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/usage: osteoflow extract/);
  });

  it('accepts --flag=value', () => {
    expect(parseExtractArgs(['--image=a.nii', '--mask=b.nii', '--label=3'])).toMatchObject({ image: 'a.nii', mask: 'b.nii', label: 3 });
  });

  it.each([
    [['--image', 'missing.nii.gz', '--mask', 'mask.nii.gz'], /missing\.nii\.gz.*not found/],
    [['--image', 'image.nii.gz', '--mask', 'empty.nii.gz'], /empty\.nii\.gz.*nothing is segmented/],
    [['--image', 'image.nii.gz', '--mask', 'mask.nii.gz', '--label', '5'], /field 'label'.*Label \(5\) not present/],
    [['--image', 'image.nii.gz', '--mask', 'mask.nii.gz', '--params', 'bad.yaml'], /bad\.yaml, field 'setting\.binWidth'.*expected a number > 0/],
    [['--image', 'image.nii.gz', '--mask', 'mask.nii.gz', '--params', 'none.yaml'], /none\.yaml, field 'params'/],
  ])('bad input %j → message naming file and field, exit 1', async (argv, message) => {
    const r = await run(...argv.map((a) => (a.includes('.') ? f(a) : a)));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(message);
  });
});

describe('the osteoflow binary', () => {
  const bin = path.resolve(__dirname, '../../../bin/osteoflow.js');

  it('registers extract: help exits 0, bad arguments exit 2, a real case prints JSON', () => {
    const help = spawnSync(process.execPath, [bin, 'extract', '--help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/usage: osteoflow extract/);
    const bad = spawnSync(process.execPath, [bin, 'extract', '--image'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    const ok = spawnSync(process.execPath, [bin, 'extract', '--image', f('image.nii.gz'), '--mask', f('mask.nii.gz'), '--params', f('params.yaml')], {
      encoding: 'utf8',
    });
    expect(ok.status).toBe(0);
    expect(JSON.parse(ok.stdout).original_firstorder_Mean).toBe(20);
  }, 30_000);
});
