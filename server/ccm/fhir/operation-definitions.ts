/**
 * OperationDefinition resources (R4 operationdefinition.html) of the three CCM operations, listed in the
 * CapabilityStatement by their canonical URLs under http://ccm-fhir.org/fhir/OperationDefinition/.
 */
import type { OperationDefinition, OperationDefinitionParameter } from 'fhir/r4.js';
import { CCM_BASE } from '../vocabulary.js';

type Param = OperationDefinitionParameter;

/** The canonical URL of one of our OperationDefinitions. */
export function operationUrl(code: string): string {
  return `${CCM_BASE}/OperationDefinition/${code}`;
}

const out = (
  name: string,
  type: string,
  min: number,
  max: string,
  documentation: string,
  part?: Param[],
): Param => ({
  name,
  use: 'out',
  min,
  max,
  documentation,
  ...(part ? { part } : { type: type as Param['type'] }),
});
const month: Param = {
  name: 'month',
  use: 'in',
  min: 1,
  max: '1',
  type: 'string',
  documentation: 'The calendar month YYYY-MM, in the practice time zone (PRACTICE_TIMEZONE)',
};

const gate = out(
  'gate',
  '',
  0,
  '*',
  'One per gate (patient-alive, consent, chronic-conditions, care-plan, initiating-visit, no-conflict)',
  [
    out('name', 'code', 1, '1', 'The gate'),
    out('passed', 'boolean', 1, '1', 'Whether it passed'),
    out('reason', 'string', 0, '*', 'Why it failed'),
  ],
);
const group = out('condition-group', '', 0, '*', 'One per distinct chronic condition', [
  out('name', 'string', 1, '1', 'Condition group name'),
  out('group', 'code', 0, '1', 'Group id (CMS Chronic Conditions Warehouse category where one exists)'),
  out('chronic', 'code', 1, '1', 'yes | ask'),
  out('attested', 'boolean', 1, '1', 'A clinician attested both criteria'),
  out('icd10', 'Coding', 0, '1', 'ICD-10-CM code for the claim'),
  out('evidence', 'Reference', 1, '*', 'The Conditions'),
]);

