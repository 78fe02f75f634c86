/**
 * The MongoDB engine's history collection, as pure functions: the statements one write sends (all
 * `updateOne`, so the driver sends them as ONE `update` command), and the key-set filter of history pages
 * over `(lu, _id)`, evaluated with mingo (MongoDB's documented query semantics) over generated entries.
 * No server and no driver mock are involved.
 */
import { describe, expect, test } from '@jest/globals';
import { Query } from 'mingo';
import type { Patient } from 'fhir/r4.js';
import type { HistoryCursor, HistoryQuery } from '../../server/storage/repository.js';
import {
  historyEntry,
  historyFilter,
  historyWrites,
  type CurrentDoc,
  type HistoryEntry,
} from '../../server/storage/mongodb/history.js';

const patient: Patient = { resourceType: 'Patient', id: 'p1', meta: { versionId: '2' } };
const current = (over: Partial<CurrentDoc> = {}): CurrentDoc => ({
  _id: 'p1',
  vid: 2,
  lu: '2026-01-01T00:00:02.000Z',
  resource: patient,
  ...over,
});

describe('historyWrites', () => {
  test('an update: copy the superseded body into its entry, then insert the new entry, both updateOne', () => {
    const next = current({ vid: 3, lu: '2026-01-01T00:00:03.000Z' });
    const entry = historyEntry('Patient', next, 'PUT');
    expect(entry).toEqual({
      _id: 'Patient/p1/3',
      t: 'Patient',
      rid: 'p1',
      vid: 3,
      lu: '2026-01-01T00:00:03.000Z',
      method: 'PUT',
    });
    const ops = historyWrites('Patient', current(), entry);
    expect(ops).toEqual([
      {
        updateOne: {
          filter: { _id: 'Patient/p1/2', deleted: { $ne: true }, resource: { $exists: false } },
          update: { $set: { resource: patient } },
        },
      },
      {
        updateOne: {
          filter: { _id: 'Patient/p1/3' },
          update: {
            $setOnInsert: { t: 'Patient', rid: 'p1', vid: 3, lu: '2026-01-01T00:00:03.000Z', method: 'PUT' },
          },
          upsert: true,
        },
      },
    ]);
  });

  test('a create, or a write after a deletion: only the new entry', () => {
    const created = current({ vid: 1 });
    expect(historyWrites('Patient', null, historyEntry('Patient', created, 'POST'))).toHaveLength(1);
    const tomb = current({ deleted: true, resource: undefined });
    const ops = historyWrites('Patient', tomb, historyEntry('Patient', current({ vid: 3 }), 'PUT'));
    expect(ops).toHaveLength(1);
    expect(ops[0]).toMatchObject({ updateOne: { filter: { _id: 'Patient/p1/3' }, upsert: true } });
  });

  test('a deletion: its entry says so and holds no body', () => {
    const tomb = { _id: 'p1', vid: 3, lu: '2026-01-01T00:00:03.000Z', deleted: true } as CurrentDoc;
    const ops = historyWrites('Patient', current(), historyEntry('Patient', tomb, 'DELETE'));
    expect(ops).toHaveLength(2);
    expect(ops[1]).toMatchObject({
      updateOne: { update: { $setOnInsert: { deleted: true, method: 'DELETE' } }, upsert: true },
    });
    expect(JSON.stringify(ops[1])).not.toContain('"resource"');
  });

  test('the copy statement matches only an entry without a body that is not a deletion', () => {
    const ops = historyWrites('Patient', current(), historyEntry('Patient', current({ vid: 3 }), 'PUT'));
    const first = ops[0];
    if (!('updateOne' in first)) throw new Error('expected updateOne');
    const q = new Query(first.updateOne.filter as Record<string, unknown>);
    const base = { _id: 'Patient/p1/2', t: 'Patient', rid: 'p1', vid: 2, lu: 'x', method: 'PUT' };
    expect(q.test(base)).toBe(true);
    expect(q.test({ ...base, resource: patient })).toBe(false);
    expect(q.test({ ...base, deleted: true })).toBe(false);
    expect(q.test({ ...base, _id: 'Patient/p1/1' })).toBe(false);
  });
});

