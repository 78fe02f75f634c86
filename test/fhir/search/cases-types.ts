/**
 * Conformance cases per parameter type over fixtures/search/conformance.json. Each expectation was written
 * by reading the fixture and R4 search.html (section named in each group), never recorded from the server.
 * `ids` are the expected matches (bare ids are of the searched type); the order does not matter here.
 */

/** One search and what it must match. */
export interface Case {
  q: string;
  ids: string[];
}

const c = (q: string, ...ids: string[]): Case => ({ q, ids });

/** search.html#string: prefix, case- and accent-insensitive by default; :exact; :contains; OR and AND. */
export const STRING: Case[] = [
  c('Patient?family=chalmers', 'pat-1'),
  c('Patient?family=CHAL', 'pat-1'),
  c('Patient?family=muller', 'pat-2'), // Müller normalises to muller; Mueller does not start with "mul"
  c('Patient?family=Mü', 'pat-2', 'pat-3'),
  c('Patient?family:exact=Müller', 'pat-2'),
  c('Patient?family:exact=müller'), // exact is case-sensitive
  c('Patient?family:exact=Smith', 'pat-4'),
  c('Patient?family:contains=mit', 'pat-4', 'pat-5'),
  c('Patient?family:contains=LLER', 'pat-2', 'pat-3'),
  c('Patient?family=smith', 'pat-4', 'pat-5'),
  c('Patient?given=jim', 'pat-1'), // any name, any given
  c('Patient?given=jane', 'pat-4', 'pat-5'),
  c('Patient?name=peter', 'pat-1'),
  c('Patient?name=james', 'pat-1'),
  c("Patient?name=o'brien", 'pat-6'),
  c('Patient?name=zoe', 'pat-6'), // Zoë without its diaeresis
  c('Patient?name=zoe%20o', 'pat-6'), // HumanName.text
  c('Patient?name:contains=ann', 'pat-2'),
  c('Patient?address-city=springfield', 'pat-1'),
  c('Patient?address=IL', 'pat-1', 'pat-2'),
  c('Patient?address-postalcode=627', 'pat-1'),
  c('Patient?address-country=us', 'pat-1'),
  c('Patient?address-state=il', 'pat-1', 'pat-2'),
  c('Patient?family=smith,chalmers', 'pat-1', 'pat-4', 'pat-5'),
  c('Patient?given=jane&family=smiths', 'pat-5'),
  c('Patient?family=chalmers&family=smith'),
  c('Organization?name=acme', 'org-1'),
  c('Organization?name:contains=health', 'org-2'),
  c('Practitioner?name=greg', 'pr-1'),
  c('Condition?onset-info=child', 'cond-4'),
  c('List?title=problems', 'list-1'),
  c('ValueSet?name=chronic', 'vs-1'),
];

const CLINICAL = 'http://terminology.hl7.org/CodeSystem/condition-clinical';
const VITALS = 'http://hl7.org/fhir/ValueSet/observation-vitalsignresult';

