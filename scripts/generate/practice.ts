/**
 * The shared practice: one Organization, billing practitioners (physicians and NPs), clinical staff
 * (care managers), and a PractitionerRole for each. Fixed ids (`gen-...`) so that patient bundles can
 * reference them as `Practitioner/<id>`; the practice bundle PUTs them and is loaded first.
 */
import type { Organization, Practitioner, PractitionerRole, Resource } from 'fhir/r4.js';
import { FAMILY_NAMES, FEMALE_GIVEN, MALE_GIVEN } from './names.js';
import { Rng } from './prng.js';

/** A practitioner of the practice. */
export interface Member {
  id: string;
  ref: string;
  name: string;
}

/** The practice and its resources. */
export interface Practice {
  orgRef: string;
  /** Billing practitioners (MD, DO, NP): the patients' PCPs and CCM billing practitioners. */
  physicians: Member[];
  /** Clinical staff under general supervision (RN, LPN, MA): the care managers who log most CCM time. */
  staff: Member[];
  resources: Resource[];
}

export const ORG_ID = 'gen-org';
const NPI_SYSTEM = 'http://hl7.org/fhir/sid/us-npi';
const TAXONOMY = 'http://nucc.org/provider-taxonomy';
const ROLE_SYSTEM = 'http://terminology.hl7.org/CodeSystem/practitioner-role';

/** A 10-digit NPI-shaped number in the 999 range with a valid Luhn check digit (prefix 80840). */
export function fakeNpi(serial: number): string {
  const body = `999${String(serial).padStart(6, '0')}`;
  const digits = `80840${body}`;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return `${body}${(10 - (sum % 10)) % 10}`;
}

function organization(): Organization {
  return {
    resourceType: 'Organization',
    id: ORG_ID,
    identifier: [{ system: NPI_SYSTEM, value: fakeNpi(0) }],
    active: true,
    type: [
      {
        coding: [
          {
            system: 'http://terminology.hl7.org/CodeSystem/organization-type',
            code: 'prov',
            display: 'Healthcare Provider',
          },
        ],
      },
    ],
    name: 'Prairie View Primary Care (synthetic practice)',
    telecom: [{ system: 'phone', value: '555-0100', use: 'work' }],
    address: [
      { line: ['400 Prairie Avenue'], city: 'Springfield', state: 'IL', postalCode: '62701', country: 'US' },
    ],
  };
}

interface Kind {
  prefix: string;
  qualification: string;
  roleCode: string;
  roleDisplay: string;
  taxonomy: { code: string; display: string };
}

const PHYSICIAN: Kind = {
  prefix: 'gen-md',
  qualification: 'MD',
  roleCode: 'doctor',
  roleDisplay: 'Doctor',
  taxonomy: { code: '207Q00000X', display: 'Family Medicine Physician' },
};
const STAFF: Kind = {
  prefix: 'gen-rn',
  qualification: 'RN',
  roleCode: 'nurse',
  roleDisplay: 'Nurse',
  taxonomy: { code: '163W00000X', display: 'Registered Nurse' },
};

function member(rng: Rng, kind: Kind, k: number, serial: number): { m: Member; res: Resource[] } {
  const id = `${kind.prefix}-${String(k).padStart(3, '0')}`;
  const female = rng.chance(0.6);
  const given = rng.pick(female ? FEMALE_GIVEN : MALE_GIVEN);
  const family = rng.pick(FAMILY_NAMES);
  const practitioner: Practitioner = {
    resourceType: 'Practitioner',
    id,
    identifier: [{ system: NPI_SYSTEM, value: fakeNpi(serial) }],
    active: true,
    name: [{ use: 'official', family, given: [given], ...(kind === PHYSICIAN ? { prefix: ['Dr.'] } : {}) }],
    gender: female ? 'female' : 'male',
    qualification: [{ code: { text: kind.qualification } }],
  };
  const role: PractitionerRole = {
    resourceType: 'PractitionerRole',
    id: `${id}-role`,
    active: true,
    practitioner: { reference: `Practitioner/${id}` },
    organization: { reference: `Organization/${ORG_ID}` },
    code: [{ coding: [{ system: ROLE_SYSTEM, code: kind.roleCode, display: kind.roleDisplay }] }],
    specialty: [{ coding: [{ system: TAXONOMY, ...kind.taxonomy }] }],
  };
  return { m: { id, ref: `Practitioner/${id}`, name: `${given} ${family}` }, res: [practitioner, role] };
}

/** Builds the practice for a seed: about one physician per 2,000 patients and one care manager per 1,000. */
export function buildPractice(seed: number, patients: number): Practice {
  const rng = new Rng(seed, 0, 'practice');
  const nPhysicians = Math.max(2, Math.ceil(patients / 2000));
  const nStaff = Math.max(2, Math.ceil(patients / 1000));
  const resources: Resource[] = [organization()];
  const physicians: Member[] = [];
  const staff: Member[] = [];
  let serial = 1;
  for (let k = 1; k <= nPhysicians; k++) {
    const { m, res } = member(rng, PHYSICIAN, k, serial++);
    physicians.push(m);
    resources.push(...res);
  }
  for (let k = 1; k <= nStaff; k++) {
    const { m, res } = member(rng, STAFF, k, serial++);
    staff.push(m);
    resources.push(...res);
  }
  return { orgRef: `Organization/${ORG_ID}`, physicians, staff, resources };
}
