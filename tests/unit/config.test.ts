import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, PROJECT_ROOT } from '../../config';

const noFile = { OSTEOFLOW_CONFIG: undefined };

describe('loadConfig', () => {
  it('defaults to the embedded stack, the osteoflow namespace and project-local folders', () => {
    const cfg = loadConfig({ ...noFile });
    expect(cfg.temporal.address).toBeUndefined();
    expect(cfg.mlflow.trackingUri).toBeUndefined();
    expect(cfg.temporal.namespace).toBe('osteoflow');
    expect(cfg.dataDir).toBe(path.join(PROJECT_ROOT, '.osteoflow'));
    expect(cfg.venvDir).toBe(path.join(PROJECT_ROOT, '.venv'));
    expect(cfg.taskQueues.pipeline).not.toBe(cfg.taskQueues.segmentation);
  });

  it('accepts scans from the data folder, the temporary folder and this machine unless the site says otherwise', () => {
    const cfg = loadConfig({ ...noFile, OSTEOFLOW_DATA_DIR: '/srv/osteoflow' });
    expect(cfg.acquisition).toEqual({
      importRoots: ['/srv/osteoflow', os.tmpdir()],
      allowedHosts: ['localhost', '127.0.0.1', '::1'],
      allowHttp: true,
      allowPrivateAddresses: true,
      maxFileBytes: 4 * 1024 ** 3,
    });
    const site = loadConfig({
      ...noFile,
      OSTEOFLOW_IMPORT_ROOTS: ['/pacs/export', '/mnt/contours'].join(path.delimiter),
      OSTEOFLOW_IMPORT_HOSTS: 'pacs.example.org, archive.example.org',
      OSTEOFLOW_IMPORT_ALLOW_HTTP: '0',
      OSTEOFLOW_IMPORT_ALLOW_PRIVATE: 'false',
      OSTEOFLOW_IMPORT_MAX_BYTES: '1000000',
      OSTEOFLOW_MAX_VOXELS: '50000000',
    });
    expect(site.acquisition).toEqual({
      importRoots: ['/pacs/export', '/mnt/contours'],
      allowedHosts: ['pacs.example.org', 'archive.example.org'],
      allowHttp: false,
      allowPrivateAddresses: false,
      maxFileBytes: 1000000,
      maxVoxels: 50000000,
    });
  });

  it("takes the console's cookie and proxy settings, secure cookies deciding by the request unless set", () => {
    expect(loadConfig({ ...noFile }).console).toEqual({ trustProxy: false });
    expect(loadConfig({ ...noFile, OSTEOFLOW_CONSOLE_SECURE_COOKIES: '1', OSTEOFLOW_CONSOLE_TRUST_PROXY: 'true' }).console).toEqual({
      secureCookies: true,
      trustProxy: true,
    });
  });

  it('takes external servers and ports from the environment', () => {
    const cfg = loadConfig({
      TEMPORAL_ADDRESS: 'temporal.example:7233',
      TEMPORAL_NAMESPACE: 'bone',
      MLFLOW_TRACKING_URI: 'https://mlflow.example/',
      OSTEOFLOW_MLFLOW_PORT: '0',
    });
    expect(cfg.temporal).toMatchObject({ address: 'temporal.example:7233', namespace: 'bone' });
    expect(cfg.mlflow.trackingUri).toBe('https://mlflow.example/');
    expect(cfg.ports.mlflow).toBe(0);
  });

  it.each([
    [{ TEMPORAL_ADDRESS: 'http://temporal:7233' }, /temporal\.address \(TEMPORAL_ADDRESS\)' must be host:port/],
    [{ MLFLOW_TRACKING_URI: 'file:///tmp/mlruns' }, /MLFLOW_TRACKING_URI\)' must be an http\(s\) URL/],
    [{ OSTEOFLOW_TEMPORAL_PORT: '70000' }, /'ports\.temporal' must be an integer port 0–65535/],
    [{ OSTEOFLOW_MLFLOW_PORT: 'five' }, /'ports\.mlflow' must be an integer port/],
    [{ TEMPORAL_NAMESPACE: ' ' }, /temporal\.namespace .* must be a non-empty string/],
    [{ TEMPORAL_TLS_CA: '/nonexistent/ca.pem' }, /'temporal\.tls\.serverRootCaCertFile' must be an existing file/],
    [{ OSTEOFLOW_IMPORT_ALLOW_HTTP: 'yes' }, /'acquisition\.allowHttp' must be true or false \(1 or 0\), got "yes"/],
    [{ OSTEOFLOW_CONSOLE_TRUST_PROXY: 'maybe' }, /'console\.trustProxy \(OSTEOFLOW_CONSOLE_TRUST_PROXY\)' must be true or false \(1 or 0\), got "maybe"/],
    [{ OSTEOFLOW_CONSOLE_URL: 'http://console:8080' }, /'console\.token \(OSTEOFLOW_API_TOKEN\)' must be set together with the other/],
    [{ OSTEOFLOW_API_TOKEN: 'oft_secret' }, /'console\.url \(OSTEOFLOW_CONSOLE_URL\)' must be set together with the other/],
    [{ OSTEOFLOW_CONSOLE_URL: 'console:8080', OSTEOFLOW_API_TOKEN: 'oft_secret' }, /'console\.url \(OSTEOFLOW_CONSOLE_URL\)' must be an http\(s\) URL/],
    [{ OSTEOFLOW_CODEC_KEYS: ' ' }, /'temporal\.codecKeysFile \(OSTEOFLOW_CODEC_KEYS\)' must be a non-empty string/],
    [{ OSTEOFLOW_IMPORT_MAX_BYTES: '-1' }, /'acquisition\.maxFileBytes \(OSTEOFLOW_IMPORT_MAX_BYTES\)' must be a positive integer \(bytes\), got -1/],
    [{ OSTEOFLOW_MAX_VOXELS: '1e3x' }, /'acquisition\.maxVoxels \(OSTEOFLOW_MAX_VOXELS\)' must be a positive integer \(voxels per image\), got null/],
  ])('rejects %j naming the setting and what was expected', (env, message) => {
    expect(() => loadConfig({ ...noFile, ...env })).toThrow(message);
  });

  describe('config file', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'osteoflow-config-'));

    it('reads a JSON file, resolving relative folders against it, with the environment winning', () => {
      const file = path.join(dir, 'good.json');
      writeFileSync(file, JSON.stringify({ dataDir: 'state', taskQueues: { pipeline: 'site-a-pipeline' }, ports: { temporal: 7300 } }));
      const cfg = loadConfig({ OSTEOFLOW_CONFIG: file, OSTEOFLOW_TEMPORAL_PORT: '7400' });
      expect(cfg.dataDir).toBe(path.join(dir, 'state'));
      expect(cfg.taskQueues.pipeline).toBe('site-a-pipeline');
      expect(cfg.ports.temporal).toBe(7400);
    });

    it('rejects an unknown key with its path', () => {
      const file = path.join(dir, 'typo.json');
      writeFileSync(file, JSON.stringify({ temporal: { adress: 'x:1' } }));
      expect(() => loadConfig({ OSTEOFLOW_CONFIG: file })).toThrow(/unknown key 'temporal\.adress'/);
    });

    it('rejects a file that is not JSON, naming the file', () => {
      const file = path.join(dir, 'broken.json');
      writeFileSync(file, '{ dataDir: ');
      expect(() => loadConfig({ OSTEOFLOW_CONFIG: file })).toThrow(new RegExp(`configuration file ${file}: not readable JSON`));
    });

    it('rejects a named file that does not exist', () => {
      expect(() => loadConfig({ OSTEOFLOW_CONFIG: path.join(dir, 'absent.json') })).toThrow(/does not exist/);
    });
  });
});
