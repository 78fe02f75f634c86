/**
 * Shared setup of the confinement suites (README "What a token can reach"): an app with the demo practice,
 * one resource of every type class (server/fhir/access/reach.ts) owned by the attacker's patient
 * (demo-patient-1) and by another patient (demo-patient-2), and the three kinds of token the suites attack
 * with. Seeding goes to the store directly, so that what the suites find afterwards is only what the
 * interactions under test wrote.
 */
import type { Resource } from 'fhir/r4.js';
import { makeSmartTestApp, mintToken, request, type SmartTestApp } from '../helpers/smart-app.js';

export const OWN = 'demo-patient-1';
export const OTHER = 'demo-patient-2';

/** A resource class of finding 2 and the ids of its seeded resources. */
export interface ClassCase {
  name: string;
  type: string;
  /** A resource of the other patient (or, for shared and conformance types, any seeded one). */
  other: string;
  /** A resource of the attacker's own patient, when the class has owners. */
  own?: string;
  /** What a patient token may do with `other`: read it, and write it. */
  patientReads: boolean;
  patientWrites: boolean;
  /** Whether a user token (user/*.cruds) may write the type. */
  userWrites: boolean;
  /** A body for a create of this class that belongs to `patient`. */
  body(patient: string): Resource;
}

const condition = (p: string): Resource =>
  ({ resourceType: 'Condition', subject: { reference: `Patient/${p}` }, code: { text: 'x' } }) as Resource;
const task = (p: string): Resource =>
  ({
    resourceType: 'Task',
    status: 'requested',
    intent: 'order',
    for: { reference: `Patient/${p}` },
  }) as Resource;
const binary = (p: string): Resource =>
  ({
    resourceType: 'Binary',
    contentType: 'text/plain',
    data: Buffer.from(`note of ${p}`).toString('base64'),
    securityContext: { reference: `Patient/${p}` },
  }) as Resource;
const provenance = (p: string): Resource =>
  ({
    resourceType: 'Provenance',
    target: [{ reference: `Patient/${p}` }],
    recorded: '2024-01-01T00:00:00Z',
    agent: [{ who: { reference: 'Practitioner/demo-pr-1' } }],
  }) as Resource;
const practitioner = (): Resource =>
  ({ resourceType: 'Practitioner', name: [{ family: 'Seeded' }] }) as Resource;
const definition = (): Resource =>
  ({
    resourceType: 'StructureDefinition',
    url: 'http://example.org/StructureDefinition/seeded',
    name: 'Seeded',
    status: 'draft',
    kind: 'resource',
    abstract: false,
    type: 'Basic',
  }) as Resource;

/** The classes of finding 2, one representative type each. */
export const CLASSES: ClassCase[] = [
  {
    name: 'compartment',
    type: 'Condition',
    other: 'cf-cond-2',
    own: 'cf-cond-1',
    patientReads: false,
    patientWrites: false,
    userWrites: true,
    body: condition,
  },
  {
    name: 'Task',
    type: 'Task',
    other: 'cf-task-2',
    own: 'cf-task-1',
    patientReads: false,
    patientWrites: false,
    userWrites: true,
    body: task,
  },
  {
    name: 'Binary',
    type: 'Binary',
    other: 'cf-bin-2',
    own: 'cf-bin-1',
    patientReads: false,
    patientWrites: false,
    userWrites: true,
    body: binary,
  },
  {
    name: 'Provenance',
    type: 'Provenance',
    other: 'cf-prov-2',
    own: 'cf-prov-1',
    patientReads: false,
    patientWrites: false,
    userWrites: true,
    body: provenance,
  },
  {
    name: 'shared',
    type: 'Practitioner',
    other: 'cf-pr',
    patientReads: true,
    patientWrites: false,
    userWrites: true,
    body: practitioner,
  },
  {
    name: 'conformance',
    type: 'StructureDefinition',
    other: 'cf-sd',
    patientReads: true,
    patientWrites: false,
    userWrites: false,
    body: definition,
  },
];

/** A Binary with no securityContext: no patient token reaches it. */
export const LOOSE_BINARY = 'cf-bin-loose';
/** A Provenance in the own patient's compartment that also targets the other patient's Condition. */
export const MIXED_PROVENANCE = 'cf-prov-mixed';

/** The app and its tokens. */
export interface Confinement {
  t: SmartTestApp;
  /** patient/*.cruds for OWN. */
  patient: string;
  /** user/*.cruds. */
  user: string;
  /** system/*.rs. */
  system: string;
  /** openid fhirUser: no clinical scope at all. */
  none: string;
}

async function seed(t: SmartTestApp, type: string, id: string, r: Resource): Promise<void> {
  await t.services.resources.put(type, id, { ...r, id } as Resource, { method: 'PUT' });
}

/** Builds the app, seeds every class for both patients and mints the tokens. */
export async function setUp(): Promise<Confinement> {
  const t = await makeSmartTestApp();
  for (const c of CLASSES) {
    await seed(t, c.type, c.other, c.body(OTHER));
    if (c.own) await seed(t, c.type, c.own, c.body(OWN));
  }
  const { securityContext: _none, ...loose } = binary(OTHER) as Resource & { securityContext?: unknown };
  await seed(t, 'Binary', LOOSE_BINARY, loose as Resource);
  await seed(t, 'Provenance', MIXED_PROVENANCE, {
    ...provenance(OWN),
    target: [{ reference: `Patient/${OWN}` }, { reference: 'Condition/cf-cond-2' }],
  } as Resource);
  return {
    t,
    patient: await mintToken(t.smart, 'patient/*.cruds', { patient: OWN }),
    user: await mintToken(t.smart, 'user/*.cruds'),
    system: await mintToken(t.smart, 'system/*.rs', { clientId: 'demo-analyst', sub: 'demo-analyst' }),
    none: await mintToken(t.smart, 'openid fhirUser'),
  };
}

/** A request with the token; `body` is sent as FHIR JSON (or JSON Patch for PATCH). */
export function call(
  c: Confinement,
  method: string,
  path: string,
  token: string,
  body?: unknown,
  headers: Record<string, string> = {},
) {
  const m = method.toLowerCase() as 'get' | 'post' | 'put' | 'delete' | 'patch';
  let r = request(c.t.app)[m](path).set('authorization', `Bearer ${token}`);
  for (const [k, v] of Object.entries(headers)) r = r.set(k, v);
  if (body === undefined) return r;
  const type = m === 'patch' ? 'application/json-patch+json' : 'application/fhir+json';
  return r.set('content-type', type).send(JSON.stringify(body));
}

/** The stored state of `type/id` (version and deletion), to prove that nothing was written. */
export async function stateOf(c: Confinement, type: string, id: string): Promise<string> {
  const doc = await c.t.services.resources.read(type, id);
  return doc ? `v${doc.vid}${doc.deleted ? ' deleted' : ''}` : 'absent';
}

/** How many resources of `type` are stored (current versions, deleted included). */
export async function countOf(c: Confinement, type: string): Promise<number> {
  return c.t.services.resources.count(type, { kind: 'all' });
}
