// Makes folders unwritable for a while and writable again: every folder under the given roots loses its write bits.
// Root ignores permission bits, so when the campaign runs as root the folders are also marked immutable (chattr +i,
// ext4 and most Linux file systems), which stops root from creating or removing entries there just as the mode stops
// anyone else. Restoring is synchronous, so that it also runs on the way out of a dying process.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

export interface UnwritableFolders {
  /** Folders changed. */
  folders: number;
  /** How the change binds: `mode`, `mode + immutable`, or why it may not bind. */
  enforcement: string;
  restore(): void;
}

const active = new Set<UnwritableFolders>();

/** Every folder at or under `root` (files are left as they are: open databases keep writing to them). */
function foldersUnder(root: string): string[] {
  if (!existsSync(root)) return [];
  const out = [root];
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    if (entry.isDirectory() && !entry.isSymbolicLink()) out.push(...foldersUnder(path.join(root, entry.name)));
  }
  return out;
}

export function makeUnwritable(roots: readonly string[]): UnwritableFolders {
  const folders = roots.flatMap(foldersUnder);
  const modes = folders.map((f) => statSync(f).mode & 0o7777);
  folders.forEach((f, i) => chmodSync(f, modes[i] & ~0o222));
  let immutable = false;
  let enforcement = 'mode';
  if (process.getuid?.() === 0 && folders.length > 0) {
    try {
      execFileSync('chattr', ['+i', ...folders], { stdio: 'pipe' });
      immutable = true;
      enforcement = 'mode + immutable';
    } catch (err) {
      enforcement = `mode only, which root ignores (chattr: ${(err as Error).message.split('\n')[0]})`;
    }
  }
  let restored = false;
  const handle: UnwritableFolders = {
    folders: folders.length,
    enforcement,
    restore() {
      if (restored) return;
      restored = true;
      active.delete(handle);
      if (immutable) execFileSync('chattr', ['-i', ...folders], { stdio: 'pipe' });
      folders.forEach((f, i) => chmodSync(f, modes[i]));
    },
  };
  active.add(handle);
  return handle;
}

/** Makes every folder still unwritable writable again (on the way out, whatever happened). */
export function restoreAll(): void {
  for (const handle of [...active]) {
    try {
      handle.restore();
    } catch {
      /* the next handle is restored all the same */
    }
  }
}
