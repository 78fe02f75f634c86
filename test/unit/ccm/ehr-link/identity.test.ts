import { describe, expect, it } from '@jest/globals';
import type { Condition, Patient } from 'fhir/r4.js';
import {
  conditionalUrl,
  ehrIdentifier,
  linkedPatient,
  linkedPractitioner,
  linkUrl,
  mirrorFingerprint,
  mirrorProvenance,
  mirrorRecord,
  parseEhrReference,
  parseFhirUser,
} from '../../../../server/ccm/ehr-link/identity.js';

const ISS = 'http://127.0.0.1:9999/fhir/';

describe('EHR linking identity', () => {
  it('names EHR records by issuer and type, without the trailing slash', () => {
    expect(ehrIdentifier(ISS, 'Patient', 'p1')).toEqual({
      system: 'http://127.0.0.1:9999/fhir/Patient',
      value: 'p1',
    });
  });

  it('builds escaped conditional URLs (search.html#escaping)', () => {
    expect(linkUrl(ISS, 'Patient', 'p1')).toBe(
      `Patient?identifier=${encodeURIComponent('http://127.0.0.1:9999/fhir/Patient|p1')}`,
    );
    expect(conditionalUrl('Patient', { system: 'urn:x', value: 'a|b,c$d\\e' })).toBe(
      `Patient?identifier=${encodeURIComponent('urn:x|a\\|b\\,c\\$d\\\\e')}`,
    );
  });

  it('follows only relative references and absolute ones under the issuer', () => {
    expect(parseEhrReference(ISS, 'Practitioner/x')).toEqual({ type: 'Practitioner', id: 'x' });
    expect(parseEhrReference(ISS, 'http://127.0.0.1:9999/fhir/Patient/p/_history/3')).toEqual({
      type: 'Patient',
      id: 'p',
      versionId: '3',
    });
    expect(parseEhrReference(ISS, 'http://evil.example/fhir/Patient/p')).toBeNull();
    expect(parseEhrReference(ISS, 'http://127.0.0.1:9999/fhirX/Patient/p')).toBeNull();
    expect(parseEhrReference(ISS, 'Patient/../../x')).toBeNull();
    expect(parseEhrReference(ISS, '#c1')).toBeNull();
    expect(parseFhirUser(ISS, 'Observation/o')).toBeNull();
    expect(parseFhirUser(ISS, 'http://127.0.0.1:9999/fhir/Practitioner/d1')).toEqual({
      type: 'Practitioner',
      id: 'd1',
    });
  });

  it('links a Patient with the EHR id and the MR-typed identifiers only', () => {
    const ehr: Patient = {
      resourceType: 'Patient',
      id: 'p1',
      meta: { versionId: '4', profile: ['http://example.org/p'] },
      identifier: [
        { system: 'urn:ssn', value: '123' },
        {
          system: 'urn:mrn',
          value: 'M-9',
          type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MR' }] },
        },
      ],
      name: [{ family: 'Doe' }],
      birthDate: '1950-01-02',
    };
    const p = linkedPatient(ISS, ehr);
    expect(p.id).toBeUndefined();
    expect(p.meta).toEqual({ source: 'http://127.0.0.1:9999/fhir/Patient/p1/_history/4' });
    expect(p.identifier?.map((i) => i.value)).toEqual(['p1', 'M-9']);
    expect(p.birthDate).toBe('1950-01-02');
  });

  it('links a Practitioner under its own system with the EHR name', () => {
    const pr = linkedPractitioner(ISS, { type: 'Practitioner', id: 'd1' }, {
      resourceType: 'Practitioner',
      id: 'd1',
      name: [{ family: 'Who' }],
    } as never);
    expect(pr.identifier?.[0]).toEqual({ system: 'http://127.0.0.1:9999/fhir/Practitioner', value: 'd1' });
    expect(pr.name?.[0]?.family).toBe('Who');
  });

  it('mirrors a record: source, link identifier, references rewritten or made logical', () => {
    const c: Condition = {
      resourceType: 'Condition',
      id: 'c1',
      meta: { versionId: '2' },
      text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">x</div>' },
      identifier: [{ system: 'urn:other', value: 'z' }],
      subject: { reference: 'Patient/p1' },
      encounter: { reference: `${ISS}Encounter/e1`, display: 'visit' },
      asserter: { reference: 'http://elsewhere.example/Practitioner/q' },
    };
    const m = mirrorRecord(ISS, c, new Map([['Patient/p1', 'Patient/ccm-7']]));
    expect(m.id).toBeUndefined();
    expect(m.text).toBeUndefined();
    expect(m.meta).toEqual({ source: 'http://127.0.0.1:9999/fhir/Condition/c1/_history/2' });
    expect(m.identifier?.map((i) => i.system)).toEqual(['http://127.0.0.1:9999/fhir/Condition', 'urn:other']);
    expect(m.subject).toEqual({ reference: 'Patient/ccm-7' });
    expect(m.encounter).toEqual({
      type: 'Encounter',
      display: 'visit',
      identifier: { system: 'http://127.0.0.1:9999/fhir/Encounter', value: 'e1' },
    });
    expect(m.asserter).toEqual({ reference: 'http://elsewhere.example/Practitioner/q' });
    expect(c.subject?.reference).toBe('Patient/p1');
    const again = mirrorRecord(ISS, c, new Map([['Patient/p1', 'Patient/ccm-7']]));
    expect(mirrorFingerprint({ ...again, id: 'x', meta: { ...again.meta, versionId: '9' } })).toBe(
      mirrorFingerprint(m),
    );
    expect(mirrorFingerprint(mirrorRecord(ISS, { ...c, meta: { versionId: '3' } }, new Map()))).not.toBe(
      mirrorFingerprint(m),
    );
  });

  it('records the batch in one Provenance with the EHR versions as sources', () => {
    const p = mirrorProvenance({
      targets: ['Condition/a'],
      sources: ['http://127.0.0.1:9999/fhir/Condition/c1/_history/2'],
      agent: { reference: 'Practitioner/pr' },
      recorded: '2026-12-08T00:00:00Z',
      patient: 'Patient/x',
    });
    expect(p.target).toEqual([{ reference: 'Condition/a' }, { reference: 'Patient/x' }]);
    expect(p.entity?.[0]).toEqual({
      role: 'source',
      what: { reference: 'http://127.0.0.1:9999/fhir/Condition/c1/_history/2' },
    });
    expect(p.agent[0]?.who).toEqual({ reference: 'Practitioner/pr' });
  });
});
