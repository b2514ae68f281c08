// The shared blob store: PostgreSQL large objects, for a site whose workers run on several hosts. The results store's
// server is already shared by every worker, so blobs need no further server; large objects stream in chunks (no
// blob is ever whole in memory) and are written in one transaction with their index row, so a crashed upload leaves
// nothing behind. Each host keeps fetched blobs in its own cache folder, checked against their address once.
import { createReadStream, existsSync, mkdirSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import type { Pool } from 'pg';
import type { StoreConnection } from '../../config';
import { inTransaction, migratedPool, type PostgresMigration } from '../postgresSchema';
import { blobPath, hashFile, settle, temporaryBeside } from './files';
import { BlobNotFoundError, checkAddress, type BlobRef, type BlobStore } from './types';

/** Bytes per lo_put / lo_get call: large enough to keep round trips few, small enough for the server's memory. */
const CHUNK_BYTES = 4 * 1024 * 1024;
/** The session advisory lock held while migrating the blob tables ('oblobs' in ASCII). */
const MIGRATION_LOCK = '122519212830579';

/** The blob store's tables, recorded in blob_schema_migrations. Never edit a released migration: add the next one. */
const BLOB_MIGRATIONS: readonly PostgresMigration[] = [
  {
    version: 1,
    name: 'blob index',
    sql: `CREATE TABLE osteoflow_blobs (
      sha256 TEXT COLLATE "C" PRIMARY KEY CHECK (sha256 ~ '^[0-9a-f]{64}$'),
      size BIGINT NOT NULL CHECK (size >= 0),
      oid OID NOT NULL,
      stored_at TIMESTAMPTZ NOT NULL DEFAULT now()
    )`,
  },
];

export class PostgresBlobStore implements BlobStore {
  readonly description: string;
  private readonly pool: Pool;
  private readonly ready: Promise<void>;

  /** Blobs on the server `connection` names; fetched copies kept in `cacheDir` on this host. */
  constructor(
    connection: StoreConnection,
    private readonly cacheDir: string,
  ) {
    this.description = `the blob store at ${connection.redacted}`;
    const { pool, ready } = migratedPool(connection, {
      max: 4,
      label: this.description,
      lock: MIGRATION_LOCK,
      table: 'blob_schema_migrations',
      migrations: BLOB_MIGRATIONS,
    });
    this.pool = pool;
    this.ready = ready;
  }

  async put(file: string): Promise<BlobRef> {
    await this.ready;
    // Hashing first reads the file twice for a new blob, but sends nothing for one the server already holds.
    const ref = await hashFile(file);
    if (await this.has(ref.sha256)) return ref;
    await inTransaction(this.pool, async (client) => {
      const { oid } = (await client.query<{ oid: number }>('SELECT lo_create(0) AS oid')).rows[0];
      let offset = 0;
      for await (const chunk of createReadStream(file, { highWaterMark: CHUNK_BYTES })) {
        await client.query('SELECT lo_put($1, $2, $3)', [oid, offset, chunk as Buffer]);
        offset += (chunk as Buffer).length;
      }
      if (offset !== ref.size) throw new Error(`${file} changed while it was being stored (${ref.size} bytes hashed, ${offset} sent)`);
      const inserted = await client.query('INSERT INTO osteoflow_blobs (sha256, size, oid) VALUES ($1, $2, $3) ON CONFLICT (sha256) DO NOTHING', [
        ref.sha256,
        ref.size,
        oid,
      ]);
      // Another host stored the same bytes meanwhile: this copy is dropped with the transaction.
      if (inserted.rowCount === 0) throw new AlreadyStored();
    }).catch((err: unknown) => {
      if (!(err instanceof AlreadyStored)) throw err;
    });
    return ref;
  }

  async fetch(sha256: string): Promise<string> {
    const cached = blobPath(this.cacheDir, checkAddress(sha256));
    if (existsSync(cached)) return cached;
    await this.ready;
    const row = (await this.pool.query<{ oid: number; size: string }>('SELECT oid, size FROM osteoflow_blobs WHERE sha256 = $1', [sha256])).rows[0];
    if (!row) throw new BlobNotFoundError(sha256, this.description);
    const size = Number(row.size);
    mkdirSync(path.dirname(cached), { recursive: true });
    const temporary = temporaryBeside(cached);
    const out = await open(temporary, 'wx', 0o440);
    try {
      for (let offset = 0; offset < size; offset += CHUNK_BYTES) {
        const part = (await this.pool.query<{ bytes: Buffer }>('SELECT lo_get($1, $2, $3) AS bytes', [row.oid, offset, Math.min(CHUNK_BYTES, size - offset)]))
          .rows[0].bytes;
        await out.write(part);
      }
    } catch (err) {
      await out.close();
      rmSync(temporary, { force: true });
      throw err;
    }
    await out.close();
    const got = await hashFile(temporary);
    if (got.sha256 !== sha256 || got.size !== size) {
      rmSync(temporary, { force: true });
      throw new BlobNotFoundError(sha256, this.description, `the stored bytes hash to ${got.sha256} (${got.size} bytes), not to their address`);
    }
    settle(temporary, cached);
    return cached;
  }

  async has(sha256: string): Promise<boolean> {
    await this.ready;
    return (await this.pool.query('SELECT 1 FROM osteoflow_blobs WHERE sha256 = $1', [checkAddress(sha256)])).rowCount === 1;
  }

  async close(): Promise<void> {
    await this.ready.catch(() => undefined);
    await this.pool.end();
  }
}

class AlreadyStored extends Error {}
