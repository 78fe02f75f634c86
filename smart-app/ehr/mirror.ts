/**
 * The launch-time mirror of the EHR chart into ccm-fhir (#18 design contract, "Linking identifiers"), on the
 * shared linking module server/ccm/ehr-link/identity.ts: the EHR's Patient demographics onto the linked
 * ccm-fhir Patient, the EHR's Conditions and recent Encounters (the initiating visit) as ccm-fhir ones, each found by its linking identifier
 * (conditional update of a known one, conditional create of a new one: never a duplicate), `meta.source`
 * naming the EHR version, and one Provenance for the batch (agent: the linked Practitioner; entities: the
 * EHR versions). All in one transaction. A resource whose mirror would not change is left alone; what
 * ccm-fhir added (a clinician's attestation, the CCM profile claim) survives a refresh.
 */
import { randomUUID } from 'node:crypto';
import type { Bundle, BundleEntry, Condition, Encounter, Patient, Resource } from 'fhir/r4.js';
import {
  ehrIdentifier,
  ehrSource,
  ehrSystem,
  identifierQuery,
  linkedPatient,
  linkUrl,
  mergeMirror,
  mirrorFingerprint,
  mirrorProvenance,
  mirrorRecord,
} from '../../server/ccm/ehr-link/identity.js';

/** The EHR id a ccm-fhir resource mirrors (its linking identifier's value), if any. */
function ehrIdOf(iss: string, r: Resource & { identifier?: Array<{ system?: string; value?: string }> }) {
  return r.identifier?.find((i) => i.system === ehrSystem(iss, r.resourceType))?.value;
}

/** A refreshed mirror over the ccm-fhir resource, keeping its id and the profiles it claims. */
function refreshed<T extends Resource>(existing: T, mirror: T): T {
  const out = mergeMirror(existing, mirror);
  out.id = existing.id;
  if (existing.meta?.profile?.length) out.meta = { ...out.meta, profile: existing.meta.profile };
  return out;
}

/** True when writing `next` over `existing` would change nothing but its version. */
function unchanged(existing: Resource, next: Resource): boolean {
  const strip = (r: Resource) => ({ ...r, meta: { source: r.meta?.source } });
  return mirrorFingerprint(strip(existing)) === mirrorFingerprint(strip(next));
}

/** What the mirror needs. */
export interface MirrorInput {
  iss: string;
  ehrPatient: Patient;
  ehrConditions: Condition[];
  /** The linked ccm-fhir Patient (linked by the token exchange). */
  linked: Patient;
  /** The ccm-fhir Conditions of the linked patient (mirrored ones carry the linking identifier). */
  mirrored: Condition[];
  /**
   * The EHR's recent Encounters of the patient (the initiating visit the billing engine looks for) and their
   * ccm-fhir mirrors; their participants who are the signed-in user become the linked Practitioner.
   */
  ehrEncounters?: Encounter[];
  mirroredEncounters?: Encounter[];
  /** The signed-in user at the EHR (`Practitioner/x`), linked to `agent`. */
  ehrUser?: string;
  /** The linked Practitioner (`Practitioner/x`), the agent of the Provenance. */
  agent: string;
  now: Date;
}

/** The mirror transaction, or undefined when nothing would change. */
export function mirrorBundle(m: MirrorInput): Bundle | undefined {
  const entries: BundleEntry[] = [];
  const targets: string[] = [];
  const sources: string[] = [];
  const ehrPid = m.ehrPatient.id ?? '';
  const patient = refreshed(m.linked, { ...m.linked, ...linkedPatient(m.iss, m.ehrPatient) });
  if (!unchanged(m.linked, patient)) {
    entries.push({
      fullUrl: `urn:uuid:${randomUUID()}`,
      resource: patient,
      request: { method: 'PUT', url: linkUrl(m.iss, 'Patient', ehrPid) },
    });
    targets.push(`Patient/${m.linked.id}`);
    sources.push(ehrSource(m.iss, m.ehrPatient));
  }
  const links = new Map([[`Patient/${ehrPid}`, `Patient/${m.linked.id}`]]);
  if (m.ehrUser?.startsWith('Practitioner/')) links.set(m.ehrUser, m.agent);
  const kinds: Array<{ type: 'Condition' | 'Encounter'; ehr: Resource[]; mirrored: Resource[] }> = [
    { type: 'Condition', ehr: m.ehrConditions, mirrored: m.mirrored },
    { type: 'Encounter', ehr: m.ehrEncounters ?? [], mirrored: m.mirroredEncounters ?? [] },
  ];
  for (const kind of kinds) {
    const byEhrId = new Map(
      kind.mirrored.flatMap((c) => (ehrIdOf(m.iss, c) ? [[ehrIdOf(m.iss, c), c] as const] : [])),
    );
    for (const ehr of kind.ehr) {
      if (!ehr.id || ehr.resourceType !== kind.type) continue;
      const existing = byEhrId.get(ehr.id);
      const mirror = mirrorRecord(m.iss, ehr, links);
      const resource = existing ? refreshed(existing, mirror) : mirror;
      if (existing && unchanged(existing, resource)) continue;
      const fullUrl = `urn:uuid:${randomUUID()}`;
      const request = existing
        ? { method: 'PUT' as const, url: linkUrl(m.iss, kind.type, ehr.id) }
        : {
            method: 'POST' as const,
            url: kind.type,
            ifNoneExist: identifierQuery(ehrIdentifier(m.iss, kind.type, ehr.id)),
          };
      entries.push({ fullUrl, resource, request });
      targets.push(existing ? `${kind.type}/${existing.id}` : fullUrl);
      sources.push(ehrSource(m.iss, ehr));
    }
  }
  if (entries.length === 0) return undefined;
  // The patient is always a target: the Provenance is then in the patient's compartment, which is what a
  // patient-confined ccm-fhir token may write.
  if (!targets.includes(`Patient/${m.linked.id}`)) targets.unshift(`Patient/${m.linked.id}`);
  entries.push({
    fullUrl: `urn:uuid:${randomUUID()}`,
    resource: mirrorProvenance({
      targets,
      sources,
      agent: { reference: m.agent },
      recorded: m.now.toISOString(),
    }),
    request: { method: 'POST', url: 'Provenance' },
  });
  return { resourceType: 'Bundle', type: 'transaction', entry: entries };
}
