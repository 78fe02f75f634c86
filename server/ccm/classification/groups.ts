/**
 * Condition groups: what counts as ONE chronic condition for the CCM "two or more chronic conditions" gate
 * (ccm-rules.md, gate 2: count distinct conditions, not codes; E11.9 and E11.65 are one condition). Groups
 * follow the CMS Chronic Conditions Warehouse (CCW) categories where one exists (the 27 chronic conditions and
 * the "other chronic or potentially disabling conditions"), split where the CCW lumps two diseases into one
 * category (rheumatoid arthritis vs osteoarthritis), and add common primary-care conditions. Groups with
 * `ccm: false` name things that are never CCM conditions (acute problems, misleading "chronic" names).
 */

/** One condition group. */
export interface ConditionGroup {
  id: string;
  name: string;
  /** The CCW category it belongs to, when there is one. */
  ccw?: string;
  /** Whether a condition of this group can count toward the CCM chronic-condition gate. */
  ccm: boolean;
  /** Distinct conditions are told apart by ICD-10-CM category (3 characters) inside this group. */
  perCategory?: boolean;
}

type Row = [id: string, name: string, ccw: string | null, ccm: boolean];

/** Groups that hold unrelated diseases: each ICD-10-CM category inside them is a distinct condition. */
const PER_CATEGORY = new Set(['cancer-other']);

