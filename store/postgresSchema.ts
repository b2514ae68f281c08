// What every osteoflow table set on PostgreSQL does alike (the results store, the console's access store, the blob
// store): a connection pool with TLS as the URL says, transactions on one pooled connection, and numbered migrations
// applied once under a session advisory lock, each in its own transaction and recorded in a table of their own, so
// processes starting at once take turns and a database of a newer schema is refused.
import { readFileSync } from 'node:fs';
import { Pool, type PoolClient, type PoolConfig } from 'pg';
import type { StoreConnection } from '../config';

/** Most connections one process holds: a worker runs a few activities at once, and a server allows about 100 in all. */
export const POOL_MAX = 8;

/** The pg pool settings for a connection: TLS as sslmode says (require encrypts, verify-full also checks the server). */
export function poolConfig(c: StoreConnection, max = POOL_MAX): PoolConfig {
  const ssl =
    c.sslmode === 'disable'
      ? false
      : c.sslmode === 'require'
        ? { rejectUnauthorized: false }
        : { rejectUnauthorized: true, ...(c.tlsCaFile ? { ca: readFileSync(c.tlsCaFile, 'utf8') } : {}) }; // pg checks the host name
  return {
    host: c.host,
    port: c.port,
    user: c.user,
    password: c.password,
    database: c.database,
    ssl,
    max,
    connectionTimeoutMillis: 15000,
    idleTimeoutMillis: 30000,
    application_name: 'osteoflow',
  };
}

export interface PostgresMigration {
  version: number;
  name: string;
  sql: string;
}

/** Runs `fn` in one transaction on one pooled connection: committed when it returns, rolled back when it throws. */
export async function inTransaction<T>(pool: Pool, fn: (c: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    // A connection that cannot even roll back is not handed to the next caller.
    await client.query('ROLLBACK').catch(() => (broken = true));
    throw err;
  } finally {
    client.release(broken);
  }
}

/**
 * Applies the pending `migrations`, recorded in `table`, under the session advisory lock `lock` (a bigint as text,
 * one per table set).
 */
export async function migrateUnderLock(pool: Pool, options: { lock: string; table: string; migrations: readonly PostgresMigration[] }): Promise<void> {
  const { lock, table, migrations } = options;
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query('SELECT pg_advisory_lock($1)', [lock]);
    try {
      await client.query(`CREATE TABLE IF NOT EXISTS ${table} (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`);
      const applied = new Set((await client.query<{ version: number }>(`SELECT version FROM ${table}`)).rows.map((r) => r.version));
      const newest = Math.max(0, ...applied);
      const known = Math.max(0, ...migrations.map((m) => m.version));
      if (newest > known) {
        throw new Error(`schema version ${newest} is newer than this osteoflow knows (${known}); upgrade osteoflow instead of writing with an older one`);
      }
      for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
        if (applied.has(migration.version)) continue;
        await client.query('BEGIN');
        try {
          await client.query(migration.sql);
          await client.query(`INSERT INTO ${table} (version, name, applied_at) VALUES ($1, $2, $3)`, [
            migration.version,
            migration.name,
            new Date().toISOString(),
          ]);
          await client.query('COMMIT');
        } catch (err) {
          await client.query('ROLLBACK');
          throw new Error(`migration ${migration.version} (${migration.name}) failed: ${(err as Error).message}`, { cause: err });
        }
      }
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [lock]);
    }
  } catch (err) {
    broken = true;
    throw err;
  } finally {
    client.release(broken);
  }
}

/**
 * A pool on `connection` whose table set is migrated in the background: `ready` settles once the schema is current and
 * rejects, its message prefixed by `label` (which names the server without its password), when the server cannot be
 * reached or is newer. Every method waits for `ready` (a constructor cannot); `ready` is reported by the first call
 * that waits for it, not as an unhandled rejection.
 */
export function migratedPool(
  connection: StoreConnection,
  options: { max?: number; label: string; lock: string; table: string; migrations: readonly PostgresMigration[] },
): { pool: Pool; ready: Promise<void> } {
  const pool = new Pool(poolConfig(connection, options.max));
  // An idle connection the server closed (restart, timeout) is dropped from the pool; the next query opens another.
  pool.on('error', () => undefined);
  const ready = migrateUnderLock(pool, options).catch((err: Error) => {
    throw new Error(`${options.label}: ${err.message}`, { cause: err });
  });
  ready.catch(() => undefined);
  return { pool, ready };
}

/** Waits for a store's schema; on failure ends its pool (nothing is left connected) and rethrows. */
export async function whenReady(pool: Pool, ready: Promise<void>): Promise<void> {
  try {
    await ready;
  } catch (err) {
    await pool.end();
    throw err;
  }
}
