/**
 * Steps 2-4 of a transaction (R4 http.html#trules): the writes of the entries, inside the transaction's
 * session, and the reads, which run against the same session so that they see the transaction's writes.
 */
import type { BundleEntry, Resource } from 'fhir/r4.js';
import type { Operation } from 'fast-json-patch';
import type { StorageSession } from '../../storage/document-collection.js';
import type { FhirRequest, FhirResponse } from '../request.js';
import { gone, notFound, preconditionFailed } from '../outcomes.js';
import type { PreferReturn } from '../preconditions.js';
import type { ResourceStore } from '../resource-store.js';
import type { FhirServices } from '../services.js';
import { patchedResource } from '../interactions/patch.js';
import { claimKey, writtenMessage } from '../interactions/write.js';
import type { ParsedEntry } from './parse-entries.js';
import type { Action } from './plan.js';
import { deletedEntry, readEntry, writtenEntry } from './response.js';

/** Routes a FHIR request (the router's `route`, passed in to keep the router free of cycles). */
export type RouteFn = (services: FhirServices, req: FhirRequest) => Promise<FhirResponse>;

/** What the writes of one transaction attempt share. */
export interface WriteContext {
  services: FhirServices;
  session: StorageSession;
  prefer: PreferReturn;
}

/** A write entry ready to apply: its action and its resource (or patch) with references resolved. */
export interface PreparedWrite {
  entry: ParsedEntry;
  action: Exclude<Action, { kind: 'read' }>;
  resource?: Resource;
  patch?: Operation[];
}

async function applyPatch(ctx: WriteContext, w: PreparedWrite, id: string): Promise<BundleEntry> {
  const { services, session } = ctx;
  const type = w.entry.type;
  const cur = await services.resources.read(type, id, { tx: session });
  if (!cur) throw notFound(`${type}/${id} is not known`);
  if (cur.deleted || !cur.resource) throw gone(`${type}/${id} was deleted`);
  if (w.entry.ifMatch !== undefined && w.entry.ifMatch !== cur.vid) {
    throw preconditionFailed(
      `If-Match version ${w.entry.ifMatch} does not match ${type}/${id} (current: ${cur.vid})`,
    );
  }
  const patched = patchedResource(services, type, id, cur.resource, w.patch ?? []);
  const r = await services.resources.put(type, id, patched, {
    method: 'PATCH',
    ifMatch: cur.vid,
    tx: session,
  });
  return writtenEntry(services, ctx.prefer, type, r.doc, 200, `Patched ${type}/${id}`);
}

/** Applies one write entry inside the transaction and returns its response entry. */
export async function applyWrite(ctx: WriteContext, w: PreparedWrite): Promise<BundleEntry> {
  const { services, session, prefer } = ctx;
  const { type, ifMatch } = w.entry;
  const a = w.action;
  switch (a.kind) {
    case 'delete':
      return deletedEntry(
        a.id === undefined ? null : await services.resources.delete(type, a.id, { ifMatch, tx: session }),
      );
    case 'matched':
      return writtenEntry(
        services,
        prefer,
        type,
        a.doc,
        200,
        `${type}/${a.doc._id} already matches; nothing created`,
      );
    case 'create': {
      if (a.claim) await claimKey(services, session, a.claim, a.id);
      const r = await services.resources.put(type, a.id, w.resource as Resource, {
        method: 'POST',
        tx: session,
        mustNotExist: true,
      });
      return writtenEntry(services, prefer, type, r.doc, 201, `Created ${type}/${a.id}`);
    }
    case 'update': {
      if (a.claim) await claimKey(services, session, a.claim, a.id);
      const r = await services.resources.put(type, a.id, w.resource as Resource, {
        method: 'PUT',
        ifMatch,
        tx: session,
      });
      return writtenEntry(
        services,
        prefer,
        type,
        r.doc,
        r.created ? 201 : 200,
        writtenMessage(r, type, a.id),
      );
    }
    case 'patch':
      return applyPatch(ctx, w, a.id);
  }
}

/**
 * Services whose resource reads run inside `session`, one at a time (as a MongoDB transaction needs), so
 * that read and search entries see the transaction's own writes.
 */
export function sessionServices(services: FhirServices, session: StorageSession): FhirServices {
  const rs = services.resources;
  let chain: Promise<unknown> = Promise.resolve();
  const serial = <R>(fn: () => Promise<R>): Promise<R> => {
    const p = chain.then(fn);
    chain = p.catch(() => undefined);
    return p;
  };
  const bound: ResourceStore = {
    read: (type, id, opts = {}) => serial(() => rs.read(type, id, { ...opts, tx: opts.tx ?? session })),
    vread: (type, id, vid, opts = {}) => serial(() => rs.vread(type, id, vid, { tx: opts.tx ?? session })),
    put: (type, id, resource, opts) => rs.put(type, id, resource, { ...opts, tx: opts.tx ?? session }),
    delete: (type, id, opts = {}) => rs.delete(type, id, { ...opts, tx: opts.tx ?? session }),
    find: (type, where, opts = {}) => serial(() => rs.find(type, where, { ...opts, tx: opts.tx ?? session })),
    count: (type, where, opts = {}) =>
      serial(() => rs.count(type, where, { ...opts, tx: opts.tx ?? session })),
    history: (q, opts = {}) => serial(() => rs.history(q, { tx: opts.tx ?? session })),
    historyCount: (q, opts = {}) => serial(() => rs.historyCount(q, { tx: opts.tx ?? session })),
    types: () => rs.types(),
    explain: (type, where, opts = {}) => rs.explain(type, where, opts),
    reindex: (type, opts) => serial(() => rs.reindex(type, { ...opts, tx: opts.tx ?? session })),
  };
  return { ...services, resources: bound };
}

/** Runs a GET/HEAD entry through the router and returns its response entry (http.html#transaction). */
export async function applyRead(
  route: RouteFn,
  services: FhirServices,
  parent: FhirRequest,
  e: ParsedEntry,
): Promise<BundleEntry> {
  const sub: FhirRequest = {
    method: 'GET',
    segments: e.segments,
    query: e.query,
    headers: {
      accept: 'application/fhir+json',
      prefer: parent.headers.prefer,
      'if-none-match': e.ifNoneMatch,
      'if-modified-since': e.ifModifiedSince,
    },
    requestId: parent.requestId,
  };
  return readEntry(await route(services, sub), e.method === 'GET');
}
