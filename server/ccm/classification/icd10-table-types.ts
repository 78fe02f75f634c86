/**
 * The shape of the curated ICD-10-CM rows. A row names a code or a code prefix (with its dot, e.g. `E11`,
 * `E11.6`, `E11.65`); the longest matching prefix wins. `chronic` answers the CCM question — expected to
 * last 12 months or more AND placing the patient at significant risk (ccm-rules.md, gate 2) — with `ask`
 * where it depends on the patient and a clinician must attest.
 */

/** yes = a CCM chronic condition; no = never one; ask = a clinician decides (attestation). */
export type ChronicFlag = 'yes' | 'no' | 'ask';

/** One curated row: code or prefix, group id, chronic flag, description. */
export type Icd10Row = readonly [code: string, group: string, chronic: ChronicFlag, label: string];

/** One curated SNOMED CT concept: concept id, group id, chronic flag, ICD-10-CM code for claims, label. */
export type SnomedRow = readonly [
  concept: string,
  group: string,
  chronic: ChronicFlag,
  icd10: string,
  label: string,
];
