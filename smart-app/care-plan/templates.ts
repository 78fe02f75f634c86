/**
 * Per-condition care plan templates, keyed by the condition groups of the CCM classification
 * (server/ccm/classification/groups.ts), so a patient's chronic groups pick their templates. Content is a
 * starting point for the clinician: targets follow common US guideline defaults (ADA, ACC/AHA, KDIGO, GOLD)
 * and every field is edited on the builder form before anything is written.
 */
import type { ConditionTemplate } from './template-types.js';
import { AFIB, BP_GOAL, CORONARY, HEART_FAILURE, HYPERTENSION } from './templates-cardio.js';

const DIABETES: ConditionTemplate = {
  group: 'diabetes',
  name: 'Diabetes',
  prognosis:
    'Diabetes is lifelong. With steady blood sugar control most people avoid or delay eye, kidney, nerve and heart complications.',
  goals: [
    {
      key: 'a1c-7',
      description: 'HbA1c below 7 %',
      dueDays: 90,
      targets: [{ measure: 'HbA1c', loinc: '4548-4', comparator: '<', value: 7, unit: '%' }],
    },
    BP_GOAL,
  ],
  symptoms: [
    {
      key: 'hypo',
      text: 'Low blood sugar (shaky, sweaty, confused): take 15 g of fast sugar, recheck in 15 minutes, call the office if it happens more than once a week',
      responsible: 'patient',
    },
    {
      key: 'feet',
      text: 'Look at both feet every day; call the office about any sore, blister or colour change',
      responsible: 'patient',
    },
  ],
  interventions: [
    {
      key: 'a1c-lab',
      text: 'Order HbA1c every 3 months and review the result with the patient',
      responsible: 'billing-practitioner',
      dueDays: 90,
    },
    {
      key: 'eye-foot',
      text: 'Arrange the yearly diabetic eye exam and foot exam',
      responsible: 'care-manager',
      dueDays: 180,
    },
    {
      key: 'glucose-log',
      text: 'Review home glucose readings by phone every month',
      responsible: 'care-manager',
      dueDays: 30,
    },
  ],
  medication:
    'Check that diabetes medicines are taken as prescribed; review low-sugar episodes and kidney function before dose changes.',
  resources: [
    {
      key: 'dsmes',
      text: 'Refer to a diabetes self-management education and support (DSMES) programme',
      responsible: 'care-manager',
    },
  ],
};

const COPD: ConditionTemplate = {
  group: 'copd',
  name: 'COPD',
  prognosis:
    'COPD is lifelong and slowly progressive. Not smoking, using inhalers correctly and treating flares early keep people active longer.',
  goals: [
    {
      key: 'copd-no-flare',
      description: 'No COPD flare needing steroids, antibiotics or a hospital stay in the next 6 months',
      dueDays: 180,
      targets: [],
    },
    {
      key: 'copd-spo2',
      description: 'Resting oxygen saturation at or above 88 %',
      dueDays: 90,
      targets: [
        {
          measure: 'Oxygen saturation (pulse oximetry)',
          loinc: '59408-5',
          comparator: '>=',
          value: 88,
          unit: '%',
        },
      ],
    },
  ],
  symptoms: [
    {
      key: 'copd-action',
      text: 'Follow the COPD action plan: more breathless or a change in phlegm colour means start the rescue pack and call the office',
      responsible: 'patient',
    },
  ],
  interventions: [
    {
      key: 'copd-inhaler',
      text: 'Check inhaler technique and rescue-inhaler use',
      responsible: 'care-manager',
      dueDays: 30,
    },
    {
      key: 'copd-vaccines',
      text: 'Confirm flu, pneumococcal and RSV vaccines are up to date',
      responsible: 'care-manager',
      dueDays: 60,
    },
  ],
  medication: 'Review inhalers, oxygen use and any steroid or antibiotic courses since the last contact.',
  resources: [
    {
      key: 'pulm-rehab',
      text: 'Refer to pulmonary rehabilitation; offer the state quitline (1-800-QUIT-NOW) to anyone who smokes',
      responsible: 'billing-practitioner',
    },
  ],
};

const CKD: ConditionTemplate = {
  group: 'chronic-kidney-disease',
  name: 'Chronic kidney disease',
  prognosis:
    'Kidney disease is lifelong. Blood pressure and sugar control and avoiding kidney-harming medicines slow its progression.',
  goals: [
    BP_GOAL,
    {
      key: 'uacr-30',
      description: 'Urine albumin-to-creatinine ratio below 30 mg/g',
      dueDays: 180,
      targets: [
        {
          measure: 'Urine albumin/creatinine ratio',
          loinc: '9318-7',
          comparator: '<',
          value: 30,
          unit: 'mg/g',
        },
      ],
    },
  ],
  symptoms: [
    {
      key: 'ckd-nsaid',
      text: 'Avoid anti-inflammatory pain killers (ibuprofen, naproxen); ask before any new medicine or supplement',
      responsible: 'patient',
    },
  ],
  interventions: [
    {
      key: 'ckd-labs',
      text: 'Order kidney function (eGFR) and urine albumin tests and review the trend',
      responsible: 'billing-practitioner',
      dueDays: 90,
    },
    {
      key: 'ckd-nephrology',
      text: 'Coordinate with nephrology when eGFR falls below 30 or drops quickly',
      responsible: 'care-manager',
      dueDays: 90,
    },
  ],
  medication:
    'Check every medicine dose against kidney function; stop NSAIDs; review potassium-raising medicines.',
  resources: [
    {
      key: 'kidney-diet',
      text: 'Kidney-friendly diet guidance from a renal dietitian or kidney education class',
      responsible: 'care-manager',
    },
  ],
};

const DEPRESSION: ConditionTemplate = {
  group: 'depression',
  name: 'Depression',
  prognosis:
    'Depression is treatable; most people improve within a few months of treatment, and follow-up lowers the chance of it coming back.',
  goals: [
    {
      key: 'phq9-5',
      description: 'PHQ-9 score below 5 (remission)',
      dueDays: 180,
      targets: [{ measure: 'PHQ-9 total score', loinc: '44261-6', comparator: '<', value: 5, unit: 'score' }],
    },
  ],
  symptoms: [
    {
      key: 'crisis',
      text: 'Thoughts of self-harm: call or text 988 (Suicide and Crisis Lifeline) or 911 right away',
      responsible: 'patient',
    },
  ],
  interventions: [
    {
      key: 'phq9-repeat',
      text: 'Repeat the PHQ-9 every month and review the score with the practitioner',
      responsible: 'care-manager',
      dueDays: 30,
    },
    {
      key: 'bh-referral',
      text: 'Coordinate counselling or behavioural health referral',
      responsible: 'billing-practitioner',
      dueDays: 30,
    },
  ],
  medication: 'Ask about antidepressant side effects and missed doses; do not stop suddenly.',
  resources: [
    {
      key: 'support-group',
      text: 'Community peer support group or senior centre activities',
      responsible: 'care-manager',
    },
  ],
};

/** Every template by condition group id. */
export const TEMPLATES: ReadonlyMap<string, ConditionTemplate> = new Map(
  [DIABETES, HYPERTENSION, HEART_FAILURE, COPD, CKD, DEPRESSION, CORONARY, AFIB].map((t) => [t.group, t]),
);

/** The templates of the given condition groups, in the order given, skipping groups without one. */
export function templatesFor(groups: readonly string[]): ConditionTemplate[] {
  const seen = new Set<string>();
  return groups.flatMap((g) => {
    const t = TEMPLATES.get(g);
    if (!t || seen.has(g)) return [];
    seen.add(g);
    return [t];
  });
}
