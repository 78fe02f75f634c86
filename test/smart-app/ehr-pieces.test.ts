/**
 * The pure pieces of the app's two-server mode (#18): the chart mirror transaction, the month note and
 * the scope check of the write-back, and the failure page that keeps a form's input.
 */
import { describe, expect, test } from '@jest/globals';
import type { Request } from 'express';
import type { Condition, Encounter, Patient, Provenance } from 'fhir/r4.js';
import { FhirWriteError } from '../../smart-app/context.js';
import { mirrorBundle } from '../../smart-app/ehr/mirror.js';
import {
  minutesByPersonAndActivity,
  noteDocument,
  noteText,
  scopeGrantsCreate,
} from '../../smart-app/ehr/note.js';
import { FhirReadError } from '../../smart-app/fhir-api.js';
import { fhirFailurePage, withKeptInput } from '../../smart-app/failures.js';
import { EXTENSION } from '../../server/ccm/vocabulary.js';

const ISS = 'https://ehr.example.org/fhir';
const NOW = new Date('2026-11-20T15:00:00Z');

const ehrPatient: Patient = {
  resourceType: 'Patient',
  id: 'p9',
  meta: { versionId: '4' },
  name: [{ family: 'Alvarez', given: ['Maria'] }],
  birthDate: '1950-03-14',
  identifier: [
    {
      type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MR' }] },
      system: 'urn:mrn',
      value: 'MRN-1',
    },
  ],
};
const ehrCondition = (id: string, version = '1'): Condition => ({
  resourceType: 'Condition',
  id,
  meta: { versionId: version },
  code: { text: `Condition ${id}` },
  subject: { reference: 'Patient/p9' },
  encounter: { reference: 'Encounter/e1' },
});
const linked: Patient = {
  resourceType: 'Patient',
  id: 'ccm-1',
  meta: { versionId: '1', source: `${ISS}/Patient/p9/_history/4` },
  identifier: [{ system: `${ISS}/Patient`, value: 'p9' }],
};

