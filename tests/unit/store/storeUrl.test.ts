// Choosing the results store from the configuration: OSTEOFLOW_STORE_URL (and OSTEOFLOW_STORE_TLS_CA) parsed into a
// PostgreSQL connection with sslmode as the URL says, SQLite when unset, and every bad value refused with the
// setting's name and what was expected, never with the password in the message.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig, parseStoreUrl } from '../../../config';
import { openResultsStore } from '../../../store';
import { PostgresResultsStore } from '../../../store/postgresStore';
import { SqliteResultsStore } from '../../../store/sqliteStore';

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'osteoflow-store-url-'));
const caFile = path.join(dataDir, 'ca.pem');
writeFileSync(caFile, '-----BEGIN CERTIFICATE-----\n');
const env = (extra: Record<string, string>) => ({ OSTEOFLOW_DATA_DIR: dataDir, ...extra });
const URL_KEY =
  "'store.url (OSTEOFLOW_STORE_URL)' must be a URL postgres://user:password@host:port/database, optionally with ?sslmode=disable|require|verify-full";

describe('OSTEOFLOW_STORE_URL', () => {
  it('unset: the embedded SQLite file in the data folder', async () => {
    const cfg = loadConfig(env({}));
    expect(cfg.store).toEqual({});
    const store = openResultsStore(cfg);
    expect(store).toBeInstanceOf(SqliteResultsStore);
    expect((store as SqliteResultsStore).file).toBe(path.join(dataDir, 'results.sqlite'));
    await store.close();
  });

  it('parses user, password (percent-decoded), host, port, database and sslmode', () => {
    const cfg = loadConfig(env({ OSTEOFLOW_STORE_URL: 'postgres://osteo%40site:p%40ss%2Fw0rd@db.example.org:6543/results?sslmode=require' }));
    expect(parseStoreUrl(cfg.store)).toEqual({
      host: 'db.example.org',
      port: 6543,
      user: 'osteo@site',
      password: 'p@ss/w0rd',
      database: 'results',
      sslmode: 'require',
      redacted: 'postgres://osteo%40site:***@db.example.org:6543/results?sslmode=require',
    });
  });

  it('without sslmode: plain on the loopback, verify-full to any other host; a CA file means verify-full', () => {
    const mode = (url: string, tlsCaFile?: string) => parseStoreUrl({ url, tlsCaFile }).sslmode;
    expect(mode('postgres://u@127.0.0.1/db')).toBe('disable');
    expect(mode('postgresql://u@localhost:5433/db')).toBe('disable');
    expect(mode('postgres://u@[::1]/db')).toBe('disable');
    expect(mode('postgres://u@db.example.org/db')).toBe('verify-full');
    expect(mode('postgres://u@10.0.0.5/db')).toBe('verify-full');
    expect(mode('postgres://u@127.0.0.1/db', caFile)).toBe('verify-full');
    expect(mode('postgres://u@db.example.org/db?sslmode=disable')).toBe('disable');
    expect(parseStoreUrl({ url: 'postgres://u@[::1]/db' })).toMatchObject({ host: '::1', port: 5432 });
    expect(parseStoreUrl({ url: 'postgres://u@db.example.org/db?sslmode=verify-full', tlsCaFile: caFile }).tlsCaFile).toBe(caFile);
  });

  it('opens a PostgreSQL store when set (connecting lazily: nothing is reached until the first call)', async () => {
    const store = openResultsStore(loadConfig(env({ OSTEOFLOW_STORE_URL: 'postgres://u:pw@127.0.0.1:1/db' })));
    expect(store).toBeInstanceOf(PostgresResultsStore);
    await expect(store.listPatients('OS-1')).rejects.toThrow(/^results store postgres:\/\/u:\*\*\*@127\.0\.0\.1:1\/db: connect ECONNREFUSED/);
    await store.close();
  });

  it('refuses a bad URL naming the setting and what was expected, never quoting the password', () => {
    const refused = (url: string) => {
      try {
        loadConfig(env({ OSTEOFLOW_STORE_URL: url }));
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        expect((err as Error).message).not.toContain('hunter2');
        return (err as Error).message;
      }
      throw new Error(`accepted ${url}`);
    };
    expect(refused('mysql://u:hunter2@h/db')).toBe(`configuration environment: ${URL_KEY}; the scheme is 'mysql', not postgres, got "mysql://u:***@h/db"`);
    expect(refused('postgres://u:hunter2@h')).toMatch(/; it names no database \(the path after the host\), got "postgres:\/\/u:\*\*\*@h"$/);
    expect(refused('postgres://u:hunter2@h/')).toMatch(/; it names no database/);
    expect(refused('postgres://h/db')).toMatch(/; it names no user, got "postgres:\/\/h\/db"$/);
    expect(refused('postgres://u:hunter2@h/db?sslmode=prefer')).toMatch(/; sslmode 'prefer' is not one of disable, require, verify-full, got/);
    expect(refused('postgres://u:hunter2@h/db?application_name=x')).toMatch(/; 'application_name' is not a setting osteoflow reads \(only sslmode\)/);
    expect(refused('hunter2 is no url')).toMatch(/; it is not a URL, got "\(not shown: not a URL\)"$/);
    expect(refused('postgres://u:hunter2@h:99999/db')).toMatch(/; it is not a URL, got "\(not shown: not a URL\)"$/);
  });

  it('refuses a CA file that is missing, given with another sslmode, or given without a URL', () => {
    expect(() => loadConfig(env({ OSTEOFLOW_STORE_URL: 'postgres://u@h/db', OSTEOFLOW_STORE_TLS_CA: '/nonexistent/ca.pem' }))).toThrow(
      `configuration environment: 'store.tlsCaFile (OSTEOFLOW_STORE_TLS_CA)' must be an existing CA certificate file (PEM), got "/nonexistent/ca.pem"`,
    );
    expect(() => loadConfig(env({ OSTEOFLOW_STORE_URL: 'postgres://u@h/db?sslmode=require', OSTEOFLOW_STORE_TLS_CA: caFile }))).toThrow(
      /'store.tlsCaFile \(OSTEOFLOW_STORE_TLS_CA\)' must be used with sslmode=verify-full only \(the URL says sslmode=require\)/,
    );
    expect(() => loadConfig(env({ OSTEOFLOW_STORE_TLS_CA: caFile }))).toThrow(
      /'store.url \(OSTEOFLOW_STORE_URL\)' must be .* \(OSTEOFLOW_STORE_TLS_CA is set, and is used with a PostgreSQL store only\), got undefined/,
    );
  });

  it('reads both from a configuration file, the CA path relative to the file', () => {
    const file = path.join(dataDir, 'osteoflow.config.json');
    writeFileSync(file, JSON.stringify({ store: { url: 'postgres://u@db.example.org/results', tlsCaFile: 'ca.pem' } }));
    const cfg = loadConfig({ OSTEOFLOW_CONFIG: file, OSTEOFLOW_DATA_DIR: dataDir });
    expect(cfg.store).toEqual({ url: 'postgres://u@db.example.org/results', tlsCaFile: caFile });
    expect(parseStoreUrl(cfg.store)).toMatchObject({ sslmode: 'verify-full', tlsCaFile: caFile });
  });
});
