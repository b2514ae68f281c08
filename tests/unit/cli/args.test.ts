// The one flag parser of the `osteoflow` commands: each rule, and the literal message of each bad input.
import { isHelp, parseFlags, UsageError, type FlagSpec } from '../../../cli/args';

const spec = {
  patients: { kind: 'int', min: 1, max: 999 },
  seed: { kind: 'int', min: 0 },
  offset: { kind: 'int' },
  label: { kind: 'positive-int' },
  rate: { kind: 'number', min: 0, max: 1 },
  format: { kind: 'enum', values: ['json', 'csv'] },
  level: { kind: 'enum', values: ['low', 'mid', 'high'] },
  study: { kind: 'string' },
  image: { kind: 'list' },
  'keep-stack': { kind: 'boolean' },
} as const satisfies FlagSpec;

const EXPECTED = '(expected one of: --patients, --seed, --offset, --label, --rate, --format, --level, --study, --image, --keep-stack)';

function message(argv: string[], s: FlagSpec = spec): string {
  try {
    parseFlags(argv, s);
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as Error).message;
  }
  throw new Error(`no UsageError for ${JSON.stringify(argv)}`);
}

describe('parseFlags: values', () => {
  it('reads --flag value and --flag=value alike', () => {
    expect(parseFlags(['--patients', '6', '--study=OS-1', '--keep-stack'], spec)).toEqual({ patients: 6, study: 'OS-1', 'keep-stack': true });
    expect(parseFlags(['--patients=6', '--study', 'OS-1'], spec)).toEqual({ patients: 6, study: 'OS-1' });
  });

  it('keeps everything after the first = of --flag=value', () => {
    expect(parseFlags(['--study=a=b'], spec)).toEqual({ study: 'a=b' });
  });

  it('leaves absent flags out', () => {
    expect(parseFlags([], spec)).toEqual({});
  });

  it('reads integers within their bounds, negative ones too', () => {
    expect(parseFlags(['--patients', '1', '--seed', '0', '--offset', '-3'], spec)).toEqual({ patients: 1, seed: 0, offset: -3 });
    expect(parseFlags(['--patients', '999'], spec)).toEqual({ patients: 999 });
  });

  it('reads positive integers', () => {
    expect(parseFlags(['--label', '12'], spec)).toEqual({ label: 12 });
  });

  it('reads decimal numbers within their bounds', () => {
    expect(parseFlags(['--rate', '0.25'], spec)).toEqual({ rate: 0.25 });
    expect(parseFlags(['--rate=.5'], spec)).toEqual({ rate: 0.5 });
    expect(parseFlags(['--rate', '1e-3'], spec)).toEqual({ rate: 0.001 });
    expect(parseFlags(['--rate', '1'], spec)).toEqual({ rate: 1 });
  });

  it("reads one of an enum's values", () => {
    expect(parseFlags(['--format', 'csv', '--level=mid'], spec)).toEqual({ format: 'csv', level: 'mid' });
  });

  it('collects a list flag given several times, in order', () => {
    expect(parseFlags(['--image', 'a', '--image=T2=b', '--image', 'c'], spec)).toEqual({ image: ['a', 'T2=b', 'c'] });
  });

  it('takes the next argument as the value even when it starts with dashes', () => {
    expect(parseFlags(['--study', '--keep-stack'], spec)).toEqual({ study: '--keep-stack' });
  });
});

describe('parseFlags: help', () => {
  it.each([[['-h']], [['--help']], [['--study', 'x', '--help']], [['--help', '--bogus']], [['-h', '--patients', '0']]])('%j → { help: true }', (argv) => {
    expect(parseFlags(argv, spec)).toEqual({ help: true });
  });

  it('skips the required check', () => {
    expect(parseFlags(['--help'], { out: { kind: 'string', required: true } })).toEqual({ help: true });
  });

  it('still refuses what comes before it', () => {
    expect(message(['--bogus', '--help'])).toBe(`unknown argument '--bogus' ${EXPECTED}`);
  });

  it('isHelp knows -h and --help only', () => {
    expect([isHelp('-h'), isHelp('--help'), isHelp('help'), isHelp('--helps'), isHelp(undefined)]).toEqual([true, true, false, false, false]);
  });
});

