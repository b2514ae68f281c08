// The blob store contract, run against every implementation: the local folder (unit) and PostgreSQL large objects on
// a real server (integration). Addresses are checked against node:crypto's sha256 of the bytes written, not against
// what the store reports.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BlobNotFoundError, type BlobStore } from '../../store/blobs';

export interface BlobBackend {
  name: string;
  /** A new, empty store; `host` names a separate cache (another machine) over the same stored blobs. */
  open(host?: string): Promise<BlobStore>;
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

export function describeBlobContract(backend: BlobBackend): void {
  describe(`blob store contract (${backend.name})`, () => {
    let dir: string;
    let store: BlobStore;
    const file = (name: string, bytes: Buffer) => {
      const target = path.join(dir, name);
      writeFileSync(target, bytes);
      return target;
    };

    beforeEach(async () => {
      dir = mkdtempSync(path.join(os.tmpdir(), 'osteoflow-blobs-'));
      store = await backend.open();
    });
    afterEach(async () => {
      await store.close();
    });

    it('addresses a file by the sha256 of its bytes and gives the same bytes back', async () => {
      const bytes = randomBytes(70_001);
      const ref = await store.put(file('scan.nii.gz', bytes));
      expect(ref).toEqual({ sha256: sha256(bytes), size: 70_001 });
      expect(await store.has(ref.sha256)).toBe(true);
      expect(readFileSync(await store.fetch(ref.sha256)).equals(bytes)).toBe(true);
    });

    it('streams a file larger than one transfer chunk, and an empty one', async () => {
      const big = randomBytes(9 * 1024 * 1024 + 17);
      const ref = await store.put(file('big.nii', big));
      expect(ref.sha256).toBe(sha256(big));
      expect(readFileSync(await store.fetch(ref.sha256)).equals(big)).toBe(true);
      const empty = await store.put(file('empty', Buffer.alloc(0)));
      expect(empty).toEqual({ sha256: sha256(Buffer.alloc(0)), size: 0 });
      expect(readFileSync(await store.fetch(empty.sha256)).length).toBe(0);
    });

    it('stores the same bytes once, from one file or several at once, under other names', async () => {
      const bytes = randomBytes(50_000);
      const refs = await Promise.all(['a', 'b', 'c', 'd'].map((name) => store.put(file(name, bytes))));
      expect(new Set(refs.map((r) => r.sha256))).toEqual(new Set([sha256(bytes)]));
      expect(await store.put(file('e', bytes))).toEqual(refs[0]);
      expect(readFileSync(await store.fetch(refs[0].sha256)).equals(bytes)).toBe(true);
    });

    it('another host reads what one host stored', async () => {
      const bytes = randomBytes(12_345);
      const ref = await store.put(file('mask.nii.gz', bytes));
      const other = await backend.open('other-host');
      try {
        expect(readFileSync(await other.fetch(ref.sha256)).equals(bytes)).toBe(true);
      } finally {
        await other.close();
      }
    });

    it('refuses an address it does not hold, and one that is not a sha256, naming it', async () => {
      const missing = sha256(Buffer.from('never stored'));
      expect(await store.has(missing)).toBe(false);
      await expect(store.fetch(missing)).rejects.toThrow(BlobNotFoundError);
      await expect(store.fetch(missing)).rejects.toThrow(new RegExp(`blob ${missing} in .*: no such blob`));
      await expect(store.fetch('../../etc/passwd')).rejects.toThrow(/blob address '\.\.\/\.\.\/etc\/passwd': expected 64 lower-case hex digits/);
      await expect(store.has('ABC')).rejects.toThrow(/expected 64 lower-case hex digits/);
    });

    it('a file that cannot be read stores nothing and says which', async () => {
      await expect(store.put(path.join(dir, 'absent.nii'))).rejects.toThrow(/ENOENT.*absent\.nii/);
    });
  });
}
