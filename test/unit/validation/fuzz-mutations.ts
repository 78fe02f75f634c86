/**
 * Mutations for the fuzz test: each takes a valid resource and breaks one element in a way the R4 spec
 * forbids, returning the FHIRPath(s) (JSON-key form) of which an error issue must name at least one.
 */
import {
  at,
  collectSites,
  mutate,
  mutateValue,
  presentKeys,
  requiredOf,
  type Json,
  type Site,
} from './fuzz-sites.js';

/** A mutated copy and the paths of which at least one must be named by an error issue. */
export interface Mutation {
  readonly kind: string;
  readonly resource: Json;
  readonly expected: string[];
  readonly description: string;
}

/** Keys whose date-like values are date, dateTime or instant in the resources fuzzed. */
const DATE_KEYS = new Set([
  'date',
  'birthDate',
  'start',
  'end',
  'lastUpdated',
  'issued',
  'recorded',
  'authoredOn',
  'onsetDateTime',
  'abatementDateTime',
  'recordedDate',
  'effectiveDateTime',
  'occurrenceDateTime',
  'created',
  'timestamp',
  'deceasedDateTime',
  'performedDateTime',
  'valueDateTime',
  'valueDate',
  'valueInstant',
  'dateTime',
  'time',
  'dateWritten',
  'lastModified',
  'dateAsserted',
]);
const DATE_LIKE = /^\d{4}(-\d{2}(-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2}))?)?)?$/;
const BAD_DATES = [
  '2026-02-30',
  '2026-1-5',
  '2026-13-01',
  '2026-01-05T10:00:00',
  '2026-01-05T25:00:00Z',
  '20260105',
  '2026/01/05',
  '2023-02-29',
  '26-01-05',
  '2026-00',
];
/** Keys that hold string, markdown or code values (the 1 MB limit applies), when string-valued. */
const STRING_KEYS = new Set([
  'display',
  'text',
  'description',
  'title',
  'comment',
  'family',
  'name',
  'code',
  'unit',
]);
const BAD_IDS = ['bad id', 'a'.repeat(65), 'a_b', 'x/y', ''];
const BAD_REFERENCES = [
  'Patient',
  'Unknowntype/1',
  'Patient/bad id',
  'Patient/a_b',
  'Patient/1/_history',
  '#bad/id',
  'urn:uuid:123',
  'not a reference',
  'urn:oid:1.x',
];
const BAD_CODES = ['no-such-code', ' active', 'in  progress', 'active ', ''];
/** R4 datatypes.html: strings SHALL NOT exceed 1 MB. */
const TWO_MB = 'x'.repeat(2 * 1024 * 1024);

type Pick = <T>(items: readonly T[]) => T;
const isPrimitive = (v: unknown): boolean => ['string', 'number', 'boolean'].includes(typeof v);
const isPlainObject = (v: unknown): boolean => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNamed = (s: Site): s is Site & { key: string } => typeof s.key === 'string' && s.key !== '';
/** An array item whose array has a parallel `_name` array (null may then be legitimate). */
const itemHasPartner = (root: Json, s: Site): boolean =>
  typeof s.key === 'number' &&
  Object.hasOwn(at(root, s.container.slice(0, -1)), '_' + String(s.container[s.container.length - 1]));

interface MutationKind {
  readonly kind: string;
  readonly applies: (s: Site, root: Json) => boolean;
  readonly apply: (root: Json, s: Site, pick: Pick) => Omit<Mutation, 'kind'>;
}

const set = (root: Json, s: Site, value: unknown, description: string): Omit<Mutation, 'kind'> => ({
  resource: mutate(root, s, (c) => {
    c[s.key] = value;
  }),
  expected: [s.path],
  description,
});

