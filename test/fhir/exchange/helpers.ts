/** Helpers of the exchange tests: apps with the exchange settings, Bundle posting, store totals, fault injection. */
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import type { Bundle, BundleEntry, FhirResource } from 'fhir/r4.js';
import { createApp, type CcmApp } from '../../../server/app.js';
import { CONDITIONAL_KEYS } from '../../../server/fhir/interactions/write.js';
import type { FhirServices } from '../../../server/fhir/services.js';
import type { ResourceRepository, Storage } from '../../../server/storage/repository.js';
import { openStore } from '../../../server/storage/open-store.js';
import { TEST_BASE, type Engine } from '../../helpers/test-app.js';

/** An app built for the exchange tests, with its store. */
export interface ExchangeApp extends CcmApp {
  store: Storage;
  close(): Promise<void>;
}

/** Options of `exchangeApp`. */
export interface ExchangeOptions {
  engine?: Engine;
  /** Embedded journal directory (null: memory only); also DATA_DIR of the bulk files when given. */
  dataDir?: string | null;
  bulkDir?: string;
  bundleMaxEntries?: number;
  bodyLimitBytes?: number;
  bulkExpirySeconds?: number;
  clock?: () => Date;
  /** Wraps the opened store (fault injection). */
  wrap?: (store: Storage) => Storage;
}

/** Opens a store (embedded, or MongoDB on a fresh database) and builds an app on it. */
export async function exchangeApp(opts: ExchangeOptions = {}): Promise<ExchangeApp> {
  const opened =
    opts.engine === 'mongodb'
      ? await openStore({
          mongodbUri: process.env.MONGODB_URI as string,
          mongodbDb: `ccm-test-${randomUUID().slice(0, 8)}`,
          dataDir: null,
        })
      : await openStore({ dataDir: opts.dataDir ?? null });
  const store = opts.wrap ? opts.wrap(opened) : opened;
  const built = createApp({
    config: {
      baseUrl: TEST_BASE,
      bodyLimitBytes: opts.bodyLimitBytes ?? 64 * 1024 * 1024,
      dataDir: opts.bulkDir ?? opts.dataDir ?? undefined,
      bundleMaxEntries: opts.bundleMaxEntries,
      bulkExpirySeconds: opts.bulkExpirySeconds,
    },
    store,
    clock: opts.clock,
  });
  return {
    ...built,
    store,
    close: async () => {
      await built.bulk.stop();
      await opened.close();
    },
  };
}

/** POSTs a Bundle to the base. */
export function postBundle(app: CcmApp['app'], bundle: unknown, headers: Record<string, string> = {}) {
  const req = request(app).post('/fhir').set('content-type', 'application/fhir+json');
  for (const [k, v] of Object.entries(headers)) req.set(k, v);
  return req.send(JSON.stringify(bundle));
}

/** A transaction or batch Bundle of entries. */
export function bundleOf(type: 'transaction' | 'batch', entry: BundleEntry[]): Bundle {
  return { resourceType: 'Bundle', type, entry };
}

/** A POST entry with a urn:uuid fullUrl. */
export function postEntry(resource: FhirResource, fullUrl = `urn:uuid:${randomUUID()}`): BundleEntry {
  return { fullUrl, resource, request: { method: 'POST', url: resource.resourceType } };
}

/** Everything the store holds that a write could have touched: live resources, history, conditional keys. */
export async function storeTotals(
  services: FhirServices,
): Promise<{ resources: number; history: number; keys: number }> {
  let resources = 0;
  for (const type of services.resourceTypes)
    resources += await services.resources.count(type, { kind: 'all' });
  const history = await services.resources.historyCount({});
  const keys = await services.store.aux(CONDITIONAL_KEYS).countDocuments({});
  return { resources, history, keys };
}

/**
 * A store whose transactional resource writes can fail on demand (`failAt`: the nth write inside a
 * transaction) and which yields to the event loop before every repository call inside a transaction
 * (`yieldInTx`), so that concurrent readers really run while a transaction is in flight.
 */
export function instrumentedStore(
  inner: Storage,
  control: { failAt?: number; yieldInTx?: boolean; writesInTx: number },
): Storage {
  const before = async (tx: unknown, write: boolean) => {
    if (tx === undefined) return;
    if (control.yieldInTx) await new Promise((r) => setImmediate(r));
    if (write && ++control.writesInTx === control.failAt) {
      throw new Error(`injected storage fault at write ${control.failAt}`);
    }
  };
  return {
    engine: inner.engine,
    repository(deps) {
      const r = inner.repository(deps);
      const wrapped: ResourceRepository = {
        read: async (t, i, o = {}) => (await before(o.tx, false), r.read(t, i, o)),
        vread: async (t, i, v, o = {}) => (await before(o.tx, false), r.vread(t, i, v, o)),
        put: async (t, i, res, o) => (await before(o.tx, true), r.put(t, i, res, o)),
        delete: async (t, i, o = {}) => (await before(o.tx, true), r.delete(t, i, o)),
        find: async (t, w, o = {}) => (await before(o.tx, false), r.find(t, w, o)),
        count: async (t, w, o = {}) => (await before(o.tx, false), r.count(t, w, o)),
        history: async (q, o = {}) => (await before(o.tx, false), r.history(q, o)),
        historyCount: async (q, o = {}) => (await before(o.tx, false), r.historyCount(q, o)),
        types: () => r.types(),
        explain: (t, w, o) => r.explain(t, w, o),
        reindex: async (t, o) => (await before(o.tx, true), r.reindex(t, o)),
      };
      return wrapped;
    },
    aux: (name) => inner.aux(name),
    transaction: (fn) => inner.transaction(fn),
    ping: () => inner.ping(),
    close: () => inner.close(),
  };
}
