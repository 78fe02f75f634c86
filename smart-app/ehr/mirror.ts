/**
 * The launch-time mirror of the EHR chart into ccm-fhir (#18 design contract, "Linking identifiers"): the
 * EHR's Patient demographics onto the linked ccm-fhir Patient and the EHR's Conditions as ccm-fhir
 * Conditions, each found by its identifier `{system: `${iss}/${type}`, value: ehrId}` (conditional update
 * of a known one, conditional create of a new one: never a duplicate), with `meta.source` naming the EHR
 * version, and one Provenance for the batch (agent: the linked Practitioner; entities: the EHR versions).
 * All in one transaction; resources whose EHR version is already mirrored are left alone, so what ccm-fhir
 * added (a clinician's attestation, the CCM profile) survives, and a new EHR version keeps it too.
 */
import { randomUUID } from 'node:crypto';
import type {
  Bundle,
  BundleEntry,
  Condition,
  Extension,
  Identifier,
  Patient,
  Provenance,
  Reference,
} from 'fhir/r4.js';
import { EXTENSION } from '../../server/ccm/vocabulary.js';

/** The identifier system of an EHR resource type (`${iss}/${type}`). */
export function linkSystem(iss: string, type: string): string {
  return `${iss}/${type}`;
}

/** The linking identifier of an EHR resource. */
export function linkIdentifier(iss: string, type: string, id: string): Identifier {
  return { system: linkSystem(iss, type), value: id };
}

/** `meta.source` of a mirrored resource: its EHR URL with the version when the EHR gave one. */
export function sourceOf(
  iss: string,
  r: { resourceType: string; id?: string; meta?: { versionId?: string } },
) {
  const url = `${iss}/${r.resourceType}/${r.id ?? ''}`;
  return r.meta?.versionId ? `${url}/_history/${r.meta.versionId}` : url;
}

/** The EHR id a ccm-fhir resource mirrors (its linking identifier's value), if any. */
function ehrIdOf(iss: string, type: string, r: { identifier?: Identifier[] }): string | undefined {
  return r.identifier?.find((i) => i.system === linkSystem(iss, type))?.value;
}

/** True when the EHR resource's version is already mirrored (a version-less source is always refreshed). */
function upToDate(
  iss: string,
  ehr: Patient | Condition,
  mirrored: { meta?: { source?: string } } | undefined,
) {
  return Boolean(ehr.meta?.versionId) && mirrored?.meta?.source === sourceOf(iss, ehr);
}

/** An EHR reference as a logical reference by identifier (the EHR's resource is not in ccm-fhir). */
function logical(iss: string, ref: Reference | undefined): Reference | undefined {
  const m = /^([A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})$/.exec(ref?.reference ?? '');
  if (!m) return ref?.display ? { display: ref.display } : undefined;
  return {
    type: m[1],
    identifier: linkIdentifier(iss, m[1], m[2]),
    ...(ref?.display ? { display: ref.display } : {}),
  };
}

/** The MR-typed identifiers of the EHR's Patient (copied to the linked Patient). */
function mrIdentifiers(p: Patient): Identifier[] {
  return (p.identifier ?? []).filter((i) => i.type?.coding?.some((c) => c.code === 'MR') && i.value);
}

/** Identifiers of `have` plus those of `add` not already there (same system and value). */
function unionIdentifiers(have: Identifier[], add: Identifier[]): Identifier[] {
  const out = [...have];
  for (const i of add) if (!out.some((o) => o.system === i.system && o.value === i.value)) out.push(i);
  return out;
}

const DEMOGRAPHICS = [
  'active',
  'name',
  'telecom',
  'gender',
  'birthDate',
  'deceasedBoolean',
  'deceasedDateTime',
  'address',
  'maritalStatus',
  'communication',
] as const;

/** The linked ccm-fhir Patient with the EHR's demographics and MRNs (its own other elements kept). */
export function mirroredPatient(iss: string, ehr: Patient, linked: Patient): Patient {
  const out: Patient = { ...linked };
  for (const k of DEMOGRAPHICS) {
    if (ehr[k] !== undefined) (out as unknown as Record<string, unknown>)[k] = ehr[k];
  }
  out.identifier = unionIdentifiers(linked.identifier ?? [], [
    linkIdentifier(iss, 'Patient', ehr.id ?? ''),
    ...mrIdentifiers(ehr),
  ]);
  const { versionId: _v, lastUpdated: _l, ...meta } = linked.meta ?? {};
  out.meta = { ...meta, source: sourceOf(iss, ehr) };
  return out;
}

/** What ccm-fhir added to a mirrored Condition and keeps over a refresh: the attestation and its profiles. */
function kept(existing: Condition | undefined): { extension: Extension[]; profile?: string[] } {
  return {
    extension: (existing?.extension ?? []).filter((e) => e.url === EXTENSION.chronicAttestation),
    ...(existing?.meta?.profile?.length ? { profile: existing.meta.profile } : {}),
  };
}

