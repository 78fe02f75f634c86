/**
 * One CCM write with its Provenance (DESIGN.md "Audit": every write of a clinical or CCM resource carries a
 * Provenance): the resource and a Provenance naming the signed-in user (the linked Practitioner when
 * another EHR launched the app) in one transaction, so that either both are stored or neither
 * (transaction.html). Without a practitioner user the resource is written alone.
 *
 * With a patient-confined token (a launch from another EHR) the Provenance also names the patient among
 * its targets, and ccm-fhir accepts targets written earlier in the same transaction
 * (server/fhir/access/policy.ts, "provenance-targets").
 */
import { randomUUID } from 'node:crypto';
import type { Bundle, BundleEntry, Resource } from 'fhir/r4.js';
import type { FhirApi } from '../context.js';
import { provenanceResource } from '../care-plan/resources.js';

/** What one recorded write is. */
export interface RecordedWrite {
  resource: Resource;
  /** An update of this version (If-Match); a create without it. */
  versionId?: string;
  /** The user (`Practitioner/x`), the Provenance agent. */
  who?: string;
  now: Date;
  /** Why, in words (Provenance.reason). */
  reason: string;
  /** The patient, also a Provenance target (a patient-confined token: launched by another EHR). */
  patient?: string;
}

/** Writes the resource and its Provenance in one transaction (the resource alone without a user). */
export async function writeRecorded(api: FhirApi, w: RecordedWrite): Promise<void> {
  const update = w.resource.id !== undefined;
  if (!w.who || !/^(Practitioner|PractitionerRole)\//.test(w.who)) {
    if (update) await api.update(w.resource, w.versionId);
    else await api.create(w.resource);
    return;
  }
  const type = w.resource.resourceType;
  const fullUrl = `urn:uuid:${randomUUID()}`;
  const entry: BundleEntry = update
    ? {
        fullUrl,
        resource: w.resource,
        request: {
          method: 'PUT',
          url: `${type}/${w.resource.id}`,
          ...(w.versionId ? { ifMatch: `W/"${w.versionId}"` } : {}),
        },
      }
    : { fullUrl, resource: w.resource, request: { method: 'POST', url: type } };
  const provenance = provenanceResource({
    target: update ? `${type}/${w.resource.id}` : fullUrl,
    recorded: w.now.toISOString(),
    who: w.who,
    activity: update ? 'UPDATE' : 'CREATE',
    reason: w.reason,
    ...(w.patient ? { patient: w.patient } : {}),
  });
  await transactRecorded(api, {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [
      entry,
      {
        fullUrl: `urn:uuid:${randomUUID()}`,
        resource: provenance,
        request: { method: 'POST', url: 'Provenance' },
      },
    ],
  });
}

/**
 * Posts a transaction holding CCM resources and their Provenance: one unit, so either all are stored or
 * none. With a patient-confined token a Provenance entry names the patient among its targets and may
 * target the resources written by the transaction's other entries (server/fhir/access/bundle-checks.ts).
 */
export function transactRecorded(api: FhirApi, bundle: Bundle): Promise<Bundle> {
  return api.transaction(bundle);
}
