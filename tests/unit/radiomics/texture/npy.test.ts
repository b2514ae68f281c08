// The .npy reader the matrix-parity tests rely on, on files written by hand in numpy's format 1.0.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readNpy } from '../../../support/npy';

function npyFile(header: string, values: number[]): string {
  // magic, version 1.0, little-endian header length, header padded with spaces to a multiple of 64 bytes incl. '\n'
  const preamble = 10;
  let text = header;
  while ((preamble + text.length + 1) % 64 !== 0) text += ' ';
  text += '\n';
  const head = Buffer.alloc(preamble);
  head.write('\x93NUMPY', 0, 'latin1');
  head[6] = 1;
  head[7] = 0;
  head.writeUInt16LE(text.length, 8);
  const body = Buffer.alloc(values.length * 8);
  values.forEach((v, k) => body.writeDoubleLE(v, k * 8));
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'npy-')), 'a.npy');
  writeFileSync(file, Buffer.concat([head, Buffer.from(text, 'latin1'), body]));
  return file;
}

describe('readNpy', () => {
  it('reads a C-order float64 array', () => {
    const file = npyFile("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }", [1, 2, 3, 4, 5, 6]);
    expect(readNpy(file)).toEqual({ shape: [2, 3], data: Float64Array.of(1, 2, 3, 4, 5, 6) });
  });

  it('reorders a Fortran-order array to C order', () => {
    // [[1, 2, 3], [4, 5, 6]] stored column by column
    const file = npyFile("{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }", [1, 4, 2, 5, 3, 6]);
    expect(Array.from(readNpy(file).data)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('reorders a 3-D Fortran-order array', () => {
    // a[i][j][k] = 100i + 10j + k, shape (2, 2, 2); Fortran order: i fastest
    const fortran: number[] = [];
    for (let k = 0; k < 2; k++) for (let j = 0; j < 2; j++) for (let i = 0; i < 2; i++) fortran.push(100 * i + 10 * j + k);
    const file = npyFile("{'descr': '<f8', 'fortran_order': True, 'shape': (2, 2, 2), }", fortran);
    expect(Array.from(readNpy(file).data)).toEqual([0, 1, 10, 11, 100, 101, 110, 111]);
  });

  it('rejects a file that is not .npy and a truncated one', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'npy-'));
    writeFileSync(path.join(dir, 'x.npy'), 'hello');
    expect(() => readNpy(path.join(dir, 'x.npy'))).toThrow(/bad magic/);
    const file = npyFile("{'descr': '<f8', 'fortran_order': False, 'shape': (4,), }", [1, 2]);
    expect(() => readNpy(file)).toThrow(/truncated/);
  });
});
