/**
 * IG packages as data (packages/: US Core 3.1.1, 6.1.0 and 7.0.0, as published, and the CCM package): the
 * CapabilityStatement lists them; every official US Core 6.1.0 example that claims a US Core profile is
 * accepted unchanged with the default settings, and taking away an element its profile requires (and R4 does
 * not) is refused, naming the element; a claim of a versioned canonical is validated against that version.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { CapabilityStatement, OperationOutcome, Resource, StructureDefinition } from 'fhir/r4.js';
import request from 'supertest';
import { defaultCacheDir, PACKAGES_DIR, PackageSet } from '../../../server/fhir/packages/package-set.js';
import { readTgz } from '../../../server/fhir/packages/tgz.js';
import { makeTestApp, type TestApp } from '../../helpers/test-app.js';

let t: TestApp;
beforeAll(async () => {
  t = await makeTestApp();
});
afterAll(async () => t.close());

const FHIR_JSON = 'application/fhir+json';
const US_CORE = 'http://hl7.org/fhir/us/core/StructureDefinition/';
const packages = PackageSet.open([PACKAGES_DIR], defaultCacheDir(path.dirname(PACKAGES_DIR)));

const put = (r: Resource) =>
  request(t.app)
    .put(`/fhir/${r.resourceType}/${r.id}`)
    .set('content-type', FHIR_JSON)
    .send(JSON.stringify(r));

/** The examples of a US Core package that claim a US Core profile. */
function examples(version: string): Resource[] {
  const files = readTgz(readFileSync(path.join(PACKAGES_DIR, `hl7.fhir.us.core-${version}.tgz`)));
  return [...files]
    .filter(([p]) => p.startsWith('package/example/') && p.endsWith('.json'))
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([, buf]) => JSON.parse(buf.toString('utf8')) as Resource)
    .filter((r) => (r.meta?.profile ?? []).some((p) => p.startsWith(US_CORE)));
}

/** A root element the profile requires and R4 does not, present in `r`: [name, JSON keys]; undefined if none. */
function requiredByProfile(r: Resource): [string, string[]] | undefined {
  for (const canonical of r.meta?.profile ?? []) {
    const sd = packages.resolve<StructureDefinition>(canonical);
    for (const ed of sd?.snapshot?.element ?? []) {
      const parts = ed.path.split('.');
      if (parts.length !== 2 || ed.sliceName || (ed.min ?? 0) < 1 || (ed.base?.min ?? 0) > 0) continue;
      const name = parts[1].replace('[x]', '');
      const keys = Object.keys(r).filter((k) =>
        parts[1].endsWith('[x]')
          ? k.startsWith(name) && /^[A-Z]/.test(k.slice(name.length))
          : k === name || k === `_${name}`,
      );
      if (keys.length > 0) return [name, keys];
    }
  }
  return undefined;
}

test('the CapabilityStatement lists the IGs whose packages are loaded', async () => {
  const cs = (await request(t.app).get('/fhir/metadata')).body as CapabilityStatement;
  expect(cs.implementationGuide).toEqual([
    'http://hl7.org/fhir/us/core/ImplementationGuide/hl7.fhir.us.core|3.1.1',
    'http://hl7.org/fhir/us/core/ImplementationGuide/hl7.fhir.us.core|6.1.0',
    'http://hl7.org/fhir/us/core/ImplementationGuide/hl7.fhir.us.core|7.0.0',
    'http://ccm-fhir.org/fhir/ImplementationGuide/org.ccm-fhir.ccm|0.1.0',
  ]);
});

describe('the official US Core 6.1.0 examples', () => {
  const all = examples('6.1.0');

  test('174 of them claim a US Core profile, and every one is accepted unchanged', async () => {
    expect(all).toHaveLength(174);
    const refused: Record<string, unknown> = {};
    for (const r of all) {
      const res = await put(r);
      if (![200, 201].includes(res.status))
        refused[`${r.resourceType}/${r.id}`] = res.body.issue?.slice(0, 3);
    }
    expect(refused).toEqual({});
  });

  test('without an element its profile requires, each is refused naming the element', async () => {
    const accepted: string[] = [];
    let checked = 0;
    for (const r of all) {
      const required = requiredByProfile(r);
      if (!required) continue;
      checked++;
      const [name, keys] = required;
      const without = { ...r, id: `${r.id}-without` } as Record<string, unknown>;
      for (const k of keys) delete without[k];
      const res = await put(without as unknown as Resource);
      const named = (res.body as OperationOutcome).issue?.some((i) =>
        (i.expression ?? []).some((e) => e.startsWith(`${r.resourceType}.${name}`)),
      );
      if (res.status !== 400 || !named)
        accepted.push(`${r.resourceType}/${r.id} without ${name}: ${res.status}`);
    }
    expect(accepted).toEqual([]);
    // most examples have such an element (the others' profiles add no root-level requirement to R4)
    expect(checked).toBeGreaterThan(120);
  });
});

test('a versioned claim is checked against that version; an unversioned one against the profiles/ copy', async () => {
  const patient = (profile: string): Resource =>
    ({
      resourceType: 'Patient',
      id: `ver-${profile.split('|')[1] ?? 'none'}`,
      meta: { profile: [profile] },
      identifier: [{ system: 'http://example.org/mrn', value: '1' }],
      name: [{ family: 'Versioned' }],
    }) as Resource;
  // US Core 3.1.1 requires Patient.gender; 6.1.0 and 7.0.0 as well: without it every version refuses
  for (const v of ['3.1.1', '6.1.0', '7.0.0']) {
    const res = await put(patient(`${US_CORE}us-core-patient|${v}`));
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toContain('Patient.gender');
  }
  // a version no package has is unknown: accepted with a warning (UNKNOWN_PROFILES=warn)
  const unknown = await put({
    ...patient(`${US_CORE}us-core-patient|9.9.9`),
    gender: 'female',
  } as Resource).set('prefer', 'return=OperationOutcome');
  expect(unknown.status).toBe(201);
  expect(unknown.body.issue).toContainEqual(
    expect.objectContaining({ severity: 'warning', code: 'not-supported' }),
  );
  expect(packages.versions(`${US_CORE}us-core-patient`)).toEqual(['7.0.0', '6.1.0', '3.1.1']);
});

test('a profile only US Core 7.0.0 has is known (no package version: the newest)', async () => {
  const sd = packages.resolve<StructureDefinition>(`${US_CORE}us-core-care-experience-preference`);
  expect(sd?.version).toBe('7.0.0');
  expect(packages.versions(`${US_CORE}us-core-care-experience-preference`)).toEqual(['7.0.0']);
  const obs = {
    resourceType: 'Observation',
    id: 'simple-1',
    meta: { profile: [`${US_CORE}us-core-care-experience-preference`] },
    status: 'final',
    code: { text: 'x' },
  } as Resource;
  // us-core-care-experience-preference requires a subject (R4 does not): without it the 7.0.0 profile refuses
  const res = await put(obs);
  expect(res.status).toBe(400);
  expect(JSON.stringify(res.body)).toContain('Observation.subject');
});
