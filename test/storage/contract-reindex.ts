/**
 * Contract: `ResourceRepository.reindex` re-extracts the search index of a type's current versions in `_id`
 * order, chunk by chunk, in place (no version, no history, `lu` unchanged), atomically per chunk, so that a
 * parameter the extraction did not know when the resources were written finds them afterwards, and a write
 * racing with the chunks leaves the right entries. Runs on every engine (registered by the repository
 * contract).
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { Resource, SearchParameter } from 'fhir/r4.js';
import { loadR4Definitions } from '../../server/fhir/definitions.js';
import { extractIndex } from '../../server/fhir/search/extract.js';
import { parseSearch } from '../../server/fhir/search/parse.js';
import { buildSearchRegistry, type SearchRegistry } from '../../server/fhir/search/registry.js';
import {
  and,
  type RepositoryDeps,
  type ResourceRepository,
  type Storage,
  type Where,
} from '../../server/storage/repository.js';

const MAIDEN_URL = 'http://hl7.org/fhir/StructureDefinition/patient-mothersMaidenName';

/** A parameter R4 does not define: Patient `mothers-maiden-name` on the R4 extension. */
const MAIDEN: SearchParameter = {
  resourceType: 'SearchParameter',
  url: 'http://example.org/fhir/SearchParameter/patient-mothers-maiden-name',
  name: 'MothersMaidenName',
  status: 'active',
  description: 'test',
  code: 'mothers-maiden-name',
  base: ['Patient'],
  type: 'string',
  expression: `Patient.extension.where(url='${MAIDEN_URL}').value`,
};

const patient = (id: string, maiden?: string): Resource =>
  ({
    resourceType: 'Patient',
    id,
    name: [{ family: `F${id}` }],
    ...(maiden ? { extension: [{ url: MAIDEN_URL, valueString: maiden }] } : {}),
  }) as Resource;

/** Two registries (without and with the parameter) and deps that switch between them. */
function switchableDeps(): {
  deps: RepositoryDeps;
  use(withParam: boolean): void;
  withParam: SearchRegistry;
} {
  const defs = loadR4Definitions();
  const without = buildSearchRegistry(defs);
  const withParam = buildSearchRegistry(defs, [MAIDEN]);
  let reg = without;
  return {
    deps: {
      extract: (r) => extractIndex(reg, r, { baseUrl: 'http://localhost/fhir' }),
      paramType: (type, code) => reg.get(type, code)?.type,
      indexKeys: () => [],
      clock: () => new Date(),
    },
    use: (on) => {
      reg = on ? withParam : without;
    },
    withParam,
  };
}

/** Registers the reindex contract; `open` returns a fresh, empty storage. */
export function registerReindexContract(open: () => Promise<Storage>): void {
  describe('reindex', () => {
    let storage: Storage;
    let repo: ResourceRepository;
    let sw: ReturnType<typeof switchableDeps>;

    beforeAll(async () => {
      storage = await open();
      sw = switchableDeps();
      repo = storage.repository(sw.deps);
    });
    afterAll(async () => {
      await storage.close();
    });

    const maiden = async (value: string): Promise<string[]> => {
      const ir = parseSearch(sw.withParam, 'Patient', [['mothers-maiden-name', value]], { strict: true });
      const found = await repo.find('Patient', and(...(ir.clauses as Where[])), { fields: 'id' });
      return found.map((d) => d._id).sort();
    };

    /** Reindexes the whole type in chunks of `limit`; returns each chunk's [count, last, done]. */
    const reindexAll = async (limit: number) => {
      const chunks: Array<[number, string | undefined, boolean]> = [];
      let after: string | undefined;
      for (;;) {
        const r = await repo.reindex('Patient', { after, limit });
        chunks.push([r.count, r.last, r.done]);
        after = r.last;
        if (r.done) return chunks;
      }
    };

    test('chunks in id order rewrite the index in place: no version, no history, lu unchanged', async () => {
      sw.use(false);
      for (let i = 1; i <= 12; i++) {
        const id = `r-${String(i).padStart(2, '0')}`;
        await repo.put(
          'Patient',
          id,
          patient(id, i % 3 === 0 ? 'Smith' : i % 3 === 1 ? 'Jones' : undefined),
          {
            method: 'PUT',
          },
        );
      }
      await repo.delete('Patient', 'r-05');
      const before = await repo.find('Patient', { kind: 'all' }, { fields: 'id', order: 'id' });
      const history = await repo.historyCount({ type: 'Patient' });
      expect(await maiden('smith')).toEqual([]);

      sw.use(true);
      expect(await reindexAll(5)).toEqual([
        [5, 'r-06', false],
        [5, 'r-11', false],
        [1, 'r-12', true],
      ]);
      expect(await maiden('smith')).toEqual(['r-03', 'r-06', 'r-09', 'r-12']);
      expect(await maiden('jones')).toEqual(['r-01', 'r-04', 'r-07', 'r-10']);
      const after = await repo.find('Patient', { kind: 'all' }, { fields: 'id', order: 'id' });
      expect(after.map((d) => [d._id, d.vid, d.lu])).toEqual(before.map((d) => [d._id, d.vid, d.lu]));
      expect(await repo.historyCount({ type: 'Patient' })).toBe(history);
      expect((await repo.read('Patient', 'r-05'))?.deleted).toBe(true);
    });

    test('an empty type is done at once; a chunk after the last id is empty and done', async () => {
      expect(await repo.reindex('Basic', { limit: 10 })).toEqual({ count: 0, last: undefined, done: true });
      expect(await repo.reindex('Patient', { after: 'r-12', limit: 10 })).toEqual({
        count: 0,
        last: 'r-12',
        done: true,
      });
    });

    test('a spent time budget ends the chunk after one resource', async () => {
      const r = await repo.reindex('Patient', { limit: 10, budgetMs: 0 });
      expect(r).toEqual({ count: 1, last: 'r-01', done: false });
    });

    test('a chunk inside a transaction that fails is rolled back', async () => {
      sw.use(false);
      const boom = new Error('boom');
      await expect(
        storage.transaction(async (tx) => {
          await repo.reindex('Patient', { limit: 100, tx });
          throw boom;
        }),
      ).rejects.toBe(boom);
      expect(await maiden('smith')).toEqual(['r-03', 'r-06', 'r-09', 'r-12']);
      sw.use(true);
    });

    test('writes racing with the chunks leave every resource indexed as it ends', async () => {
      sw.use(false);
      for (let i = 0; i < 40; i++)
        await repo.put('Patient', `w-${i}`, patient(`w-${i}`, 'Old'), { method: 'PUT' });
      sw.use(true);
      let after: string | undefined = 'r-12';
      const chunks = (async () => {
        for (;;) {
          const r = await repo.reindex('Patient', { after, limit: 3 });
          after = r.last;
          if (r.done) return;
        }
      })();
      const writes = Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          i % 2 === 0 ? repo.put('Patient', `w-${i}`, patient(`w-${i}`, 'New'), { method: 'PUT' }) : null,
        ),
      );
      await Promise.all([chunks, writes]);
      const expected = (from: number) => Array.from({ length: 20 }, (_, k) => `w-${2 * k + from}`).sort();
      expect(await maiden('new')).toEqual(expected(0));
      expect(await maiden('old')).toEqual(expected(1));
    });
  });
}