/** The ccm-fhir copy of an EHR Condition for the linked patient. */
export function mirroredCondition(
  iss: string,
  ehr: Condition,
  patientId: string,
  existing: Condition | undefined,
): Condition {
  const { id: _id, meta: _meta, encounter, recorder, asserter, evidence: _evidence, ...rest } = ehr;
  const keep = kept(existing);
  const own = (ehr.extension ?? []).filter((e) => e.url !== EXTENSION.chronicAttestation);
  const refs = {
    encounter: logical(iss, encounter),
    recorder: logical(iss, recorder),
    asserter: logical(iss, asserter),
  };
  const out: Condition = {
    ...rest,
    ...(existing?.id ? { id: existing.id } : {}),
    meta: { source: sourceOf(iss, ehr), ...(keep.profile ? { profile: keep.profile } : {}) },
    identifier: unionIdentifiers(
      (ehr.identifier ?? []).filter((i) => i.system !== linkSystem(iss, 'Condition')),
      [linkIdentifier(iss, 'Condition', ehr.id ?? '')],
    ),
    subject: { reference: `Patient/${patientId}` },
  };
  const extension = [...own, ...keep.extension];
  if (extension.length) out.extension = extension;
  else delete out.extension;
  for (const [k, v] of Object.entries(refs)) if (v) (out as unknown as Record<string, unknown>)[k] = v;
  return out;
}

/** The search of a linking identifier, for a conditional interaction (`identifier=system|value`). */
function identifierQuery(i: Identifier): string {
  return `identifier=${encodeURIComponent(`${i.system ?? ''}|${i.value ?? ''}`)}`;
}

/** The conditional URL of a linking identifier (`Type?identifier=system|value`). */
function byIdentifier(type: string, i: Identifier): string {
  return `${type}?${identifierQuery(i)}`;
}

/** What the mirror needs. */
export interface MirrorInput {
  iss: string;
  ehrPatient: Patient;
  ehrConditions: Condition[];
  /** The linked ccm-fhir Patient (created by the token exchange). */
  linked: Patient;
  /** The ccm-fhir Conditions of the linked patient (mirrored ones carry the linking identifier). */
  mirrored: Condition[];
  /** The linked Practitioner (`Practitioner/x`), the agent of the Provenance. */
  agent: string;
  now: Date;
}

/** The mirror transaction, or undefined when every EHR version is already mirrored. */
export function mirrorBundle(m: MirrorInput): Bundle | undefined {
  const entries: BundleEntry[] = [];
  const targets: Reference[] = [];
  const sources: string[] = [];
  const patientId = m.linked.id ?? '';
  const linkedMirrors = ehrIdOf(m.iss, 'Patient', m.linked) === m.ehrPatient.id;
  if (!linkedMirrors || !upToDate(m.iss, m.ehrPatient, m.linked)) {
    const p = mirroredPatient(m.iss, m.ehrPatient, m.linked);
    entries.push({
      fullUrl: `urn:uuid:${randomUUID()}`,
      resource: p,
      request: {
        method: 'PUT',
        url: byIdentifier('Patient', linkIdentifier(m.iss, 'Patient', m.ehrPatient.id ?? '')),
      },
    });
    targets.push({ reference: `Patient/${patientId}` });
    sources.push(sourceOf(m.iss, m.ehrPatient));
  }
  const byEhrId = new Map(
    m.mirrored.flatMap((c) => {
      const id = ehrIdOf(m.iss, 'Condition', c);
      return id ? [[id, c] as const] : [];
    }),
  );
  for (const ehr of m.ehrConditions) {
    if (!ehr.id) continue;
    const existing = byEhrId.get(ehr.id);
    if (upToDate(m.iss, ehr, existing)) continue;
    const resource = mirroredCondition(m.iss, ehr, patientId, existing);
    const link = linkIdentifier(m.iss, 'Condition', ehr.id);
    const fullUrl = `urn:uuid:${randomUUID()}`;
    entries.push(
      existing
        ? { fullUrl, resource, request: { method: 'PUT', url: byIdentifier('Condition', link) } }
        : {
            fullUrl,
            resource,
            request: { method: 'POST', url: 'Condition', ifNoneExist: identifierQuery(link) },
          },
    );
    targets.push({ reference: existing ? `Condition/${existing.id}` : fullUrl });
    sources.push(sourceOf(m.iss, ehr));
  }
  if (entries.length === 0) return undefined;
  entries.push({
    fullUrl: `urn:uuid:${randomUUID()}`,
    resource: mirrorProvenance(targets, sources, m.agent, m.now),
    request: { method: 'POST', url: 'Provenance' },
  });
  return { resourceType: 'Bundle', type: 'transaction', entry: entries };
}

/** The Provenance of a mirror batch: who launched (the linked Practitioner) and the EHR versions copied. */
export function mirrorProvenance(
  targets: Reference[],
  sources: string[],
  agent: string,
  now: Date,
): Provenance {
  return {
    resourceType: 'Provenance',
    target: targets,
    recorded: now.toISOString(),
    activity: {
      coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-DataOperation', code: 'UPDATE' }],
      text: 'Copied from the EHR at app launch',
    },
    agent: [
      {
        type: {
          coding: [
            { system: 'http://terminology.hl7.org/CodeSystem/provenance-participant-type', code: 'author' },
          ],
        },
        who: { reference: agent },
      },
    ],
    entity: sources.map((url) => ({ role: 'source' as const, what: { reference: url } })),
  };
}
