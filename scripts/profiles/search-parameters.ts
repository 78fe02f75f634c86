/**
 * SearchParameters the CCM queries need beyond the official R4 ones (R4 searchparameter.html): the
 * programme of a time entry (R4 has no Encounter `service-type`; R5 adds it under that code), the values
 * of our extensions, and the due date of a task.
 */
import type { SearchParameter } from 'fhir/r4.js';
import { EXTENSION } from '../../server/ccm/vocabulary.js';
import { PUBLISHER, RELEASE, searchParameterUrl } from './elements.js';

interface Spec {
  id: string;
  code: string;
  base: SearchParameter['base'];
  type: SearchParameter['type'];
  expression: string;
  description: string;
  target?: SearchParameter['target'];
}

const ext = (url: string) => `extension.where(url = '${url}')`;

const SPECS: Spec[] = [
  {
    id: 'encounter-service-type',
    code: 'service-type',
    base: ['Encounter'],
    type: 'token',
    expression: 'Encounter.serviceType',
    description: 'The programme of a time entry (Encounter.serviceType), e.g. ccm or pcm',
  },
  {
    id: 'condition-ccm-attested-on',
    code: 'ccm-attested-on',
    base: ['Condition'],
    type: 'date',
    expression: `Condition.${ext(EXTENSION.chronicAttestation)}.extension.where(url = 'attestedOn').value`,
    description: 'When a clinician attested the condition as a CCM chronic condition',
  },
  {
    id: 'condition-ccm-attested-by',
    code: 'ccm-attested-by',
    base: ['Condition'],
    type: 'reference',
    expression: `Condition.${ext(EXTENSION.chronicAttestation)}.extension.where(url = 'attestedBy').value`,
    description: 'Who attested the condition as a CCM chronic condition',
    target: ['Practitioner', 'PractitionerRole'],
  },
  {
    id: 'consent-ccm-method',
    code: 'ccm-method',
    base: ['Consent'],
    type: 'token',
    expression: `Consent.${ext(EXTENSION.consentMethod)}.value`,
    description: 'How the CCM consent was obtained (verbal | written)',
  },
  {
    id: 'careplan-ccm-next-review',
    code: 'ccm-next-review',
    base: ['CarePlan'],
    type: 'date',
    expression: `CarePlan.${ext(EXTENSION.nextReview)}.value`,
    description: 'The next scheduled review of the care plan',
  },
  {
    id: 'encounter-ccm-time-exclusion',
    code: 'ccm-time-exclusion',
    base: ['Encounter'],
    type: 'token',
    expression: `Encounter.${ext(EXTENSION.timeExclusion)}.value`,
    description: 'Why the minutes of a time entry do not count for CCM',
  },
  {
    id: 'task-ccm-due',
    code: 'ccm-due',
    base: ['Task'],
    type: 'date',
    expression: 'Task.restriction.period.end',
    description: 'The due date of a task (restriction.period.end)',
  },
];

/** Our SearchParameter resources. */
export function searchParameters(): SearchParameter[] {
  return SPECS.map((s) => ({
    resourceType: 'SearchParameter',
    id: s.id,
    url: searchParameterUrl(s.id),
    version: RELEASE.version,
    name: s.code.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase()),
    status: 'active',
    experimental: false,
    date: RELEASE.date,
    publisher: PUBLISHER,
    description: s.description,
    code: s.code,
    base: s.base,
    type: s.type,
    expression: s.expression,
    xpathUsage: 'normal',
    ...(s.target ? { target: s.target } : {}),
  }));
}
