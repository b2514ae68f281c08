// multipart/related bodies (RFC 2046 5.1, RFC 2387), as DICOMweb uses them for WADO-RS answers and STOW-RS requests
// (PS3.18 8.6.1.2): read as a stream, each part handed on in pieces as it arrives (a series is never held in memory),
// and written from files with the length known beforehand.
import { createReadStream, statSync } from 'node:fs';
import { randomBytes } from 'node:crypto';

export class MultipartError extends Error {
  constructor(
    message: string,
    /** True when the body stopped short (a broken connection), false when it is malformed. */
    readonly truncated: boolean,
  ) {
    super(message);
    this.name = 'MultipartError';
  }
}

/** The parameters of a media type: `multipart/related; type="application/dicom"; boundary=x` → { type, boundary }. */
export function mediaTypeParameters(contentType: string): { mediaType: string; parameters: Record<string, string> } {
  const [head, ...rest] = splitOutsideQuotes(contentType, ';');
  const parameters: Record<string, string> = {};
  for (const piece of rest) {
    const eq = piece.indexOf('=');
    if (eq < 0) continue;
    const name = piece.slice(0, eq).trim().toLowerCase();
    let value = piece.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1).replace(/\\(.)/g, '$1');
    parameters[name] = value;
  }
  return { mediaType: head.trim().toLowerCase(), parameters };
}

function splitOutsideQuotes(text: string, separator: string): string[] {
  const out: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"' && text[i - 1] !== '\\') quoted = !quoted;
    if (c === separator && !quoted) {
      out.push(current);
      current = '';
    } else current += c;
  }
  out.push(current);
  return out;
}

export interface PartWriter {
  write(chunk: Uint8Array): Promise<void>;
  end(): Promise<void>;
}

export interface MultipartReadOptions {
  /** Most bytes of one part's header block (default 16 KiB). */
  maxHeaderBytes?: number;
  /** Most bytes before the first boundary (default 64 KiB). */
  maxPreambleBytes?: number;
}

const CRLF = Buffer.from('\r\n');
const HEADER_END = Buffer.from('\r\n\r\n');

function parseHeaders(block: Buffer): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of block.toString('latin1').split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return headers;
}

/**
 * Reads a multipart body from `chunks`, calling `onPart` with each part's headers and writing its content to the
 * returned writer piece by piece; resolves with the number of parts. Holds at most one incoming chunk and a boundary's
 * length of bytes. A body without its closing boundary is a MultipartError (truncated).
 */
export async function readMultipart(
  chunks: AsyncIterable<Uint8Array>,
  boundary: string,
  onPart: (headers: Record<string, string>, index: number) => Promise<PartWriter>,
  options: MultipartReadOptions = {},
): Promise<number> {
  if (!/^[\x20-\x7e]{1,70}$/.test(boundary)) throw new MultipartError('the boundary is not 1–70 printable characters (RFC 2046 5.1.1)', false);
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  const maxHeader = options.maxHeaderBytes ?? 16384;
  const maxPreamble = options.maxPreambleBytes ?? 65536;
  // A CRLF in front lets the first boundary, which may open the body, match the delimiter too.
  let buf: Buffer = Buffer.from(CRLF);
  // Changed inside step(): typed wide, so that the checks after the loop are not narrowed to the first value.
  let state = 'preamble' as 'preamble' | 'delimiter' | 'headers' | 'body' | 'end';
  let preamble = 0;
  let parts = 0;
  let writer: PartWriter | undefined;

  const step = async (): Promise<boolean> => {
    switch (state) {
      case 'preamble': {
        const at = buf.indexOf(delimiter);
        if (at < 0) {
          const drop = Math.max(0, buf.length - delimiter.length + 1);
          preamble += drop;
          if (preamble > maxPreamble) throw new MultipartError(`no boundary within the first ${maxPreamble} bytes`, false);
          buf = buf.subarray(drop);
          return false;
        }
        buf = buf.subarray(at + delimiter.length);
        state = 'delimiter';
        return true;
      }
      case 'delimiter': {
        if (buf.length < 2) return false;
        if (buf[0] === 0x2d && buf[1] === 0x2d) {
          state = 'end';
          return false;
        }
        const eol = buf.indexOf(CRLF);
        if (eol < 0) {
          if (buf.length > 1024) throw new MultipartError('a boundary line does not end', false);
          return false;
        }
        if (buf.subarray(0, eol).toString('latin1').trim() !== '') throw new MultipartError('text after a boundary on its line', false);
        buf = buf.subarray(eol + 2);
        state = 'headers';
        return true;
      }
      case 'headers': {
        let headers: Record<string, string>;
        if (buf.length >= 2 && buf[0] === 0x0d && buf[1] === 0x0a) {
          headers = {};
          buf = buf.subarray(2);
        } else {
          const end = buf.indexOf(HEADER_END);
          if (end < 0) {
            if (buf.length > maxHeader) throw new MultipartError(`a part's headers exceed ${maxHeader} bytes`, false);
            return false;
          }
          headers = parseHeaders(buf.subarray(0, end));
          buf = buf.subarray(end + 4);
        }
        writer = await onPart(headers, parts);
        parts++;
        state = 'body';
        return true;
      }
      case 'body': {
        const at = buf.indexOf(delimiter);
        if (at >= 0) {
          if (at > 0) await writer!.write(buf.subarray(0, at));
          await writer!.end();
          writer = undefined;
          buf = buf.subarray(at + delimiter.length);
          state = 'delimiter';
          return true;
        }
        const keep = delimiter.length - 1;
        if (buf.length > keep) {
          await writer!.write(buf.subarray(0, buf.length - keep));
          buf = buf.subarray(buf.length - keep);
        }
        return false;
      }
      case 'end':
        return false;
    }
  };

  for await (const chunk of chunks) {
    if (state === 'end') continue; // the epilogue is ignored
    buf = buf.length === 0 ? Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength) : Buffer.concat([buf, chunk]);
    while (await step());
  }
  while (state !== 'end' && (await step()));
  if (state !== 'end') {
    throw new MultipartError(
      state === 'preamble'
        ? 'the body holds no boundary'
        : `the body ended ${state === 'body' ? 'inside a part' : 'between parts'}, before its closing boundary`,
      state !== 'preamble',
    );
  }
  return parts;
}

/** A boundary that does not occur in DICOM content by chance (RFC 2046 5.1.1: up to 70 characters). */
export function newBoundary(): string {
  return `osteoflow-${randomBytes(18).toString('hex')}`;
}

/** A multipart/related body of files, each one part of `contentType`, with its total length known beforehand. */
export function multipartFromFiles(files: string[], boundary: string, contentType: string): { length: number; body: AsyncIterable<Uint8Array> } {
  const head = Buffer.from(`--${boundary}\r\nContent-Type: ${contentType}\r\n\r\n`);
  const close = Buffer.from(`--${boundary}--\r\n`);
  const sizes = files.map((f) => statSync(f).size);
  const length = sizes.reduce((sum, size) => sum + head.length + size + CRLF.length, close.length);
  async function* body(): AsyncGenerator<Uint8Array> {
    for (const file of files) {
      yield head;
      for await (const chunk of createReadStream(file)) yield chunk as Buffer;
      yield CRLF;
    }
    yield close;
  }
  return { length, body: body() };
}
