/**
 * Test support, never product configuration: a real ccm-fhir process (server/assemble.ts, as main.ts builds
 * it) standing in for a third-party EHR such as Epic. In front of the app it refuses what such EHRs refuse
 * of apps (ehr-refusals.ts: writes of CarePlan, Consent, Encounter, Task, Goal, Provenance, Condition, ...
 * with 403/405, and every transaction or batch), and records every write it was sent, readable at
 * `GET /__test/writes`. Started by ehr-process.ts; prints the "FHIR base:" line main.ts prints.
 */
import { createServer } from 'node:http';
import pino from 'pino';
import { assembleApp } from '../../../server/assemble.js';
import { loadConfig } from '../../../server/config.js';
import { loadDemoData } from '../../../server/demo-data.js';
import { loadConformanceResources } from '../../../server/fhir/profiles/store-loader.js';
import { openStore } from '../../../server/storage/open-store.js';
import { refusalOf, type WriteSeen } from './ehr-refusals.js';

async function main(): Promise<void> {
  let config = loadConfig();
  const logger = pino({ level: config.logLevel });
  const store = await openStore({ dataDir: config.dataDir, synchronous: config.storeSync });
  const server = createServer();
  server.listen(config.port, config.host);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const port = (server.address() as { port: number }).port;
  config = { ...config, baseUrl: `http://${config.host}:${port}/fhir` };
  const { app, services } = await assembleApp({ config, store, logger });
  await loadConformanceResources(services);
  if (config.demoData) await loadDemoData(services);
  const writes: WriteSeen[] = [];
  server.on('request', (req, res) => {
    const url = req.url ?? '/';
    if (req.method === 'GET' && url === '/__test/writes') {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(writes));
      return;
    }
    const refusal = url.startsWith('/fhir') ? refusalOf(req.method ?? 'GET', url.slice(5)) : undefined;
    if (req.method !== 'GET' && req.method !== 'HEAD' && url.startsWith('/fhir'))
      writes.push({ method: req.method ?? '', path: url.split('?')[0], status: refusal?.status ?? 0 });
    if (refusal) {
      res.statusCode = refusal.status;
      res.setHeader('content-type', 'application/fhir+json');
      res.end(JSON.stringify(refusal.outcome));
      return;
    }
    const seen = writes[writes.length - 1];
    if (seen && seen.status === 0) res.on('finish', () => (seen.status = res.statusCode));
    app(req, res);
  });
  process.stdout.write(
    `ccm-fhir as a third-party EHR (test support)\n  FHIR base:          ${config.baseUrl}\n`,
  );
  const stop = () => server.close(() => void store.close().then(() => process.exit(0)));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(
    `test EHR failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
