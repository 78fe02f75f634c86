/**
 * Which of the requested scopes are granted (SMART App Launch 2.2 scopes-and-launch-context.html: the
 * server may grant fewer scopes than requested; RFC 6749 §3.3). A scope is granted when the client's
 * registration allows it and the server supports it: `system/` scopes only to Backend Services,
 * `patient/` and `user/` only to user launches, granular constraints only where they compile
 * (fhir/access/granular.ts). Requested v1 scopes are granted as v1 (permission-v1).
 */
import { compileGranular } from '../fhir/access/granular.js';
import { covers, parseResourceScope, resourceScopes, splitScopes } from '../fhir/access/scopes.js';
import type { FhirServices } from '../fhir/services.js';
import type { Client } from './clients.js';

/** The non-clinical scopes this server knows (launch context, identity, refresh). */
export const CONTEXT_SCOPES = [
  'launch',
  'launch/patient',
  'launch/encounter',
  'openid',
  'fhirUser',
  'profile',
  'offline_access',
  'online_access',
] as const;

/** The flow the scopes are requested in. */
export type Flow = 'user' | 'backend';

/** True when the server can enforce a clinical scope's constraint on its type. */
function supported(services: FhirServices, raw: string): boolean {
  const s = parseResourceScope(raw);
  if (!s) return false;
  if (s.type !== '*' && !services.resourceTypes.has(s.type)) return false;
  if (!s.query) return true;
  if (s.type === '*') return false;
  return compileGranular(services.registry, s.type, s.query, services.baseUrl) !== null;
}

/** The granted subset of `requested`, in request order. */
export function grantScopes(
  services: FhirServices,
  client: Client,
  requested: string[],
  flow: Flow,
): string[] {
  const allowed = resourceScopes(client.allowedScopes);
  const out: string[] = [];
  for (const raw of requested) {
    const clinical = parseResourceScope(raw);
    if (!clinical) {
      if (
        flow === 'user' &&
        (CONTEXT_SCOPES as readonly string[]).includes(raw) &&
        client.allowedScopes.includes(raw)
      ) {
        out.push(raw);
      }
      continue;
    }
    if ((clinical.context === 'system') !== (flow === 'backend')) continue;
    if (!allowed.some((a) => covers(a, clinical))) continue;
    if (supported(services, raw)) out.push(raw);
  }
  // offline_access wins over online_access: one refresh token kind per grant.
  if (out.includes('offline_access') && out.includes('online_access'))
    out.splice(out.indexOf('online_access'), 1);
  return out;
}

/** True when every scope of `wanted` is within `held` (a refresh may only narrow, RFC 6749 §6). */
export function withinScopes(held: string, wanted: string): boolean {
  const heldList = splitScopes(held);
  const heldClinical = resourceScopes(heldList);
  return splitScopes(wanted).every((w) => {
    if (heldList.includes(w)) return true;
    const c = parseResourceScope(w);
    return c !== null && heldClinical.some((h) => covers(h, c));
  });
}

/** True when any granted scope is a `patient/` scope (the launch then needs a patient, SMART 2.2). */
export function needsPatient(scopes: string[]): boolean {
  return resourceScopes(scopes).some((s) => s.context === 'patient');
}
