/**
 * Search conformance, part 1: every parameter type, modifier, prefix and precision, chaining and _has,
 * over the named fixture (fixtures/search/conformance.json), through the REST API, on every engine
 * (embedded always; MongoDB when MONGODB_URI is set). Expectations: cases-types.ts.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { ENGINES, type TestApp } from '../../helpers/test-app.js';
import { GROUPS } from './cases-types.js';
import { conformanceApp, get } from './fixture.js';

/** `Type/id` of an expected id (bare ids are of the searched type). */
const qualify = (query: string, id: string): string =>
  id.includes('/') ? id : `${query.split('?')[0]}/${id}`;

describe.each(ENGINES)('search conformance by parameter type on the %s engine', (engine) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await conformanceApp(engine);
  });
  afterAll(async () => {
    await t.close();
  });

  for (const [group, cases] of Object.entries(GROUPS)) {
    describe(group, () => {
      test.each(cases.map((c) => [c.q, c] as const))('%s', async (_q, c) => {
        const sep = c.q.includes('?') ? '&' : '?';
        const reply = await get(t, `${c.q}${sep}_count=100`, { prefer: 'handling=strict' });
        expect(reply.status).toBe(200);
        expect(reply.warnings).toEqual([]);
        expect([...reply.matches].sort()).toEqual(c.ids.map((id) => qualify(c.q, id)).sort());
        expect(reply.body.total).toBe(c.ids.length);
      });
    });
  }
});
