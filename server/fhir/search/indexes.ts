/**
 * The index keys the storage declares for a resource type, chosen from the registry by rule (never a hand
 * list per type): the patient compartment, the references that place a resource in it, identifier, status
 * and code tokens, dates, then other references, canonical URLs and names; at most MAX_KEYS per type.
 */
import type { SearchParamDef, SearchRegistry } from './registry.js';

/** Upper bound of declared indexes per type (each index costs on every write). */
export const MAX_KEYS = 15;

/** The entry key an index covers for a parameter, or undefined for types not indexed. */
function keyOf(def: SearchParamDef): string | undefined {
  switch (def.type) {
    case 'reference':
      return `sp.${def.code}.r`;
    case 'token':
      return `sp.${def.code}.c`;
    case 'date':
      return `sp.${def.code}.lo`;
    case 'string':
    case 'uri':
      return `sp.${def.code}.v`;
    default:
      return undefined;
  }
}

/** Ordered rules: a parameter is indexed by the first rule it satisfies, rules in priority order. */
function rules(compartmentParams: ReadonlySet<string>): Array<(def: SearchParamDef) => boolean> {
  return [
    (d) => d.type === 'reference' && compartmentParams.has(d.code),
    (d) => d.type === 'reference' && (d.code === 'patient' || d.code === 'subject'),
    (d) => d.type === 'token' && d.code === 'identifier',
    (d) => d.type === 'token' && (d.code === 'status' || d.code.endsWith('-status')),
    (d) => d.type === 'token' && (d.code === 'code' || d.code === 'category'),
    (d) => d.type === 'date' && d.code === '_lastUpdated',
    (d) => d.type === 'date' && !d.code.startsWith('_'),
    (d) => d.type === 'reference',
    (d) => d.type === 'uri' && d.code === 'url',
    (d) => d.type === 'string' && (d.code === 'name' || d.code === 'family'),
  ];
}

/** The index keys to declare for `type`: `{ comp: 1 }` and `{ 'sp.<code>.<key>': 1 }` entries. */
export function indexKeysFor(registry: SearchRegistry, type: string): Array<Record<string, 1>> {
  const compartmentParams = new Set(registry.patientCompartmentParams(type));
  const keys: string[] = [];
  if (compartmentParams.size > 0 || type === 'Patient') keys.push('comp');
  // run-time parameters (fhir/runtime-params/) get none: the declared set does not depend on registrations
  const params = registry.params(type).filter((d) => d.supported && !d.runtime && d.code !== '_id');
  for (const rule of rules(compartmentParams)) {
    for (const def of params) {
      const key = keyOf(def);
      if (key && rule(def) && !keys.includes(key)) keys.push(key);
    }
  }
  return keys.slice(0, MAX_KEYS).map((k) => ({ [k]: 1 }));
}
