// The embedded blob store: a folder on this host (the default, for a site on one machine). A blob is written once,
// read-only, under its address; fetch returns that file itself, so nothing is copied twice. A file on the same file
// system (a study's stored scan) becomes a blob by a hard link, not a second copy of its bytes, and read-only like every blob.
import { chmodSync, existsSync, linkSync, mkdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { blobPath, copyHashing, hashFile, settle, temporaryBeside } from './files';
import { BlobNotFoundError, checkAddress, type BlobRef, type BlobStore } from './types';

export class LocalFolderBlobStore implements BlobStore {
  readonly description: string;

  constructor(private readonly root: string) {
    mkdirSync(root, { recursive: true });
    this.description = `the blob folder ${root}`;
  }

  async put(file: string): Promise<BlobRef> {
    const linked = await this.putLinked(file);
    if (linked) return linked;
    const temporary = temporaryBeside(path.join(this.root, 'incoming'));
    const ref = await copyHashing(file, temporary);
    chmodSync(temporary, 0o440); // blobs never change under their address
    settle(temporary, blobPath(this.root, ref.sha256));
    return ref;
  }

  /** The file linked under its address, when it is on this file system and did not change while it was hashed. */
  private async putLinked(file: string): Promise<BlobRef | undefined> {
    const before = statSync(file);
    const ref = await hashFile(file);
    const target = blobPath(this.root, ref.sha256);
    if (existsSync(target)) return ref;
    const temporary = temporaryBeside(path.join(this.root, 'incoming'));
    try {
      linkSync(file, temporary);
    } catch {
      return undefined; // another file system: copied instead
    }
    const after = statSync(temporary);
    if (after.ino !== before.ino || after.size !== before.size || after.mtimeMs !== before.mtimeMs) {
      rmSync(temporary, { force: true });
      return undefined;
    }
    chmodSync(temporary, 0o440);
    settle(temporary, target);
    return ref;
  }

  async fetch(sha256: string): Promise<string> {
    const file = blobPath(this.root, checkAddress(sha256));
    if (!existsSync(file)) throw new BlobNotFoundError(sha256, this.description);
    return file;
  }

  async has(sha256: string): Promise<boolean> {
    return existsSync(blobPath(this.root, checkAddress(sha256)));
  }

  async close(): Promise<void> {}
}
