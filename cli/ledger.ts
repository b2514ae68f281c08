// `osteoflow ledger verify [--study S] [--db FILE]`: checks the prediction ledger's hash chain in the results store —
// every entry's hash against its content and every link against the entry before it — and that the ledger is still
// append-only. A database edited by hand shows as the first broken link; the exit code is then 1. Without --db it
// checks the configured store: the PostgreSQL server of OSTEOFLOW_STORE_URL, else the data folder's SQLite file.
import { parseArguments, type Command } from './command';
import { isHelp, parseFlags } from './args';
import { loadConfig } from '../config';
import { openResultsStore, resultsStorePath } from '../store';
import { SqliteResultsStore } from '../store/sqliteStore';
import { existsSync } from 'node:fs';

const USAGE = 'usage: osteoflow ledger verify [--study STUDY] [--db RESULTS.sqlite]';

export const ledgerCommand: Command = {
  summary: 'verify the prediction ledger (hash chain, append-only) in the results store',
  async run(argv) {
    const [action, ...rest] = argv;
    if (isHelp(action)) {
      console.log(USAGE);
      return 0;
    }
    if (action !== 'verify') {
      console.error(action ? `osteoflow ledger: unknown action '${action}' (expected verify)\n${USAGE}` : USAGE);
      return 2;
    }
    const flags = parseArguments('osteoflow ledger verify', USAGE, () => parseFlags(rest, { study: { kind: 'string' }, db: { kind: 'string' } }));
    if (typeof flags === 'number') return flags;
    const cfg = loadConfig();
    const onServer = flags.db === undefined && cfg.store.url !== undefined;
    const file = flags.db ?? resultsStorePath(cfg);
    if (!onServer && !existsSync(file)) {
      console.error(`osteoflow ledger verify: no results store at ${file}`);
      return 1;
    }
    const store = onServer ? openResultsStore(cfg) : new SqliteResultsStore(file);
    try {
      const result = await store.verifyLedger(flags.study);
      const scope = flags.study ? `study ${flags.study}` : `${result.studies.length} stud${result.studies.length === 1 ? 'y' : 'ies'}`;
      let ok = true;
      if (result.broken) {
        ok = false;
        console.error(`osteoflow ledger verify: broken at entry ${result.broken.seq} of study ${result.broken.studyId}: ${result.broken.reason}`);
      }
      if (!result.appendOnly) {
        ok = false;
        console.error('osteoflow ledger verify: the triggers that keep the ledger append-only are missing: the database was altered outside osteoflow');
      }
      if (ok) console.log(`ledger intact: ${result.checked} entries of ${scope}, every link verified; append-only`);
      return ok ? 0 : 1;
    } finally {
      await store.close();
    }
  },
};
