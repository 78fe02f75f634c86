/**
 * What the store's resources are indexed for (fhir/runtime-params/init-state.ts):
 * - a store written before the index state was recorded, by a version without the four US Core 6.1.0
 *   parameters, has its Conditions unindexed for `asserted-date`: the parameter is pending on Condition (the
 *   types without resources are not), and a system-level `$reindex` covers it;
 * - a built-in parameter whose definition differs from what the store recorded (a new version of the server)
 *   is pending on the types holding resources until `$reindex`;
 * - the SearchParameters of a package a practice added (IG_PACKAGES_DIR) are registered at start, pending
 *   until `$reindex`; those that define what the server already serves are left alone.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, test } from '@jest/globals';
import type { Parameters, Resource, SearchParameter } from 'fhir/r4.js';
import { loadR4Definitions } from '../../../server/fhir/definitions.js';
import { INDEX_STATE, type IndexState } from '../../../server/fhir/runtime-params/state.js';
import { loadPackageSearchParameters } from '../../../server/fhir/runtime-params/package-params.js';
import { extractIndex } from '../../../server/fhir/search/extract.js';
import { buildSearchRegistry } from '../../../server/fhir/search/registry.js';
import { openSqliteStorage } from '../../../server/storage/sqlite/index.js';
import { makeTestApp } from '../../helpers/test-app.js';
import {
  interpretationParam,
  kickReindex,
  matchIds,
  observation,
  reportTypes,
  search,
  waitForJob,
  warnings,
} from './reindex-helpers.js';

const ASSERTED = 'http://hl7.org/fhir/StructureDefinition/condition-assertedDate';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'ccm-index-state-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const condition = (id: string, asserted?: string): Resource =>
  ({
    resourceType: 'Condition',
    id,
    subject: { reference: 'Patient/p1' },
    code: { text: 'x' },
    ...(asserted ? { extension: [{ url: ASSERTED, valueDateTime: asserted }] } : {}),
  }) as Resource;

/** Writes resources the way a version knowing only the R4 search parameters did (no index state). */
async function writeAsOlderVersion(resources: Resource[]): Promise<void> {
  const registry = buildSearchRegistry(loadR4Definitions());
  const store = await openSqliteStorage({ dataDir: dir });
  const repo = store.repository({
    extract: (r) => extractIndex(registry, r, { baseUrl: 'http://127.0.0.1:8080/fhir' }),
    paramType: (type, code) => registry.get(type, code)?.type,
    indexKeys: () => [],
    clock: () => new Date(),
  });
  for (const r of resources) await repo.put(r.resourceType, r.id as string, r, { method: 'PUT' });
  await store.close();
}

test('a store written before the US Core parameters: asserted-date is pending on Condition until $reindex', async () => {
  await writeAsOlderVersion([
    condition('c-2024', '2024-03-05'),
    condition('c-2025', '2025-11-20'),
    condition('c-none'),
  ]);
  const t = await makeTestApp({ dataDir: dir });
  try {
    const pending = await search(t.app, 'Condition?asserted-date=2024-03-05');
    expect(matchIds(pending)).toEqual(['c-2024', 'c-2025', 'c-none']);
    expect(warnings(pending)[0]).toMatch(/asserted-date is pending/);
    // no Encounter, CareTeam or Goal was stored: their US Core parameters are active
    const strict = { prefer: 'handling=strict' };
    expect((await search(t.app, 'Encounter?discharge-disposition=home', strict)).total).toBe(0);
    expect((await search(t.app, 'Goal?description=289169006', strict)).total).toBe(0);
    expect(t.services.runtimeParams?.pendingTypes()).toEqual(['Condition']);

    t.reindex.start();
    const kick = await kickReindex(t.app);
    expect(kick.body.issue[0].diagnostics).toMatch(/accepted for Condition;/);
    const done = await waitForJob(t.app, String(kick.headers['content-location']));
    expect(reportTypes(done.body as Parameters).Condition).toEqual({
      state: 'complete',
      indexed: 3,
      total: 3,
      activated: ['asserted-date'],
    });
    expect(matchIds(await search(t.app, 'Condition?asserted-date=2024-03-05', strict))).toEqual(['c-2024']);
    expect(matchIds(await search(t.app, 'Condition?asserted-date:missing=true', strict))).toEqual(['c-none']);
  } finally {
    await t.close();
  }
});