describe('the chart mirror', () => {
  test('creates new conditions by conditional create, linked, sourced, with one Provenance naming the user and the patient', () => {
    const bundle = mirrorBundle({
      iss: ISS,
      ehrPatient,
      ehrConditions: [ehrCondition('c1'), ehrCondition('c2')],
      linked,
      mirrored: [],
      agent: 'Practitioner/pr-7',
      now: NOW,
    });
    const entries = bundle?.entry ?? [];
    const conditions = entries.filter((e) => e.resource?.resourceType === 'Condition');
    expect(conditions.map((e) => e.request?.ifNoneExist)).toEqual([
      `identifier=${encodeURIComponent(`${ISS}/Condition|c1`)}`,
      `identifier=${encodeURIComponent(`${ISS}/Condition|c2`)}`,
    ]);
    const c1 = conditions[0].resource as Condition;
    expect(c1.subject?.reference).toBe('Patient/ccm-1');
    expect(c1.meta?.source).toBe(`${ISS}/Condition/c1/_history/1`);
    expect(c1.encounter).toEqual({
      type: 'Encounter',
      identifier: { system: `${ISS}/Encounter`, value: 'e1' },
    });
    const prov = entries.find((e) => e.resource?.resourceType === 'Provenance')?.resource as Provenance;
    expect(prov.agent[0].who?.reference).toBe('Practitioner/pr-7');
    expect(prov.target.map((t) => t.reference)).toEqual([
      'Patient/ccm-1',
      ...conditions.map((e) => e.fullUrl),
    ]);
    // The linked Patient had no demographics yet: they are copied too.
    expect(entries[0].request?.url).toBe(`Patient?identifier=${encodeURIComponent(`${ISS}/Patient|p9`)}`);
    expect((entries[0].resource as Patient).name?.[0].family).toBe('Alvarez');
    expect(prov.entity?.map((e) => e.what.reference)).toEqual([
      `${ISS}/Patient/p9/_history/4`,
      `${ISS}/Condition/c1/_history/1`,
      `${ISS}/Condition/c2/_history/1`,
    ]);
  });

  test("mirrors the EHR's recent encounters, the signed-in user's participation made the linked Practitioner's", () => {
    const visit: Encounter = {
      resourceType: 'Encounter',
      id: 'e1',
      meta: { versionId: '3' },
      status: 'finished',
      class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' },
      type: [{ coding: [{ system: 'http://www.ama-assn.org/go/cpt', code: '99214' }] }],
      subject: { reference: 'Patient/p9' },
      participant: [
        { individual: { reference: 'Practitioner/ehr-doc' } },
        { individual: { reference: 'Practitioner/someone-else' } },
      ],
      period: { start: '2026-10-02T15:00:00Z', end: '2026-10-02T15:30:00Z' },
    };
    const input = {
      iss: ISS,
      ehrPatient,
      ehrConditions: [],
      linked: { ...linked, name: ehrPatient.name, birthDate: ehrPatient.birthDate },
      mirrored: [],
      ehrEncounters: [visit],
      ehrUser: 'Practitioner/ehr-doc',
      agent: 'Practitioner/pr-7',
      now: NOW,
    };
    const bundle = mirrorBundle(input);
    const entry = bundle?.entry?.find((e) => e.resource?.resourceType === 'Encounter');
    expect(entry?.request?.ifNoneExist).toBe(`identifier=${encodeURIComponent(`${ISS}/Encounter|e1`)}`);
    const mirrored = entry?.resource as Encounter;
    expect(mirrored.subject?.reference).toBe('Patient/ccm-1');
    expect(mirrored.participant?.map((p) => p.individual)).toEqual([
      { reference: 'Practitioner/pr-7' },
      { type: 'Practitioner', identifier: { system: `${ISS}/Practitioner`, value: 'someone-else' } },
    ]);
    expect(mirrored.meta?.source).toBe(`${ISS}/Encounter/e1/_history/3`);
    const prov = bundle?.entry?.find((e) => e.resource?.resourceType === 'Provenance')
      ?.resource as Provenance;
    expect(prov.target.map((t) => t.reference)).toContain(entry?.fullUrl);
    // Mirrored already and unchanged at the EHR: nothing to write.
    const stored = { ...mirrored, id: 'k-e1', meta: { versionId: '1', source: mirrored.meta?.source } };
    expect(
      mirrorBundle({
        ...input,
        linked: { ...input.linked, ...(bundle?.entry?.[0]?.resource as Patient) },
        mirroredEncounters: [stored],
      })?.entry?.filter((e) => e.resource?.resourceType === 'Encounter'),
    ).toBeFalsy();
  });

  test('leaves mirrored versions alone, and a new EHR version keeps the attestation and the CCM profile', () => {
    const attestation = {
      url: EXTENSION.chronicAttestation,
      extension: [{ url: 'expectedDuration', valueBoolean: true }],
    };
    const first = mirrorBundle({
      iss: ISS,
      ehrPatient,
      ehrConditions: [ehrCondition('c1')],
      linked,
      mirrored: [],
      agent: 'Practitioner/pr-7',
      now: NOW,
    });
    const find = (type: string) => first?.entry?.find((e) => e.resource?.resourceType === type)?.resource;
    const upToDate = {
      ...(find('Patient') as Patient),
      meta: { versionId: '2', source: `${ISS}/Patient/p9/_history/4` },
    };
    const stored = {
      ...(find('Condition') as Condition),
      id: 'k1',
      meta: { versionId: '2', source: `${ISS}/Condition/c1/_history/1`, profile: ['http://ccm-fhir.org/x'] },
      extension: [attestation],
    };
    const same = {
      iss: ISS,
      ehrPatient,
      linked: upToDate,
      mirrored: [stored],
      agent: 'Practitioner/pr-7',
      now: NOW,
    };
    expect(mirrorBundle({ ...same, ehrConditions: [ehrCondition('c1')] })).toBeUndefined();
    const next = mirrorBundle({ ...same, ehrConditions: [ehrCondition('c1', '2')] });
    expect(next?.entry?.map((e) => e.resource?.resourceType)).toEqual(['Condition', 'Provenance']);
    const entry = next?.entry?.[0];
    expect(entry?.request).toEqual({
      method: 'PUT',
      url: `Condition?identifier=${encodeURIComponent(`${ISS}/Condition|c1`)}`,
    });
    const c = entry?.resource as Condition;
    expect(c.extension).toEqual([attestation]);
    expect(c.meta?.profile).toEqual(['http://ccm-fhir.org/x']);
    expect(c.meta?.source).toBe(`${ISS}/Condition/c1/_history/2`);
  });
});

