/**
 * The storage the FHIR layer writes through, with run-time SearchParameters kept in step: no write happens
 * before the registrations are read from the store (RuntimeParams.ready), and every write of a
 * SearchParameter (create, update, patch, delete; plain, conditional or in a Bundle) is checked first
 * (422 when an active one cannot be served) and records its registration in the same transaction; the
 * registry is refreshed after that transaction commits, so a rolled-back write changes nothing. Every
 * other write goes straight through.
 */
import type { Resource, SearchParameter } from 'fhir/r4.js';
import type { StoredDocument } from '../../storage/document-collection.js';
import type {
  AuxCollection,
  RepositoryDeps,
  ResourceRepository,
  Storage,
  Tx,
} from '../../storage/repository.js';
import type { RuntimeParams } from './manager.js';

const SEARCH_PARAMETER = 'SearchParameter';

/** The engine with transactions that refresh the registry after a commit that changed registrations. */
class HookedStorage implements Storage {
  readonly engine: Storage['engine'];
  private readonly touched = new WeakSet<object>();

  constructor(
    private readonly inner: Storage,
    private readonly params: RuntimeParams,
  ) {
    this.engine = inner.engine;
  }

  /** Notes that `tx` changed registrations (the registry is refreshed once it commits). */
  touch(tx: Tx): void {
    this.touched.add(tx);
  }

  repository(deps: RepositoryDeps): ResourceRepository {
    return this.inner.repository(deps);
  }

  aux<T extends StoredDocument = StoredDocument>(name: string): AuxCollection<T> {
    return this.inner.aux<T>(name);
  }

  async transaction<R>(fn: (tx: Tx) => Promise<R>): Promise<R> {
    let touched = false;
    const result = await this.inner.transaction(async (tx) => {
      const out = await fn(tx);
      touched = this.touched.has(tx); // the attempt that commits says
      return out;
    });
    // A failed refresh leaves the registry as it was until the next one (the reindex runner polls).
    if (touched) await this.params.refresh().catch(() => undefined);
    return result;
  }

  ping(): Promise<void> {
    return this.inner.ping();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

/** The repository with SearchParameter writes checked and recorded. */
class HookedRepository implements ResourceRepository {
  constructor(
    private readonly inner: ResourceRepository,
    private readonly store: HookedStorage,
    private readonly params: RuntimeParams,
  ) {}

  async put(...[type, id, resource, opts]: Parameters<ResourceRepository['put']>) {
    // every write extracts the run-time parameters: they are read from the store before the first one
    await this.params.ready();
    if (type !== SEARCH_PARAMETER) return this.inner.put(type, id, resource, opts);
    const sp = { ...(resource as SearchParameter), id };
    const verdict = this.params.check(sp, id);
    const write = async (tx: Tx) => {
      const r = await this.inner.put(type, id, resource as Resource, { ...opts, tx });
      if (await this.params.record(tx, id, sp, verdict)) this.store.touch(tx);
      return r;
    };
    return opts.tx ? write(opts.tx) : this.store.transaction(write);
  }

  async delete(...[type, id, opts = {}]: Parameters<ResourceRepository['delete']>) {
    if (type !== SEARCH_PARAMETER) return this.inner.delete(type, id, opts);
    await this.params.ready();
    const write = async (tx: Tx) => {
      const r = await this.inner.delete(type, id, { ...opts, tx });
      if (r && (await this.params.record(tx, id, undefined, { kind: 'none' }))) this.store.touch(tx);
      return r;
    };
    return opts.tx ? write(opts.tx) : this.store.transaction(write);
  }

  read(...a: Parameters<ResourceRepository['read']>) {
    return this.inner.read(...a);
  }

  vread(...a: Parameters<ResourceRepository['vread']>) {
    return this.inner.vread(...a);
  }

  find(...a: Parameters<ResourceRepository['find']>) {
    return this.inner.find(...a);
  }

  count(...a: Parameters<ResourceRepository['count']>) {
    return this.inner.count(...a);
  }

  history(...a: Parameters<ResourceRepository['history']>) {
    return this.inner.history(...a);
  }

  historyCount(...a: Parameters<ResourceRepository['historyCount']>) {
    return this.inner.historyCount(...a);
  }

  types() {
    return this.inner.types();
  }

  explain(...a: Parameters<ResourceRepository['explain']>) {
    return this.inner.explain(...a);
  }

  async reindex(...a: Parameters<ResourceRepository['reindex']>) {
    await this.params.ready();
    return this.inner.reindex(...a);
  }
}

/** The storage and repository the FHIR services use, hooked to `params`. */
export function hookRuntimeParams(
  store: Storage,
  resources: ResourceRepository,
  params: RuntimeParams,
): { store: Storage; resources: ResourceRepository } {
  const hooked = new HookedStorage(store, params);
  return { store: hooked, resources: new HookedRepository(resources, hooked, params) };
}
