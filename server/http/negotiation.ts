/**
 * Content negotiation for the FHIR endpoint (R4 http.html#mime): JSON is the only format produced;
 * `_format` overrides Accept; anything that cannot be answered in JSON is 406, any body that is not
 * JSON (or JSON Patch, or a form for _search) is 415.
 */
import { notAcceptable, unsupportedMediaType } from '../fhir/outcomes.js';

const JSON_TYPES = new Set(['application/fhir+json', 'application/json', 'application/json+fhir']);
const FORMAT_ALIASES = new Map([
  ['json', 'application/fhir+json'],
  ['application/fhir+json', 'application/fhir+json'],
  ['application/json', 'application/json'],
  ['application/json+fhir', 'application/fhir+json'],
  ['text/json', 'application/json'],
]);

/** The media type to answer with, from `_format` or Accept; throws 406 when JSON is not acceptable. */
export function responseType(format: string | undefined, accept: string | undefined): string {
  if (format !== undefined) {
    const chosen = FORMAT_ALIASES.get(format.trim().toLowerCase().split(';')[0]);
    if (!chosen)
      throw notAcceptable(`_format=${format.slice(0, 60)} is not produced by this server; use json`);
    return chosen;
  }
  if (accept === undefined || accept.trim() === '') return 'application/fhir+json';
  const ranges = accept
    .split(',')
    .map((part) => {
      const [type, ...params] = part.trim().toLowerCase().split(';');
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      return { type: type.trim(), q: q ? Number(q.slice(2)) : 1 };
    })
    .filter((r) => r.q > 0)
    .sort((a, b) => b.q - a.q);
  for (const r of ranges) {
    if (r.type === 'application/fhir+json' || r.type === 'application/json+fhir')
      return 'application/fhir+json';
    if (r.type === 'application/json' || r.type === 'text/json') return 'application/json';
    if (r.type === '*/*' || r.type === 'application/*') return 'application/fhir+json';
  }
  throw notAcceptable(
    `None of the accepted types (${accept.slice(0, 100)}) is produced; this server answers application/fhir+json`,
  );
}

/** GET operations that can answer in a format of their own (the billing report as text/csv). */
const OTHER_FORMAT_OPERATIONS: ReadonlySet<string> = new Set(['$ccm-billing-report']);

/**
 * Whether a request may be answered in a format other than FHIR JSON by its handler, so that its 406 waits
 * for the handler's answer: only the GET operations listed above, which change nothing.
 */
export function mayAnswerOtherFormat(method: string, path: string): boolean {
  if (method !== 'GET') return false;
  const segments = path.split('/').filter((s) => s !== '');
  return OTHER_FORMAT_OPERATIONS.has(segments[segments.length - 1] ?? '');
}

/** Media type without parameters, lower-cased. */
export function mediaType(contentType: string | undefined): string | undefined {
  return contentType?.split(';')[0].trim().toLowerCase() || undefined;
}

/** Checks a request body's media type for the method; throws 415 when it is not accepted. */
export function checkBodyType(
  method: string,
  type: string | undefined,
  isSearch: boolean,
): 'json' | 'patch' | 'form' {
  if (method === 'PATCH') {
    if (type === 'application/json-patch+json') return 'patch';
    throw unsupportedMediaType(`PATCH bodies must be application/json-patch+json, not ${type ?? 'untyped'}`);
  }
  if (type !== undefined && JSON_TYPES.has(type)) return 'json';
  if (isSearch && type === 'application/x-www-form-urlencoded') return 'form';
  throw unsupportedMediaType(`Request bodies must be application/fhir+json, not ${type ?? 'untyped'}`);
}
