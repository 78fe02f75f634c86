/**
 * Search (R4 search.html), shared by type search, compartment search and Patient/$everything: the query is
 * parsed to the search IR, its chains, `_has` and `_list` are resolved by running their inner searches
 * first, and each type's IR is compiled to ONE MongoDB filter document that both engines execute unchanged.
 * Result controls (`_sort`, `_count`, `_total`, `_include`, `_revinclude`, `_summary`, `_elements`) are
 * applied around it; pages are read by key or from a snapshot of the ordered matches (search/execute.ts),
 * behind `_page` tokens valid only for the same search and token holder.
 * Unknown or unsupported parameters are ignored (reported in an outcome entry and left out of the `self`
 * link) or, with `Prefer: handling=strict`, rejected with 400 naming the parameter (search.html#errors).
 */
import type { OperationOutcomeIssue } from 'fhir/r4.js';
import type { FhirRequest, FhirResponse } from '../request.js';
import { bundleJson, type SerialisedEntry } from '../bundle.js';
import { jsonReply } from '../json-reply.js';
import { issue, operationOutcome } from '../outcomes.js';
import { parsePrefer } from '../preconditions.js';
import { storedJson, type ResourceDoc } from '../resource-store.js';
import { parseControls, type Controls } from '../search/controls.js';
import { executeSearch } from '../search/execute.js';
import { resolveIncludes, MAX_INCLUDED, type IncludeResult } from '../search/include.js';
import { INDEXED_RESULT_FIELDS, RESULT_FIELDS } from '../search/store-query.js';
import type { IgnoredParam, SearchIR } from '../search/ir.js';
import { searchLinks } from '../search/links.js';
import { pageHolder, type PageHolder } from '../search/page-token.js';
import { parseSearch, RESULT_PARAMETERS } from '../search/parse.js';
import { compileResolved } from '../search/resolve.js';
import { sortText, type TypedDoc } from '../search/sort.js';
import { isSubsetting, shapeResource } from '../search/summary.js';
import type { FhirServices } from '../services.js';

/** A search over one or more types, however it was addressed. */
export interface SearchSpec {
  /** Path below the base for the links (`Condition`, `Patient/1/*`, `Patient/1/$everything`). */
  path: string;
  /** The parsed selection per type (compartment clauses included). */
  irs: SearchIR[];
  /** Result-control parameters as given. */
  control: Array<[string, string]>;
  /** The selection parameters that were applied, as given (for the `self` link). */
  applied: Array<[string, string]>;
  /** Selection parameters that were not applied. */
  ignored: IgnoredParam[];
  strict: boolean;
  /** Who asks (search/page-token.ts pageHolder): `_page` tokens are bound to it. */
  holder: PageHolder;
  /** Extra include rules (e.g. $everything's referenced resources) and the types they may add. */
  extraIncludes?: Controls['include'];
  allowIncludedType?: (type: string) => boolean;
}

/** Whether the query is strict (`Prefer: handling=strict`). */
export function isStrict(req: FhirRequest): boolean {
  return parsePrefer(req.headers.prefer).strict;
}

/** Parses the query of a search on `type` with the server's options. */
export function parseFor(
  services: FhirServices,
  type: string,
  params: Array<[string, string]>,
  strict: boolean,
): SearchIR {
  return parseSearch(services.registry, type, params, {
    strict,
    baseUrl: services.baseUrl,
    now: services.clock().getTime(),
    limits: services.searchLimits,
  });
}

/** The selection parameters of `params` that `ir` applied, in the order given. */
export function appliedSelection(
  params: Array<[string, string]>,
  ignored: IgnoredParam[],
): Array<[string, string]> {
  const skipped = new Set(ignored.map((p) => `${p.name}=${p.value}`));
  return params.filter(([k, v]) => !RESULT_PARAMETERS.has(k.split(':')[0]) && !skipped.has(`${k}=${v}`));
}

/** GET [base]/[type]?params and POST [base]/[type]/_search */
export async function searchInteraction(
  services: FhirServices,
  req: FhirRequest,
  type: string,
  params: Array<[string, string]>,
): Promise<FhirResponse> {
  const strict = isStrict(req);
  const ir = parseFor(services, type, params, strict);
  return runSearch(services, {
    path: type,
    irs: [ir],
    control: ir.control,
    applied: appliedSelection(params, ir.ignored),
    ignored: ir.ignored,
    strict,
    holder: pageHolder(req.auth),
  });
}

