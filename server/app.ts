/**
 * createApp(deps): builds the Express application and the FHIR services from explicit dependencies
 * (config, storage, clock, logger). It never listens; main.ts does, and tests use supertest.
 */
import express, { type Express, type Request, type Response } from 'express';
import { xContentTypeOptions } from 'helmet';
import pino, { type Logger } from 'pino';
import { mountSmart } from './auth/mount.js';
import type { AccessMode } from './auth/smart-access.js';
import { practiceUsersOf } from './auth/live-user-store.js';
import type { PracticeUserStore } from './auth/practice-users.js';
import { createRateLimits, type SignInLimits } from './auth/rate-limits.js';
import { resolveSessionSecret, SessionCookies } from './auth/session-cookie.js';
import { dashboardApp } from './ccm/dashboard/app.js';
import { ccmOf, setupCcm } from './ccm/setup.js';
import type { Config } from './config.js';
import { loadR4Definitions } from './fhir/definitions.js';
import { configureBundles } from './fhir/bundles/limits.js';
import { bulkExportOperation } from './fhir/bulk/kickoff.js';
import { BulkRunner } from './fhir/bulk/runner.js';
import { bulkSettings } from './fhir/bulk/settings.js';
import { OperationRegistry } from './fhir/operations.js';
import { reindexOperation } from './fhir/reindex/kickoff.js';
import { ReindexRunner, type ReindexSettings } from './fhir/reindex/runner.js';
import { everythingOperation } from './fhir/interactions/everything.js';
import type { FhirServices, SmartEndpoints } from './fhir/services.js';
import { DEFAULT_SEARCH_LIMITS, type SearchLimits } from './fhir/search/limits.js';
import { buildSearchRegistry } from './fhir/search/registry.js';
import { hookRuntimeParams } from './fhir/runtime-params/hooked-store.js';
import { RuntimeParams } from './fhir/runtime-params/manager.js';
import { extractIndex } from './fhir/search/extract.js';
import { unionMembers } from './fhir/search/unions.js';
import { indexKeysFor } from './fhir/search/indexes.js';
import { PageTokens } from './fhir/search/page-token.js';
import { DEFAULT_SNAPSHOT_LIMITS, SnapshotCache, type SnapshotLimits } from './fhir/search/snapshot.js';
import { createConformanceServices } from './fhir/profiles/setup.js';
import { openPackageSet } from './fhir/packages/package-set.js';
import { DEFAULT_SIZE_LIMITS, type SizeLimits } from './fhir/validation/size-limits.js';
import { bulkRouter } from './http/bulk-adapter.js';
import { reindexRouter } from './http/reindex-adapter.js';
import { fhirErrorHandler } from './http/error-handler.js';
import { fhirRouter } from './http/fhir-adapter.js';
import { requestLogger } from './http/logging.js';
import { assignRequestId } from './http/request-id.js';
import type { Storage } from './storage/repository.js';
import { clinicianAppOf } from '../smart-app/mount.js';

/** What createApp needs. */
export interface AppDeps {
  config: Pick<Config, 'baseUrl' | 'bodyLimitBytes'> &
    Partial<
      Pick<
        Config,
        | 'dataDir'
        | 'bundleMaxEntries'
        | 'searchMaxValues'
        | 'searchMaxParameters'
        | 'searchSortMaxKeys'
        | 'searchSortMax'
        | 'resourceMaxArrayItems'
        | 'resourceMaxElements'
        | 'bulkExpirySeconds'
        | 'unknownProfiles'
        | 'igPackagesDir'
        | 'practiceTimezone'
        | 'sessionSecret'
        | 'chronicIndicatorCsv'
        | 'ccmRequireAttestation'
        | 'demoClients'
        | 'demoUsers'
        | 'usersFile'
        | 'ehrSimulator'
        | 'smartAppClientsFile'
        | 'smartAppFrameAncestors'
        | 'smartAppSessionMinutes'
        | 'rateLimits'
        | 'searchSnapshotsPerClient'
        | 'searchSnapshotsMax'
        | 'searchSnapshotKeysMax'
        | 'searchSnapshotSeconds'
      >
    >;
  store: Storage;
  clock?: () => Date;
  logger?: Logger;
  /**
   * SMART enforcement (server/auth/setup.ts createSmartAccess). `{ mode: 'open' }` (the default while
   * main.ts is switched over) is only for in-process test apps of suites that test other features.
   */
  access?: AccessMode;
  /** IANA time zone of CCM calendar months; overrides config.practiceTimezone (default America/New_York). */
  practiceTimezone?: string;
  /** Dashboard users; by default the users file of the configuration (plus the demo users when demoUsers). */
  practiceUsers?: PracticeUserStore;
  /** Reindex runner settings (tests shorten them); default DEFAULT_REINDEX_SETTINGS. */
  reindexSettings?: ReindexSettings;
}

