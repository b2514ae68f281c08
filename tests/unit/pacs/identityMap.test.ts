// The identifier ↔ pseudonym map: one pseudonym per patient and study, kept across processes and reopening, nothing
// readable without the key, a wrong key or an altered file refused with a reason that names no identifier, and four
// processes assigning at once never giving one patient two pseudonyms or two patients one.
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { IdentityMap, IdentityMapError, loadIdentityKey } from '../../../pacs/identityMap';
import { tempDir } from './support';

const key = Buffer.alloc(32, 3);
const otherKey = Buffer.alloc(32, 4);

describe('IdentityMap', () => {
  it('assigns the next pseudonym of the study once per patient and finds it again after reopening', () => {
    const file = path.join(tempDir('osteoflow-idmap-'), 'identity-map.enc');
    const map = IdentityMap.open(file, key);
    expect(map.pseudonymFor('OS-1', 'H123456')).toBe('OSF-0001');
    expect(map.pseudonymFor('OS-1', 'H654321')).toBe('OSF-0002');
    expect(map.pseudonymFor('OS-1', 'H123456')).toBe('OSF-0001');
    // Another study numbers on its own; the same patient there gets its own pseudonym.
    expect(map.pseudonymFor('OS-2', 'H123456', { prefix: 'B', digits: 3 })).toBe('B-001');
    const again = IdentityMap.open(file, key);
    expect([again.lookup('OS-1', 'H654321'), again.identifierOf('OS-1', 'OSF-0001'), again.count('OS-1'), again.lookup('OS-1', 'H999')]).toEqual([
      'OSF-0002',
      'H123456',
      2,
      undefined,
    ]);
  });

  it('holds no identifier or pseudonym in clear, and is readable by its owner only', () => {
    const file = path.join(tempDir('osteoflow-idmap-'), 'identity-map.enc');
    IdentityMap.open(file, key).pseudonymFor('OS-1', 'H123456');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const bytes = readFileSync(file).toString('latin1');
    for (const clear of ['H123456', 'OSF-0001', 'OS-1', 'identifier']) expect([clear, bytes.includes(clear)]).toEqual([clear, false]);
  });

  it('refuses a wrong key, an altered file and a file that is no map, naming the file and no identifier', () => {
    const dir = tempDir('osteoflow-idmap-');
    const file = path.join(dir, 'identity-map.enc');
    IdentityMap.open(file, key).pseudonymFor('OS-1', 'H123456');
    expect(() => IdentityMap.open(file, otherKey)).toThrow(
      new IdentityMapError(
        `identity map ${file}: does not decrypt with the configured key (authentication failed): another key wrote it, or the file was altered`,
      ),
    );
    const altered = readFileSync(file);
    altered[20] ^= 1;
    writeFileSync(file, altered);
    expect(() => IdentityMap.open(file, key)).toThrow(/authentication failed/);
    const notMap = path.join(dir, 'other.enc');
    writeFileSync(notMap, 'PatientID,Pseudonym\nH123456,OSF-0001\n');
    expect(() => IdentityMap.open(notMap, key)).toThrow(`identity map ${notMap}: not an osteoflow identity map (expected it to start with OSFIDMAP1)`);
    let message = '';
    try {
      IdentityMap.open(file, otherKey);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).not.toContain('H123456');
  });

  it('reads its key from a file of 32 bytes in base64, and says what is wrong with another', () => {
    const dir = tempDir('osteoflow-idkey-');
    const good = path.join(dir, 'good.key');
    writeFileSync(good, `${key.toString('base64')}\n`);
    expect(loadIdentityKey(good).equals(key)).toBe(true);
    const short = path.join(dir, 'short.key');
    writeFileSync(short, Buffer.alloc(16).toString('base64'));
    expect(() => loadIdentityKey(short)).toThrow(`identity key file ${short}: expected 32 bytes in base64 (got 16 bytes)`);
    expect(() => loadIdentityKey(path.join(dir, 'absent.key'))).toThrow(`identity key file ${path.join(dir, 'absent.key')}: cannot be read (ENOENT)`);
  });

  it('takes over a lock left by a writer that died, and refuses an empty identifier', () => {
    const file = path.join(tempDir('osteoflow-idmap-'), 'identity-map.enc');
    closeSync(openSync(`${file}.lock`, 'w'));
    const old = new Date(Date.now() - 60_000);
    utimesSync(`${file}.lock`, old, old);
    const map = IdentityMap.open(file, key);
    expect(map.pseudonymFor('OS-1', 'H1')).toBe('OSF-0001');
    expect(() => map.pseudonymFor('OS-1', ' ')).toThrow(`identity map ${file}: the patient identifier is empty`);
  });

  it('gives each patient one pseudonym and each pseudonym one patient when four processes assign at once', async () => {
    const file = path.join(tempDir('osteoflow-idmap-'), 'identity-map.enc');
    const identifiers = Array.from({ length: 12 }, (_, i) => `H${1000 + i}`);
    const script = path.join(__dirname, 'identityMapChild.ts');
    // Each process asks for all twelve, in its own order.
    const runs = await Promise.all(
      [0, 1, 2, 3].map(
        (p) =>
          new Promise<[string, string][]>((resolve, reject) => {
            const order = identifiers.map((_, i) => identifiers[(i * (p + 5)) % identifiers.length]);
            const child = spawn(process.execPath, ['--require', require.resolve('tsx/cjs'), script, file, key.toString('base64'), 'OS-1', ...order]);
            let out = '';
            let err = '';
            child.stdout.on('data', (d: Buffer) => (out += d));
            child.stderr.on('data', (d: Buffer) => (err += d));
            child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out) as [string, string][]) : reject(new Error(err))));
          }),
      ),
    );
    const byIdentifier = new Map<string, Set<string>>();
    for (const run of runs) for (const [id, pseudonym] of run) byIdentifier.set(id, (byIdentifier.get(id) ?? new Set()).add(pseudonym));
    expect([...byIdentifier.values()].every((s) => s.size === 1)).toBe(true);
    const pseudonyms = [...byIdentifier.values()].map((s) => [...s][0]).sort();
    expect(pseudonyms).toEqual(Array.from({ length: 12 }, (_, i) => `OSF-${String(i + 1).padStart(4, '0')}`));
    expect(IdentityMap.open(file, key).count('OS-1')).toBe(12);
  }, 60_000);
});
