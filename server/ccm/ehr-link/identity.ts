/**
 * Linking an EHR's records to ccm-fhir (#18; contract in the project notes "ehr-design"): pure builders, no
 * I/O, shared by the token exchange, the clinician app and `npm run sync`.
 *
 * - An EHR record `{iss}/{Type}/{id}` is linked to the one ccm-fhir resource carrying the identifier
 *   `{system: "{iss}/{Type}", value: id}` (FHIR R4 datatypes.html#Identifier), found and refreshed by a
 *   conditional update on that identifier (http.html#cond-update), so it is never duplicated.
 * - A mirrored record carries `meta.source` = the EHR's absolute URL with `_history` (resource.html#Meta) and
 *   a Provenance per mirror batch whose `entity` names the same versioned URLs (provenance.html).
 * - References inside a mirrored record are rewritten to the linked ccm-fhir ids when known, else to a
 *   logical reference by the same identifier (references.html#logical), never left pointing at the EHR.
 */
import type {
  Extension,
  Identifier,
  Meta,
  Patient,
  Practitioner,
  Provenance,
  Reference,
  Resource,
} from 'fhir/r4.js';

/** RFC 8693 §2.1 grant type of the token exchange. */
export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
/** RFC 8693 §3 token type of an OpenID Connect id_token. */
export const ID_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:id_token';
/** RFC 8693 §3 token type of an OAuth 2.0 access token. */
export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';

/** The HL7 v2 identifier type system (table 0203) whose `MR` code marks a medical record number. */
export const V2_0203 = 'http://terminology.hl7.org/CodeSystem/v2-0203';

/** A resource type and id named by a reference. */
export interface RecordRef {
  type: string;
  id: string;
  versionId?: string;
}

const TYPE = /^[A-Z][A-Za-z]{1,63}$/;
const ID = /^[A-Za-z0-9\-.]{1,64}$/;

/** An issuer URL without trailing slashes (the form used in every linking identifier). */
export function normaliseIss(iss: string): string {
  return iss.replace(/\/+$/, '');
}

/** The identifier system of an EHR's records of one type: `{iss}/{Type}`. */
export function ehrSystem(iss: string, type: string): string {
  return `${normaliseIss(iss)}/${type}`;
}

/** The linking identifier of the EHR record `{iss}/{type}/{id}`. */
export function ehrIdentifier(iss: string, type: string, id: string): Identifier {
  return { system: ehrSystem(iss, type), value: id };
}

/** The absolute URL of an EHR record, with `/_history/{versionId}` when the version is known. */
export function ehrRecordUrl(iss: string, type: string, id: string, versionId?: string): string {
  const base = `${normaliseIss(iss)}/${type}/${id}`;
  return versionId ? `${base}/_history/${versionId}` : base;
}

/** The `meta.source` of a mirror of `resource` read from the EHR at `iss`. */
export function ehrSource(iss: string, resource: Resource): string {
  return ehrRecordUrl(iss, resource.resourceType, resource.id ?? '', resource.meta?.versionId);
}

/** Escapes a token search value part (search.html#escaping: `\`, `|`, `,`, `$`). */
export function escapeSearchValue(value: string): string {
  return value.replace(/[\\|,$]/g, (c) => `\\${c}`);
}

/** The token `system|value` of an identifier search, escaped but not percent-encoded (search.html#token). */
export function identifierToken(identifier: Identifier): string {
  return `${escapeSearchValue(identifier.system ?? '')}|${escapeSearchValue(identifier.value ?? '')}`;
}

/** The query `identifier=system|value`, escaped and percent-encoded (search.html#token). */
export function identifierQuery(identifier: Identifier): string {
  return `identifier=${encodeURIComponent(identifierToken(identifier))}`;
}

/** The conditional URL `Type?identifier=system|value` (http.html#cond-update, bundle request.url). */
export function conditionalUrl(type: string, identifier: Identifier): string {
  return `${type}?${identifierQuery(identifier)}`;
}

/** The conditional URL that finds the ccm-fhir link of the EHR record `{iss}/{type}/{id}`. */
export function linkUrl(iss: string, type: string, id: string): string {
  return conditionalUrl(type, ehrIdentifier(iss, type, id));
}

/**
 * The record named by a reference into the EHR: relative (`Practitioner/x`) or absolute under `iss`
 * (`{iss}/Practitioner/x`, optionally `/_history/v`). Null for anything else (another server, a contained
 * `#x`, a `urn:`, a malformed type or id): the caller never follows such a reference.
 */
