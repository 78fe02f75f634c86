/**
 * Acceptance 4, structural part: the three CCM queries (Condition?patient=X, Encounter?patient=X&date=
 * ge2026-01-01&date=lt2026-02-01, CarePlan?patient=X&status=active) are compiled by the real pipeline and
 * explained on the storage engine at two population sizes. They must be answered from an index (never a
 * scan of the type) with the same plan at both sizes, so the work per query does not grow with the
 * population. The small population has the full CCM shape (10 Conditions, 10 Encounters, 1 CarePlan per
 * patient); the large one (10x the patients) is lean to keep the test fast, except the probed patients,
 * which have the full shape. The 100,000-patient measurement is bench/search-scale.ts.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { ENGINES, makeTestApp, type Engine, type TestApp } from '../../helpers/test-app.js';
import { parseFor } from '../../../server/fhir/interactions/search.js';
import { compileResolved } from '../../../server/fhir/search/resolve.js';
import type { QueryPlan } from '../../../server/storage/repository.js';
import { CCM_SHAPE, generatePopulation, patientId } from './population.js';

const SMALL = 1000;
const LARGE = 10_000;
const PROBES = 3;

/** Encounters of patient i in January 2026 (population.ts puts encounter k in month (7i + 5k) mod 24). */
const januaryEncounters = (i: number): number =>
  Array.from({ length: CCM_SHAPE.encounters }, (_, k) => (i * 7 + k * 5) % 24).filter((m) => m === 12).length;

const QUERIES = [
  {
    type: 'Condition',
    params: (p: string) => [['patient', p]],
    expected: () => CCM_SHAPE.conditions,
    perPatient: CCM_SHAPE.conditions,
  },
  {
    type: 'Encounter',
    params: (p: string) => [
      ['patient', p],
      ['date', 'ge2026-01-01'],
      ['date', 'lt2026-02-01'],
    ],
    expected: januaryEncounters,
    perPatient: CCM_SHAPE.encounters,
  },
  {
    type: 'CarePlan',
    params: (p: string) => [
      ['patient', p],
      ['status', 'active'],
    ],
    expected: () => 1,
    perPatient: CCM_SHAPE.carePlans,
  },
] as const;

/** Builds a population of `patients` whose probed patients (the last PROBES) have the full CCM shape. */
async function population(engine: Engine, patients: number, lean: boolean): Promise<TestApp> {
  const t = await makeTestApp({ engine });
  const shape = lean ? { conditions: 1, encounters: 1, carePlans: 1 } : CCM_SHAPE;
  await generatePopulation(t.services, patients - PROBES, shape);
  await generatePopulation(t.services, patients, CCM_SHAPE, patients - PROBES);
  return t;
}

/** Explains one query for patient i through the real parse -> resolve -> compile pipeline. */
async function explain(
  t: TestApp,
  q: (typeof QUERIES)[number],
  i: number,
): Promise<QueryPlan & { nReturned: number }> {
  const ir = parseFor(t.services, q.type, q.params(patientId(i)) as Array<[string, string]>, true);
  const where = await compileResolved({ resources: t.services.resources, baseUrl: t.services.baseUrl }, ir);
  const plan = await t.services.resources.explain(q.type, where);
  const nReturned = (await t.services.resources.find(q.type, where, { fields: 'id' })).length;
  return { ...plan, nReturned };
}

describe.each(ENGINES)('CCM queries stay index-backed as the population grows (%s)', (engine) => {
  const plans = new Map<string, Array<QueryPlan & { nReturned: number }>>();
  const apps: TestApp[] = [];
  beforeAll(async () => {
    for (const [patients, lean] of [
      [SMALL, false],
      [LARGE, true],
    ] as const) {
      const t = await population(engine, patients, lean);
      apps.push(t);
      for (const q of QUERIES) {
        const list: Array<QueryPlan & { nReturned: number }> = [];
        for (let i = patients - PROBES; i < patients; i++) list.push(await explain(t, q, i));
        plans.set(`${q.type}@${patients}`, list);
      }
    }
  }, 120_000);
  afterAll(async () => {
    for (const t of apps) await t.close();
  });

  test.each(QUERIES.map((q) => [q.type, q] as const))(
    '%s?patient=X...: index, no scan, same work at 1x and 10x',
    (_n, q) => {
      for (const patients of [SMALL, LARGE]) {
        plans.get(`${q.type}@${patients}`)?.forEach((plan, k) => {
          const i = patients - PROBES + k;
          expect(plan.scansType).toBe(false);
          expect(plan.indexes.length).toBeGreaterThan(0);
          expect(plan.nReturned).toBe(q.expected(i));
          expect(plan.nReturned).toBeLessThanOrEqual(q.perPatient);
        });
      }
      const small = plans.get(`${q.type}@${SMALL}`)?.map((p) => p.detail.join('\n'));
      const large = plans.get(`${q.type}@${LARGE}`)?.map((p) => p.detail.join('\n'));
      expect(small?.length).toBe(PROBES);
      expect(large?.length).toBe(PROBES);
      // the same plan at 1x and 10x: the engine does the same work whatever the population
      expect(large).toEqual(small);
    },
  );
});
