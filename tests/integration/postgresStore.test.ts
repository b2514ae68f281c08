// The PostgreSQL results store on a real server: a cluster of its own (ops/postgresServer.ts; ICU en-US collation, so
// that bytewise order has to come from the schema, and TLS with a CA made here), the shared store contract, then what
// only a server has: migrating once when processes start at once, refusing a newer schema, errors that name the URL
// without its password, sslmode honoured, append-only against TRUNCATE and disabled triggers, and four writer
// processes × 200 writes colliding on the same keys without a lost, doubled or mixed row or a broken chain. The blob
// store's large objects run their contract on the same cluster, each host with its own cache folder.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, parseStoreUrl } from '../../config';
import { freePort } from '../../ops/processes';
import { startPostgres, type PostgresServer } from '../../ops/postgresServer';
import { openResultsStore } from '../../store';
import { PostgresResultsStore } from '../../store/postgresStore';
import { describeStoreContract } from '../support/storeContract';
import { describeBlobContract } from '../support/blobContract';
import { PostgresBlobStore } from '../../store/blobs';
import { Client } from 'pg';
import { main } from '../../cli/main';
import { captureOutput } from '../unit/cli/support/captureOutput';
import { postgresBackend, rawSql } from './support/postgresBackend';

jest.setTimeout(180000);

let dir: string;
let tlsDir: string;
let server: PostgresServer;
const tls = { ca: '', otherCa: '' };

/** A CA, a server certificate it signs for 127.0.0.1 only, and an unrelated CA (openssl). */
function makeCertificates(into: string): { certFile: string; keyFile: string } {
  const file = (name: string) => path.join(into, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  for (const ca of ['ca', 'other-ca']) {
    openssl(
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '2',
      '-subj',
      `/CN=osteoflow test ${ca}`,
      '-keyout',
      file(`${ca}.key`),
      '-out',
      file(`${ca}.crt`),
    );
  }
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-keyout', file('server.key'), '-out', file('server.csr'));
  writeFileSync(file('san.ext'), 'subjectAltName = IP:127.0.0.1\n');
  openssl(
    'x509',
    '-req',
    '-in',
    file('server.csr'),
    '-CA',
    file('ca.crt'),
    '-CAkey',
    file('ca.key'),
    '-CAcreateserial',
    '-days',
    '2',
    '-extfile',
    file('san.ext'),
    '-out',
    file('server.crt'),
  );
  tls.ca = file('ca.crt');
  tls.otherCa = file('other-ca.crt');
  return { certFile: file('server.crt'), keyFile: file('server.key') };
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'osteoflow-pg-'));
  tlsDir = mkdtempSync(path.join(os.tmpdir(), 'osteoflow-pg-tls-'));
  const certificates = makeCertificates(tlsDir);
  server = await startPostgres(dir, { ephemeral: true, icuLocale: 'en-US', tls: certificates });
});

afterAll(async () => {
  await server?.stop();
  for (const d of [dir, tlsDir]) if (d) rmSync(d, { recursive: true, force: true });
});

describeStoreContract(postgresBackend(() => server));

let blobDatabase = 0;
let blobUrl = '';
describeBlobContract({
  name: 'PostgreSQL large objects',
  open: async (host) => {
    if (!host) blobUrl = await server.createDatabase(`blobs_${++blobDatabase}`);
    return new PostgresBlobStore(parseStoreUrl({ url: blobUrl }), mkdtempSync(path.join(os.tmpdir(), `osteoflow-blob-cache-${host ?? 'here'}-`)));
  },
});

