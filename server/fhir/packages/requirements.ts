/**
 * The requirements CapabilityStatements that FHIR packages declare (R4 capabilitystatement.html, kind
 * `requirements`, a `rest` of mode `server`), reduced to what a server SHALL do, and the check of a server
 * against them: the server's CapabilityStatement lists a statement in `instantiates` only when it meets every
 * requirement (capability.ts).
 *
 * An item is required when its `capabilitystatement-expectation` extension says SHALL, or when it has none
 * (a requirements statement without expectations lists what it requires). Items of a resource whose own
 * expectation is SHOULD or MAY are required only of servers that support that resource: they are skipped.
 * Checked: the resource types, the type- and system-level interactions, the search parameters (also each one
 * of a SHALL combination), `_include`/`_revinclude` of reference parameters, the operations at their level, and
 * that each supported profile is known. Not checked: prose in `documentation`, `referencePolicy`, versioning
 * and conditional flags, and search modifiers or comparators the statement spells out in text.
 */
import type { CapabilityStatement, CapabilityStatementRestResource, Element, Extension } from 'fhir/r4.js';

const EXPECTATION = 'http://hl7.org/fhir/StructureDefinition/capabilitystatement-expectation';
const COMBINATION =
  'http://hl7.org/fhir/StructureDefinition/capabilitystatement-search-parameter-combination';

/** What one resource type of a statement requires. */
export interface ResourceRequirement {
  type: string;
  interactions: string[];
  searchParams: string[];
  /** Each SHALL combination of parameters (every one of them must be supported). */
  combinations: string[][];
  /** `Type:param` or `Type:param:target` of searchInclude and searchRevInclude. */
  includes: string[];
  revIncludes: string[];
  operations: string[];
  profiles: string[];
}

/** What a requirements CapabilityStatement asks of a server. */
export interface CapabilityRequirements {
  url: string;
  version?: string;
  /** System-level interactions and operations. */
  interactions: string[];
  operations: string[];
  resources: ResourceRequirement[];
}

/** What the server supports, as the check asks it. */
export interface ServerSupport {
  resourceTypes: ReadonlySet<string>;
  typeInteractions: readonly string[];
  systemInteractions: readonly string[];
  /** The type of a supported search parameter of `type`, or undefined. */
  searchParamType(type: string, code: string): string | undefined;
  /** Whether operation `$name` is registered for `type` (type or instance level), or at system level. */
  hasOperation(name: string, type?: string): boolean;
  /** Whether claims of a profile are validated (the profile is known). */
  knowsProfile(canonical: string): boolean;
}

function expectation(e: { extension?: Extension[] } | undefined): string | undefined {
  return e?.extension?.find((x) => x.url === EXPECTATION)?.valueCode;
}

/** Required: SHALL, or no expectation at all. */
function required(e: { extension?: Extension[] } | undefined): boolean {
  const x = expectation(e);
  return x === undefined || x === 'SHALL';
}

/** The items of a list whose own extension (on the item, or on the `_list` primitive twin) requires them. */
function requiredItems<T>(
  items: T[] | undefined,
  twins: (Element | null)[] | undefined,
  name: (t: T) => string,
) {
  return (items ?? [])
    .filter((t, i) => required(typeof t === 'object' ? (t as Element) : (twins?.[i] ?? undefined)))
    .map(name);
}

function combinations(r: CapabilityStatementRestResource): string[][] {
  return (r.extension ?? [])
    .filter((e) => e.url === COMBINATION && required(e))
    .map((e) => (e.extension ?? []).filter((x) => x.url === 'required').map((x) => x.valueString ?? ''));
}

type Twins = {
  _searchInclude?: (Element | null)[];
  _searchRevInclude?: (Element | null)[];
  _supportedProfile?: (Element | null)[];
};

function resourceRequirement(r: CapabilityStatementRestResource): ResourceRequirement {
  const twins = r as CapabilityStatementRestResource & Twins;
  return {
    type: r.type,
    interactions: requiredItems(r.interaction, undefined, (i) => i.code),
    searchParams: requiredItems(r.searchParam, undefined, (p) => p.name),
    combinations: combinations(r),
    includes: requiredItems(r.searchInclude, twins._searchInclude, (s) => s),
    revIncludes: requiredItems(r.searchRevInclude, twins._searchRevInclude, (s) => s),
    operations: requiredItems(r.operation, undefined, (o) => o.name),
    profiles: requiredItems(r.supportedProfile, twins._supportedProfile, (s) => s),
  };
}

/** The requirements of a statement, or undefined when it is not a requirements statement for servers. */
export function requirementsOf(cs: CapabilityStatement): CapabilityRequirements | undefined {
  if (cs.kind !== 'requirements' || !cs.url) return undefined;
  const rest = (cs.rest ?? []).filter((r) => r.mode === 'server');
  if (rest.length === 0) return undefined;
  return {
    url: cs.url,
    ...(cs.version ? { version: cs.version } : {}),
    interactions: rest.flatMap((r) => requiredItems(r.interaction, undefined, (i) => i.code)),
    operations: rest.flatMap((r) => requiredItems(r.operation, undefined, (o) => o.name)),
    resources: rest.flatMap((r) => (r.resource ?? []).filter((x) => required(x)).map(resourceRequirement)),
  };
}

/** Whether `Type:param[:target]` names a supported reference parameter. */
function includable(spec: string, s: ServerSupport): boolean {
  const [type, param] = spec.split(':');
  return s.resourceTypes.has(type) && s.searchParamType(type, param) === 'reference';
}

function unmetOfResource(r: ResourceRequirement, s: ServerSupport): string[] {
  if (!s.resourceTypes.has(r.type)) return [`${r.type}: the resource type`];
  const out: string[] = [];
  for (const i of r.interactions)
    if (!s.typeInteractions.includes(i)) out.push(`${r.type}: interaction ${i}`);
  const params = new Set([...r.searchParams, ...r.combinations.flat()]);
  for (const p of params) if (!s.searchParamType(r.type, p)) out.push(`${r.type}: search parameter ${p}`);
  for (const inc of r.includes) if (!includable(inc, s)) out.push(`${r.type}: _include=${inc}`);
  for (const inc of r.revIncludes) if (!includable(inc, s)) out.push(`${r.type}: _revinclude=${inc}`);
  for (const o of r.operations) if (!s.hasOperation(o, r.type)) out.push(`${r.type}: operation $${o}`);
  for (const p of r.profiles) if (!s.knowsProfile(p)) out.push(`${r.type}: profile ${p}`);
  return out;
}

/** The requirements the server does not meet (empty: it instantiates the statement), in statement order. */
export function unmetRequirements(req: CapabilityRequirements, s: ServerSupport): string[] {
  return [
    ...req.interactions.filter((i) => !s.systemInteractions.includes(i)).map((i) => `interaction ${i}`),
    ...req.operations.filter((o) => !s.hasOperation(o)).map((o) => `operation $${o}`),
    ...req.resources.flatMap((r) => unmetOfResource(r, s)),
  ];
}
