// The embedded PACS: Debian's Orthanc run as a user process (never the system service) with a generated configuration:
// HTTP and DICOM on the ports given, authentication on with generated credentials (a 0600 file in the stack's folder),
// storage and index under the stack's folder, the DICOMweb plugin loaded (QIDO-RS, WADO-RS, STOW-RS at /dicom-web/).
// The REST API answers on 127.0.0.1 only (RemoteAccessAllowed false); the DICOM listener takes C-STORE only from
// 127.0.0.1 under the calling AE title ORTHANC_AET.calling. ops/systemPackages.mjs installs the packages.
import { randomBytes } from 'node:crypto';
import { accessSync, chmodSync, constants, existsSync, mkdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { StackError } from '../config/stackError';
import { ORTHANC_AET, readOrthancCredentials, type OrthancCredentials, type OrthancEndpoint } from '../config/endpoints';
import { freePort, spawnDetached, stopProcessGroup, tail, waitUntil } from './processes';

/** Where Debian's orthanc-dicomweb package puts the plugin (ops/systemPackages.mjs checks the same path). */
export const DICOMWEB_PLUGIN = '/usr/share/orthanc/plugins/libOrthancDicomWeb.so';
/** Orthanc's default: a series is stable (StableSeries in /changes) this long after its last instance arrived. */
export const DEFAULT_STABLE_AGE_S = 60;

const INSTALL_HINT =
  'install it as root: node ops/systemPackages.mjs (apt-get install -y --no-install-recommends orthanc orthanc-dicomweb dcmtk), or use an existing PACS with ORTHANC_URL';

/** The Orthanc program: on PATH or in the sbin folders, where Debian puts it. */
export function orthancProgram(env: NodeJS.ProcessEnv = process.env): string {
  const dirs = [...(env.PATH ?? '').split(path.delimiter), '/usr/local/sbin', '/usr/sbin', '/sbin'].filter(Boolean);
  for (const dir of dirs) {
    const file = path.join(dir, 'Orthanc');
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      /* not here */
    }
  }
  throw new StackError('the Orthanc program is not installed (not on PATH, nor in /usr/sbin).', INSTALL_HINT);
}

/** Throws when the DICOMweb plugin is missing: without it Orthanc starts, but QIDO/WADO/STOW are not there. */
export function checkDicomwebPlugin(plugin = DICOMWEB_PLUGIN): void {
  if (!existsSync(plugin)) throw new StackError(`Orthanc's DICOMweb plugin is not installed (${plugin} is missing).`, INSTALL_HINT);
}

function writePrivate(file: string, text: string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode: 0o600 });
  chmodSync(tmp, 0o600); // the umask may have cleared bits of mode; never set more than 0600
  renameSync(tmp, file);
}

/** The credentials in `file`, generated (a random password) and written with mode 0600 when the file is absent. */
export function ensureOrthancCredentials(file: string): OrthancCredentials {
  const existing = readOrthancCredentials(file);
  if (existing) {
    if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
    return existing;
  }
  const credentials = { username: 'osteoflow', password: randomBytes(24).toString('base64url') };
  writePrivate(file, `${JSON.stringify(credentials, null, 2)}\n`);
  return credentials;
}

export interface OrthancConfigOptions {
  storageDir: string;
  indexDir: string;
  httpPort: number;
  dicomPort: number;
  credentials: OrthancCredentials;
  stableAgeSeconds?: number;
  plugin?: string;
}

/** Orthanc's configuration (the keys of `Orthanc --config=…`, Orthanc 1.10; the DICOMweb plugin's under DicomWeb). */
export function orthancConfig(opts: OrthancConfigOptions): Record<string, unknown> {
  return {
    Name: 'osteoflow',
    StorageDirectory: opts.storageDir,
    IndexDirectory: opts.indexDir,
    StorageCompression: false,
    Plugins: [opts.plugin ?? DICOMWEB_PLUGIN],
    DicomWeb: { Enable: true, Root: '/dicom-web/', EnableWado: false, Ssl: false, StudiesMetadata: 'Full', SeriesMetadata: 'Full' },
    HttpServerEnabled: true,
    HttpPort: opts.httpPort,
    RemoteAccessAllowed: false,
    AuthenticationEnabled: true,
    RegisteredUsers: { [opts.credentials.username]: opts.credentials.password },
    HttpCompressionEnabled: false,
    WebDavEnabled: false,
    OrthancExplorerEnabled: true,
    DicomServerEnabled: true,
    DicomAet: ORTHANC_AET.called,
    DicomPort: opts.dicomPort,
    DicomCheckCalledAet: true,
    DicomAlwaysAllowEcho: true,
    // C-STORE only from the known modality below, checked by AE title and host.
    DicomAlwaysAllowStore: false,
    DicomCheckModalityHost: true,
    DicomModalities: {
      osteoflow: {
        AET: ORTHANC_AET.calling,
        Host: '127.0.0.1',
        Port: 104,
        AllowStore: true,
        AllowEcho: true,
        AllowFind: false,
        AllowMove: false,
        AllowGet: false,
      },
    },
    StableAge: opts.stableAgeSeconds ?? DEFAULT_STABLE_AGE_S,
    SaveJobs: false,
    ExecuteLuaEnabled: false,
    RestApiWriteToFileSystemEnabled: false,
    // Orthanc's own log lines carry no patient data (its DeidentifyLogs setting, on by default since 1.9.7).
    DeidentifyLogs: true,
    LogExportedResources: false,
  };
}

