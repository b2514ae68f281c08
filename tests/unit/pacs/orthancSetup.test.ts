// Setting up the PACS without starting it: ORTHANC_* settings, the endpoints the stack exposes, the generated
// credentials (0600) and Orthanc configuration, and the system-package check's answer where it cannot install.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig, PROJECT_ROOT } from '../../../config';
import { currentEndpoints, orthancEndpoint, ORTHANC_AET, stackPaths } from '../../../config/endpoints';
import { ensureOrthancCredentials, orthancConfig, writeOrthancConfig } from '../../../ops/orthancServer';
import { tempDir } from './support';

const noFile = { OSTEOFLOW_CONFIG: undefined };

describe('ORTHANC_* settings', () => {
  it('defaults to the embedded Orthanc on ports 8042 and 4242, and takes an existing PACS from the environment', () => {
    const cfg = loadConfig({ ...noFile });
    expect(cfg.orthanc).toEqual({});
    expect(cfg.ports).toMatchObject({ orthanc: 8042, orthancDicom: 4242 });
    const site = loadConfig({
      ...noFile,
      ORTHANC_URL: 'https://pacs.example.org/orthanc/',
      ORTHANC_USERNAME: 'osteoflow',
      ORTHANC_PASSWORD: 's3cret',
      OSTEOFLOW_ORTHANC_PORT: '0',
    });
    expect(site.orthanc).toEqual({ url: 'https://pacs.example.org/orthanc/', username: 'osteoflow', password: 's3cret' });
    expect(site.ports.orthanc).toBe(0);
  });

  it.each([
    [{ ORTHANC_URL: 'ftp://pacs' }, /'orthanc\.url \(ORTHANC_URL\)' must be an http\(s\) URL/],
    [{ ORTHANC_URL: 'https://user:pw@pacs.example.org' }, /credentials in ORTHANC_USERNAME\/ORTHANC_PASSWORD/],
    [{ ORTHANC_URL: 'https://pacs', ORTHANC_USERNAME: 'me' }, /both set, or neither/],
    [{ ORTHANC_USERNAME: 'me', ORTHANC_PASSWORD: 'pw' }, /set when ORTHANC_USERNAME\/ORTHANC_PASSWORD are/],
    [{ OSTEOFLOW_ORTHANC_DICOM_PORT: '70000' }, /'ports\.orthancDicom' must be an integer port/],
  ])('refuses %j by its name, without quoting a password', (env, message) => {
    let error: Error | undefined;
    try {
      loadConfig({ ...noFile, ...env });
    } catch (e) {
      error = e as Error;
    }
    expect(error?.message).toMatch(message);
    expect(error?.message).not.toMatch(/pw@|"pw"/);
  });
});

describe('the endpoints of the PACS', () => {
  it('names an external PACS with its credentials, and the embedded one only while it runs', () => {
    const dataDir = tempDir('osteoflow-orthanc-endpoints-');
    const external = loadConfig({ ...noFile, OSTEOFLOW_DATA_DIR: dataDir, ORTHANC_URL: 'http://pacs:8042/', ORTHANC_USERNAME: 'u', ORTHANC_PASSWORD: 'p' });
    expect(orthancEndpoint(external)).toEqual({ url: 'http://pacs:8042', embedded: false, credentials: { username: 'u', password: 'p' } });

    const cfg = loadConfig({ ...noFile, OSTEOFLOW_DATA_DIR: dataDir });
    expect(() => orthancEndpoint(cfg)).toThrow(/the embedded Orthanc is not running[\s\S]*fix: start the stack/);
    // A live process recorded as ours (this test's own pid stands in: its command line is not Orthanc's, so it is not).
    writeFileSync(stackPaths(dataDir).state, JSON.stringify({ orthanc: { pid: process.pid, port: 8042, dicomPort: 4242 } }));
    expect(() => orthancEndpoint(cfg)).toThrow(/not running/);
    // Temporal and MLflow endpoints do not depend on it.
    expect(() => currentEndpoints(cfg)).toThrow(/Temporal server/);
  });
});