/** The month-summary output parameters (also each patient entry of the billing report). */
const SUMMARY_OUT: Param[] = [
  out('patient', 'Reference', 1, '1', 'The patient'),
  out('month', 'string', 1, '1', 'YYYY-MM'),
  out('timezone', 'string', 1, '1', 'IANA time zone of the month boundaries'),
  out('rules-version', 'string', 1, '1', 'Billing rules in force'),
  out('programme', 'code', 1, '1', 'ccm | pcm'),
  out('family', 'code', 0, '1', 'The documented code family (base code)'),
  out('family-reason', 'string', 0, '1', 'Why that family'),
  out('billable', 'boolean', 1, '1', 'Every gate passed and a threshold was reached'),
  out('consent-status', 'code', 1, '1', 'none | accepted | declined | revoked | revoked-this-month'),
  out('billing-practitioner', 'Reference', 0, '1', 'The consent provision actor'),
  out('seconds', '', 1, '*', 'Seconds per programme and role', [
    out('programme', 'code', 1, '1', 'ccm, pcm, ...'),
    out('clinical-staff', 'integer', 1, '1', 'Counted clinical staff seconds'),
    out(
      'bh-care-manager',
      'integer',
      0,
      '1',
      "Counted behavioural-health care manager seconds (present when there are any; CoCM counts only these and the practitioner's)",
    ),
    out('billing-practitioner', 'integer', 1, '1', 'Counted billing practitioner seconds'),
    out('excluded', 'integer', 1, '1', 'Seconds that do not count'),
  ]),
  out('counted-seconds', 'integer', 1, '1', 'Seconds counting toward the family'),
  out('line', '', 0, '*', 'One per billable code', [
    out('code', 'Coding', 1, '1', 'CPT or HCPCS code'),
    out('units', 'integer', 1, '1', 'Units'),
  ]),
  out('next-threshold', '', 0, '1', 'The next code more time would reach', [
    out('code', 'Coding', 1, '1', 'Code'),
    out('seconds-to-go', 'integer', 1, '1', 'Seconds still needed'),
  ]),
  gate,
  group,
  out('excluded-time', '', 0, '*', 'Time entries that do not count', [
    out('time-entry', 'Reference', 1, '1', 'The Encounter'),
    out('reason', 'string', 1, '1', 'Why'),
  ]),
  out(
    'warning',
    '',
    0,
    '*',
    "One per overlap of the same person's entries, per entry cut at death and per overlap with a service billed as TCM/RPM/RTM",
    [
      out('kind', 'code', 1, '1', 'overlap | death | counted-elsewhere'),
      out(
        'time-entry',
        'Reference',
        1,
        '2',
        'The entries (an overlap: the earlier first; counted-elsewhere: the service Encounter first)',
      ),
      out('seconds-not-counted', 'integer', 1, '1', 'Seconds not counted because of it'),
      out('message', 'string', 1, '1', 'What happened'),
    ],
  ),
  out('evidence', '', 1, '1', 'References behind the result', [
    out('time-entry', 'Reference', 0, '*', 'Counted time entries'),
    out('consent', 'Reference', 0, '1', 'Consent'),
    out('care-plan', 'Reference', 0, '1', 'Care plan'),
    out('condition', 'Reference', 0, '*', 'Counted conditions'),
    out('initiating-visit', 'Reference', 0, '1', 'Initiating visit'),
  ]),
  out(
    'programme-summary',
    '',
    0,
    '*',
    'One per programme beside CCM/PCM with its marker (a CarePlan with category ccm-program#apcm, #bhi or #cocm in effect) or work this month: APCM (G0556-G0558) with its level, BHI (99484) and CoCM (99492-99494, G2214) with their time; what the patient has and what is missing. The CCM/PCM parameters above are unchanged by it',
    [
      out('programme', 'code', 1, '1', 'apcm | bhi | cocm'),
      out('family', 'code', 0, '1', 'BHI/CoCM: 99484 or cocm'),
      out('episode', 'code', 0, '1', 'CoCM: first (no CoCM in the 6 months before) | later'),
      out('counted-seconds', 'integer', 0, '1', "BHI/CoCM: seconds of the family's counted roles"),
      out('counted-minutes', 'integer', 0, '1', 'BHI/CoCM: whole minutes of them'),
      out(
        'billed-with-apcm',
        'Coding',
        0,
        '1',
        'BHI/CoCM (CY2026): the APCM add-on that bills this work instead of the programme codes',
      ),
      out(
        'note',
        'string',
        0,
        '*',
        'BHI/CoCM: time that does not count toward the family, an add-on replacing it',
      ),
      out(
        'level',
        'Coding',
        0,
        '1',
        'The APCM level (HCPCS) the month meets, reported even when a gate fails',
      ),
      out(
        'level-reason',
        'string',
        0,
        '1',
        'APCM: attested chronic conditions and QMB status behind the level',
      ),
      out('billable', 'boolean', 1, '1', 'Every gate of the programme passed and a line bills'),
      out(
        'consent-status',
        'code',
        1,
        '1',
        'Of the consent naming the programme: none | accepted | declined | revoked | revoked-this-month',
      ),
      out(
        'billing-practitioner',
        'Reference',
        0,
        '1',
        "The programme's practitioner (author of its marker care plan)",
      ),
      out(
        'chronic-conditions',
        'integer',
        0,
        '1',
        'APCM: distinct attested chronic conditions with a claim code',
      ),
      out(
        'qmb',
        'boolean',
        0,
        '1',
        'A Qualified Medicare Beneficiary during the month (Coverage type ccm-coverage-type#qmb)',
      ),
      out('line', '', 0, '*', "The programme's codes when billable (APCM with any CY2026 add-on)", [
        out('code', 'Coding', 1, '1', 'CPT or HCPCS code'),
        out('units', 'integer', 1, '1', 'Units'),
      ]),
      out('missing', '', 0, '*', 'One per reason of a failed gate of the programme', [
        out(
          'gate',
          'code',
          1,
          '1',
          'patient-alive | consent | care-plan | initiating-visit | element-furnished | behavioural-condition | cocm-team | one-practitioner | no-conflict',
        ),
        out('reason', 'string', 1, '1', 'What is missing'),
      ]),
      out('gate', '', 1, '*', 'One per gate of the programme', [
        out('name', 'code', 1, '1', 'The gate'),
        out('passed', 'boolean', 1, '1', 'Whether it passed'),
        out('reason', 'string', 0, '*', 'Why it failed'),
      ]),
      out('element', '', 0, '*', 'One per APCM element furnished and recorded this month', [
        out('element', 'code', 1, '1', 'The element (other when the activity names none)'),
        out('time-entry', 'Reference', 1, '1', 'The time entry recording it'),
      ]),
      out('add-on-refused', '', 0, '*', 'A behavioural-health add-on (G0568-G0570) that does not bill', [
        out('code', 'Coding', 1, '1', 'HCPCS code'),
        out('reason', 'string', 1, '1', 'Why'),
      ]),
      out(
        'warning',
        'string',
        0,
        '*',
        'Something to look at (APCM-TCM, a conflict that more work would create, an add-on replacing 99484)',
      ),
      out('evidence', '', 1, '1', 'References behind the result', [
        out('time-entry', 'Reference', 0, '*', 'BHI/CoCM: the counted time entries'),
        out('care-plan', 'Reference', 0, '*', "The programme's marker care plans in effect"),
        out('consent', 'Reference', 0, '1', 'The consent naming the programme'),
        out('condition', 'Reference', 0, '*', 'BHI/CoCM: the behavioural-health conditions that warrant it'),
        out('initiating-visit', 'Reference', 0, '1', 'Initiating visit'),
        out('coverage', 'Reference', 0, '1', 'APCM: the QMB Coverage'),
        out(
          'care-team',
          'Reference',
          0,
          '*',
          'CoCM: the care teams naming the care manager and the consultant',
        ),
      ]),
    ],
  ),
];

