/**
 * The two halves of a rule agree (server/fhir/access/policy.ts): the storage filter that confines searches
 * (ruleFilter) selects exactly the resources the in-memory test (ruleAllows) allows, for every class of
 * reach.ts that a patient token reaches through the index, on resources built to sit on each edge
 * (owner present or absent, several owners, references to other patients).
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { Resource } from 'fhir/r4.js';
import { accessContext } from '../../server/fhir/access/context.js';
import { ruleAllows, ruleFilter, ruleFor } from '../../server/fhir/access/policy.js';
import { makeTestApp, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
beforeAll(async () => {
  t = await makeTestApp();
});
afterAll(() => t.close());

const P = (id: string) => ({ reference: `Patient/${id}` });
const task = (extra: Record<string, unknown>) => ({
  resourceType: 'Task',
  status: 'requested',
  intent: 'order',
  ...extra,
});

/** Resources per type, each on an edge of its class's rule. */
const EDGES: Record<string, Array<Record<string, unknown>>> = {
  Task: [
    task({ for: P('a') }),
    task({ for: P('b') }),
    task({ for: P('b'), focus: P('a') }),
    task({ focus: P('a') }),
    task({ focus: P('b') }),
    task({}),
    task({ for: { identifier: { value: 'a' } }, focus: P('a') }),
  ],
  Device: [
    { resourceType: 'Device', patient: P('a') },
    { resourceType: 'Device', patient: P('b') },
    { resourceType: 'Device' },
  ],
  Condition: [
    { resourceType: 'Condition', subject: P('a') },
    { resourceType: 'Condition', subject: P('b'), asserter: P('a') },
    { resourceType: 'Condition', subject: P('b') },
  ],
  Provenance: [
    { resourceType: 'Provenance', recorded: '2024-01-01T00:00:00Z', agent: [], target: [P('a')] },
    {
      resourceType: 'Provenance',
      recorded: '2024-01-01T00:00:00Z',
      agent: [],
      target: [{ reference: 'Condition/x' }],
    },
  ],
  Binary: [{ resourceType: 'Binary', contentType: 'text/plain', securityContext: P('a') }],
  Practitioner: [{ resourceType: 'Practitioner' }],
  Slot: [
    {
      resourceType: 'Slot',
      status: 'free',
      start: '2024-01-01T00:00:00Z',
      end: '2024-01-01T01:00:00Z',
      schedule: { reference: 'Schedule/s' },
    },
  ],
};

/** What patient a reads of each type's edges (by index in EDGES), so that agreement is never vacuous. */
const READS: Record<string, number[]> = {
  Task: [0, 3],
  Device: [0],
  Condition: [0, 1],
  Provenance: [0],
  Binary: [],
  Practitioner: [0],
  Slot: [],
};

describe.each(Object.keys(EDGES))('%s', (type) => {
  test.each(['r', 'u'] as const)(
    'patient a, permission %s: the storage filter selects what the in-memory test allows',
    async (perm) => {
      const ids: string[] = [];
      for (const [i, r] of EDGES[type].entries()) {
        const id = `edge-${type.toLowerCase()}-${i}`;
        await t.services.resources.put(type, id, { ...r, id } as Resource, { method: 'PUT' });
        ids.push(id);
      }
      const auth = accessContext({
        jti: 'j',
        client_id: 'c',
        sub: 's',
        scope: 'patient/*.cruds',
        patient: 'a',
      });
      const rule = ruleFor(t.services, auth, type, [perm]);
      const filter = ruleFilter(rule);
      const stored = await t.services.resources.find(type, filter ?? { kind: 'all' });
      const selected = stored
        .map((d) => d._id)
        .filter((id) => ids.includes(id))
        .sort();
      const allowed: string[] = [];
      for (const id of ids) {
        const doc = await t.services.resources.read(type, id);
        if (doc?.resource && ruleAllows(t.services, rule, doc.resource)) allowed.push(id);
      }
      expect(selected).toEqual(allowed.sort());
      if (perm === 'r') expect(allowed).toEqual(READS[type].map((i) => `edge-${type.toLowerCase()}-${i}`));
    },
  );
});
