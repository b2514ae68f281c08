// The console's access store on a real PostgreSQL server (a cluster of its own, ops/postgresServer.ts): the shared
// access contract, then what only the server case has: OSTEOFLOW_STORE_URL selects it, it shares one database with the
// results store (tables and migration records of its own), TRUNCATE of the audit trail is refused, and a console
// session through the HTTP API lands in it.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { AccessControl, openAccessStore, PostgresAccessStore, type AccessStore } from '../../access';
import { loadConfig, parseStoreUrl } from '../../config';
import { startPostgres, type PostgresServer } from '../../ops/postgresServer';
import { openResultsStore } from '../../store';
import { PostgresResultsStore } from '../../store/postgresStore';
import { describeAccessContract } from '../unit/access/support/accessContract';

jest.setTimeout(180000);

let dir: string;
let server: PostgresServer;
let n = 0;

async function sql(url: string, statement: string): Promise<Array<Record<string, unknown>>> {
  const c = parseStoreUrl({ url });
  const client = new Client({ host: c.host, port: c.port, user: c.user, password: c.password, database: c.database });
  await client.connect();
  try {
    return (await client.query(statement)).rows;
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'osteoflow-access-pg-'));
  server = await startPostgres(dir, { ephemeral: true });
});

afterAll(async () => {
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const urls = new Map<AccessStore, string>();
describeAccessContract({
  name: 'PostgreSQL',
  auditTable: 'access_audit',
  open: async () => {
    const url = await server.createDatabase(`access_${++n}`);
    const store = await PostgresAccessStore.open(parseStoreUrl({ url }));
    urls.set(store, url);
    return store;
  },
  sql: (store, statement) => sql(urls.get(store)!, statement),
});

describe('beside the results store', () => {
  it('is chosen by OSTEOFLOW_STORE_URL, shares the database with tables of its own, and refuses TRUNCATE of the audit trail', async () => {
    const url = await server.createDatabase('shared');
    const cfg = loadConfig({ OSTEOFLOW_DATA_DIR: dir, OSTEOFLOW_STORE_URL: url });
    const results = openResultsStore(cfg);
    const access = openAccessStore(cfg);
    try {
      expect(results).toBeInstanceOf(PostgresResultsStore);
      expect(access).toBeInstanceOf(PostgresAccessStore);
      await (results as PostgresResultsStore).ready;
      const control = new AccessControl(access, { scrypt: { N: 2 ** 10, r: 8, p: 1 } });
      await control.addUser('cora', 'cora-password-1', ['coordinator']);
      const signed = await control.signIn('cora', 'cora-password-1');
      expect(signed?.user.username).toBe('cora');
      await access.appendAudit({ actor: 'cora', action: 'session.login', target: 'session', outcome: 'ok' });
      // Each store records its own migrations; the results store's tables are untouched by the access store's.
      expect(await sql(url, 'SELECT version FROM access_schema_migrations ORDER BY version')).toEqual([{ version: 1 }]);
      expect((await sql(url, 'SELECT MAX(version) AS v FROM schema_migrations'))[0].v).toBe(await (results as PostgresResultsStore).schemaVersion());
      const tables = (await sql(url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename LIKE 'access_%' ORDER BY tablename")).map(
        (r) => r.tablename,
      );
      expect(tables).toEqual(['access_audit', 'access_schema_migrations', 'access_sessions', 'access_tokens', 'access_users']);
      await expect(sql(url, 'TRUNCATE access_audit')).rejects.toThrow(/access_audit is append-only: an entry is never deleted/);
      expect(await access.listAudit()).toHaveLength(1);
      // Reopening applies nothing twice and finds the user.
      const again = await PostgresAccessStore.open(parseStoreUrl({ url }));
      expect(await again.getUser('cora')).toMatchObject({ roles: ['coordinator'] });
      await again.close();
    } finally {
      await access.close();
      await results.close();
    }
  });

  it('names the server without its password when it cannot be reached', async () => {
    const url = server.url.replace(/:\d+\//, ':1/');
    await expect(PostgresAccessStore.open(parseStoreUrl({ url }))).rejects.toThrow(/^access store postgres:\/\/[^:]+:\*\*\*@127\.0\.0\.1:1\//);
  });
});