/** search.html#token: code, system|code, system|, :not (also matches absent), :text, :of-type, :in, :below. */
export const TOKEN: Case[] = [
  c('Patient?gender=male', 'pat-1', 'pat-3'),
  c('Patient?gender=http://hl7.org/fhir/administrative-gender|female', 'pat-2', 'pat-4'), // bound system
  c('Patient?gender=male,other', 'pat-1', 'pat-3', 'pat-5'),
  c('Patient?gender:not=male', 'pat-2', 'pat-4', 'pat-5', 'pat-6'),
  c('Patient?active=true', 'pat-1', 'pat-2'),
  c('Patient?active=false', 'pat-3'),
  c('Patient?active:not=true', 'pat-3', 'pat-4', 'pat-5', 'pat-6'),
  c('Patient?identifier=MRN-001', 'pat-1'),
  c('Patient?identifier=urn:mrn|MRN-002', 'pat-2'),
  c('Patient?identifier=urn:mrn|', 'pat-1', 'pat-2', 'pat-6'),
  c('Patient?identifier=urn:other|MRN-001'),
  c('Patient?identifier:of-type=http://terminology.hl7.org/CodeSystem/v2-0203|MR|MRN-001', 'pat-1'),
  c('Patient?identifier:of-type=http://terminology.hl7.org/CodeSystem/v2-0203|MR|MRN-002'),
  c('Patient?phone=555-0101', 'pat-1'),
  c('Patient?email=peter@example.org', 'pat-1'),
  c('Patient?telecom=phone|555-0202', 'pat-2'),
  c('Patient?_tag=ccm', 'pat-1', 'pat-2'),
  c('Patient?_tag=http://example.org/tags|vip', 'pat-2'),
  c('Patient?_tag:not=vip', 'pat-1', 'pat-3', 'pat-4', 'pat-5', 'pat-6'),
  c('Patient?_security=http://terminology.hl7.org/CodeSystem/v3-Confidentiality|R', 'pat-2'),
  c('Condition?code=44054006', 'cond-1', 'cond-6'),
  c('Condition?code=http://snomed.info/sct|44054006', 'cond-1', 'cond-6'),
  c('Condition?code=http://hl7.org/fhir/sid/icd-10-cm|E11.9', 'cond-1'),
  c('Condition?code=http://snomed.info/sct|E11.9'), // system and code must be in the same coding
  c('Condition?code=http://hl7.org/fhir/sid/icd-10-cm|', 'cond-1', 'cond-4'),
  c('Condition?code=I10,38341003', 'cond-2', 'cond-4'),
  c('Condition?code:text=diabetes', 'cond-1', 'cond-6'),
  c('Condition?code:text=hypertens', 'cond-2'),
  c('Condition?code:text=chronic', 'cond-3', 'cond-5'),
  c('Condition?clinical-status=active', 'cond-1', 'cond-5'),
  c(`Condition?clinical-status:below=${CLINICAL}|active`, 'cond-1', 'cond-2', 'cond-5'),
  c(`Condition?clinical-status:below=${CLINICAL}|inactive`, 'cond-3', 'cond-4', 'cond-6'),
  c(`Condition?clinical-status:above=${CLINICAL}|remission`, 'cond-3', 'cond-6'),
  c(
    'Condition?verification-status:below=http://terminology.hl7.org/CodeSystem/condition-ver-status|unconfirmed',
    'cond-2',
  ),
  c(
    'Condition?clinical-status:in=http://hl7.org/fhir/ValueSet/condition-clinical',
    'cond-1',
    'cond-2',
    'cond-3',
    'cond-4',
    'cond-5',
    'cond-6',
  ),
  c(`Observation?code:in=${VITALS}`, 'obs-1', 'obs-4', 'obs-5', 'obs-6', 'obs-7', 'obs-8'),
  c(`Observation?code:not-in=${VITALS}`, 'obs-2', 'obs-3', 'obs-9', 'obs-10', 'obs-11'),
  c('Observation?category=vital-signs', 'obs-1', 'obs-4', 'obs-5', 'obs-6', 'obs-7', 'obs-8'),
  c('Observation?status=final', 'obs-1', 'obs-2', 'obs-3', 'obs-6', 'obs-7', 'obs-8', 'obs-9', 'obs-11'),
  c('Observation?status:not=final', 'obs-4', 'obs-5', 'obs-10'),
  c('Observation?status=http://hl7.org/fhir/observation-status|amended', 'obs-4'),
  c('Observation?value-concept=http://snomed.info/sct|8517006', 'obs-9'),
  c('Encounter?class=VR', 'enc-2', 'enc-5'),
  c('Encounter?class=http://terminology.hl7.org/CodeSystem/v3-ActCode|AMB', 'enc-1', 'enc-3'),
  c('Encounter?status=finished,in-progress', 'enc-1', 'enc-2', 'enc-3'),
  c('CarePlan?status=active&intent=plan', 'cp-1'),
  c('Organization?type=prov', 'org-1'),
  c('Practitioner?identifier=http://hl7.org/fhir/sid/us-npi|2222222222', 'pr-2'),
  c('Condition?identifier=urn:cond|C-6', 'cond-6'),
  c('Condition?category=problem-list-item', 'cond-1', 'cond-2', 'cond-6'),
  c('Condition?category:not=problem-list-item', 'cond-3', 'cond-4', 'cond-5'),
  c('ValueSet?status=draft', 'vs-2'),
];

