/**
 * createApp(deps): builds the Express application and the FHIR services from explicit dependencies
 * (config, storage, clock, logger). It never listens; main.ts does, and tests use supertest.
 */
import express, { type Express, type Request, type Response } from 'express';
import pino, { type Logger } from 'pino';
import type { Config } from './config.js';
import { loadR4Definitions } from './fhir/definitions.js';
import { OperationRegistry } from './fhir/operations.js';
import { ResourceStore } from './fhir/resource-store.js';
import type { FhirServices } from './fhir/services.js';
import { buildSearchRegistry } from './fhir/search/registry.js';
import { extractIndex } from './fhir/search/extract.js';
import { indexKeysFor } from './fhir/search/indexes.js';
import { createBaseValidator } from './fhir/validation/base-validator.js';
import { fhirErrorHandler } from './http/error-handler.js';
import { fhirRouter } from './http/fhir-adapter.js';
import { requestLogger } from './http/logging.js';
import { assignRequestId } from './http/request-id.js';
import type { DocumentStore } from './storage/document-collection.js';

/** What createApp needs. */
export interface AppDeps {
  config: Pick<Config, 'baseUrl' | 'bodyLimitBytes'>;
  store: DocumentStore;
  clock?: () => Date;
  logger?: Logger;
}

/** The built application and its parts. */
export interface CcmApp {
  app: Express;
  services: FhirServices;
  logger: Logger;
  /** Marks the app as draining: /readyz answers 503 from then on. */
  drain(): void;
}

/** Builds the FHIR services (definitions, registry, validator, resource store) for a store. */
export function createFhirServices(deps: AppDeps): FhirServices {
  const definitions = loadR4Definitions();
  const registry = buildSearchRegistry(definitions);
  const validator = createBaseValidator(definitions);
  const clock = deps.clock ?? (() => new Date());
  const resources = new ResourceStore({
    store: deps.store,
    extract: (resource) => extractIndex(registry, resource, { baseUrl: deps.config.baseUrl }),
    indexKeys: (type) => indexKeysFor(registry, type),
    clock,
  });
  return {
    baseUrl: deps.config.baseUrl,
    definitions,
    resourceTypes: new Set(definitions.resourceTypes),
    store: deps.store,
    resources,
    registry,
    validate: (resource, expectedType) => validator.validate(resource, { expectedType }),
    operations: new OperationRegistry(),
    clock,
  };
}

/** Builds the application; mounts /fhir, /healthz and /readyz. */
export function createApp(deps: AppDeps): CcmApp {
  const logger = deps.logger ?? pino({ level: 'silent' });
  const services = createFhirServices(deps);
  let draining = false;
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');
  app.use(assignRequestId);
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
  app.use('/fhir', fhirRouter(services, deps.config.bodyLimitBytes));
  app.use('/fhir', fhirErrorHandler(logger));
  app.use((req: Request, res: Response) => {
    res.status(404).json({ error: 'not_found', path: req.path.slice(0, 200) });
  });
  return {
    app,
    services,
    logger,
    drain: () => {
      draining = true;
    },
  };
}