/** Writes Orthanc's configuration (it holds the password: mode 0600) and makes its folders (mode 0700). */
export function writeOrthancConfig(file: string, opts: OrthancConfigOptions): void {
  // The PACS's own copy of the images, with the patients' identity: readable by this user only.
  for (const dir of [path.dirname(file), opts.storageDir, opts.indexDir]) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700);
  }
  writePrivate(file, `${JSON.stringify(orthancConfig(opts), null, 2)}\n`);
}

export function basicAuth(credentials: OrthancCredentials | undefined): Record<string, string> {
  return credentials ? { Authorization: `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}` } : {};
}

/** True when GET <url>/system answers 200 with these credentials. */
export async function orthancAnswers(url: string, credentials?: OrthancCredentials): Promise<boolean> {
  const response = await fetch(`${url.replace(/\/+$/, '')}/system`, { headers: basicAuth(credentials), signal: AbortSignal.timeout(2000) });
  await response.body?.cancel();
  return response.ok;
}

/** True when the server has the DICOMweb plugin loaded (GET /plugins lists "dicom-web"). */
export async function orthancHasDicomweb(url: string, credentials?: OrthancCredentials): Promise<boolean> {
  const response = await fetch(`${url.replace(/\/+$/, '')}/plugins`, { headers: basicAuth(credentials), signal: AbortSignal.timeout(5000) });
  if (!response.ok) return false;
  const plugins = (await response.json()) as unknown;
  return Array.isArray(plugins) && plugins.includes('dicom-web');
}

/** Prepares the folder, credentials and configuration, and starts Orthanc detached; returns its pid. */
export function launchOrthanc(opts: {
  configFile: string;
  credentialsFile: string;
  storageDir: string;
  indexDir: string;
  logFile: string;
  httpPort: number;
  dicomPort: number;
  stableAgeSeconds?: number;
}): { pid: number; credentials: OrthancCredentials } {
  const program = orthancProgram();
  checkDicomwebPlugin();
  const credentials = ensureOrthancCredentials(opts.credentialsFile);
  writeOrthancConfig(opts.configFile, { ...opts, credentials });
  // Nothing of ours is passed on but PATH, HOME and the locale. TCP_NODELAY: DCMTK (Orthanc's DICOM layer) leaves
  // Nagle's algorithm on unless built with DISABLE_NAGLE_ALGORITHM (Debian's is not) or TCP_NODELAY=1 is set; with it
  // on, each C-STORE waits for a delayed ACK (59 CT slices over loopback: 2.6 s without, 0.25 s with).
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? path.dirname(opts.configFile), LANG: 'C.UTF-8', TCP_NODELAY: '1' };
  return { pid: spawnDetached(program, [opts.configFile], opts.logFile, env), credentials };
}

export interface OrthancServer extends OrthancEndpoint {
  credentials: OrthancCredentials;
  dicom: NonNullable<OrthancEndpoint['dicom']>;
  pid: number;
  /** Stops the server (SIGTERM, then SIGKILL after the grace period). */
  stop(): Promise<void>;
}

/**
 * Starts an Orthanc of its own in `dir` (configuration, credentials, storage, index and log there) on free ports and
 * waits until it answers: for tests and tools that need a PACS apart from the stack's. A port taken between picking and
 * binding is retried on others.
 */
export async function startOrthanc(dir: string, options: { stableAgeSeconds?: number; timeoutMs?: number } = {}): Promise<OrthancServer> {
  const logFile = path.join(dir, 'orthanc.log');
  for (let attempt = 1; ; attempt++) {
    const httpPort = await freePort();
    let dicomPort = await freePort();
    while (dicomPort === httpPort) dicomPort = await freePort();
    const { pid, credentials } = launchOrthanc({
      configFile: path.join(dir, 'orthanc.json'),
      credentialsFile: path.join(dir, 'credentials.json'),
      storageDir: path.join(dir, 'storage'),
      indexDir: path.join(dir, 'index'),
      logFile,
      httpPort,
      dicomPort,
      stableAgeSeconds: options.stableAgeSeconds,
    });
    const url = `http://127.0.0.1:${httpPort}`;
    try {
      await waitForOrthanc(url, credentials, pid, logFile, options.timeoutMs ?? 30000);
    } catch (err) {
      await stopProcessGroup(pid);
      if (attempt < 3 && /already in use/i.test(tail(logFile, 10))) continue;
      throw err;
    }
    return {
      url,
      credentials,
      embedded: true,
      dicom: { host: '127.0.0.1', port: dicomPort, calledAet: ORTHANC_AET.called, callingAet: ORTHANC_AET.calling },
      pid,
      stop: () => stopProcessGroup(pid),
    };
  }
}

/** Waits until Orthanc answers; an error names its log and quotes its last lines. */
export async function waitForOrthanc(url: string, credentials: OrthancCredentials, pid: number, logFile: string, timeoutMs: number): Promise<void> {
  const alive = () => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  try {
    await waitUntil('Orthanc', () => orthancAnswers(url, credentials), timeoutMs, alive);
  } catch (err) {
    throw new StackError(`${(err as Error).message}. Its log (${logFile}) ends with:\n${tail(logFile)}`, 'read the log above; then start it again.');
  }
}