/** Common fields of our OperationDefinitions. */
function definition(
  code: string,
  title: string,
  description: string,
  level: 'system' | 'instance',
  parameter: Param[],
): OperationDefinition {
  return {
    resourceType: 'OperationDefinition',
    id: code,
    url: operationUrl(code),
    name: title.replace(/[^A-Za-z0-9]/g, ''),
    title,
    status: 'active',
    kind: 'operation',
    publisher: 'ccm-fhir',
    description,
    affectsState: false,
    code,
    ...(level === 'instance' ? { resource: ['Patient'] } : {}),
    system: level === 'system',
    type: false,
    instance: level === 'instance',
    parameter,
  };
}

export const ELIGIBILITY_DEFINITION = definition(
  'ccm-eligibility',
  'CCM eligibility',
  'Whether the patient has two or more distinct chronic conditions (CCM eligible), with consent and care-plan status and a reason for every unmet requirement; beside it APCM: eligible when alive, the level today, its consent and plan.',
  'instance',
  [
    out('patient', 'Reference', 1, '1', 'The patient'),
    out(
      'eligible',
      'boolean',
      1,
      '1',
      'Alive, with two or more distinct chronic conditions with ICD-10-CM codes',
    ),
    out('as-of', 'string', 1, '1', 'The instant evaluated'),
    group,
    out('condition-to-review', '', 0, '*', 'Conditions a clinician must attest', [
      out('condition', 'Reference', 1, '1', 'Condition'),
      out('name', 'string', 1, '1', 'Name'),
      out('reason', 'string', 1, '1', 'Why'),
    ]),
    out('not-chronic', '', 0, '*', 'Conditions that do not count', [
      out('condition', 'Reference', 1, '1', 'Condition'),
      out('name', 'string', 1, '1', 'Name'),
      out('reason', 'string', 1, '1', 'Why'),
    ]),
    out('consent', '', 1, '1', 'Consent status', [
      out('status', 'code', 1, '1', 'none | accepted | declined | revoked | revoked-this-month'),
    ]),
    out('care-plan', '', 1, '1', 'Care plan status', [
      out('status', 'code', 1, '1', 'none | not-in-effect | no-copy | ok'),
    ]),
    out('reason', '', 0, '*', 'One per unmet requirement', [
      out('requirement', 'code', 1, '1', 'patient-alive | chronic-conditions | consent | care-plan'),
      out('text', 'string', 1, '1', 'Reason'),
    ]),
    out('apcm', '', 1, '1', 'APCM (G0556-G0558): any living patient may enrol; the level today', [
      out('eligible', 'boolean', 1, '1', 'Alive (APCM has no condition minimum)'),
      out('level', 'Coding', 1, '1', 'The level the attested conditions and QMB status give this month'),
      out('level-reason', 'string', 1, '1', 'Why that level'),
      out('consent-status', 'code', 1, '1', 'Of the consent naming APCM'),
      out('consent', 'Reference', 0, '1', 'The consent naming APCM'),
      out('care-plan', 'Reference', 0, '*', 'The APCM care plan in effect this month'),
      out('coverage', 'Reference', 0, '1', 'The QMB Coverage'),
      out('missing', 'string', 0, '*', 'What enrolment still needs'),
    ]),
  ],
);

export const MONTH_SUMMARY_DEFINITION = definition(
  'ccm-month-summary',
  'CCM month summary',
  'Seconds per role, billable CCM/PCM codes, gates and evidence for one patient and one calendar month in the practice time zone; for a month with the APCM, BHI or CoCM marker (or BHI/CoCM work), also that programme with what is missing (programme-summary).',
  'instance',
  [month, ...SUMMARY_OUT],
);

export const BILLING_REPORT_DEFINITION = definition(
  'ccm-billing-report',
  'CCM billing report',
  'The month summary of every patient with care-management time, a CCM consent in force or an APCM/BHI/CoCM marker, as a Bundle of Parameters (first entry: totals per code over every programme, gate failures per programme), or as CSV (a line row per programme and code, with its evidence) with Accept: text/csv or _format=csv.',
  'system',
  [month, out('return', 'Bundle', 1, '1', 'Bundle (collection) of Parameters, or text/csv')],
);
