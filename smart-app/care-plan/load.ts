/**
 * Reads what the care plan screen needs through the launch's FhirApi (works against any SMART R4 server):
 * the patient's active Conditions classified into CCM condition groups, the billing practitioner of the CCM
 * consent, and the current CCM CarePlan with its Goals, Tasks and CareTeam from ccm-fhir; the active
 * medicines and the allergies from the EHR's chart (the same server when ccm-fhir launched the app).
 */
import type {
  AllergyIntolerance,
  CarePlan,
  Condition,
  Consent,
  Goal,
  HumanName,
  MedicationRequest,
  MedicationStatement,
  Patient,
  Practitioner,
  PractitionerRole,
  Task,
} from 'fhir/r4.js';
import type { ConditionClassifier } from '../../server/ccm/classification/classify.js';
import {
  BILLING_PRACTITIONER_ROLE,
  CATEGORY,
  CS,
  EXTENSION,
  PARTICIPATION_TYPE,
} from '../../server/ccm/vocabulary.js';
import type { FhirApi, LaunchContext } from '../context.js';
import type { StoredPlan } from './builder.js';
import type { TeamMember } from './resources.js';

/** No practitioner can author the plan: no CCM consent names one and the user is not a practitioner. */
export class NoAuthorError extends Error {
  constructor() {
    super('No billing practitioner is known: record the CCM consent first, or sign in as a practitioner.');
    this.name = 'NoAuthorError';
  }
}

/** An active Condition of the patient, as the problem list shows it. */
export interface ProblemItem {
  id: string;
  name: string;
  /** CCM condition group (templates are keyed by it), or null when unknown. */
  groupId: string | null;
  groupName: string;
  /** Counts as a CCM chronic condition (curated "yes" or attested by a clinician). */
  chronic: boolean;
}

/** Everything the screen reads about the patient in context. */
export interface PlanData {
  patientId: string;
  patientName: string;
  problems: ProblemItem[];
  medications: Array<MedicationRequest | MedicationStatement>;
  /** The allergies and intolerances in the EHR's chart, as words (substance: reaction). */
  allergies: string[];
  /** The care team as the builder assigns tasks to it. */
  team: TeamMember[];
  /** The billing practitioner (CarePlan.author). */
  author: string;
  stored?: StoredPlan;
  /** Display names of Condition ids and person references. */
  names: Map<string, string>;
}

const ACTIVE = new Set(['active', 'recurrence', 'relapse']);
const NOT_VERIFIED = new Set(['entered-in-error', 'refuted']);

/** A person's name in plain words. */
export function nameOf(names: HumanName[] | undefined): string | undefined {
  const n = names?.find((x) => x.use === 'official') ?? names?.[0];
  if (!n) return undefined;
  return n.text ?? [...(n.prefix ?? []), ...(n.given ?? []), n.family].filter(Boolean).join(' ');
}

/** The display name of a Practitioner or PractitionerRole reference (the reference itself when unreadable). */
async function personName(api: FhirApi, ref: string): Promise<string> {
  const [type, id] = ref.split('/');
  try {
    if (type === 'Practitioner')
      return nameOf((await api.read<Practitioner>('Practitioner', id)).name) ?? ref;
    if (type === 'PractitionerRole') {
      const role = await api.read<PractitionerRole>('PractitionerRole', id);
      const p = role.practitioner?.reference;
      return role.practitioner?.display ?? (p ? await personName(api, p) : ref);
    }
  } catch {
    return ref;
  }
  return ref;
}

/** True when a Condition is active and not refuted. */
function isActive(c: Condition): boolean {
  const clinical = c.clinicalStatus?.coding?.[0]?.code;
  const verification = c.verificationStatus?.coding?.[0]?.code;
  return (
    (clinical === undefined || ACTIVE.has(clinical)) && !(verification && NOT_VERIFIED.has(verification))
  );
}

/** A clinician's attestation on a Condition: true, false, or undefined without one. */
function attested(c: Condition): boolean | undefined {
  const ext = c.extension?.find((e) => e.url === EXTENSION.chronicAttestation);
  if (!ext) return undefined;
  const sub = (n: string) => ext.extension?.find((e) => e.url === n)?.valueBoolean;
  if (sub('expectedDuration') === false || sub('significantRisk') === false) return false;
  return sub('expectedDuration') === true && sub('significantRisk') === true ? true : undefined;
}

/** A Condition as a problem-list item, classified into a CCM group. */
export function problemOf(c: Condition, classifier: ConditionClassifier): ProblemItem {
  const found = (c.code?.coding ?? []).flatMap((x) => {
    const r = classifier.classify(x.system, x.code);
    return r ? [r] : [];
  });
  const best = found.find((r) => r.source !== 'unknown') ?? found[0];
  const att = attested(c);
  const chronic = att === false ? false : att === true || (best?.chronic === 'yes' && best.ccmGroup);
  return {
    id: c.id as string,
    name:
      c.code?.text ??
      c.code?.coding?.find((x) => x.display)?.display ??
      best?.groupName ??
      `Condition ${c.id}`,
    groupId: best?.groupId ?? null,
    groupName: best?.groupName ?? 'Unclassified',
    chronic: chronic === true,
  };
}

/** The billing practitioner named by the patient's active CCM consent. */
async function billingPractitioner(api: FhirApi, patientId: string): Promise<string | undefined> {
  const consents = await api.search<Consent>(
    'Consent',
    { patient: patientId, category: `${CS.category}|${CATEGORY.consent}` },
    50,
  );
  const active = consents.filter((c) => c.status === 'active');
  for (const c of active.reverse()) {
    const actor = c.provision?.actor?.find((a) =>
      a.role.coding?.some((x) => x.system === PARTICIPATION_TYPE && x.code === BILLING_PRACTITIONER_ROLE),
    );
    if (actor?.reference.reference) return actor.reference.reference;
  }
  return undefined;
}

