/**
 * Deterministic mutations of valid resources into invalid ones, for the bad-input tests. Every mutation
 * kind here breaks a rule of R4 json.html or datatypes.html whatever element it hits.
 */

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** A small seeded PRNG (mulberry32) so that failures reproduce. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

interface Slot {
  parent: { [k: string]: Json } | Json[];
  key: string | number;
  value: Json;
  /** The FHIRPath-like location, e.g. `Condition.code.coding[0]`. */
  path: string;
}

/** Every property slot (object members, not array items) of a resource, outside `_x` primitive extensions. */
function slots(root: { [k: string]: Json }, type: string): Slot[] {
  const out: Slot[] = [];
  const walk = (node: Json, path: string) => {
    if (Array.isArray(node)) {
      node.forEach((item, i) => walk(item, `${path}[${i}]`));
      return;
    }
    if (node === null || typeof node !== 'object') return;
    for (const [k, v] of Object.entries(node)) {
      if (k === 'resourceType' || k.startsWith('_') || k === 'url') continue;
      out.push({ parent: node, key: k, value: v, path: `${path}.${k}` });
      walk(v, `${path}.${k}`);
    }
  };
  walk(root, type);
  return out;
}

export type MutationKind =
  | 'unknown-element'
  | 'string-to-boolean'
  | 'number-to-string'
  | 'boolean-to-string'
  | 'array-to-single'
  | 'single-to-array'
  | 'null-value'
  | 'empty-object'
  | 'empty-string'
  | 'bad-date';

/** One mutation applied to a deep copy of `resource`: what was done and where. */
export interface Mutation {
  kind: MutationKind;
  path: string;
  resource: { [k: string]: Json };
}

const DATE_LIKE = /^\d{4}-\d{2}(-\d{2})?(T.*)?$/;
const DATE_KEY = /(date|Date|DateTime|start|end|issued|recorded|authoredOn|created|Instant|lastUpdated)$/;

function applicable(kind: MutationKind, s: Slot): boolean {
  const v = s.value;
  switch (kind) {
    case 'unknown-element':
    case 'empty-object':
      return v !== null && typeof v === 'object' && !Array.isArray(v);
    case 'string-to-boolean':
    case 'empty-string':
      return typeof v === 'string';
    case 'bad-date':
      return typeof v === 'string' && DATE_LIKE.test(v) && DATE_KEY.test(String(s.key));
    case 'number-to-string':
      return typeof v === 'number';
    case 'boolean-to-string':
      return typeof v === 'boolean';
    case 'array-to-single':
      return Array.isArray(v) && v.length > 0 && v[0] !== null;
    case 'single-to-array':
      return v !== null && !Array.isArray(v) && s.key !== 'id';
    case 'null-value':
      return true;
  }
}

function apply(kind: MutationKind, s: Slot): string {
  const p = s.parent as { [k: string]: Json };
  const k = s.key as string;
  switch (kind) {
    case 'unknown-element':
      (s.value as { [k: string]: Json }).zzNotAnElement = 'x';
      return `${s.path}.zzNotAnElement`;
    case 'empty-object':
      p[k] = {};
      break;
    case 'string-to-boolean':
      p[k] = true;
      break;
    case 'empty-string':
      p[k] = '';
      break;
    case 'bad-date':
      p[k] = '2026-13-45';
      break;
    case 'number-to-string':
      p[k] = 'not-a-number';
      break;
    case 'boolean-to-string':
      p[k] = 'yes';
      break;
    case 'array-to-single':
      p[k] = (s.value as Json[])[0];
      break;
    case 'single-to-array':
      p[k] = [s.value];
      break;
    case 'null-value':
      p[k] = null;
      break;
  }
  return s.path;
}

const KINDS: MutationKind[] = [
  'unknown-element',
  'string-to-boolean',
  'number-to-string',
  'boolean-to-string',
  'array-to-single',
  'single-to-array',
  'null-value',
  'empty-object',
  'empty-string',
  'bad-date',
];

/** Makes one invalid copy of `resource` with a random applicable mutation (null when none applies). */
export function mutate(resource: object, rand: () => number): Mutation | null {
  const copy = JSON.parse(JSON.stringify(resource)) as { [k: string]: Json };
  const type = copy.resourceType as string;
  const all = slots(copy, type);
  for (let tries = 0; tries < 20; tries++) {
    const kind = KINDS[Math.floor(rand() * KINDS.length)];
    const candidates = all.filter((s) => applicable(kind, s));
    if (candidates.length === 0) continue;
    const slot = candidates[Math.floor(rand() * candidates.length)];
    const path = apply(kind, slot);
    return { kind, path, resource: copy };
  }
  return null;
}
