/**
 * Terminology of the synthetic practice: chronic conditions with their prevalence among Medicare
 * beneficiaries aged 65+ (SNOMED CT and ICD-10-CM codings), the medications, observations, care plans and
 * goals that go with them, and the visit, procedure and vaccine codes. Data, not logic.
 */
import { SYSTEM } from '../../server/ccm/vocabulary.js';

/** A coding without the system (the table says which system). */
export interface Code {
  code: string;
  display: string;
}

/** An observation the condition is followed with at the annual visit. */
export interface LabSpec {
  loinc: Code;
  category: 'laboratory' | 'survey';
  unit: string;
  ucum: string;
  /** mean and sd of the value, and the decimals kept */
  mean: number;
  sd: number;
  min: number;
  max: number;
  decimals: number;
}

/** A measurable goal for the CCM care plan. */
export interface GoalSpec {
  text: string;
  measure?: Code;
  target?: { comparator: '<' | '>=' | '<='; value: number; unit: string; ucum: string };
}

/** One chronic condition of the practice. */
export interface ConditionSpec {
  key: string;
  /** Prevalence among patients aged 65 and over. */
  prevalence65: number;
  snomed: Code;
  icd10: Code;
  medications: Code[];
  labs: LabSpec[];
  goal: GoalSpec;
  /** A Synthea-style condition care plan (SNOMED record artifact / regime), when there is one. */
  carePlan?: { category: Code; activities: Code[]; goal: string };
}

const mmHg = { unit: 'mm[Hg]', ucum: 'mm[Hg]' };

const A1C: LabSpec = {
  loinc: { code: '4548-4', display: 'Hemoglobin A1c/Hemoglobin.total in Blood' },
  category: 'laboratory',
  unit: '%',
  ucum: '%',
  mean: 7.4,
  sd: 1.1,
  min: 5.2,
  max: 12,
  decimals: 1,
};
const EGFR: LabSpec = {
  loinc: {
    code: '33914-3',
    display:
      'Glomerular filtration rate/1.73 sq M.predicted [Volume Rate/Area] in Serum or Plasma by Creatinine-based formula (MDRD)',
  },
  category: 'laboratory',
  unit: 'mL/min/{1.73_m2}',
  ucum: 'mL/min/{1.73_m2}',
  mean: 48,
  sd: 10,
  min: 15,
  max: 75,
  decimals: 0,
};
const LDL: LabSpec = {
  loinc: { code: '2089-1', display: 'Cholesterol in LDL [Mass/volume] in Serum or Plasma' },
  category: 'laboratory',
  unit: 'mg/dL',
  ucum: 'mg/dL',
  mean: 112,
  sd: 28,
  min: 45,
  max: 220,
  decimals: 0,
};
const PHQ9: LabSpec = {
  loinc: { code: '44261-6', display: 'Patient Health Questionnaire 9 item (PHQ-9) total score [Reported]' },
  category: 'survey',
  unit: '{score}',
  ucum: '{score}',
  mean: 9,
  sd: 5,
  min: 0,
  max: 27,
  decimals: 0,
};

const RX = {
  lisinopril: { code: '314076', display: 'lisinopril 10 MG Oral Tablet' },
  amlodipine: { code: '197361', display: 'amlodipine 5 MG Oral Tablet' },
  simvastatin: { code: '312961', display: 'simvastatin 20 MG Oral Tablet' },
  metformin: { code: '860975', display: '24 HR metformin hydrochloride 500 MG Extended Release Oral Tablet' },
  furosemide: { code: '313988', display: 'furosemide 40 MG Oral Tablet' },
  albuterol: { code: '745679', display: '200 ACTUAT albuterol 0.09 MG/ACTUAT Metered Dose Inhaler' },
  warfarin: { code: '855332', display: 'warfarin sodium 5 MG Oral Tablet' },
  donepezil: { code: '997224', display: 'donepezil hydrochloride 10 MG Oral Tablet' },
  clopidogrel: { code: '309362', display: 'clopidogrel 75 MG Oral Tablet' },
  alendronate: { code: '904419', display: 'alendronic acid 10 MG Oral Tablet' },
  acetaminophen: { code: '313782', display: 'acetaminophen 325 MG Oral Tablet' },
} as const;

