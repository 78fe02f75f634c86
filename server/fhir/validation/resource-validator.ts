/**
 * The validation of every write and of $validate (R4 validation.html): base R4 structure first; when that
 * passes, the invariants and data-type rules of the R4 definition and every profile the resource claims
 * in meta.profile (plus any profile the caller names). A claimed profile the server does not know is a warning
 * by default (the resource is still checked against every profile it claims that the server knows, and against
 * R4), or an error when the server is configured to reject unknown profiles (UNKNOWN_PROFILES=reject). Before any of it, the
 * element counts are checked against the size limits (size-limits.ts): a resource over them gets only
 * that one `too-long` issue and is not walked.
 */
import type { OperationOutcomeIssue } from 'fhir/r4.js';
import { issue } from '../outcomes.js';
import type { ProfileValidator } from '../profiles/profile-validator.js';
import type { BaseValidator } from './base-validator.js';
import { DEFAULT_SIZE_LIMITS, sizeIssue, type SizeLimits } from './size-limits.js';

/** What to do with a claimed profile the server does not know. */
export type UnknownProfilePolicy = 'reject' | 'warn';

/** Options of one validation. */
export interface ResourceValidationOptions {
  expectedType?: string;
  /** Profiles to validate against in addition to meta.profile ($validate `profile`). */
  profiles?: string[];
}

/** Validates resources against base R4 and their profiles. */
export interface ResourceValidator {
  /** All issues of a resource (errors, warnings). */
  validate(resource: unknown, options?: ResourceValidationOptions): OperationOutcomeIssue[];
}

const isError = (i: OperationOutcomeIssue) => i.severity === 'error' || i.severity === 'fatal';

/** Drops repeats of the same finding reached through several profiles (the first, most specific, stays). */
function dedupe(issues: OperationOutcomeIssue[]): OperationOutcomeIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const message = (i.diagnostics ?? '').replace(/ \(profile [^)]*\)$/, '');
    const key = `${i.severity}|${i.code}|${i.expression?.join(',')}|${message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** The canonicals claimed by meta.profile, with the FHIRPath of each. */
function claimed(resource: Record<string, unknown>, type: string): Array<[string, string]> {
  const meta = resource.meta as { profile?: unknown } | undefined;
  const list = Array.isArray(meta?.profile) ? meta.profile : [];
  return list.flatMap((p, i) =>
    typeof p === 'string' ? [[p, `${type}.meta.profile[${i}]`] as [string, string]] : [],
  );
}

/** Combines the base validator and the profile validator. */
export function createResourceValidator(
  base: BaseValidator,
  profiles: ProfileValidator,
  policy: UnknownProfilePolicy,
  sizeLimits: SizeLimits = DEFAULT_SIZE_LIMITS,
): ResourceValidator {
  /** Issues of one named profile; `applied` when the resource was walked against it. */
  const againstProfile = (
    resource: Record<string, unknown>,
    type: string,
    canonical: string,
    where: string | undefined,
  ): { issues: OperationOutcomeIssue[]; applied: boolean } => {
    const version = canonical.split('|')[1];
    const p = profiles.registry.get(canonical, true);
    if (!p || (version !== undefined && p.version !== undefined && version !== p.version)) {
      // A profile named by the caller ($validate `profile`) must be known; meta.profile follows the policy.
      const severity = policy === 'reject' || where === undefined ? 'error' : 'warning';
      const found = issue(
        'not-supported',
        `Profile ${canonical} is not known to this server`,
        where,
        severity,
      );
      return { issues: [found], applied: false };
    }
    if (p.kind !== 'resource' || p.type !== type) {
      return {
        issues: [issue('invalid', `Profile ${canonical} constrains ${p.type}, not ${type}`, where)],
        applied: false,
      };
    }
    return { issues: profiles.validate(resource, p), applied: true };
  };
  return {
    validate(resource, options = {}) {
      const tooLong = sizeIssue(resource, sizeLimits);
      if (tooLong) return [tooLong];
      const issues = base.validate(resource, { expectedType: options.expectedType });
      if (issues.some(isError)) return issues;
      const r = resource as Record<string, unknown>;
      const type = String(r.resourceType);
      const named: Array<[string, string | undefined]> = [
        ...claimed(r, type),
        ...(options.profiles ?? []).map((p): [string, undefined] => [p, undefined]),
      ];
      let applied = false;
      for (const [canonical, where] of named) {
        const found = againstProfile(r, type, canonical, where);
        applied ||= found.applied;
        issues.push(...found.issues);
      }
      // A profile's snapshot carries every rule of the base definition, so the base pass is then redundant.
      if (!applied) issues.push(...profiles.validateBase(r));
      return dedupe(issues);
    },
  };
}
