/**
 * The CCM FHIR package (packages/org.ccm-fhir.ccm-<version>.tgz, scripts/profiles/package.ts): a valid FHIR
 * package (manifest, index, every top-level resource of profiles/ byte for byte, the ImplementationGuide
 * listing them, the requirements CapabilityStatement), reproducible (the same profiles/ give the same bytes;
 * the committed file holds exactly that tar), and `npm run profiles:build -- --check` reports a stale one.
 * build.test.ts checks that profiles/ is what the sources produce; this file starts from profiles/.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, test } from '@jest/globals';
import type { CapabilityStatement, ImplementationGuide, Resource } from 'fhir/r4.js';
import { CCM_BASE, CCM_PACKAGE, EXTENSION, PROFILE, VS } from '../../../server/ccm/vocabulary.js';
import { checkR4, readManifest } from '../../../server/fhir/packages/package-set.js';
import { readTgz } from '../../../server/fhir/packages/tgz.js';
import { RELEASE } from '../../../scripts/profiles/elements.js';
import { isPackaged, PACKAGE_FILE, packageTar } from '../../../scripts/profiles/package.js';
import { gzipTar } from '../../../scripts/profiles/tar-writer.js';
import { comparePackage, writePackage } from '../../../scripts/profiles/write.js';
import { REPO } from './helpers.js';

const PROFILES_DIR = path.join(REPO, 'profiles');
const COMMITTED = path.join(REPO, 'packages', PACKAGE_FILE);

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'ccm-package-'));
  dirs.push(d);
  return d;
}

/** The top-level JSON files of profiles/ (what the package is built from). */
function profileFiles(): Map<string, string> {
  return new Map(
    readdirSync(PROFILES_DIR)
      .filter((f) => f.endsWith('.json'))
      .sort()
      .map((f) => [f, readFileSync(path.join(PROFILES_DIR, f), 'utf8')]),
  );
}

const files = readTgz(readFileSync(COMMITTED));
const json = <T>(name: string) => JSON.parse((files.get(`package/${name}`) as Buffer).toString('utf8')) as T;

describe('the committed package is a FHIR R4 package', () => {
  test('package.json: name, version, canonical, FHIR version, dependencies, licence', () => {
    const manifest = readManifest(COMMITTED);
    expect(() => checkR4(COMMITTED, manifest)).not.toThrow();
    expect(json<Record<string, unknown>>('package.json')).toMatchObject({
      name: CCM_PACKAGE.name,
      version: RELEASE.version,
      canonical: CCM_BASE,
      fhirVersions: ['4.0.1'],
      dependencies: { 'hl7.fhir.r4.core': '4.0.1', 'hl7.fhir.us.core': '6.1.0' },
      license: 'Apache-2.0',
    });
    expect(PACKAGE_FILE).toBe(`${CCM_PACKAGE.name}-${RELEASE.version}.tgz`);
  });

  test('.index.json lists every resource file once, with its type, id, url and version', () => {
    const index = json<{ 'index-version': number; files: Array<Record<string, string>> }>('.index.json');
    expect(index['index-version']).toBe(2);
    const resourceFiles = [...files.keys()]
      .filter((p) => !['package/package.json', 'package/.index.json'].includes(p))
      .map((p) => p.slice('package/'.length))
      .sort();
    expect(index.files.map((f) => f.filename).sort()).toEqual(resourceFiles);
    for (const entry of index.files) {
      const r = json<Resource & { url?: string; version?: string; type?: string; kind?: string }>(
        entry.filename,
      );
      expect([entry.filename, entry.resourceType, entry.id, entry.url]).toEqual([
        entry.filename,
        r.resourceType,
        r.id,
        r.url,
      ]);
      expect(entry.filename).toBe(`${r.resourceType}-${r.id}.json`);
      if (r.resourceType === 'StructureDefinition')
        expect([entry.kind, entry.type]).toEqual([r.kind, r.type]);
    }
  });

  test('it holds every top-level resource of profiles/ byte for byte, and nothing of profiles/base/', () => {
    const ours = [...profileFiles().keys()].filter(isPackaged);
    expect(ours.length).toBeGreaterThan(50);
    for (const f of ours) {
      expect([f, files.get(`package/${f}`)?.toString('utf8')]).toEqual([
        f,
        readFileSync(path.join(PROFILES_DIR, f), 'utf8'),
      ]);
    }
    expect(files.size).toBe(ours.length + 2);
    for (const url of [...Object.values(PROFILE), ...Object.values(EXTENSION)])
      expect(files.has(`package/StructureDefinition-${url.split('/').pop()}.json`)).toBe(true);
    for (const url of Object.values(VS))
      expect(files.has(`package/ValueSet-${url.split('/').pop()}.json`)).toBe(true);
    expect([...files.keys()].some((p) => p.includes('us-core'))).toBe(false);
  });

  test('its ImplementationGuide lists every other resource and depends on US Core 6.1.0', () => {
    const ig = json<ImplementationGuide>(`ImplementationGuide-${CCM_PACKAGE.name}.json`);
    expect(ig).toMatchObject({
      url: CCM_PACKAGE.implementationGuide,
      version: RELEASE.version,
      packageId: CCM_PACKAGE.name,
      license: 'Apache-2.0',
      fhirVersion: ['4.0.1'],
      dependsOn: [{ packageId: 'hl7.fhir.us.core', version: '6.1.0' }],
    });
    const listed = (ig.definition?.resource ?? []).map((r) => r.reference.reference).sort();
    const others = [...files.keys()]
      .filter((p) => isPackaged(p.slice('package/'.length)) && !p.includes('ImplementationGuide-'))
      .map((p) => p.slice('package/'.length, -'.json'.length).replace('-', '/'))
      .sort();
    expect(listed).toEqual(others);
  });

  test('its CapabilityStatement states the requirements of a CCM server', () => {
    const cs = json<CapabilityStatement>('CapabilityStatement-ccm-server.json');
    expect(cs).toMatchObject({ url: CCM_PACKAGE.capabilityStatement, kind: 'requirements' });
    const rest = cs.rest?.[0];
    expect(rest?.mode).toBe('server');
    const timeEntry = rest?.resource?.find((r) => r.type === 'Encounter');
    expect(timeEntry?.supportedProfile).toEqual([PROFILE.timeEntry]);
    expect(timeEntry?.searchParam?.map((p) => p.name)).toEqual(
      expect.arrayContaining(['patient', 'date', 'service-type', 'ccm-time-exclusion']),
    );
    expect(rest?.resource?.find((r) => r.type === 'Patient')?.operation?.map((o) => o.name)).toEqual([
      'ccm-eligibility',
      'ccm-month-summary',
    ]);
    expect(rest?.operation?.map((o) => o.name)).toEqual(['ccm-billing-report']);
  });
});

