// The identifier ↔ pseudonym map of a site: the one place where a hospital's patient identifier (DICOM PatientID) meets
// the study pseudonym that everything else carries. It lives in its own file, encrypted with AES-256-GCM under a key
// from configuration, so a copy of the data folder without the key reveals nothing; only intake (which assigns
// pseudonyms to incoming series) and the coordinator's tools open it. Writes go to a temporary file that replaces the
// map in one rename, under a lock file, so two processes never assign two pseudonyms to one patient and a crash never
// leaves half a map. Errors name the file and what failed, never an identifier.
//
// File layout: "OSFIDMAP1" ‖ 12-byte nonce ‖ ciphertext ‖ 16-byte tag; the plaintext is JSON
// { entries: [{ studyId, identifier, pseudonym, assignedAt }] }.
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { decodeKey, KEY_BYTES, open, SEALED_OVERHEAD, seal } from '../config/aesGcm';

const MAGIC = Buffer.from('OSFIDMAP1');
/** A lock older than this is taken to be left by a process that died while writing. */
const STALE_LOCK_MS = 30_000;

export class IdentityMapError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IdentityMapError';
  }
}

export interface IdentityEntry {
  studyId: string;
  /** The hospital's patient identifier (DICOM PatientID, 0010,0020). */
  identifier: string;
  pseudonym: string;
  assignedAt: string;
}

/** Reads the map's key: a file holding 32 random bytes in base64 (`openssl rand -base64 32`). */
export function loadIdentityKey(file: string): Buffer {
  let text: string;
  try {
    text = readFileSync(file, 'utf8').trim();
  } catch (err) {
    throw new IdentityMapError(`identity key file ${file}: cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const decoded = decodeKey(text);
  if ('problem' in decoded) throw new IdentityMapError(`identity key file ${file}: expected ${KEY_BYTES} bytes in base64 (${decoded.problem})`);
  return decoded.key;
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export class IdentityMap {
  private constructor(
    private readonly file: string,
    private readonly key: Buffer,
  ) {
    if (key.length !== KEY_BYTES) throw new IdentityMapError(`identity map ${file}: the key must be ${KEY_BYTES} bytes`);
  }

  /** The map in `file` (created on the first assignment), encrypted with `key`. */
  static open(file: string, key: Buffer): IdentityMap {
    const map = new IdentityMap(file, key);
    map.read(); // a wrong key or a damaged file is reported now, not at the first lookup
    return map;
  }

  private read(): IdentityEntry[] {
    if (!existsSync(this.file)) return [];
    const bytes = readFileSync(this.file);
    if (bytes.length < MAGIC.length + SEALED_OVERHEAD || !bytes.subarray(0, MAGIC.length).equals(MAGIC))
      throw new IdentityMapError(`identity map ${this.file}: not an osteoflow identity map (expected it to start with ${MAGIC.toString()})`);
    const plain = open(this.key, bytes.subarray(MAGIC.length));
    if (!plain)
      throw new IdentityMapError(
        `identity map ${this.file}: does not decrypt with the configured key (authentication failed): another key wrote it, or the file was altered`,
      );
    return (JSON.parse(plain.toString('utf8')) as { entries: IdentityEntry[] }).entries;
  }

  private write(entries: IdentityEntry[]): void {
    const sealed = seal(this.key, Buffer.from(JSON.stringify({ entries }), 'utf8'));
    const tmp = `${this.file}.${process.pid}.tmp`;
    const fd = openSync(tmp, 'w', 0o600);
    try {
      writeSync(fd, Buffer.concat([MAGIC, sealed]));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.file);
  }

  /** Runs `fn` holding the map's lock file (taken over when a dead writer left it behind). */
  private locked<T>(fn: () => T): T {
    const lock = `${this.file}.lock`;
    const deadline = Date.now() + 2 * STALE_LOCK_MS;
    for (;;) {
      try {
        closeSync(openSync(lock, 'wx', 0o600));
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        const age = Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
        if (age > STALE_LOCK_MS) rmSync(lock, { force: true });
        else if (Date.now() > deadline) throw new IdentityMapError(`identity map ${this.file}: its lock ${lock} is held by another process`);
        else sleepSync(20);
      }
    }
    try {
      return fn();
    } finally {
      rmSync(lock, { force: true });
    }
  }

  /**
   * The patient's pseudonym in the study: the one assigned before, or a new one — `<prefix>-<n>`, n one more than the
   * study's highest so far, zero-padded to `digits` — recorded before it is returned.
   */
  pseudonymFor(studyId: string, identifier: string, options: { prefix?: string; digits?: number; now?: Date } = {}): string {
    if (identifier.trim() === '') throw new IdentityMapError(`identity map ${this.file}: the patient identifier is empty`);
    return this.locked(() => {
      const entries = this.read();
      const known = entries.find((e) => e.studyId === studyId && e.identifier === identifier);
      if (known) return known.pseudonym;
      const prefix = options.prefix ?? 'OSF';
      const numbers = entries
        .filter((e) => e.studyId === studyId && e.pseudonym.startsWith(`${prefix}-`))
        .map((e) => Number(e.pseudonym.slice(prefix.length + 1)))
        .filter(Number.isSafeInteger);
      const pseudonym = `${prefix}-${String(Math.max(0, ...numbers) + 1).padStart(options.digits ?? 4, '0')}`;
      entries.push({ studyId, identifier, pseudonym, assignedAt: (options.now ?? new Date()).toISOString() });
      this.write(entries);
      return pseudonym;
    });
  }

  /** The pseudonym already assigned to the patient in the study, or undefined (nothing is assigned). */
  lookup(studyId: string, identifier: string): string | undefined {
    return this.read().find((e) => e.studyId === studyId && e.identifier === identifier)?.pseudonym;
  }

  /** The hospital identifier behind a pseudonym: for the coordinator who must find the patient's records. */
  identifierOf(studyId: string, pseudonym: string): string | undefined {
    return this.read().find((e) => e.studyId === studyId && e.pseudonym === pseudonym)?.identifier;
  }

  /** How many patients the study has in the map. */
  count(studyId: string): number {
    return this.read().filter((e) => e.studyId === studyId).length;
  }
}
