/**
 * What a SearchParameter written over the API (or from a package) does to the search registry, decided
 * before it is stored (R4 searchparameter.html): an `active` one is registered when its code, bases, type
 * and expression can be served; one with a built-in parameter's URL is the built-in one (stored only, and
 * only when it defines the same parameter, under any id but another built-in's); any other status registers
 * nothing. A parameter that cannot be
 * served is refused with 422 and issues whose `expression` names the element (`SearchParameter.expression`).
 */
import type { OperationOutcomeIssue, SearchParameter } from 'fhir/r4.js';
import { issue, unprocessable } from '../outcomes.js';
import { unknownMember } from '../search/evaluator.js';
import { partsByType } from '../search/expression.js';
import type { MutableSearchRegistry, SearchParamDef } from '../search/registry.js';

/** What a SearchParameter write does to the registry. */
export type Verdict =
  { kind: 'register'; defs: Map<string, SearchParamDef> } | { kind: 'built-in' } | { kind: 'none' };

/** Parameter types a run-time parameter may have (R4 search.html#ptypes without `special`). */
const TYPES: ReadonlySet<string> = new Set([
  'number',
  'date',
  'string',
  'token',
  'reference',
  'quantity',
  'uri',
  'composite',
]);

/** A code the query syntax can carry: no `_` prefix (reserved for common parameters), `:`, `.` or `$`. */
const CODE = /^[A-Za-z][A-Za-z0-9-]{0,63}$/;

const err = (diagnostics: string, expression: string): OperationOutcomeIssue =>
  issue('business-rule', diagnostics, expression);

/** Whitespace-insensitive expression text. */
const squash = (text: string | undefined) => (text ?? '').replace(/\s+/g, '');

/** True when `sp` defines the same parameter as the built-in `builtIn` (code, bases, type, expression). */
function sameAs(sp: SearchParameter, builtIn: SearchParameter): boolean {
  return (
    sp.code === builtIn.code &&
    sp.type === builtIn.type &&
    [...sp.base].sort().join() === [...builtIn.base].sort().join() &&
    squash(sp.expression) === squash(builtIn.expression)
  );
}

/** Problems with the bases and the code (unknown or abstract types, codes taken by built-in parameters). */
function baseIssues(registry: MutableSearchRegistry, sp: SearchParameter): OperationOutcomeIssue[] {
  const out: OperationOutcomeIssue[] = [];
  const code = sp.code ?? '';
  if (!CODE.test(code)) {
    out.push(
      err(
        `code ${JSON.stringify(code.slice(0, 80))} cannot be a search parameter name here: letters, digits and '-', ` +
          'starting with a letter (names starting with _ are reserved for the common parameters)',
        'SearchParameter.code',
      ),
    );
  }
  sp.base.forEach((base, i) => {
    if (!registry.isResourceType(base)) {
      const why =
        base === 'Resource' || base === 'DomainResource'
          ? 'run-time parameters name concrete resource types'
          : 'not a resource type of this server';
      out.push(err(`base ${JSON.stringify(base.slice(0, 64))}: ${why}`, `SearchParameter.base[${i}]`));
      return;
    }
    const taken = registry.builtIn(base, code);
    if (taken) {
      out.push(
        err(
          `code ${code} is already the search parameter ${taken.url || code} of ${base}: choose another code`,
          'SearchParameter.code',
        ),
      );
    }
  });
  return out;
}

/** Problems with the expression: missing, rooted elsewhere, naming unknown elements, or not compilable. */
function expressionIssues(sp: SearchParameter, defs: Map<string, SearchParamDef>): OperationOutcomeIssue[] {
  if (!sp.expression?.trim())
    return [err(`a ${sp.type} parameter needs an expression`, 'SearchParameter.expression')];
  const out: OperationOutcomeIssue[] = [];
  const parts = partsByType(sp.expression, sp.base);
  for (const [root, list] of parts) {
    if (!(sp.base as string[]).includes(root)) {
      out.push(
        err(
          `the expression part ${list[0].slice(0, 80)} starts from ${root}, which is not a base`,
          'SearchParameter.expression',
        ),
      );
      continue;
    }
    for (const part of list) {
      const member = unknownMember(root, part);
      if (member)
        out.push(
          err(
            `${part.slice(0, 120)}: ${member} is not an element of the R4 model there`,
            'SearchParameter.expression',
          ),
        );
    }
  }
  for (const [base, def] of defs) {
    if (def.supported || out.length > 0) continue;
    const at = def.reason?.startsWith('component')
      ? 'SearchParameter.component'
      : 'SearchParameter.expression';
    out.push(err(`on ${base}: ${def.reason ?? 'cannot be evaluated'}`, at));
  }
  return out;
}

/** Problems with reference targets and composite components. */
function otherIssues(registry: MutableSearchRegistry, sp: SearchParameter): OperationOutcomeIssue[] {
  const out: OperationOutcomeIssue[] = [];
  (sp.target ?? []).forEach((t, i) => {
    if (!registry.isResourceType(t))
      out.push(
        err(
          `target ${JSON.stringify(t.slice(0, 64))} is not a resource type`,
          `SearchParameter.target[${i}]`,
        ),
      );
  });
  if (sp.type === 'composite' && (sp.component ?? []).length < 2) {
    out.push(err('a composite parameter needs at least two components', 'SearchParameter.component'));
  }
  return out;
}

/**
 * What writing `sp` does to the registry; throws 422 with FHIRPath expressions when an `active` parameter
 * cannot be served (unknown or abstract base, unsupported type, expression that does not compile against
 * the R4 model or needs a server, a code a built-in parameter of a base already has, a built-in URL with
 * another definition).
 */
export function checkSearchParameter(registry: MutableSearchRegistry, sp: SearchParameter): Verdict {
  const owner = sp.id ? registry.builtInById(sp.id) : undefined;
  if (owner && owner.url !== sp.url) {
    // the id of a built-in SearchParameter holds that one (the server writes profiles/ ones at start)
    throw unprocessable([
      err(
        `SearchParameter/${sp.id} is the built-in parameter ${owner.url}: use another id`,
        'SearchParameter.id',
      ),
    ]);
  }
  const builtIn = sp.url ? registry.builtInByUrl(sp.url) : undefined;
  if (builtIn) {
    if (sameAs(sp, builtIn)) return { kind: 'built-in' };
    throw unprocessable([
      err(
        `${sp.url} is a built-in search parameter of this server and cannot be redefined: give yours its own url`,
        'SearchParameter.url',
      ),
    ]);
  }
  if (sp.status !== 'active') return { kind: 'none' };
  if (!TYPES.has(sp.type)) {
    throw unprocessable([
      err(`parameters of type ${sp.type} cannot be registered here`, 'SearchParameter.type'),
    ]);
  }
  const issues = [...baseIssues(registry, sp), ...otherIssues(registry, sp)];
  if (issues.length > 0) throw unprocessable(issues);
  const defs = registry.compile(sp);
  const problems = expressionIssues(sp, defs);
  if (problems.length > 0) throw unprocessable(problems);
  return { kind: 'register', defs };
}