describe('reproducible', () => {
  test('the same profiles/ give the same bytes; the committed file holds exactly that tar', () => {
    const tar = packageTar(profileFiles());
    expect(packageTar(profileFiles()).equals(tar)).toBe(true);
    expect(gzipTar(tar).equals(gzipTar(tar))).toBe(true);
    expect(gunzipSync(readFileSync(COMMITTED)).equals(tar)).toBe(true);
  });

  test('no time stamp or host in the archive: gzip MTIME 0, OS unknown; every entry 0644, root, the release date', () => {
    const gz = readFileSync(COMMITTED);
    expect(gz.readUInt32LE(4)).toBe(0);
    expect(gz[9]).toBe(255);
    const listing = spawnSync('tar', ['tvzf', COMMITTED, '--utc', '--numeric-owner'], { encoding: 'utf8' });
    expect(listing.status).toBe(0);
    const lines = listing.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^-rw-r--r-- 0\/0 .* 2026-11-26 00:00 package\/package\.json$/);
    expect(lines[1]).toMatch(/ package\/\.index\.json$/);
    for (const line of lines) expect(line).toMatch(/^-rw-r--r-- 0\/0 +\d+ 2026-11-26 00:00 package\//);
  });
});

describe('writing and checking the package', () => {
  const tar = packageTar(profileFiles());

  test('written once, then unchanged; an older version is removed', () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, `${CCM_PACKAGE.name}-0.0.9.tgz`), 'old');
    expect(comparePackage(dir, PACKAGE_FILE, CCM_PACKAGE.name, tar)).toEqual([
      `missing ${PACKAGE_FILE}`,
      `extra ${CCM_PACKAGE.name}-0.0.9.tgz`,
    ]);
    expect(writePackage(dir, PACKAGE_FILE, CCM_PACKAGE.name, tar)).toEqual({
      written: [PACKAGE_FILE],
      removed: [`${CCM_PACKAGE.name}-0.0.9.tgz`],
      unchanged: 0,
    });
    expect(readFileSync(path.join(dir, PACKAGE_FILE)).equals(gzipTar(tar))).toBe(true);
    expect(writePackage(dir, PACKAGE_FILE, CCM_PACKAGE.name, tar)).toEqual({
      written: [],
      removed: [],
      unchanged: 1,
    });
    expect(comparePackage(dir, PACKAGE_FILE, CCM_PACKAGE.name, tar)).toEqual([]);
  });

  test('`npm run profiles:build -- --check` exits 1 naming a stale package, 0 for the committed one', () => {
    const dir = tempDir();
    const changed = new Map(profileFiles());
    changed.set('CodeSystem-ccm-program.json', `${changed.get('CodeSystem-ccm-program.json')} `);
    writeFileSync(path.join(dir, PACKAGE_FILE), gzipTar(packageTar(changed)));
    const run = (packagesDir: string) =>
      spawnSync(
        process.execPath,
        ['--import', 'tsx', 'scripts/build-profiles.ts', '--check', '--packages-out', packagesDir],
        { cwd: REPO, encoding: 'utf8' },
      );
    const stale = run(dir);
    expect([stale.status, stale.stdout]).toEqual([1, `stale ${PACKAGE_FILE} (packages/)\n`]);
    const fresh = tempDir();
    copyFileSync(COMMITTED, path.join(fresh, PACKAGE_FILE));
    const ok = run(fresh);
    expect([ok.status, ok.stdout]).toEqual([0, 'profiles/ and the CCM package are up to date\n']);
  });
});
