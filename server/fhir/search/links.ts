/**
 * The paging links of a searchset (R4 http.html#paging, search.html#self): `self` shows the parameters the
 * server applied (never the ignored ones), followed by `_count` and, for a result kept as a snapshot,
 * the opaque `_page` token and the `_offset` of the page; `first`, `previous`, `next` and `last` are the same
 * search at other offsets.
 */
import type { BundleLink } from 'fhir/r4.js';
import { urlOf } from '../bundle.js';

/** Where a page sits in its result. */
export interface LinkPage {
  offset: number;
  count: number;
  /** How many results can be paged through. */
  size: number;
  snapshot?: string;
  hasNext: boolean;
}

/** The links of one page of the search at `path` with the `applied` parameters. */
export function searchLinks(
  baseUrl: string,
  path: string,
  applied: ReadonlyArray<[string, string]>,
  page: LinkPage,
): BundleLink[] {
  const at = (offset: number): string => {
    const params: Array<[string, string]> = [...applied, ['_count', String(page.count)]];
    if (page.snapshot) params.push(['_page', page.snapshot]);
    if (offset > 0) params.push(['_offset', String(offset)]);
    return urlOf(baseUrl, path, params);
  };
  const links: BundleLink[] = [{ relation: 'self', url: at(page.offset) }];
  if (page.count === 0) return links;
  links.push({ relation: 'first', url: at(0) });
  if (page.offset > 0) links.push({ relation: 'previous', url: at(Math.max(0, page.offset - page.count)) });
  if (page.hasNext) links.push({ relation: 'next', url: at(page.offset + page.count) });
  if (page.snapshot && page.size > 0) {
    links.push({ relation: 'last', url: at(Math.floor((page.size - 1) / page.count) * page.count) });
  }
  return links;
}