/** The identity of a search for its paging token: path, applied selection in a canonical order, sort. */
function searchKey(spec: SearchSpec, controls: Controls): string {
  const selection = spec.applied.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).sort();
  return `${spec.path}?${selection.join('&')}#${sortText(controls.sort)}`;
}

/** Runs a search and builds its searchset Bundle. */
export async function runSearch(services: FhirServices, spec: SearchSpec): Promise<FhirResponse> {
  const controls = parseControls(
    services.registry,
    spec.irs.map((ir) => ir.resourceType),
    spec.control,
    spec.strict,
    services.searchLimits,
  );
  const resolveCtx = { resources: services.resources, baseUrl: services.baseUrl };
  const filters = await Promise.all(spec.irs.map((ir) => compileResolved(resolveCtx, ir)));
  const include = [...controls.include, ...(spec.extraIncludes ?? [])];
  const now = services.clock().getTime();
  // Only what is returned is copied out of the store; the index too where references are followed from it.
  const fields = include.length > 0 ? INDEXED_RESULT_FIELDS : RESULT_FIELDS;
  const page = await executeSearch(
    { resources: services.resources, paging: services.paging, now, fields },
    {
      sources: spec.irs.map((ir, i) => ({ type: ir.resourceType, where: filters[i] })),
      sort: controls.sort,
      count: controls.count,
      offset: controls.offset,
      page: controls.page,
      key: searchKey(spec, controls),
      holder: spec.holder,
      sortMaxMatches: services.searchLimits?.sortMaxMatches,
    },
  );
  const iterates = include.some((s) => s.iterate) || controls.revinclude.some((s) => s.iterate);
  const includes = await resolveIncludes(
    {
      resources: services.resources,
      registry: services.registry,
      allowType: spec.allowIncludedType,
      fields: iterates ? INDEXED_RESULT_FIELDS : RESULT_FIELDS,
    },
    page.matches,
    include,
    controls.revinclude,
  );
  const links = searchLinks(services.baseUrl, spec.path, [...spec.applied, ...controls.applied], {
    offset: page.offset,
    count: controls.count,
    size: page.size,
    snapshot: page.snapshot,
    keyset: page.keyset,
    hasNext: page.hasNext,
  });
  const entries = [
    ...page.matches.map((m) => entryOf(services, m, 'match', controls)),
    ...includes.included.map((m) => entryOf(services, m, 'include', undefined)),
    ...outcomeEntry(spec, controls, includes),
  ];
  const total = controls.total === 'none' ? undefined : page.total;
  // The stored resources are spliced into the Bundle's text as they are (json-reply.ts).
  return jsonReply(200, {}, bundleJson('searchset', total, links, entries));
}

/**
 * A Bundle entry with an absolute fullUrl; matches are shaped by `_summary` / `_elements`, every other
 * resource is its stored text.
 */
function entryOf(
  services: FhirServices,
  m: TypedDoc<ResourceDoc>,
  mode: 'match' | 'include',
  controls: Controls | undefined,
): SerialisedEntry {
  const fullUrl = `${services.baseUrl}/${m.type}/${encodeURIComponent(m.doc._id)}`;
  if (controls && isSubsetting(controls.summary, controls.elements)) {
    const stored = m.doc.resource;
    const resource =
      stored && shapeResource(services.definitions, stored, controls.summary, controls.elements);
    return { fullUrl, resourceJson: resource && JSON.stringify(resource), search: { mode } };
  }
  const resourceJson = storedJson(m.doc) ?? (m.doc.resource && JSON.stringify(m.doc.resource));
  return { fullUrl, resourceJson, search: { mode } };
}

/** The warnings entry: ignored parameters, truncated includes (search.html#errors: mode `outcome`). */
function outcomeEntry(spec: SearchSpec, controls: Controls, inc: IncludeResult): SerialisedEntry[] {
  const warn = (text: string): OperationOutcomeIssue => issue('not-supported', text, undefined, 'warning');
  const issues = [...spec.ignored, ...controls.ignored].map((p) =>
    warn(`Parameter ${p.name}=${p.value} was ignored: ${p.reason}`),
  );
  if (inc.truncated) {
    issues.push(
      issue('too-costly', `Included resources were limited to ${MAX_INCLUDED}`, undefined, 'warning'),
    );
  }
  if (issues.length === 0) return [];
  return [{ resourceJson: JSON.stringify(operationOutcome(issues)), search: { mode: 'outcome' } }];
}
