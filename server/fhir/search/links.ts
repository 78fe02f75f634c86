/**
 * The paging links of a searchset (R4 http.html#paging, search.html#self): `self` shows the parameters the
 * server applied (never the ignored ones), followed by `_count` and the paging state: for a result kept as
 * a snapshot, the opaque `_page` token of the snapshot and the `_offset` of the page; for a result paged by
 * key, the opaque `_page` token of each page. `first` is the search itself; `previous`, `next` and `last`
 * are present when such a page exists.
 */
import type { BundleLink } from 'fhir/r4.js';
import { urlOf } from '../bundle.js';

/** Key-set paging: the `_page` tokens of a page and of its neighbours (a first page has no `self` token). */
export interface KeysetLinks {
  self?: string;
  next?: string;
  previous?: string;
  last?: string;
}

/** Where a page sits in its result. */
export interface LinkPage {
  offset: number;
  count: number;
  /** How many results can be paged through. */
  size: number;
  /** Snapshot paging: the snapshot's token; its pages differ by `_offset`. */
  snapshot?: string;
  keyset?: KeysetLinks;
  hasNext: boolean;
}

/** The links of one page of the search at `path` with the `applied` parameters. */
export function searchLinks(
  baseUrl: string,
  path: string,
  applied: ReadonlyArray<[string, string]>,
  page: LinkPage,
): BundleLink[] {
  const url = (token: string | undefined, offset: number): string => {
    const params: Array<[string, string]> = [...applied, ['_count', String(page.count)]];
    if (token) params.push(['_page', token]);
    if (offset > 0) params.push(['_offset', String(offset)]);
    return urlOf(baseUrl, path, params);
  };
  if (page.keyset) return keysetLinks(page, page.keyset, url);
  const at = (offset: number): string => url(page.snapshot, offset);
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

/** The links of a page paged by key: every neighbour is its own token. */
function keysetLinks(
  page: LinkPage,
  k: KeysetLinks,
  url: (token: string | undefined, offset: number) => string,
): BundleLink[] {
  // a first page asked with `_offset` shows it in `self`; pages reached by token carry their place in it
  const links: BundleLink[] = [{ relation: 'self', url: url(k.self, k.self ? 0 : page.offset) }];
  if (page.count === 0) return links;
  links.push({ relation: 'first', url: url(undefined, 0) });
  if (k.previous) links.push({ relation: 'previous', url: url(k.previous, 0) });
  if (k.next) links.push({ relation: 'next', url: url(k.next, 0) });
  if (k.last) links.push({ relation: 'last', url: url(k.last, 0) });
  return links;
}