describe('the month note', () => {
  test('minutes by person and activity, codes, consent and plan changes; base64 text and HTML', () => {
    const facts = {
      month: '2026-11',
      patientName: 'Maria Alvarez',
      rows: [
        { who: 'Erik', activity: 'Phone call', seconds: 600 },
        { who: 'Erik', activity: 'Phone call', seconds: 300 },
        { who: 'Dr A', activity: 'Care coordination', seconds: 1200 },
      ],
      countedSeconds: 2100,
      codes: ['99490'],
      consent: 'Accepted (verbal) on 2026-11-02.',
      planChanges: ['Care plan established on 2026-11-03.'],
      author: 'Erik',
      written: '2026-11-20 10:00',
    };
    expect(minutesByPersonAndActivity(facts.rows).map((r) => [r.who, r.seconds])).toEqual([
      ['Dr A', 1200],
      ['Erik', 900],
    ]);
    const text = noteText(facts);
    expect(text).toContain('- Erik, Phone call: 15 min');
    expect(text).toContain('Total counted toward CCM: 35 min');
    expect(text).toContain('Codes met: 99490');
    const doc = noteDocument({
      text,
      html: '<p>x</p>',
      month: '2026-11',
      subject: 'Patient/ccm-1',
      author: 'Practitioner/pr-7',
      identifier: { system: 'urn:x', value: '1' },
      period: { start: '2026-11-01T04:00:00Z', end: '2026-12-01T04:59:59Z' },
      now: NOW,
    });
    expect(doc.content.map((c) => c.attachment.contentType)).toEqual([
      'text/plain; charset=utf-8',
      'text/html; charset=utf-8',
    ]);
    expect(Buffer.from(doc.content[0].attachment.data ?? '', 'base64').toString()).toBe(text);
  });

  test('the write-back needs a scope that grants DocumentReference create', () => {
    expect(scopeGrantsCreate('patient/*.cruds', 'DocumentReference')).toBe(true);
    expect(scopeGrantsCreate('patient/DocumentReference.c', 'DocumentReference')).toBe(true);
    expect(scopeGrantsCreate('user/DocumentReference.write', 'DocumentReference')).toBe(true);
    expect(scopeGrantsCreate('patient/*.rs', 'DocumentReference')).toBe(false);
    expect(scopeGrantsCreate('patient/Observation.c', 'DocumentReference')).toBe(false);
    expect(scopeGrantsCreate('patient/DocumentReference.read', 'DocumentReference')).toBe(false);
    expect(scopeGrantsCreate(undefined, 'DocumentReference')).toBe(false);
  });
});

describe('failure pages', () => {
  test('name the server and what to do', () => {
    expect(fhirFailurePage(new FhirReadError(0, 'x', 'ehr'))?.title).toBe('The EHR could not be reached');
    expect(fhirFailurePage(new FhirReadError(401, 'x', 'ehr'))?.title).toBe('Your EHR sign-in has expired');
    expect(fhirFailurePage(new FhirReadError(403, 'no scope', 'ehr'))?.title).toBe(
      'The EHR did not grant the app this access',
    );
    const write = new FhirWriteError(0, { resourceType: 'OperationOutcome', issue: [] }, 'ccm');
    expect(fhirFailurePage(write)?.status).toBe(503);
    expect(fhirFailurePage(new Error('other'))).toBeUndefined();
  });

  test('keep the posted input, and offer "Try again" only when the failure may pass', () => {
    const req = {
      method: 'POST',
      originalUrl: '/app/p/k1/time/entries',
      body: { _csrf: 't', start: '2026-11-20T09:00', conditions: ['Condition/a', 'Condition/b'] },
    } as unknown as Request;
    const unreachable = withKeptInput(req, { status: 503, title: 't', message: 'm' });
    expect(unreachable.retry?.action).toBe('/app/p/k1/time/entries');
    expect(unreachable.retry?.fields).toEqual([
      { name: '_csrf', value: 't' },
      { name: 'start', value: '2026-11-20T09:00' },
      { name: 'conditions', value: 'Condition/a' },
      { name: 'conditions', value: 'Condition/b' },
    ]);
    expect(unreachable.kept?.map((f) => f.name)).toEqual(['start', 'conditions', 'conditions']);
    const expired = withKeptInput(req, { status: 401, title: 't', message: 'm' });
    expect(expired.retry).toBeUndefined();
    expect(expired.kept).toHaveLength(3);
    const get = withKeptInput({ ...req, method: 'GET' } as Request, {
      status: 503,
      title: 't',
      message: 'm',
    });
    expect(get).toEqual({ status: 503, title: 't', message: 'm' });
  });
});
