// The one flag parser of the `osteoflow` commands: known flags only, each value checked, so a typo or a bad value
// fails with the flag's name (a UsageError, which a command reports with its usage and exit code 2).
//
// Rules:
//   --flag value and --flag=value are the same; a value may not be empty.
//   -h and --help ask for the command's usage: parsing stops there and the result is { help: true }.
//   Anything else not in the spec (a positional word, a short flag, a misspelt flag) is an unknown argument.
//   A flag given twice is refused, except a `list` flag, which collects every value in order.
//   boolean: present or absent, takes no value.   string: any non-empty text.   list: repeatable string.
//   int: a decimal integer, optionally within min/max.   positive-int: 1, 2, 3, …
//   number: a decimal number (1, 0.25, .5, 1e-3), optionally within min/max.   enum: one of the given values.
//   required: a flag that must be given (unless help was asked for); a string is a hint added to the message.

export type FlagKind =
  | { kind: 'boolean' }
  | { kind: 'string' }
  | { kind: 'list' }
  | { kind: 'int'; min?: number; max?: number }
  | { kind: 'positive-int' }
  | { kind: 'number'; min?: number; max?: number }
  | { kind: 'enum'; values: readonly string[] };

export type FlagDef = FlagKind & { required?: boolean | string };
export type FlagSpec = Record<string, FlagDef>;

type ValueOf<F> = F extends { kind: 'boolean' }
  ? boolean
  : F extends { kind: 'list' }
    ? string[]
    : F extends { kind: 'int' | 'positive-int' | 'number' }
      ? number
      : F extends { kind: 'enum'; values: readonly (infer V)[] }
        ? V
        : string;

/** The flags given, by name without the dashes; absent flags are absent. */
export type ParsedFlags<S extends FlagSpec = FlagSpec> = { -readonly [K in keyof S]?: ValueOf<S[K]> } & { help?: boolean };

export class UsageError extends Error {
  override name = 'UsageError';
}

export const HELP_FLAGS: readonly string[] = ['-h', '--help'];

/** Whether an argument asks for usage (`-h` or `--help`). */
export function isHelp(arg: string | undefined): boolean {
  return arg !== undefined && HELP_FLAGS.includes(arg);
}

function orList(values: readonly string[]): string {
  return values.length <= 1 ? values.join('') : `${values.slice(0, -1).join(', ')} or ${values[values.length - 1]}`;
}

function range(min: number | undefined, max: number | undefined): string {
  if (min !== undefined && max !== undefined) return ` from ${min} to ${max}`;
  if (min !== undefined) return ` ≥ ${min}`;
  if (max !== undefined) return ` ≤ ${max}`;
  return '';
}

function convert(flag: string, def: FlagDef, value: string): string | number {
  switch (def.kind) {
    case 'int': {
      const n = /^-?\d+$/.test(value) ? Number(value) : NaN;
      if (!Number.isSafeInteger(n) || (def.min !== undefined && n < def.min) || (def.max !== undefined && n > def.max)) {
        throw new UsageError(`${flag} must be an integer${range(def.min, def.max)}, got '${value}'`);
      }
      return n;
    }
    case 'positive-int': {
      const n = /^[1-9]\d*$/.test(value) ? Number(value) : NaN;
      if (!Number.isSafeInteger(n)) throw new UsageError(`${flag} must be a positive integer, got '${value}'`);
      return n;
    }
    case 'number': {
      const n = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(value) ? Number(value) : NaN;
      if (!Number.isFinite(n) || (def.min !== undefined && n < def.min) || (def.max !== undefined && n > def.max)) {
        throw new UsageError(`${flag} must be a number${range(def.min, def.max)}, got '${value}'`);
      }
      return n;
    }
    case 'enum':
      if (!def.values.includes(value)) throw new UsageError(`${flag} must be ${orList(def.values)}, got '${value}'`);
      return value;
    default:
      return value;
  }
}

export function parseFlags<const S extends FlagSpec>(argv: readonly string[], spec: S): ParsedFlags<S> {
  const out: Record<string, unknown> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (isHelp(arg)) return { help: true } as ParsedFlags<S>;
    const eq = arg.indexOf('=');
    const name = arg.startsWith('--') ? arg.slice(2, eq < 0 ? undefined : eq) : undefined;
    const def = name !== undefined && Object.hasOwn(spec, name) ? spec[name] : undefined;
    if (name === undefined || def === undefined) {
      const known = Object.keys(spec).map((k) => `--${k}`);
      throw new UsageError(`unknown argument '${arg}' (expected one of: ${known.join(', ')})`);
    }
    const flag = `--${name}`;
    if (def.kind !== 'list' && out[name] !== undefined) throw new UsageError(`${flag} given twice`);
    if (def.kind === 'boolean') {
      if (eq >= 0) throw new UsageError(`${flag} takes no value, got '${arg}'`);
      out[name] = true;
      continue;
    }
    const value = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined || value === '') throw new UsageError(`${flag} needs a value`);
    if (def.kind === 'list') out[name] = [...((out[name] as string[] | undefined) ?? []), value];
    else out[name] = convert(flag, def, value);
  }
  for (const [name, def] of Object.entries(spec)) {
    if (def.required && out[name] === undefined) {
      throw new UsageError(`--${name} is required${typeof def.required === 'string' ? ` (${def.required})` : ''}`);
    }
  }
  return out as ParsedFlags<S>;
}
