// A strict little flag parser: known flags only, values checked, so a typo fails with the flag's name.

export type FlagSpec = Record<string, { kind: 'boolean' } | { kind: 'string' } | { kind: 'int'; min?: number; max?: number }>;
export type ParsedFlags = Record<string, string | number | boolean | undefined>;

export class UsageError extends Error {}

export function parseFlags(argv: string[], spec: FlagSpec): ParsedFlags {
  const out: ParsedFlags = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [name, inline] = arg.startsWith('--') ? arg.slice(2).split(/=(.*)/s, 2) : [undefined, undefined];
    const flag = name !== undefined ? spec[name] : undefined;
    if (!name || !flag) throw new UsageError(`unknown argument '${arg}' (expected one of: ${Object.keys(spec).map((k) => `--${k}`).join(', ')})`);
    if (flag.kind === 'boolean') {
      out[name] = true;
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined) throw new UsageError(`--${name} needs a value`);
    if (flag.kind === 'int') {
      const n = Number(value);
      if (!Number.isInteger(n) || (flag.min !== undefined && n < flag.min) || (flag.max !== undefined && n > flag.max)) {
        throw new UsageError(`--${name} must be an integer${flag.min !== undefined ? ` ≥ ${flag.min}` : ''}${flag.max !== undefined ? ` and ≤ ${flag.max}` : ''}, got '${value}'`);
      }
      out[name] = n;
    } else out[name] = value;
  }
  return out;
}