export function parseEhrReference(iss: string, reference: string): RecordRef | null {
  const base = `${normaliseIss(iss)}/`;
  let rest: string;
  if (reference.startsWith(base)) rest = reference.slice(base.length);
  else if (/^[A-Z][A-Za-z]+\//.test(reference)) rest = reference;
  else return null;
  const parts = rest.split('/');
  const [type, id] = parts;
  if (!type || !id || !TYPE.test(type) || !ID.test(id)) return null;
  if (parts.length === 2) return { type, id };
  if (parts.length === 4 && parts[2] === '_history' && ID.test(parts[3] ?? ''))
    return { type, id, versionId: parts[3] };
  return null;
}

/** The EHR user named by an id_token's `fhirUser` claim (SMART App Launch 2.2 scopes-and-launch-context). */
export function parseFhirUser(iss: string, fhirUser: string): RecordRef | null {
  const ref = parseEhrReference(iss, fhirUser);
  const users = ['Practitioner', 'PractitionerRole', 'Patient', 'RelatedPerson', 'Person'];
  return ref && users.includes(ref.type) ? { type: ref.type, id: ref.id } : null;
}

/** True when an identifier is typed as a medical record number (v2-0203 `MR`). */
export function isMrn(identifier: Identifier): boolean {
  return (identifier.type?.coding ?? []).some((c) => c.system === V2_0203 && c.code === 'MR');
}

/** The identifiers of a linked Patient: the link first, then the EHR's MR-typed identifiers with a value. */
export function linkedPatientIdentifiers(
  iss: string,
  ehrPatientId: string,
  ehrPatient?: Patient,
): Identifier[] {
  const link = ehrIdentifier(iss, 'Patient', ehrPatientId);
  const mrns = (ehrPatient?.identifier ?? [])
    .filter((i) => isMrn(i) && typeof i.value === 'string' && i.value !== '' && i.system !== link.system)
    .map((i): Identifier => {
      const copy: Identifier = { value: i.value };
      if (i.use) copy.use = i.use;
      if (i.type) copy.type = i.type;
      if (i.system) copy.system = i.system;
      return copy;
    });
  return [link, ...mrns];
}

/** The meta of a mirror: `source` only (never the EHR's versionId, profiles or tags). */
function mirrorMeta(iss: string, resource: Resource): Meta {
  return { source: ehrSource(iss, resource) };
}

/**
 * The ccm-fhir Patient linked to an EHR Patient: linking identifiers plus demographics the CCM engine and the
 * worklist show (name, telecom, gender, birth date, deceased, address, active). No id: the caller writes it
 * by conditional update on `linkUrl(iss, 'Patient', id)`.
 */
export function linkedPatient(iss: string, ehrPatient: Patient): Patient {
  const id = ehrPatient.id ?? '';
  const out: Patient = {
    resourceType: 'Patient',
    meta: mirrorMeta(iss, ehrPatient),
    identifier: linkedPatientIdentifiers(iss, id, ehrPatient),
  };
  if (ehrPatient.active !== undefined) out.active = ehrPatient.active;
  if (ehrPatient.name) out.name = ehrPatient.name;
  if (ehrPatient.telecom) out.telecom = ehrPatient.telecom;
  if (ehrPatient.gender) out.gender = ehrPatient.gender;
  if (ehrPatient.birthDate) out.birthDate = ehrPatient.birthDate;
  if (ehrPatient.deceasedBoolean !== undefined) out.deceasedBoolean = ehrPatient.deceasedBoolean;
  if (ehrPatient.deceasedDateTime) out.deceasedDateTime = ehrPatient.deceasedDateTime;
  if (ehrPatient.address) out.address = ehrPatient.address;
  return out;
}

/**
 * The ccm-fhir Practitioner linked to the EHR user `{iss}/{type}/{id}` (the id_token's `fhirUser`), with the
 * name read from the EHR when given. A PractitionerRole or other user type is linked under its own system.
 */
export function linkedPractitioner(iss: string, user: RecordRef, ehrUser?: Resource): Practitioner {
  const out: Practitioner = {
    resourceType: 'Practitioner',
    identifier: [ehrIdentifier(iss, user.type, user.id)],
    meta: { source: ehrRecordUrl(iss, user.type, user.id, ehrUser?.meta?.versionId) },
  };
  const named = ehrUser as { name?: Practitioner['name'] } | undefined;
  if (Array.isArray(named?.name) && named.name.length > 0) out.name = named.name;
  const npi = (ehrUser as Practitioner | undefined)?.identifier?.filter(
    (i) => i.system === 'http://hl7.org/fhir/sid/us-npi' && typeof i.value === 'string',
  );
  if (npi && npi.length > 0) out.identifier = [...(out.identifier ?? []), ...npi];
  return out;
}

/** Where a mirror's references point: `Type/ehrId` -> `Type/ccmId` (or a `urn:uuid:` inside a transaction). */
export type LinkMap = ReadonlyMap<string, string>;

/** Rewrites one reference of a mirrored record (see the module comment). */
export function rewriteReference(iss: string, ref: Reference, links: LinkMap): Reference {
  if (typeof ref.reference !== 'string') return ref;
  const target = parseEhrReference(iss, ref.reference);
  if (!target) return ref;
  const linked = links.get(`${target.type}/${target.id}`);
  if (linked) return { ...ref, reference: linked };
  const { reference: _dropped, ...rest } = ref;
  void _dropped;
  return { ...rest, type: ref.type ?? target.type, identifier: ehrIdentifier(iss, target.type, target.id) };
}

/** Deep copy of a JSON value with every Reference (an object with a string `reference`) rewritten. */
function rewriteAll(iss: string, value: unknown, links: LinkMap): unknown {
  if (Array.isArray(value)) return value.map((v) => rewriteAll(iss, v, links));
  if (value === null || typeof value !== 'object') return value;
  const obj = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) out[k] = rewriteAll(iss, v, links);
  return typeof obj.reference === 'string' ? rewriteReference(iss, out as Reference, links) : out;
}

