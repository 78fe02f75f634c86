/**
 * Validation on every write (DESIGN.md, Profiles and validation; R4 http.html#create: a resource that
 * violates its profiles is rejected with an OperationOutcome naming the element), the UNKNOWN_PROFILES
 * policy, and the conformance resources served through the normal REST API: read, search by url and
 * version (R4 conformance-module.html), loaded idempotently, plus the CCM SearchParameters in use.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import request from 'supertest';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Resource } from 'fhir/r4.js';
import { CS, EXTENSION, PROFILE, VS } from '../../../server/ccm/vocabulary.js';
import { loadConformance } from '../../../server/fhir/profiles/conformance.js';
import {
  conformanceResources,
  loadConformanceResources,
} from '../../../server/fhir/profiles/store-loader.js';
import { makeTestApp, type TestApp } from '../../helpers/test-app.js';
import { FHIR_JSON, fixture } from './helpers.js';

const FIXTURES = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  '..',
  'fixtures',
  'profiles',
);
const ALL = readdirSync(FIXTURES)
  .filter((p) => p.startsWith('ccm-'))
  .flatMap((p) =>
    readdirSync(path.join(FIXTURES, p)).map((f) => [p, f.replace(/\.json$/, '')] as [string, string]),
  );

let t: TestApp;
beforeAll(async () => {
  t = await makeTestApp({ conformance: true });
});
afterAll(async () => {
  await t.close();
});

const put = (r: Record<string, unknown>, app = t) =>
  request(app.app)
    .put(`/fhir/${r.resourceType}/${r.id}`)
    .set('content-type', FHIR_JSON)
    .send(JSON.stringify(r));
const enc = encodeURIComponent;

describe('writes are validated against meta.profile', () => {
  test.each(ALL.filter(([, n]) => n.startsWith('valid-')))('%s/%s is stored', async (profile, name) => {
    expect((await put(fixture(profile, name))).status).toBe(201);
  });

  test.each(ALL.filter(([, n]) => n.startsWith('invalid-')))(
    '%s/%s is a 400 naming elements',
    async (profile, name) => {
      const r = fixture(profile, name);
      const res = await put(r);
      expect(res.status).toBe(400);
      expect(res.body.resourceType).toBe('OperationOutcome');
      expect(res.body.issue.length).toBeGreaterThan(0);
      for (const i of res.body.issue) expect(i.expression[0].startsWith(String(r.resourceType))).toBe(true);
      expect((await request(t.app).get(`/fhir/${r.resourceType}/${r.id}`)).status).toBe(404);
    },
  );

  test('a JSON Patch that breaks the profile is rejected', async () => {
    const res = await request(t.app)
      .patch('/fhir/Consent/consent-valid-verbal-accepted')
      .set('content-type', 'application/json-patch+json')
      .send(JSON.stringify([{ op: 'replace', path: '/status', value: 'draft' }]));
    expect(res.status).toBe(400);
    expect(res.body.issue.map((i: { expression: string[] }) => i.expression[0])).toEqual(['Consent.status']);
  });

  test('an unknown profile is accepted with a warning by default, still checked against the known ones', async () => {
    const unknown = 'http://example.org/fhir/StructureDefinition/x';
    const r = {
      ...fixture('ccm-task', 'valid-cancelled'),
      id: 'unknown-profile',
      meta: { profile: [unknown, PROFILE.task] },
    };
    const res = await put(r).set('prefer', 'return=OperationOutcome');
    expect(res.status).toBe(201);
    expect(res.body.issue).toEqual([
      expect.objectContaining({ severity: 'information' }),
      expect.objectContaining({
        severity: 'warning',
        code: 'not-supported',
        expression: ['Task.meta.profile[0]'],
        diagnostics: `Profile ${unknown} is not known to this server`,
      }),
    ]);
    // the known profile it also claims still applies: breaking it is a 400
    const { owner: _o, ...noOwner } = r as Record<string, unknown>;
    const bad = await put({ ...noOwner, id: 'unknown-profile-2' });
    expect(bad.status).toBe(400);
    expect(bad.body.issue).toContainEqual(
      expect.objectContaining({ severity: 'error', expression: ['Task.owner'] }),
    );
    // out of the way of the search tests below, which count the fixtures' Tasks
    expect((await request(t.app).delete('/fhir/Task/unknown-profile')).status).toBe(204);
  });

  test('UNKNOWN_PROFILES=reject refuses it (400 naming meta.profile)', async () => {
    const strict = await makeTestApp({ unknownProfiles: 'reject' });
    try {
      const r = {
        ...fixture('ccm-task', 'valid-cancelled'),
        id: 'unknown-profile',
        meta: { profile: ['http://example.org/fhir/StructureDefinition/x'] },
      };
      const res = await put(r, strict);
      expect(res.status).toBe(400);
      expect(res.body.issue).toEqual([
        expect.objectContaining({ code: 'not-supported', expression: ['Task.meta.profile[0]'] }),
      ]);
      expect((await request(strict.app).get('/fhir/Task/unknown-profile')).status).toBe(404);
    } finally {
      await strict.close();
    }
  });
});

describe('conformance resources', () => {
  test.each([
    ['StructureDefinition', PROFILE.consent],
    ['StructureDefinition', EXTENSION.chronicAttestation],
    ['StructureDefinition', 'http://hl7.org/fhir/us/core/StructureDefinition/us-core-careplan'],
    ['ValueSet', VS.activity],
    ['CodeSystem', CS.program],
    ['SearchParameter', 'http://ccm-fhir.org/fhir/SearchParameter/encounter-service-type'],
    ['OperationDefinition', 'http://ccm-fhir.org/fhir/OperationDefinition/Resource-validate'],
    ['ImplementationGuide', 'http://ccm-fhir.org/fhir/ImplementationGuide/org.ccm-fhir.ccm'],
    ['CapabilityStatement', 'http://ccm-fhir.org/fhir/CapabilityStatement/ccm-server'],
  ])('%s %s is found by url (and version)', async (type, url) => {
    const res = await request(t.app).get(`/fhir/${type}?url=${enc(url)}`);
    expect(res.status).toBe(200);
    expect(res.body.total).toBe(1);
    const found = res.body.entry[0].resource as Resource & { url: string; version?: string };
    expect(found.url).toBe(url);
    const versioned = await request(t.app).get(
      `/fhir/${type}?url=${enc(url)}&version=${enc(found.version ?? '')}`,
    );
    expect(versioned.body.total).toBe(1);
    expect((await request(t.app).get(`/fhir/${type}?url=${enc(url)}&version=0.0.0-none`)).body.total).toBe(0);
    expect((await request(t.app).get(`/fhir/${type}/${found.id}`)).body.url).toBe(url);
  });

  test('loading again writes nothing and adds no version', async () => {
    expect((await loadConformanceResources(t.services)).written).toBe(0);
    const hist = await request(t.app).get('/fhir/StructureDefinition/ccm-consent/_history');
    expect(hist.body.total).toBe(1);
  });

  test('each is valid R4 (and so are our OperationDefinitions)', () => {
    const all = conformanceResources(t.services, loadConformance());
    expect(all.filter((r) => r.resourceType === 'OperationDefinition').map((r) => r.id)).toEqual(
      expect.arrayContaining([
        'Resource-validate',
        'ValueSet-expand',
        'ValueSet-validate-code',
        'CodeSystem-lookup',
      ]),
    );
    for (const r of all) {
      const errors = t.services.validate(r, r.resourceType).filter((i) => i.severity === 'error');
      expect([r.resourceType, r.id, errors]).toEqual([r.resourceType, r.id, []]);
    }
  });

  test('the CapabilityStatement lists the operations with their definitions', async () => {
    const cs = await request(t.app).get('/fhir/metadata');
    const vsOps = cs.body.rest[0].resource.find((r: { type: string }) => r.type === 'ValueSet').operation;
    expect(vsOps).toEqual(
      expect.arrayContaining([
        { name: 'expand', definition: 'http://ccm-fhir.org/fhir/OperationDefinition/ValueSet-expand' },
        {
          name: 'validate-code',
          definition: 'http://ccm-fhir.org/fhir/OperationDefinition/ValueSet-validate-code',
        },
        { name: 'validate', definition: 'http://ccm-fhir.org/fhir/OperationDefinition/Resource-validate' },
      ]),
    );
  });
});

describe('CCM search parameters', () => {
  const ids = async (q: string) =>
    ((await request(t.app).get(`/fhir/${q}`)).body.entry ?? [])
      .map((e: { resource: { id: string } }) => e.resource.id)
      .sort();

  test.each([
    ['Encounter?service-type=tcm', ['time-entry-valid-excluded-tcm']],
    [
      `Encounter?service-type=${enc(CS.program)}|ccm&_count=50`,
      [
        'time-entry-valid-fall-back-day',
        'time-entry-valid-practitioner-with-mdm',
        'time-entry-valid-seconds-precision',
        'time-entry-valid-shorter-stated-length',
        'time-entry-valid-staff-phone-call',
      ],
    ],
    ['Encounter?ccm-time-exclusion=counted-tcm', ['time-entry-valid-excluded-tcm']],
    [
      'Condition?ccm-attested-on=ge2026-11-01',
      ['condition-valid-attested-diabetes', 'condition-valid-not-chronic-resolved'],
    ],
    [
      'Condition?ccm-attested-by=Practitioner/demo-pr-1',
      ['condition-valid-attested-diabetes', 'condition-valid-not-chronic-resolved'],
    ],
    ['Consent?ccm-method=written', ['consent-valid-written-by-representative']],
    [
      'CarePlan?ccm-next-review=2027-02-01',
      [
        'careplan-valid-active',
        'careplan-valid-apcm-no-condition',
        'careplan-valid-draft',
        'careplan-valid-pcm-one-condition',
        'careplan-valid-revised-with-team',
      ],
    ],
    [
      'Task?ccm-due=le2026-11-19',
      ['task-valid-cancelled', 'task-valid-completed', 'task-valid-outreach-requested'],
    ],
    [
      'Consent?actor=Practitioner/demo-pr-1&status=active',
      ['consent-valid-verbal-accepted', 'consent-valid-written-by-representative'],
    ],
  ])('%s', async (q, expected) => {
    expect(await ids(q)).toEqual(expected);
  });
});