test('a built-in parameter recorded with another definition is pending until $reindex', async () => {
  const first = await makeTestApp({ dataDir: dir });
  try {
    await first.services.resources.put('Condition', 'c1', condition('c1', '2024-01-01'), { method: 'PUT' });
    // as an earlier version of the server would have recorded a different definition of Condition `code`
    await first.store
      .aux<IndexState>(INDEX_STATE)
      .updateOne({ _id: 'Condition' }, { $set: { 'params.code': '0123456789abcdef' } });
  } finally {
    await first.close();
  }
  const second = await makeTestApp({ dataDir: dir });
  try {
    expect(second.services.runtimeParams?.pendingFor('Condition').map((c) => c.code)).toEqual(['code']);
    expect(warnings(await search(second.app, 'Condition?code=x'))[0]).toMatch(/code is pending/);
    expect(warnings(await search(second.app, 'Condition?asserted-date=2024'))).toEqual([]);
    second.reindex.start();
    const kick = await kickReindex(second.app, 'Condition/$reindex');
    expect((await waitForJob(second.app, String(kick.headers['content-location']))).status).toBe(200);
    expect(warnings(await search(second.app, 'Condition?code=x'))).toEqual([]);
  } finally {
    await second.close();
  }
});

/** A package (folder layout of a .tgz, packed by the PackageSet reader's format) with SearchParameters. */
function writePackage(params: SearchParameter[]): string {
  const root = path.join(dir, 'pkgsrc');
  const pkg = path.join(root, 'package');
  mkdirSync(pkg, { recursive: true });
  writeFileSync(
    path.join(pkg, 'package.json'),
    JSON.stringify({ name: 'example.practice.search', version: '1.0.0', fhirVersions: ['4.0.1'] }),
  );
  const files = params.map((sp) => ({
    filename: `SearchParameter-${sp.id}.json`,
    resourceType: 'SearchParameter',
    id: sp.id,
    url: sp.url,
  }));
  writeFileSync(path.join(pkg, '.index.json'), JSON.stringify({ 'index-version': 1, files }));
  for (const sp of params) writeFileSync(path.join(pkg, `SearchParameter-${sp.id}.json`), JSON.stringify(sp));
  const igDir = path.join(dir, 'ig');
  mkdirSync(igDir);
  const tar = spawnTar(root, path.join(igDir, 'example.practice.search-1.0.0.tgz'));
  expect(tar).toBe(0);
  return igDir;
}

function spawnTar(cwd: string, out: string): number | null {
  return spawnSync('tar', ['-czf', out, 'package'], { cwd }).status;
}

test("a package's SearchParameters are registered at start, pending until $reindex; ones already served are left alone", async () => {
  const interpretation = { ...interpretationParam(), id: 'obs-interpretation' };
  const dupOfR4 = {
    ...interpretationParam({
      url: 'http://example.org/fhir/SearchParameter/obs-code',
      code: 'code',
      expression: 'Observation.code',
    }),
    id: 'obs-code',
  };
  const broken = {
    ...interpretationParam({
      url: 'http://example.org/fhir/SearchParameter/obs-broken',
      code: 'broken',
      expression: 'Observation.nope',
    }),
    id: 'obs-broken',
  };
  const igDir = writePackage([interpretation, dupOfR4, broken]);
  const t = await makeTestApp({ dataDir: dir, igPackagesDir: igDir });
  try {
    await t.services.resources.put('Observation', 'o1', observation('o1', 'H'), { method: 'PUT' });
    const report = await loadPackageSearchParameters(t.services, igDir);
    expect(report.registered).toEqual([interpretation.url]);
    expect(report.skipped).toEqual([
      { url: broken.url, why: expect.stringMatching(/nope is not an element/) },
    ]);
    expect((await loadPackageSearchParameters(t.services, igDir)).unchanged).toEqual([interpretation.url]);
    expect(warnings(await search(t.app, 'Observation?interpretation=H'))[0]).toMatch(
      /interpretation is pending/,
    );
    t.reindex.start();
    const kick = await kickReindex(t.app);
    expect((await waitForJob(t.app, String(kick.headers['content-location']))).status).toBe(200);
    expect(
      matchIds(await search(t.app, 'Observation?interpretation=H', { prefer: 'handling=strict' })),
    ).toEqual(['o1']);
  } finally {
    await t.close();
  }
});
