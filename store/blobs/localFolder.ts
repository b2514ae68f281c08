// The embedded blob store: a folder on this host (the default, for a site on one machine). A blob is written once,
// read-only, under its address; fetch returns that file itself, so nothing is copied twice.
import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { blobPath, copyHashing, settle, temporaryBeside } from './files';
import { BlobNotFoundError, checkAddress, type BlobRef, type BlobStore } from './types';

export class LocalFolderBlobStore implements BlobStore {
  readonly description: string;

  constructor(private readonly root: string) {
    mkdirSync(root, { recursive: true });
    this.description = `the blob folder ${root}`;
  }

  async put(file: string): Promise<BlobRef> {
    const temporary = temporaryBeside(path.join(this.root, 'incoming'));
    const ref = await copyHashing(file, temporary);
    chmodSync(temporary, 0o440); // blobs never change under their address
    settle(temporary, blobPath(this.root, ref.sha256));
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