describe('parseFlags: bad arguments', () => {
  it.each([
    // unknown flags and stray words
    [['--patient', '6'], `unknown argument '--patient' ${EXPECTED}`],
    [['six'], `unknown argument 'six' ${EXPECTED}`],
    [['-p', '6'], `unknown argument '-p' ${EXPECTED}`],
    [['--'], `unknown argument '--' ${EXPECTED}`],
    [['--=x'], `unknown argument '--=x' ${EXPECTED}`],
    [['--constructor', 'x'], `unknown argument '--constructor' ${EXPECTED}`],
    // missing values
    [['--study'], '--study needs a value'],
    [['--study='], '--study needs a value'],
    [['--study', ''], '--study needs a value'],
    [['--image'], '--image needs a value'],
    // booleans take none
    [['--keep-stack=yes'], "--keep-stack takes no value, got '--keep-stack=yes'"],
    // integers
    [['--patients', '0'], "--patients must be an integer from 1 to 999, got '0'"],
    [['--patients', '1000'], "--patients must be an integer from 1 to 999, got '1000'"],
    [['--patients', '2.5'], "--patients must be an integer from 1 to 999, got '2.5'"],
    [['--patients', 'six'], "--patients must be an integer from 1 to 999, got 'six'"],
    [['--patients', '0x10'], "--patients must be an integer from 1 to 999, got '0x10'"],
    [['--patients', ' 5'], "--patients must be an integer from 1 to 999, got ' 5'"],
    [['--seed', '-1'], "--seed must be an integer ≥ 0, got '-1'"],
    [['--offset', '1e3'], "--offset must be an integer, got '1e3'"],
    [['--offset', '99999999999999999999'], "--offset must be an integer, got '99999999999999999999'"],
    // positive integers
    [['--label', '0'], "--label must be a positive integer, got '0'"],
    [['--label', '-2'], "--label must be a positive integer, got '-2'"],
    [['--label', '01'], "--label must be a positive integer, got '01'"],
    [['--label', 'x'], "--label must be a positive integer, got 'x'"],
    // numbers
    [['--rate', '1.5'], "--rate must be a number from 0 to 1, got '1.5'"],
    [['--rate', '-0.1'], "--rate must be a number from 0 to 1, got '-0.1'"],
    [['--rate', 'half'], "--rate must be a number from 0 to 1, got 'half'"],
    [['--rate', 'Infinity'], "--rate must be a number from 0 to 1, got 'Infinity'"],
    // enums
    [['--format', 'xml'], "--format must be json or csv, got 'xml'"],
    [['--level', 'max'], "--level must be low, mid or high, got 'max'"],
    // a flag twice
    [['--study', 'a', '--study', 'b'], '--study given twice'],
    [['--patients=1', '--patients', '1'], '--patients given twice'],
    [['--keep-stack', '--keep-stack'], '--keep-stack given twice'],
  ])('%j', (argv, expected) => {
    expect(message(argv)).toBe(expected);
  });
});

describe('parseFlags: required flags', () => {
  const required = {
    image: { kind: 'list', required: 'one per model channel' },
    out: { kind: 'string', required: true },
    model: { kind: 'string' },
  } as const satisfies FlagSpec;

  it("names the first missing one, in the spec's order, with its hint", () => {
    expect(message([], required)).toBe('--image is required (one per model channel)');
    expect(message(['--image', 'a'], required)).toBe('--out is required');
  });

  it('passes when they are given', () => {
    expect(parseFlags(['--out', 'm', '--image', 'a'], required)).toEqual({ image: ['a'], out: 'm' });
  });
});
