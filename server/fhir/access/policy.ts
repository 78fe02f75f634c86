/**
 * Access rules: what a token's clinical scopes allow on one resource type for some permissions
 * (SMART App Launch 2.2 scopes-and-launch-context.html). What a `patient/` scope reaches of each type is
 * decided by the type's class (reach.ts, README "What a token can reach"); `user/` scopes reach what the
 * practice user can see (every practice user sees the whole practice here) and `system/` scopes what the
 * client's registration allows. A v2 query suffix narrows a scope further. A rule has a storage filter
 * (ruleFilter) and the same test in memory (ruleAllows); the checks that need other resources (Binary
 * securityContext, Provenance targets) are made per instance by `allowsInstance`.
 */
import type { Resource } from 'fhir/r4.js';
import { and, NONE, or, type Where } from '../../storage/repository.js';
import { extractIndex } from '../search/extract.js';
import type { FhirServices } from '../services.js';
import type { AccessContext } from './context.js';
import { compileGranular, type Granular } from './granular.js';
import { reachOf, type Confine } from './reach.js';
import type { Permission } from './scopes.js';

/** One way of being allowed: all its constraints hold (ANDed). */
export interface Alternative {
  /** The patient's part of the type (reach.ts), for patient grants. */
  confine?: Confine;
  granular: Granular[];
}

/** Everything of the type, some of it (any alternative), or nothing. */
export type Rule = { kind: 'all' } | { kind: 'some'; alternatives: Alternative[] } | { kind: 'none' };

/** The permissions that read (the others write). */
export const READ_PERMS: readonly Permission[] = ['r', 's'];

/** The rule for `type` from the grants having any of `perms`. */
export function ruleFor(
  services: FhirServices,
  auth: AccessContext,
  type: string,
  perms: readonly Permission[],
): Rule {
  const writing = perms.some((p) => !READ_PERMS.includes(p));
  const alternatives: Alternative[] = [];
  for (const g of auth.grants) {
    if (g.type !== '*' && g.type !== type) continue;
    if (!perms.some((p) => g.perms.has(p))) continue;
    const reach = reachOf(services.registry, type, g.context, auth.patient, writing);
    if (reach === null) continue;
    const alt: Alternative = { granular: [], confine: reach === 'all' ? undefined : reach };
    if (g.query) {
      const compiled = compileGranular(services.registry, type, g.query, services.baseUrl);
      if (!compiled) continue;
      alt.granular.push(compiled);
    }
    if (!alt.confine && alt.granular.length === 0) return { kind: 'all' };
    alternatives.push(alt);
  }
  return alternatives.length > 0 ? { kind: 'some', alternatives } : { kind: 'none' };
}

/** A filter matching nothing. */
export const NOTHING: Where = NONE;

/** The storage filter of a rule; undefined when it allows everything. */
export function ruleFilter(rule: Rule): Where | undefined {
  if (rule.kind === 'all') return undefined;
  if (rule.kind === 'none') return NOTHING;
  const ors = rule.alternatives.map((a) => {
    const parts: Where[] = a.granular.map((g) => g.filter);
    if (a.confine) parts.unshift(a.confine.filter);
    return and(...parts);
  });
  return or(...ors);
}

/** Whether a rule allows one resource (its index is extracted in memory, as on write). */
export function ruleAllows(services: FhirServices, rule: Rule, resource: Resource): boolean {
  if (rule.kind !== 'some') return rule.kind === 'all';
  const index = extractIndex(services.registry, resource, { baseUrl: services.baseUrl });
  return rule.alternatives.some(
    (a) => (!a.confine || a.confine.test(index)) && a.granular.every((g) => g.test(index.sp)),
  );
}

/** Shorthand: may `auth` access this resource with any of `perms`? */
export function allows(
  services: FhirServices,
  auth: AccessContext,
  resource: Resource,
  perms: readonly Permission[],
): boolean {
  return ruleAllows(services, ruleFor(services, auth, resource.resourceType, perms), resource);
}

/** True when some alternative of the rule needs other resources to decide (reach.ts `deep`). */
export function needsInstanceCheck(rule: Rule): boolean {
  return rule.kind === 'some' && rule.alternatives.some((a) => a.confine?.deep !== undefined);
}

/** `Type/id` of a local reference, if it is one. */
function localRef(ref: string | undefined): { type: string; id: string } | undefined {
  const m = ref ? /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})$/.exec(ref) : null;
  return m ? { type: m[1], id: m[2] } : undefined;
}

/**
 * The resources a transaction writes, by the references its other entries may use for them: an entry's
 * `fullUrl` and, for a PUT to `Type/id`, that reference. A Provenance in the same transaction may target
 * them (R4 http.html#trules: the transaction is one unit, so the resource and its Provenance are stored
 * together or not at all).
 */
export type PendingWrites = ReadonlyMap<string, Resource>;

/**
 * Whether `ref` is a resource `auth` may read: a current one, or one written earlier in the same
 * transaction (judged by the content written, which its own write check already confined). References to
 * Binary or Provenance never count; a versioned reference (`Type/id/_history/n`) counts by the resource's
 * current content.
 */
async function readable(
  services: FhirServices,
  auth: AccessContext,
  ref: string | undefined,
  pending?: PendingWrites,
): Promise<boolean> {
  const written = ref !== undefined ? pending?.get(ref) : undefined;
  if (written) {
    const type = written.resourceType;
    if (type === 'Binary' || type === 'Provenance' || !services.resourceTypes.has(type)) return false;
    return allows(services, auth, written, READ_PERMS);
  }
  const local = localRef(ref?.replace(/\/_history\/[A-Za-z0-9\-.]{1,64}$/, ''));
  if (!local || local.type === 'Binary' || local.type === 'Provenance') return false;
  if (!services.resourceTypes.has(local.type)) return false;
  const doc = await services.resources.read(local.type, local.id);
  if (!doc || doc.deleted || !doc.resource) return false;
  return allows(services, auth, doc.resource, READ_PERMS);
}

async function deepAllows(
  services: FhirServices,
  auth: AccessContext,
  a: Alternative,
  r: Resource,
  pending?: PendingWrites,
): Promise<boolean> {
  if (a.confine?.deep === 'security-context') {
    const ctx = (r as { securityContext?: { reference?: string } }).securityContext;
    return readable(services, auth, ctx?.reference);
  }
  if (a.confine?.deep === 'provenance-targets') {
    const targets = (r as { target?: Array<{ reference?: string }> }).target ?? [];
    for (const t of targets) if (!(await readable(services, auth, t.reference, pending))) return false;
    return targets.length > 0;
  }
  return true;
}

/**
 * Whether a rule allows one resource, with the checks that read other resources (reach.ts `deep`): a
 * Binary's securityContext and every target of a Provenance must be resources the token may read
 * (`pending`: what the same transaction writes, which a Provenance there may target).
 */
export async function allowsInstance(
  services: FhirServices,
  auth: AccessContext,
  rule: Rule,
  resource: Resource,
  pending?: PendingWrites,
): Promise<boolean> {
  if (rule.kind !== 'some') return rule.kind === 'all';
  const index = extractIndex(services.registry, resource, { baseUrl: services.baseUrl });
  for (const a of rule.alternatives) {
    if (!a.granular.every((g) => g.test(index.sp))) continue;
    const sync = !a.confine || a.confine.deep === 'security-context' || a.confine.test(index);
    if (sync && (await deepAllows(services, auth, a, resource, pending))) return true;
  }
  return false;
}
