/**
 * Access rules: what a token's clinical scopes allow on one resource type for some permissions
 * (SMART App Launch 2.2 scopes-and-launch-context.html). A `patient/` scope reaches the resources in the
 * patient compartment of the patient in context (R4 compartmentdefinition-patient.html); types that can
 * never be in a patient compartment (Practitioner, Organization, Medication ...) are not confined. `user/`
 * scopes reach what the practice user can see (every practice user sees the whole practice here) and
 * `system/` scopes what the client's registration allows. A v2 query suffix narrows a scope further.
 */
import type { Filter } from 'mongodb';
import type { Resource } from 'fhir/r4.js';
import type { ResourceDoc } from '../resource-store.js';
import { extractIndex } from '../search/extract.js';
import type { FhirServices } from '../services.js';
import type { AccessContext } from './context.js';
import { compileGranular, type Granular } from './granular.js';
import type { Permission } from './scopes.js';

/** One way of being allowed: all its constraints hold (ANDed). */
export interface Alternative {
  patient?: string;
  granular: Granular[];
}

/** Everything of the type, some of it (any alternative), or nothing. */
export type Rule = { kind: 'all' } | { kind: 'some'; alternatives: Alternative[] } | { kind: 'none' };

/** True when resources of `type` can belong to a patient compartment. */
export function inPatientCompartment(services: FhirServices, type: string): boolean {
  return type === 'Patient' || services.registry.patientCompartmentParams(type).length > 0;
}

/** The rule for `type` from the grants having any of `perms`. */
export function ruleFor(
  services: FhirServices,
  auth: AccessContext,
  type: string,
  perms: readonly Permission[],
): Rule {
  const alternatives: Alternative[] = [];
  for (const g of auth.grants) {
    if (g.type !== '*' && g.type !== type) continue;
    if (!perms.some((p) => g.perms.has(p))) continue;
    const alt: Alternative = { granular: [] };
    if (g.context === 'patient' && inPatientCompartment(services, type)) {
      if (!auth.patient) continue;
      alt.patient = auth.patient;
    }
    if (g.query) {
      const compiled = compileGranular(services.registry, type, g.query, services.baseUrl);
      if (!compiled) continue;
      alt.granular.push(compiled);
    }
    if (!alt.patient && alt.granular.length === 0) return { kind: 'all' };
    alternatives.push(alt);
  }
  return alternatives.length > 0 ? { kind: 'some', alternatives } : { kind: 'none' };
}

/** A filter matching nothing. */
export const NOTHING: Filter<ResourceDoc> = { _id: { $in: [] } };

/** The storage filter of a rule; undefined when it allows everything. */
export function ruleFilter(rule: Rule): Filter<ResourceDoc> | undefined {
  if (rule.kind === 'all') return undefined;
  if (rule.kind === 'none') return NOTHING;
  const ors = rule.alternatives.map((a) => {
    const parts: Filter<ResourceDoc>[] = a.granular.map((g) => g.filter);
    if (a.patient) parts.unshift({ comp: `Patient/${a.patient}` });
    return parts.length === 1 ? parts[0] : { $and: parts };
  });
  return ors.length === 1 ? ors[0] : { $or: ors };
}

/** Whether a rule allows one resource (its index is extracted in memory, as on write). */
export function ruleAllows(services: FhirServices, rule: Rule, resource: Resource): boolean {
  if (rule.kind !== 'some') return rule.kind === 'all';
  const index = extractIndex(services.registry, resource, { baseUrl: services.baseUrl });
  return rule.alternatives.some(
    (a) =>
      (!a.patient || index.comp.includes(`Patient/${a.patient}`)) &&
      a.granular.every((g) => g.test(index.sp)),
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
