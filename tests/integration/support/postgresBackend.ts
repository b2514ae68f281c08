// The PostgreSQL side of the store contract suite: each store gets a new database in the test's own cluster
// (ops/postgresServer.ts), and raw SQL runs on a connection of its own, as psql would.
import { Client } from 'pg';
import { parseStoreUrl } from '../../../config';
import type { PostgresServer } from '../../../ops/postgresServer';
import { PostgresResultsStore } from '../../../store/postgresStore';
import type { ResultsStore } from '../../../store/types';
import type { StoreBackend } from '../../support/storeContract';

/** Runs one statement on the store's database from a connection of its own. */
export async function rawSql(store: ResultsStore, statement: string, values: unknown[] = []): Promise<Array<Record<string, unknown>>> {
  const { host, port, user, password, database } = (store as PostgresResultsStore).connection;
  const client = new Client({ host, port, user, password, database });
  await client.connect();
  try {
    return (await client.query(statement, values)).rows;
  } finally {
    await client.end();
  }
}

export function postgresBackend(server: () => PostgresServer): StoreBackend {
  let n = 0;
  return {
    name: 'PostgreSQL',
    open: async () => PostgresResultsStore.open(parseStoreUrl({ url: await server().createDatabase(`contract_${++n}`) })),
    sql: (store, statement) => rawSql(store, statement),
    dropAppendOnly: async (store) => {
      await rawSql(store, 'DROP TRIGGER prediction_ledger_no_update ON prediction_ledger; DROP TRIGGER prediction_ledger_no_delete ON prediction_ledger');
    },
  };
}
