/** Builds an app per suite on a fresh store: embedded (memory only unless a data dir is given) or MongoDB. */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { createApp, type CcmApp } from '../../server/app.js';
import type { AccessMode } from '../../server/auth/smart-access.js';
import type { RateLimitConfig } from '../../server/config.js';
import type { ReindexSettings } from '../../server/fhir/reindex/runner.js';
import { loadConformanceResources } from '../../server/fhir/profiles/store-loader.js';
import { openStore } from '../../server/storage/open-store.js';
import type { Storage } from '../../server/storage/repository.js';

export const TEST_BASE = 'http://127.0.0.1:8080/fhir';

/** A test application and a way to close its store. */
export interface TestApp extends CcmApp {
  store: Storage;
  close(): Promise<void>;
}

export type Engine = 'sqlite' | 'mongodb';

/** The engines a suite should run on: SQLite always, MongoDB when MONGODB_URI is set. */
export const ENGINES: Engine[] = process.env.MONGODB_URI ? ['sqlite', 'mongodb'] : ['sqlite'];

/** Creates an app; on MongoDB each call uses a fresh database. */
export async function makeTestApp(
  opts: {
    engine?: Engine;
    dataDir?: string | null;
    bodyLimitBytes?: number;
    clock?: () => Date;
    /** Load the conformance resources (profiles/) into the store as main.ts does; off by default. */
    conformance?: boolean;
    unknownProfiles?: 'reject' | 'warn';
    /** IG_PACKAGES_DIR: a folder of extra FHIR packages. */
    igPackagesDir?: string;
    /** The FHIR base URL (default TEST_BASE). */
    baseUrl?: string;
    /** SMART enforcement built on the store (see smart-app.ts); absent = the open mode. */
    access?: (store: Storage) => Promise<AccessMode>;
    logger?: Logger;
    /** Turn the demo on (DEMO=true): demo users on the dashboard, demo clients, the /ehr simulator. */
    demo?: boolean;
    /** Sign-in and token endpoint rate limits (default: config.ts DEFAULT_RATE_LIMITS). */
    rateLimits?: RateLimitConfig;
    /** Reindex runner settings (default DEFAULT_REINDEX_SETTINGS). */
    reindexSettings?: ReindexSettings;
  } = {},
): Promise<TestApp> {
  const store =
    opts.engine === 'mongodb'
      ? await openStore({
          mongodbUri: process.env.MONGODB_URI as string,
          mongodbDb: `ccm-test-${randomUUID().slice(0, 8)}`,
          dataDir: null,
        })
      : await openStore({ dataDir: opts.dataDir ?? null });
  const built = createApp({
    config: {
      baseUrl: opts.baseUrl ?? TEST_BASE,
      bodyLimitBytes: opts.bodyLimitBytes ?? 16 * 1024 * 1024,
      unknownProfiles: opts.unknownProfiles,
      igPackagesDir: opts.igPackagesDir,
      ...(opts.demo ? { demoUsers: true, demoClients: true, ehrSimulator: true } : {}),
      rateLimits: opts.rateLimits,
    },
    store,
    clock: opts.clock,
    logger: opts.logger,
    access: opts.access ? await opts.access(store) : { mode: 'open' },
    reindexSettings: opts.reindexSettings,
  });
  // as main.ts: run-time SearchParameters join the registry before anything is written
  await built.services.runtimeParams?.ready();
  if (opts.conformance) await loadConformanceResources(built.services);
  return {
    ...built,
    store,
    close: async () => {
      await built.reindex.stop();
      await store.close();
    },
  };
}
