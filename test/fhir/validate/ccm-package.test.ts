/**
 * The server loads the CCM conformance resources from the CCM package through the package set, as it loads
 * every IG package (server/fhir/profiles/conformance.ts): what it validates against is what the newest CCM
 * package loaded says (a newer one in IG_PACKAGES_DIR wins), it refuses to start without one, and the
 * CapabilityStatement lists the CCM IG in `implementationGuide` and the package's requirements statement in
 * `instantiates` (server/fhir/instantiates.ts); US Core's server statements are declared but not met ($docref).
 * With a cache folder the package's resources are read from one cached JSON file after the first start.
 */
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { CapabilityStatement, CodeSystem, Resource } from 'fhir/r4.js';
import request from 'supertest';
import { CCM_BASE, CCM_PACKAGE, CS, PROFILE } from '../../../server/ccm/vocabulary.js';
import { loadR4Definitions } from '../../../server/fhir/definitions.js';
import { checkStatements } from '../../../server/fhir/instantiates.js';
import { packageDirs, PACKAGES_DIR, PackageSet } from '../../../server/fhir/packages/package-set.js';
import { readTgz } from '../../../server/fhir/packages/tgz.js';
import { loadConformance, MissingCcmPackageError } from '../../../server/fhir/profiles/conformance.js';
import { createConformanceServices } from '../../../server/fhir/profiles/setup.js';
import { implementedInteractions } from '../../../server/fhir/router.js';
import { RELEASE } from '../../../scripts/profiles/elements.js';
import { PACKAGE_FILE } from '../../../scripts/profiles/package.js';
import { writeTgz } from '../../../scripts/profiles/tar-writer.js';
import { makeTestApp, type TestApp } from '../../helpers/test-app.js';

const FIXTURE = path.resolve(PACKAGES_DIR, '..', 'fixtures', 'profiles', 'ccm-time-entry');
const COMMITTED = path.join(PACKAGES_DIR, PACKAGE_FILE);

const dirs: string[] = [];
let t: TestApp;
beforeAll(async () => {
  t = await makeTestApp();
});
afterAll(async () => {
  await t.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'ccm-pkg-load-'));
  dirs.push(d);
  return d;
}

/** A time entry of the fixtures whose programme (serviceType) is `code`. */
function timeEntry(code: string): Resource {
  const r = JSON.parse(readFileSync(path.join(FIXTURE, 'valid-staff-phone-call.json'), 'utf8')) as Record<
    string,
    unknown
  >;
  r.serviceType = { coding: [{ system: CS.program, code }] };
  r.id = `pkg-${code}`;
  return r as unknown as Resource;
}

/** The committed CCM package as version `version` (its IG too), whose ccm-program code system has one more code. */
function newerPackage(dir: string, version: string, extraCode: string): string {
  const files = readTgz(readFileSync(COMMITTED));
  const edit = <T>(name: string, change: (x: T) => void) => {
    const x = JSON.parse((files.get(name) as Buffer).toString('utf8')) as T;
    change(x);
    files.set(name, Buffer.from(JSON.stringify(x)));
  };
  edit<Record<string, unknown>>('package/package.json', (p) => {
    p.version = version;
  });
  edit<Record<string, unknown>>(`package/ImplementationGuide-${CCM_PACKAGE.name}.json`, (ig) => {
    ig.version = version;
  });
  edit<{ files: Array<Record<string, string>> }>('package/.index.json', (index) => {
    for (const f of index.files) if (f.resourceType === 'ImplementationGuide') f.version = version;
  });
  edit<CodeSystem>('package/CodeSystem-ccm-program.json', (cs) => {
    cs.concept = [
      ...(cs.concept ?? []),
      { code: extraCode, display: 'A programme only the newer package has' },
    ];
  });
  const file = path.join(dir, `${CCM_PACKAGE.name}-${version}.tgz`);
  writeFileSync(file, writeTgz([...files], new Date(0)));
  return file;
}

