// A user-owned PostgreSQL cluster for the tests and local use (never Debian's system service): initdb and pg_ctl from
// Debian's postgresql package (ops/systemPackages.mjs installs it and finds its programs) with the data folder inside
// a given folder, TCP on 127.0.0.1 only (no Unix socket), password (SCRAM) authentication for a generated user. initdb
// refuses to run as root, so as root every server program runs as the `postgres` system user that the package
// creates, with a data folder that user owns; otherwise as the current user. A folder that already holds a cluster is
// started again with its data and credentials. Stopped with pg_ctl stop -m fast.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  accessSync,
  appendFileSync,
  chmodSync,
  chownSync,
  constants,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { StackError } from '../config/stackError';
import { freePort, tail } from './processes';

/** Where Debian puts PostgreSQL's server programs, one folder per major version (as ops/systemPackages.mjs knows). */
const POSTGRESQL_LIB = '/usr/lib/postgresql';

const INSTALL_HINT = 'install it as root: node ops/systemPackages.mjs (apt-get install -y --no-install-recommends postgresql)';
/** The system user Debian's postgresql package creates; the server programs run as it when we are root. */
const SYSTEM_USER = 'postgres';

export interface PostgresServerOptions {
  /** The database created for the caller (default 'osteoflow'). */
  database?: string;
  /** Collate text by this ICU locale (e.g. 'en-US') instead of bytewise (the C locale). */
  icuLocale?: string;
  /** A throw-away cluster: fsync and full-page writes off (fast; a crash of the machine may lose it). */
  ephemeral?: boolean;
  /** TLS: the server's certificate and key (PEM), copied into the data folder; plain connections stay allowed. */
  tls?: { certFile: string; keyFile: string };
  /** More server settings, written to postgresql.conf. */
  settings?: Record<string, string>;
  timeoutMs?: number;
}

export interface PostgresServer {
  /** postgres://user:password@127.0.0.1:port/database */
  url: string;
  port: number;
  user: string;
  password: string;
  database: string;
  dataDir: string;
  logFile: string;
  /** Creates another database in the cluster and returns its URL. */
  createDatabase(name: string): Promise<string>;
  /** pg_ctl stop -m fast: open sessions are ended, the data kept. */
  stop(): Promise<void>;
}

interface Credentials {
  user: string;
  password: string;
}

/**
 * The program on PATH or in PostgreSQL's version folders (newest first), the search of ops/systemPackages.mjs'
 * findProgram (that module is plain ESM for the install step, which the test runner cannot load from here).
 */
function findProgram(name: string): string | undefined {
  const versions = existsSync(POSTGRESQL_LIB)
    ? readdirSync(POSTGRESQL_LIB)
        .filter((v) => /^\d+$/.test(v))
        .sort((a, b) => Number(b) - Number(a))
        .map((v) => path.join(POSTGRESQL_LIB, v, 'bin'))
    : [];
  for (const dir of [...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean), ...versions]) {
    try {
      accessSync(path.join(dir, name), constants.X_OK);
      return path.join(dir, name);
    } catch {
      /* not here */
    }
  }
  return undefined;
}

/** The program's path, or a StackError naming it and how to install it. */
function program(name: string): string {
  const found = findProgram(name);
  if (!found) throw new StackError(`PostgreSQL's ${name} is not installed (not on PATH, nor in /usr/lib/postgresql/<version>/bin).`, INSTALL_HINT);
  return found;
}

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

