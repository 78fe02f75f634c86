/**
 * ccm-task: an intervention or work item of a CCM care plan (DESIGN.md, CCM domain model): based on the
 * CarePlan, for the patient, owned by the person responsible, due by restriction.period.end.
 */
import type { ElementDefinition } from 'fhir/r4.js';
import { PROFILE, VS } from '../../../server/ccm/vocabulary.js';
import { el, inv, ref, required, type ProfileSource } from '../elements.js';

const INVARIANTS = [
  inv(
    'ccm-task-1',
    'The due date (restriction.period.end) is not before authoredOn',
    'restriction.period.end.empty() or authoredOn.empty() or restriction.period.end >= authoredOn',
  ),
  inv(
    'ccm-task-2',
    'A completed task records when it ended (executionPeriod.end)',
    "status = 'completed' implies executionPeriod.end.exists()",
  ),
  inv(
    'ccm-task-3',
    'A cancelled, rejected or failed task says why (statusReason)',
    "(status = 'cancelled' or status = 'rejected' or status = 'failed') implies statusReason.exists()",
  ),
];

/** The constraints of the profile, in snapshot order. */
const DIFFERENTIAL: ElementDefinition[] = [
  el('Task', { short: 'A CCM task', constraint: INVARIANTS }),
  el('Task.basedOn', { min: 1, short: 'The CCM care plan', type: ref(PROFILE.carePlan) }),
  el('Task.intent', { short: 'plan | order', binding: required(VS.taskIntent, 'plan | order') }),
  el('Task.code', { min: 1, binding: required(VS.taskType, 'CCM task types') }),
  el('Task.description', { min: 1 }),
  el('Task.for', { min: 1, type: ref('Patient') }),
  el('Task.authoredOn', { min: 1 }),
  el('Task.owner', {
    min: 1,
    short: 'The person responsible',
    type: ref('Practitioner', 'PractitionerRole', 'CareTeam', 'Organization', 'Patient', 'RelatedPerson'),
  }),
  el('Task.restriction.period', { short: 'end = the due date' }),
];

/** The ccm-task profile source. */
export function taskProfile(): ProfileSource {
  return {
    id: 'ccm-task',
    url: PROFILE.task,
    name: 'CcmTask',
    title: 'CCM task',
    description:
      'An intervention or work item of a CCM care plan (outreach, review due, follow-up after discharge): what, for whom, who is responsible and by when.',
    type: 'Task',
    baseDefinition: 'http://hl7.org/fhir/StructureDefinition/Task',
    kind: 'resource',
    differential: DIFFERENTIAL,
  };
}
