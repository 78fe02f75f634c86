/**
 * Acceptance 2: the 57 official R4 examples of CarePlan, Condition, Consent, Task and Encounter pass the
 * full write-time validation (base R4 structure plus the R4 invariants and data-type rules); the US Core
 * 6.1.0 examples of the profiles we load pass the profiles they claim, and breaking a US Core rule in them
 * is caught, so the pass is not vacuous.
 */
import { describe, expect, test } from '@jest/globals';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import type { Resource } from 'fhir/r4.js';
import { exampleFiles, readExample } from '../../helpers/examples.js';
import { conformance, readJson, REPO, validatePairs } from './helpers.js';

const R4_FILES = exampleFiles(['CarePlan', 'Condition', 'Consent', 'Task', 'Encounter']);
const US_DIR = path.join(REPO, 'profiles', 'base', 'us-core-6.1.0', 'examples');
const US_FILES = readdirSync(US_DIR)
  .filter((f) => f.endsWith('.json'))
  .sort();

describe('official R4 examples', () => {
  test('there are 57', () => {
    expect(R4_FILES).toHaveLength(57);
  });

  test.each(R4_FILES)('%s passes', (file) => {
    expect(validatePairs(readExample(file))).toEqual([]);
  });
});

describe('US Core 6.1.0 examples of the loaded profiles', () => {
  test('there is one for each loaded profile', () => {
    const claimed = new Set(
      US_FILES.flatMap((f) => readJson<Resource>(path.join(US_DIR, f)).meta?.profile ?? []),
    );
    for (const url of claimed) expect(conformance().profiles.registry.definition(url)).toBeDefined();
    expect([...claimed].map((u) => u.split('/').pop()).sort()).toEqual([
      'us-core-careplan',
      'us-core-careteam',
      'us-core-condition-encounter-diagnosis',
      'us-core-condition-problems-health-concerns',
      'us-core-encounter',
      'us-core-goal',
      'us-core-patient',
    ]);
  });

  test.each(US_FILES)('%s passes the profiles it claims', (file) => {
    const r = readJson<Resource>(path.join(US_DIR, file));
    expect(r.meta?.profile?.length).toBeGreaterThan(0);
    expect(validatePairs(r)).toEqual([]);
  });

  test.each([
    ['Condition-condition-duodenal-ulcer.json', 'category', [['Condition.category', 'required']]],
    ['Encounter-example-1.json', 'type', [['Encounter.type', 'required']]],
    ['Patient-example.json', 'identifier', [['Patient.identifier', 'required']]],
    ['CarePlan-colonoscopy.json', 'category', [['CarePlan.category', 'required']]],
    ['Goal-goal-1.json', 'description', [['Goal.description', 'required']]],
  ])('%s without %s breaks its profile', (file, element, expected) => {
    const r = readJson<Record<string, unknown>>(path.join(US_DIR, file));
    delete r[element];
    expect(validatePairs(r)).toEqual(expected);
  });

  test('a US Core required binding is checked (us-core-narrative-status on CarePlan.text.status)', () => {
    const r = readJson<{ text: { status: string } }>(path.join(US_DIR, 'CarePlan-colonoscopy.json'));
    r.text.status = 'extensions'; // in the R4 value set, not in US Core's
    expect(validatePairs(r)).toEqual([['CarePlan.text.status', 'code-invalid']]);
  });
});
