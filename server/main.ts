/**
 * The server process: reads the configuration, opens the store, builds the app, loads the demo practice
 * into an empty store, listens (127.0.0.1 by default) and shuts down gracefully on SIGTERM/SIGINT
 * (stop accepting, finish in-flight requests, flush the journal).
 */
import type { Server } from 'node:http';
import pino from 'pino';
import { createApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { loadDemoData } from './demo-data.js';
import { openStore } from './storage/open-store.js';

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
  });
  const { app, services, drain } = createApp({ config, store, logger });
  if (config.demoData) {
    const n = await loadDemoData(services);
    if (n > 0) logger.info({ resources: n }, 'demo practice loaded');
  }
  const server: Server = app.listen(config.port, config.host);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const origin = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  const base = process.env.BASE_URL ? config.baseUrl : `${origin}/fhir`;
  logger.info({ engine: store.engine, ms: Date.now() - started }, 'ready');
  process.stdout.write(
    `ccm-fhir listening (${store.engine} store${store.engine === 'embedded' ? ` in ${config.dataDir}` : ''})\n` +
      `  FHIR base:          ${base}\n` +
      `  CapabilityStatement: ${base}/metadata\n` +
      `  Health:             ${origin}/healthz  ${origin}/readyz\n`,
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
      store
        .close()
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

main().catch((err: unknown) => {
  process.stderr.write(
    `ccm-fhir failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
