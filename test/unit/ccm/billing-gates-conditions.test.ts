/**
 * Billing vectors, gate 2 of ccm-rules.md: two or more chronic conditions (distinct groups, not codes;
 * misleading names; clinician attestation of both criteria).
 */
import { describe, test } from '@jest/globals';
import { checkVector, type Vector } from '../../helpers/ccm-vectors.js';
import { A, base, MONTH, staff25 } from './gate-vectors.js';

const conditions: Vector[] = [
  {
    name: 'fewer than two chronic groups (hypertension only)',
    month: MONTH,
    scenario: () => staff25(base({ conditions: [['I10', A]] })),
    lines: [],
    failing: ['chronic-conditions'],
    reason: '1 distinct chronic condition',
  },
  {
    name: 'two codes of one group (E11.9 and E11.65) are one condition',
    month: MONTH,
    scenario: () =>
      staff25(
        base({
          conditions: [
            ['E11.9', A],
            ['E11.65', A],
          ],
        }),
      ),
    lines: [],
    failing: ['chronic-conditions'],
  },
  {
    name: 'two SNOMED CT concepts (Synthea diabetes and hypertension) with mapped ICD-10-CM codes',
    month: MONTH,
    scenario: () =>
      staff25(
        base({
          conditions: [
            ['44054006', { snomed: true, ...A }],
            ['59621000', { snomed: true, ...A }],
          ],
        }),
      ),
    lines: ['99490×1'],
  },
  {
    name: 'chronic sinusitis (curated "not chronic") does not count even when attested',
    month: MONTH,
    scenario: () =>
      staff25(
        base({
          conditions: [
            ['J32.9', A],
            ['I10', A],
          ],
        }),
      ),
    lines: [],
    failing: ['chronic-conditions'],
  },
  {
    name: 'migraine ("ask") counts once a clinician attested it',
    month: MONTH,
    scenario: () =>
      staff25(
        base({
          conditions: [
            ['G43.909', A],
            ['I10', A],
          ],
        }),
      ),
    lines: ['99490×1'],
  },
  {
    name: 'migraine ("ask") without attestation does not count',
    month: MONTH,
    scenario: () => staff25(base({ conditions: [['G43.909'], ['I10', A]] })),
    lines: [],
    failing: ['chronic-conditions'],
    reason: 'needs a clinician attestation',
  },
  {
    name: 'two table-chronic codes (diabetes, hypertension) without attestation do not count',
    month: MONTH,
    scenario: () => staff25(base({ conditions: [['E11.9'], ['I10']] })),
    lines: [],
    failing: ['chronic-conditions'],
    reason: 'needs a clinician attestation',
  },
  {
    name: 'one attested and one unattested chronic condition: only the attested one counts',
    month: MONTH,
    scenario: () => staff25(base({ conditions: [['E11.9', A], ['I10']] })),
    lines: [],
    failing: ['chronic-conditions'],
    reason: '1 distinct chronic condition(s) (Diabetes',
  },
  {
    name: 'an attestation of one criterion only does not count',
    month: MONTH,
    scenario: () => {
      const s = base({ conditions: [['I10', A]] }).condition('E11.9', A);
      const c = s.resources[s.resources.length - 1] as { extension?: Array<{ extension?: unknown[] }> };
      const parts = c.extension?.[0].extension as Array<{ url: string; valueBoolean?: boolean }>;
      (parts.find((p) => p.url === 'significantRisk') as { valueBoolean: boolean }).valueBoolean = false;
      return staff25(s);
    },
    lines: [],
    failing: ['chronic-conditions'],
  },
  {
    name: 'an unknown code is "ask", never silently chronic',
    month: MONTH,
    scenario: () => staff25(base({ conditions: [['Q99.9'], ['I10', A]] })),
    lines: [],
    failing: ['chronic-conditions'],
  },
  {
    name: 'a clinician attested diabetes is not chronic for this patient',
    month: MONTH,
    scenario: () =>
      staff25(
        base({
          conditions: [
            ['E11.9', { attested: false }],
            ['I10', A],
          ],
        }),
      ),
    lines: [],
    failing: ['chronic-conditions'],
  },
  {
    name: 'a resolved condition does not count',
    month: MONTH,
    scenario: () =>
      staff25(
        base({
          conditions: [
            ['E11.9', { clinical: 'resolved', ...A }],
            ['I10', A],
          ],
        }),
      ),
    lines: [],
    failing: ['chronic-conditions'],
  },
  {
    name: 'an entered-in-error condition does not count',
    month: MONTH,
    scenario: () =>
      staff25(
        base({
          conditions: [
            ['E11.9', { verification: 'entered-in-error', ...A }],
            ['I10', A],
          ],
        }),
      ),
    lines: [],
    failing: ['chronic-conditions'],
  },
];

describe('billing vectors: chronic conditions', () => {
  test.each(conditions.map((v) => [v.name, v] as const))('%s', (_n, v) => checkVector(v));
});
