/** Helpers of the exchange tests: apps with the exchange settings, Bundle posting, store totals, fault injection. */
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import type { Bundle, BundleEntry, FhirResource } from 'fhir/r4.js';
import { createApp, type CcmApp } from '../../../server/app.js';
import { CONDITIONAL_KEYS } from '../../../server/fhir/interactions/write.js';
import type { FhirServices } from '../../../server/fhir/services.js';
import type {
  DocumentCollection,
  DocumentStore,
  StoredDocument,
} from '../../../server/storage/document-collection.js';
import { openEmbeddedStore } from '../../../server/storage/embedded/embedded-store.js';
import { openMongoStore } from '../../../server/storage/mongodb/mongo-store.js';
import { TEST_BASE, type Engine } from '../../helpers/test-app.js';

/** An app built for the exchange tests, with its store. */
export interface ExchangeApp extends CcmApp {
  store: DocumentStore;
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
  wrap?: (store: DocumentStore) => DocumentStore;
}

/** Opens a store (embedded, or MongoDB on a fresh database) and builds an app on it. */
export async function exchangeApp(opts: ExchangeOptions = {}): Promise<ExchangeApp> {
  const opened =
    opts.engine === 'mongodb'
      ? await openMongoStore(process.env.MONGODB_URI as string, {
          dbName: `ccm-test-${randomUUID().slice(0, 8)}`,
        })
      : await openEmbeddedStore({ dataDir: opts.dataDir ?? null });
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
  for (const type of services.resourceTypes) resources += await services.resources.count(type, {});
  const history = await (await services.resources.history()).countDocuments({});
  const keys = await services.store.collection(CONDITIONAL_KEYS).countDocuments({});
  return { resources, history, keys };
}

const WRITES = new Set(['insertOne', 'insertMany', 'replaceOne', 'updateOne', 'deleteOne', 'deleteMany']);

/**
 * A store whose transactional writes can fail on demand (`failAt`: the nth write inside a transaction)
 * and which yields to the event loop before every operation inside a transaction (`yieldInTx`), so that
 * concurrent readers really run while a transaction is in flight.
 */
export function instrumentedStore(
  inner: DocumentStore,
  control: { failAt?: number; yieldInTx?: boolean; writesInTx: number },
): DocumentStore {
  const wrapCollection = <T extends StoredDocument>(c: DocumentCollection<T>): DocumentCollection<T> =>
    new Proxy(c, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver) as unknown;
        if (typeof value !== 'function') return value;
        const fn = value as (...args: unknown[]) => unknown;
        const inTxOf = (args: unknown[]) => {
          const last = args[args.length - 1] as { session?: unknown } | undefined;
          return typeof last === 'object' && last !== null && last.session !== undefined;
        };
        const pause = () => new Promise((r) => setImmediate(r));
        if (prop === 'find') {
          return (...args: unknown[]) => {
            const cursor = fn.apply(target, args) as { toArray(): Promise<unknown[]> };
            return {
              toArray: async () => {
                if (inTxOf(args) && control.yieldInTx) await pause();
                return cursor.toArray();
              },
            };
          };
        }
        return async (...args: unknown[]) => {
          const inTx = inTxOf(args);
          if (inTx && control.yieldInTx) await pause();
          if (inTx && WRITES.has(String(prop)) && ++control.writesInTx === control.failAt) {
            throw new Error(`injected storage fault at write ${control.failAt}`);
          }
          return fn.apply(target, args);
        };
      },
    });
  return {
    engine: inner.engine,
    collection: <T extends StoredDocument>(name: string) => wrapCollection(inner.collection<T>(name)),
    withTransaction: (fn) => inner.withTransaction(fn),
    ping: () => inner.ping(),
    close: () => inner.close(),
  };
}
