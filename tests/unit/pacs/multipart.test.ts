// multipart/related reading and writing (RFC 2046 5.1), as WADO-RS answers and STOW-RS requests use it: parts handed
// on in pieces however the body is cut, a body cut short is "truncated", and a body written from files has the length
// it announces.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { mediaTypeParameters, MultipartError, multipartFromFiles, newBoundary, readMultipart, type PartWriter } from '../../../pacs/multipart';
import { tempDir } from './support';

async function* pieces(bytes: Buffer, cut: number[]): AsyncGenerator<Uint8Array> {
  let at = 0;
  for (const size of cut) {
    if (at >= bytes.length) return;
    yield bytes.subarray(at, at + size);
    at += size;
  }
  if (at < bytes.length) yield bytes.subarray(at);
}

async function collect(chunks: AsyncIterable<Uint8Array>, boundary: string): Promise<Array<{ headers: Record<string, string>; body: Buffer }>> {
  const parts: Array<{ headers: Record<string, string>; body: Buffer }> = [];
  await readMultipart(chunks, boundary, async (headers): Promise<PartWriter> => {
    const got: Buffer[] = [];
    return {
      write: async (chunk) => void got.push(Buffer.from(chunk)),
      end: async () => void parts.push({ headers, body: Buffer.concat(got) }),
    };
  });
  return parts;
}

const B = 'frontier-42';
const partA = Buffer.from('first part\r\n--frontier-4 almost the boundary\r\n');
const partB = Buffer.alloc(3000, 7);
const body = Buffer.concat([
  Buffer.from(`preamble to ignore\r\n--${B}\r\nContent-Type: application/dicom\r\nX-Extra:  spaced \r\n\r\n`),
  partA,
  Buffer.from(`\r\n--${B}   \r\n\r\n`), // transport padding after the boundary, and a part without headers
  partB,
  Buffer.from(`\r\n--${B}--\r\nepilogue to ignore`),
]);

describe('readMultipart', () => {
  it.each([
    ['whole', [body.length]],
    ['one byte at a time', new Array(body.length).fill(1)],
    ['in pieces of 7', new Array(Math.ceil(body.length / 7)).fill(7)],
    ['in pieces of 13', new Array(Math.ceil(body.length / 13)).fill(13)],
  ])('hands on every part %s', async (_name, cut) => {
    const parts = await collect(pieces(body, cut as number[]), B);
    expect(parts).toHaveLength(2);
    expect(parts[0].headers).toEqual({ 'content-type': 'application/dicom', 'x-extra': 'spaced' });
    expect(parts[0].body.equals(partA)).toBe(true);
    expect(parts[1].headers).toEqual({});
    expect(parts[1].body.equals(partB)).toBe(true);
  });

  it('takes a body that opens with its boundary', async () => {
    const parts = await collect(pieces(Buffer.from(`--${B}\r\n\r\nabc\r\n--${B}--`), [5, 5, 5, 100]), B);
    expect(parts.map((p) => p.body.toString())).toEqual(['abc']);
  });

  it('calls a body cut short truncated, and a body without a boundary malformed', async () => {
    const cut = body.subarray(0, body.length - 40);
    await expect(collect(pieces(cut, [64]), B)).rejects.toMatchObject({ name: 'MultipartError', truncated: true });
    await expect(collect(pieces(Buffer.from('no boundary here at all'), [10]), B)).rejects.toMatchObject({ truncated: false });
    await expect(collect(pieces(body, [10]), 'bad\u0000boundary')).rejects.toBeInstanceOf(MultipartError);
  });

  it('refuses a part whose headers never end', async () => {
    const endless = Buffer.concat([Buffer.from(`--${B}\r\nContent-Type: application/dicom\r\n`), Buffer.alloc(20000, 0x41)]);
    await expect(collect(pieces(endless, [4096]), B)).rejects.toThrow(/headers exceed/);
  });

  it('stops at the first error of the part writer', async () => {
    const failing = readMultipart(pieces(body, [50]), B, async () => ({
      write: async () => {
        throw new Error('disk full');
      },
      end: async () => undefined,
    }));
    await expect(failing).rejects.toThrow('disk full');
  });
});

describe('mediaTypeParameters', () => {
  it('reads quoted and plain parameters', () => {
    expect(mediaTypeParameters('Multipart/Related; type="application/dicom"; boundary="a;b=c"; transfer-syntax=1.2.840.10008.1.2.1')).toEqual({
      mediaType: 'multipart/related',
      parameters: { type: 'application/dicom', boundary: 'a;b=c', 'transfer-syntax': '1.2.840.10008.1.2.1' },
    });
    expect(mediaTypeParameters('').mediaType).toBe('');
  });
});

describe('multipartFromFiles', () => {
  it('announces its exact length, and reads back as the files', async () => {
    const dir = tempDir('osteoflow-multipart-');
    const files = [Buffer.alloc(100, 1), Buffer.alloc(0), Buffer.from('DICM in the middle\r\n--')].map((content, i) => {
      const file = path.join(dir, `${i}.dcm`);
      writeFileSync(file, content);
      return file;
    });
    const boundary = newBoundary();
    expect(boundary.length).toBeLessThanOrEqual(70);
    const { length, body: stream } = multipartFromFiles(files, boundary, 'application/dicom');
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(Buffer.from(chunk));
    const whole = Buffer.concat(chunks);
    expect(whole.length).toBe(length);
    const parts = await collect(pieces(whole, [33]), boundary);
    expect(parts.map((p) => p.body.length)).toEqual([100, 0, 22]);
    expect(parts.every((p) => p.headers['content-type'] === 'application/dicom')).toBe(true);
  });
});