/**
 * The ccm-fhir mirror of a clinical record read from the EHR (Condition, MedicationRequest, Encounter, ...):
 * no id, `meta.source` set, the linking identifier first (then the EHR's own identifiers), every reference
 * rewritten through `links` (which must hold the subject's `Patient/{ehrId}`). Contained resources keep
 * their local `#id` references; the narrative is dropped (the structured data is what is mirrored).
 */
export function mirrorRecord<T extends Resource>(iss: string, record: T, links: LinkMap): T {
  const { id, meta: _meta, text: _text, ...body } = record as T & { text?: unknown };
  void _meta;
  void _text;
  const copy = rewriteAll(iss, body, links) as T & { identifier?: Identifier[] };
  const link = ehrIdentifier(iss, record.resourceType, id ?? '');
  const own = (copy.identifier ?? []).filter((i) => i.system !== link.system);
  copy.identifier = [link, ...own];
  copy.meta = mirrorMeta(iss, record);
  return copy;
}

/** The agent of a sync's Provenance: the EHR itself, as a logical Device reference by its issuer URL. */
export function ehrAgent(iss: string, name: string): Reference {
  return {
    type: 'Device',
    identifier: { system: 'urn:ietf:rfc:3986', value: normaliseIss(iss) },
    display: `EHR ${name}`,
  };
}

/** What one mirror batch records (provenance.html): targets in ccm-fhir, source versions at the EHR. */
export interface MirrorProvenanceInput {
  /** References to the written ccm-fhir resources (`Type/id`, or `urn:uuid:` entries of the same transaction). */
  targets: string[];
  /** The EHR records copied, absolute with `_history` when known (the targets' `meta.source`). */
  sources: string[];
  /** The linked Practitioner (launch) or `ehrAgent(...)` (sync). */
  agent: Reference;
  /** The instant the mirror was made (ISO 8601). */
  recorded: string;
  /**
   * The linked Patient (`Patient/{id}`), added as a target: R4 puts a Provenance in the Patient compartment
   * only through a Patient target, so a patient-confined token may write it (fhir/access/reach.ts).
   */
  patient?: string;
}

/** The Provenance of one mirror batch: entity role `source` per EHR record, the agent as `assembler`. */
export function mirrorProvenance(input: MirrorProvenanceInput): Provenance {
  return {
    resourceType: 'Provenance',
    target: [
      ...input.targets,
      ...(input.patient && !input.targets.includes(input.patient) ? [input.patient] : []),
    ].map((reference) => ({ reference })),
    recorded: input.recorded,
    activity: {
      coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-DataOperation', code: 'UPDATE' }],
    },
    agent: [
      {
        type: {
          coding: [
            {
              system: 'http://terminology.hl7.org/CodeSystem/provenance-participant-type',
              code: 'assembler',
            },
          ],
        },
        who: input.agent,
      },
    ],
    entity: input.sources.map((reference) => ({ role: 'source', what: { reference } })),
  };
}

/**
 * A refreshed mirror merged over the ccm-fhir resource it links to: the mirror's elements win; elements only
 * ccm-fhir has are kept (e.g. a clinician's attestation on a Condition), and so are identifiers of other
 * systems (another EHR's link) and extensions with other URLs. No id and no meta but the mirror's.
 */
export function mergeMirror<T extends Resource>(existing: Resource, mirror: T): T {
  const { id: _id, meta: _meta, ...kept } = existing as Resource & Record<string, unknown>;
  void _id;
  void _meta;
  const out = { ...kept, ...mirror } as T & { identifier?: Identifier[]; extension?: Extension[] };
  const old = existing as { identifier?: Identifier[]; extension?: Extension[] };
  const m = mirror as { identifier?: Identifier[]; extension?: Extension[] };
  const systems = new Set((m.identifier ?? []).map((i) => i.system));
  const ids = [...(m.identifier ?? []), ...(old.identifier ?? []).filter((i) => !systems.has(i.system))];
  if (ids.length > 0) out.identifier = ids;
  const urls = new Set((m.extension ?? []).map((e) => e.url));
  const exts = [...(m.extension ?? []), ...(old.extension ?? []).filter((e) => !urls.has(e.url))];
  if (exts.length > 0) out.extension = exts;
  return out;
}

/** JSON of a resource without `id` and `meta` with keys sorted: equal for a mirror that did not change. */
export function mirrorFingerprint(resource: Resource): string {
  const { id: _id, meta, ...body } = resource;
  void _id;
  const sorted = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sorted);
    if (v === null || typeof v !== 'object') return v;
    const o = v as Record<string, unknown>;
    return Object.fromEntries(
      Object.keys(o)
        .sort()
        .map((k) => [k, sorted(o[k])]),
    );
  };
  return JSON.stringify(sorted({ ...body, source: meta?.source }));
}
