/**
 * Checks made before a write (SMART App Launch 2.2 scopes-and-launch-context.html: `c` create, `u` update
 * and patch, `d` delete): the token needs the permission on the type, the content written must be inside
 * what the scope reaches (a `patient/` token writes only into its patient's compartment), and so must the
 * resource being replaced, patched or deleted, including every resource a conditional interaction matches.
 */
import jsonpatch, { type Operation } from 'fast-json-patch';
import type { Filter } from 'mongodb';
import type { Resource } from 'fhir/r4.js';
import { criteriaFilter, parseCriteriaString } from '../interactions/criteria.js';
import type { ResourceDoc } from '../resource-store.js';
import type { FhirServices } from '../services.js';
import type { AccessContext } from './context.js';
import { forbidden } from './errors.js';
import { ruleAllows, ruleFilter, ruleFor, type Rule } from './policy.js';
import type { Permission } from './scopes.js';

const NAMES: Record<Permission, string> = { c: 'create', r: 'read', u: 'update', d: 'delete', s: 'search' };

/** The rule for one permission on a type; 403 when no scope grants it at all. */
export function requireRule(
  services: FhirServices,
  auth: AccessContext,
  type: string,
  perm: Permission,
  also: Permission[] = [],
): Rule {
  const rule = ruleFor(services, auth, type, [perm, ...also]);
  if (rule.kind === 'none') {
    throw forbidden(
      `The access token's scopes do not allow ${NAMES[perm]} on ${type}`,
      `${auth.patient ? 'patient' : 'user'}/${type}.${perm}`,
    );
  }
  return rule;
}

function outside(what: string): Error {
  return forbidden(`${what} is outside what the access token's scopes reach`);
}

/** The written content must be allowed (its id set, as the store will set it). */
function checkContent(services: FhirServices, rule: Rule, type: string, body: unknown, id?: string): void {
  if (typeof body !== 'object' || body === null) return; // the interaction reports the malformed body
  const resource = { ...(body as Resource), resourceType: type, ...(id ? { id } : {}) } as Resource;
  if (!ruleAllows(services, rule, resource)) throw outside(`The ${type} in the request`);
}

/** The current version of `type/id`, when it exists and is not deleted, must be allowed. */
async function checkExisting(
  services: FhirServices,
  rule: Rule,
  type: string,
  id: string,
): Promise<Resource | undefined> {
  if (!/^[A-Za-z0-9\-.]{1,64}$/.test(id)) return undefined;
  const cur = await services.resources.read(type, id);
  if (!cur || cur.deleted || !cur.resource) return undefined;
  if (!ruleAllows(services, rule, cur.resource)) throw outside(`${type}/${id}`);
  return cur.resource;
}

/** Every resource conditional criteria match must be allowed (else the interaction could reach others). */
async function checkMatches(
  services: FhirServices,
  rule: Rule,
  type: string,
  params: Array<[string, string]>,
): Promise<void> {
  const allowed = ruleFilter(rule);
  if (!allowed) return;
  const criteria = criteriaFilter(services, type, params);
  const others: Filter<ResourceDoc> = { $and: [criteria, { $nor: [allowed] }] };
  if ((await services.resources.count(type, others)) > 0) throw outside(`A resource the criteria match`);
}

/** One write to check, from a request or a Bundle entry. */
export interface WriteIntent {
  method: 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  type: string;
  id?: string;
  /** Conditional criteria of a type-level PUT or DELETE. */
  criteria?: Array<[string, string]>;
  ifNoneExist?: string;
  body?: unknown;
  /** JSON Patch operations of a PATCH. */
  patch?: unknown;
}

/** Checks a write against the token; throws 403 when it is not allowed. */
export async function checkWrite(services: FhirServices, auth: AccessContext, w: WriteIntent): Promise<void> {
  if (w.method === 'POST') {
    const rule = requireRule(services, auth, w.type, 'c');
    checkContent(services, rule, w.type, w.body);
    if (w.ifNoneExist) await checkMatches(services, rule, w.type, parseCriteriaString(w.ifNoneExist));
    return;
  }
  if (w.method === 'DELETE') {
    const rule = requireRule(services, auth, w.type, 'd');
    if (w.id !== undefined) await checkExisting(services, rule, w.type, w.id);
    else await checkMatches(services, rule, w.type, w.criteria ?? []);
    return;
  }
  const rule = requireRule(services, auth, w.type, 'u');
  if (w.method === 'PUT') {
    checkContent(services, rule, w.type, w.body, w.id);
    if (w.id !== undefined) await checkExisting(services, rule, w.type, w.id);
    else await checkMatches(services, rule, w.type, w.criteria ?? []);
    return;
  }
  if (w.id === undefined) return;
  const current = await checkExisting(services, rule, w.type, w.id);
  if (current && Array.isArray(w.patch)) {
    let patched: unknown;
    try {
      patched = jsonpatch.applyPatch(
        jsonpatch.deepClone(current),
        w.patch as Operation[],
        true,
        false,
      ).newDocument;
    } catch {
      return; // the interaction reports the failing patch
    }
    checkContent(services, rule, w.type, patched, w.id);
  }
}
