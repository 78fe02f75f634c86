/**
 * The server of bench/search-scale.ts, in its own process on 127.0.0.1: an ephemeral store filled
 * with SCALE_PATIENTS generated CCM patients (10 Conditions, 10 Encounters, 1 CarePlan each; see
 * test/fhir/search/population.ts), the real app, and the query plans of the three measured queries.
 * Prints `plans <json>` and then `listening <port>`.
 */
import type { Server } from 'node:http';
import { createApp } from '../server/app.js';
import { parseFor } from '../server/fhir/interactions/search.js';
import { compileResolved } from '../server/fhir/search/resolve.js';
import { openStore } from '../server/storage/open-store.js';
import { generatePopulation, patientId } from '../test/fhir/search/population.js';
import { SCALE_QUERIES } from './search-scale-queries.js';

const patients = Number(process.env.SCALE_PATIENTS ?? 1000);
const store = await openStore({ dataDir: null });
const built = createApp({ config: { baseUrl: 'http://127.0.0.1/fhir', bodyLimitBytes: 1 << 20 }, store });
const t0 = Date.now();
const CHUNK = 5000;
for (let from = 0; from < patients; from += CHUNK) {
  await generatePopulation(built.services, Math.min(patients, from + CHUNK), undefined, from);
}
const generateMs = Date.now() - t0;
// collect the generation's garbage before measuring (the server is started with --expose-gc)
(globalThis as { gc?: () => void }).gc?.();

const plans: Record<string, unknown> = {};
for (const q of SCALE_QUERIES) {
  const id = patientId(Math.floor(patients / 2));
  const ir = parseFor(built.services, q.type, q.params(id), true);
  const where = await compileResolved(
    { resources: built.services.resources, baseUrl: built.services.baseUrl },
    ir,
  );
  const plan = await built.services.resources.explain(q.type, where);
  plans[q.name] = { ...plan, collectionSize: await built.services.resources.count(q.type, { kind: 'all' }) };
}
process.stdout.write(
  `plans ${JSON.stringify({ patients, generateMs, heapMB: Math.round(process.memoryUsage().heapUsed / 1e6), plans })}\n`,
);

const server: Server = built.app.listen(0, '127.0.0.1', () => {
  const addr = server.address();
  process.stdout.write(`listening ${typeof addr === 'object' && addr ? addr.port : 0}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
