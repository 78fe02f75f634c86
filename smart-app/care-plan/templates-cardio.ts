/**
 * Care plan templates of the cardiovascular condition groups (hypertension, heart failure, coronary disease,
 * atrial fibrillation) and the blood pressure goal other templates share. See templates.ts.
 */
import type { ConditionTemplate, GoalTemplate } from './template-types.js';

/** The blood pressure goal (ADA, ACC/AHA): shared, so a patient with several conditions gets it once. */
export const BP_GOAL: GoalTemplate = {
  key: 'bp-130-80',
  description: 'Blood pressure below 130/80 mmHg',
  dueDays: 90,
  targets: [
    { measure: 'Systolic blood pressure', loinc: '8480-6', comparator: '<', value: 130, unit: 'mmHg' },
    { measure: 'Diastolic blood pressure', loinc: '8462-4', comparator: '<', value: 80, unit: 'mmHg' },
  ],
};

const HOME_BP = {
  key: 'home-bp',
  text: 'Check blood pressure at home 3 times a week and bring the readings to every contact',
  responsible: 'patient',
} as const;

export const HYPERTENSION: ConditionTemplate = {
  group: 'hypertension',
  name: 'High blood pressure',
  prognosis:
    'High blood pressure is lifelong. Keeping it at goal lowers the chance of stroke, heart attack and kidney damage.',
  goals: [BP_GOAL],
  symptoms: [
    HOME_BP,
    {
      key: 'bp-alarm',
      text: 'Severe headache, chest pain, weakness or trouble speaking: call 911',
      responsible: 'patient',
    },
  ],
  interventions: [
    {
      key: 'bp-review',
      text: 'Review home blood pressure log and adjust treatment if above goal',
      responsible: 'billing-practitioner',
      dueDays: 30,
    },
  ],
  medication:
    'Confirm blood pressure medicines are taken daily; ask about dizziness and check potassium and kidney function after changes.',
  resources: [
    {
      key: 'salt',
      text: 'Low-salt (DASH) eating guidance from a dietitian or community nutrition programme',
      responsible: 'care-manager',
    },
  ],
};

export const HEART_FAILURE: ConditionTemplate = {
  group: 'heart-failure',
  name: 'Heart failure',
  prognosis:
    'Heart failure is a long-term condition that can worsen in flares. Daily self-care and regular medicine reviews reduce hospital stays.',
  goals: [
    {
      key: 'hf-no-admission',
      description: 'No emergency visit or hospital stay for heart failure in the next 6 months',
      dueDays: 180,
      targets: [],
    },
    {
      key: 'hf-walk',
      description: 'Walk at least 20 minutes on 5 days a week',
      dueDays: 90,
      targets: [],
    },
  ],
  symptoms: [
    {
      key: 'hf-weight',
      text: 'Weigh every morning; call the office if weight goes up more than 1 kg (2 lb) in a day or 2 kg (5 lb) in a week',
      responsible: 'patient',
    },
    {
      key: 'hf-breath',
      text: 'More short of breath, swollen legs or needing more pillows at night: call the office the same day',
      responsible: 'patient',
    },
  ],
  interventions: [
    {
      key: 'hf-call',
      text: 'Weekly phone check of weight, breathing and swelling',
      responsible: 'care-manager',
      dueDays: 7,
    },
    {
      key: 'hf-cardiology',
      text: 'Coordinate with cardiology; share the plan and the latest echo result',
      responsible: 'care-manager',
      dueDays: 60,
    },
  ],
  medication:
    'Review heart failure medicines and water tablets at every contact; check kidney function and potassium after dose changes.',
  resources: [
    {
      key: 'cardiac-rehab',
      text: 'Refer to a cardiac rehabilitation programme',
      responsible: 'billing-practitioner',
    },
  ],
};

export const CORONARY: ConditionTemplate = {
  group: 'ischemic-heart-disease',
  name: 'Coronary artery disease',
  prognosis:
    'Coronary disease is lifelong. Cholesterol and blood pressure control, activity and not smoking lower the risk of a heart attack.',
  goals: [
    {
      key: 'ldl-70',
      description: 'LDL cholesterol below 70 mg/dL',
      dueDays: 90,
      targets: [{ measure: 'LDL cholesterol', loinc: '13457-7', comparator: '<', value: 70, unit: 'mg/dL' }],
    },
    BP_GOAL,
  ],
  symptoms: [
    {
      key: 'chest-pain',
      text: 'Chest pain or pressure lasting more than 5 minutes or not relieved by nitroglycerin: call 911',
      responsible: 'patient',
    },
  ],
  interventions: [
    {
      key: 'lipids',
      text: 'Order a lipid panel and adjust statin therapy to reach the LDL goal',
      responsible: 'billing-practitioner',
      dueDays: 90,
    },
  ],
  medication:
    'Confirm daily aspirin or other antiplatelet and statin use unless contraindicated; check for muscle aches.',
  resources: [
    {
      key: 'cad-rehab',
      text: 'Cardiac rehabilitation or a supervised community exercise programme',
      responsible: 'care-manager',
    },
  ],
};

export const AFIB: ConditionTemplate = {
  group: 'atrial-fibrillation',
  name: 'Atrial fibrillation',
  prognosis:
    'Atrial fibrillation is usually long-term. Blood thinners greatly lower the risk of stroke and rate control eases symptoms.',
  goals: [
    {
      key: 'hr-110',
      description: 'Resting heart rate below 110 beats a minute',
      dueDays: 60,
      targets: [{ measure: 'Heart rate', loinc: '8867-4', comparator: '<', value: 110, unit: '/min' }],
    },
    {
      key: 'anticoag-adherence',
      description: 'Blood thinner taken every day as prescribed, no missed doses',
      dueDays: 90,
      targets: [],
    },
  ],
  symptoms: [
    {
      key: 'stroke-signs',
      text: 'Face drooping, arm weakness or speech trouble: call 911. Unusual bleeding or black stools: call the office',
      responsible: 'patient',
    },
  ],
  interventions: [
    {
      key: 'bleeding-risk',
      text: 'Review stroke and bleeding risk and the anticoagulant dose against kidney function',
      responsible: 'billing-practitioner',
      dueDays: 90,
    },
  ],
  medication:
    'Check anticoagulant adherence and interactions (including over-the-counter medicines) at every contact.',
  resources: [
    {
      key: 'fall-prevention',
      text: 'Community fall-prevention programme (falls on a blood thinner are dangerous)',
      responsible: 'care-manager',
    },
  ],
};
