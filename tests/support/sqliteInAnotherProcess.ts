// SQL run on an SQLite file by another process, as sqlite3 at a prompt would run it. A second connection inside the
// test's own process shares SQLite's per-process file state with the store's, which is not what a person editing the
// file by hand would have (and, under load, was seen to miss the store's committed rows).
import { spawnSync } from 'node:child_process';
import path from 'node:path';

/** Runs `statements` on `file`; with `read`, returns the rows of the one statement. Throws SQLite's message on error. */
export function sqliteInAnotherProcess(file: string, statements: string, read: boolean): Array<Record<string, unknown>> {
  const script = `
    const Database = require('better-sqlite3');
    const db = new Database(process.argv[1], { fileMustExist: true });
    try {
      const rows = process.argv[3] === 'read' ? db.prepare(process.argv[2]).all() : (db.exec(process.argv[2]), []);
      process.stdout.write(JSON.stringify({ rows }));
    } catch (err) {
      process.stdout.write(JSON.stringify({ error: err.message }));
    } finally {
      db.close();
    }`;
  const run = spawnSync(process.execPath, ['-e', script, file, statements, read ? 'read' : 'write'], {
    encoding: 'utf8',
    cwd: path.join(__dirname, '..', '..'),
  });
  if (run.status !== 0) throw new Error(`sqlite in another process failed: ${run.stderr}`);
  const answer = JSON.parse(run.stdout) as { rows: Array<Record<string, unknown>> } | { error: string };
  if ('error' in answer) throw new Error(answer.error);
  return answer.rows;
}