/** Generated history: several entries share an instant, so order needs `_id` after `lu`. */
function entries(): HistoryEntry[] {
  const out: HistoryEntry[] = [];
  for (let i = 0; i < 57; i++) {
    const type = i % 3 === 0 ? 'Observation' : 'Patient';
    const lu = `2026-01-01T00:00:${String(Math.floor(i / 4)).padStart(2, '0')}.000Z`;
    out.push({ _id: `${type}/r${i % 11}/${i}`, t: type, rid: `r${i % 11}`, vid: i, lu, method: 'PUT' });
  }
  return out;
}

/** Reads all pages of `q` with the key-set filter and the engine's sort, `size` entries per page. */
function pages(all: HistoryEntry[], q: HistoryQuery, size: number): string[][] {
  const dir = (q.order ?? 'newest') === 'newest' ? -1 : 1;
  const out: string[][] = [];
  let after: HistoryCursor | undefined;
  for (;;) {
    const filter = historyFilter({ ...q, after }, true) as Record<string, unknown>;
    const page = new Query(filter).find<HistoryEntry>(all).sort({ lu: dir, _id: dir }).limit(size).all();
    if (page.length === 0) return out;
    out.push(page.map((e) => e._id));
    const last = page[page.length - 1];
    after = { lu: last.lu, key: last._id };
  }
}

/** The expected order: by `(lu, _id)`, newest or oldest first. */
function ordered(all: HistoryEntry[], order: 'newest' | 'oldest'): string[] {
  const cmp = (a: HistoryEntry, b: HistoryEntry) =>
    a.lu < b.lu ? -1 : a.lu > b.lu ? 1 : a._id < b._id ? -1 : a._id > b._id ? 1 : 0;
  const sorted = [...all].sort(cmp).map((e) => e._id);
  return order === 'newest' ? sorted.reverse() : sorted;
}

describe('historyFilter: key-set pages over (lu, _id)', () => {
  test('newest and oldest first: every entry once, in order, across pages that split an instant', () => {
    const all = entries();
    for (const order of ['newest', 'oldest'] as const) {
      for (const size of [1, 3, 5, 20]) {
        expect(pages(all, { order }, size).flat()).toEqual(ordered(all, order));
      }
    }
  });

  test('type, instance, types and since/until restrict the entries', () => {
    const all = entries();
    const patientOnly = all.filter((e) => e.t === 'Patient');
    expect(pages(all, { type: 'Patient' }, 4).flat()).toEqual(ordered(patientOnly, 'newest'));
    const one = all.filter((e) => e.t === 'Patient' && e.rid === 'r1');
    expect(pages(all, { type: 'Patient', id: 'r1' }, 2).flat()).toEqual(ordered(one, 'newest'));
    expect(pages(all, { types: ['Observation'] }, 4).flat()).toEqual(
      ordered(
        all.filter((e) => e.t === 'Observation'),
        'newest',
      ),
    );
    const since = '2026-01-01T00:00:05.000Z';
    const until = '2026-01-01T00:00:09.000Z';
    expect(pages(all, { since, until, order: 'oldest' }, 3).flat()).toEqual(
      ordered(
        all.filter((e) => e.lu > since && e.lu <= until),
        'oldest',
      ),
    );
    expect(pages(all, { since, sinceInclusive: true }, 50).flat()).toEqual(
      ordered(
        all.filter((e) => e.lu >= since),
        'newest',
      ),
    );
  });

  test('the count filter ignores the cursor; no condition is the empty filter', () => {
    const after = { lu: '2026-01-01T00:00:01.000Z', key: 'Patient/r1/1' };
    expect(historyFilter({ after }, false)).toEqual({});
    expect(historyFilter({ type: 'Patient', after }, false)).toEqual({ t: 'Patient' });
  });
});
