// The one typed configuration of osteoflow: environment variables over an optional JSON file over defaults,
// validated at start so that a bad value fails with its name and what was expected.
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TASK_QUEUES } from '../contracts/taskQueues';

export const PROJECT_ROOT = path.resolve(__dirname, '..');

export interface TemporalTls {
  serverNameOverride?: string;
  serverRootCaCertFile?: string;
  clientCertFile?: string;
  clientKeyFile?: string;
}

export interface OsteoflowConfig {
  temporal: {
    /** host:port of an existing Temporal server; unset = the embedded dev server that ops/ starts. */
    address?: string;
    namespace: string;
    tls?: TemporalTls;
    apiKey?: string;
    /**
     * A JSON key file ({ encryptWith, keys: { <id>: <base64 of 32 bytes> } }): every payload is encrypted with AES-256-GCM
     * (config/payloadCodec.ts) by every client and worker; unset = payloads in clear.
     */
    codecKeysFile?: string;
  };
  mlflow: {
    /** URL of an existing MLflow tracking server; unset = the embedded server that ops/ starts. */
    trackingUri?: string;
    token?: string;
  };
  orthanc: {
    /** URL of an existing PACS (Orthanc, with its REST API and DICOMweb at /dicom-web); unset = the embedded Orthanc that ops/ starts. */
    url?: string;
    /** HTTP Basic credentials for that PACS (both or neither); the embedded one generates its own. */
    username?: string;
    password?: string;
  };
  taskQueues: { pipeline: string; segmentation: string; training: string };
  /** Folder for the embedded stack's databases, artifacts, logs and pid files. */
  dataDir: string;
  /** Ports of the embedded stack; 0 = pick a free port at start. */
  ports: { temporal: number; temporalUi: number; mlflow: number; orthanc: number; orthancDicom: number };
  notifications: {
    /** POSTed a JSON body for each notification (overdue scan, failed QC); unset = log only. */
    webhookUrl?: string;
  };
  /** Python interpreter used to create the project's venv. */
  python: string;
  /** Folder of the project's Python venv (Temporal CLI + MLflow server). */
  venvDir: string;
  /** Folder of the Python segmentation worker's venv (PyTorch, temporalio, nnunetv2: workers/torch/requirements.txt). */
  torchVenvDir: string;
  /** The results store: the embedded SQLite file in the data folder, or a PostgreSQL server. */
  store: {
    /** postgres://user:password@host:port/database[?sslmode=disable|require|verify-full]; unset = SQLite (<dataDir>/results.sqlite). */
    url?: string;
    /** CA certificate (PEM) that the server's certificate must chain to under sslmode=verify-full; unset = the system's CAs. */
    tlsCaFile?: string;
  };
  /** The identifier ↔ pseudonym map (pacs/identityMap.ts): an encrypted file only intake and coordinators open. */
  identity: {
    /** A file holding the map's AES-256 key, 32 bytes in base64; unset = no map can be opened. */
    keyFile?: string;
    /** The map's file; unset = <dataDir>/identity-map.enc. */
    mapFile?: string;
  };
  /** The web console (`osteoflow console`). */
  console: {
    /** The console's address for CLI commands signed with an API token (with `token`), e.g. https://osteoflow.site.example. */
    url?: string;
    /** An API token issued in the console: coordinator and approver commands then act as its user, through the API. */
    token?: string;
    /** Session cookies marked Secure: true, false, or unset = when the request came over https. */
    secureCookies?: boolean;
    /** Behind a reverse proxy: X-Forwarded-For/-Proto are believed (client address for rate limits, https for cookies). */
    trustProxy: boolean;
    /** Sign-in with an OpenID Connect provider, beside local passwords; off unless issuer, client id and redirect URL are set. */
    oidc?: {
      /** The provider's issuer URL (its discovery document is <issuer>/.well-known/openid-configuration); https, or http on loopback only. */
      issuer?: string;
      clientId?: string;
      /** The client's secret (client_secret_basic); unset = a public client (PKCE only). */
      clientSecret?: string;
      /** The console's callback as registered at the provider: <console URL>/api/session/oidc/callback. */
      redirectUrl?: string;
      /** Scopes asked for (default 'openid profile email'); add the one that releases the roles claim. */
      scopes?: string;
      /** The ID token claim listing the user's groups (default 'groups'). */
      rolesClaim?: string;
      /** Groups to console roles: 'group=role[,group=role…]'. A user in no mapped group is refused. */
      roleMap?: string;
      /** The sign-in button's provider name (default 'your identity provider'). */
      label?: string;
    };
  };
  /** Where registered scans may come from (study/sourcePolicy.ts) and how large they may be. */
  acquisition: {
    /** Folders a scan file or series folder must lie in (real paths compared). */
    importRoots: string[];
    /** Hosts a scan URL may name. */
    allowedHosts: string[];
    allowHttp: boolean;
    allowPrivateAddresses: boolean;
    /** Largest scan file or download, in bytes. */
    maxFileBytes: number;
    /** Most voxels one image may declare (QC and extraction refuse a larger one before reading its voxels); absent: the readers' default, 2^28. */
    maxVoxels?: number;
  };
}

