/**
 * Canonical property order of the JSON we write (R4 elementdefinition.html and structuredefinition.html
 * list the elements in this order): the generated files read like the published ones and are stable.
 */
import type { ElementDefinition } from 'fhir/r4.js';

const ELEMENT_ORDER = [
  'id',
  'extension',
  'modifierExtension',
  'path',
  'representation',
  'sliceName',
  'sliceIsConstraining',
  'label',
  'code',
  'slicing',
  'short',
  'definition',
  'comment',
  'requirements',
  'alias',
  'min',
  'max',
  'base',
  'contentReference',
  'type',
  'defaultValue',
  'meaningWhenMissing',
  'orderMeaning',
  'fixed',
  'pattern',
  'example',
  'minValue',
  'maxValue',
  'maxLength',
  'condition',
  'constraint',
  'mustSupport',
  'isModifier',
  'isModifierReason',
  'isSummary',
  'binding',
  'mapping',
];

function rank(order: string[], key: string): number {
  const exact = order.indexOf(key);
  if (exact >= 0) return exact;
  const prefix = order.findIndex((p) => key.startsWith(p) && /^[A-Z]/.test(key.slice(p.length)));
  return prefix >= 0 ? prefix : order.length;
}

/** Returns a copy of an object with its keys in the given order (unknown keys last, alphabetically). */
export function orderKeys<T extends object>(obj: T, order: string[]): T {
  const entries = Object.entries(obj).sort(
    ([a], [b]) => rank(order, a) - rank(order, b) || (a < b ? -1 : a > b ? 1 : 0),
  );
  return Object.fromEntries(entries) as T;
}

/** An ElementDefinition with its properties in specification order. */
export function orderElement(e: ElementDefinition): ElementDefinition {
  return orderKeys(e, ELEMENT_ORDER);
}

/** Property order of the conformance resources we write. */
export const RESOURCE_ORDER = [
  'resourceType',
  'id',
  'meta',
  'text',
  'extension',
  'url',
  'identifier',
  'version',
  'name',
  'title',
  'status',
  'experimental',
  'date',
  'publisher',
  'contact',
  'description',
  'jurisdiction',
  'purpose',
  'copyright',
  'caseSensitive',
  'valueSet',
  'content',
  'count',
  'fhirVersion',
  'mapping',
  'kind',
  'abstract',
  'context',
  'contextInvariant',
  'type',
  'baseDefinition',
  'derivation',
  'code',
  'base',
  'expression',
  'xpath',
  'xpathUsage',
  'target',
  'concept',
  'compose',
  'snapshot',
  'differential',
];
