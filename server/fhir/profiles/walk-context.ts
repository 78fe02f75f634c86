/**
 * What the profile walk needs and carries: the environment (profiles, terminology, reference types,
 * data-type invariants) and the per-validation state (issues, the resource, the current profile).
 */
import type { OperationOutcomeIssue } from 'fhir/r4.js';
import { issue, type IssueCode, type IssueSeverity } from '../outcomes.js';
import type { Terminology } from '../terminology/terminology.js';
import type { Invariant } from './invariants.js';
import type { CompiledProfile } from './model.js';

/** Services the walk looks things up in. */
export interface ProfileEnv {
  /** A compiled profile by canonical; `lazy` also consults the R4 core profile bundles. */
  resolve(url: string, lazy?: boolean): CompiledProfile | undefined;
  readonly terminology: Terminology;
  /** The resource type a target profile constrains (`Resource` for any); undefined when unknown. */
  profileType(url: string): string | undefined;
  /** Error-level invariants of a data type's root element (per-1, qty-3, ...). */
  typeInvariants(type: string): readonly Invariant[];
  /** Whether a value conforms to a profile (for `profile` discriminators). */
  conforms(value: unknown, url: string, resource: unknown): boolean;
}

/** One present value of an element, with its concrete type and FHIRPath location. */
export interface Item {
  readonly value: unknown;
  readonly type: string;
  readonly path: string;
}

/** State of one validation against one profile. */
export interface WalkCtx {
  readonly env: ProfileEnv;
  readonly issues: OperationOutcomeIssue[];
  readonly resource: unknown;
  /** Name of the profile being checked, for messages. */
  readonly profile: string;
  /** Nesting of type profiles (extensions within extensions). */
  depth: number;
}

/** Deepest nesting of type profiles that is followed. */
export const MAX_PROFILE_DEPTH = 16;
/** Issues collected per validation before giving up. */
export const MAX_PROFILE_ISSUES = 200;

/** Records an issue, naming the profile. */
export function report(
  ctx: WalkCtx,
  code: IssueCode,
  message: string,
  expression: string,
  severity: IssueSeverity = 'error',
): void {
  if (ctx.issues.length >= MAX_PROFILE_ISSUES) return;
  ctx.issues.push(issue(code, `${message} (profile ${ctx.profile})`, expression, severity));
}

/** True for a JSON object. */
export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