/** search.html#modifiers `:missing`. */
export const MISSING: Case[] = [
  c('Patient?active:missing=true', 'pat-4', 'pat-5', 'pat-6'),
  c('Patient?active:missing=false', 'pat-1', 'pat-2', 'pat-3'),
  c('Condition?code:missing=true'), // cond-5 has a code with text only: it has a value
  c('Condition?severity:missing=false', 'cond-1'),
  c('Condition?asserter:missing=true', 'cond-2', 'cond-4', 'cond-6'),
  c('Encounter?date:missing=true', 'enc-5'),
  c('CarePlan?date:missing=true', 'cp-4'),
  c('Patient?death-date:missing=false', 'pat-3'),
];

/** search.html#reference: id, Type/id, absolute URL, :[type], :identifier. */
export const REFERENCE: Case[] = [
  c('Condition?subject=Patient/pat-1', 'cond-1', 'cond-2'),
  c('Condition?patient=pat-2', 'cond-3', 'cond-4'),
  c('Condition?subject:Patient=pat-3', 'cond-5'),
  c('Condition?subject=http://127.0.0.1:8080/fhir/Patient/pat-1', 'cond-1', 'cond-2'),
  c('Condition?subject=pat-1', 'cond-1', 'cond-2'),
  c('Condition?subject:Group=pat-1'),
  c('Condition?subject=Patient/nope'),
  c('Condition?asserter=Practitioner/pr-1', 'cond-1'),
  c('Condition?asserter:Patient=pat-2', 'cond-3'),
  c('Condition?asserter:identifier=http://hl7.org/fhir/sid/us-npi|1111111111', 'cond-5'),
  c('Condition?encounter=enc-1', 'cond-1'),
  c('Observation?subject=Patient/pat-1,Patient/pat-2', 'obs-1', 'obs-2', 'obs-3', 'obs-4', 'obs-6', 'obs-11'),
  c('Observation?performer=Practitioner/pr-1', 'obs-1'),
  c('Patient?general-practitioner=pr-1', 'pat-1'),
  c('Patient?organization=org-1', 'pat-1', 'pat-3'),
  c('Patient?link=pat-5', 'pat-4'),
  c('Encounter?practitioner=pr-1', 'enc-1', 'enc-3'),
  c('Encounter?participant:identifier=http://hl7.org/fhir/sid/us-npi|2222222222', 'enc-5'),
  c('Encounter?service-provider=org-1', 'enc-1', 'enc-2'),
  c('CarePlan?condition=Condition/cond-3', 'cp-2'),
  c('CarePlan?instantiates-canonical=http://ccm-fhir.org/fhir/PlanDefinition/ccm-standard', 'cp-1'),
  c('Provenance?target=Condition/cond-1', 'prov-1'),
  c('List?item=Observation/obs-2', 'list-1'),
  c('Organization?partof=org-1', 'org-2'),
  c('MedicationRequest?medication=med-1', 'mr-1'),
];

/**
 * search.html#date and #prefix: values are ranges; eq = the search range contains the value; gt/lt = the
 * range above/below overlaps; ge/le add containment; sa/eb = strictly after/before; ap = overlaps the
 * search range widened by 10% of its distance to now (2026-04-02T10:00Z). Times are UTC.
 */
