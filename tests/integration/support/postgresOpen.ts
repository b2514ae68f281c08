// Child process of the concurrent-migration test: waits until the agreed moment, opens the PostgreSQL store (migrating
// a new database) and prints its schema version, so that several processes migrate the same database at once.
import { parseStoreUrl } from '../../../config';
import { PostgresResultsStore } from '../../../store/postgresStore';

const [url, startAt] = process.argv.slice(2);
setTimeout(
  () => {
    PostgresResultsStore.open(parseStoreUrl({ url }))
      .then(async (store) => {
        console.log(await store.schemaVersion());
        await store.close();
      })
      .catch((err: Error) => {
        console.error(err.message);
        process.exit(1);
      });
  },
  Math.max(0, Number(startAt) - Date.now()),
);
