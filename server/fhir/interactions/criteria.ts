/**
 * Search criteria of conditional interactions (R4 http.html#ccreate, #cond-update, #3.1.0.7.1):
 * always parsed strictly, because an ignored parameter would widen the match and touch the wrong resource.
 */
import { badRequest } from '../outcomes.js';
import { and, type Where } from '../../storage/repository.js';
import { parseSearch, RESULT_PARAMETERS } from '../search/parse.js';
import { whereOf } from '../search/where.js';
import type { FhirServices } from '../services.js';
import type { Permission } from '../access/scopes.js';

const selecting = (params: Array<[string, string]>) =>
  params.filter(([k]) => !RESULT_PARAMETERS.has(k.split(':')[0]));

/** Parses the query string of an `If-None-Exist` header (with or without a leading `?` or `Type?`). */
export function parseCriteriaString(raw: string): Array<[string, string]> {
  const q = raw.includes('?') ? raw.slice(raw.indexOf('?') + 1) : raw;
  return [...new URLSearchParams(q).entries()];
}

/**
 * The storage condition selecting what conditional criteria match; 400 when they select nothing definite.
 * The search is confined to what the request's token reaches with `perms` (the permission of the
 * interaction: `c` for a conditional create, `u` update, `d` delete, `r` a conditional reference), so
 * that a conditional interaction neither acts on nor reveals anything else (SMART App Launch 2.2
 * scopes-and-launch-context.html; R4 security.html#AccessDenied).
 */
export function criteriaFilter(
  services: FhirServices,
  type: string,
  params: Array<[string, string]>,
  perms: readonly Permission[],
): Where {
  const criteria = selecting(params);
  if (criteria.length === 0) {
    throw badRequest(`A conditional interaction on ${type} needs search criteria`, undefined, 'required');
  }
  const ir = parseSearch(services.registry, type, criteria, {
    strict: true,
    baseUrl: services.baseUrl,
    now: services.clock().getTime(),
  });
  const where = whereOf(ir);
  const reach = services.reach?.(type, perms);
  return reach ? and(where, reach) : where;
}

/** A canonical text of the criteria: the same criteria in any order give the same key. */
export function criteriaKey(type: string, params: Array<[string, string]>): string {
  const sorted = selecting(params)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .sort();
  return `${type}?${sorted.join('&')}`;
}