describe('loaded through the package set', () => {
  test('the CCM resources come from the CCM package of packages/, the base from profiles/base/', () => {
    const set = PackageSet.open([PACKAGES_DIR]);
    const conformance = loadConformance(set);
    expect(conformance.ccmPackage).toMatchObject({
      name: CCM_PACKAGE.name,
      version: RELEASE.version,
      file: COMMITTED,
    });
    const fromPackage = set.resources(CCM_PACKAGE.name);
    const ccm = [...conformance.origin].filter(([, o]) => o === 'ccm').map(([r]) => r);
    expect(ccm.map((r) => `${r.resourceType}/${r.id}`).sort()).toEqual(
      fromPackage.map((r) => `${r.resourceType}/${r.id}`).sort(),
    );
    expect(conformance.structureDefinitions.map((sd) => sd.url)).toEqual(
      expect.arrayContaining([
        ...Object.values(PROFILE),
        'http://hl7.org/fhir/us/core/StructureDefinition/us-core-careplan',
      ]),
    );
    expect(conformance.others.map((r) => r.resourceType)).toEqual(
      expect.arrayContaining(['ImplementationGuide', 'CapabilityStatement', 'OperationDefinition']),
    );
  });

  test('with a cache folder, the resources are read from one cached JSON file after the first start', () => {
    const dir = tempDir();
    const cache = tempDir();
    copyFileSync(COMMITTED, path.join(dir, PACKAGE_FILE));
    const first = PackageSet.open([dir], cache).resources(CCM_PACKAGE.name);
    const cached = readdirSync(cache).filter((f) => f.includes('-resources-'));
    expect(cached).toHaveLength(1);
    expect(JSON.parse(readFileSync(path.join(cache, cached[0]), 'utf8'))).toEqual(first);
    // what a later start returns comes from that file (marked here), not from the archive
    writeFileSync(path.join(cache, cached[0]), JSON.stringify(first.slice(0, 1)));
    expect(PackageSet.open([dir], cache).resources(CCM_PACKAGE.name)).toEqual(first.slice(0, 1));
    expect(PackageSet.open([dir]).resources(CCM_PACKAGE.name)).toEqual(first);
  });

  test('without a CCM package the conformance services refuse to start, saying how to build it', () => {
    const empty = PackageSet.open([tempDir()]);
    expect(() => loadConformance(empty)).toThrow(MissingCcmPackageError);
    expect(() => createConformanceServices(loadR4Definitions(), { packages: empty })).toThrow(
      /org\.ccm-fhir\.ccm .*npm run profiles:build/,
    );
  });

  test('a newer CCM package in IG_PACKAGES_DIR is the one the server validates against', async () => {
    const dir = tempDir();
    newerPackage(dir, '0.1.1-practice', 'practice-programme');
    const put = (app: TestApp, r: Resource) =>
      request(app.app)
        .put(`/fhir/Encounter/${r.id}`)
        .set('content-type', 'application/fhir+json')
        .send(JSON.stringify(r));
    // the shipped package: not a ccm-program code (required binding of ccm-time-entry)
    const refused = await put(t, timeEntry('practice-programme'));
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.body)).toContain('Encounter.serviceType');
    expect((await put(t, timeEntry('ccm'))).status).toBe(201);
    // the packages the server reads with IG_PACKAGES_DIR=dir (opened without the disk cache: a test package)
    const set = PackageSet.open(packageDirs(dir));
    expect(set.packages.map((p) => p.implementationGuide)).toEqual(
      expect.arrayContaining([
        `${CCM_PACKAGE.implementationGuide}|${RELEASE.version}`,
        `${CCM_PACKAGE.implementationGuide}|0.1.1-practice`,
      ]),
    );
    const newer = createConformanceServices(loadR4Definitions(), { packages: set });
    expect(newer.conformance.ccmPackage.version).toBe('0.1.1-practice');
    const issues = newer.validator.validate(timeEntry('practice-programme'), { expectedType: 'Encounter' });
    expect(issues.filter((i) => i.severity === 'error')).toEqual([]);
  });
});

describe('the CapabilityStatement', () => {
  test('lists the CCM IG with the US Core ones, and instantiates the CCM server statement', async () => {
    const cs = (await request(t.app).get('/fhir/metadata')).body as CapabilityStatement;
    expect(cs.implementationGuide).toEqual([
      'http://hl7.org/fhir/us/core/ImplementationGuide/hl7.fhir.us.core|3.1.1',
      'http://hl7.org/fhir/us/core/ImplementationGuide/hl7.fhir.us.core|6.1.0',
      'http://hl7.org/fhir/us/core/ImplementationGuide/hl7.fhir.us.core|7.0.0',
      `${CCM_PACKAGE.implementationGuide}|${RELEASE.version}`,
    ]);
    expect(cs.instantiates).toEqual([`${CCM_PACKAGE.capabilityStatement}|${RELEASE.version}`]);
  });

  test("the package's OperationDefinitions are those of the operations the server registers", () => {
    const registered = t.services.operations
      .all()
      .flatMap((op) =>
        op.operationDefinition?.url?.startsWith(`${CCM_BASE}/`) ? [op.operationDefinition] : [],
      )
      .sort((a, b) => (a.id ?? '').localeCompare(b.id ?? ''));
    const packaged = PackageSet.open([PACKAGES_DIR])
      .resources(CCM_PACKAGE.name)
      .filter((r) => r.resourceType === 'OperationDefinition')
      .sort((a, b) => (a.id ?? '').localeCompare(b.id ?? ''));
    expect(registered.map((od) => od.id)).toContain('ccm-month-summary');
    expect(packaged).toEqual(registered);
  });

  test('US Core server statements are checked too; the server lacks only DocumentReference/$docref', () => {
    const checks = checkStatements(t.services, implementedInteractions());
    expect(checks.map((c) => [c.canonical, c.unmet])).toEqual([
      [
        'http://hl7.org/fhir/us/core/CapabilityStatement/us-core-server|3.1.1',
        ['DocumentReference: operation $docref'],
      ],
      [
        'http://hl7.org/fhir/us/core/CapabilityStatement/us-core-server|6.1.0',
        ['DocumentReference: operation $docref'],
      ],
      [
        'http://hl7.org/fhir/us/core/CapabilityStatement/us-core-server|7.0.0',
        ['DocumentReference: operation $docref'],
      ],
      [`${CCM_PACKAGE.capabilityStatement}|${RELEASE.version}`, []],
    ]);
  });
});
