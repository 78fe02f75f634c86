/**
 * Billing vectors, part 1: every cell of the worked table in ccm-rules.md (15/20/29/30/39/40/59/60/75/90
 * minutes of staff time, of the billing practitioner's time only, and with complex CCM documented, each a
 * separate scenario), then the full-block edges: 19 min 59 s is not 20 minutes, seconds are summed before
 * blocks are taken, the 99439 cap, no cap on 99437/99489, and the two fallbacks at their edges.
 * Expected lines are written by hand from the rules, never taken from the code's output.
 */
import { describe, test } from '@jest/globals';
import { CcmScenario, DR_A, enrolled, enrolledRevised } from '../../helpers/ccm-scenarios.js';
import { checkVector, type Vector } from '../../helpers/ccm-vectors.js';

const MONTH = '2026-03';

/** N minutes in two entries on 10 and 17 March (EST then EDT), by one role. */
function minutesIn(s: CcmScenario, n: number, role: 'clinical-staff' | 'billing-practitioner'): CcmScenario {
  const a = Math.floor(n / 2);
  return s
    .time({ start: '2026-03-05T10:00:00-05:00', minutes: a, role })
    .time({ start: '2026-03-17T14:00:00-04:00', minutes: n - a, role });
}

/** Complex: N minutes total = clinical staff (N - 10) + 10 minutes of the practitioner with high MDM. */
function complex(n: number): CcmScenario {
  return enrolledRevised()
    .time({ start: '2026-03-04T09:00:00-05:00', minutes: 10, role: 'billing-practitioner', mdm: 'high' })
    .time({ start: '2026-03-20T09:00:00-04:00', minutes: n - 10 });
}

/**
 * The worked table of ccm-rules.md, cell by cell: minutes, then the lines for staff time, the billing
 * practitioner's time only, and complex documentation (MDM + care-plan revision, mostly staff time), each a
 * separate scenario. Practitioner-only time under 30 minutes counts as staff time toward 99490; complex under
 * 60 minutes falls back to the non-complex family when its thresholds are met.
 */
const TABLE: Array<[number, string[], string[], string[]]> = [
  [15, [], [], []],
  [20, ['99490×1'], ['99490×1'], ['99490×1']],
  [29, ['99490×1'], ['99490×1'], ['99490×1']],
  [30, ['99490×1'], ['99491×1'], ['99490×1']],
  [39, ['99490×1'], ['99491×1'], ['99490×1']],
  [40, ['99490×1', '99439×1'], ['99491×1'], ['99490×1', '99439×1']],
  [59, ['99490×1', '99439×1'], ['99491×1'], ['99490×1', '99439×1']],
  [60, ['99490×1', '99439×2'], ['99491×1', '99437×1'], ['99487×1']],
  [75, ['99490×1', '99439×2'], ['99491×1', '99437×1'], ['99487×1']],
  [90, ['99490×1', '99439×2'], ['99491×1', '99437×2'], ['99487×1', '99489×1']],
];

/** The family a cell's lines are billed under: its base code (none when nothing is billable). */
const familyOf = (lines: string[]): string | undefined => lines[0]?.split('×')[0];

const worked: Vector[] = TABLE.flatMap(([n, staff, personal, cx]) => [
  {
    name: `staff time, ${n} min: ${staff.join(' + ') || 'nothing'}`,
    month: MONTH,
    scenario: () => minutesIn(enrolled(), n, 'clinical-staff'),
    lines: staff,
    family: familyOf(staff),
    seconds: { staff: n * 60, practitioner: 0 },
  },
  {
    name: `billing practitioner's own time only, ${n} min: ${personal.join(' + ') || 'nothing'}`,
    month: MONTH,
    scenario: () => minutesIn(enrolled(), n, 'billing-practitioner'),
    lines: personal,
    family: familyOf(personal),
    seconds: { staff: 0, practitioner: n * 60 },
  },
  {
    name: `complex documented (high MDM, care-plan revision), ${n} min: ${cx.join(' + ') || 'nothing'}`,
    month: MONTH,
    scenario: () => complex(n),
    lines: cx,
    family: familyOf(cx),
    seconds: { staff: (n - 10) * 60, practitioner: 600 },
  },
]);

