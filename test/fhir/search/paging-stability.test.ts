/**
 * Acceptance 2, stable paging (R4 http.html#paging): a client pages through 1,000 matches with _count=50
 * while another client creates new matching resources (with ids that sort before the existing ones) and
 * updates existing matching ones (which changes their _lastUpdated, the sort key of the second run).
 * Offset paging over the live query would then repeat or skip resources; the `_page` tokens must give
 * every initial match exactly once: the default order is paged by key (keyset.ts: an updated resource keeps
 * its id, so its place; the created ones sort before the cursor), `-_lastUpdated` from a snapshot.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { Bundle, Condition } from 'fhir/r4.js';
import request from 'supertest';
import { ENGINES, type TestApp, makeTestApp } from '../../helpers/test-app.js';

const N = 1000;
const CODE = { coding: [{ system: 'http://snomed.info/sct', code: '44054006' }] };

const condition = (id: string, note: string): Condition => ({
  resourceType: 'Condition',
  id,
  code: CODE,
  subject: { reference: 'Patient/p1' },
  note: [{ text: note }],
});

describe.each(ENGINES)('stable paging on the %s engine', (engine) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await makeTestApp({ engine });
    for (let i = 0; i < N; i++) {
      const id = `c-${String(i).padStart(4, '0')}`;
      await t.services.resources.put('Condition', id, condition(id, 'initial'), { method: 'PUT' });
    }
  });
  afterAll(async () => {
    await t.close();
  });

  /** Writes so far by the concurrent writer. */
  const progress = { writes: 0 };

  /** Writes until `done()`: creates early-sorting matches and updates existing ones, through HTTP. */
  async function writer(done: () => boolean): Promise<number> {
    let writes = 0;
    for (let k = progress.writes; !done(); k++) {
      const id = k % 2 === 0 ? `a-new-${engine}-${k}` : `c-${String((k * 37) % N).padStart(4, '0')}`;
      const res = await request(t.app)
        .put(`/fhir/Condition/${id}`)
        .set('content-type', 'application/fhir+json')
        .send(JSON.stringify(condition(id, `write ${k}`)));
      expect([200, 201]).toContain(res.status);
      writes++;
      progress.writes++;
    }
    return writes;
  }

  /** Pages through the search; `onFirstPage` runs once the first page (and its snapshot) exists. */
  async function reader(query: string, expected: number, onFirstPage: () => void): Promise<string[][]> {
    const pages: string[][] = [];
    let url: string | undefined = `/fhir/${query}`;
    while (url) {
      const res = await request(t.app).get(url);
      expect(res.status).toBe(200);
      const body = res.body as Bundle;
      if (pages.length === 0) {
        expect(body.total).toBe(expected);
        onFirstPage();
      }
      pages.push((body.entry ?? []).map((e) => `Condition/${e.resource?.id}`));
      const next = body.link?.find((l) => l.relation === 'next')?.url;
      url = next ? new URL(next).pathname + new URL(next).search : undefined;
      // let the writer in: at least two more writes land between consecutive pages
      const target = progress.writes + 2;
      while (progress.writes < target) await new Promise((r) => setImmediate(r));
    }
    return pages;
  }

  test.each([
    ['Condition?code=44054006&_count=50'],
    ['Condition?code=44054006&_count=50&_sort=-_lastUpdated'],
  ])('%s: no duplicate and no gap among the initial matches while another client writes', async (query) => {
    // the matches when the client starts (the first run's writer added some for the second run)
    const before = (await t.services.resources.find('Condition', { kind: 'all' })).map(
      (d) => `Condition/${d._id}`,
    );
    expect(before.length).toBeGreaterThanOrEqual(N);
    let finished = false;
    let writing: Promise<number> = Promise.resolve(0);
    const pages = await reader(query, before.length, () => {
      writing = writer(() => finished);
    }).finally(() => {
      finished = true;
    });
    const writes = await writing;
    expect(writes).toBeGreaterThanOrEqual(2 * (pages.length - 1)); // the writer ran between every two pages
    expect(pages).toHaveLength(Math.ceil(before.length / 50));
    const seen = pages.flat();
    expect(new Set(seen).size).toBe(seen.length); // no duplicate
    expect([...seen].sort()).toEqual([...before].sort()); // no gap, and nothing created after the start
    const after = await t.services.resources.count('Condition', { kind: 'all' });
    expect(after).toBeGreaterThan(before.length); // new matches exist, yet none was served
  });
});
