/**
 * Acceptance 1: for each CCM profile, the named valid fixtures pass and each invalid fixture fails with the
 * issues listed here, written from the profile's rules (profiles/README.md): [expression, code, and for
 * invariants the constraint key]. Without its meta.profile, an invalid fixture is valid R4 unless the rule
 * it breaks belongs to base R4 or to an extension definition, which applies wherever the extension is used
 * (R4 extensibility.html: the url identifies the definition).
 */
import { describe, expect, test } from '@jest/globals';
import { PROFILE } from '../../../server/ccm/vocabulary.js';
import { conformance, errors, fixture, fixtureNames, validatePairs } from './helpers.js';

type Expected = Array<[expression: string, code: string, key?: string]>;
interface Case {
  expected: Expected;
  /** The broken rule belongs to base R4 or to an extension definition: it fails without the profile too. */
  kept?: 'base' | 'extension';
}

const EXPECTED: Record<string, Record<string, Case>> = {
  'ccm-condition': {
    'invalid-abated-but-active': { expected: [['Condition', 'invariant', 'con-4']], kept: 'base' },
    'invalid-attestation-string-duration': {
      expected: [['Condition.extension[0].extension[0].value.ofType(string)', 'structure']],
      kept: 'extension',
    },
    'invalid-attestation-unknown-part': {
      expected: [['Condition.extension[0].extension[4]', 'structure']],
      kept: 'extension',
    },
    'invalid-attestation-without-attester': {
      expected: [['Condition.extension[0].extension', 'required']],
      kept: 'extension',
    },
    'invalid-encounter-diagnosis-category': { expected: [['Condition.category', 'required']] },
    'invalid-icd9-only': { expected: [['Condition.code', 'invariant', 'ccm-cond-1']] },
    'invalid-malformed-icd10': { expected: [['Condition.code.coding[0]', 'invariant', 'ccm-cond-2']] },
    'invalid-no-category': { expected: [['Condition.category', 'required']] },
    'invalid-subject-group': { expected: [['Condition.subject.reference', 'value']] },
  },
  'ccm-consent': {
    'invalid-accepted-missing-element': { expected: [['Consent', 'invariant', 'ccm-consent-2']] },
    'invalid-billing-practitioner-organization': {
      expected: [['Consent.provision.actor[0].reference.reference', 'value']],
    },
    'invalid-declined-with-permit': { expected: [['Consent', 'invariant', 'ccm-consent-3']] },
    'invalid-no-billing-practitioner': { expected: [['Consent.provision.actor', 'required']] },
    'invalid-no-ccm-category': { expected: [['Consent.category', 'required']] },
    'invalid-no-method': { expected: [['Consent.extension', 'required']] },
    'invalid-no-policy': {
      expected: [
        ['Consent', 'invariant', 'ppc-1'],
        ['Consent.policyRule', 'required'],
      ],
      kept: 'base',
    },
    'invalid-revoked-mid-month': { expected: [['Consent', 'invariant', 'ccm-consent-4']] },
    'invalid-revoked-without-date': { expected: [['Consent', 'invariant', 'ccm-consent-5']] },
    'invalid-revoked-other-month': { expected: [['Consent', 'invariant', 'ccm-consent-5']] },
    'invalid-status-draft': { expected: [['Consent.status', 'code-invalid']] },
    'invalid-unknown-method': {
      expected: [['Consent.extension[0].value.ofType(code)', 'code-invalid']],
      kept: 'extension',
    },
    'invalid-written-without-document': { expected: [['Consent', 'invariant', 'ccm-consent-1']] },
  },
  'ccm-careplan': {
    'invalid-activity-detail': {
      expected: [
        ['CarePlan.activity[0].detail', 'structure'],
        ['CarePlan.activity[0].reference', 'required'],
      ],
    },
    'invalid-author-patient': { expected: [['CarePlan.author.reference', 'value']] },
    'invalid-copy-by-fax': {
      expected: [['CarePlan.extension[1].extension[1].value.ofType(code)', 'code-invalid']],
      kept: 'extension',
    },
    'invalid-intent-proposal': { expected: [['CarePlan.intent', 'value']] },
    'invalid-no-ccm-category': { expected: [['CarePlan.category', 'required']] },
    'invalid-no-goal': { expected: [['CarePlan.goal', 'required']] },
    'invalid-no-next-review': { expected: [['CarePlan.extension', 'required']] },
    'invalid-no-text': { expected: [['CarePlan.text', 'required']] },
    // A CCM plan (the default when no programme is marked) addresses two or more conditions; PCM one or more.
    'invalid-ccm-one-condition': { expected: [['CarePlan', 'invariant', 'ccm-cp-2']] },
    'invalid-one-condition': { expected: [['CarePlan', 'invariant', 'ccm-cp-2']] },
    'invalid-pcm-no-condition': { expected: [['CarePlan', 'invariant', 'ccm-cp-2']] },
    'invalid-same-condition-twice': { expected: [['CarePlan', 'invariant', 'ccm-cp-1']] },
  },
  'ccm-time-entry': {
    'invalid-ambulatory-class': { expected: [['Encounter.class', 'value']] },
    'invalid-end-before-start': { expected: [['Encounter.period', 'invariant', 'per-1']], kept: 'base' },
    'invalid-in-progress': { expected: [['Encounter.status', 'value']] },
    'invalid-length-beyond-period': { expected: [['Encounter.length', 'invariant', 'ccm-te-3']] },
    'invalid-length-in-hours': {
      expected: [
        ['Encounter.length.code', 'value'],
        ['Encounter.length.unit', 'value'],
      ],
    },
    'invalid-mdm-on-staff-time': { expected: [['Encounter', 'invariant', 'ccm-te-1']] },
    'invalid-negative-length': { expected: [['Encounter.length', 'invariant', 'ccm-te-2']] },
    'invalid-no-end': { expected: [['Encounter.period.end', 'required']] },
    'invalid-no-length': { expected: [['Encounter.length', 'required']] },
    'invalid-no-time-role': { expected: [['Encounter.participant[0].type', 'required']] },
    'invalid-office-visit-type': { expected: [['Encounter.type[0]', 'code-invalid']] },
    'invalid-unknown-exclusion': {
      expected: [['Encounter.extension[0].value.ofType(Coding)', 'code-invalid']],
      kept: 'extension',
    },
  },
  'ccm-task': {
    'invalid-based-on-service-request': { expected: [['Task.basedOn[0].reference', 'value']] },
    'invalid-cancelled-without-reason': { expected: [['Task', 'invariant', 'ccm-task-3']] },
    'invalid-completed-without-end': { expected: [['Task', 'invariant', 'ccm-task-2']] },
    'invalid-due-before-authored': { expected: [['Task', 'invariant', 'ccm-task-1']] },
    'invalid-for-group': { expected: [['Task.for.reference', 'value']] },
    'invalid-intent-proposal': { expected: [['Task.intent', 'code-invalid']] },
    'invalid-loinc-code': { expected: [['Task.code', 'code-invalid']] },
    'invalid-no-care-plan': { expected: [['Task.basedOn', 'required']] },
    'invalid-no-owner': { expected: [['Task.owner', 'required']] },
    'invalid-owned-by-device': { expected: [['Task.owner.reference', 'value']] },
  },
};