const edges: Vector[] = [
  {
    name: '19 min 59 s of staff time is not 20 minutes',
    month: MONTH,
    scenario: () => enrolled().time({ start: '2026-03-09T10:00:00-04:00', minutes: 19, seconds: 59 }),
    lines: [],
    seconds: { staff: 1199 },
  },
  {
    name: '20 min 0 s of staff time is 99490',
    month: MONTH,
    scenario: () => enrolled().time({ start: '2026-03-09T10:00:00-04:00', minutes: 20 }),
    lines: ['99490×1'],
  },
  {
    name: '19 min 59 s in three entries is still not 20 minutes',
    month: MONTH,
    scenario: () =>
      enrolled()
        .time({ start: '2026-03-02T10:00:00-05:00', minutes: 6, seconds: 40 })
        .time({ start: '2026-03-12T10:00:00-04:00', minutes: 6, seconds: 40 })
        .time({ start: '2026-03-22T10:00:00-04:00', minutes: 6, seconds: 39 }),
    lines: [],
    seconds: { staff: 1199 },
  },
  {
    name: '10 min 30 s + 9 min 30 s are summed in seconds before blocks: 20 minutes',
    month: MONTH,
    scenario: () =>
      enrolled()
        .time({ start: '2026-03-02T10:00:00-05:00', minutes: 10, seconds: 30 })
        .time({ start: '2026-03-03T10:00:00-05:00', minutes: 9, seconds: 30 }),
    lines: ['99490×1'],
  },
  {
    name: '39 min 59 s of staff time: no add-on yet',
    month: MONTH,
    scenario: () => enrolled().time({ start: '2026-03-09T10:00:00-04:00', minutes: 39, seconds: 59 }),
    lines: ['99490×1'],
  },
  {
    name: '120 min of staff time: 99439 is capped at 2',
    month: MONTH,
    scenario: () => minutesIn(enrolled(), 120, 'clinical-staff'),
    lines: ['99490×1', '99439×2'],
  },
  {
    name: "29 min 59 s of the practitioner's own time is not 99491: it counts as staff time toward 99490",
    month: MONTH,
    scenario: () =>
      enrolled().time({
        start: '2026-03-09T10:00:00-04:00',
        minutes: 29,
        seconds: 59,
        role: 'billing-practitioner',
      }),
    lines: ['99490×1'],
    family: '99490',
  },
  {
    name: "19 min 59 s of the practitioner's own time: nothing billable",
    month: MONTH,
    scenario: () =>
      enrolled().time({
        start: '2026-03-09T10:00:00-04:00',
        minutes: 19,
        seconds: 59,
        role: 'billing-practitioner',
      }),
    lines: [],
  },
  {
    name: '30 min of personal time is 99491',
    month: MONTH,
    scenario: () =>
      enrolled().time({ start: '2026-03-09T10:00:00-04:00', minutes: 30, role: 'billing-practitioner' }),
    lines: ['99491×1'],
  },
  {
    name: '150 min of personal time: 99437 has no cap (4 units)',
    month: MONTH,
    scenario: () => minutesIn(enrolled(), 150, 'billing-practitioner'),
    lines: ['99491×1', '99437×4'],
  },
  {
    name: "59 min 59 s complex, all the practitioner's own: not 99487, the non-complex 99491",
    month: MONTH,
    scenario: () =>
      enrolledRevised().time({
        start: '2026-03-04T09:00:00-05:00',
        minutes: 59,
        seconds: 59,
        role: 'billing-practitioner',
        mdm: 'moderate',
        who: DR_A,
      }),
    lines: ['99491×1'],
    family: '99491',
  },
  {
    name: 'complex documented, 55 min: 99490 + 99439 (the rules file example)',
    month: MONTH,
    scenario: () => complex(55),
    lines: ['99490×1', '99439×1'],
    family: '99490',
  },
  {
    name: 'complex documented, 19 min 59 s: nothing billable',
    month: MONTH,
    scenario: () => complex(19).time({ start: '2026-03-25T09:00:00-04:00', seconds: 59 }),
    lines: [],
  },
  {
    name: 'complex documented, 60 min 0 s: 99487',
    month: MONTH,
    scenario: () => complex(60),
    lines: ['99487×1'],
    family: '99487',
  },
  {
    name: '89 min 59 s complex: 99487 without the add-on',
    month: MONTH,
    scenario: () => complex(89).time({ start: '2026-03-25T09:00:00-04:00', seconds: 59 }),
    lines: ['99487×1'],
  },
  {
    name: '150 min complex: 99489 has no cap (3 units)',
    month: MONTH,
    scenario: () => complex(150),
    lines: ['99487×1', '99489×3'],
  },
];

describe('billing vectors: the worked table of ccm-rules.md', () => {
  test.each(worked.map((v) => [v.name, v] as const))('%s', (_name, v) => checkVector(v));
});

describe('billing vectors: full blocks, summing and caps', () => {
  test.each(edges.map((v) => [v.name, v] as const))('%s', (_name, v) => checkVector(v));
});