/** uid and gid of the system user, from /etc/passwd. */
function systemUser(): { uid: number; gid: number } {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${SYSTEM_USER}:`));
  if (!line) {
    throw new StackError(
      `running as root, and initdb refuses root, but there is no '${SYSTEM_USER}' user to run PostgreSQL as.`,
      `${INSTALL_HINT} (the package creates the user), or run as an ordinary user`,
    );
  }
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

/** Runs a server program, as the system user when we are root; resolves with its exit code and output. */
function runServerProgram(file: string, args: string[], cwd: string, timeoutMs: number): Promise<{ code: number; output: string }> {
  const [command, commandArgs] = isRoot() ? ['runuser', ['-u', SYSTEM_USER, '--', file, ...args]] : [file, args];
  return new Promise((resolve) => {
    execFile(command, commandArgs, { cwd, timeout: timeoutMs, maxBuffer: 4 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, output: `${stdout}${stderr}${err && typeof err.code !== 'number' ? err.message : ''}`.trim() });
    });
  });
}

/** Gives the server's user a path it owns (as root: the system user; else ourselves). */
function ownForServer(file: string): void {
  if (!isRoot()) return;
  const { uid, gid } = systemUser();
  chownSync(file, uid, gid);
}

/**
 * As root, the system user must reach the cluster inside `dir`: a folder of ours without search permission for
 * others (mkdtemp makes 0700) gets it (search only, not listing); a folder above that blocks it is named.
 */
function letServerReach(dir: string): void {
  if (!isRoot()) return;
  const mode = statSync(dir).mode;
  if ((mode & 0o001) === 0) chmodSync(dir, mode | 0o001);
  for (let d = path.dirname(dir); d !== path.dirname(d); d = path.dirname(d)) {
    if ((statSync(d).mode & 0o001) === 0) {
      throw new StackError(
        `the '${SYSTEM_USER}' user cannot reach ${dir}: ${d} is not searchable by others.`,
        `put the cluster in a folder that ${SYSTEM_USER} can reach (e.g. under /tmp)`,
      );
    }
  }
}

async function initCluster(dir: string, dataDir: string, options: PostgresServerOptions): Promise<Credentials> {
  const credentials: Credentials = { user: 'osteoflow', password: randomBytes(18).toString('base64url') };
  mkdirSync(dataDir, { mode: 0o700 });
  ownForServer(dataDir);
  // The password file only exists while initdb reads it.
  const pwFile = path.join(dir, `.pwfile-${process.pid}`);
  writeFileSync(pwFile, `${credentials.password}\n`, { mode: 0o600 });
  ownForServer(pwFile);
  try {
    const args = ['-D', dataDir, '-U', credentials.user, `--pwfile=${pwFile}`, '--auth=scram-sha-256', '--encoding=UTF8'];
    args.push(...(options.icuLocale ? ['--locale-provider=icu', `--icu-locale=${options.icuLocale}`, '--locale=C.UTF-8'] : ['--no-locale']));
    if (options.ephemeral) args.push('--no-sync');
    const result = await runServerProgram(program('initdb'), args, dir, 120000);
    if (result.code !== 0) {
      throw new StackError(
        `initdb failed (exit ${result.code}) for ${dataDir}:\n${result.output.split('\n').slice(-10).join('\n')}`,
        'fix the cause above and start again',
      );
    }
  } finally {
    rmSync(pwFile, { force: true });
  }
  const settings: Record<string, string> = {
    listen_addresses: "'127.0.0.1'",
    unix_socket_directories: "''",
    logging_collector: 'off',
    max_connections: '100',
    ...(options.ephemeral ? { fsync: 'off', full_page_writes: 'off', synchronous_commit: 'off' } : {}),
    ...options.settings,
  };
  appendFileSync(
    path.join(dataDir, 'postgresql.conf'),
    `\n# osteoflow\n${Object.entries(settings)
      .map(([k, v]) => `${k} = ${v}`)
      .join('\n')}\n`,
  );
  writeFileSync(path.join(dir, 'credentials.json'), JSON.stringify(credentials), { mode: 0o600 });
  return credentials;
}

/** Copies the certificate and key where the server reads them (its data folder, its own, 0600) and turns TLS on. */
function installTls(dataDir: string, tls: { certFile: string; keyFile: string }): void {
  for (const [from, name] of [
    [tls.certFile, 'server.crt'],
    [tls.keyFile, 'server.key'],
  ] as const) {
    const to = path.join(dataDir, name);
    writeFileSync(to, readFileSync(from), { mode: 0o600 });
    chmodSync(to, 0o600);
    ownForServer(to);
  }
  const conf = path.join(dataDir, 'postgresql.conf');
  if (!/^ssl = on$/m.test(readFileSync(conf, 'utf8'))) appendFileSync(conf, `ssl = on\nssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'\n`);
}