/** The chronic conditions, with prevalence among patients aged 65+. */
export const CONDITIONS: readonly ConditionSpec[] = [
  {
    key: 'hypertension',
    prevalence65: 0.6,
    snomed: { code: '59621000', display: 'Essential hypertension (disorder)' },
    icd10: { code: 'I10', display: 'Essential (primary) hypertension' },
    medications: [RX.lisinopril, RX.amlodipine],
    labs: [],
    goal: {
      text: 'Blood pressure below 140/90 mm[Hg]',
      measure: { code: '8480-6', display: 'Systolic blood pressure' },
      target: { comparator: '<', value: 140, ...mmHg },
    },
    carePlan: {
      category: { code: '443402002', display: 'Lifestyle education regarding hypertension (procedure)' },
      activities: [
        { code: '386463000', display: 'Prescribed activity/exercise education (procedure)' },
        { code: '413473000', display: 'Counseling about alcohol consumption (procedure)' },
      ],
      goal: 'Maintain blood pressure below 140/90 mm[Hg]',
    },
  },
  {
    key: 'hyperlipidemia',
    prevalence65: 0.5,
    snomed: { code: '55822004', display: 'Hyperlipidemia (disorder)' },
    icd10: { code: 'E78.5', display: 'Hyperlipidemia, unspecified' },
    medications: [RX.simvastatin],
    labs: [LDL],
    goal: {
      text: 'LDL cholesterol below 100 mg/dL',
      measure: LDL.loinc,
      target: { comparator: '<', value: 100, unit: 'mg/dL', ucum: 'mg/dL' },
    },
  },
  {
    key: 'diabetes',
    prevalence65: 0.27,
    snomed: { code: '44054006', display: 'Diabetes mellitus type 2 (disorder)' },
    icd10: { code: 'E11.9', display: 'Type 2 diabetes mellitus without complications' },
    medications: [RX.metformin],
    labs: [A1C],
    goal: {
      text: 'Hemoglobin A1c below 7.0 %',
      measure: A1C.loinc,
      target: { comparator: '<', value: 7, unit: '%', ucum: '%' },
    },
    carePlan: {
      category: { code: '698360004', display: 'Diabetes self management plan (record artifact)' },
      activities: [
        { code: '160670007', display: 'Diabetic diet (finding)' },
        { code: '229065009', display: 'Exercise therapy (regime/therapy)' },
      ],
      goal: 'Hemoglobin A1c total in Blood < 7.0',
    },
  },
  {
    key: 'ckd',
    prevalence65: 0.2,
    snomed: { code: '433144002', display: 'Chronic kidney disease stage 3 (disorder)' },
    icd10: { code: 'N18.30', display: 'Chronic kidney disease, stage 3 unspecified' },
    medications: [],
    labs: [EGFR],
    goal: {
      text: 'eGFR stable at or above 45 mL/min/1.73 m2',
      measure: EGFR.loinc,
      target: { comparator: '>=', value: 45, unit: 'mL/min/{1.73_m2}', ucum: 'mL/min/{1.73_m2}' },
    },
  },
  {
    key: 'heart-failure',
    prevalence65: 0.14,
    snomed: { code: '84114007', display: 'Heart failure (disorder)' },
    icd10: { code: 'I50.9', display: 'Heart failure, unspecified' },
    medications: [RX.furosemide, RX.lisinopril],
    labs: [],
    goal: { text: 'No heart failure admission in the next 6 months; daily weight log kept' },
  },
  {
    key: 'copd',
    prevalence65: 0.11,
    snomed: { code: '13645005', display: 'Chronic obstructive lung disease (disorder)' },
    icd10: { code: 'J44.9', display: 'Chronic obstructive pulmonary disease, unspecified' },
    medications: [RX.albuterol],
    labs: [],
    goal: { text: 'Fewer than 2 COPD exacerbations in the next 12 months' },
    carePlan: {
      category: {
        code: '736283006',
        display: 'Chronic obstructive pulmonary disease clinical management plan (record artifact)',
      },
      activities: [
        { code: '229065009', display: 'Exercise therapy (regime/therapy)' },
        { code: '15081005', display: 'Pulmonary rehabilitation (regime/therapy)' },
      ],
      goal: 'Improve exercise tolerance',
    },
  },
  {
    key: 'atrial-fibrillation',
    prevalence65: 0.09,
    snomed: { code: '49436004', display: 'Atrial fibrillation (disorder)' },
    icd10: { code: 'I48.91', display: 'Unspecified atrial fibrillation' },
    medications: [RX.warfarin],
    labs: [],
    goal: { text: 'INR kept between 2.0 and 3.0 on anticoagulation' },
  },
  {
    key: 'depression',
    prevalence65: 0.15,
    snomed: { code: '370143000', display: 'Major depressive disorder (disorder)' },
    icd10: { code: 'F32.9', display: 'Major depressive disorder, single episode, unspecified' },
    medications: [],
    labs: [PHQ9],
    goal: {
      text: 'PHQ-9 score below 10',
      measure: PHQ9.loinc,
      target: { comparator: '<', value: 10, unit: '{score}', ucum: '{score}' },
    },
  },
  {
    key: 'osteoarthritis',
    prevalence65: 0.3,
    snomed: { code: '239873007', display: 'Osteoarthritis of knee (disorder)' },
    icd10: { code: 'M17.9', display: 'Osteoarthritis of knee, unspecified' },
    medications: [RX.acetaminophen],
    labs: [],
    goal: { text: 'Walks 20 minutes a day with pain at or below 4/10' },
  },
  {
    key: 'dementia',
    prevalence65: 0.1,
    snomed: { code: '52448006', display: 'Dementia (disorder)' },
    icd10: {
      code: 'F03.90',
      display:
        'Unspecified dementia, unspecified severity, without behavioral disturbance, psychotic disturbance, mood disturbance, and anxiety',
    },
    medications: [RX.donepezil],
    labs: [],
    goal: { text: 'Caregiver support plan in place; no falls in the next 6 months' },
  },
  {
    key: 'coronary-disease',
    prevalence65: 0.25,
    snomed: { code: '53741008', display: 'Coronary arteriosclerosis (disorder)' },
    icd10: {
      code: 'I25.10',
      display: 'Atherosclerotic heart disease of native coronary artery without angina pectoris',
    },
    medications: [RX.clopidogrel, RX.simvastatin],
    labs: [],
    goal: { text: 'No angina episodes; takes antiplatelet therapy daily' },
  },
  {
    key: 'asthma',
    prevalence65: 0.07,
    snomed: { code: '195967001', display: 'Asthma (disorder)' },
    icd10: { code: 'J45.909', display: 'Unspecified asthma, uncomplicated' },
    medications: [RX.albuterol],
    labs: [],
    goal: { text: 'Rescue inhaler needed no more than twice a week' },
  },
  {
    key: 'osteoporosis',
    prevalence65: 0.15,
    snomed: { code: '64859006', display: 'Osteoporosis (disorder)' },
    icd10: { code: 'M81.0', display: 'Age-related osteoporosis without current pathological fracture' },
    medications: [RX.alendronate],
    labs: [],
    goal: { text: 'No fragility fractures; weight-bearing exercise 3 times a week' },
  },
  {
    key: 'stroke',
    prevalence65: 0.05,
    snomed: { code: '230690007', display: 'Cerebrovascular accident (disorder)' },
    icd10: { code: 'I69.30', display: 'Unspecified sequelae of cerebral infarction' },
    medications: [RX.clopidogrel],
    labs: [],
    goal: { text: 'Blood pressure below 130/80 mm[Hg] for secondary stroke prevention' },
  },
];

