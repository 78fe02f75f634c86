/**
 * Reads a transaction or batch Bundle (R4 bundle.html, http.html#transaction): checks its shape and the
 * entry limit, and turns each entry's `request` into a typed ParsedEntry. Entry resources are checked
 * later, after their references are resolved (a conditional reference is only valid inside a Bundle).
 */
import type { Bundle, Resource } from 'fhir/r4.js';
import type { Operation } from 'fast-json-patch';
import { badRequest, FhirError, notFound, payloadTooLarge } from '../outcomes.js';
import { parseVersionEtag } from '../preconditions.js';
import type { FhirServices } from '../services.js';
import { checkId } from '../interactions/read.js';
import { patchOperations } from '../interactions/patch.js';
import { entryError } from './entry-error.js';
import { bundleLimits } from './limits.js';

export type EntryMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** One Bundle entry, parsed. */
export interface ParsedEntry {
  index: number;
  method: EntryMethod;
  /** `request.url` as sent (for messages). */
  url: string;
  /** Path segments below the base, decoded. */
  segments: string[];
  query: Array<[string, string]>;
  /** The resource type the URL names ('' for system-level reads). */
  type: string;
  /** The id in `Type/id` URLs. */
  id?: string;
  fullUrl?: string;
  resource?: Resource;
  /** JSON Patch operations of a PATCH entry (from a Binary resource). */
  patch?: Operation[];
  ifMatch?: number;
  ifNoneExist?: string;
  ifNoneMatch?: string;
  ifModifiedSince?: string;
}

/** The R4 HTTPVerb codes (valueset-http-verb.html), exactly: codes are case-sensitive (datatypes.html#code). */
const METHODS: ReadonlySet<string> = new Set<EntryMethod>(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * The method of entry `index`, decided once for the access check and the executor alike: one of the R4
 * HTTPVerb codes as written, else 400 naming `Bundle.entry[n].request.method` (`put` or `Post` included).
 */
export function methodOf(raw: unknown, index: number): EntryMethod {
  if (typeof raw === 'string' && METHODS.has(raw)) return raw as EntryMethod;
  const shown = typeof raw === 'string' ? JSON.stringify(raw.slice(0, 20)) : String(typeof raw);
  throw badRequest(
    `request.method ${shown} is not an R4 HTTPVerb code (GET, HEAD, POST, PUT, DELETE, PATCH; codes are case-sensitive)`,
    `Bundle.entry[${index}].request.method`,
    raw === undefined ? 'required' : 'code-invalid',
  );
}

/** Checks the Bundle itself: a transaction or batch with at most the configured number of entries. */
export function checkBundle(
  services: FhirServices,
  body: unknown,
): Bundle & { type: 'transaction' | 'batch' } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw badRequest('POST to the base needs a Bundle of type transaction or batch', undefined, 'required');
  }
  const b = body as Partial<Bundle>;
  if (b.resourceType !== 'Bundle') {
    throw badRequest(
      `POST to the base takes a Bundle, not ${JSON.stringify(b.resourceType)}`,
      'resourceType',
    );
  }
  if (b.type !== 'transaction' && b.type !== 'batch') {
    throw badRequest(
      `Bundle.type must be transaction or batch to be processed, not ${JSON.stringify(b.type)} (http.html#transaction)`,
      'Bundle.type',
    );
  }
  if (b.entry !== undefined && !Array.isArray(b.entry))
    throw badRequest('Bundle.entry must be an array', 'Bundle.entry');
  const max = bundleLimits(services).maxEntries;
  if ((b.entry?.length ?? 0) > max) {
    throw payloadTooLarge(
      `The Bundle has ${b.entry?.length} entries; this server accepts at most ${max} (BUNDLE_MAX_ENTRIES)`,
    );
  }
  return b as Bundle & { type: 'transaction' | 'batch' };
}

/** Splits `request.url` into path segments and query; absolute URLs must be below this server's base. */
function splitUrl(
  services: FhirServices,
  raw: string,
): { segments: string[]; query: Array<[string, string]> } {
  let url = raw.trim();
  if (/^[a-z][a-z0-9+.-]*:/i.test(url)) {
    if (!url.startsWith(`${services.baseUrl}/`)) {
      throw badRequest(`request.url ${JSON.stringify(raw.slice(0, 120))} is not below this server's base`);
    }
    url = url.slice(services.baseUrl.length + 1);
  }
  url = url.replace(/^\/+/, '');
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  try {
    const segments = path
      .split('/')
      .filter((s) => s !== '')
      .map((s) => decodeURIComponent(s));
    const query = q < 0 ? [] : [...new URLSearchParams(url.slice(q + 1)).entries()];
    return { segments, query };
  } catch {
    throw badRequest(`request.url ${JSON.stringify(raw.slice(0, 120))} is malformed`);
  }
}

