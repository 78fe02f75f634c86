/**
 * Bundles the server returns (history, searchset): links with the applied parameters, paging by offset
 * over a fixed snapshot, and entries with absolute fullUrls (R4 bundle.html, http.html#paging).
 */
import type { Bundle, BundleEntry, BundleLink } from 'fhir/r4.js';
import type { FhirRequest } from './request.js';
import { badRequest } from './outcomes.js';

export const DEFAULT_COUNT = 20;
export const MAX_COUNT = 1000;

/** `_count` clamped to [0, MAX_COUNT] (search.html#count); 400 when it is not a number. */
export function countOf(req: FhirRequest, dflt = DEFAULT_COUNT): number {
  const raw = req.query.find(([k]) => k === '_count')?.[1];
  if (raw === undefined) return dflt;
  if (!/^\d{1,9}$/.test(raw))
    throw badRequest(`_count must be a non-negative integer, not ${JSON.stringify(raw.slice(0, 40))}`);
  return Math.min(Number(raw), MAX_COUNT);
}

/** The page offset carried by the server's own paging links. */
export function offsetOf(req: FhirRequest): number {
  const raw = req.query.find(([k]) => k === '_offset')?.[1];
  if (raw === undefined) return 0;
  if (!/^\d{1,9}$/.test(raw)) throw badRequest(`_offset must be a non-negative integer`);
  return Number(raw);
}

/** An absolute URL below the FHIR base with the given query parameters. */
export function urlOf(baseUrl: string, path: string, params: Array<[string, string]>): string {
  const qs = new URLSearchParams(params).toString();
  return `${baseUrl}${path ? `/${path}` : ''}${qs ? `?${qs}` : ''}`;
}

/** self/first/previous/next links for an offset page over `total` results. */
export function pageLinks(
  baseUrl: string,
  path: string,
  params: Array<[string, string]>,
  page: { offset: number; count: number; total: number },
): BundleLink[] {
  const at = (offset: number): Array<[string, string]> => [
    ...params,
    ['_count', String(page.count)],
    ...(offset > 0 ? ([['_offset', String(offset)]] as Array<[string, string]>) : []),
  ];
  const links: BundleLink[] = [{ relation: 'self', url: urlOf(baseUrl, path, at(page.offset)) }];
  links.push({ relation: 'first', url: urlOf(baseUrl, path, at(0)) });
  if (page.offset > 0 && page.count > 0) {
    links.push({
      relation: 'previous',
      url: urlOf(baseUrl, path, at(Math.max(0, page.offset - page.count))),
    });
  }
  if (page.count > 0 && page.offset + page.count < page.total) {
    links.push({ relation: 'next', url: urlOf(baseUrl, path, at(page.offset + page.count)) });
  }
  return links;
}

/** A Bundle of the given type. */
export function bundle(
  type: Bundle['type'],
  total: number | undefined,
  link: BundleLink[],
  entry: BundleEntry[],
): Bundle {
  const b: Bundle = { resourceType: 'Bundle', type, link };
  if (total !== undefined) b.total = total;
  if (entry.length > 0) b.entry = entry;
  return b;
}

/** A Bundle entry whose resource is already FHIR JSON text (`resourceJson`). */
export interface SerialisedEntry {
  fullUrl?: string;
  /** Absent: an entry without a resource. */
  resourceJson?: string;
  search: BundleEntry['search'];
}

/**
 * The JSON text of `bundle(type, total, link, entries)` with each entry's resource spliced in as the text
 * it already is: the same bytes JSON.stringify gives for the Bundle of the parsed resources.
 */
export function bundleJson(
  type: Bundle['type'],
  total: number | undefined,
  link: BundleLink[],
  entries: SerialisedEntry[],
): string {
  const parts = [`{"resourceType":"Bundle","type":${JSON.stringify(type)},"link":${JSON.stringify(link)}`];
  if (total !== undefined) parts.push(`,"total":${JSON.stringify(total)}`);
  if (entries.length > 0) {
    parts.push(',"entry":[');
    entries.forEach((e, i) => {
      const fullUrl = e.fullUrl === undefined ? '' : `"fullUrl":${JSON.stringify(e.fullUrl)}`;
      const search = e.search === undefined ? '' : `"search":${JSON.stringify(e.search)}`;
      const resource = e.resourceJson === undefined ? '' : `"resource":${e.resourceJson}`;
      const body = [fullUrl, resource, search].filter((p) => p !== '').join(',');
      parts.push(`${i > 0 ? ',' : ''}{${body}}`);
    });
    parts.push(']');
  }
  parts.push('}');
  return parts.join('');
}