export const DATE: Case[] = [
  c('Patient?birthdate=1950', 'pat-2', 'pat-3'),
  c('Patient?birthdate=1950-03', 'pat-2'), // pat-3's whole year is not inside March
  c('Patient?birthdate=1974-12-25', 'pat-1'),
  c('Patient?birthdate=eq1974-12', 'pat-1'),
  c('Patient?birthdate=1974-12-25T10:00:00Z'), // a day is not inside one second
  c('Patient?birthdate=ne1950', 'pat-1', 'pat-4', 'pat-5', 'pat-6'),
  c('Patient?birthdate=ne1950-03', 'pat-1', 'pat-3', 'pat-4', 'pat-5', 'pat-6'),
  c('Patient?birthdate=gt1988-07-14', 'pat-5', 'pat-6'),
  c('Patient?birthdate=lt1950-06', 'pat-2', 'pat-3'),
  c('Patient?birthdate=ge1990-01-01', 'pat-5', 'pat-6'),
  c('Patient?birthdate=le1974-12-25', 'pat-1', 'pat-2', 'pat-3'),
  c('Patient?birthdate=sa1950-03', 'pat-1', 'pat-4', 'pat-5', 'pat-6'),
  c('Patient?birthdate=eb1950-06', 'pat-2'),
  c('Patient?birthdate=gt1950-06', 'pat-1', 'pat-3', 'pat-4', 'pat-5', 'pat-6'),
  c('Patient?birthdate=ge1950&birthdate=lt1975', 'pat-1', 'pat-2', 'pat-3'),
  c('Patient?birthdate=ap1975', 'pat-1'),
  c('Patient?death-date=2020', 'pat-3'),
  c('Encounter?date=2026-01', 'enc-1', 'enc-2'),
  c('Encounter?date=ge2026-01-01&date=lt2026-02-01', 'enc-1', 'enc-2'),
  c('Encounter?date=2026-01-10', 'enc-1'),
  c('Encounter?date=gt2026-03-01', 'enc-3'), // open-ended period
  c('Encounter?date=sa2026-01-15', 'enc-2', 'enc-3'),
  c('Encounter?date=eb2026-01-15', 'enc-1', 'enc-4'),
  c('Encounter?date=le2025-12-31', 'enc-4'),
  c('Encounter?date=ne2026-01', 'enc-3', 'enc-4'),
  c('Encounter?date=2026-02'), // an open-ended period is never inside a month
  c('Encounter?date=ap2026-01-10', 'enc-1'),
  c('Observation?date=2026-01-01', 'obs-5'), // 2025-12-31T23:30-05:00 is 2026-01-01T04:30Z
  c('Observation?date=2025'),
  c('Observation?date=2026-01-10', 'obs-1', 'obs-6'),
  c('Observation?date=2026-03', 'obs-7', 'obs-8', 'obs-10'),
  c('Observation?date=eq2026-02-02', 'obs-3'), // obs-4's Feb 1-3 period is not inside one day
  c('Observation?date=lt2026-01-10T09:05:00Z', 'obs-5', 'obs-6', 'obs-9'),
  c('Observation?date=le2026-01-10T09:05:00Z', 'obs-1', 'obs-5', 'obs-6', 'obs-9'),
  c('Observation?date=gt2026-03-01T12:00:00Z', 'obs-7', 'obs-8', 'obs-9'),
  c('Observation?date=2026-02-02T08:00:00Z', 'obs-3'),
  c('Observation?date=2026-02-02T09:00:00%2B01:00', 'obs-3'),
  c(
    'Observation?date=2026',
    ...['obs-1', 'obs-2', 'obs-3', 'obs-4', 'obs-5', 'obs-6', 'obs-7', 'obs-8', 'obs-9', 'obs-10', 'obs-11'],
  ),
  c('Condition?onset-date=2015', 'cond-1'),
  c('Condition?onset-date=2011'), // the 2010-2012 period is not inside 2011
  c('Condition?onset-date=ge2011-01-01', 'cond-1', 'cond-2'),
  c('Condition?onset-date=lt2010-06', 'cond-2'),
  c('Condition?recorded-date=2010-02-01', 'cond-2'),
  c('Condition?abatement-date=lt2020', 'cond-4'),
  c('CarePlan?date=2026-06'),
  c('CarePlan?date=ge2026-06-01', 'cp-1', 'cp-2'),
  c('CarePlan?date=lt2025-01-01', 'cp-3'),
  c('MedicationRequest?authoredon=2026', 'mr-1'),
  c('Provenance?recorded=2026-01-10T10:00:00Z', 'prov-1'),
  c('Patient?_lastUpdated=ge2026-04-02', 'pat-5'),
  c('Patient?_lastUpdated=lt2026-04-02', 'pat-1', 'pat-2', 'pat-3', 'pat-4', 'pat-6'),
  c('Patient?_lastUpdated=gt2026-04-01T10:00:00Z', 'pat-5'),
  c(
    'Observation?_lastUpdated=2026-04-01',
    ...['obs-1', 'obs-2', 'obs-3', 'obs-4', 'obs-5', 'obs-6', 'obs-7', 'obs-8', 'obs-10', 'obs-11'],
  ),
];