/** Checks that a write entry's URL has the shape its method needs (http.html#transaction). */
function checkWriteShape(services: FhirServices, e: ParsedEntry): void {
  const [type, id, ...rest] = e.segments;
  if (!type || !services.resourceTypes.has(type)) {
    throw notFound(`request.url ${JSON.stringify(e.url.slice(0, 120))} names no known resource type`);
  }
  const conditional = e.query.length > 0;
  const ok =
    rest.length === 0 &&
    (e.method === 'POST'
      ? id === undefined && !conditional
      : e.method === 'PATCH'
        ? id !== undefined && !conditional
        : (id === undefined) === conditional);
  if (!ok) {
    throw badRequest(
      `${e.method} ${JSON.stringify(e.url.slice(0, 120))} is not a valid transaction entry URL (${e.method === 'POST' ? '[type]' : e.method === 'PATCH' ? '[type]/[id]' : '[type]/[id] or [type]?criteria'})`,
      'Bundle.entry.request.url',
    );
  }
  if (id !== undefined) {
    checkId(id);
    e.id = id;
  }
}

/** The JSON Patch operations carried by a PATCH entry's Binary resource (http.html#patch). */
function patchOf(resource: unknown): Operation[] {
  const r = resource as { resourceType?: unknown; contentType?: unknown; data?: unknown } | undefined;
  if (
    r?.resourceType !== 'Binary' ||
    r.contentType !== 'application/json-patch+json' ||
    typeof r.data !== 'string'
  ) {
    throw badRequest(
      'A PATCH entry needs a Binary resource with contentType application/json-patch+json and base64 data',
      'Bundle.entry.resource',
      'not-supported',
    );
  }
  let ops: unknown;
  try {
    ops = JSON.parse(Buffer.from(r.data, 'base64').toString('utf8'));
  } catch {
    throw badRequest(
      'The Binary data of a PATCH entry is not a JSON Patch document',
      'Bundle.entry.resource.data',
    );
  }
  return patchOperations(ops);
}

/** Parses entry `index`; throws a BundleEntryError naming it. */
function parseEntry(services: FhirServices, raw: unknown, index: number): ParsedEntry {
  try {
    const entry = (raw ?? {}) as { fullUrl?: unknown; resource?: unknown; request?: Record<string, unknown> };
    const req = entry.request;
    if (typeof req !== 'object' || req === null)
      throw badRequest('The entry has no request', 'Bundle.entry.request');
    const method = methodOf(req.method, index);
    if (typeof req.url !== 'string' || req.url.trim() === '') throw badRequest('request.url is required');
    const { segments, query } = splitUrl(services, req.url);
    const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
    const e: ParsedEntry = {
      index,
      method,
      url: req.url,
      segments,
      query,
      type: segments[0] ?? '',
      fullUrl: str(entry.fullUrl),
      ifNoneExist: str(req.ifNoneExist),
      ifNoneMatch: str(req.ifNoneMatch),
      ifModifiedSince: str(req.ifModifiedSince),
    };
    if (typeof req.ifMatch === 'string') e.ifMatch = parseVersionEtag(req.ifMatch, 'request.ifMatch');
    if (method === 'GET' || method === 'HEAD') return e;
    checkWriteShape(services, e);
    if (method === 'PATCH') e.patch = patchOf(entry.resource);
    else if (method !== 'DELETE') {
      if (typeof entry.resource !== 'object' || entry.resource === null || Array.isArray(entry.resource)) {
        throw badRequest(`A ${method} entry needs a resource`, 'Bundle.entry.resource', 'required');
      }
      e.resource = entry.resource as Resource;
    }
    return e;
  } catch (err) {
    throw entryError(index, err);
  }
}

/** Parses every entry: each is a ParsedEntry or the error that entry would answer. */
export function parseEntries(services: FhirServices, bundle: Bundle): Array<ParsedEntry | FhirError> {
  return (bundle.entry ?? []).map((raw, index) => {
    try {
      return parseEntry(services, raw, index);
    } catch (err) {
      if (err instanceof FhirError) return err;
      throw err;
    }
  });
}