export class ConfigError extends Error {
  constructor(source: string, key: string, expected: string, got: unknown) {
    super(`configuration ${source}: '${key}' must be ${expected}, got ${JSON.stringify(got)}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

/** Environment variable → config path; the same names are accepted by the Temporal and MLflow tools. */
const ENV_KEYS = {
  TEMPORAL_ADDRESS: 'temporal.address',
  TEMPORAL_NAMESPACE: 'temporal.namespace',
  TEMPORAL_API_KEY: 'temporal.apiKey',
  TEMPORAL_TLS_SERVER_NAME: 'temporal.tls.serverNameOverride',
  TEMPORAL_TLS_CA: 'temporal.tls.serverRootCaCertFile',
  TEMPORAL_TLS_CERT: 'temporal.tls.clientCertFile',
  TEMPORAL_TLS_KEY: 'temporal.tls.clientKeyFile',
  OSTEOFLOW_CODEC_KEYS: 'temporal.codecKeysFile',
  MLFLOW_TRACKING_URI: 'mlflow.trackingUri',
  MLFLOW_TRACKING_TOKEN: 'mlflow.token',
  ORTHANC_URL: 'orthanc.url',
  ORTHANC_USERNAME: 'orthanc.username',
  ORTHANC_PASSWORD: 'orthanc.password',
  OSTEOFLOW_TASK_QUEUE_PIPELINE: 'taskQueues.pipeline',
  OSTEOFLOW_TASK_QUEUE_SEGMENTATION: 'taskQueues.segmentation',
  OSTEOFLOW_TASK_QUEUE_TRAINING: 'taskQueues.training',
  OSTEOFLOW_DATA_DIR: 'dataDir',
  OSTEOFLOW_TEMPORAL_PORT: 'ports.temporal',
  OSTEOFLOW_TEMPORAL_UI_PORT: 'ports.temporalUi',
  OSTEOFLOW_MLFLOW_PORT: 'ports.mlflow',
  OSTEOFLOW_ORTHANC_PORT: 'ports.orthanc',
  OSTEOFLOW_ORTHANC_DICOM_PORT: 'ports.orthancDicom',
  OSTEOFLOW_WEBHOOK_URL: 'notifications.webhookUrl',
  OSTEOFLOW_STORE_URL: 'store.url',
  OSTEOFLOW_STORE_TLS_CA: 'store.tlsCaFile',
  OSTEOFLOW_PYTHON: 'python',
  OSTEOFLOW_VENV: 'venvDir',
  OSTEOFLOW_TORCH_VENV: 'torchVenvDir',
  OSTEOFLOW_IMPORT_ROOTS: 'acquisition.importRoots',
  OSTEOFLOW_IMPORT_HOSTS: 'acquisition.allowedHosts',
  OSTEOFLOW_IDENTITY_KEY: 'identity.keyFile',
  OSTEOFLOW_IDENTITY_MAP: 'identity.mapFile',
  OSTEOFLOW_CONSOLE_URL: 'console.url',
  OSTEOFLOW_API_TOKEN: 'console.token',
  OSTEOFLOW_CONSOLE_SECURE_COOKIES: 'console.secureCookies',
  OSTEOFLOW_CONSOLE_TRUST_PROXY: 'console.trustProxy',
  OSTEOFLOW_OIDC_ISSUER: 'console.oidc.issuer',
  OSTEOFLOW_OIDC_CLIENT_ID: 'console.oidc.clientId',
  OSTEOFLOW_OIDC_CLIENT_SECRET: 'console.oidc.clientSecret',
  OSTEOFLOW_OIDC_REDIRECT_URL: 'console.oidc.redirectUrl',
  OSTEOFLOW_OIDC_SCOPES: 'console.oidc.scopes',
  OSTEOFLOW_OIDC_ROLES_CLAIM: 'console.oidc.rolesClaim',
  OSTEOFLOW_OIDC_ROLE_MAP: 'console.oidc.roleMap',
  OSTEOFLOW_OIDC_LABEL: 'console.oidc.label',
  OSTEOFLOW_IMPORT_ALLOW_HTTP: 'acquisition.allowHttp',
  OSTEOFLOW_IMPORT_ALLOW_PRIVATE: 'acquisition.allowPrivateAddresses',
  OSTEOFLOW_IMPORT_MAX_BYTES: 'acquisition.maxFileBytes',
  OSTEOFLOW_MAX_VOXELS: 'acquisition.maxVoxels',
} as const;

function defaults(): OsteoflowConfig {
  return {
    temporal: { namespace: 'osteoflow' },
    mlflow: {},
    orthanc: {},
    notifications: {},
    store: {},
    console: { trustProxy: false },
    identity: {},
    taskQueues: { ...TASK_QUEUES },
    dataDir: path.join(PROJECT_ROOT, '.osteoflow'),
    ports: { temporal: 7233, temporalUi: 8233, mlflow: 5050, orthanc: 8042, orthancDicom: 4242 },
    python: 'python3',
    venvDir: path.join(PROJECT_ROOT, '.venv'),
    torchVenvDir: path.join(PROJECT_ROOT, '.venv-torch'),
    // The embedded default: the data folder and this machine's temporary folder (filled in by validate, once the data
    // folder is known), and files served from this machine. A site names its export folders and archive hosts instead.
    acquisition: {
      importRoots: [],
      allowedHosts: ['localhost', '127.0.0.1', '::1'],
      allowHttp: true,
      allowPrivateAddresses: true,
      maxFileBytes: 4 * 1024 ** 3,
    },
  };
}

/** An environment variable's text as the config value it sets. */
function envValue(dotted: string, value: string): unknown {
  if (dotted.startsWith('ports.') || dotted === 'acquisition.maxFileBytes' || dotted === 'acquisition.maxVoxels') return Number(value);
  if (dotted === 'acquisition.importRoots') return value.split(path.delimiter).filter(Boolean);
  if (dotted === 'acquisition.allowedHosts')
    return value
      .split(',')
      .map((h) => h.trim())
      .filter(Boolean);
  if (
    dotted === 'acquisition.allowHttp' ||
    dotted === 'acquisition.allowPrivateAddresses' ||
    (dotted.startsWith('console.') && !dotted.startsWith('console.oidc.'))
  )
    return ['1', 'true'].includes(value) ? true : ['0', 'false'].includes(value) ? false : value;
  return value;
}

function setPath(target: Record<string, unknown>, dotted: string, value: unknown): void {
  const keys = dotted.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) {
    if (typeof node[key] !== 'object' || node[key] === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys[keys.length - 1]] = value;
}

function readConfigFile(file: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`configuration file ${file}: not readable JSON (${(err as Error).message})`, { cause: err });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error(`configuration file ${file}: expected a JSON object at the top level`);
  }
  return parsed as Record<string, unknown>;
}

/**
 * Loads the configuration: defaults, then the file named by OSTEOFLOW_CONFIG (or ./osteoflow.config.json when it exists),
 * then environment variables. Relative paths in the file are resolved against the file's folder.
 */
export function loadConfig(env: Env = process.env): OsteoflowConfig {
  const merged = defaults() as unknown as Record<string, unknown>;
  const explicitFile = env.OSTEOFLOW_CONFIG;
  const file = explicitFile ? path.resolve(explicitFile) : path.join(PROJECT_ROOT, 'osteoflow.config.json');
  if (explicitFile && !existsSync(file)) throw new Error(`configuration: OSTEOFLOW_CONFIG names ${file}, which does not exist`);
  const fileValues = existsSync(file) ? readConfigFile(file) : {};
  const known = new Set<string>(Object.values(ENV_KEYS));
  for (const [dotted, value] of flatten(fileValues)) {
    if (!known.has(dotted)) {
      throw new Error(`configuration file ${file}: unknown key '${dotted}' (expected one of: ${[...known].join(', ')})`);
    }
    const isPath = dotted === 'dataDir' || dotted === 'venvDir' || dotted === 'torchVenvDir' || dotted.endsWith('File');
    setPath(merged, dotted, isPath && typeof value === 'string' ? path.resolve(path.dirname(file), value) : value);
  }
  for (const [name, dotted] of Object.entries(ENV_KEYS)) {
    const value = env[name];
    if (value !== undefined && value !== '') setPath(merged, dotted, envValue(dotted, value));
  }
  return validate(merged, explicitFile ? file : 'environment');
}

function flatten(obj: Record<string, unknown>, prefix = ''): Array<[string, unknown]> {
  const out: Array<[string, unknown]> = [];
  for (const [key, value] of Object.entries(obj)) {
    const dotted = prefix ? `${prefix}.${key}` : key;
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) out.push(...flatten(value as Record<string, unknown>, dotted));
    else out.push([dotted, value]);
  }
  return out;
}

const OIDC_ROLES = ['viewer', 'coordinator', 'ml-engineer', 'approver', 'admin'];

/** Parses OSTEOFLOW_OIDC_ROLE_MAP ('group=role,group=role'): group → roles (a group may map to several). */
export function parseOidcRoleMap(text: string, source = 'environment'): Record<string, string[]> {
  const map: Record<string, string[]> = {};
  const key = 'console.oidc.roleMap (OSTEOFLOW_OIDC_ROLE_MAP)';
  for (const pair of text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const at = pair.lastIndexOf('=');
    const group = at > 0 ? pair.slice(0, at).trim() : '';
    const role = at > 0 ? pair.slice(at + 1).trim() : '';
    if (!group || !OIDC_ROLES.includes(role))
      throw new ConfigError(source, key, `'group=role' pairs, comma-separated, each role one of ${OIDC_ROLES.join(', ')}`, pair);
    (map[group] ??= []).includes(role) || map[group].push(role);
  }
  if (Object.keys(map).length === 0) throw new ConfigError(source, key, "at least one 'group=role' pair", text);
  return map;
}

function validateOidc(oidc: OsteoflowConfig['console']['oidc'], source: string): void {
  if (oidc === undefined) return;
  const set = Object.entries(oidc).filter(([, v]) => v !== undefined);
  if (set.length === 0) return;
  const name = (key: string) => `console.oidc.${key} (OSTEOFLOW_OIDC_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()})`;
  for (const [key, value] of set) if (typeof value !== 'string' || value.trim() === '') throw new ConfigError(source, name(key), 'a non-empty string', value);
  for (const key of ['issuer', 'clientId', 'redirectUrl', 'roleMap'] as const)
    if (oidc[key] === undefined)
      throw new ConfigError(source, name(key), 'set: OpenID Connect sign-in needs issuer, client id, redirect URL and role map', '(unset)');
  for (const key of ['issuer', 'redirectUrl'] as const) {
    let url: URL | undefined;
    try {
      url = new URL(oidc[key]!);
    } catch {
      url = undefined;
    }
    if (!url || !(url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK.has(url.hostname))))
      throw new ConfigError(source, name(key), 'an https URL (http only on localhost, for testing)', oidc[key]);
  }
  if (!new URL(oidc.redirectUrl!).pathname.endsWith('/api/session/oidc/callback'))
    throw new ConfigError(source, name('redirectUrl'), "the console's callback, <console URL>/api/session/oidc/callback", oidc.redirectUrl);
  if (oidc.scopes !== undefined && !oidc.scopes.split(/\s+/).includes('openid'))
    throw new ConfigError(source, name('scopes'), "space-separated scopes including 'openid'", oidc.scopes);
  parseOidcRoleMap(oidc.roleMap!, source);
}

function validate(raw: Record<string, unknown>, source: string): OsteoflowConfig {
  const cfg = raw as unknown as OsteoflowConfig;
  const text = (key: string, value: unknown, optional = false) => {
    if (value === undefined && optional) return;
    if (typeof value !== 'string' || value.trim() === '') throw new ConfigError(source, key, 'a non-empty string', value);
  };
  if (cfg.temporal.address !== undefined && !/^[^\s:/]+:\d{1,5}$/.test(String(cfg.temporal.address))) {
    throw new ConfigError(source, 'temporal.address (TEMPORAL_ADDRESS)', 'host:port', cfg.temporal.address);
  }
  text('temporal.namespace (TEMPORAL_NAMESPACE)', cfg.temporal.namespace);
  text('temporal.codecKeysFile (OSTEOFLOW_CODEC_KEYS)', cfg.temporal.codecKeysFile, true);
  text('identity.keyFile (OSTEOFLOW_IDENTITY_KEY)', cfg.identity.keyFile, true);
  text('identity.mapFile (OSTEOFLOW_IDENTITY_MAP)', cfg.identity.mapFile, true);
  if (cfg.mlflow.trackingUri !== undefined) {
    let url: URL | undefined;
    try {
      url = new URL(String(cfg.mlflow.trackingUri));
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
      throw new ConfigError(source, 'mlflow.trackingUri (MLFLOW_TRACKING_URI)', 'an http(s) URL of an MLflow server', cfg.mlflow.trackingUri);
    }
  }
  validateOrthanc(cfg.orthanc, source);
  if (cfg.console.secureCookies !== undefined && typeof cfg.console.secureCookies !== 'boolean')
    throw new ConfigError(source, 'console.secureCookies (OSTEOFLOW_CONSOLE_SECURE_COOKIES)', 'true or false (1 or 0)', cfg.console.secureCookies);
  if (cfg.console.url !== undefined && !/^https?:\/\/\S+$/.test(String(cfg.console.url)))
    throw new ConfigError(source, 'console.url (OSTEOFLOW_CONSOLE_URL)', 'an http(s) URL of the osteoflow console', cfg.console.url);
  if ((cfg.console.url === undefined) !== (cfg.console.token === undefined))
    throw new ConfigError(
      source,
      cfg.console.url === undefined ? 'console.url (OSTEOFLOW_CONSOLE_URL)' : 'console.token (OSTEOFLOW_API_TOKEN)',
      'set together with the other: an API token is used against the console that issued it',
      cfg.console.url === undefined ? undefined : '(unset)',
    );
  if (typeof cfg.console.trustProxy !== 'boolean')
    throw new ConfigError(source, 'console.trustProxy (OSTEOFLOW_CONSOLE_TRUST_PROXY)', 'true or false (1 or 0)', cfg.console.trustProxy);
  validateOidc(cfg.console.oidc, source);
  if (cfg.store.url !== undefined || cfg.store.tlsCaFile !== undefined) parseStoreUrl(cfg.store, source);
  for (const [name, queue] of Object.entries(cfg.taskQueues)) text(`taskQueues.${name}`, queue);
  if (cfg.notifications.webhookUrl !== undefined && !/^https?:\/\/\S+$/.test(String(cfg.notifications.webhookUrl))) {
    throw new ConfigError(source, 'notifications.webhookUrl (OSTEOFLOW_WEBHOOK_URL)', 'an http(s) URL', cfg.notifications.webhookUrl);
  }
  for (const [name, port] of Object.entries(cfg.ports)) {
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new ConfigError(source, `ports.${name}`, 'an integer port 0–65535 (0 = pick a free one)', port);
    }
  }
  for (const [key, file] of Object.entries(cfg.temporal.tls ?? {})) {
    text(`temporal.tls.${key}`, file);
    if (key.endsWith('File') && !existsSync(file)) throw new ConfigError(source, `temporal.tls.${key}`, 'an existing file', file);
  }
  text('dataDir (OSTEOFLOW_DATA_DIR)', cfg.dataDir);
  text('python (OSTEOFLOW_PYTHON)', cfg.python);
  text('venvDir (OSTEOFLOW_VENV)', cfg.venvDir);
  text('torchVenvDir (OSTEOFLOW_TORCH_VENV)', cfg.torchVenvDir);
  const acquisition = cfg.acquisition;
  if (Array.isArray(acquisition.importRoots) && acquisition.importRoots.length === 0) acquisition.importRoots = [path.resolve(cfg.dataDir), os.tmpdir()];
  const list = (key: string, value: unknown) => {
    if (!Array.isArray(value) || value.length === 0 || value.some((v) => typeof v !== 'string' || v.trim() === '')) {
      throw new ConfigError(source, key, 'a non-empty list of non-empty strings', value);
    }
  };
  list('acquisition.importRoots (OSTEOFLOW_IMPORT_ROOTS, separated by ' + JSON.stringify(path.delimiter) + ')', acquisition.importRoots);
  if (!Array.isArray(acquisition.allowedHosts) || acquisition.allowedHosts.some((h) => typeof h !== 'string' || h.trim() === '')) {
    throw new ConfigError(source, 'acquisition.allowedHosts (OSTEOFLOW_IMPORT_HOSTS, comma-separated)', 'a list of host names', acquisition.allowedHosts);
  }
  for (const key of ['allowHttp', 'allowPrivateAddresses'] as const) {
    if (typeof acquisition[key] !== 'boolean') throw new ConfigError(source, `acquisition.${key}`, 'true or false (1 or 0)', acquisition[key]);
  }
  if (!Number.isInteger(acquisition.maxFileBytes) || acquisition.maxFileBytes <= 0) {
    throw new ConfigError(source, 'acquisition.maxFileBytes (OSTEOFLOW_IMPORT_MAX_BYTES)', 'a positive integer (bytes)', acquisition.maxFileBytes);
  }
  if (acquisition.maxVoxels !== undefined && (!Number.isSafeInteger(acquisition.maxVoxels) || acquisition.maxVoxels <= 0)) {
    throw new ConfigError(source, 'acquisition.maxVoxels (OSTEOFLOW_MAX_VOXELS)', 'a positive integer (voxels per image)', acquisition.maxVoxels);
  }
  acquisition.importRoots = acquisition.importRoots.map((root) => path.resolve(root));
  cfg.dataDir = path.resolve(cfg.dataDir);
  cfg.venvDir = path.resolve(cfg.venvDir);
  cfg.torchVenvDir = path.resolve(cfg.torchVenvDir);
  return cfg;
}

/** ORTHANC_URL: an http(s) URL without credentials in it; ORTHANC_USERNAME and ORTHANC_PASSWORD: both or neither. */
function validateOrthanc(orthanc: OsteoflowConfig['orthanc'], source: string): void {
  if (orthanc.url !== undefined) {
    let url: URL | undefined;
    try {
      url = new URL(String(orthanc.url));
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.username !== '' || url.password !== '') {
      // The value is not quoted: a URL with credentials in it would put them into the message.
      throw new ConfigError(
        source,
        'orthanc.url (ORTHANC_URL)',
        'an http(s) URL of an Orthanc server, credentials in ORTHANC_USERNAME/ORTHANC_PASSWORD',
        '(not shown)',
      );
    }
  }
  for (const key of ['username', 'password'] as const) {
    const value = orthanc[key];
    if (value !== undefined && (typeof value !== 'string' || value === '')) {
      throw new ConfigError(source, `orthanc.${key} (ORTHANC_${key.toUpperCase()})`, 'a non-empty string', '(not shown)');
    }
  }
  if ((orthanc.username === undefined) !== (orthanc.password === undefined)) {
    throw new ConfigError(source, 'orthanc.username/orthanc.password (ORTHANC_USERNAME, ORTHANC_PASSWORD)', 'both set, or neither', '(one of them)');
  }
  if (orthanc.username !== undefined && orthanc.url === undefined) {
    throw new ConfigError(
      source,
      'orthanc.url (ORTHANC_URL)',
      'set when ORTHANC_USERNAME/ORTHANC_PASSWORD are (the embedded Orthanc has its own credentials)',
      undefined,
    );
  }
}

/** A PostgreSQL results store's connection, as OSTEOFLOW_STORE_URL and OSTEOFLOW_STORE_TLS_CA give it. */
export interface StoreConnection {
  host: string;
  port: number;
  user: string;
  password?: string;
  database: string;
  /** disable: plain TCP; require: TLS without checking the certificate; verify-full: TLS, certificate and host name checked. */
  sslmode: 'disable' | 'require' | 'verify-full';
  tlsCaFile?: string;
  /** The URL with its password replaced by '***', for messages. */
  redacted: string;
}

const STORE_URL_KEY = 'store.url (OSTEOFLOW_STORE_URL)';
const STORE_URL_FORM = 'a URL postgres://user:password@host:port/database, optionally with ?sslmode=disable|require|verify-full';
const SSLMODES = ['disable', 'require', 'verify-full'] as const;
const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/**
 * Parses the results store's URL. Without sslmode a loopback host is reached without TLS and any other host with
 * verify-full (patient results never cross a network unencrypted unless sslmode=disable says so). Errors never quote
 * the password.
 */
export function parseStoreUrl(store: OsteoflowConfig['store'], source = 'environment'): StoreConnection {
  const raw = store.url;
  if (typeof raw !== 'string' || raw.trim() === '') {
    const why = raw === undefined ? ' (OSTEOFLOW_STORE_TLS_CA is set, and is used with a PostgreSQL store only)' : '';
    throw new ConfigError(source, STORE_URL_KEY, `${STORE_URL_FORM}${why}`, raw === undefined ? undefined : '(not shown)');
  }
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    url = undefined;
  }
  const redacted = url ? redactUrl(url) : '(not shown: not a URL)';
  const fail = (what: string): never => {
    throw new ConfigError(source, STORE_URL_KEY, `${STORE_URL_FORM}; ${what}`, redacted);
  };
  if (!url) return fail('it is not a URL');
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') fail(`the scheme is '${url.protocol.replace(/:$/, '')}', not postgres`);
  if (url.hostname === '') fail('it names no host');
  if (url.username === '') fail('it names no user');
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (database === '' || database.includes('/')) fail('it names no database (the path after the host)');
  for (const key of url.searchParams.keys()) if (key !== 'sslmode') fail(`'${key}' is not a setting osteoflow reads (only sslmode)`);
  const sslmode = url.searchParams.get('sslmode');
  if (sslmode !== null && !(SSLMODES as readonly string[]).includes(sslmode)) fail(`sslmode '${sslmode}' is not one of ${SSLMODES.join(', ')}`);
  const tlsCaFile = store.tlsCaFile;
  if (tlsCaFile !== undefined) {
    if (typeof tlsCaFile !== 'string' || tlsCaFile.trim() === '' || !existsSync(tlsCaFile)) {
      throw new ConfigError(source, 'store.tlsCaFile (OSTEOFLOW_STORE_TLS_CA)', 'an existing CA certificate file (PEM)', tlsCaFile);
    }
    if (sslmode !== null && sslmode !== 'verify-full') {
      throw new ConfigError(
        source,
        'store.tlsCaFile (OSTEOFLOW_STORE_TLS_CA)',
        `used with sslmode=verify-full only (the URL says sslmode=${sslmode})`,
        tlsCaFile,
      );
    }
  }
  const mode = (sslmode as StoreConnection['sslmode'] | null) ?? (LOOPBACK.has(url.hostname) && tlsCaFile === undefined ? 'disable' : 'verify-full');
  return {
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port === '' ? 5432 : Number(url.port),
    user: decodeURIComponent(url.username),
    ...(url.password !== '' ? { password: decodeURIComponent(url.password) } : {}),
    database,
    sslmode: mode,
    ...(tlsCaFile !== undefined ? { tlsCaFile: path.resolve(tlsCaFile) } : {}),
    redacted,
  };
}

function redactUrl(url: URL): string {
  const copy = new URL(url.href);
  if (copy.password !== '') copy.password = '***';
  return copy.href;
}
