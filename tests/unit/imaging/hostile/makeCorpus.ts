// The hostile-input corpus: files made to break an image reader (decompression bombs, data files outside the header's
// folder, counts that enumerate forever, sizes past the voxel limit, unusable spacings, NaN masks, truncations, FIFOs,
// devices and folders where files belong). Everything is generated into a scratch folder at test time: the bombs
// are a few MB on disk and inflate to gigabytes, so none of it is committed.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { constants, crc32, deflateRawSync, gzipSync } from 'node:zlib';
import type { ReadImageOptions } from '../../../../imaging/io';
import { buildNifti, int16Bytes } from '../io/support/niftiBuilder';
import { writeDicomSlice, type SliceSpec } from '../io/support/dicomWriter';

/** Content planted in files that must never be read, or never be quoted: no error message may contain it. */
export const SECRET = 'root:x:0:0:osteoflow-planted-secret-5e1f';

export interface HostileCase {
  name: string;
  /** Writes the case's files (the shared folders and the planted secret exist by then). */
  make: () => void;
  /** What readImage is given. */
  input: string;
  options?: ReadImageOptions;
  /** The file the error must name (the input unless said otherwise). */
  file?: string;
  /** The field the error must name. */
  field: string;
  /** A decompression bomb: the case also checks that memory stays flat. */
  bomb?: boolean;
  /** Why the input is hostile. */
  about: string;
}

const MiB = 2 ** 20;

/**
 * A raw deflate stream of `prefix` followed by `zeroMiB` MiB of zeros: one MiB of zeros is compressed once (to about
 * 1 KB) and repeated, each piece ending byte-aligned on a full flush, so 1 GiB of output costs about 1 MB of file.
 */
export function deflateBomb(prefix: Uint8Array, zeroMiB: number): { deflated: Buffer; crc: number; length: number } {
  const head = deflateRawSync(prefix, { finishFlush: constants.Z_FULL_FLUSH });
  const zeros = Buffer.alloc(MiB);
  const piece = deflateRawSync(zeros, { level: 9, finishFlush: constants.Z_FULL_FLUSH });
  const end = deflateRawSync(Buffer.alloc(0)); // the final (empty) block
  let crc = crc32(prefix);
  for (let i = 0; i < zeroMiB; i++) crc = crc32(zeros, crc);
  const deflated = Buffer.concat([head, ...new Array<Buffer>(zeroMiB).fill(piece), end]);
  return { deflated, crc, length: prefix.length + zeroMiB * MiB };
}

/** The same as a complete gzip member (header, deflate stream, CRC-32 and length), valid to its last byte. */
export function gzipBomb(prefix: Uint8Array, zeroMiB: number): Buffer {
  const { deflated, crc, length } = deflateBomb(prefix, zeroMiB);
  const header = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]);
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc >>> 0, 0);
  trailer.writeUInt32LE(length % 2 ** 32, 4);
  return Buffer.concat([header, deflated, trailer]);
}

/**
 * How much a bomb inflates to: 960 MiB, twice the memory bound the CLI test holds a child to, from a file just under
 * 1 MB (so that the .nii.gz reader's ceiling on the compressed size does not stop it first: the inflate cap must).
 */
export const BOMB_MIB = 960;

function nrrdHeader(lines: string[]): Buffer {
  return Buffer.from(['NRRD0004', ...lines].join('\n') + '\n\n', 'latin1');
}

const LPS_2x3x2 = ['dimension: 3', 'space: left-posterior-superior', 'sizes: 2 3 2', 'space directions: (1,0,0) (0,1,0) (0,0,1)'];
const SHORT_2x3x2 = ['type: short', ...LPS_2x3x2, 'endian: little'];
const NII = { datatype: 4, bitpix: 16 };

/** A detached header in `dir` with the given data file line(s); the voxels it describes are 2×3×2 shorts. */
function nhdr(dir: string, name: string, dataFile: string[], encoding = 'raw', fields = SHORT_2x3x2): string {
  const p = path.join(dir, name);
  writeFileSync(p, ['NRRD0004', ...fields, `encoding: ${encoding}`, ...dataFile, ''].join('\n'));
  return p;
}

