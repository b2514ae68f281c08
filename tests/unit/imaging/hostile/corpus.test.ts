// Every case of the hostile-input corpus through readImage: a RadiomicsInputError with a one-line message naming the
// file and the field, nothing of the planted secret in it, within a time bound, and for the bombs no memory growth.
// Then two bombs through the real CLI in a child process, whose peak memory is measured.
import { spawnSync } from 'node:child_process';
import { createReadStream, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createGunzip, deflateRawSync, gzipSync } from 'node:zlib';
import { readImage } from '../../../../imaging/io';
import { RadiomicsInputError } from '../../../../imaging/errors';
import { buildNifti } from '../io/support/niftiBuilder';
import { writeDicomSlice } from '../io/support/dicomWriter';
import { makeCorpus, SECRET } from './makeCorpus';

const root = mkdtempSync(path.join(os.tmpdir(), 'osteoflow-hostile-'));
const corpus = makeCorpus(root);
const byName = new Map(corpus.cases.map((c) => [c.name, c]));

/** Each case must be refused within this (wall clock, in-process; the CLI runs below bound whole processes). */
const CASE_BOUND_MS = 5000;
/** jest's own limit per case (it cannot interrupt synchronous code, hence the measured bound above as well). */
const CASE_TIMEOUT_MS = 30_000;
/** A bomb may not raise this process's peak RSS by more than this (an uncapped one adds gigabytes). */
const BOMB_PEAK_GROWTH_KIB = 256 * 1024;

