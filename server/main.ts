/**
 * The server process: reads the configuration, opens the store, builds the app, loads the demo practice
 * into an empty store when DEMO_DATA is on, listens (127.0.0.1 by default), says loudly when it runs the
 * demo (published credentials) and when nobody can sign in, and shuts down gracefully on SIGTERM/SIGINT
 * (stop accepting, finish in-flight requests, close the store).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import pino, { type Logger } from 'pino';
import { assembleApp } from './assemble.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { warmCcm } from './ccm/setup.js';
import { loadDemoData } from './demo-data.js';
import { StoreCorruptError, type SqliteStoreError } from './storage/sqlite/index.js';
import { loadConformanceResources } from './fhir/profiles/store-loader.js';
import { loadPackageSearchParameters } from './fhir/runtime-params/package-params.js';
import { openStore } from './storage/open-store.js';
import type { FhirServices } from './fhir/services.js';

/**
 * Loads the CCM practice model in the background (in chunks, so that no request waits behind it); the
 * first billing report then needs no bulk reads.
 */
function warmUpInBackground(services: FhirServices, logger: Logger): void {
  const t0 = Date.now();
  warmCcm(services).then(
    () => logger.info({ ms: Date.now() - t0 }, 'ccm practice model loaded'),
    (err: unknown) => logger.warn({ err }, 'ccm practice model warm-up failed'),
  );
}

/** The start-up notice of the demo switches that are on, with how to turn them off; '' when none is. */
function demoNotice(config: Config): string {
  const on = [
    config.demoUsers && 'demo users (DEMO_USERS: passwords published in the README)',
    config.demoClients && 'demo clients (SMART_DEMO_CLIENTS: secrets published in the README)',
    config.ehrSimulator && 'the /ehr launch simulator (EHR_SIMULATOR)',
    config.demoData && 'the demo practice data (DEMO_DATA)',
  ].filter((x): x is string => typeof x === 'string');
  if (on.length === 0) return '';
  return (
    `\n  *** DEMO: this server runs the demo, for trying it out only; never use it with real patient data.\n` +
    `  *** On: ${on.join('; ')}.\n` +
    `  *** Turn it off: DEMO=false npm start (or each switch =false); add real users with\n` +
    `  ***   npm run users -- add <username> --role physician|care-manager|biller|admin (README "Users").\n\n`
  );
}

/** The warning printed when no user can sign in, with how to add one; '' otherwise. */
function noUsersNotice(count: number, config: Config): string {
  if (count > 0) return '';
  return (
    `\n  No practice users in ${config.usersFile}: nobody can sign in to /dashboard or /auth.\n` +
    `  Add one (no restart needed): npm run users -- add <username> --role admin\n\n`
  );
}

async function main(): Promise<void> {
  const started = Date.now();
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const logger = pino({ level: config.logLevel });
  const store = await openStore({
    mongodbUri: config.mongodbUri,
    mongodbDb: config.mongodbDb,
    dataDir: config.dataDir,
    synchronous: config.storeSync,
  });
  // Listen first: with PORT=0 the public base URL (token audience, Location headers) needs the real port.
  // Until the app is attached every request gets 503.
  const server: Server = createServer();
  const early = (_req: IncomingMessage, res: ServerResponse) => {
    res.statusCode = 503;
    res.end();
  };
  server.on('request', early);
  server.listen(config.port, config.host);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const origin = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  if (!process.env.BASE_URL) config = { ...config, baseUrl: `${origin}/fhir` };
  const base = config.baseUrl;
  // SMART is always enforced by the server process: every /fhir interaction but metadata needs a token.
  const { app, services, drain, bulk, reindex, practiceUsers } = await assembleApp({ config, store, logger });
  // SearchParameters registered at run time join the registry before anything is written (runtime-params/)
  await services.runtimeParams?.ready();
  const conformance = await loadConformanceResources(services);
  if (conformance.written > 0) logger.info(conformance, 'conformance resources loaded');
  if (config.igPackagesDir) {
    const params = await loadPackageSearchParameters(services, config.igPackagesDir);
    if (params.registered.length > 0 || params.skipped.length > 0) {
      logger.info(
        { registered: params.registered, skipped: params.skipped },
        'package search parameters: the registered ones are pending until $reindex',
      );
    }
  }
  if (config.demoData) {
    const n = await loadDemoData(services);
    if (n > 0) logger.info({ resources: n }, 'demo practice loaded');
  }
  server.off('request', early);
  server.on('request', app);
  bulk.start(); // resumes bulk export jobs left pending or interrupted by the last stop
  reindex.start(); // resumes reindex jobs at their last committed chunk
  warmUpInBackground(services, logger);
  logger.info({ engine: store.engine, ms: Date.now() - started }, 'ready');
  process.stdout.write(
    `ccm-fhir listening (${store.engine} store${store.engine === 'sqlite' ? ` in ${config.dataDir}` : ''})\n` +
      `  FHIR base:          ${base}\n` +
      `  CapabilityStatement: ${base}/metadata\n` +
      `  Health:             ${origin}/healthz  ${origin}/readyz\n` +
      `  SMART:              ${base}/.well-known/smart-configuration` +
      (config.ehrSimulator ? `  (EHR launch simulator: ${origin}/ehr)\n` : '\n') +
      `  Dashboard:          ${origin}/dashboard\n` +
      demoNotice(config) +
      noUsersNotice(practiceUsers.count(), config),
  );

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    drain();
    const force = setTimeout(() => {
      logger.warn('in-flight requests did not finish in time; closing connections');
      server.closeAllConnections();
    }, config.shutdownTimeoutMs);
    force.unref();
    server.close(() => {
      Promise.all([bulk.stop(), reindex.stop()])
        .then(() => store.close())
        .then(() => {
          logger.info('stopped');
          process.exit(0);
        })
        .catch((err: unknown) => {
          logger.error({ err }, 'store close failed');
          process.exit(1);
        });
    });
    server.closeIdleConnections();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

/** The store's refusals written for the operator (damage found at recovery, a data directory in use). */
function operatorMessage(err: unknown): string | undefined {
  if (err instanceof StoreCorruptError) return err.message;
  const codeName = (err as SqliteStoreError | undefined)?.codeName;
  if (codeName === 'DataDirLocked' || codeName === 'LegacyDataDir' || codeName === 'NotReplicaSet')
    return (err as Error).message;
  return undefined;
}

main().catch((err: unknown) => {
  // An operator-facing refusal is the whole story; anything else keeps its stack for the bug report.
  const text = operatorMessage(err) ?? (err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.stderr.write(`ccm-fhir failed to start: ${text}\n`);
  process.exit(1);
});