describe('PostgreSQL blob store', () => {
  it('refuses a cached copy whose bytes no longer match, and a stored blob altered on the server', async () => {
    const url = await server.createDatabase('blobs_tamper');
    const cache = mkdtempSync(path.join(os.tmpdir(), 'osteoflow-blob-cache-'));
    const store = new PostgresBlobStore(parseStoreUrl({ url }), cache);
    const source = path.join(cache, 'scan.bin');
    writeFileSync(source, Buffer.alloc(5000, 7));
    try {
      const ref = await store.put(source);
      const raw = new Client({ connectionString: url });
      await raw.connect();
      try {
        const [{ oid }] = (await raw.query('SELECT oid FROM osteoflow_blobs WHERE sha256 = $1', [ref.sha256])).rows;
        await raw.query('SELECT lo_put($1, 10, $2)', [oid, Buffer.from('altered')]);
      } finally {
        await raw.end();
      }
      await expect(store.fetch(ref.sha256)).rejects.toThrow(
        new RegExp(`blob ${ref.sha256} in the blob store at .*\\*\\*\\*.*: the stored bytes hash to [0-9a-f]{64} \\(5000 bytes\\), not to their address`),
      );
      expect(existsSync(path.join(cache, ref.sha256.slice(0, 2), ref.sha256))).toBe(false);
    } finally {
      await store.close();
    }
  });

  it('names the server without its password when it cannot be reached', async () => {
    const url = server.url.replace(`:${server.port}/`, `:${await freePort()}/`);
    const store = new PostgresBlobStore(parseStoreUrl({ url }), mkdtempSync(path.join(os.tmpdir(), 'osteoflow-blob-cache-')));
    const failure = store.has('0'.repeat(64));
    await expect(failure).rejects.toThrow(/the blob store at postgres:\/\/osteoflow:\*\*\*@127\.0\.0\.1:\d+\/osteoflow: .*ECONNREFUSED/);
    await expect(failure).rejects.not.toThrow(server.password);
    await store.close();
  });
});

/** The password in the URL the cluster gave us, to check that no message carries it. */
const password = () => server.password;
const urlOf = async (database: string, query = '') => `${await server.createDatabase(database)}${query}`;

function runChild(file: string, args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-r', 'tsx/cjs', path.join(__dirname, 'support', file), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => resolve({ code, out: out.trim(), err }));
  });
}