/** search.html#number: implicit precision (0.3 means [0.25, 0.35)), prefixes, exponent form. */
export const NUMBER: Case[] = [
  c('RiskAssessment?probability=0.25', 'ra-1'),
  c('RiskAssessment?probability=0.3', 'ra-1'),
  c('RiskAssessment?probability=0.5', 'ra-3'),
  c('RiskAssessment?probability=0.50', 'ra-3'),
  c('RiskAssessment?probability=gt0.5', 'ra-2'),
  c('RiskAssessment?probability=ge0.5', 'ra-2', 'ra-3'),
  c('RiskAssessment?probability=lt0.2', 'ra-2'),
  c('RiskAssessment?probability=le0.25', 'ra-1', 'ra-2'),
  c('RiskAssessment?probability=ne0.5', 'ra-1', 'ra-2'),
  c('RiskAssessment?probability=ap0.7', 'ra-2'),
  c('RiskAssessment?probability=1e-1', 'ra-2'),
  c('RiskAssessment?probability=sa0.5', 'ra-2'),
  c('RiskAssessment?probability=eb0.25', 'ra-2'),
];

const UCUM = 'http://unitsofmeasure.org';

/** search.html#quantity: number[|system|code]; UCUM units compared in canonical form; `||code` = any system. */
export const QUANTITY: Case[] = [
  c(`Observation?value-quantity=100|${UCUM}|mg/dL`, 'obs-2'),
  c(`Observation?value-quantity=120|${UCUM}|mg/dL`, 'obs-3'), // 1.2 g/L
  c(`Observation?value-quantity=1|${UCUM}|g/L`, 'obs-2', 'obs-3'), // [0.5, 1.5) g/L
  c(`Observation?value-quantity=gt110|${UCUM}|mg/dL`, 'obs-3'),
  c(`Observation?value-quantity=70|${UCUM}|kg`, 'obs-4', 'obs-5'), // 154 lb = 69.85 kg
  c(`Observation?value-quantity=70000|${UCUM}|g`, 'obs-4'),
  c(`Observation?value-quantity=154|${UCUM}|[lb_av]`, 'obs-4', 'obs-5'), // 70 kg = 154.32 lb
  c(`Observation?value-quantity=37|${UCUM}|Cel`, 'obs-7', 'obs-8'), // 98.6 °F = 37 °C
  c('Observation?value-quantity=98.6||[degF]', 'obs-8'), // no system: the code as given
  c('Observation?value-quantity=72', 'obs-1'),
  c(`Observation?value-quantity=72|${UCUM}|/min`, 'obs-1'),
  c(`Observation?value-quantity=lt5|${UCUM}|mg/dL`, 'obs-11'),
  c(`Observation?value-quantity=gt4|${UCUM}|mg/dL`, 'obs-2', 'obs-3', 'obs-11'), // "<5" reaches above 4
  c(`Observation?value-quantity=ap100|${UCUM}|mg/dL`, 'obs-2'),
  c('Observation?value-quantity=100|http://example.org|mg/dL'),
  c(`Observation?component-value-quantity=120|${UCUM}|mm[Hg]`, 'obs-6'),
  c(`Observation?component-value-quantity=16|${UCUM}|kPa`, 'obs-6'), // 16 kPa = 120.0 mm[Hg]
  c(`Encounter?length=1|${UCUM}|h`, 'enc-1', 'enc-2', 'enc-4'), // [0.5, 1.5) h = [30, 90) min
  c(`Encounter?length=60|${UCUM}|min`, 'enc-2'),
  c(`Encounter?length=gt40|${UCUM}|min`, 'enc-2', 'enc-4'),
  c(`Encounter?length=le30|${UCUM}|min`, 'enc-1', 'enc-5'),
  c(`Condition?onset-age=62|${UCUM}|a`, 'cond-3'),
];

/** search.html#uri: exact, :below, :above; _profile and _source are uri parameters. */
export const URI: Case[] = [
  c('ValueSet?url=http://ccm-fhir.org/fhir/ValueSet/chronic-conditions', 'vs-1'),
  c('ValueSet?url=http://ccm-fhir.org/fhir/ValueSet/chronic'), // no prefix match without :below
  c('ValueSet?url:below=http://ccm-fhir.org/fhir/ValueSet/chronic-conditions', 'vs-1', 'vs-2'),
  c('ValueSet?url:below=http://ccm-fhir.org/fhir', 'vs-1', 'vs-2'),
  c('ValueSet?url:above=http://ccm-fhir.org/fhir/ValueSet/chronic-conditions/diabetes/v2', 'vs-1', 'vs-2'),
  c('Patient?_profile=http://hl7.org/fhir/StructureDefinition/Patient', 'pat-1'),
  c('Patient?_source=http://ehr.example.org/fhir', 'pat-1'),
];

