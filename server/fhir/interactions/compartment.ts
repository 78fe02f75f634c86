/**
 * Patient compartment search (R4 compartmentdefinition.html#search, compartmentdefinition-patient.html):
 * `GET [base]/Patient/[id]/[type]?params` is the type search restricted to the resources in that patient's
 * compartment (the `comp` key stored with each resource, indexed); `GET [base]/Patient/[id]/*` searches
 * every type of the compartment at once, with the parameters that all resources share (`_id`,
 * `_lastUpdated`, `_tag`, `_profile`, `_security`, `_source`, `_list`, `_has`) and `_type` to choose types.
 */
import type { FhirRequest, FhirResponse } from '../request.js';
import { badRequest } from '../outcomes.js';
import type { IgnoredParam, SearchIR } from '../search/ir.js';
import { RESULT_PARAMETERS } from '../search/parse.js';
import type { SearchRegistry } from '../search/registry.js';
import type { FhirServices } from '../services.js';
import { pageHolder } from '../search/page-token.js';
import { appliedSelection, isStrict, parseFor, runSearch } from './search.js';

/** The resource types of the Patient compartment, Patient first. */
export function patientCompartmentTypes(registry: SearchRegistry): string[] {
  const inside = registry.resourceTypes.filter(
    (t) => t !== 'Patient' && registry.patientCompartmentParams(t).length > 0,
  );
  return ['Patient', ...inside];
}

/** The types a `_type` value selects among `allowed`; 400 for one outside them. */
export function typesOf(value: string | undefined, allowed: string[]): string[] {
  if (value === undefined) return allowed;
  const wanted = value
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '');
  for (const t of wanted) {
    if (!allowed.includes(t)) throw badRequest(`_type: ${t.slice(0, 64)} is not in the Patient compartment`);
  }
  return allowed.filter((t) => wanted.includes(t));
}

/** Adds the compartment restriction to a parsed search. */
export function inCompartment(ir: SearchIR, patientId: string): SearchIR {
  const clause = { kind: 'compartment', name: 'compartment', compartment: `Patient/${patientId}` } as const;
  return { ...ir, clauses: [clause, ...ir.clauses] };
}

/** GET [base]/Patient/[id]/[type] and GET [base]/Patient/[id]/* */
export async function compartmentSearchInteraction(
  services: FhirServices,
  req: FhirRequest,
  patientId: string,
  type: string,
  params: Array<[string, string]>,
): Promise<FhirResponse> {
  const strict = isStrict(req);
  const all = patientCompartmentTypes(services.registry);
  if (type !== '*' && !all.includes(type)) throw badRequest(`${type} is not in the Patient compartment`);
  const typeParam = type === '*' ? params.find(([k]) => k === '_type')?.[1] : undefined;
  const types = type === '*' ? typesOf(typeParam, all) : [type];
  const { selection, ignored } =
    type === '*' ? commonOnly(params, strict) : { selection: params, ignored: [] };
  const irs = types.map((t) => inCompartment(parseFor(services, t, selection, strict), patientId));
  const notApplied = [...ignored, ...(irs[0]?.ignored ?? [])];
  const applied = appliedSelection(selection, notApplied);
  if (typeParam !== undefined) applied.push(['_type', typeParam]);
  return runSearch(services, {
    path: `Patient/${patientId}/${type}`,
    irs,
    control: irs[0]?.control ?? [],
    applied,
    ignored: notApplied,
    strict,
    holder: pageHolder(req.auth),
  });
}

/** For `*`: keeps the parameters every resource has (`_` ones) and result controls; ignores the rest. */
function commonOnly(
  params: Array<[string, string]>,
  strict: boolean,
): { selection: Array<[string, string]>; ignored: IgnoredParam[] } {
  const selection: Array<[string, string]> = [];
  const ignored: IgnoredParam[] = [];
  for (const [name, value] of params) {
    const base = name.split(/[:.]/)[0];
    if (base === '_type') continue;
    if (base.startsWith('_') || RESULT_PARAMETERS.has(base)) {
      selection.push([name, value]);
      continue;
    }
    const reason = 'only parameters common to all resource types apply to a search of every type';
    if (strict)
      throw badRequest(`Search parameter '${name}' cannot be applied: ${reason}`, undefined, 'not-supported');
    ignored.push({ name, value, reason });
  }
  return { selection, ignored };
}
