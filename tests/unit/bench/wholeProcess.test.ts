// The benchmark's whole-process helpers (bench/wholeProcess.ts): the 3 % parity rule as PyRadiomics states it (exact
// at 0, NaN only against NaN, a missing feature is a failure), which keys of an output row are features, medians, and
// GNU time's wall time and peak RSS of a real child process that allocates a known amount.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { featuresOf, median, parity, summarize, timeProcess } from '../../../bench/wholeProcess';

describe('parity (3 % rule)', () => {
  it('passes values within 3 %, fails beyond, at 0 only exact, NaN only with NaN, and a missing feature', () => {
    const theirs = { a_b_In: 100, a_b_Edge: 100, a_b_Out: 100, a_b_Zero: 0, a_b_ZeroOff: 0, a_b_Nan: NaN, a_b_NanOff: NaN, a_b_Gone: 1 };
    const ours = { a_b_In: 102.9, a_b_Edge: 97.0000001, a_b_Out: 103.1, a_b_Zero: 0, a_b_ZeroOff: 1e-12, a_b_Nan: NaN, a_b_NanOff: 5 };
    const p = parity(ours, theirs);
    expect(p.compared).toBe(8);
    expect(p.outside.map((line) => line.split(':')[0]).sort()).toEqual(['a_b_Gone', 'a_b_NanOff', 'a_b_Out', 'a_b_ZeroOff']);
  });
});

describe('featuresOf', () => {
  it('keeps <image>_<class>_<feature> values (numbers, numeric text, null and nan as NaN), not diagnostics or CSV columns', () => {
    const row = {
      ID: 'STS-1',
      Image: '/data/a.nii.gz',
      diagnostics_Versions_Python: '3.11.7',
      'log-sigma-1-0-mm-3D_glcm_Contrast': '12.5',
      original_firstorder_Mean: 3,
      'wavelet-LLH_ngtdm_Busyness': null,
      original_glcm_MCC: 'nan',
    };
    const f = featuresOf(row);
    expect(Object.keys(f).sort()).toEqual(['log-sigma-1-0-mm-3D_glcm_Contrast', 'original_firstorder_Mean', 'original_glcm_MCC', 'wavelet-LLH_ngtdm_Busyness']);
    expect(f['log-sigma-1-0-mm-3D_glcm_Contrast']).toBe(12.5);
    expect(f['wavelet-LLH_ngtdm_Busyness']).toBeNaN();
    expect(f.original_glcm_MCC).toBeNaN();
  });
});

describe('median and summarize', () => {
  it('takes the middle run (the mean of the two middle ones for an even count), the largest peak RSS, the mean load', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    const s = summarize([
      { seconds: 2, cpuSeconds: 7, maxRssKb: 100, load: 1 },
      { seconds: 1, cpuSeconds: 3, maxRssKb: 300, load: 3 },
      { seconds: 9, cpuSeconds: 4, maxRssKb: 200, load: 5 },
    ]);
    // the median time and the median CPU time, each of its own runs
    expect(s).toEqual({ seconds: 2, cpuSeconds: 4, maxRssKb: 300, load: 3, runs: 3 });
  });
});

describe('timeProcess', () => {
  jest.setTimeout(30000);
  const dir = mkdtempSync(path.join(tmpdir(), 'osteoflow-bench-test-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reports the wall time, the CPU time and a peak RSS that includes what the child touched, and keeps its stdout', () => {
    // 200 MB written page by page stays resident until exit; a bare node stays far below it.
    const script = "const b = Buffer.alloc(200 * 1024 * 1024, 1); setTimeout(() => process.stdout.write('done ' + b[5]), 300);";
    const out = path.join(dir, 'child.out');
    const run = timeProcess(process.execPath, ['-e', script], { stdoutFile: out });
    expect(readFileSync(out, 'utf8')).toBe('done 1');
    expect(run.maxRssKb).toBeGreaterThan(200 * 1024);
    expect(run.maxRssKb).toBeLessThan(600 * 1024);
    expect(run.seconds).toBeGreaterThanOrEqual(0.3);
    expect(run.load).toBeGreaterThanOrEqual(0);
    // writing 200 MB takes CPU, but the 300 ms wait does not
    expect(run.cpuSeconds).toBeGreaterThan(0);
    expect(run.cpuSeconds).toBeLessThan(run.seconds + 5);
  });

  it('counts the CPU time of a busy child', () => {
    // spins until it has used half a second of CPU by its own account, however loaded the machine is
    const script = 'const s = process.cpuUsage(); for (;;) { const u = process.cpuUsage(s); if (u.user + u.system >= 500000) break; }';
    const run = timeProcess(process.execPath, ['-e', script], { stdoutFile: path.join(dir, 'busy.out') });
    expect(run.cpuSeconds).toBeGreaterThanOrEqual(0.5);
  });

  it('throws with the command and its stderr when it fails', () => {
    expect(() => timeProcess(process.execPath, ['-e', "console.error('bad input: x.nii'); process.exit(3)"], { stdoutFile: path.join(dir, 'f.out') })).toThrow(
      /exit 3\)[\s\S]*bad input: x\.nii/,
    );
  });
});