/** search.html#composite: components must hold in the same element (same component of an Observation). */
export const COMPOSITE: Case[] = [
  c(`Observation?code-value-quantity=http://loinc.org|2339-0$gt110|${UCUM}|mg/dL`, 'obs-3'),
  c(`Observation?code-value-quantity=2339-0$100|${UCUM}|mg/dL`, 'obs-2'),
  c('Observation?component-code-value-quantity=http://loinc.org|8480-6$lt130', 'obs-6'),
  c('Observation?component-code-value-quantity=http://loinc.org|8462-4$gt100'),
  c('Observation?code-value-concept=http://loinc.org|72166-2$http://snomed.info/sct|8517006', 'obs-9'),
  c('Observation?code-value-string=2339-0$sample', 'obs-10'),
];

/** search.html#id, #list, #has (reverse chaining, nested). */
export const SPECIAL: Case[] = [
  c('Patient?_id=pat-1', 'pat-1'),
  c('Patient?_id=pat-1,pat-3', 'pat-1', 'pat-3'),
  c('Patient?_id=nope'),
  c('Condition?_list=list-1', 'cond-1', 'cond-2'), // the entry marked deleted is not in the list
  c('Observation?_list=list-1', 'obs-2'),
  c('Patient?_has:Observation:patient:code=2339-0', 'pat-1', 'pat-2', 'pat-4'),
  c('Patient?_has:Condition:subject:code=44054006', 'pat-1', 'pat-6'),
  c('Patient?_has:Condition:subject:code=44054006&_has:Observation:patient:code=2339-0', 'pat-1'),
  c('Practitioner?_has:Encounter:practitioner:patient=pat-2', 'pr-1'),
  c('Patient?_has:Observation:patient:_has:Provenance:target:agent=Practitioner/pr-2', 'pat-1'),
  c('Practitioner?_has:Condition:asserter:subject.name=chalmers', 'pr-1'),
  c('Patient?_has:Observation:patient:status=cancelled', 'pat-4'),
];

/** search.html#chaining: one to three levels, with and without a type modifier. */
export const CHAIN: Case[] = [
  c('Condition?subject.name=chalmers', 'cond-1', 'cond-2'),
  c('Condition?subject:Patient.gender=female', 'cond-3', 'cond-4'),
  c('Observation?patient.general-practitioner.name=house', 'obs-1', 'obs-2', 'obs-6', 'obs-11'),
  c('Condition?subject.organization.name=acme', 'cond-1', 'cond-2', 'cond-5'),
  c('Condition?subject.organization.partof.name=acme', 'cond-3', 'cond-4'),
  c('Organization?partof.name=acme', 'org-2'),
  c('MedicationRequest?medication.code=860975', 'mr-1'),
  c('Encounter?subject.birthdate=lt1960', 'enc-3', 'enc-4'),
  c('Observation?subject:Patient.identifier=urn:mrn|MRN-002', 'obs-3', 'obs-4'),
  c('CarePlan?condition.code=13645005', 'cp-2'),
  c('Condition?subject.name=nobody'),
  c('Encounter?service-provider.name=beta', 'enc-3'),
];

/** Every group, named for the test titles. */
export const GROUPS: Record<string, Case[]> = {
  'string (search.html#string)': STRING,
  'token (search.html#token)': TOKEN,
  ':missing (search.html#modifiers)': MISSING,
  'reference (search.html#reference)': REFERENCE,
  'date and prefixes (search.html#date, #prefix)': DATE,
  'number (search.html#number)': NUMBER,
  'quantity (search.html#quantity)': QUANTITY,
  'uri (search.html#uri)': URI,
  'composite (search.html#composite)': COMPOSITE,
  '_id, _list, _has (search.html#id, #list, #has)': SPECIAL,
  'chaining (search.html#chaining)': CHAIN,
};
