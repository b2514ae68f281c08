// What every osteoflow table set on PostgreSQL does alike (the results store, the console's access store, the blob
// store): transactions on one pooled connection, and numbered migrations applied once under a session advisory lock,
// each in its own transaction and recorded in a table of their own, so processes starting at once take turns and a
// database of a newer schema is refused.
import type { Pool, PoolClient } from 'pg';

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
