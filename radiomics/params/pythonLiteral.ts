// A strict reader for the Python literals PyRadiomics writes into `diagnostics_Configuration_Settings`
// ({'binWidth': 25, 'resampledPixelSpacing': [2, 2, 2], 'interpolator': None, ...}): dicts, lists, tuples,
// strings, ints, floats, True/False/None — what ast.literal_eval accepts for these, and nothing else.
import { RadiomicsInputError } from '../../imaging/errors';
import type { ExtractionParams } from './types';
import { validateParams, type ValidateOptions } from './validate';

export type PythonValue = null | boolean | number | string | PythonValue[] | { [key: string]: PythonValue };

class LiteralReader {
  private pos = 0;

  constructor(
    private readonly text: string,
    private readonly where: { file?: string; field?: string },
  ) {}

  fail(message: string): never {
    throw new RadiomicsInputError(`${message} at offset ${this.pos} of Python literal`, {
      ...this.where,
      expected: 'a Python literal of dicts, lists, tuples, strings, numbers, True, False, None',
    });
  }

  document(): PythonValue {
    const value = this.value();
    this.skipSpace();
    if (this.pos !== this.text.length) this.fail(`unexpected ${JSON.stringify(this.text[this.pos])}`);
    return value;
  }

  skipSpace(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos])) this.pos++;
  }

  value(): PythonValue {
    this.skipSpace();
    const c = this.text[this.pos];
    if (c === '{') return this.dict();
    if (c === '[') return this.sequence('[', ']');
    if (c === '(') return this.sequence('(', ')');
    if (c === "'" || c === '"') return this.string();
    if (c !== undefined && /[-+0-9.]/.test(c)) return this.number();
    for (const [word, v] of [
      ['True', true],
      ['False', false],
      ['None', null],
    ] as const) {
      if (this.text.startsWith(word, this.pos) && !/\w/.test(this.text[this.pos + word.length] ?? '')) {
        this.pos += word.length;
        return v;
      }
    }
    return this.fail(c === undefined ? 'unexpected end' : `unexpected ${JSON.stringify(c)}`);
  }

  /** Items separated by commas, a trailing comma allowed, up to `close`. */
  items<T>(close: string, item: () => T): T[] {
    const out: T[] = [];
    this.pos++; // opening bracket
    for (;;) {
      this.skipSpace();
      if (this.text[this.pos] === close) {
        this.pos++;
        return out;
      }
      out.push(item());
      this.skipSpace();
      if (this.text[this.pos] === ',') this.pos++;
      else if (this.text[this.pos] !== close) this.fail(`expected ',' or '${close}'`);
    }
  }

  dict(): { [key: string]: PythonValue } {
    const out: { [key: string]: PythonValue } = {};
    for (const [k, v] of this.items('}', () => {
      this.skipSpace();
      const key = this.value();
      if (typeof key !== 'string') this.fail('dict keys must be strings');
      this.skipSpace();
      if (this.text[this.pos] !== ':') this.fail("expected ':'");
      this.pos++;
      return [key, this.value()] as const;
    })) {
      if (Object.prototype.hasOwnProperty.call(out, k)) this.fail(`duplicate key ${JSON.stringify(k)}`);
      out[k] = v;
    }
    return out;
  }

  sequence(open: string, close: string): PythonValue[] {
    if (this.text[this.pos] !== open) this.fail(`expected '${open}'`);
    return this.items(close, () => this.value());
  }

  string(): string {
    const quote = this.text[this.pos++];
    let out = '';
    for (;;) {
      const c = this.text[this.pos++];
      if (c === undefined || c === '\n') this.fail('unterminated string');
      if (c === quote) return out;
      if (c !== '\\') {
        out += c;
        continue;
      }
      const e = this.text[this.pos++];
      const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', '0': '\0' };
      if (e !== undefined && simple[e] !== undefined) out += simple[e];
      else if (e === 'x' || e === 'u') {
        const len = e === 'x' ? 2 : 4;
        const hex = this.text.slice(this.pos, this.pos + len);
        if (!new RegExp(`^[0-9a-fA-F]{${len}}$`).test(hex)) this.fail(`bad \\${e} escape`);
        out += String.fromCharCode(parseInt(hex, 16));
        this.pos += len;
      } else this.fail(`unsupported escape \\${e ?? ''}`);
    }
  }

  number(): number {
    const m = /^[-+]?(\d[\d_]*(\.\d*)?|\.\d+)([eE][-+]?\d+)?/.exec(this.text.slice(this.pos));
    if (!m) return this.fail('bad number');
    this.pos += m[0].length;
    return Number(m[0].replace(/_/g, ''));
  }
}

export function parsePythonLiteral(text: string, where: { file?: string; field?: string } = {}): PythonValue {
  return new LiteralReader(text, where).document();
}

/**
 * Params equivalent to a PyRadiomics run, from the settings dict it recorded in `diagnostics_Configuration_Settings`
 * (only Original images; feature classes as given).
 */
export function settingsFromPyRadiomicsDiagnostics(
  settingsLiteral: string,
  featureClass: Record<string, string[] | null>,
  options: ValidateOptions = {},
): ExtractionParams {
  const setting = parsePythonLiteral(settingsLiteral, { file: options.file, field: 'diagnostics_Configuration_Settings' });
  return validateParams({ setting, imageType: { Original: {} }, featureClass }, options);
}