/** The built application and its parts. */
export interface CcmApp {
  app: Express;
  services: FhirServices;
  logger: Logger;
  /** The bulk export job runner (Bulk Data $export): main.ts starts and stops it. */
  bulk: BulkRunner;
  /** The reindex job runner ($reindex): main.ts starts and stops it. */
  reindex: ReindexRunner;
  /** Marks the app as draining: /readyz answers 503 from then on. */
  drain(): void;
}

/** The search limits of the configuration; the defaults for what it leaves out. */
function searchLimitsOf(c: AppDeps['config']): SearchLimits {
  const d = DEFAULT_SEARCH_LIMITS;
  return {
    maxValues: c.searchMaxValues ?? d.maxValues,
    maxParameters: c.searchMaxParameters ?? d.maxParameters,
    sortMaxKeys: c.searchSortMaxKeys ?? d.sortMaxKeys,
    sortMaxMatches: c.searchSortMax ?? d.sortMaxMatches,
  };
}

/** The element-count limits of written resources; the defaults for what the configuration leaves out. */
function sizeLimitsOf(c: AppDeps['config']): SizeLimits {
  return {
    maxArrayItems: c.resourceMaxArrayItems ?? DEFAULT_SIZE_LIMITS.maxArrayItems,
    maxElements: c.resourceMaxElements ?? DEFAULT_SIZE_LIMITS.maxElements,
  };
}

/** Builds the FHIR services (definitions, registry, validator, resource store) for a store. */
export function createFhirServices(deps: AppDeps): FhirServices {
  const definitions = loadR4Definitions();
  // Profiles, terminology and validation from the CCM package and the IG packages (base R4 + meta.profile on
  // every write).
  const conformance = createConformanceServices(definitions, {
    unknownProfiles: deps.config.unknownProfiles,
    sizeLimits: sizeLimitsOf(deps.config),
    packages: openPackageSet(deps.config.igPackagesDir),
  });
  const registry = buildSearchRegistry(definitions, conformance.conformance.searchParameters);
  const clock = deps.clock ?? (() => new Date());
  const repository = deps.store.repository({
    extract: (resource) => extractIndex(registry, resource, { baseUrl: deps.config.baseUrl }),
    paramType: (type, code) => registry.get(type, code)?.type,
    unionOf: (type, code) => unionMembers(registry, type, code),
    indexKeys: (type) => indexKeysFor(registry, type),
    clock,
  });
  // SearchParameters written at run time register themselves (fhir/runtime-params/)
  const runtimeParams = new RuntimeParams({
    store: deps.store,
    resources: repository,
    registry,
    clock,
    logger: deps.logger,
  });
  const { store, resources } = hookRuntimeParams(deps.store, repository, runtimeParams);
  const services: FhirServices = {
    baseUrl: deps.config.baseUrl,
    definitions,
    resourceTypes: new Set(definitions.resourceTypes),
    store,
    resources,
    registry,
    runtimeParams,
    packages: conformance.packages.packages,
    igRequirements: {
      statements: conformance.packages.requirements,
      knowsProfile: (canonical) => conformance.profiles.registry.profileType(canonical) !== undefined,
    },
    conformance: conformance.conformance,
    validate: (resource, expectedType) => conformance.validator.validate(resource, { expectedType }),
    operations: new OperationRegistry(),
    clock,
    paging: { tokens: new PageTokens(deps.store), snapshots: new SnapshotCache(snapshotLimits(deps.config)) },
    searchLimits: searchLimitsOf(deps.config),
  };
  configureBundles(services, { maxEntries: deps.config.bundleMaxEntries });
  services.operations.register(bulkExportOperation());
  services.operations.register(reindexOperation());
  services.operations.register(everythingOperation);
  for (const op of conformance.operations) services.operations.register(op);
  setupCcm(services, {
    timezone: deps.practiceTimezone ?? deps.config.practiceTimezone,
    chronicIndicatorCsv: deps.config.chronicIndicatorCsv,
    requireAttestation: deps.config.ccmRequireAttestation,
  });
  return services;
}

