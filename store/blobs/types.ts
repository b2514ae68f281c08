// The blob store: files (scans, masks, maps, segmentation outputs) addressed by the sha256 of their bytes, so that an
// activity hands another activity — possibly on another host — an address instead of a path on its own disk.

/** A stored file: its content address and size. */
export interface BlobRef {
  /** Lower-case hex sha256 of the bytes. */
  sha256: string;
  size: number;
}

export interface BlobStore {
  /** Where the blobs live, for messages (never a password). */
  readonly description: string;
  /**
   * Stores the bytes of `file` (streamed, never whole in memory) and returns their address. Storing bytes the store
   * already holds stores nothing new; concurrent puts of the same bytes leave one blob.
   */
  put(file: string): Promise<BlobRef>;
  /**
   * A file on this host holding the blob's bytes: the blob itself in a local store, else a copy in the host's cache,
   * fetched once and checked against its address. Fails with a BlobNotFoundError when the store has no such blob.
   */
  fetch(sha256: string): Promise<string>;
  has(sha256: string): Promise<boolean>;
  close(): Promise<void>;
}

/** A blob address that names no stored blob (or a copy whose bytes do not match it). */
export class BlobNotFoundError extends Error {
  constructor(
    readonly sha256: string,
    where: string,
    why = 'no such blob',
  ) {
    super(`blob ${sha256} in ${where}: ${why}`);
    this.name = 'BlobNotFoundError';
  }
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** Checks an address before it reaches a file name or a query; names the address and the expected form. */
export function checkAddress(sha256: string): string {
  if (!SHA256_HEX.test(sha256)) throw new Error(`blob address '${sha256.slice(0, 80)}': expected 64 lower-case hex digits (a sha256)`);
  return sha256;
}
