/**
 * Checks made before a write (SMART App Launch 2.2 scopes-and-launch-context.html: `c` create, `u` update
 * and patch, `d` delete): the token needs the permission on the type, the content written must be inside
 * what the scope reaches (a `patient/` token writes only into its patient's compartment), and so must the
 * resource being replaced, patched or deleted (what a conditional interaction matches is confined instead).
 */
import jsonpatch, { type Operation } from 'fast-json-patch';
import type { Resource } from 'fhir/r4.js';
import type { FhirServices } from '../services.js';
import type { AccessContext } from './context.js';
import { forbidden } from './errors.js';
import { lastContent } from './instance-access.js';
import { allowsInstance, ruleFor, type PendingWrites, type Rule } from './policy.js';
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
async function checkContent(
  services: FhirServices,
  auth: AccessContext,
  rule: Rule,
  type: string,
  body: unknown,
  id?: string,
  pending?: PendingWrites,
): Promise<void> {
  if (typeof body !== 'object' || body === null) return; // the interaction reports the malformed body
  if (rule.kind === 'all') return;
  const resource = { ...(body as Resource), resourceType: type, ...(id ? { id } : {}) } as Resource;
  if (!(await allowsInstance(services, auth, rule, resource, pending)))
    throw outside(`The ${type} in the request`);
}

/**
 * The current version of `type/id` must be allowed; a deleted resource is judged by its last content, so
 * that bringing back another patient's deleted resource (update as create) is refused like updating it.
 * Returns the current content (undefined when there is none, or when the rule allows any content).
 */
async function checkExisting(
  services: FhirServices,
  auth: AccessContext,
  rule: Rule,
  type: string,
  id: string,
): Promise<Resource | undefined> {
  if (!/^[A-Za-z0-9\-.]{1,64}$/.test(id)) return undefined;
  // A rule that allows every resource of the type needs no content: nothing is read (a transaction of
  // updates would otherwise read every target twice, here and when it is written).
  if (rule.kind === 'all') return undefined;
  const cur = await services.resources.read(type, id);
  if (!cur) return undefined;
  const live = cur.deleted ? undefined : cur.resource;
  const content = live ?? (await lastContent(services, type, cur));
  if (content && !(await allowsInstance(services, auth, rule, content))) throw outside(`${type}/${id}`);
  return live;
}

/** The id a conditional update's body names: written when the criteria match nothing (http.html#cond-update). */
function bodyId(body: unknown): string | undefined {
  const id = (body as { id?: unknown } | undefined)?.id;
  return typeof id === 'string' ? id : undefined;
}

/** One write to check, from a request or a Bundle entry. */
export interface WriteIntent {
  method: 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  type: string;
  id?: string;
  body?: unknown;
  /** JSON Patch operations of a PATCH. */
  patch?: unknown;
}

/**
 * Checks a write against the token; throws 403 when it is not allowed. Conditional criteria are not
 * checked here: their search runs confined to the rule of the write (services.reach, set by enforce.ts),
 * so that they match only what the token may write and the reply says nothing about anything else.
 */
export async function checkWrite(
  services: FhirServices,
  auth: AccessContext,
  w: WriteIntent,
  pending?: PendingWrites,
): Promise<void> {
  if (w.method === 'POST') {
    const rule = requireRule(services, auth, w.type, 'c');
    await checkContent(services, auth, rule, w.type, w.body, undefined, pending);
    return;
  }
  if (w.method === 'DELETE') {
    const rule = requireRule(services, auth, w.type, 'd');
    if (w.id !== undefined) await checkExisting(services, auth, rule, w.type, w.id);
    return;
  }
  const rule = requireRule(services, auth, w.type, 'u');
  if (w.method === 'PUT') {
    await checkContent(services, auth, rule, w.type, w.body, w.id, pending);
    const target = w.id ?? bodyId(w.body);
    if (target !== undefined) await checkExisting(services, auth, rule, w.type, target);
    return;
  }
  if (w.id === undefined) return;
  const current = await checkExisting(services, auth, rule, w.type, w.id);
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
    await checkContent(services, auth, rule, w.type, patched, w.id);
  }
}
