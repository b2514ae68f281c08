// Whole-process measurements for the benchmark: a command's wall time, CPU time and peak RSS as GNU time reports them
// (the process and its threads; children it waited for count with their own peak), the machine's 1-minute load average
// around it, medians over repeats, and the 3 % parity rule applied to two feature records (CSV or JSON output).
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const GNU_TIME = '/usr/bin/time';

export interface ProcessRun {
  seconds: number;
  /** User + system CPU seconds of every thread (the figure that other processes' load disturbs least). */
  cpuSeconds: number;
  maxRssKb: number;
  /** 1-minute load average, mean of the values just before and just after the run. */
  load: number;
}

/** Runs `cmd args` with stdout to `stdoutFile`; throws with the tail of stderr when it fails. */
export function timeProcess(cmd: string, args: string[], options: { env?: NodeJS.ProcessEnv; stdoutFile: string; cwd?: string }): ProcessRun {
  if (!existsSync(GNU_TIME)) throw new Error(`${GNU_TIME} (GNU time) is needed for whole-process peak RSS; install the 'time' package`);
  const report = `${options.stdoutFile}.time`;
  const out = openSync(options.stdoutFile, 'w');
  const loadBefore = os.loadavg()[0];
  let r;
  try {
    r = spawnSync(GNU_TIME, ['-f', '%e %M %U %S', '-o', report, cmd, ...args], {
      env: options.env ?? process.env,
      cwd: options.cwd,
      stdio: ['ignore', out, 'pipe'],
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
  } finally {
    closeSync(out);
  }
  const loadAfter = os.loadavg()[0];
  if (r.status !== 0) throw new Error(`${path.basename(cmd)} ${args.slice(0, 3).join(' ')} failed (exit ${r.status}):\n${(r.stderr ?? '').slice(-3000)}`);
  // GNU time writes "Command exited with non-zero status" lines before the format on failure; the last line is ours.
  const [seconds, maxRssKb, user, system] = readFileSync(report, 'utf8').trim().split('\n').at(-1)!.split(' ').map(Number);
  rmSync(report, { force: true });
  return { seconds, cpuSeconds: user + system, maxRssKb, load: (loadBefore + loadAfter) / 2 };
}

export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
};

export interface Summary {
  seconds: number;
  cpuSeconds: number;
  maxRssKb: number;
  load: number;
  runs: number;
}

/** Median time and CPU time, largest peak RSS and mean load over repeated runs. */
export function summarize(runs: readonly ProcessRun[]): Summary {
  return {
    seconds: median(runs.map((r) => r.seconds)),
    cpuSeconds: median(runs.map((r) => r.cpuSeconds)),
    maxRssKb: Math.max(...runs.map((r) => r.maxRssKb)),
    load: runs.reduce((a, r) => a + r.load, 0) / runs.length,
    runs: runs.length,
  };
}

/** A feature value from either tool's output: numbers, numeric strings, null / 'nan' as NaN; anything else undefined. */
function numeric(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (v === null) return NaN;
  if (typeof v === 'string' && v.trim() !== '') {
    const t = v.trim().toLowerCase();
    if (t === 'nan') return NaN;
    const n = Number(t);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

/** Feature entries of an output row: every key that is not a diagnostic nor one of the batch CSV's own columns. */
export function featuresOf(row: Record<string, unknown>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(row)) {
    if (k.startsWith('diagnostics_') || !/^[^_]+_[^_]+_[^_]+$/.test(k)) continue;
    const n = numeric(v);
    if (n !== undefined) out[k] = n;
  }
  return out;
}

export interface Parity {
  /** PyRadiomics features compared. */
  compared: number;
  /** Those outside the rule, as `name: ours vs theirs`. */
  outside: string[];
}

/** PyRadiomics' 3 % rule: |1 − ours/theirs| < 0.03, exact where theirs is 0, NaN where theirs is NaN. */
export function parity(ours: Record<string, number>, theirs: Record<string, number>): Parity {
  const outside: string[] = [];
  for (const [k, b] of Object.entries(theirs)) {
    const v = ours[k];
    const ok = v !== undefined && (Number.isNaN(b) ? Number.isNaN(v) : b === 0 ? v === 0 : Math.abs(1 - v / b) < 0.03);
    if (!ok) outside.push(`${k}: ${v} vs ${b}`);
  }
  return { compared: Object.keys(theirs).length, outside };
}
