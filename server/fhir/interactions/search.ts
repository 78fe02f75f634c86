/**
 * Type-level search (R4 search.html): the query is parsed to the search IR and compiled to one MongoDB
 * filter over the index entries stored beside each resource; both engines execute that filter. Results
 * are ordered by id and paged with `_count`; unknown parameters are ignored (reported in an outcome entry
 * and left out of the `self` link) or, with `Prefer: handling=strict`, rejected with 400.
 */
import type { BundleEntry } from 'fhir/r4.js';
import type { Filter } from 'mongodb';
import type { FhirRequest, FhirResponse } from '../request.js';
import { bundle, countOf, offsetOf, pageLinks } from '../bundle.js';
import { issue, operationOutcome } from '../outcomes.js';
import { parsePrefer } from '../preconditions.js';
import type { ResourceDoc } from '../resource-store.js';
import { parseSearch, RESULT_PARAMETERS } from '../search/parse.js';
import { toMongoFilter } from '../search/to-mongo.js';
import type { FhirServices } from '../services.js';

/** GET [base]/[type]?params and POST [base]/[type]/_search */
export async function searchInteraction(
  services: FhirServices,
  req: FhirRequest,
  type: string,
  params: Array<[string, string]>,
): Promise<FhirResponse> {
  const strict = parsePrefer(req.headers.prefer).strict;
  const ir = parseSearch(services.registry, type, params, {
    strict,
    baseUrl: services.baseUrl,
    now: services.clock().getTime(),
  });
  const filter = toMongoFilter(ir) as Filter<ResourceDoc>;
  const count = countOf(req);
  const offset = offsetOf(req);
  const [total, docs] = await Promise.all([
    services.resources.count(type, filter),
    count === 0
      ? Promise.resolve([])
      : services.resources.find(type, filter, { sort: { _id: 1 }, skip: offset, limit: count }),
  ]);
  const ignored = new Set(ir.ignored.map((p) => `${p.name}=${p.value}`));
  // The self link shows what was applied: the selecting parameters, then the paging that pageLinks adds.
  const applied = params.filter(
    ([k, v]) => !RESULT_PARAMETERS.has(k.split(':')[0]) && !ignored.has(`${k}=${v}`),
  );
  const entries: BundleEntry[] = docs.map((d) => ({
    fullUrl: `${services.baseUrl}/${type}/${encodeURIComponent(d._id)}`,
    resource: d.resource,
    search: { mode: 'match' },
  }));
  if (ir.ignored.length > 0) {
    const warnings = ir.ignored.map((p) =>
      issue('not-supported', `Parameter ${p.name} was ignored: ${p.reason}`, undefined, 'warning'),
    );
    entries.push({ resource: operationOutcome(warnings), search: { mode: 'outcome' } });
  }
  const body = bundle(
    'searchset',
    total,
    pageLinks(services.baseUrl, type, applied, { offset, count, total }),
    entries,
  );
  return { status: 200, headers: {}, body };
}
