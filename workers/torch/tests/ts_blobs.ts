// The TypeScript side of the blob store for the Python worker's tests, so that they check the Python store against the
// stores the rest of osteoflow uses rather than against itself:
//
//   npx tsx workers/torch/tests/ts_blobs.ts
//
// reads one JSON request a line on stdin and answers one JSON line on stdout ({ ok: … } or { error: message }):
//   { "op": "postgres", "dir": D }                 start a throw-away PostgreSQL cluster in D (ops/postgresServer.ts) → { url }
//   { "op": "database", "name": N }                a new database in that cluster → { url }
//   { "op": "migrate", "url": U }                  open the PostgreSQL blob store there once (creates its tables) → {}
//   { "op": "put", "store": S, "file": F }         put F → { sha256, size }
//   { "op": "fetch", "store": S, "sha256": H }     fetch H → { path }
//   { "op": "storeScan", "source": F, "dir": D }   study/scanStore.ts's copy of a file or folder → { path, sha256 }
// where S is { "dir": blob folder } (LocalFolderBlobStore) or { "url": U, "cache": C } (PostgresBlobStore).
// On end of input it closes the stores, stops the cluster and exits.
import { createInterface } from 'node:readline';
import { parseStoreUrl } from '../../../config';
import { startPostgres, type PostgresServer } from '../../../ops/postgresServer';
import { LocalFolderBlobStore, PostgresBlobStore, type BlobStore } from '../../../store/blobs';
import { storeScan } from '../../../study/scanStore';

type StoreSpec = { dir: string } | { url: string; cache: string };

interface Request {
  op: string;
  dir?: string;
  name?: string;
  url?: string;
  store?: StoreSpec;
  file?: string;
  sha256?: string;
  source?: string;
}

let server: PostgresServer | undefined;
const stores = new Map<string, BlobStore>();

function storeFor(spec: StoreSpec | undefined): BlobStore {
  if (!spec) throw new Error('the request names no store');
  const key = JSON.stringify(spec);
  let store = stores.get(key);
  if (!store) {
    store = 'dir' in spec ? new LocalFolderBlobStore(spec.dir) : new PostgresBlobStore(parseStoreUrl({ url: spec.url }), spec.cache);
    stores.set(key, store);
  }
  return store;
}

async function handle(request: Request): Promise<unknown> {
  switch (request.op) {
    case 'postgres':
      server = await startPostgres(request.dir!, { ephemeral: true });
      return { url: server.url };
    case 'database':
      if (!server) throw new Error('no cluster started');
      return { url: await server.createDatabase(request.name!) };
    case 'migrate': {
      const store = new PostgresBlobStore(parseStoreUrl({ url: request.url }), '/nonexistent-cache');
      try {
        await store.has('0'.repeat(64)); // waits for the migrations
      } finally {
        await store.close();
      }
      return {};
    }
    case 'put':
      return await storeFor(request.store).put(request.file!);
    case 'fetch':
      return { path: await storeFor(request.store).fetch(request.sha256!) };
    case 'storeScan':
      return await storeScan(request.source!, request.dir!, 'scan');
    default:
      throw new Error(`unknown op '${request.op}'`);
  }
}

async function main(): Promise<void> {
  const lines = createInterface({ input: process.stdin });
  for await (const line of lines) {
    if (line.trim() === '') continue;
    let answer: unknown;
    try {
      answer = { ok: await handle(JSON.parse(line) as Request) };
    } catch (err) {
      answer = { error: err instanceof Error ? err.message : String(err) };
    }
    process.stdout.write(`${JSON.stringify(answer)}\n`);
  }
  for (const store of stores.values()) await store.close();
  await server?.stop();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