beforeAll(() => corpus.write(), 120_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('hostile inputs through readImage', () => {
  it('covers at least 20 cases', () => {
    expect(corpus.cases.length).toBeGreaterThanOrEqual(20);
  });

  it.each([...byName.keys()])(
    '%s',
    (name) => {
      const c = byName.get(name)!;
      const peakBefore = process.resourceUsage().maxRSS;
      const start = performance.now();
      let caught: unknown;
      try {
        readImage(c.input, c.options);
      } catch (err) {
        caught = err;
      }
      const elapsed = performance.now() - start;
      expect(caught).toBeInstanceOf(RadiomicsInputError);
      const err = caught as RadiomicsInputError;
      const file = c.file ?? c.input;
      expect({ file: err.file, field: err.field }).toEqual({ file, field: c.field });
      expect(err.message).toContain(`file ${file}, field '${c.field}': `);
      expect(err.expected).toBeTruthy();
      expect(err.message).not.toMatch(/[\r\n]/);
      expect(err.message).not.toContain('root:x:0:0');
      expect(err.message).not.toContain(SECRET.slice(11));
      expect(elapsed).toBeLessThan(CASE_BOUND_MS);
      if (c.bomb) expect(process.resourceUsage().maxRSS - peakBefore).toBeLessThan(BOMB_PEAK_GROWTH_KIB);
    },
    CASE_TIMEOUT_MS,
  );

  it('the bombs are real: the nii.gz bomb inflates past 900 MiB when nothing caps it', async () => {
    let total = 0;
    await new Promise<void>((resolve, reject) => {
      const stream = createReadStream(byName.get('nii.gz bomb')!.input).pipe(createGunzip());
      stream.on('data', (chunk: Buffer) => {
        total += chunk.length;
        if (total > 900 * 2 ** 20) {
          stream.destroy();
          resolve();
        }
      });
      stream.on('end', resolve);
      stream.on('error', reject);
    });
    expect(total).toBeGreaterThan(900 * 2 ** 20);
  }, 60_000);
});

describe('valid inputs next to the hostile ones still read', () => {
  const dir = path.join(root, 'valid');
  const at = (name: string) => path.join(dir, name);
  const values = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
  const int16 = Buffer.from(Int16Array.from(values).buffer);

  beforeAll(() => mkdirSync(path.join(dir, 'data'), { recursive: true }));

  it('a nii.gz inflating to exactly what it declares, and a voxel limit equal to its voxel count', () => {
    writeFileSync(at('exact.nii.gz'), gzipSync(buildNifti({ datatype: 4, bitpix: 16, dim: [3, 2, 3, 2, 1, 1, 1, 1] }, int16)));
    expect(Array.from(readImage(at('exact.nii.gz'), { maxVoxels: 12 }).data)).toEqual(values);
  });

  it('a single-slice NIfTI whose unused third pixdim is 0 (nifti1_io reads 1)', () => {
    writeFileSync(at('slab.nii'), buildNifti({ datatype: 4, bitpix: 16, dim: [3, 4, 3, 1, 1, 1, 1, 1], pixdim: [1, 0.5, 0.5, 0] }, int16));
    expect(readImage(at('slab.nii')).geometry.spacing).toEqual([0.5, 0.5, 1]);
  });

  it("a detached header whose data file is in a subfolder, and 'nan' spacings (unknown: 1)", () => {
    writeFileSync(at('data/vol.raw.gz'), gzipSync(int16));
    writeFileSync(
      at('vol.nhdr'),
      [
        'NRRD0004',
        'type: short',
        'dimension: 3',
        'sizes: 2 3 2',
        'spacings: 0.5 nan 2',
        'endian: little',
        'encoding: gzip',
        'data file: data/vol.raw.gz',
        '',
      ].join('\n'),
    );
    const v = readImage(at('vol.nhdr'));
    expect(Array.from(v.data)).toEqual(values);
    expect(v.geometry.spacing).toEqual([0.5, 1, 2]);
  });

  it('a deflated DICOM slice', () => {
    mkdirSync(at('deflated'));
    const file = at('deflated/IM0000');
    writeDicomSlice(file, { position: [1, 2, 3], rows: 2, columns: 3, pixels: [0, 1, 2, 3, 4, 5], transferSyntax: '1.2.840.10008.1.2.1.99' });
    const plain = readFileSync(file);
    const metaEnd = 144 + plain.readUInt32LE(140);
    writeFileSync(file, Buffer.concat([plain.subarray(0, metaEnd), deflateRawSync(plain.subarray(metaEnd))]));
    const v = readImage(at('deflated'));
    expect(Array.from(v.data)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(v.geometry.origin).toEqual([1, 2, 3]);
  });

  it('a float mask without NaN reads as a mask', () => {
    const mask = Buffer.from(Float32Array.from([0, 1, 1, 0, 0, 0, 1, 0, 0, 0, 0, 2]).buffer);
    writeFileSync(at('mask.nii'), buildNifti({ datatype: 16, bitpix: 32, dim: [3, 2, 3, 2, 1, 1, 1, 1] }, mask));
    expect(readImage(at('mask.nii'), { mask: true }).data[11]).toBe(2);
  });
});

describe('bombs through the CLI', () => {
  const repo = path.resolve(__dirname, '../../../..');
  const peakRss = path.join(__dirname, 'peakRss.cjs');
  /** The child's whole peak RSS (node, tsx, the engine and the read) may not pass this. */
  const PEAK_BOUND_KIB = 512 * 1024;

  /**
   * Runs `osteoflow extract` with the peakRss.cjs preload, which prints the child's ru_maxrss as it exits: the same
   * kernel counter `/usr/bin/time -v` reports, without depending on GNU time being installed or on its output format.
   */
  function extract(image: string, mask: string): { status: number | null; errorLines: string[]; peakKiB: number; ms: number } {
    const start = performance.now();
    const run = spawnSync(process.execPath, ['-r', peakRss, path.join(repo, 'bin/osteoflow.js'), 'extract', '--image', image, '--mask', mask], {
      cwd: repo,
      encoding: 'utf8',
      timeout: 120_000,
    });
    const ms = performance.now() - start;
    const lines = run.stderr.split('\n').filter((l) => l !== '');
    const peak = lines.find((l) => l.startsWith('peak-rss-kib '));
    return { status: run.status, errorLines: lines.filter((l) => l !== peak), peakKiB: Number(peak?.split(' ')[1]), ms };
  }

  const mask = () => {
    const file = path.join(root, 'valid', 'cli-mask.nii');
    writeFileSync(file, buildNifti({ datatype: 2, bitpix: 8, dim: [3, 8, 8, 8, 1, 1, 1, 1], pixdim: [1, 1, 1, 1] }, Buffer.alloc(512, 1)));
    return file;
  };

  it.each([
    ['nii.gz bomb as the image', 'image'],
    ['NRRD gzip bomb as the mask', 'mask'],
  ] as const)(
    '%s: exit code 1, one line of error, peak RSS under 512 MiB',
    (title, role) => {
      const bomb = byName.get(title.startsWith('nii') ? 'nii.gz bomb' : 'NRRD gzip bomb')!.input;
      const other = mask();
      const run = role === 'image' ? extract(bomb, other) : extract(other, bomb);
      expect(run.errorLines).toHaveLength(1);
      expect(run.errorLines[0]).toMatch(
        new RegExp(`^osteoflow extract: file ${bomb.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}, field '(dim|sizes)': compressed data inflates to more than`),
      );
      expect(run.status).toBe(1);
      expect(run.peakKiB).toBeGreaterThan(0);
      expect(run.peakKiB).toBeLessThan(PEAK_BOUND_KIB);
      process.stdout.write(`${title}: peak RSS ${(run.peakKiB / 1024).toFixed(0)} MiB, ${run.ms.toFixed(0)} ms\n`);
    },
    180_000,
  );
});
