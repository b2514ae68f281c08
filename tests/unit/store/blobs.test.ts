// The local-folder blob store: the shared contract, plus what only a folder has (read-only blobs, no stray
// temporary files after concurrent writers).
import { mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LocalFolderBlobStore, openBlobStore } from '../../../store/blobs';
import { loadConfig } from '../../../config';
import { describeBlobContract } from '../../support/blobContract';

// One folder per test: the other "host" of the contract shares it, as hosts share a mounted folder.
let root = '';
describeBlobContract({
  name: 'local folder',
  open: async (host) => {
    if (!host) root = mkdtempSync(path.join(os.tmpdir(), 'osteoflow-blob-root-'));
    return new LocalFolderBlobStore(root);
  },
});

describe('LocalFolderBlobStore', () => {
  it('keeps blobs read-only under their address and leaves no temporary file behind', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'osteoflow-blob-ro-'));
    const store = new LocalFolderBlobStore(path.join(dir, 'blobs'));
    const source = path.join(dir, 'a.bin');
    writeFileSync(source, 'same bytes');
    const refs = await Promise.all([1, 2, 3].map(() => store.put(source)));
    const stored = await store.fetch(refs[0].sha256);
    expect(stored).toBe(path.join(dir, 'blobs', refs[0].sha256.slice(0, 2), refs[0].sha256));
    expect(statSync(stored).mode & 0o222).toBe(0);
    expect(readdirSync(path.join(dir, 'blobs')).sort()).toEqual([refs[0].sha256.slice(0, 2)]);
    await expect(store.put(path.join(dir, 'absent.bin'))).rejects.toThrow(/ENOENT/);
    expect(readdirSync(path.join(dir, 'blobs')).sort()).toEqual([refs[0].sha256.slice(0, 2)]);
  });

  it('is the store a configuration without a server URL opens, under the data folder', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'osteoflow-blob-cfg-'));
    const store = openBlobStore({ ...loadConfig({}), dataDir, store: {} });
    expect(store).toBeInstanceOf(LocalFolderBlobStore);
    expect(store.description).toBe(`the blob folder ${path.join(dataDir, 'blobs')}`);
    await store.close();
  });
});
