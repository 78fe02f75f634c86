/**
 * The writer process of sqlite-kill.test.ts: opens the SQLite store of the data directory given as the first
 * argument, writes resources from several concurrent loops until it is killed, and prints `ack <id> <vid>`
 * for every write the store acknowledged.
 */
import type { Resource } from 'fhir/r4.js';
import { openSqliteStorage } from '../../server/storage/sqlite/index.js';

const [dir, round] = process.argv.slice(2);
const storage = await openSqliteStorage({ dataDir: dir, warn: () => undefined });
const repo = storage.repository({
  extract: () => ({ sp: {}, comp: [] }),
  paramType: () => undefined,
  indexKeys: () => [],
  clock: () => new Date(),
});
process.stdout.write('ready\n');

async function loop(worker: number): Promise<never> {
  for (let n = 0; ; n++) {
    // new resources, and updates of one resource per worker
    const id = n % 4 === 3 ? `r${round}-w${worker}` : `r${round}-w${worker}-${n}`;
    const body = { resourceType: 'Basic', code: { text: `${worker}/${n}` } } as Resource;
    const { doc } = await repo.put('Basic', id, body, { method: 'PUT' });
    process.stdout.write(`ack ${id} ${doc.vid}\n`);
  }
}

await Promise.all(Array.from({ length: 8 }, (_, w) => loop(w)));
