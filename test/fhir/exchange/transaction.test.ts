/**
 * Transaction Bundles (R4 http.html#transaction, #trules, bundle.html#references): references between
 * entries, processing order, conditional interactions and references, If-Match per entry, the response
 * Bundle, and the failures that reject the whole transaction.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import request from 'supertest';
import type {
  Binary,
  Bundle,
  BundleEntry,
  CapabilityStatement,
  Observation,
  Patient,
  Specimen,
} from 'fhir/r4.js';
import { TEST_BASE } from '../../helpers/test-app.js';
import { bundleOf, exchangeApp, postBundle, postEntry, storeTotals, type ExchangeApp } from './helpers.js';

let t: ExchangeApp;
beforeAll(async () => {
  t = await exchangeApp();
});
afterAll(async () => {
  await t.close();
});

const MRN = 'http://example.org/mrn';
const patient = (mrn: string, family = 'Tx'): Patient => ({
  resourceType: 'Patient',
  identifier: [{ system: MRN, value: mrn }],
  name: [{ family }],
});
const observation = (subject: string, extra: Partial<Observation> = {}): Observation => ({
  resourceType: 'Observation',
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
  subject: { reference: subject },
  ...extra,
});
const idOf = (location: string | undefined) =>
  /\/([^/]+)\/_history\/\d+$/.exec(location ?? '')?.[1] as string;
const read = (path: string) => request(t.app).get(`/fhir/${path}`);

describe('references between entries (http.html#trules, bundle.html#references)', () => {
  test('urn:uuid fullUrls get server ids and every reference, uri and narrative link is rewritten', async () => {
    const p = postEntry(patient('REF-1'));
    const enc = postEntry({
      resourceType: 'Encounter',
      status: 'finished',
      class: { code: 'AMB' },
      subject: { reference: p.fullUrl },
    });
    const obs = postEntry(
      observation(p.fullUrl as string, {
        encounter: { reference: enc.fullUrl },
        text: {
          status: 'generated',
          div: `<div xmlns="http://www.w3.org/1999/xhtml"><a href="${p.fullUrl}">patient</a></div>`,
        },
        focus: [{ reference: enc.fullUrl }],
      }),
    );
    const res = await postBundle(t.app, bundleOf('transaction', [obs, p, enc]));
    expect(res.body.issue).toBeUndefined();
    expect(res.status).toBe(200);
    const out = res.body as Bundle;
    expect(out.type).toBe('transaction-response');
    expect(out.entry).toHaveLength(3);
    for (const e of out.entry ?? []) {
      expect(e.response?.status).toBe('201 Created');
      expect(e.response?.etag).toBe('W/"1"');
      expect(e.response?.location).toMatch(
        new RegExp(`^${TEST_BASE}/(Observation|Patient|Encounter)/[^/]+/_history/1$`),
      );
      expect(Date.parse(e.response?.lastModified ?? '')).toBeGreaterThan(0);
    }
    const [obsId, patientId, encId] = (out.entry ?? []).map((e) => idOf(e.response?.location));
    const stored = (await read(`Observation/${obsId}`)).body as Observation;
    expect(stored.subject?.reference).toBe(`Patient/${patientId}`);
    expect(stored.encounter?.reference).toBe(`Encounter/${encId}`);
    expect(stored.focus?.[0].reference).toBe(`Encounter/${encId}`);
    expect(stored.text?.div).toContain(`href="Patient/${patientId}"`);
    expect((await read(`Encounter/${encId}`)).body.subject.reference).toBe(`Patient/${patientId}`);
  });

  test('only links are rewritten: a string equal to a fullUrl is data (an Identifier.value survives)', async () => {
    const p = postEntry(patient('REF-2'));
    const enc = postEntry({
      resourceType: 'Encounter',
      status: 'finished',
      class: { code: 'AMB' },
      subject: { reference: p.fullUrl },
      // an identifier whose value is, by chance, another entry's urn:uuid: a string, not a link
      identifier: [{ system: 'urn:ietf:rfc:3986', value: p.fullUrl }],
    });
    const obs = postEntry(
      observation(p.fullUrl as string, {
        identifier: [{ system: 'urn:ietf:rfc:3986', value: enc.fullUrl }],
        note: [{ text: p.fullUrl as string }],
        // uri-typed (extension value), Reference inside an extension, and a contained resource's reference
        extension: [
          { url: 'http://example.org/fhir/StructureDefinition/source', valueUri: enc.fullUrl },
          {
            url: 'http://example.org/fhir/StructureDefinition/about',
            valueReference: { reference: p.fullUrl },
          },
        ],
        contained: [{ resourceType: 'Specimen', id: 'spec', subject: { reference: p.fullUrl } } as Specimen],
        specimen: { reference: '#spec' },
      }),
    );
    const res = await postBundle(t.app, bundleOf('transaction', [obs, p, enc]));
    expect(res.body.issue).toBeUndefined();
    expect(res.status).toBe(200);
    const [obsId, patientId, encId] = ((res.body as Bundle).entry ?? []).map((e) =>
      idOf(e.response?.location),
    );
    const stored = (await read(`Observation/${obsId}`)).body as Observation;
    expect(stored.identifier?.[0].value).toBe(enc.fullUrl);
    expect(stored.note?.[0].text).toBe(p.fullUrl);
    expect(stored.extension?.[0].valueUri).toBe(`Encounter/${encId}`);
    expect(stored.extension?.[1].valueReference?.reference).toBe(`Patient/${patientId}`);
    expect((stored.contained?.[0] as Specimen).subject?.reference).toBe(`Patient/${patientId}`);
    expect(stored.specimen?.reference).toBe('#spec');
    const storedEnc = (await read(`Encounter/${encId}`)).body;
    expect(storedEnc.identifier[0].value).toBe(p.fullUrl);
    expect(storedEnc.subject.reference).toBe(`Patient/${patientId}`);
  });

  test('absolute fullUrls: absolute references and references relative to the entry base are rewritten', async () => {
    const other = 'http://other.example.org/fhir';
    const p: BundleEntry = {
      fullUrl: `${other}/Patient/abc`,
      resource: patient('REF-2'),
      request: { method: 'POST', url: 'Patient' },
    };
    const relative: BundleEntry = {
      fullUrl: `${other}/Observation/o1`,
      resource: observation('Patient/abc'),
      request: { method: 'POST', url: 'Observation' },
    };
    const absolute = postEntry(observation(`${other}/Patient/abc`));
    const res = await postBundle(t.app, bundleOf('transaction', [p, relative, absolute]));
    expect(res.status).toBe(200);
    const ids = (res.body as Bundle).entry?.map((e) => idOf(e.response?.location)) ?? [];
    expect((await read(`Observation/${ids[1]}`)).body.subject.reference).toBe(`Patient/${ids[0]}`);
    expect((await read(`Observation/${ids[2]}`)).body.subject.reference).toBe(`Patient/${ids[0]}`);
  });

  test('a urn:uuid reference that matches no fullUrl fails the transaction, naming the entry', async () => {
    const before = await storeTotals(t.services);
    const res = await postBundle(
      t.app,
      bundleOf('transaction', [
        postEntry(patient('REF-3')),
        postEntry(observation('urn:uuid:0b6b7f3c-3d1e-4a8e-9b1a-2c3d4e5f6a7b')),
      ]),
    );
    expect(res.status).toBe(400);
    expect(res.body.resourceType).toBe('OperationOutcome');
    expect(res.body.issue[0].diagnostics).toMatch(/^Bundle\.entry\[1\]: /);
    expect(res.body.issue[0].expression).toEqual(['Bundle.entry[1].resource.subject.reference']);
    expect(await storeTotals(t.services)).toEqual(before);
  });
});

describe('processing order: DELETE, POST, PUT/PATCH, GET (http.html#trules)', () => {
  test('entries run in that order whatever their position, and are answered in request order', async () => {
    const seeded = await request(t.app)
      .put('/fhir/Patient/ord-1')
      .set('content-type', 'application/fhir+json')
      .send(JSON.stringify({ ...patient('ORD-1'), id: 'ord-1' }));
    expect(seeded.status).toBe(201);
    const res = await postBundle(t.app, {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { request: { method: 'GET', url: 'Patient?_id=ord-1' } },
        { request: { method: 'GET', url: `Patient?identifier=${MRN}|ORD-2` } },
        { resource: { ...patient('ORD-2'), id: 'ord-2' }, request: { method: 'PUT', url: 'Patient/ord-2' } },
        {
          resource: patient('ORD-1', 'Again'),
          request: { method: 'POST', url: 'Patient', ifNoneExist: `identifier=${MRN}|ORD-1` },
        },
        { request: { method: 'DELETE', url: 'Patient/ord-1' } },
      ],
    });
    expect(res.status).toBe(200);
    const e = (res.body as Bundle).entry ?? [];
    expect(e.map((x) => x.response?.status)).toEqual([
      '200 OK',
      '200 OK',
      '201 Created',
      '201 Created',
      '204 No Content',
    ]);
    // The GETs ran last: ord-1 is already deleted, and the search sees the PUT of the same transaction.
    expect((e[0].resource as Bundle).total).toBe(0);
    // The DELETE ran first: the conditional create no longer matched ord-1 and created a new patient.
    expect(idOf(e[3].response?.location)).not.toBe('ord-1');
    expect((e[1].resource as Bundle).total).toBe(1);
  });
});

describe('conditional interactions inside a transaction (http.html#trules)', () => {
  test('a conditional create that matches answers 200 with the existing resource, and references point to it', async () => {
    const existing = await postBundle(t.app, bundleOf('transaction', [postEntry(patient('CC-1'))]));
    const existingId = idOf((existing.body as Bundle).entry?.[0].response?.location);
    const p = postEntry(patient('CC-1', 'Duplicate'));
    p.request = { method: 'POST', url: 'Patient', ifNoneExist: `identifier=${MRN}|CC-1` };
    const res = await postBundle(
      t.app,
      bundleOf('transaction', [p, postEntry(observation(p.fullUrl as string))]),
    );
    expect(res.status).toBe(200);
    const [pe, oe] = (res.body as Bundle).entry ?? [];
    expect(pe.response?.status).toBe('200 OK');
    expect(pe.response?.location).toBe(`${TEST_BASE}/Patient/${existingId}/_history/1`);
    expect((await read(`Observation/${idOf(oe.response?.location)}`)).body.subject.reference).toBe(
      `Patient/${existingId}`,
    );
    expect((await read(`Patient?identifier=${MRN}|CC-1`)).body.total).toBe(1);
  });

  test('conditional update creates (201) then updates (200); conditional delete removes the match', async () => {
    const put = (family: string): BundleEntry => ({
      resource: patient('CU-1', family),
      request: { method: 'PUT', url: `Patient?identifier=${MRN}|CU-1` },
    });
    const first = await postBundle(t.app, bundleOf('transaction', [put('One')]));
    expect((first.body as Bundle).entry?.[0].response?.status).toBe('201 Created');
    const second = await postBundle(t.app, bundleOf('transaction', [put('Two')]));
    const loc = (second.body as Bundle).entry?.[0].response;
    expect(loc?.status).toBe('200 OK');
    expect(loc?.etag).toBe('W/"2"');
    const del = await postBundle(
      t.app,
      bundleOf('transaction', [{ request: { method: 'DELETE', url: `Patient?identifier=${MRN}|CU-1` } }]),
    );
    expect((del.body as Bundle).entry?.[0].response?.status).toBe('204 No Content');
    expect((await read(`Patient?identifier=${MRN}|CU-1`)).body.total).toBe(0);
  });

  test('a conditional reference is resolved by search; none or several matches fail the transaction (412)', async () => {
    await postBundle(
      t.app,
      bundleOf('transaction', [
        postEntry(patient('CR-1')),
        postEntry(patient('CR-2')),
        postEntry(patient('CR-2')),
      ]),
    );
    const ok = await postBundle(
      t.app,
      bundleOf('transaction', [postEntry(observation(`Patient?identifier=${MRN}|CR-1`))]),
    );
    expect(ok.status).toBe(200);
    const obs = await read(`Observation/${idOf((ok.body as Bundle).entry?.[0].response?.location)}`);
    const target = (await read(`Patient?identifier=${MRN}|CR-1`)).body.entry[0].resource.id;
    expect(obs.body.subject.reference).toBe(`Patient/${target}`);
    const before = await storeTotals(t.services);
    for (const [mrn, code] of [
      ['CR-404', 'not-found'],
      ['CR-2', 'multiple-matches'],
    ]) {
      const res = await postBundle(
        t.app,
        bundleOf('transaction', [
          postEntry(patient('CR-x')),
          postEntry(observation(`Patient?identifier=${MRN}|${mrn}`)),
        ]),
      );
      expect(res.status).toBe(412);
      expect(res.body.issue[0].code).toBe(code);
      expect(res.body.issue[0].diagnostics).toMatch(/^Bundle\.entry\[1\]: Conditional reference/);
    }
    expect(await storeTotals(t.services)).toEqual(before);
  });
});

describe('versions, patch and reads inside a transaction', () => {
  test('If-Match per entry: the current version updates, a stale one fails the transaction with 412', async () => {
    await request(t.app)
      .put('/fhir/Patient/im-1')
      .set('content-type', 'application/fhir+json')
      .send(JSON.stringify({ ...patient('IM-1'), id: 'im-1' }));
    const put = (ifMatch: string, family: string): BundleEntry => ({
      resource: { ...patient('IM-1', family), id: 'im-1' },
      request: { method: 'PUT', url: 'Patient/im-1', ifMatch },
    });
    const ok = await postBundle(t.app, bundleOf('transaction', [put('W/"1"', 'Two')]));
    expect(ok.status).toBe(200);
    expect((ok.body as Bundle).entry?.[0].response?.etag).toBe('W/"2"');
    const before = await storeTotals(t.services);
    const stale = await postBundle(
      t.app,
      bundleOf('transaction', [postEntry(patient('IM-2')), put('W/"1"', 'Three')]),
    );
    expect(stale.status).toBe(412);
    expect(stale.body.issue[0].diagnostics).toMatch(/^Bundle\.entry\[1\]: If-Match version 1/);
    expect(await storeTotals(t.services)).toEqual(before);
    expect((await read('Patient/im-1')).body.name[0].family).toBe('Two');
  });

  test("PATCH entries carry a JSON Patch in a Binary; GET entries see the transaction's own writes", async () => {
    await request(t.app)
      .put('/fhir/Patient/pa-1')
      .set('content-type', 'application/fhir+json')
      .send(JSON.stringify({ ...patient('PA-1'), id: 'pa-1' }));
    const ops = [{ op: 'replace', path: '/name/0/family', value: 'Patched' }];
    const res = await postBundle(
      t.app,
      bundleOf('transaction', [
        { request: { method: 'GET', url: 'Patient/pa-1' } },
        {
          resource: {
            resourceType: 'Binary',
            contentType: 'application/json-patch+json',
            data: Buffer.from(JSON.stringify(ops)).toString('base64'),
          } as Binary,
          request: { method: 'PATCH', url: 'Patient/pa-1' },
        },
      ]),
    );
    expect(res.status).toBe(200);
    const [get, patch] = (res.body as Bundle).entry ?? [];
    expect(patch.response?.status).toBe('200 OK');
    expect(patch.response?.etag).toBe('W/"2"');
    expect(get.response?.etag).toBe('W/"2"');
    expect((get.resource as Patient).name?.[0].family).toBe('Patched');
  });

  test('Prefer: return=minimal leaves resources out; representation (default) includes them', async () => {
    const minimal = await postBundle(t.app, bundleOf('transaction', [postEntry(patient('PR-1'))]), {
      prefer: 'return=minimal',
    });
    expect((minimal.body as Bundle).entry?.[0].resource).toBeUndefined();
    const full = await postBundle(t.app, bundleOf('transaction', [postEntry(patient('PR-2'))]));
    const r = (full.body as Bundle).entry?.[0].resource as Patient;
    expect(r.meta?.versionId).toBe('1');
    expect(r.identifier?.[0].value).toBe('PR-2');
  });
});

describe('rejected transactions', () => {
  test('an invalid resource: 400 whose issues point into the entry', async () => {
    const res = await postBundle(
      t.app,
      bundleOf('transaction', [
        postEntry(patient('IV-1')),
        postEntry({ ...patient('IV-2'), gender: 'robot' } as unknown as Patient),
      ]),
    );
    expect(res.status).toBe(400);
    expect(res.body.issue[0].expression[0]).toBe('Bundle.entry[1].resource.gender');
    expect((await read(`Patient?identifier=${MRN}|IV-1`)).body.total).toBe(0);
  });

  test('two entries on one resource, a duplicated fullUrl, a bad entry URL: 400 naming the entry', async () => {
    const put = {
      resource: { ...patient('OV-1'), id: 'ov-1' },
      request: { method: 'PUT' as const, url: 'Patient/ov-1' },
    };
    const overlap = await postBundle(
      t.app,
      bundleOf('transaction', [put, { request: { method: 'DELETE', url: 'Patient/ov-1' } }]),
    );
    expect(overlap.status).toBe(400);
    expect(overlap.body.issue[0].diagnostics).toMatch(/both act on Patient\/ov-1/);
    const p = postEntry(patient('DU-1'));
    const dup = await postBundle(
      t.app,
      bundleOf('transaction', [p, { ...postEntry(patient('DU-2')), fullUrl: p.fullUrl }]),
    );
    expect(dup.status).toBe(400);
    expect(dup.body.issue[0].diagnostics).toMatch(/^Bundle\.entry\[1\]: fullUrl/);
    const badUrl = await postBundle(
      t.app,
      bundleOf('transaction', [
        { resource: patient('BU-1'), request: { method: 'POST', url: 'Patient/123' } },
      ]),
    );
    expect(badUrl.status).toBe(400);
    expect(badUrl.body.issue[0].diagnostics).toMatch(/^Bundle\.entry\[0\]: POST/);
  });

  test('a Bundle that is not a transaction or batch, or no Bundle: 400', async () => {
    expect((await postBundle(t.app, { resourceType: 'Bundle', type: 'collection', entry: [] })).status).toBe(
      400,
    );
    expect((await postBundle(t.app, patient('NB-1'))).status).toBe(400);
  });

  test('a read entry that fails fails the transaction too: 404 naming it, nothing written', async () => {
    const before = await storeTotals(t.services);
    const res = await postBundle(
      t.app,
      bundleOf('transaction', [
        postEntry(patient('RD-1')),
        { request: { method: 'GET', url: 'Patient/unknown-id' } },
      ]),
    );
    expect(res.status).toBe(404);
    expect(res.body.issue[0].diagnostics).toMatch(/^Bundle\.entry\[1\]: /);
    expect(await storeTotals(t.services)).toEqual(before);
  });

  test('GET on the base is not a transaction: 405', async () => {
    expect((await request(t.app).get('/fhir')).status).toBe(405);
  });
});

describe('size limits (413 with an OperationOutcome)', () => {
  test('more entries than BUNDLE_MAX_ENTRIES, or more bytes than BODY_LIMIT', async () => {
    const small = await exchangeApp({ bundleMaxEntries: 3, bodyLimitBytes: 4096 });
    try {
      const four = bundleOf(
        'transaction',
        [1, 2, 3, 4].map((i) => postEntry(patient(`LIM-${i}`))),
      );
      const tooMany = await postBundle(small.app, four);
      expect(tooMany.status).toBe(413);
      expect(tooMany.body.resourceType).toBe('OperationOutcome');
      expect(tooMany.body.issue[0].code).toBe('too-long');
      expect(tooMany.body.issue[0].diagnostics).toMatch(/at most 3 \(BUNDLE_MAX_ENTRIES\)/);
      const big = bundleOf('transaction', [
        postEntry({ ...patient('LIM-5'), name: [{ family: 'x'.repeat(5000) }] }),
      ]);
      const tooBig = await postBundle(small.app, big);
      expect(tooBig.status).toBe(413);
      expect(tooBig.body.resourceType).toBe('OperationOutcome');
      expect(
        (await postBundle(small.app, bundleOf('transaction', [postEntry(patient('LIM-6'))]))).status,
      ).toBe(200);
    } finally {
      await small.close();
    }
  });
});

test('the CapabilityStatement lists transaction, batch and $export (capabilitystatement.html)', async () => {
  const cs = (await request(t.app).get('/fhir/metadata')).body as CapabilityStatement;
  const rest = cs.rest?.[0];
  expect(rest?.interaction?.map((i) => i.code)).toEqual(expect.arrayContaining(['transaction', 'batch']));
  expect(rest?.operation?.map((o) => o.name)).toContain('export');
  expect(rest?.resource?.find((r) => r.type === 'Group')?.operation?.map((o) => o.name)).toContain('export');
});
