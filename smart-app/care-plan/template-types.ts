/**
 * The shapes of the per-condition care plan templates (templates.ts) and of the editable plan draft the
 * builder form, the FHIR builder and the views share.
 */

/** Who is responsible for an intervention, as a role the screen maps to a person of the care team. */
export type Responsible = 'billing-practitioner' | 'care-manager' | 'patient' | 'care-team';

/** A Goal.target comparator as written on the form. */
export type Comparator = '<' | '<=' | '>' | '>=' | '=';

/** One measurable target of a template goal. */
export interface TargetTemplate {
  /** What is measured, in words ("HbA1c"). */
  measure: string;
  /** LOINC code of the measure, where one exists. */
  loinc?: string;
  comparator: Comparator;
  value: number;
  /** Unit as shown to people; mapped to UCUM when known (ucumOf). */
  unit: string;
}

/** A goal of a template. */
export interface GoalTemplate {
  /** Stable key: two templates sharing a goal (blood pressure) give it once. */
  key: string;
  description: string;
  /** Due date offset from the day the plan is made. */
  dueDays: number;
  targets: TargetTemplate[];
}

/** A symptom-management instruction, intervention or community resource of a template. */
export interface ActionTemplate {
  key: string;
  text: string;
  responsible: Responsible;
  /** Due date offset (interventions), when the action has one. */
  dueDays?: number;
}

/** The template of one condition group (server/ccm/classification/groups.ts ids). */
export interface ConditionTemplate {
  group: string;
  name: string;
  prognosis: string;
  goals: GoalTemplate[];
  symptoms: ActionTemplate[];
  interventions: ActionTemplate[];
  /** Condition-specific medication management advice. */
  medication: string;
  resources: ActionTemplate[];
}

/** A goal target as edited on the form (strings, as typed). */
export interface TargetDraft {
  measure: string;
  loinc: string;
  comparator: string;
  value: string;
  unit: string;
}

/** A goal as edited on the form; `id` is the stored Goal when revising. */
export interface GoalDraft {
  id?: string;
  description: string;
  due: string;
  targets: TargetDraft[];
}

/** An instruction, intervention or community resource as edited: `owner` is a reference of the care team. */
export interface ActionDraft {
  id?: string;
  text: string;
  owner: string;
  due: string;
}

/** The whole editable plan. */
export interface PlanDraft {
  /**
   * The programmes the plan declares (CS.program codes in CarePlan.category): `pcm` for a PCM plan (one
   * condition is enough, ccm-cp-2); `apcm`, `bhi`, `cocm` markers of a stored plan are kept when it is revised.
   * Absent or empty: a CCM plan (two or more conditions).
   */
  programmes?: string[];
  /** Ids of the Conditions the plan addresses (the problem list). */
  addresses: string[];
  prognosis: string;
  goals: GoalDraft[];
  symptoms: ActionDraft[];
  interventions: ActionDraft[];
  /** The medication management plan (one Task of type medication-review). */
  medication: ActionDraft;
  resources: ActionDraft[];
  reviewSchedule: string;
  nextReview: string;
  /** Revising: the change is substantial (EXTENSION.substantialRevision). */
  substantial: boolean;
}
