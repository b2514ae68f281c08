// bin/osteoflow.js run as a program: its shell line gives glibc's malloc a fixed mmap threshold before node starts
// (what glibc reads only at process start), keeps a value the environment already has, and replaces itself with node —
// the same process, so nothing sits between the caller and the CLI — with the arguments and the exit code unchanged.
// `node bin/osteoflow.js` skips the line. A preload (NODE_OPTIONS, which the shell line passes on) reports what the
// node process sees.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from '../../../config';

jest.setTimeout(120000);

const BIN = path.join(PROJECT_ROOT, 'bin', 'osteoflow.js');
let dir: string;
let probe: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'osteoflow-bin-env-'));
  probe = path.join(dir, 'probe.cjs');
  // writes the node process's own view as it starts: its pid, its parent's, and the allocator setting
  writeFileSync(
    probe,
    `require('node:fs').writeFileSync(process.env.PROBE_OUT, JSON.stringify({ pid: process.pid, ppid: process.ppid, threshold: process.env.MALLOC_MMAP_THRESHOLD_ ?? null }));\n`,
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Seen {
  pid: number;
  ppid: number;
  threshold: string | null;
}

function run(command: string, args: string[], env: Record<string, string> = {}) {
  const out = path.join(dir, `seen-${Math.random().toString(36).slice(2)}.json`);
  const base = { ...process.env };
  delete base.MALLOC_MMAP_THRESHOLD_;
  const r = spawnSync(command, args, {
    encoding: 'utf8',
    timeout: 100000,
    env: { ...base, NODE_OPTIONS: `--require ${probe}`, PROBE_OUT: out, ...env },
  });
  const seen = JSON.parse(readFileSync(out, 'utf8')) as Seen;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, pid: r.pid, seen };
}

describe('bin/osteoflow.js as a program', () => {
  it('starts node with the 1 MiB mmap threshold, in the same process', () => {
    const r = run(BIN, ['--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^usage: osteoflow <command>/);
    expect(r.seen.threshold).toBe('1048576');
    // exec, not a child: the node process is the one spawned here, and its parent is this test's process
    expect(r.seen.pid).toBe(r.pid);
    expect(r.seen.ppid).toBe(process.pid);
  });

  it("keeps a threshold the environment already sets, and an empty one is the shell's unset", () => {
    expect(run(BIN, ['--help'], { MALLOC_MMAP_THRESHOLD_: '4194304' }).seen.threshold).toBe('4194304');
    expect(run(BIN, ['--help'], { MALLOC_MMAP_THRESHOLD_: '' }).seen.threshold).toBe('1048576');
  });

  it('passes arguments with spaces, quotes and $ unchanged, and the exit code back', () => {
    const odd = path.join(dir, 'no such dir', "it's $HOME `x`.nii.gz");
    const r = run(BIN, ['extract', '--image', odd, '--mask', odd]);
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe(`osteoflow extract: file ${odd}, field 'path': not found (expected an existing image file or DICOM folder)`);
    expect(run(BIN, ['extract', '--no-such-flag']).status).toBe(2);
  });

  it('run by node directly, the shell line is a comment and the setting is left to the caller', () => {
    const r = run(process.execPath, [BIN, '--help']);
    expect(r.status).toBe(0);
    expect(r.seen.threshold).toBeNull();
  });
});
