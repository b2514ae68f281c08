// Every `osteoflow` command through main(): -h/--help prints its usage (exit 0) and a bad argument is refused with
// the message and the usage (exit 2), before anything is loaded, connected or started.
import { main } from '../../../cli/main';
import { captureOutput } from './support/captureOutput';

const osteoflow = (...argv: string[]) => captureOutput(() => main(argv));

jest.setTimeout(60000);

describe('osteoflow', () => {
  it.each([['--help'], ['-h'], ['help']])('%s lists every command, exit 0', async (arg) => {
    const r = await osteoflow(arg);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^usage: osteoflow <command> \[options\]\n\ncommands:\n/);
    for (const name of ['codec', 'console', 'extract', 'identity', 'intake', 'ledger', 'model', 'run', 'segment', 'study', 'stack', 'users', 'worker'])
      expect(r.out).toMatch(new RegExp(`\\n  ${name} +\\S`));
  });

  it('without a command prints the list, exit 2', async () => {
    const r = await osteoflow();
    expect(r.code).toBe(2);
    expect(r.out).toMatch(/^usage: osteoflow <command>/);
  });

  it('an unknown command is named, exit 2', async () => {
    const r = await osteoflow('extrakt');
    expect(r).toEqual({
      code: 2,
      out: '',
      err: "osteoflow: unknown command 'extrakt' (expected one of: codec, console, extract, identity, intake, ledger, maps, mask, model, run, segment, study, stack, users, worker)\n",
    });
  });
});

describe.each([
  [['extract'], 'usage: osteoflow extract'],
  [['segment'], 'usage: osteoflow segment'],
  [['run'], 'usage: osteoflow run'],
  [['model'], 'usage: osteoflow model'],
  [['model', 'train'], 'usage: osteoflow model'],
  [['study'], 'usage: osteoflow study'],
  [['study', 'show'], 'usage: osteoflow study'],
  [['stack'], 'usage: osteoflow stack'],
  [['stack', 'start'], 'usage: osteoflow stack'],
  [['ledger'], 'usage: osteoflow ledger verify'],
  [['ledger', 'verify'], 'usage: osteoflow ledger verify'],
  [['worker'], 'usage: osteoflow worker torch'],
  [['worker', 'torch'], 'usage: osteoflow worker torch'],
  [['console'], 'usage: osteoflow console'],
  [['users'], 'usage: osteoflow users'],
  [['users', 'add'], 'usage: osteoflow users'],
])('osteoflow %j', (command, usage) => {
  it.each([['--help'], ['-h']])('%s prints the usage on stdout, exit 0', async (flag) => {
    const r = await osteoflow(...command, flag);
    expect(r.code).toBe(0);
    expect(r.out.startsWith(usage)).toBe(true);
    expect(r.err).toBe('');
  });
});

describe('bad arguments: the message, then the usage, exit 2', () => {
  it.each([
    [
      ['extract', '--image', 'a', '--mask', 'b', '--labl', '2'],
      "osteoflow extract: unknown argument '--labl' (expected one of: --image, --mask, --params, --label, --format, --batch, --roi, --spacing, --voxel-based, --out-dir)",
    ],
    [['segment', '--image', 'a', '--out', 'm', '--batch', '0'], "osteoflow segment: --batch must be an integer from 1 to 256, got '0'"],
    [['segment', '--image', 'a', '--out', 'm', '--overlap', '0.95'], "osteoflow segment: --overlap must be a number from 0 to 0.9, got '0.95'"],
    [['segment', '--image', 'a', '--out', 'm', '--out', 'n'], 'osteoflow segment: --out given twice'],
    [['segment', '--image', 'a'], 'osteoflow segment: --out is required'],
    [['run', '--patients', '0'], "osteoflow run: --patients must be an integer from 1 to 999, got '0'"],
    [['run', '--defect-rate', '2'], "osteoflow run: --defect-rate must be a number from 0 to 1, got '2'"],
    [['run', '--seed'], 'osteoflow run: --seed needs a value'],
    [['model', 'train', '--bootstrap', 'many'], "osteoflow model train: --bootstrap must be an integer from 0 to 2000, got 'many'"],
    [['model', 'list', '--modle', 'x'], "osteoflow model list: unknown argument '--modle' (expected one of: --model, --study)"],
    [['study', 'register', '--study', 'S', '--patient', 'P'], 'osteoflow study register: --timepoint is required'],
    [['study', 'show', '--study', 'S', '--study', 'T', '--patient', 'P'], 'osteoflow study show: --study given twice'],
    [['stack', 'start', '--headles'], "osteoflow stack start: unknown argument '--headles' (expected one of: --headless)"],
    [['worker', 'torch', '--queue'], 'osteoflow worker torch: --queue needs a value'],
    [['console', '--port', '70000'], "osteoflow console: --port must be an integer from 0 to 65535, got '70000'"],
    [['users', 'add', '--role', 'admin'], 'osteoflow users add: a <username> is needed'],
    [['users', 'add', 'ada'], 'osteoflow users add: --role is required'],
  ])('%j', async (argv, first) => {
    const r = await osteoflow(...argv);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    const [line, ...rest] = r.err.split('\n');
    expect(line).toBe(first);
    expect(rest.join('\n')).toContain(`usage: osteoflow ${argv[0]}`);
  });

  it.each([[['model']], [['model', 'retrain']], [['study', 'enroll']], [['stack', 'restart']], [['worker', 'gpu']], [['users', 'remove']]])(
    '%j: an unknown action prints the usage',
    async (argv) => {
      const r = await osteoflow(...argv);
      expect(r.code).toBe(2);
      expect(r.out).toBe('');
      expect(r.err).toMatch(new RegExp(`^usage: osteoflow ${argv[0]}`));
    },
  );
});
