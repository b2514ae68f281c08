// The stack script (`osteoflow stack start`) run as a person would, with the three classic set-up faults.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync, chmodSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from '../../../config';

const BIN = path.join(PROJECT_ROOT, 'bin', 'osteoflow.js');

function stackStart(env: Record<string, string>) {
  const result = spawnSync(process.execPath, [BIN, 'stack', 'start', '--headless'], {
    encoding: 'utf8',
    env: { HOME: os.homedir(), PATH: process.env.PATH ?? '', ...env },
    timeout: 60000,
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

function freshDirs() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'osteoflow-stack-bad-'));
  return { dir, OSTEOFLOW_DATA_DIR: path.join(dir, 'data'), OSTEOFLOW_VENV: path.join(dir, 'venv') };
}

describe('osteoflow stack start with bad set-ups', () => {
  it('names a taken port and how to choose another', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const { dir: _dir, ...env } = freshDirs();
      const { status, output } = stackStart({ ...env, OSTEOFLOW_TEMPORAL_PORT: String(port) });
      expect(status).toBe(1);
      expect(output).toContain(`port ${port} on 127.0.0.1 is already in use, so the Temporal dev server cannot start there`);
      expect(output).toMatch(/fix: .*OSTEOFLOW_TEMPORAL_PORT=<port>/);
    } finally {
      blocker.close();
    }
  });

  it('names a missing python3 and how to install it', () => {
    const { dir, ...env } = freshDirs();
    const emptyPath = path.join(dir, 'empty-bin');
    mkdirSync(emptyPath);
    const { status, output } = stackStart({ ...env, PATH: emptyPath, OSTEOFLOW_TEMPORAL_PORT: '0', OSTEOFLOW_MLFLOW_PORT: '0' });
    expect(status).toBe(1);
    expect(output).toContain("Python interpreter 'python3' not found");
    expect(output).toMatch(/fix: install Python 3 with venv support \(Debian: apt-get install python3 python3-venv\), or point OSTEOFLOW_PYTHON/);
  });

  it('names a venv whose interpreter is gone and how to recreate it', () => {
    const { dir: _dir, ...env } = freshDirs();
    mkdirSync(path.join(env.OSTEOFLOW_VENV, 'bin'), { recursive: true });
    symlinkSync('/nonexistent/python3.11', path.join(env.OSTEOFLOW_VENV, 'bin', 'python'));
    const { status, output } = stackStart({ ...env, OSTEOFLOW_TEMPORAL_PORT: '0', OSTEOFLOW_MLFLOW_PORT: '0' });
    expect(status).toBe(1);
    expect(output).toContain(`the Python venv at ${env.OSTEOFLOW_VENV} is broken`);
    expect(output).toContain(`fix: remove it (rm -rf ${env.OSTEOFLOW_VENV}) and run again`);
  });

  it('names a venv whose interpreter fails to run', () => {
    const { dir: _dir, ...env } = freshDirs();
    const python = path.join(env.OSTEOFLOW_VENV, 'bin', 'python');
    mkdirSync(path.dirname(python), { recursive: true });
    writeFileSync(python, '#!/bin/sh\necho "error while loading shared libraries: libpython3.11.so.1.0" >&2\nexit 127\n');
    chmodSync(python, 0o755);
    const { status, output } = stackStart({ ...env, OSTEOFLOW_TEMPORAL_PORT: '0', OSTEOFLOW_MLFLOW_PORT: '0' });
    expect(status).toBe(1);
    expect(output).toContain('its interpreter does not run (error while loading shared libraries');
    expect(output).toContain('fix: remove it');
  });

  it('rejects an unknown action with usage', () => {
    const result = spawnSync(process.execPath, [BIN, 'stack', 'restart'], { encoding: 'utf8' });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('usage: osteoflow stack <start|stop|status>');
  });
});
