/**
 * Search conformance, part 2: result controls over the named fixture on every engine — _include and
 * _revinclude (with :iterate and *), _sort, paging links, _count, _total, _summary and _elements.
 * Expectations: cases-results.ts and the inline comments (R4 search.html sections named per group).
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { Resource } from 'fhir/r4.js';
import { ENGINES, TEST_BASE, type TestApp } from '../../helpers/test-app.js';
import { INCLUDE, SORT } from './cases-results.js';
import { allPages, conformanceApp, get, link } from './fixture.js';

const STRICT = { prefer: 'handling=strict' };
const qualify = (q: string, id: string): string => (id.includes('/') ? id : `${q.split('?')[0]}/${id}`);

describe.each(ENGINES)('search result controls on the %s engine', (engine) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await conformanceApp(engine);
  });
  afterAll(async () => {
    await t.close();
  });

  describe('_include and _revinclude (search.html#include, #revinclude)', () => {
    test.each(INCLUDE.map((c) => [c.q, c] as const))('%s', async (_q, c) => {
      const r = await get(t, c.q, STRICT);
      expect(r.status).toBe(200);
      expect([...r.matches].sort()).toEqual([...c.matches].sort());
      expect(r.included).toEqual([...c.included].sort());
      expect(r.body.total).toBe(c.matches.length); // total counts matches only
    });
  });

  describe('_sort (search.html#sort)', () => {
    test.each(SORT.map((c) => [c.q, c] as const))('%s', async (_q, c) => {
      const r = await get(t, c.q, STRICT);
      expect(r.status).toBe(200);
      expect(r.matches).toEqual(c.order.map((id) => qualify(c.q, id)));
    });

    test('sorted results stay sorted across pages (Patient?_sort=birthdate&_count=2)', async () => {
      const pages = await allPages(t, await get(t, 'Patient?_sort=birthdate&_count=2'));
      expect(pages.map((p) => p.matches.map((k) => k.split('/')[1]))).toEqual([
        ['pat-3', 'pat-2'],
        ['pat-1', 'pat-4'],
        ['pat-5', 'pat-6'],
      ]);
    });
  });

  describe('paging, _count and _total (search.html#count, #total, http.html#paging)', () => {
    test('next links walk every match exactly once; previous, first and last point at the same pages', async () => {
      const first = await get(t, 'Observation?_count=4');
      expect(first.body.total).toBe(11);
      const pages = await allPages(t, first);
      expect(pages.map((p) => p.matches.length)).toEqual([4, 4, 3]);
      const all = pages.flatMap((p) => p.matches);
      expect(new Set(all).size).toBe(11);
      const second = pages[1];
      expect((await get(t, link(second.body, 'previous') as string)).matches).toEqual(first.matches);
      expect((await get(t, link(second.body, 'first') as string)).matches).toEqual(first.matches);
      expect((await get(t, link(first.body, 'last') as string)).matches).toEqual(pages[2].matches);
      expect(link(pages[2].body, 'next')).toBeUndefined();
      expect(link(first.body, 'previous')).toBeUndefined();
    });

    test('default _count is 20 and the self link says so; a result on one page has no next link', async () => {
      const r = await get(t, 'Patient');
      expect(r.matches).toHaveLength(6);
      expect(link(r.body, 'self')).toBe(`${TEST_BASE}/Patient?_count=20`);
      expect(link(r.body, 'next')).toBeUndefined();
    });

    test('_count above 1000 is clamped to 1000', async () => {
      const r = await get(t, 'Patient?_count=5000');
      expect(r.status).toBe(200);
      expect(link(r.body, 'self')).toContain('_count=1000');
    });

    test('_count=0 returns only the total', async () => {
      const r = await get(t, 'Observation?status=final&_count=0');
      expect(r.body.total).toBe(8);
      expect(r.body.entry).toBeUndefined();
    });

    test('a malformed _count is a 400', async () => {
      expect((await get(t, 'Patient?_count=abc')).status).toBe(400);
    });

    test('_total=none leaves the total out; accurate and estimate give it', async () => {
      expect((await get(t, 'Observation?_count=2&_total=none')).body.total).toBeUndefined();
      expect((await get(t, 'Observation?_count=2&_total=accurate')).body.total).toBe(11);
      expect((await get(t, 'Observation?_count=2&_total=estimate')).body.total).toBe(11);
      expect((await get(t, 'Observation?_total=sometimes')).status).toBe(400);
    });

    test('a _page token the server did not sign, or of another search, is 400', async () => {
      // (an expired or evicted snapshot is 410: test/unit/search/snapshot.test.ts, paging-bounds.test.ts)
      const unknown = await get(
        t,
        'Observation?_count=4&_page=00000000-0000-0000-0000-000000000000&_offset=4',
      );
      expect(unknown.status).toBe(400);
      const first = await get(t, 'Observation?_count=4');
      const token = new URL(link(first.body, 'next') as string).searchParams.get('_page') as string;
      expect((await get(t, `Patient?_count=4&_page=${token}&_offset=4`)).status).toBe(400);
      expect((await get(t, `Observation?status=final&_count=4&_page=${token}&_offset=4`)).status).toBe(400);
    });
  });

  describe('_summary and _elements (search.html#summary, #elements)', () => {
    const one = async (q: string): Promise<Resource & Record<string, unknown>> => {
      const r = await get(t, q, STRICT);
      expect(r.status).toBe(200);
      return r.body.entry?.[0]?.resource as Resource & Record<string, unknown>;
    };
    const subsetted = (r: Resource) => r.meta?.tag?.some((x) => x.code === 'SUBSETTED') ?? false;

    test('_summary=true keeps the summary elements of the base definition and marks SUBSETTED', async () => {
      const p = await one('Patient?_id=pat-1&_summary=true');
      expect(p.name).toBeDefined(); // Patient.name is Σ
      expect(p.birthDate).toBe('1974-12-25');
      expect(p.managingOrganization).toBeDefined(); // Σ
      expect(p.generalPractitioner).toBeUndefined(); // not Σ
      expect(p.text).toBeUndefined();
      expect(subsetted(p)).toBe(true);
    });

    test('_summary=true keeps mandatory elements (Observation.status, code)', async () => {
      const o = await one('Observation?_id=obs-1&_summary=true');
      expect(o.status).toBe('final');
      expect(o.code).toBeDefined();
      expect(o.valueQuantity).toBeDefined(); // value[x] is Σ
      expect(o.category).toBeUndefined(); // not Σ
    });

    test('_summary=text keeps text, id, meta and mandatory elements only', async () => {
      const p = await one('Patient?_id=pat-1&_summary=text');
      expect(Object.keys(p).sort()).toEqual(['id', 'meta', 'resourceType', 'text']);
    });

    test('_summary=data removes the narrative only', async () => {
      const p = await one('Patient?_id=pat-1&_summary=data');
      expect(p.text).toBeUndefined();
      expect(p.generalPractitioner).toBeDefined();
      expect(subsetted(p)).toBe(true);
    });

    test('_summary=false returns the whole resource; _summary=count only the total', async () => {
      const p = await one('Patient?_id=pat-1&_summary=false');
      expect(p.text).toBeDefined();
      expect(subsetted(p)).toBe(false);
      const count = await get(t, 'Patient?gender=male&_summary=count');
      expect(count.body.total).toBe(2);
      expect(count.body.entry).toBeUndefined();
    });

    test('_elements keeps the listed elements plus id, meta and mandatory ones', async () => {
      const p = await one('Patient?_id=pat-1&_elements=birthDate,gender');
      expect(Object.keys(p).sort()).toEqual(['birthDate', 'gender', 'id', 'meta', 'resourceType']);
      const o = await one('Observation?_id=obs-1&_elements=subject');
      expect(Object.keys(o).sort()).toEqual(['code', 'id', 'meta', 'resourceType', 'status', 'subject']);
    });

    test('_elements names a choice element by its base name (value → valueQuantity)', async () => {
      const o = await one('Observation?_id=obs-1&_elements=value');
      expect(o.valueQuantity).toEqual(expect.objectContaining({ value: 72 }));
      expect(subsetted(o)).toBe(true);
    });

    test('included resources are not subsetted', async () => {
      const r = await get(t, 'Condition?_id=cond-1&_include=Condition:subject&_elements=code');
      const patient = r.body.entry?.find((e) => e.search?.mode === 'include')?.resource as Resource;
      expect((patient as { name?: unknown }).name).toBeDefined();
    });
  });
});
