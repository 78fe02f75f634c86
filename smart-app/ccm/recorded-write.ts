/**
 * One CCM write with its Provenance (DESIGN.md "Audit": every write of a clinical or CCM resource carries a
 * Provenance): the resource and a Provenance naming the signed-in user (the linked Practitioner when
 * another EHR launched the app) in one transaction, so that either both are stored or neither
 * (transaction.html). Without a practitioner user the resource is written alone.
 *
 * With a patient-confined token (a launch from another EHR) ccm-fhir lets a Provenance be written only when
 * every target already exists and is readable (server/fhir/access/policy.ts, "provenance-targets"), which a
 * resource created in the same transaction is not yet: then the CCM resources are written in one
 * transaction and their Provenance right after it, its targets resolved to the stored ids.
 */
import { randomUUID } from 'node:crypto';
import type { Bundle, BundleEntry, Provenance, Resource } from 'fhir/r4.js';
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
  await transactRecorded(
    api,
    {
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
    },
    w.patient !== undefined,
  );
}

/** `Type/id` of a response location (absolute or relative, with or without `_history`). */
function stored(location: string | undefined): string | undefined {
  const m = /([A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64})(\/_history\/[^/]+)?$/.exec(location ?? '');
  return m?.[1];
}

/**
 * Posts a transaction holding CCM resources and their Provenance: as it is, or, for a patient-confined
 * token, without the Provenance entries, which are then created with their targets resolved (fullUrl or
 * versioned reference -> the stored `Type/id`). Resolves with the transaction's response.
 */
export async function transactRecorded(
  api: FhirApi,
  bundle: Bundle,
  patientConfined: boolean,
): Promise<Bundle> {
  if (!patientConfined) return api.transaction(bundle);
  const entries = bundle.entry ?? [];
  const isProvenance = (e: BundleEntry) => e.resource?.resourceType === 'Provenance';
  const rest = entries.filter((e) => !isProvenance(e));
  const response = await api.transaction({ ...bundle, entry: rest });
  const resolved = new Map<string, string>();
  rest.forEach((e, i) => {
    const ref = stored(response.entry?.[i]?.response?.location);
    if (ref && e.fullUrl) resolved.set(e.fullUrl, ref);
  });
  for (const e of entries.filter(isProvenance)) {
    const p = e.resource as Provenance;
    const target = p.target.map((t) => {
      const ref = t.reference ?? '';
      return { reference: resolved.get(ref) ?? ref.replace(/\/_history\/[^/]+$/, '') };
    });
    await api.create<Provenance>({ ...p, target });
  }
  return response;
}
