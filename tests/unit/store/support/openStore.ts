// Child process of the concurrent-open test: waits until the agreed moment, opens the store (migrating a new file)
// and prints its schema version, so that several processes open the same new file at once.
import { SqliteResultsStore } from '../../../../store/sqliteStore';

const [file, startAt] = process.argv.slice(2);
const wait = Number(startAt) - Date.now();
setTimeout(
  () => {
    const store = new SqliteResultsStore(file);
    console.log(store.schemaVersion());
    void store.close();
  },
  Math.max(0, wait),
);
