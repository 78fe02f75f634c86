/**
 * Sites of the fuzz test: every element and array item of a resource found by walking its JSON, with its
 * FHIRPath in JSON-key form (e.g. `Condition.onsetDateTime`), plus the small required-element table and
 * copy-and-change helpers the mutations use. The type knowledge here is small and written from the spec.
 */

export type Json = Record<string, unknown>;
type Loc = (string | number)[];

/** One element (or array item) of a resource, as seen in its JSON. */
export interface Site {
  /** Location of the containing object or array, from the root. */
  readonly container: Loc;
  readonly key: string | number;
  readonly value: unknown;
  /** FHIRPath in JSON-key form (`Bundle.entry[0].resource.status`). */
  readonly path: string;
  /** FHIRPath of the containing element. */
  readonly parentPath: string;
  /** Element path without indices, from the nearest resource (`CarePlan.activity.detail.status`). */
  readonly elementPath: string;
  /** The value is an item of an extension/modifierExtension array. */
  readonly isExtension: boolean;
  /** The value is a resource (root, contained, Bundle.entry.resource, ...). */
  readonly isResource: boolean;
}
/** Walks a resource, collecting every element and array item outside `_name` extension objects. */
export function collectSites(root: Json): Site[] {
  const sites: Site[] = [];
  const type = String(root.resourceType);
  sites.push({
    container: [],
    key: '',
    value: root,
    path: type,
    parentPath: '',
    elementPath: type,
    isExtension: false,
    isResource: true,
  });
  walk(root, [], type, type, true, sites);
  return sites;
}

function isResourceValue(key: string, v: unknown): boolean {
  return (
    (key === 'contained' || key === 'resource') && typeof v === 'object' && v !== null && 'resourceType' in v
  );
}

function walk(obj: Json, loc: Loc, path: string, elPath: string, isRes: boolean, out: Site[]): void {
  for (const [key, v] of Object.entries(obj)) {
    if (key.startsWith('_') || (isRes && key === 'resourceType')) continue;
    const p = `${path}.${key}`;
    const ep = `${elPath}.${key}`;
    const common = { container: loc, parentPath: path, isExtension: false };
    if (Array.isArray(v)) {
      out.push({ ...common, key, value: v, path: p, elementPath: ep, isResource: false });
      const isExtension = key === 'extension' || key === 'modifierExtension';
      v.forEach((item, i) => {
        const res = isResourceValue(key, item);
        const ip = `${p}[${i}]`;
        const iep = res ? String((item as Json).resourceType) : ep;
        out.push({
          container: [...loc, key],
          key: i,
          value: item,
          path: ip,
          parentPath: p,
          elementPath: iep,
          isExtension,
          isResource: res,
        });
        if (typeof item === 'object' && item !== null)
          walk(item as Json, [...loc, key, i], ip, iep, res, out);
      });
      continue;
    }
    const res = isResourceValue(key, v);
    const vep = res ? String((v as Json).resourceType) : ep;
    out.push({ ...common, key, value: v, path: p, elementPath: vep, isResource: res });
    if (typeof v === 'object' && v !== null) walk(v as Json, [...loc, key], p, vep, res, out);
  }
}

/** Elements with min > 0 per element path (R4 resource pages), `[x]` for choices. */
const REQUIRED: Record<string, string[]> = {
  Encounter: ['status', 'class'],
  'Encounter.statusHistory': ['status', 'period'],
  'Encounter.classHistory': ['class', 'period'],
  'Encounter.diagnosis': ['condition'],
  'Encounter.location': ['location'],
  CarePlan: ['status', 'intent', 'subject'],
  'CarePlan.activity.detail': ['status'],
  Condition: ['subject'],
  Consent: ['status', 'scope', 'category'],
  'Consent.verification': ['verified'],
  'Consent.provision.actor': ['role', 'reference'],
  'Consent.provision.data': ['meaning', 'reference'],
  Task: ['status', 'intent'],
  'Task.input': ['type', 'value[x]'],
  'Task.output': ['type', 'value[x]'],
  Observation: ['status', 'code'],
  'Observation.component': ['code'],
  'Patient.communication': ['language'],
  'Patient.link': ['other', 'type'],
  MedicationRequest: ['status', 'intent', 'medication[x]', 'subject'],
  Bundle: ['type'],
  'Bundle.link': ['relation', 'url'],
  'Bundle.entry.request': ['method', 'url'],
  'Bundle.entry.response': ['status'],
};

/** The value at a location. */
export function at(root: Json, loc: Loc): Json | unknown[] {
  let node: unknown = root;
  for (const k of loc) node = (node as Record<string | number, unknown>)[k];
  return node as Json | unknown[];
}

/** Copies the resource and applies `change` to the site's value (an object). */
export function mutateValue(root: Json, site: Site, change: (value: Json) => void): Json {
  const copy = structuredClone(root);
  change((site.key === '' ? copy : at(copy, site.container)[site.key as never]) as Json);
  return copy;
}

/** Copies the resource and applies `change` to the site's container (not for the root site). */
export function mutate(
  root: Json,
  site: Site,
  change: (container: Record<string | number, unknown>) => void,
): Json {
  const copy = structuredClone(root);
  change(at(copy, site.container) as Record<string | number, unknown>);
  return copy;
}

/** Required element names of the object at a site. */
export function requiredOf(s: Site): string[] {
  if (s.isExtension) return ['url'];
  const rootType = s.elementPath.split('.')[0];
  if (s.elementPath === `${rootType}.text`) return ['status', 'div'];
  return REQUIRED[s.elementPath] ?? [];
}

/** The JSON keys that hold a (possibly choice) element in an object. */
export function presentKeys(obj: Json, name: string): string[] {
  if (name.endsWith('[x]')) {
    const base = name.slice(0, -3);
    return Object.keys(obj).filter((k) => new RegExp(`^_?${base}[A-Z]`).test(k));
  }
  return Object.keys(obj).filter((k) => k === name || k === '_' + name);
}

/** Normalises a validator expression to JSON-key form: `.onset.ofType(dateTime)` becomes `.onsetDateTime`. */
export function toJsonKeyPath(expression: string): string {
  return expression.replace(
    /\.(\w+)\.ofType\((\w)(\w*)\)/g,
    (_m, n: string, a: string, b: string) => `.${n}${a.toUpperCase()}${b}`,
  );
}