/** Prevalence multiplier for patients under 65 (chronic disease is less common). */
export const UNDER_65_FACTOR = 0.45;

/** Age bands of the practice: share of patients and age range (inclusive). */
export const AGE_BANDS: ReadonlyArray<{ share: number; min: number; max: number }> = [
  { share: 0.12, min: 45, max: 64 },
  { share: 0.46, min: 65, max: 74 },
  { share: 0.3, min: 75, max: 84 },
  { share: 0.12, min: 85, max: 98 },
];

/** Vital signs taken at every visit. */
export const VITALS = {
  bpPanel: { code: '85354-9', display: 'Blood pressure panel with all children optional' },
  systolic: { code: '8480-6', display: 'Systolic blood pressure' },
  diastolic: { code: '8462-4', display: 'Diastolic blood pressure' },
  heartRate: { code: '8867-4', display: 'Heart rate' },
  weight: { code: '29463-7', display: 'Body weight' },
  bmi: { code: '39156-5', display: 'Body mass index (BMI) [Ratio]' },
} as const;

/** Visit types. */
export const VISIT = {
  office3: {
    system: SYSTEM.cpt,
    code: '99213',
    display: 'Office or other outpatient visit, established patient, low MDM',
  },
  office4: {
    system: SYSTEM.cpt,
    code: '99214',
    display: 'Office or other outpatient visit, established patient, moderate MDM',
  },
  awv: { system: SYSTEM.hcpcs, code: 'G0439', display: 'Annual wellness visit, subsequent' },
  checkUp: { system: SYSTEM.snomed, code: '185349003', display: 'Encounter for check up (procedure)' },
  followUp: { system: SYSTEM.snomed, code: '390906007', display: 'Follow-up encounter (procedure)' },
} as const;

/** Procedures. */
export const PROCEDURE = {
  medicationReconciliation: { code: '430193006', display: 'Medication reconciliation (procedure)' },
  depressionScreening: { code: '171207006', display: 'Depression screening (procedure)' },
} as const;

/** Vaccines (CVX). */
export const VACCINE = {
  influenza: { code: '140', display: 'Influenza, seasonal, injectable, preservative free' },
  ppsv23: { code: '33', display: 'pneumococcal polysaccharide vaccine, 23 valent' },
  zoster: { code: '187', display: 'zoster vaccine recombinant' },
} as const;

export const CVX_SYSTEM = 'http://hl7.org/fhir/sid/cvx';
export const RXNORM_SYSTEM = 'http://www.nlm.nih.gov/research/umls/rxnorm';
