/**
 * Deterministic fuzz test (seeded PRNG): mutated copies of valid official examples, each mutation designed to
 * be invalid R4; every one must yield an error issue naming the mutated element, and nothing may throw.
 */
import { describe, expect, test } from '@jest/globals';
import { applicableMutations, MUTATIONS, type Mutation } from './fuzz-mutations.js';
import { toJsonKeyPath } from './fuzz-sites.js';
import { errorsOf, exampleFiles, getValidator, loadExample, seededRandom } from './helpers.js';

const SEED = 20261126;
const CASES = 1500;
const TYPES = [
  'CarePlan',
  'Condition',
  'Consent',
  'Task',
  'Encounter',
  'Patient',
  'Observation',
  'MedicationRequest',
];
/** Small Bundles (transaction, batch, searchset, document) to fuzz nested resources. */
const BUNDLES = [
  'Bundle-bundle-example.json',
  'Bundle-bundle-transaction.json',
  'Bundle-bundle-response.json',
  'Bundle-f001.json',
  'Bundle-xds.json',
  'Bundle-bundle-references.json',
];
/** Examples found genuinely invalid (see official-examples.test.ts); they are not fuzzed. */
const KNOWN_INVALID = new Set(['Observation-clinical-gender.json', 'MedicationRequest-medrx0301.json']);

type Json = Record<string, unknown>;

interface Failure {
  file: string;
  kind: string;
  description: string;
  expected: string[];
  got: string[];
}

function sources(): [string, Json][] {
  const files = exampleFiles().filter(
    (f) => (TYPES.includes(f.slice(0, f.indexOf('-'))) || BUNDLES.includes(f)) && !KNOWN_INVALID.has(f),
  );
  return files.map((f) => [f, loadExample(f)]);
}

describe('fuzzing valid examples with invalid mutations', () => {
  const examples = sources();
  const random = seededRandom(SEED);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const candidates = examples.map(([file, json]) => ({ file, json, options: applicableMutations(json) }));

  test('the sources are valid to begin with', () => {
    expect(examples.length).toBeGreaterThan(150);
    const invalid = examples
      .filter(([, json]) => errorsOf(getValidator().validate(json)).length > 0)
      .map(([f]) => f);
    expect(invalid).toEqual([]);
  });

  test(`${CASES} mutations are each reported at the mutated element, without throwing`, () => {
    const failures: Failure[] = [];
    const perKind = new Map<string, number>();
    for (let i = 0; i < CASES; i++) {
      const source = pick(candidates);
      const kind = pick(MUTATIONS).kind;
      const options = source.options.filter(([m]) => m.kind === kind);
      const [mutation, site] = options.length > 0 ? pick(options) : pick(source.options);
      const m: Mutation = { kind: mutation.kind, ...mutation.apply(source.json, site, pick) };
      perKind.set(m.kind, (perKind.get(m.kind) ?? 0) + 1);
      let got: string[];
      try {
        const errors = errorsOf(getValidator().validate(m.resource));
        got = errors.map((e) => `${e.code} ${toJsonKeyPath(e.expression?.[0] ?? '')}`);
        const named = errors.some((e) => m.expected.includes(toJsonKeyPath(e.expression?.[0] ?? '')));
        if (named && !errors.some((e) => e.code === 'exception')) continue;
      } catch (err) {
        got = [`threw ${String(err)}`];
      }
      failures.push({
        file: source.file,
        kind: m.kind,
        description: m.description,
        expected: m.expected,
        got: got.slice(0, 6),
      });
    }
    expect(failures.slice(0, 10)).toEqual([]);
    for (const k of MUTATIONS)
      expect([k.kind, perKind.get(k.kind) ?? 0]).toEqual([k.kind, expect.any(Number)]);
    expect(Math.min(...MUTATIONS.map((k) => perKind.get(k.kind) ?? 0))).toBeGreaterThanOrEqual(30);
  });

  test('the original examples are left untouched by the mutations', () => {
    const invalid = candidates.filter(({ json }) => errorsOf(getValidator().validate(json)).length > 0);
    expect(invalid.map((c) => c.file)).toEqual([]);
  });
});
