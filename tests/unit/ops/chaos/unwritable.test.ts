import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makeUnwritable, restoreAll } from '../../../../ops/chaos/unwritable';

describe('unwritable store folders', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'osteoflow-chaos-unwritable-'));
    mkdirSync(path.join(root, 'SYN-001', 'baseline'), { recursive: true });
  });
  afterEach(() => {
    restoreAll();
    rmSync(root, { recursive: true, force: true });
  });

  it('refuses new files in every folder under the root until restored, then gives the modes back', () => {
    const deep = path.join(root, 'SYN-001', 'baseline');
    const modeBefore = statSync(deep).mode;
    const folders = makeUnwritable([root]);
    expect(folders.folders).toBe(3);
    // Where root's permission bits cannot be enforced (no immutable flag here), there is nothing to observe.
    if (folders.enforcement.startsWith('mode only')) return;
    expect(() => writeFileSync(path.join(deep, 'scan.nii.gz'), 'x')).toThrow(/EACCES|EPERM/);
    expect(() => mkdirSync(path.join(root, 'SYN-002'))).toThrow(/EACCES|EPERM/);
    folders.restore();
    writeFileSync(path.join(deep, 'scan.nii.gz'), 'x');
    mkdirSync(path.join(root, 'SYN-002'));
    expect(statSync(deep).mode).toBe(modeBefore);
  });

  it('restores whatever is still unwritable on the way out', () => {
    makeUnwritable([root]);
    restoreAll();
    writeFileSync(path.join(root, 'SYN-001', 'baseline', 'mask.nii.gz'), 'x');
    expect(() => rmSync(root, { recursive: true })).not.toThrow();
  });
});