/** The catalogue of invalid mutations. */
export const MUTATIONS: MutationKind[] = [
  {
    kind: 'unknown-element',
    applies: (s) => isPlainObject(s.value),
    apply: (root, s, pick) => {
      const name = pick(['zzUnknown', 'foo', 'Status', 'extensions', 'valueFoo']);
      return {
        resource: mutateValue(root, s, (v) => {
          v[name] = 'x';
        }),
        expected: [`${s.path}.${name}`],
        description: `add ${name}`,
      };
    },
  },
  {
    kind: 'misspelt-element',
    applies: (s) => isNamed(s) && s.key.length > 2 && !s.isResource,
    apply: (root, s) => {
      const k = s.key as string;
      const wrong = k.slice(0, -2) + k.charAt(k.length - 1) + k.charAt(k.length - 2) + 'q';
      return {
        resource: mutate(root, s, (c) => {
          c[wrong] = c[k];
          delete c[k];
          delete c['_' + k];
        }),
        expected: [`${s.parentPath}.${wrong}`],
        description: `rename ${k} to ${wrong}`,
      };
    },
  },
  {
    kind: 'wrong-json-type',
    applies: (s) => isPrimitive(s.value),
    apply: (root, s) => {
      const wrong = typeof s.value === 'string' ? 42 : String(s.value);
      return set(root, s, wrong, `${JSON.stringify(s.value)?.slice(0, 30)} -> ${JSON.stringify(wrong)}`);
    },
  },
  {
    kind: 'object-to-primitive',
    applies: (s) => isPlainObject(s.value) && s.key !== '',
    apply: (root, s, pick) => set(root, s, pick(['text', 7, true]), 'object replaced by a primitive'),
  },
  {
    kind: 'array-to-single',
    applies: (s) => Array.isArray(s.value) && s.value.length > 0,
    apply: (root, s) => set(root, s, (s.value as unknown[])[0], 'array replaced by its first item'),
  },
  {
    kind: 'single-to-array',
    applies: (s) => isNamed(s) && !Array.isArray(s.value),
    apply: (root, s) => set(root, s, [s.value], 'single value wrapped in an array'),
  },
  {
    kind: 'malformed-date',
    applies: (s) =>
      isNamed(s) && DATE_KEYS.has(s.key) && typeof s.value === 'string' && DATE_LIKE.test(s.value),
    apply: (root, s, pick) => {
      const bad = pick(BAD_DATES);
      return set(root, s, bad, `${String(s.value)} -> ${bad}`);
    },
  },
  {
    kind: 'bad-id',
    applies: (s) => s.isResource && typeof (s.value as Json).id === 'string',
    apply: (root, s, pick) => {
      const bad = pick(BAD_IDS);
      return {
        resource: mutateValue(root, s, (v) => {
          v.id = bad;
        }),
        expected: [`${s.path}.id`],
        description: `id -> ${JSON.stringify(bad.slice(0, 20))}`,
      };
    },
  },
  {
    kind: 'remove-required',
    applies: (s) =>
      isPlainObject(s.value) && requiredOf(s).some((n) => presentKeys(s.value as Json, n).length > 0),
    apply: (root, s, pick) => {
      const obj = s.value as Json;
      const name = pick(requiredOf(s).filter((n) => presentKeys(obj, n).length > 0));
      const keys = presentKeys(obj, name);
      const base = name.replace('[x]', '');
      return {
        resource: mutateValue(root, s, (v) => {
          for (const k of keys) delete v[k];
        }),
        expected: [`${s.path}.${base}`, s.path],
        description: `remove ${name}`,
      };
    },
  },
  {
    kind: 'null-in-wrong-place',
    applies: (s, root) => s.key !== '' && !itemHasPartner(root, s),
    apply: (root, s) => set(root, s, null, 'value replaced by null'),
  },
  {
    kind: 'empty-value',
    applies: (s) =>
      s.key !== '' && (typeof s.value === 'string' || isPlainObject(s.value) || Array.isArray(s.value)),
    apply: (root, s, pick) => {
      const empty = typeof s.value === 'string' ? pick(['', '   ', '\n']) : Array.isArray(s.value) ? [] : {};
      return set(root, s, empty, `emptied to ${JSON.stringify(empty)}`);
    },
  },
  {
    kind: 'bad-reference',
    applies: (s) => s.key === 'reference' && typeof s.value === 'string',
    apply: (root, s, pick) => {
      const bad = pick(BAD_REFERENCES);
      return set(root, s, bad, `reference -> ${bad}`);
    },
  },
  {
    kind: 'two-mb-string',
    applies: (s) => isNamed(s) && STRING_KEYS.has(s.key) && typeof s.value === 'string',
    apply: (root, s) => set(root, s, TWO_MB, '2 MB string'),
  },
  {
    kind: 'bad-code',
    applies: (s) =>
      (s.key === 'status' || s.key === 'intent') &&
      typeof s.value === 'string' &&
      !s.parentPath.includes('.'),
    apply: (root, s, pick) => {
      const bad = pick(BAD_CODES);
      return set(root, s, bad, `${s.key} -> ${JSON.stringify(bad)}`);
    },
  },
  {
    kind: 'bad-primitive-extension',
    applies: (s) => isNamed(s) && isPrimitive(s.value),
    apply: (root, s, pick) => {
      const bad = pick(['x', 5, [], { value: 1 }]);
      return {
        resource: mutate(root, s, (c) => {
          c['_' + s.key] = bad;
        }),
        expected: [s.path, `${s.parentPath}._${String(s.key)}`, `${s.path}.value`],
        description: `_${String(s.key)} -> ${JSON.stringify(bad)}`,
      };
    },
  },
];

/** The (mutation, site) pairs that apply to a resource. */
export function applicableMutations(root: Json): [MutationKind, Site][] {
  const sites = collectSites(root);
  const out: [MutationKind, Site][] = [];
  for (const m of MUTATIONS) for (const s of sites) if (m.applies(s, root)) out.push([m, s]);
  return out;
}
