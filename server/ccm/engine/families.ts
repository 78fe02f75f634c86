/**
 * Code families and full blocks (ccm-rules.md, "Time-based codes"): exactly one family per programme and
 * month, chosen by what was documented — complex when moderate/high MDM and a care-plan revision are
 * documented that month, personal when all counted time is the billing practitioner's own, staff otherwise —
 * with the rules' two fallbacks: complex under its threshold bills the non-complex family, and the
 * practitioner's own time under the personal threshold counts as staff time. A base code needs its
 * whole threshold in seconds (19 min 59 s is not 20 minutes), each add-on unit a whole further block, up to
 * the add-on's cap. Seconds are never rounded up.
 */
import type { BillingRules, CodeFamily } from '../rules/types.js';
import { secondsOfRoles, type ProgrammeSeconds } from './time.js';

/** One billable line. */
export interface BillingLine {
  code: string;
  system: 'cpt' | 'hcpcs';
  units: number;
}

/** The family of a programme for a month, and why it was chosen. */
export interface FamilyChoice {
  family: CodeFamily;
  reason: string;
}

/** The families of a programme, by selection. */
function familyOf(
  rules: BillingRules,
  programme: string,
  selection: CodeFamily['selection'],
): CodeFamily | undefined {
  return rules.families.find((f) => f.programme === programme && f.selection === selection);
}

/** A family's base threshold in seconds. */
function baseSeconds(family: CodeFamily): number {
  return family.base.thresholdMinutes * 60;
}

/**
 * The non-complex family: personal when all counted time is the billing practitioner's own and reaches the
 * personal threshold (or the rules have no fallback); staff otherwise, since the billing practitioner's time
 * counts as staff time toward the staff family (practitioner-only 20-29 minutes bill 99490).
 */
function nonComplexFamily(
  rules: BillingRules,
  programme: string,
  seconds: ProgrammeSeconds,
  why: string,
): FamilyChoice | undefined {
  const personal = familyOf(rules, programme, 'personal');
  const staff = familyOf(rules, programme, 'staff');
  const practitionerOnly =
    seconds['clinical-staff'] + seconds['bh-care-manager'] === 0 && seconds['billing-practitioner'] > 0;
  if (personal && practitionerOnly) {
    const reached = familySeconds(personal, seconds) >= baseSeconds(personal);
    if (reached || !staff || !rules.familyFallbacks.personalUnderThreshold) {
      return { family: personal, reason: "personal: all counted time is the billing practitioner's own" };
    }
    return {
      family: staff,
      reason:
        `the billing practitioner's own time, under the ${personal.base.thresholdMinutes} minutes of ` +
        `${personal.id}, counts as clinical-staff time toward ${staff.id}`,
    };
  }
  return staff ? { family: staff, reason: why } : undefined;
}

/**
 * Chooses the one family of a programme from what was documented (ccm-rules.md, "The family follows what was
 * documented, never the revenue"): complex when its documentation is there and its base threshold is reached;
 * complex documented under that threshold falls back to the non-complex family (55 min: 99490 + 99439).
 */
export function chooseFamily(
  rules: BillingRules,
  programme: string,
  seconds: ProgrammeSeconds,
  complex: { mdm: boolean; revised: boolean },
): FamilyChoice | undefined {
  const complexFamily = familyOf(rules, programme, 'complex');
  if (!complexFamily) return nonComplexFamily(rules, programme, seconds, 'clinical staff time');
  if (!complex.mdm) {
    return nonComplexFamily(
      rules,
      programme,
      seconds,
      'non-complex: no moderate/high MDM documented this month',
    );
  }
  if (!complex.revised && rules.complex.carePlanRevisionInMonth) {
    return nonComplexFamily(
      rules,
      programme,
      seconds,
      'non-complex: MDM documented but no care-plan revision this month',
    );
  }
  const documented = {
    family: complexFamily,
    reason: 'complex: moderate/high MDM and a care-plan revision documented this month',
  };
  if (familySeconds(complexFamily, seconds) >= baseSeconds(complexFamily)) return documented;
  if (!rules.familyFallbacks.complexUnderThreshold) return documented;
  const under = `complex documented but under the ${complexFamily.base.thresholdMinutes} minutes of ${complexFamily.id}`;
  const fallback = nonComplexFamily(rules, programme, seconds, 'the non-complex family');
  return fallback ? { ...fallback, reason: `${under}: ${fallback.reason}` } : documented;
}

/** Seconds that count toward a family (its counted roles). */
export function familySeconds(family: CodeFamily, seconds: ProgrammeSeconds): number {
  return secondsOfRoles(seconds, family.countedRoles);
}

/** The billable lines of a family for a number of counted seconds (full blocks only, add-on capped). */
export function linesFor(family: CodeFamily, seconds: number): BillingLine[] {
  const threshold = family.base.thresholdMinutes * 60;
  if (seconds < threshold) return [];
  const lines: BillingLine[] = [{ code: family.base.code, system: family.base.system, units: 1 }];
  const blocks = Math.floor((seconds - threshold) / (family.addOn.blockMinutes * 60));
  const units = family.addOn.cap === null ? blocks : Math.min(blocks, family.addOn.cap);
  if (units > 0) lines.push({ code: family.addOn.code, system: family.addOn.system, units });
  return lines;
}

/** The next code the family would reach with more time, and the seconds still needed; none at the cap. */
export function nextThreshold(
  family: CodeFamily,
  seconds: number,
): { code: string; secondsToGo: number } | undefined {
  const threshold = family.base.thresholdMinutes * 60;
  if (seconds < threshold) return { code: family.base.code, secondsToGo: threshold - seconds };
  const block = family.addOn.blockMinutes * 60;
  const done = Math.floor((seconds - threshold) / block);
  if (family.addOn.cap !== null && done >= family.addOn.cap) return undefined;
  return { code: family.addOn.code, secondsToGo: threshold + (done + 1) * block - seconds };
}