/** A Part-10 file whose data set (after the meta information) is deflated; `trailingZeroMiB` makes it a bomb. */
function deflatedDicom(file: string, spec: SliceSpec, trailingZeroMiB = 0): void {
  writeDicomSlice(file, { ...spec, transferSyntax: '1.2.840.10008.1.2.1.99' });
  const plain = readFileSync(file);
  const metaEnd = 144 + plain.readUInt32LE(140);
  let dataSet = plain.subarray(metaEnd);
  if (trailingZeroMiB > 0) {
    // Data Set Trailing Padding (FFFC,FFFC) OB: a legal element whose value is gigabytes of zeros.
    const padding = Buffer.from([0xfc, 0xff, 0xfc, 0xff, 0x4f, 0x42, 0, 0, 0, 0, 0, 0]);
    padding.writeUInt32LE(trailingZeroMiB * MiB, 8);
    dataSet = Buffer.concat([dataSet, padding]);
    writeFileSync(file, Buffer.concat([plain.subarray(0, metaEnd), deflateBomb(dataSet, trailingZeroMiB).deflated]));
  } else {
    writeFileSync(file, Buffer.concat([plain.subarray(0, metaEnd), deflateRawSync(dataSet)]));
  }
}

function hasMkfifo(): boolean {
  try {
    execFileSync('mkfifo', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export interface Corpus {
  /** The cases, with the paths they will have; nothing is written until `write()`. */
  cases: HostileCase[];
  /** Writes the planted secret and every case's files (a few seconds: the bombs are built here). */
  write: () => void;
}

/**
 * The corpus under `root`: the cases in `root/corpus`, the planted secret in `root/outside`. Cases that need a
 * FIFO are left out where `mkfifo` is missing.
 */
export function makeCorpus(root: string): Corpus {
  const dir = path.join(root, 'corpus');
  const outside = path.join(root, 'outside');
  const secretFile = path.join(outside, 'secret.raw');
  const at = (name: string) => path.join(dir, name);
  const write = (name: string, bytes: Uint8Array | string) => writeFileSync(at(name), bytes);
  const folder = (name: string) => mkdirSync(at(name), { recursive: true });
  const voxels = int16Bytes(new Array(12).fill(0).map((_, i) => i));
  const slice = { position: [0, 0, 0] as [number, number, number], rows: 2, columns: 3, pixels: [0, 1, 2, 3, 4, 5] };
  const cases: HostileCase[] = [];
  const add = (c: HostileCase) => cases.push(c);

  // --- decompression bombs: the output is capped by what the header declares ---
  add({
    name: 'nii.gz bomb',
    input: at('bomb.nii.gz'),
    make: () => write('bomb.nii.gz', gzipBomb(buildNifti({ ...NII, dim: [3, 8, 8, 8, 1, 1, 1, 1] }, Buffer.alloc(0)), BOMB_MIB)),
    field: 'dim',
    bomb: true,
    about: 'a header declaring 8×8×8 int16 (1 KB) in a gzip stream of 960 MiB: stopped by the inflate cap',
  });
  add({
    name: 'nii.gz bomb of 2 GiB',
    input: at('bomb2.nii.gz'),
    make: () => write('bomb2.nii.gz', gzipBomb(buildNifti({ ...NII, dim: [3, 8, 8, 8, 1, 1, 1, 1] }, Buffer.alloc(0)), 2048)),
    field: 'dim',
    bomb: true,
    about: 'the same, 2 MB of gzip for 1 KB of voxels: refused from its compressed size before inflating',
  });
  add({
    name: 'NRRD gzip bomb',
    input: at('bomb.nrrd'),
    make: () =>
      write(
        'bomb.nrrd',
        Buffer.concat([nrrdHeader(['type: short', 'dimension: 3', 'sizes: 8 8 8', 'endian: little', 'encoding: gzip']), gzipBomb(Buffer.alloc(0), BOMB_MIB)]),
      ),
    field: 'sizes',
    bomb: true,
    about: 'sizes 8 8 8 short (1 KB) followed by a gzip stream of 960 MiB',
  });
  add({
    name: 'deflated DICOM bomb',
    input: at('dicom-bomb'),
    file: at('dicom-bomb/IM0000'),
    make: () => {
      folder('dicom-bomb');
      deflatedDicom(at('dicom-bomb/IM0000'), slice, BOMB_MIB);
    },
    field: 'PixelData (7FE0,0010)',
    bomb: true,
    about: 'Rows 2 × Columns 3, then a trailing padding element of 960 MiB of zeros, all deflated (transfer syntax .1.2.1.99)',
  });

  // --- detached NRRD data only beside its header ---
  add({
    name: 'NRRD data file: absolute path',
    input: at('absolute.nhdr'),
    make: () => nhdr(dir, 'absolute.nhdr', [`data file: ${secretFile}`]),
    field: 'data file',
    about: 'an absolute path to a file outside the folder (of exactly the declared 24 bytes: a reader that follows it succeeds)',
  });
  add({
    name: 'NRRD data file: /etc/passwd as ascii',
    input: at('passwd.nhdr'),
    make: () => nhdr(dir, 'passwd.nhdr', ['data file: /etc/passwd'], 'ascii', ['type: float', ...LPS_2x3x2]),
    field: 'data file',
    about: 'a system file read as ascii data, whose content used to end up in the error',
  });
  add({
    name: "NRRD data file: '..'",
    input: at('dotdot.nhdr'),
    make: () => nhdr(dir, 'dotdot.nhdr', ['data file: ../outside/secret.raw']),
    field: 'data file',
    about: "'..' climbs out of the header's folder",
  });
  add({
    name: 'NRRD data file: symlink leaving the folder',
    input: at('symlink.nhdr'),
    make: () => {
      symlinkSync(secretFile, at('link.raw'));
      nhdr(dir, 'symlink.nhdr', ['data file: link.raw']);
    },
    field: 'data file',
    about: 'a plain name that is a symbolic link to a file outside the folder',
  });
  add({
    name: 'NRRD data file: through a linked folder',
    input: at('linkdir.nhdr'),
    make: () => {
      folder('sub');
      symlinkSync(outside, at('sub/elsewhere'));
      nhdr(dir, 'linkdir.nhdr', ['data file: sub/elsewhere/secret.raw']);
    },
    field: 'data file',
    about: 'a relative path without .. through a folder that links out of the header folder',
  });
  add({
    name: 'NRRD ascii data that is not numbers',
    input: at('notes.nhdr'),
    make: () => {
      write('notes.txt', `${SECRET}\n${SECRET}\n`);
      nhdr(dir, 'notes.nhdr', ['data file: notes.txt'], 'ascii', ['type: float', 'dimension: 1', 'sizes: 2']);
    },
    field: 'data',
    about: 'a data file beside the header holding text: the error must not quote it',
  });
  add({
    name: 'NRRD data file range: 2e9 files',
    input: at('range.nhdr'),
    make: () => nhdr(dir, 'range.nhdr', ['data file: slice%09d.raw 0 2000000000 1']),
    field: 'data file',
    about: 'a printf-style range naming two billion files for 2 slices: refused from its count, never enumerated',
  });
  add({
    name: 'NRRD data file range: huge number width',
    input: at('width.nhdr'),
    make: () => nhdr(dir, 'width.nhdr', ['data file: s%0999999999d.raw 1 2 1']),
    field: 'data file',
    about: 'a zero-padded number a billion characters wide',
  });
  add({
    name: 'NRRD data file LIST: too long',
    input: at('list.nhdr'),
    make: () => nhdr(dir, 'list.nhdr', ['data file: LIST', ...Array.from({ length: 100000 }, (_, i) => `slice${i}.raw`)]),
    field: 'data file',
    about: 'a LIST of 100000 names for 2 slices',
  });
  add({
    name: 'NRRD data file: a folder',
    input: at('dirdata.nhdr'),
    make: () => {
      folder('adir.raw');
      nhdr(dir, 'dirdata.nhdr', ['data file: adir.raw']);
    },
    field: 'data file',
    about: 'the data file is a folder',
  });

  // --- voxel limit, from the header, before anything is allocated ---
  add({
    name: 'NRRD sizes 1024³',
    input: at('huge.nrrd'),
    make: () => write('huge.nrrd', nrrdHeader(['type: float', 'dimension: 3', 'sizes: 1024 1024 1024', 'endian: little', 'encoding: raw'])),
    field: 'sizes',
    about: '2^30 voxels (4 GiB of float) declared; the default limit is 2^28',
  });
  add({
    name: 'NIfTI dim 2048³',
    input: at('huge.nii'),
    make: () => write('huge.nii', buildNifti({ ...NII, dim: [3, 2048, 2048, 2048, 1, 1, 1, 1] }, Buffer.alloc(0))),
    field: 'dim',
    about: '2^33 voxels declared in a 352-byte file',
  });
  add({
    name: 'NIfTI voxel limit per call',
    input: at('small.nii'),
    make: () => write('small.nii', buildNifti({ ...NII, dim: [3, 2, 3, 2, 1, 1, 1, 1] }, voxels)),
    options: { maxVoxels: 10 },
    field: 'dim',
    about: 'a valid 12-voxel image read with maxVoxels 10',
  });
  add({
    name: 'DICOM voxel limit per call',
    input: at('dicom-limit'),
    make: () => {
      folder('dicom-limit');
      for (let k = 0; k < 3; k++) writeDicomSlice(at(`dicom-limit/IM000${k}`), { ...slice, position: [0, 0, k] });
    },
    options: { maxVoxels: 12 },
    field: 'Rows×Columns×slices',
    about: 'three 2×3 slices (18 voxels) read with maxVoxels 12',
  });

  // --- a header declaring more than the file holds: nothing of the declared size is allocated ---
  add({
    name: 'NIfTI declares 200 MB, holds 24 bytes',
    input: at('short.nii'),
    make: () => write('short.nii', buildNifti({ ...NII, dim: [3, 1000, 1000, 100, 1, 1, 1, 1] }, voxels)),
    field: 'dim',
    about: '10^8 int16 voxels declared',
  });
  add({
    name: 'NIfTI gzip declares 512 KB, holds 24 bytes',
    input: at('short.nii.gz'),
    make: () => write('short.nii.gz', gzipSync(buildNifti({ ...NII, dim: [3, 64, 64, 64, 1, 1, 1, 1] }, voxels))),
    field: 'dim',
    about: 'a complete gzip stream that ends long before the voxels do',
  });
  add({
    name: 'NRRD declares 200 MB, holds 24 bytes',
    input: at('short.nrrd'),
    make: () =>
      write('short.nrrd', Buffer.concat([nrrdHeader(['type: short', 'dimension: 3', 'sizes: 1000 1000 100', 'endian: little', 'encoding: raw']), voxels])),
    field: 'sizes',
    about: '10^8 shorts declared',
  });
  add({
    name: 'NIfTI vox_offset of 1 GB',
    input: at('offset.nii'),
    make: () => write('offset.nii', buildNifti({ ...NII, dim: [3, 2, 3, 2, 1, 1, 1, 1], voxOffset: 1e9 }, Buffer.alloc(0))),
    field: 'vox_offset',
    about: 'a gigabyte of extensions declared before the voxels',
  });
  add({
    name: 'NRRD header without end',
    input: at('open.nhdr'),
    make: () => write('open.nhdr', `NRRD0004\n${'# no blank line ends this header\n'.repeat(600000)}`),
    field: 'header',
    about: 'a 19 MB header that never ends',
  });

  // --- truncated files ---
  const cutNifti = gzipSync(buildNifti({ ...NII, dim: [3, 2, 3, 2, 1, 1, 1, 1] }, voxels));
  add({
    name: 'NIfTI gzip truncated',
    input: at('cut.nii.gz'),
    make: () => write('cut.nii.gz', cutNifti.subarray(0, cutNifti.length - 12)),
    field: 'data',
    about: 'the gzip stream is cut',
  });
  const cutNrrd = gzipSync(voxels);
  add({
    name: 'NRRD gzip truncated',
    input: at('cut.nrrd'),
    make: () => write('cut.nrrd', Buffer.concat([nrrdHeader([...SHORT_2x3x2, 'encoding: gzip']), cutNrrd.subarray(0, cutNrrd.length - 10)])),
    field: 'encoding',
    about: 'the gzip stream is cut',
  });
  add({
    name: 'DICOM truncated',
    input: at('dicom-cut'),
    file: at('dicom-cut/IM0000'),
    make: () => {
      folder('dicom-cut');
      writeDicomSlice(at('dicom-cut/IM0000'), { ...slice, rows: 16, columns: 16, pixels: new Array(256).fill(7) });
      const bytes = readFileSync(at('dicom-cut/IM0000'));
      write('dicom-cut/IM0000', bytes.subarray(0, bytes.length - 100));
    },
    field: 'PixelData (7FE0,0010)',
    about: 'cut inside Pixel Data',
  });
  add({
    name: 'deflated DICOM truncated',
    input: at('dicom-deflate-cut'),
    file: at('dicom-deflate-cut/IM0000'),
    make: () => {
      folder('dicom-deflate-cut');
      deflatedDicom(at('dicom-deflate-cut/IM0000'), { ...slice, rows: 16, columns: 16, pixels: new Array(256).fill(7) });
      const bytes = readFileSync(at('dicom-deflate-cut/IM0000'));
      write('dicom-deflate-cut/IM0000', bytes.subarray(0, bytes.length - 20));
    },
    field: 'dataset',
    about: 'the deflate stream is cut',
  });

  // --- spacing: NaN, zero and negative are errors, not 1 mm ---
  add({
    name: 'NIfTI pixdim NaN',
    input: at('nan-pixdim.nii'),
    make: () => write('nan-pixdim.nii', buildNifti({ ...NII, dim: [3, 2, 3, 2, 1, 1, 1, 1], pixdim: [1, NaN, 1, 1] }, voxels)),
    field: 'pixdim[1]',
    about: 'no sform or qform: pixdim is the geometry',
  });
  add({
    name: 'NIfTI pixdim zero',
    input: at('zero-pixdim.nii'),
    make: () => write('zero-pixdim.nii', buildNifti({ ...NII, dim: [3, 2, 3, 2, 1, 1, 1, 1], pixdim: [1, 1, 1, 0] }, voxels)),
    field: 'pixdim[3]',
    about: 'zero spacing on an axis of 2 voxels',
  });
  add({
    name: 'NIfTI pixdim negative (qform)',
    input: at('neg-pixdim.nii'),
    make: () => write('neg-pixdim.nii', buildNifti({ ...NII, dim: [3, 2, 3, 2, 1, 1, 1, 1], pixdim: [1, 1, -2, 1], qformCode: 1 }, voxels)),
    field: 'pixdim[2]',
    about: 'the qform scales by pixdim',
  });
  const noSpace = (spacings: string) =>
    Buffer.concat([nrrdHeader(['type: short', 'dimension: 3', 'sizes: 2 3 2', `spacings: ${spacings}`, 'endian: little', 'encoding: raw']), voxels]);
  add({
    name: 'NRRD spacings zero',
    input: at('zero-spacing.nrrd'),
    make: () => write('zero-spacing.nrrd', noSpace('1 0 1')),
    field: 'spacings',
    about: 'no space: spacings are the geometry',
  });
  add({
    name: 'NRRD spacings negative',
    input: at('neg-spacing.nrrd'),
    make: () => write('neg-spacing.nrrd', noSpace('1 1 -2')),
    field: 'spacings',
    about: 'a negative spacing',
  });
  const withDirections = (directions: string) =>
    Buffer.concat([
      nrrdHeader(['type: short', 'dimension: 3', 'space: LPS', 'sizes: 2 3 2', `space directions: ${directions}`, 'endian: little', 'encoding: raw']),
      voxels,
    ]);
  add({
    name: 'NRRD space direction NaN',
    input: at('nan-dir.nrrd'),
    make: () => write('nan-dir.nrrd', withDirections('(NaN,0,0) (0,1,0) (0,0,1)')),
    field: 'space directions',
    about: 'a NaN in a space direction',
  });
  add({
    name: 'NRRD space direction zero',
    input: at('zero-dir.nrrd'),
    make: () => write('zero-dir.nrrd', withDirections('(1,0,0) (0,0,0) (0,0,1)')),
    field: 'space directions',
    about: 'a zero-length space direction',
  });
  add({
    name: 'DICOM PixelSpacing zero',
    input: at('dicom-spacing'),
    file: at('dicom-spacing/IM0000'),
    make: () => {
      folder('dicom-spacing');
      writeDicomSlice(at('dicom-spacing/IM0000'), { ...slice, pixelSpacing: [0, 1] });
    },
    field: 'PixelSpacing (0028,0030)',
    about: 'a zero row spacing',
  });
  add({
    name: 'DICOM PixelSpacing NaN',
    input: at('dicom-nan-spacing'),
    file: at('dicom-nan-spacing/IM0000'),
    make: () => {
      folder('dicom-nan-spacing');
      writeDicomSlice(at('dicom-nan-spacing/IM0000'), { ...slice, pixelSpacing: [NaN, 1] });
    },
    field: 'PixelSpacing (0028,0030)',
    about: 'a PixelSpacing that does not read as a number',
  });
  add({
    name: 'DICOM single slice, negative SpacingBetweenSlices',
    input: at('dicom-slice-spacing'),
    file: at('dicom-slice-spacing/IM0000'),
    make: () => {
      folder('dicom-slice-spacing');
      writeDicomSlice(at('dicom-slice-spacing/IM0000'), { ...slice, extra: { SpacingBetweenSlices: -2 } });
    },
    field: 'SpacingBetweenSlices (0018,0088)',
    about: 'the only source of the slice spacing is negative',
  });

  // --- masks: NaN voxels ---
  add({
    name: 'mask with NaN',
    input: at('nan-mask.nii.gz'),
    make: () => {
      const mask = Buffer.alloc(48);
      [0, 1, 1, NaN, 0, 0, 1, 0, 0, 0, 0, 0].forEach((v, i) => mask.writeFloatLE(v, 4 * i));
      write('nan-mask.nii.gz', gzipSync(buildNifti({ datatype: 16, bitpix: 32, dim: [3, 2, 3, 2, 1, 1, 1, 1] }, mask)));
    },
    options: { mask: true },
    field: 'mask',
    about: 'a float mask with a NaN voxel, read as a mask',
  });

  // --- not regular files ---
  add({
    name: 'a folder named .nii.gz',
    input: at('folder.nii.gz'),
    make: () => folder('folder.nii.gz'),
    field: 'path',
    about: 'a folder where a file is expected',
  });
  add({
    name: '/dev/zero as .nii',
    input: at('zero.nii'),
    make: () => symlinkSync('/dev/zero', at('zero.nii')),
    field: 'path',
    about: 'a link to an endless device',
  });
  add({
    name: '/dev/zero as .nrrd',
    input: at('zero.nrrd'),
    make: () => symlinkSync('/dev/zero', at('zero.nrrd')),
    field: 'path',
    about: 'a link to an endless device',
  });
  if (hasMkfifo()) {
    const fifo = (name: string) => execFileSync('mkfifo', [at(name)]);
    add({ name: 'a FIFO as .nii.gz', input: at('fifo.nii.gz'), make: () => fifo('fifo.nii.gz'), field: 'path', about: 'opening it would block forever' });
    add({
      name: 'a FIFO as NRRD data file',
      input: at('fifo.nhdr'),
      make: () => {
        fifo('fifo.raw');
        nhdr(dir, 'fifo.nhdr', ['data file: fifo.raw']);
      },
      field: 'data file',
      about: 'opening it would block forever',
    });
    add({
      name: 'a FIFO in a DICOM folder',
      input: at('dicom-fifo'),
      make: () => {
        folder('dicom-fifo');
        fifo('dicom-fifo/IM0000');
      },
      field: 'files',
      about: 'the only entry is a FIFO: skipped, never opened',
    });
  }

  return {
    cases,
    write: () => {
      mkdirSync(dir, { recursive: true });
      mkdirSync(outside, { recursive: true });
      // 24 bytes, exactly what a 2×3×2 short volume needs: a reader that follows a path out would succeed.
      writeFileSync(secretFile, Buffer.from(SECRET.slice(0, 24), 'latin1'));
      for (const c of cases) c.make();
    },
  };
}
