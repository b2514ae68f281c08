// Searching everything osteoflow keeps for a patient's identifiers, for the PACS intake suites: the study store's files,
// the study's rows of the results store, workflow histories and whatever else a test adds, each as a "haystack" of
// text named by where it came from.
import { readFileSync, statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { filesUnder } from './dicomRewrite';

export type Haystack = [where: string, text: string];

/** Every string and byte array inside a value, as text (bytes read as Latin-1, as a grep of the database would). */
export function textsOf(value: unknown, into: string[] = []): string[] {
  if (typeof value === 'string') into.push(value);
  else if (value instanceof Uint8Array) into.push(Buffer.from(value).toString('latin1'));
  else if (Array.isArray(value)) for (const v of value) textsOf(v, into);
  else if (value && typeof value === 'object') for (const v of Object.values(value)) textsOf(v, into);
  return into;
}

/** Every file under the study store, its bytes read as Latin-1. */
export function storeFiles(storeDir: string): Haystack[] {
  return filesUnder(storeDir)
    .filter((file) => statSync(file).isFile())
    .map((file): Haystack => [file, readFileSync(file).toString('latin1')]);
}

/** The study's rows in every table of the SQLite results store that has a study_id (other suites' studies share it). */
export function studyRows(resultsFile: string, studyId: string): Haystack[] {
  const db = new Database(resultsFile, { readonly: true });
  try {
    const tables = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all() as { name: string }[];
    const found: Haystack[] = [];
    for (const { name } of tables) {
      const columns = (db.prepare(`PRAGMA table_info("${name}")`).all() as { name: string }[]).map((c) => c.name);
      if (!columns.includes('study_id')) continue;
      const rows = db.prepare(`SELECT * FROM "${name}" WHERE study_id = ?`).all(studyId);
      if (rows.length > 0) found.push([`results store table ${name}`, JSON.stringify(rows)]);
    }
    return found;
  } finally {
    db.close();
  }
}

/** "<identifier> in <where>" for each identifier found in a haystack; empty when none is. */
export function identifiersFound(haystacks: readonly Haystack[], identifiers: Iterable<string>): string[] {
  const ids = [...identifiers];
  return haystacks.flatMap(([where, text]) => ids.filter((id) => text.includes(id)).map((id) => `${id} in ${where}`));
}