const PROFILES: Record<string, string> = {
  'ccm-condition': PROFILE.condition,
  'ccm-consent': PROFILE.consent,
  'ccm-careplan': PROFILE.carePlan,
  'ccm-time-entry': PROFILE.timeEntry,
  'ccm-task': PROFILE.task,
};

describe.each(Object.keys(EXPECTED))('%s', (profile) => {
  const valid = fixtureNames(profile, 'valid-');
  const invalid = fixtureNames(profile, 'invalid-');

  test('has at least 3 valid and 6 invalid fixtures, each invalid one with expectations', () => {
    expect(valid.length).toBeGreaterThanOrEqual(3);
    expect(invalid.length).toBeGreaterThanOrEqual(6);
    expect(invalid).toEqual(Object.keys(EXPECTED[profile]).sort());
  });

  test.each(valid)('%s claims the profile and passes', (name) => {
    const r = fixture(profile, name);
    expect((r.meta as { profile: string[] }).profile).toEqual([PROFILES[profile]]);
    expect(validatePairs(r)).toEqual([]);
  });

  test.each(invalid)('%s fails with the expected issues', (name) => {
    const r = fixture(profile, name);
    const { expected } = EXPECTED[profile][name];
    const want = [...new Set(expected.map(([e, c]) => JSON.stringify([e, c])))]
      .sort()
      .map((s) => JSON.parse(s));
    expect(validatePairs(r)).toEqual(want);
    const issues = errors(conformance().validator.validate(r));
    for (const [expression, code, key] of expected) {
      if (!key) continue;
      const hit = issues.find((i) => i.expression?.[0] === expression && i.code === code);
      expect(hit?.diagnostics).toContain(`Constraint ${key} failed`);
    }
  });

  test.each(invalid)(
    '%s without meta.profile: valid R4 unless it breaks a base or extension rule',
    (name) => {
      const { meta: _meta, ...bare } = fixture(profile, name);
      const pairs = validatePairs(bare);
      const { expected, kept } = EXPECTED[profile][name];
      if (!kept) {
        expect(pairs).toEqual([]);
        return;
      }
      expect(pairs.length).toBeGreaterThan(0);
      for (const p of pairs) expect(expected.map(([e, c]) => [e, c])).toContainEqual(p);
    },
  );
});
