/**
 * Query plans of multi-clause searches on SQLite: one clause drives (read from its parameter's index) and
 * every other clause is a probe by the candidate's own row key (rk), never a read of all the type's matches
 * of that clause (which would make `Encounter?patient=X&class=VR&date=...` grow with the practice).
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { parseSearch } from '../../server/fhir/search/parse.js';
import { whereOf } from '../../server/fhir/search/where.js';
import type { ResourceRepository, Storage } from '../../server/storage/repository.js';
import { openSqliteStorage } from '../../server/storage/sqlite/index.js';
import { contractDeps, contractRegistry } from './repository-contract.js';

let store: Storage;
let repo: ResourceRepository;
beforeAll(async () => {
  store = await openSqliteStorage({ dataDir: null });
  repo = store.repository(contractDeps());
});
afterAll(async () => store.close());

const plan = async (type: string, query: Array<[string, string]>) => {
  const ir = parseSearch(contractRegistry(), type, query, { strict: true, baseUrl: 'http://127.0.0.1/fhir' });
  return (await repo.explain(type, whereOf(ir), { limit: 21 })).detail;
};

test.each([
  [
    'Encounter',
    [
      ['patient', 'p1'],
      ['class', 'VR'],
      ['date', 'ge2026-01-01'],
      ['date', 'lt2026-02-01'],
    ],
  ],
  [
    'CarePlan',
    [
      ['patient', 'p1'],
      ['status', 'active'],
      ['category', 'assess-plan'],
    ],
  ],
  [
    'Condition',
    [
      ['clinical-status', 'active'],
      ['subject', 'Patient/p1'],
    ],
  ],
] as Array<[string, Array<[string, string]>]>)(
  '%s: the reference drives, the rest are probes by id',
  async (type, q) => {
    const detail = await plan(type, q);
    expect(detail.some((d) => /USING (COVERING )?INDEX ix_reference_\d/.test(d))).toBe(true);
    const probes = detail.filter((d) => d.includes('EXISTS'));
    expect(probes.length).toBe(q.length - 1);
    for (const p of probes) expect(p).toMatch(/USING INDEX ix_\w+_rk \(rk=\?\)/);
  },
);

test.each([
  ['Observation', [['code:text', 'heart']], 'ix_token_1', 't>? AND t<?'],
  ['Observation', [['subject:identifier', 'http://example.org/mrn|123']], 'ix_reference_1', 'iv=?'],
  ['Observation', [['value-quantity', '5.4|http://unitsofmeasure.org|mmol/L']], 'ix_quantity_1', 'n=?'],
] as Array<[string, Array<[string, string]>, string, string]>)(
  '%s %j reads the partial index %s',
  async (type, q, index, constraint) => {
    const detail = await plan(type, q);
    expect(detail.some((d) => d.includes(`INDEX ${index} `) && d.includes(constraint))).toBe(true);
  },
);