describe('the embedded Orthanc set-up', () => {
  it('generates credentials once, readable by this user only', () => {
    const dir = tempDir('osteoflow-orthanc-creds-');
    const file = path.join(dir, 'orthanc-credentials.json');
    const first = ensureOrthancCredentials(file);
    expect(first.username).toBe('osteoflow');
    expect(first.password.length).toBeGreaterThanOrEqual(32);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(ensureOrthancCredentials(file)).toEqual(first);
    expect(ensureOrthancCredentials(path.join(dir, 'other.json')).password).not.toBe(first.password);
  });

  it('writes a configuration with authentication, local-only access, the DICOMweb plugin and C-STORE from the known AE title only', () => {
    const dir = tempDir('osteoflow-orthanc-config-');
    const file = path.join(dir, 'orthanc', 'orthanc.json');
    const credentials = { username: 'osteoflow', password: 'x'.repeat(32) };
    writeOrthancConfig(file, {
      storageDir: path.join(dir, 'orthanc', 'storage'),
      indexDir: path.join(dir, 'orthanc', 'index'),
      httpPort: 18042,
      dicomPort: 14242,
      credentials,
    });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(path.join(dir, 'orthanc', 'storage')).mode & 0o777).toBe(0o700);
    const written = JSON.parse(readFileSync(file, 'utf8'));
    expect(written).toMatchObject({
      HttpPort: 18042,
      DicomPort: 14242,
      AuthenticationEnabled: true,
      RegisteredUsers: { osteoflow: 'x'.repeat(32) },
      RemoteAccessAllowed: false,
      Plugins: ['/usr/share/orthanc/plugins/libOrthancDicomWeb.so'],
      DicomWeb: { Enable: true, Root: '/dicom-web/' },
      DicomAet: ORTHANC_AET.called,
      DicomAlwaysAllowStore: false,
      DicomCheckModalityHost: true,
      DeidentifyLogs: true,
      StableAge: 60,
    });
    expect(written.DicomModalities.osteoflow).toMatchObject({ AET: ORTHANC_AET.calling, Host: '127.0.0.1', AllowStore: true });
    expect(orthancConfig({ storageDir: 's', indexDir: 'i', httpPort: 1, dicomPort: 2, credentials, stableAgeSeconds: 2 }).StableAge).toBe(2);
  });
});

describe('ops/systemPackages.mjs', () => {
  it('lists what is missing and says how to install it where this machine cannot', () => {
    const bin = tempDir('osteoflow-empty-path-');
    mkdirSync(path.join(bin, 'empty'));
    const script = `
      const m = await import(${JSON.stringify(path.join(PROJECT_ROOT, 'ops', 'systemPackages.mjs'))});
      const env = { PATH: ${JSON.stringify(path.join(bin, 'empty'))} };
      const missing = m.missingSystemPackages(env).map((p) => p.name);
      let message = '';
      try { m.ensureSystemPackages({ env, log: () => {} }); } catch (e) { message = e.name + ': ' + e.message; }
      const external = m.missingSystemPackages({ ...env, ORTHANC_URL: 'http://pacs' }).map((p) => p.name);
      const forStart = m.missingSystemPackages(env, 'start').map((p) => p.name);
      console.log(JSON.stringify({ missing, message, external, forStart }));`;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(run.status).toBe(0);
    const { missing, message, external, forStart } = JSON.parse(run.stdout);
    // Orthanc lives in /usr/sbin, which is searched whatever PATH says; storescu and apt-get are found on PATH only.
    expect(missing).toContain('dcmtk');
    expect(external).toEqual(missing.filter((name: string) => !name.startsWith('orthanc')));
    expect(message).toMatch(/^SystemPackagesError: missing .*dcmtk \(DCMTK \(storescu\)\).*(no apt-get to install them|needs root)/);
    // Chromium lives in /usr/bin, off this PATH; the main job does without the test-only packages.
    expect(missing).toContain('chromium');
    expect(forStart).toEqual(missing.filter((name: string) => !['chromium', 'postgresql', 'iproute2'].includes(name)));
  });
});
