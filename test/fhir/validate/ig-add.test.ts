/**
 * `npm run ig -- add` (server/fhir/packages/manage.ts) and IG_PACKAGES_DIR: a FHIR R4 package a practice adds
 * is listed, its profiles validate what claims them and the CapabilityStatement names its IG; a file that is
 * not a package, a package for another FHIR version and a package already loaded are refused, saying why.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, expect, test } from '@jest/globals';
import type { StructureDefinition } from 'fhir/r4.js';
import request from 'supertest';
import { loadR4Definitions } from '../../../server/fhir/definitions.js';
import { addPackage, listPackages } from '../../../server/fhir/packages/manage.js';
import { PackageError } from '../../../server/fhir/packages/package-set.js';
import { makeTestApp } from '../../helpers/test-app.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'ccm-ig-'));
  dirs.push(d);
  return d;
}

const PROFILE = 'http://example.org/fhir/ig/StructureDefinition/practice-patient';

/** A package whose one profile makes Patient.birthDate required (snapshot from R4's Patient). */
function makePackage(fhirVersion = '4.0.1', version = '1.0.0'): string {
  const base = loadR4Definitions().resources.get('Patient') as StructureDefinition;
  const sd: StructureDefinition = {
    resourceType: 'StructureDefinition',
    id: 'practice-patient',
    url: PROFILE,
    version,
    name: 'PracticePatient',
    status: 'active',
    kind: 'resource',
    abstract: false,
    type: 'Patient',
    baseDefinition: 'http://hl7.org/fhir/StructureDefinition/Patient',
    derivation: 'constraint',
    snapshot: {
      element: (base.snapshot?.element ?? []).map((e) =>
        e.path === 'Patient.birthDate' ? { ...e, min: 1 } : e,
      ),
    },
  };
  const root = tempDir();
  const pkg = path.join(root, 'package');
  mkdirSync(pkg);
  writeFileSync(
    path.join(pkg, 'package.json'),
    JSON.stringify({
      name: 'example.practice',
      version,
      canonical: 'http://example.org/fhir/ig',
      fhirVersions: [fhirVersion],
    }),
  );
  writeFileSync(
    path.join(pkg, 'ImplementationGuide-example.practice.json'),
    JSON.stringify({
      resourceType: 'ImplementationGuide',
      id: 'example.practice',
      url: 'http://example.org/fhir/ig/ImplementationGuide/example.practice',
      version,
    }),
  );
  writeFileSync(path.join(pkg, 'StructureDefinition-practice-patient.json'), JSON.stringify(sd));
  writeFileSync(
    path.join(pkg, '.index.json'),
    JSON.stringify({
      'index-version': 1,
      files: [
        {
          filename: 'StructureDefinition-practice-patient.json',
          resourceType: 'StructureDefinition',
          id: sd.id,
          url: PROFILE,
          version,
          kind: 'resource',
          type: 'Patient',
        },
        {
          filename: 'ImplementationGuide-example.practice.json',
          resourceType: 'ImplementationGuide',
          id: 'example.practice',
          url: 'http://example.org/fhir/ig/ImplementationGuide/example.practice',
          version,
        },
      ],
    }),
  );
  const file = path.join(root, `example.practice-${version}-${fhirVersion}.tgz`);
  const tar = spawnSync('tar', ['czf', file, '-C', root, 'package']);
  expect(tar.status).toBe(0);
  return file;
}

test('an added R4 package is listed, validates what claims its profiles and is named in the CapabilityStatement', async () => {
  const dir = tempDir();
  const added = addPackage(makePackage(), dir);
  expect(added).toMatchObject({
    name: 'example.practice',
    version: '1.0.0',
    file: path.join(dir, 'example.practice-1.0.0.tgz'),
  });
  expect(listPackages(dir).map((p) => `${p.name}#${p.version}`)).toContain('example.practice#1.0.0');
  const t = await makeTestApp({ igPackagesDir: dir });
  try {
    const patient = { resourceType: 'Patient', id: 'ig-1', meta: { profile: [PROFILE] } };
    const refused = await request(t.app)
      .put('/fhir/Patient/ig-1')
      .set('content-type', 'application/fhir+json')
      .send(JSON.stringify(patient));
    expect(refused.status).toBe(400);
    expect(refused.body.issue).toContainEqual(expect.objectContaining({ expression: ['Patient.birthDate'] }));
    const ok = await request(t.app)
      .put('/fhir/Patient/ig-1')
      .set('content-type', 'application/fhir+json')
      .send(JSON.stringify({ ...patient, birthDate: '1950-01-01' }));
    expect(ok.status).toBe(201);
    const cs = (await request(t.app).get('/fhir/metadata')).body;
    expect(cs.implementationGuide).toContain(
      'http://example.org/fhir/ig/ImplementationGuide/example.practice|1.0.0',
    );
  } finally {
    await t.close();
  }
});

test('not a package, another FHIR version, or already loaded: refused saying why', () => {
  const dir = tempDir();
  const garbage = path.join(tempDir(), 'garbage.tgz');
  writeFileSync(garbage, 'not a tarball');
  expect(() => addPackage(garbage, dir)).toThrow(/not a gzipped tar FHIR package/);
  expect(() => addPackage(makePackage('5.0.0'), dir)).toThrow(/is for FHIR 5\.0\.0, not R4/);
  addPackage(makePackage('4.0.1', '2.0.0'), dir);
  expect(() => addPackage(makePackage('4.0.1', '2.0.0'), dir)).toThrow(PackageError);
  expect(() => addPackage(makePackage('4.0.1', '2.0.0'), dir)).toThrow(/already loaded/);
  expect(() => addPackage(path.join(dir, 'missing.tgz'), dir)).toThrow(/no such file/);
  // a broken file in the folder stops the server with the file named, not a bare zlib error
  writeFileSync(path.join(dir, 'broken.tgz'), 'not a tarball');
  expect(() => listPackages(dir)).toThrow(/broken\.tgz: not a gzipped tar FHIR package/);
});