const ROWS: Row[] = [
  ['diabetes', 'Diabetes mellitus', 'Diabetes', true],
  ['hypertension', 'Hypertension', 'Hypertension', true],
  ['chronic-kidney-disease', 'Chronic kidney disease', 'Chronic Kidney Disease', true],
  ['heart-failure', 'Heart failure and cardiomyopathy', 'Heart Failure', true],
  ['ischemic-heart-disease', 'Ischemic heart disease', 'Ischemic Heart Disease', true],
  ['atrial-fibrillation', 'Atrial fibrillation and flutter', 'Atrial Fibrillation', true],
  ['other-arrhythmia', 'Other cardiac arrhythmia', null, true],
  ['heart-valve-disease', 'Heart valve disease', null, true],
  ['stroke-tia', 'Stroke / transient ischemic attack', 'Stroke/Transient Ischemic Attack', true],
  ['peripheral-vascular-disease', 'Peripheral vascular disease', 'Peripheral Vascular Disease', true],
  ['aortic-disease', 'Aortic atherosclerosis or aneurysm', null, true],
  ['venous-insufficiency', 'Chronic venous insufficiency', null, true],
  ['pulmonary-hypertension', 'Pulmonary hypertension', null, true],
  ['copd', 'COPD, emphysema, chronic bronchitis and bronchiectasis', 'COPD and Bronchiectasis', true],
  ['asthma', 'Asthma', 'Asthma', true],
  ['interstitial-lung-disease', 'Interstitial lung disease', null, true],
  ['chronic-respiratory-failure', 'Chronic respiratory failure', null, true],
  ['sleep-apnea', 'Sleep apnea', null, true],
  [
    'dementia',
    "Alzheimer's disease and related dementias",
    "Alzheimer's Disease and Related Disorders or Senile Dementia",
    true,
  ],
  ['mild-cognitive-impairment', 'Mild cognitive impairment', null, true],
  ['depression', 'Depressive disorders', 'Depression', true],
  ['bipolar-disorder', 'Bipolar disorder', 'Bipolar Disorder', true],
  [
    'schizophrenia',
    'Schizophrenia and other psychotic disorders',
    'Schizophrenia and Other Psychotic Disorders',
    true,
  ],
  ['anxiety', 'Anxiety disorders', 'Anxiety Disorders', true],
  ['ptsd', 'Post-traumatic stress disorder', 'Post-Traumatic Stress Disorder', true],
  ['personality-disorder', 'Personality disorders', 'Personality Disorders', true],
  [
    'adhd',
    'Attention deficit hyperactivity disorder',
    'ADHD, Conduct Disorders, and Hyperkinetic Syndrome',
    true,
  ],
  ['autism', 'Autism spectrum disorder', 'Autism Spectrum Disorders', true],
  [
    'intellectual-disability',
    'Intellectual disabilities',
    'Intellectual Disabilities and Related Conditions',
    true,
  ],
  ['alcohol-use-disorder', 'Alcohol use disorder', 'Alcohol Use Disorders', true],
  ['drug-use-disorder', 'Drug use disorder', 'Drug Use Disorders', true],
  ['tobacco-use', 'Tobacco use / nicotine dependence', 'Tobacco Use', true],
  ['osteoarthritis', 'Osteoarthritis', 'Rheumatoid Arthritis/Osteoarthritis', true],
  ['rheumatoid-arthritis', 'Rheumatoid arthritis', 'Rheumatoid Arthritis/Osteoarthritis', true],
  ['inflammatory-arthritis', 'Psoriatic arthritis and spondyloarthritis', null, true],
  ['gout', 'Gout', null, true],
  ['connective-tissue-disease', 'Systemic lupus and other connective tissue disease', null, true],
  ['osteoporosis', 'Osteoporosis', 'Osteoporosis', true],
  ['chronic-pain', 'Fibromyalgia, chronic pain and fatigue', 'Fibromyalgia, Chronic Pain and Fatigue', true],
  ['hyperlipidemia', 'Hyperlipidemia', 'Hyperlipidemia', true],
  ['hypothyroidism', 'Hypothyroidism', 'Hypothyroidism', true],
  ['hyperthyroidism', 'Hyperthyroidism', null, true],
  ['other-endocrine', 'Adrenal, pituitary and parathyroid disorders', null, true],
  ['obesity', 'Obesity', 'Obesity', true],
  ['cystic-fibrosis', 'Cystic fibrosis', 'Cystic Fibrosis and Other Metabolic Developmental Disorders', true],
  ['anemia', 'Anemia', 'Anemia', true],
  ['sickle-cell-disease', 'Sickle cell disease', 'Sickle Cell Disease', true],
  ['coagulation-disorder', 'Hemophilia and other coagulation defects', null, true],
  ['cancer-breast', 'Breast cancer', 'Breast Cancer', true],
  ['cancer-colorectal', 'Colorectal cancer', 'Colorectal Cancer', true],
  ['cancer-prostate', 'Prostate cancer', 'Prostate Cancer', true],
  ['cancer-lung', 'Lung cancer', 'Lung Cancer', true],
  ['cancer-endometrial', 'Endometrial cancer', 'Endometrial Cancer', true],
  ['cancer-pancreas', 'Pancreatic cancer', null, true],
  ['cancer-bladder', 'Bladder cancer', null, true],
  ['cancer-kidney', 'Kidney cancer', null, true],
  ['cancer-melanoma', 'Melanoma', null, true],
  ['cancer-other', 'Other malignant neoplasm (one group per ICD-10-CM category)', null, true],
  ['leukemia-lymphoma', 'Leukemias, lymphomas and myeloma', 'Leukemias and Lymphomas', true],
  ['myeloproliferative', 'Myeloproliferative neoplasms', null, true],
  ['skin-cancer-nonmelanoma', 'Basal or squamous cell skin cancer', null, true],
  ['carcinoma-in-situ', 'Carcinoma in situ', null, true],
  ['neoplasm-uncertain', 'Neoplasm of unspecified or uncertain behaviour', null, true],
  [
    'liver-disease',
    'Cirrhosis and chronic liver disease',
    'Liver Disease, Cirrhosis and Other Liver Conditions',
    true,
  ],
  ['viral-hepatitis', 'Chronic viral hepatitis', 'Viral Hepatitis', true],
  ['hiv', 'HIV/AIDS', 'HIV/AIDS', true],
  ['inflammatory-bowel-disease', "Crohn's disease and ulcerative colitis", null, true],
  ['gerd', 'Gastro-oesophageal reflux disease', null, true],
  ['other-digestive', 'Other chronic digestive disease', null, true],
  ['epilepsy', 'Epilepsy', 'Epilepsy', true],
  ['parkinsons', "Parkinson's disease", "Parkinson's Disease and Secondary Parkinsonism", true],
  ['multiple-sclerosis', 'Multiple sclerosis', 'Multiple Sclerosis and Transverse Myelitis', true],
  ['migraine', 'Migraine', 'Migraine and Chronic Headache', true],
  ['cerebral-palsy', 'Cerebral palsy', 'Cerebral Palsy', true],
  [
    'neuromuscular-disease',
    'Motor neuron disease, myasthenia and muscular dystrophy',
    'Muscular Dystrophy',
    true,
  ],
  ['paralysis', 'Hemiplegia, paraplegia and quadriplegia', 'Mobility Impairments', true],
  ['spinal-cord-injury', 'Spinal cord injury', 'Spinal Cord Injury', true],
  ['neuropathy', 'Polyneuropathy', null, true],
  ['movement-disorder', 'Essential tremor and other movement disorders', null, true],
  ['glaucoma', 'Glaucoma', 'Glaucoma', true],
  ['cataract', 'Cataract', 'Cataract', true],
  ['macular-degeneration', 'Macular degeneration', null, true],
  ['blindness', 'Blindness and low vision', 'Sensory - Blindness and Visual Impairment', true],
  ['hearing-loss', 'Hearing loss', 'Sensory - Deafness and Hearing Impairment', true],
  ['bph', 'Benign prostatic hyperplasia', 'Benign Prostatic Hyperplasia', true],
  ['urinary-incontinence', 'Urinary incontinence', null, true],
  ['chronic-ulcer', 'Pressure and chronic skin ulcers', 'Pressure and Chronic Ulcers', true],
  ['psoriasis', 'Psoriasis and chronic dermatitis', null, true],
  ['amputation', 'Acquired absence of limb', 'Mobility Impairments', true],
  ['transplant-status', 'Organ transplant status', null, true],
  ['cardiac-device-status', 'Coronary graft, stent or cardiac device status', null, true],
  ['prediabetes', 'Prediabetes', null, true],
  ['falls-risk', 'Repeated falls', null, true],
  ['acute-mi', 'Acute myocardial infarction (acute event)', 'Acute Myocardial Infarction', false],
  ['hip-pelvic-fracture', 'Hip or pelvic fracture (acute injury)', 'Hip/Pelvic Fracture', false],
  ['acute-injury', 'Other acute injury', null, false],
  ['traumatic-brain-injury', 'Traumatic brain injury (acute)', null, false],
  ['acute-infection', 'Acute infection', null, false],
  [
    'chronic-sinusitis-rhinitis',
    'Chronic sinusitis, rhinitis, pharyngitis, tonsillitis or laryngitis',
    null,
    false,
  ],
  ['allergic-rhinitis', 'Allergic rhinitis', null, false],
  [
    'chronic-local-inflammation',
    'Chronic gastritis, cystitis, prostatitis, cholecystitis and similar',
    null,
    false,
  ],
  ['eye-ear-inflammation', 'Conjunctivitis, blepharitis, otitis media', null, false],
  ['dental', 'Dental and periodontal disease', null, false],
  ['pregnancy', 'Pregnancy and puerperium', null, false],
  ['symptom', 'Symptoms, signs and abnormal findings', null, false],
  ['acute-medical', 'Other acute or self-limited condition', null, false],
  ['status-or-history', 'Status, history or encounter codes', null, false],
];

/** Every condition group by id. */
export const CONDITION_GROUPS: ReadonlyMap<string, ConditionGroup> = new Map(
  ROWS.map(([id, name, ccw, ccm]) => [
    id,
    { id, name, ccm, ...(ccw ? { ccw } : {}), ...(PER_CATEGORY.has(id) ? { perCategory: true } : {}) },
  ]),
);

/** The group with this id; throws for an unknown id (a programming error in a table). */
export function groupById(id: string): ConditionGroup {
  const g = CONDITION_GROUPS.get(id);
  if (!g) throw new Error(`unknown condition group ${id}`);
  return g;
}
