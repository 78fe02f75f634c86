/**
 * The coded content of a value for binding checks (R4 terminologies.html#binding): a `code`, `string` or
 * `uri` is a bare code; a Coding and a Quantity carry system and code; a CodeableConcept its codings.
 */
import type { CodedValue, Terminology } from '../terminology/terminology.js';
import { isObject } from './walk-context.js';

const BARE = new Set(['code', 'string', 'uri']);

function fromCoding(v: unknown): CodedValue[] {
  if (!isObject(v) || typeof v.code !== 'string') return [];
  return [
    {
      code: v.code,
      ...(typeof v.system === 'string' ? { system: v.system } : {}),
      ...(typeof v.display === 'string' ? { display: v.display } : {}),
    },
  ];
}

/** The coded values of a value of `type`; undefined when the type cannot carry a binding. */
export function codedValues(value: unknown, type: string): CodedValue[] | undefined {
  if (BARE.has(type)) return typeof value === 'string' ? [{ code: value }] : [];
  if (type === 'Coding' || type === 'Quantity') return fromCoding(value);
  if (type === 'CodeableConcept') {
    const codings = isObject(value) && Array.isArray(value.coding) ? value.coding : [];
    return codings.flatMap(fromCoding);
  }
  return undefined;
}

/** True when some coded value of an untyped JSON value is in the ValueSet (slice discrimination). */
export function anyInValueSet(terminology: Terminology, valueSet: string, value: unknown): boolean {
  const values =
    typeof value === 'string'
      ? [{ code: value }]
      : isObject(value) && Array.isArray(value.coding)
        ? (codedValues(value, 'CodeableConcept') ?? [])
        : fromCoding(value);
  return values.some((v) => terminology.check(valueSet, v)?.result === true);
}