describe('PostgreSQL results store', () => {
  it('the cluster listens on 127.0.0.1 with password authentication and collates text by ICU en-US', async () => {
    expect(server.url).toMatch(new RegExp(`^postgres://osteoflow:[^@]+@127\\.0\\.0\\.1:${server.port}/osteoflow$`));
    const store = await PostgresResultsStore.open(parseStoreUrl({ url: server.url }));
    try {
      const [settings] = await rawSql(
        store,
        `SELECT current_setting('listen_addresses') AS listen, datlocprovider, daticulocale FROM pg_database WHERE datname = 'osteoflow'`,
      );
      expect(settings).toEqual({ listen: '127.0.0.1', datlocprovider: 'i', daticulocale: 'en-US' });
      // Under this collation 'syn-2' sorts before 'SYN-10' … the schema's COLLATE "C" is what keeps SQLite's order.
      const [icu] = await rawSql(store, `SELECT array_agg(p ORDER BY p) AS sorted FROM unnest(ARRAY['SYN-2', 'syn-1', 'SYN_1']) AS p`);
      expect(icu.sorted).not.toEqual(['SYN-2', 'SYN_1', 'syn-1']);
      const wrong = new PostgresResultsStore(parseStoreUrl({ url: server.url.replace(`:${server.password}@`, ':wrong@') }));
      await expect(wrong.listPatients('OS-1')).rejects.toThrow(/password authentication failed for user "osteoflow"/);
      await wrong.close();
    } finally {
      await store.close();
    }
  });

  it('starts a cluster again with its data and credentials, and a start that fails names the log and quotes it', async () => {
    const own = mkdtempSync(path.join(os.tmpdir(), 'osteoflow-pg-own-'));
    try {
      const first = await startPostgres(own, { ephemeral: true, database: 'kept' });
      const store = await PostgresResultsStore.open(parseStoreUrl({ url: first.url }));
      await store.recordPathology({ studyId: 'OS-1', pseudonym: 'SYN-001', necrosisPct: 92, huvosGrade: 'III', date: '2026-05-01' });
      await store.close();
      await first.stop();
      await expect(PostgresResultsStore.open(parseStoreUrl({ url: first.url }))).rejects.toThrow(/ECONNREFUSED/);
      const again = await startPostgres(own, { database: 'kept' });
      expect(again.password).toBe(first.password);
      const reopened = await PostgresResultsStore.open(parseStoreUrl({ url: again.url }));
      expect(await reopened.getPathology({ studyId: 'OS-1', pseudonym: 'SYN-001' })).toMatchObject({ necrosisPct: 92 });
      await reopened.close();
      await again.stop();

      const broken = mkdtempSync(path.join(os.tmpdir(), 'osteoflow-pg-broken-'));
      const failed = startPostgres(broken, { ephemeral: true, settings: { max_connections: "'many'" } });
      await expect(failed).rejects.toThrow(
        new RegExp(
          `PostgreSQL did not start on 127\\.0\\.0\\.1:\\d+ .*Its log \\(${broken}/postgres\\.log\\) ends with:[\\s\\S]*invalid value for parameter "max_connections"`,
        ),
      );
      rmSync(broken, { recursive: true, force: true });
    } finally {
      rmSync(own, { recursive: true, force: true });
    }
  });

  it('migrates a new database once when several processes open it at the same moment', async () => {
    for (let round = 0; round < 2; round++) {
      const url = await urlOf(`migrate_${round}`);
      const startAt = Date.now() + 4000; // after every child has loaded
      const results = await Promise.all([0, 1, 2].map(() => runChild('postgresOpen.ts', [url, String(startAt)])));
      expect(results).toEqual([0, 1, 2].map(() => ({ code: 0, out: '3', err: '' })));
      const store = await PostgresResultsStore.open(parseStoreUrl({ url }));
      expect(await rawSql(store, 'SELECT version FROM schema_migrations ORDER BY version')).toEqual([{ version: 3 }]);
      await store.close();
    }
  });

  it('refuses a database written by a newer schema, naming the server without its password', async () => {
    const url = await urlOf('newer');
    const store = await PostgresResultsStore.open(parseStoreUrl({ url }));
    await rawSql(store, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, 'future', 'x')");
    await store.close();
    const opening = PostgresResultsStore.open(parseStoreUrl({ url }));
    await expect(opening).rejects.toThrow(
      new RegExp(
        `^results store postgres://osteoflow:\\*\\*\\*@127\\.0\\.0\\.1:${server.port}/newer: schema version 99 is newer than this osteoflow knows \\(3\\)`,
      ),
    );
    await expect(opening).rejects.not.toThrow(password());
  });

  it('opens through OSTEOFLOW_STORE_URL for every caller, and a server that is not there fails on first use without the password', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'osteoflow-pg-cfg-'));
    const cfg = loadConfig({ OSTEOFLOW_DATA_DIR: dataDir, OSTEOFLOW_STORE_URL: await urlOf('configured') });
    const store = openResultsStore(cfg);
    expect(store).toBeInstanceOf(PostgresResultsStore);
    await store.recordScan({
      studyId: 'OS-1',
      pseudonym: 'SYN-001',
      timepoint: 'baseline',
      modality: 'T2',
      role: 'image',
      sha256: 'a',
      path: '/p',
      source: '/s',
    });
    expect(await rawSql(store, 'SELECT pseudonym FROM scans')).toEqual([{ pseudonym: 'SYN-001' }]);
    await store.close();
    expect(existsSync(path.join(dataDir, 'results.sqlite'))).toBe(false);

    const port = await freePort();
    const absent = openResultsStore(loadConfig({ OSTEOFLOW_DATA_DIR: dataDir, OSTEOFLOW_STORE_URL: `postgres://osteoflow:s3cret-pw@127.0.0.1:${port}/x` }));
    const failing = absent.listPatients('OS-1');
    await expect(failing).rejects.toThrow(new RegExp(`^results store postgres://osteoflow:\\*\\*\\*@127\\.0\\.0\\.1:${port}/x: .*ECONNREFUSED`));
    await expect(failing).rejects.not.toThrow('s3cret-pw');
    await absent.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('honours sslmode: disable is plain, require and verify-full (with the CA) encrypt, a wrong CA or host name is refused', async () => {
    let n = 0;
    /** Whether the store's own connections are encrypted, as the server sees them (a database per case, so only its own count). */
    const encrypted = async (query: string, tlsCaFile?: string) => {
      const database = `tls_${++n}`;
      const store = await PostgresResultsStore.open(parseStoreUrl({ url: await urlOf(database, query), tlsCaFile }));
      try {
        const [row] = await rawSql(
          store,
          `SELECT COUNT(*)::int AS n, bool_and(s.ssl) AS ssl FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) WHERE a.application_name = 'osteoflow' AND a.datname = $1`,
          [database],
        );
        expect(row.n).toBeGreaterThan(0);
        return row.ssl;
      } finally {
        await store.close();
      }
    };
    expect(await encrypted('?sslmode=disable')).toBe(false);
    expect(await encrypted('')).toBe(false); // loopback without sslmode: plain
    expect(await encrypted('?sslmode=require')).toBe(true);
    expect(await encrypted('?sslmode=verify-full', tls.ca)).toBe(true);
    expect(await encrypted('', tls.ca)).toBe(true); // a CA without sslmode means verify-full
    const url = await urlOf('tls');
    await expect(PostgresResultsStore.open(parseStoreUrl({ url: `${url}?sslmode=verify-full`, tlsCaFile: tls.otherCa }))).rejects.toThrow(
      /self[- ]signed certificate|unable to verify/,
    );
    // The certificate names 127.0.0.1 only.
    const byName = url.replace('@127.0.0.1:', '@localhost:');
    await expect(PostgresResultsStore.open(parseStoreUrl({ url: `${byName}?sslmode=verify-full`, tlsCaFile: tls.ca }))).rejects.toThrow(
      /Hostname\/IP does not match certificate's altnames/,
    );
  });

  it('keeps the ledger append-only against TRUNCATE, and reports disabled triggers', async () => {
    const store = await PostgresResultsStore.open(parseStoreUrl({ url: await urlOf('truncate') }));
    await store.recordPrediction({
      studyId: 'OS-1',
      pseudonym: 'SYN-001',
      timepoint: 'preop',
      model: 'm',
      modelVersion: '1',
      probability: 0.5,
      predictedAt: 't',
    });
    await expect(rawSql(store, 'TRUNCATE prediction_ledger')).rejects.toThrow(/append-only: an entry is never deleted/);
    expect((await store.verifyLedger()).appendOnly).toBe(true);
    await rawSql(store, 'ALTER TABLE prediction_ledger DISABLE TRIGGER prediction_ledger_no_update');
    expect(await store.verifyLedger()).toMatchObject({ checked: 1, broken: null, appendOnly: false });
    await store.close();
  });

  it('osteoflow ledger verify checks the server named by OSTEOFLOW_STORE_URL, and finds a broken link there', async () => {
    const url = await urlOf('ledger_cli');
    const store = await PostgresResultsStore.open(parseStoreUrl({ url }));
    for (const timepoint of ['baseline', 'mid'])
      await store.recordPrediction({ studyId: 'OS-CLI', pseudonym: 'SYN-001', timepoint, model: 'm', modelVersion: '1', probability: 0.4, predictedAt: 't' });
    const saved = process.env.OSTEOFLOW_STORE_URL;
    process.env.OSTEOFLOW_STORE_URL = url;
    try {
      const intact = await captureOutput(() => main(['ledger', 'verify']));
      expect(intact).toMatchObject({ code: 0, out: 'ledger intact: 2 entries of 1 study, every link verified; append-only\n' });
      // Edited by hand behind the triggers' back: the first changed entry is named.
      await rawSql(store, 'ALTER TABLE prediction_ledger DISABLE TRIGGER prediction_ledger_no_update');
      await rawSql(store, "UPDATE prediction_ledger SET probability = 0.9 WHERE timepoint = 'mid'");
      const broken = await captureOutput(() => main(['ledger', 'verify']));
      expect(broken.code).toBe(1);
      expect(broken.err).toMatch(/^osteoflow ledger verify: broken at entry \d+ of study OS-CLI: /);
    } finally {
      if (saved === undefined) delete process.env.OSTEOFLOW_STORE_URL;
      else process.env.OSTEOFLOW_STORE_URL = saved;
      await store.close();
    }
  });

  it('four writer processes × 200 writes colliding on the same keys: no lost, doubled or mixed row, and the chain holds', async () => {
    const WRITERS = 4;
    const WRITES = 200;
    const url = await urlOf('concurrent');
    await (await PostgresResultsStore.open(parseStoreUrl({ url }))).close(); // migrated before the race, which is about writes
    const startAt = Date.now() + 5000;
    const started = Date.now();
    const results = await Promise.all(
      Array.from({ length: WRITERS }, (_, w) => runChild('postgresWriter.ts', [url, String(w), String(WRITES), String(startAt)])),
    );
    const elapsed = Date.now() - started;
    for (const r of results) expect({ code: r.code, err: r.err }).toEqual({ code: 0, err: '' });
    const reports = results.map(
      (r) => JSON.parse(r.out) as { appends: Array<{ attempt: string; seq: number; entryHash: string }>; sets: Array<{ pseudonym: string; writeId: number }> },
    );

    const store = await PostgresResultsStore.open(parseStoreUrl({ url }));
    try {
      // Sets: per writer 50 of its own (i ≡ 2 mod 4) and 50 writes to the 10 shared ones (i ≡ 0 mod 4).
      const sets = await rawSql(store, 'SELECT pseudonym, image_hash, COUNT(*)::int AS n FROM feature_sets GROUP BY pseudonym, image_hash ORDER BY pseudonym');
      expect(sets).toHaveLength(WRITERS * 50 + 10);
      expect(sets.every((s) => s.n === 1)).toBe(true);
      const written = new Map<string, Set<number>>();
      for (const r of reports) for (const s of r.sets) written.set(s.pseudonym, (written.get(s.pseudonym) ?? new Set()).add(s.writeId));
      expect(reports.map((r) => r.sets.length)).toEqual([100, 100, 100, 100]);
      const values = await rawSql(
        store,
        `SELECT pseudonym, COUNT(*)::int AS n, MIN(value) AS lo, MAX(value) AS hi FROM feature_values GROUP BY pseudonym ORDER BY pseudonym`,
      );
      expect(values).toHaveLength(WRITERS * 50 + 10);
      for (const v of values) {
        const set = sets.find((s) => s.pseudonym === v.pseudonym)!;
        // 20 values, all of one write (the one whose id the set's image hash carries), and one that was made.
        expect({ n: v.n, lo: v.lo, hi: v.hi }).toEqual({ n: 20, lo: Number(set.image_hash), hi: Number(set.image_hash) });
        expect(written.get(String(v.pseudonym))!.has(Number(set.image_hash))).toBe(true);
      }
      // Ledger: 100 appends per writer, 10 of them with an attempt id every writer uses: 4 × 90 + 10 entries.
      const entries = await store.ledgerEntries({ studyId: 'CONC' });
      expect(entries).toHaveLength(WRITERS * 90 + 10);
      expect(new Set(entries.map((e) => e.attempt)).size).toBe(entries.length);
      const bySeq = new Map(entries.map((e) => [e.seq, e]));
      for (const r of reports) {
        expect(r.appends).toHaveLength(100);
        for (const a of r.appends) expect(bySeq.get(a.seq)).toMatchObject({ attempt: a.attempt, entryHash: a.entryHash });
      }
      const shared = reports.map((r) => r.appends.filter((a) => a.attempt.startsWith('shared-')).sort((x, y) => x.seq - y.seq));
      expect(shared[1]).toEqual(shared[0]); // every writer was answered with the one entry of each shared attempt
      expect(await store.verifyLedger('CONC')).toEqual({ checked: WRITERS * 90 + 10, studies: ['CONC'], broken: null, appendOnly: true });
      console.log(`[postgres] ${WRITERS} writers × ${WRITES} writes in ${elapsed} ms (with process start)`);
    } finally {
      await store.close();
    }
  });
});
