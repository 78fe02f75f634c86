/**
 * history at instance, type and system level (R4 http.html#history) with `_since`, `_count` and paging
 * links. Pages are taken over a snapshot bound (`_before`, fixed by the first page) of the append-only
 * history, so later writes never shift a page, and each page is read by key: `_page` carries the place
 * (instant and key) of the last entry of the page before, so a page costs the same wherever it is.
 */
import type { BundleEntry, BundleLink } from 'fhir/r4.js';
import type { FhirRequest, FhirResponse } from '../request.js';
import { bundle, countOf, urlOf } from '../bundle.js';
import type { HistoryCursor, HistoryQuery } from '../../storage/repository.js';
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

/** The `_page` of a history page: the cursor of the entry before it, as base64url JSON. */
function cursorOf(req: FhirRequest): (HistoryCursor & { total?: number }) | undefined {
  const raw = req.query.find(([k]) => k === '_page')?.[1];
  if (raw === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  const c = parsed as { l?: unknown; k?: unknown; t?: unknown } | undefined;
  if (typeof c?.l !== 'string' || typeof c.k !== 'string' || !INSTANT.test(c.l) || c.k.length > 200) {
    throw badRequest('_page is not a page of this history: follow the links the server gave');
  }
  const total = typeof c.t === 'number' && Number.isSafeInteger(c.t) && c.t >= 0 ? c.t : undefined;
  return { lu: c.l, key: c.k, total };
}

/** The `_page` of the page after `c`, carrying the total the first page counted. */
function pageToken(c: HistoryCursor, total: number): string {
  return Buffer.from(JSON.stringify({ l: c.lu, k: c.key, t: total })).toString('base64url');
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
  const after = cursorOf(req);
  const since = instantParam(req, '_since');
  const asked = instantParam(req, '_before');
  // Without `_before` the first page reads every version there is: versions written in a burst carry instants
  // a few milliseconds ahead of the clock (each one after the previous, see nextInstant), and the clock must
  // not hide them. The links then carry the newest instant read, so that later pages keep newer versions out.
  const query: HistoryQuery = { type: scope.type, id: scope.id, since, sinceInclusive: true, until: asked };
  // the first page counts; later pages carry its total, so that each costs only its own entries
  const [total, found] = await Promise.all([
    after?.total ?? services.resources.historyCount(query),
    count === 0 ? Promise.resolve([]) : services.resources.history({ ...query, after, limit: count + 1 }),
  ]);
  const now = services.clock().toISOString();
  const newest = after === undefined && found[0] && found[0].lu > now ? found[0].lu : now;
  const before = asked ?? newest;
  const docs = found.slice(0, count);
  const path = [scope.type, scope.id ? encodeURIComponent(scope.id) : undefined, '_history']
    .filter(Boolean)
    .join('/');
  const params: Array<[string, string]> = [['_before', before]];
  if (since) params.unshift(['_since', since]);
  params.push(['_count', String(count)]);
  const page = (c: HistoryCursor | undefined): Array<[string, string]> =>
    c ? [...params, ['_page', pageToken(c, total)]] : params;
  const links: BundleLink[] = [
    { relation: 'self', url: urlOf(services.baseUrl, path, page(after)) },
    { relation: 'first', url: urlOf(services.baseUrl, path, params) },
  ];
  const last = docs[docs.length - 1];
  if (found.length > count && last) {
    links.push({
      relation: 'next',
      url: urlOf(services.baseUrl, path, page({ lu: last.lu, key: last._id })),
    });
  }
  const body = bundle(
    'history',
    total,
    links,
    docs.map((h) => entryOf(services, h)),
  );
  const headers: Record<string, string> = {};
  if (docs[0]) headers['last-modified'] = httpDate(docs[0].lu);
  return { status: 200, headers, body };
}