/** The snapshot cache bounds of the config, the documented defaults where unset. */
function snapshotLimits(config: AppDeps['config']): SnapshotLimits {
  const d = DEFAULT_SNAPSHOT_LIMITS;
  return {
    perClient: config.searchSnapshotsPerClient ?? d.perClient,
    max: config.searchSnapshotsMax ?? d.max,
    maxKeys: config.searchSnapshotKeysMax ?? d.maxKeys,
    ttlMs: config.searchSnapshotSeconds !== undefined ? config.searchSnapshotSeconds * 1000 : d.ttlMs,
  };
}

/** The CCM billing dashboard (sign-in with the practice users, stateless signed session cookie). */
function dashboardOf(
  deps: AppDeps,
  services: FhirServices,
  logger: Logger,
  limits: SignInLimits,
): express.Router {
  const key = resolveSessionSecret({ secret: deps.config.sessionSecret, dataDir: deps.config.dataDir });
  const sessions = new SessionCookies(key, {
    cookieName: 'ccm_dashboard',
    path: '/dashboard',
    secure: deps.config.baseUrl.startsWith('https:'),
  });
  const users = deps.practiceUsers ?? practiceUsersOf(deps.config);
  return dashboardApp({ services, ccm: ccmOf(services), users, sessions, logger, limits });
}

/** The authorization server's endpoints under its base URL (`{origin}/auth`). */
function smartEndpointsOf(authBase: string): SmartEndpoints {
  return {
    authorize: `${authBase}/authorize`,
    token: `${authBase}/token`,
    introspect: `${authBase}/introspect`,
    revoke: `${authBase}/revoke`,
  };
}

/** Builds the application; mounts /fhir, /healthz and /readyz. */
export function createApp(deps: AppDeps): CcmApp {
  const logger = deps.logger ?? pino({ level: 'silent' });
  const services = createFhirServices(deps);
  const bulk = new BulkRunner(services, bulkSettings(deps.config), logger);
  const reindex = new ReindexRunner(services, deps.reindexSettings, logger);
  // One set of sign-in and token limits for /auth, /ehr and /dashboard (memory: per process).
  const limits = createRateLimits(deps.config.rateLimits);
  let draining = false;
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');
  app.use(assignRequestId);
  // No MIME sniffing of any answer: FHIR JSON, Binary content, /auth and /ehr pages.
  app.use(xContentTypeOptions());
  app.use(requestLogger(logger));
  app.get('/healthz', (_req: Request, res: Response) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req: Request, res: Response) => {
    if (draining) {
      res.status(503).json({ status: 'draining' });
      return;
    }
    try {
      await deps.store.ping();
      res.json({ status: 'ready', engine: deps.store.engine });
    } catch {
      res.status(503).json({ status: 'store unavailable' });
    }
  });
  if (deps.access?.mode === 'smart') {
    services.smartEndpoints = smartEndpointsOf(deps.access.authBase);
    mountSmart(app, deps.access, services, logger, limits, {
      ehrSimulator: deps.config.ehrSimulator ?? false,
    });
  }
  app.use('/fhir', bulkRouter(services, bulk));
  app.use('/fhir', reindexRouter(services));
  app.use('/fhir', fhirRouter(services, deps.config.bodyLimitBytes));
  app.use('/fhir', fhirErrorHandler(logger));
  app.use('/dashboard', dashboardOf(deps, services, logger, limits.signIn));
  app.use('/app', clinicianAppOf(deps, logger));
  app.use((req: Request, res: Response) => {
    res.status(404).json({ error: 'not_found', path: req.path.slice(0, 200) });
  });
  return {
    app,
    services,
    logger,
    bulk,
    reindex,
    drain: () => {
      draining = true;
    },
  };
}
