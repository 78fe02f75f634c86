/**
 * history at instance, type and system level (R4 http.html#history) with `_since`, `_count` and paging
 * links. Pages are taken over a snapshot bound (`_before`, fixed by the first page) of the append-only
 * history, so later writes never shift a page.
 */
import type { BundleEntry } from 'fhir/r4.js';
import type { Filter } from 'mongodb';
import type { FhirRequest, FhirResponse } from '../request.js';
import { bundle, countOf, offsetOf, pageLinks } from '../bundle.js';
import { badRequest, notFound } from '../outcomes.js';
import { etagOf, httpDate } from '../preconditions.js';
import type { HistoryDoc } from '../resource-store.js';
import type { FhirServices } from '../services.js';
import { checkId } from './read.js';

const INSTANT = /^\d{4}(-\d{2}(-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?)?)?$/;

/** Parses an instant-ish parameter (`_since`, `_before`) to a UTC ISO string; 400 when malformed. */
function instantParam(req: FhirRequest, name: string): string | undefined {
  const raw = req.query.find(([k]) => k === name)?.[1];
  if (raw === undefined) return undefined;
  const ms = INSTANT.test(raw) ? Date.parse(raw.length === 4 ? `${raw}-01-01` : raw) : NaN;
  if (Number.isNaN(ms))
    throw badRequest(
      `${name} must be an instant such as 2026-01-31T12:00:00Z, not ${JSON.stringify(raw.slice(0, 40))}`,
    );
  return new Date(ms).toISOString();
}

function entryOf(services: FhirServices, h: HistoryDoc): BundleEntry {
  const url = `${h.t}/${h.rid}`;
  const entry: BundleEntry = {
    fullUrl: `${services.baseUrl}/${url}`,
    request: { method: h.method, url: h.method === 'POST' ? h.t : url },
    response: {
      status: h.deleted ? '204 No Content' : h.method === 'POST' ? '201 Created' : '200 OK',
      etag: etagOf(h.vid),
      lastModified: h.lu,
    },
  };
  if (h.resource) entry.resource = h.resource;
  return entry;
}

/** GET [base]/_history, [base]/[type]/_history, [base]/[type]/[id]/_history */
export async function historyInteraction(
  services: FhirServices,
  req: FhirRequest,
  scope: { type?: string; id?: string },
): Promise<FhirResponse> {
  if (scope.id !== undefined && scope.type !== undefined) {
    checkId(scope.id);
    if (!(await services.resources.read(scope.type, scope.id)))
      throw notFound(`${scope.type}/${scope.id} is not known`);
  }
  const count = countOf(req);
  const offset = offsetOf(req);
  const since = instantParam(req, '_since');
  const before = instantParam(req, '_before') ?? services.clock().toISOString();
  const filter: Filter<HistoryDoc> = { lu: since ? { $gte: since, $lte: before } : { $lte: before } };
  if (scope.type) filter.t = scope.type;
  if (scope.id) filter.rid = scope.id;
  const coll = await services.resources.history();
  const [total, docs] = await Promise.all([
    coll.countDocuments(filter),
    count === 0
      ? Promise.resolve([])
      : coll.find(filter, { sort: { lu: -1, _id: -1 }, skip: offset, limit: count }).toArray(),
  ]);
  const path = [scope.type, scope.id ? encodeURIComponent(scope.id) : undefined, '_history']
    .filter(Boolean)
    .join('/');
  const params: Array<[string, string]> = [['_before', before]];
  if (since) params.unshift(['_since', since]);
  const body = bundle(
    'history',
    total,
    pageLinks(services.baseUrl, path, params, { offset, count, total }),
    (await services.resources.hydrate(docs)).map((h) => entryOf(services, h)),
  );
  const headers: Record<string, string> = {};
  if (docs[0]) headers['last-modified'] = httpDate(docs[0].lu);
  return { status: 200, headers, body };
}