/** The patient's current CCM plan (the latest active one) with its Goals and Tasks. */
export async function currentPlan(api: FhirApi, patientId: string): Promise<StoredPlan | undefined> {
  const plans = await api.search<CarePlan>(
    'CarePlan',
    { patient: patientId, category: `${CS.category}|${CATEGORY.carePlan}` },
    50,
  );
  const plan = plans
    .filter((p) => p.status === 'active')
    .sort((a, b) => (b.meta?.lastUpdated ?? '').localeCompare(a.meta?.lastUpdated ?? ''))[0];
  if (!plan) return undefined;
  const goalIds = (plan.goal ?? []).flatMap((g) => /^Goal\/([^/]+)$/.exec(g.reference ?? '')?.[1] ?? []);
  const goals = goalIds.length ? await api.search<Goal>('Goal', { _id: goalIds.join(',') }, 200) : [];
  const tasks = await api.search<Task>('Task', { 'based-on': `CarePlan/${plan.id}` }, 500);
  const order = new Map(goalIds.map((id, i) => [id, i]));
  goals.sort((a, b) => (order.get(a.id as string) ?? 0) - (order.get(b.id as string) ?? 0));
  const place = new Map((plan.activity ?? []).map((a, i) => [a.reference?.reference, i]));
  const rank = (t: Task) => place.get(`Task/${t.id}`) ?? Number.MAX_SAFE_INTEGER;
  tasks.sort((a, b) => rank(a) - rank(b) || (a.id ?? '').localeCompare(b.id ?? ''));
  return { plan, goals, tasks };
}

/** Active medicines: MedicationRequest and MedicationStatement with status active. */
async function medicationsOf(
  api: FhirApi,
  patientId: string,
): Promise<Array<MedicationRequest | MedicationStatement>> {
  const [orders, statements] = await Promise.all([
    api.search<MedicationRequest>('MedicationRequest', { patient: patientId, status: 'active' }, 200),
    api.search<MedicationStatement>('MedicationStatement', { patient: patientId, status: 'active' }, 200),
  ]);
  return [...orders, ...statements];
}

/** Active allergies and intolerances of the chart; none when the EHR does not offer them. */
async function allergiesOf(api: FhirApi, patientId: string): Promise<string[]> {
  const found = await api
    .search<AllergyIntolerance>('AllergyIntolerance', { patient: patientId }, 200)
    .catch(() => [] as AllergyIntolerance[]);
  return found
    .filter((a) => !['inactive', 'resolved'].includes(a.clinicalStatus?.coding?.[0]?.code ?? ''))
    .map((a) => {
      const what = a.code?.text ?? a.code?.coding?.find((c) => c.display)?.display ?? 'Allergy';
      const how = a.reaction?.[0]?.manifestation?.[0];
      const reaction = how?.text ?? how?.coding?.find((c) => c.display)?.display;
      return reaction ? `${what}: ${reaction}` : what;
    });
}

/** The name of a medicine resource. */
export function medicineName(m: MedicationRequest | MedicationStatement): string {
  const cc = m.medicationCodeableConcept;
  const dose = m.resourceType === 'MedicationRequest' ? m.dosageInstruction?.[0]?.text : m.dosage?.[0]?.text;
  const name =
    cc?.text ?? cc?.coding?.find((c) => c.display)?.display ?? m.medicationReference?.display ?? 'Medicine';
  return dose ? `${name}: ${dose}` : name;
}

/**
 * Reads everything the screen needs for the patient in context: the CCM record from `api` (ccm-fhir), the
 * medicines and allergies from `ehr` (the launching EHR's chart, by its own patient id).
 */
export async function loadPlanData(
  api: FhirApi,
  launch: LaunchContext,
  classifier: ConditionClassifier,
  ehr: FhirApi = api,
): Promise<PlanData> {
  const pid = launch.patientId;
  const chartId = launch.ehrPatientId ?? pid;
  const [patient, conditions, medications, allergies, consentAuthor, stored] = await Promise.all([
    api.read<Patient>('Patient', pid),
    api.search<Condition>('Condition', { patient: pid }, 500),
    medicationsOf(ehr, chartId),
    allergiesOf(ehr, chartId),
    billingPractitioner(api, pid),
    currentPlan(api, pid),
  ]);
  const problems = conditions.filter(isActive).map((c) => problemOf(c, classifier));
  const user =
    launch.fhirUser && /^Practitioner(Role)?\//.test(launch.fhirUser) ? launch.fhirUser : undefined;
  const author = consentAuthor ?? stored?.plan.author?.reference ?? user;
  if (!author) throw new NoAuthorError();
  const names = new Map<string, string>(problems.map((p) => [p.id, p.name]));
  const patientName = nameOf(patient.name) ?? `Patient ${pid}`;
  const team: TeamMember[] = [
    { reference: author, display: await personName(api, author), role: 'billing-practitioner' },
  ];
  if (user && user !== author) {
    team.push({
      reference: user,
      display: launch.userName ?? (await personName(api, user)),
      role: 'care-manager',
    });
  }
  team.push({ reference: `Patient/${pid}`, display: patientName, role: 'patient' });
  for (const m of team) names.set(m.reference, m.display);
  names.set('CareTeam', 'The whole care team');
  for (const t of stored?.tasks ?? []) {
    const o = t.owner?.reference;
    if (o && !names.has(o))
      names.set(o, o.startsWith('CareTeam/') ? 'The whole care team' : await personName(api, o));
  }
  return { patientId: pid, patientName, problems, medications, allergies, team, author, stored, names };
}
