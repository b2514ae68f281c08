import { parseFlags, UsageError } from '../../cli/args';

const spec = { patients: { kind: 'int' as const, min: 1 }, study: { kind: 'string' as const }, 'keep-stack': { kind: 'boolean' as const } };

describe('parseFlags', () => {
  it('reads ints, strings and booleans in both --k v and --k=v forms', () => {
    expect(parseFlags(['--patients', '6', '--study=OS-1', '--keep-stack'], spec)).toEqual({ patients: 6, study: 'OS-1', 'keep-stack': true });
  });

  it.each([
    [['--patient', '6'], /unknown argument '--patient'/],
    [['--patients', '0'], /--patients must be an integer ≥ 1, got '0'/],
    [['--patients', '2.5'], /--patients must be an integer/],
    [['--study'], /--study needs a value/],
    [['six'], /unknown argument 'six'/],
  ])('rejects %j', (argv, message) => {
    expect(() => parseFlags(argv, spec)).toThrow(UsageError);
    expect(() => parseFlags(argv, spec)).toThrow(message);
  });
});
