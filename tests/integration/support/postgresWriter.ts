// Child process of the concurrent-writers test: one of several writers on the same PostgreSQL store. From the agreed
// moment it makes `count` writes, four at a time over its pool: even ones replace a feature set (every other one a
// set that all writers replace, the rest sets of its own), odd ones append to one shared study's ledger (every tenth
// with an attempt id that all writers use, as a retried activity would). It prints what the store answered as JSON.
import { parseStoreUrl } from '../../../config';
import { PostgresResultsStore } from '../../../store/postgresStore';

const [url, writerArg, countArg, startAt] = process.argv.slice(2);
const writer = Number(writerArg);
const count = Number(countArg);
const SHARED_SETS = 10;
const FEATURES = 20;

async function main(): Promise<void> {
  const store = new PostgresResultsStore(parseStoreUrl({ url }));
  await store.ready;
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, Number(startAt) - Date.now())));
  const appends: Array<{ attempt: string; seq: number; entryHash: string }> = [];
  const sets: Array<{ pseudonym: string; writeId: number }> = [];
  const write = async (i: number) => {
    if (i % 2 === 0) {
      const pseudonym = i % 4 === 0 ? `SHARED-${(i / 4) % SHARED_SETS}` : `W${writer}-${i}`;
      const writeId = writer * 100000 + i; // every value of the set is its write's id: a mixed set would show
      const features = Object.fromEntries(Array.from({ length: FEATURES }, (_, f) => [`original_firstorder_F${f}`, writeId]));
      const { featureCount } = await store.putFeatureSet({
        studyId: 'CONC',
        pseudonym,
        timepoint: 'baseline',
        modality: 'T1CE',
        paramHash: 'p1',
        engineVersion: '0.1.0',
        imageHash: String(writeId),
        maskHash: 'm',
        extractedAt: new Date().toISOString(),
        features,
      });
      if (featureCount !== FEATURES) throw new Error(`write ${i}: ${featureCount} features stored`);
      sets.push({ pseudonym, writeId });
    } else {
      const attempt = i % 20 === 1 ? `shared-${i}` : `w${writer}-${i}`;
      const entry = await store.appendPrediction({
        studyId: 'CONC',
        pseudonym: `W${writer}`,
        timepoint: `t${i}`,
        model: 'm',
        modelVersion: '1',
        probability: (writer * count + i) / (8 * count),
        predictedAt: new Date().toISOString(),
        featuresSha256: 'a'.repeat(64),
        inSample: false,
        attempt,
      });
      appends.push({ attempt, seq: entry.seq, entryHash: entry.entryHash });
    }
  };
  let next = 0;
  const lane = async () => {
    while (next < count) await write(next++);
  };
  await Promise.all([lane(), lane(), lane(), lane()]);
  await store.close();
  process.stdout.write(JSON.stringify({ appends, sets }));
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
