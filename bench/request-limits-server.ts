/**
 * The server of bench/request-limits.ts, in its own process on 127.0.0.1: an ephemeral SQLite store with
 * LIMITS_PATIENTS generated Patients (one Condition each; test/fhir/search/population.ts), the real app in
 * open mode with the limits of the environment (server/config.ts) and a 32 MB body limit.
 * Prints `listening <port>`.
 */
import type { Server } from 'node:http';
import { createApp } from '../server/app.js';
import { loadConfig } from '../server/config.js';
import { openStore } from '../server/storage/open-store.js';
import { generatePopulation } from '../test/fhir/search/population.js';

const patients = Number(process.env.LIMITS_PATIENTS ?? 65000);
const store = await openStore({ dataDir: null });
const config = { ...loadConfig(process.env), baseUrl: 'http://127.0.0.1/fhir', bodyLimitBytes: 32 << 20 };
const built = createApp({ config, store });
const CHUNK = 5000;
for (let from = 0; from < patients; from += CHUNK) {
  const to = Math.min(patients, from + CHUNK);
  await generatePopulation(built.services, to, { conditions: 1, encounters: 0, carePlans: 0 }, from);
}
(globalThis as { gc?: () => void }).gc?.();
const server: Server = built.app.listen(0, '127.0.0.1', () => {
  const addr = server.address();
  process.stdout.write(`listening ${typeof addr === 'object' && addr ? addr.port : 0}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