/** Connects as the cluster's user to its `postgres` database, runs `fn`, disconnects. */
async function withAdmin<T>(port: number, c: Credentials, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ host: '127.0.0.1', port, user: c.user, password: c.password, database: 'postgres' });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * Starts (after initdb, the first time) a cluster in `dir`/pgdata on a free port, its log in `dir`/postgres.log, and
 * creates the database; resolves once it accepts connections. A port taken between picking and binding is retried.
 */
export async function startPostgres(dir: string, options: PostgresServerOptions = {}): Promise<PostgresServer> {
  const pgCtl = program('pg_ctl');
  mkdirSync(dir, { recursive: true });
  letServerReach(dir);
  const dataDir = path.join(dir, 'pgdata');
  const logFile = path.join(dir, 'postgres.log');
  const credentialsFile = path.join(dir, 'credentials.json');
  const credentials: Credentials = existsSync(path.join(dataDir, 'PG_VERSION'))
    ? (JSON.parse(readFileSync(credentialsFile, 'utf8')) as Credentials)
    : await initCluster(dir, dataDir, options);
  if (options.tls) installTls(dataDir, options.tls);
  if (!existsSync(logFile)) writeFileSync(logFile, '');
  ownForServer(logFile);
  const timeoutMs = options.timeoutMs ?? 60000;
  const database = options.database ?? 'osteoflow';
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const before = readFileSync(logFile, 'utf8').length;
    const started = await runServerProgram(
      pgCtl,
      ['-D', dataDir, '-l', logFile, '-w', '-t', String(Math.ceil(timeoutMs / 1000)), '-o', `-p ${port}`, 'start'],
      dir,
      timeoutMs + 10000,
    );
    if (started.code !== 0) {
      const said = readFileSync(logFile, 'utf8').slice(before);
      if (attempt < 3 && /could not bind|address already in use/i.test(said)) continue;
      throw new StackError(
        `PostgreSQL did not start on 127.0.0.1:${port} (pg_ctl exit ${started.code}: ${started.output.split('\n').slice(-3).join(' ')}). Its log (${logFile}) ends with:\n${tail(logFile)}`,
        'read the log above; then start it again',
      );
    }
    const urlOf = (db: string) =>
      `postgres://${encodeURIComponent(credentials.user)}:${encodeURIComponent(credentials.password)}@127.0.0.1:${port}/${encodeURIComponent(db)}`;
    const createDatabase = async (name: string) => {
      await withAdmin(port, credentials, async (client) => {
        const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
        if (exists.rowCount === 0) await client.query(`CREATE DATABASE ${quoteIdent(name)}`);
      });
      return urlOf(name);
    };
    const stop = async () => {
      const stopped = await runServerProgram(pgCtl, ['-D', dataDir, '-m', 'fast', '-w', 'stop'], dir, 60000);
      if (stopped.code !== 0 && !/is the server running|no server running/i.test(stopped.output)) {
        throw new StackError(
          `pg_ctl stop failed (exit ${stopped.code}) for ${dataDir}: ${stopped.output}. Its log: ${logFile}`,
          'stop it by hand: pg_ctl -D … stop',
        );
      }
    };
    try {
      await createDatabase(database);
    } catch (err) {
      await stop().catch(() => undefined);
      throw new StackError(
        `PostgreSQL started on port ${port} but creating database '${database}' failed: ${(err as Error).message} (log: ${logFile})`,
        'read the log',
      );
    }
    return { url: urlOf(database), port, ...credentials, database, dataDir, logFile, createDatabase, stop };
  }
}
