/**
 * Compiles search expressions into evaluators that return typed values. Most R4 search expressions are
 * simple paths (`Condition.code`, `(Observation.value as Quantity)`, `Patient.telecom.where(system='phone')`,
 * `X.subject.where(resolve() is Patient)`); those are walked directly over the JSON with the fhirpath.js R4
 * model (path → type tables), which is an order of magnitude faster than evaluating FHIRPath. Every other
 * expression is compiled once with `fhirpath.compile(expr, r4model)` (fhirpath.html).
 */
import fhirpath from 'fhirpath';
import r4model from 'fhirpath/fhir-context/r4';
import { rewriteResolveIs, splitTopLevel } from './expression.js';

/** A selected value: its data, its FHIR type name and the model path to look its children up under. */
export interface Focus {
  data: unknown;
  type: string;
  path: string;
}

/** Evaluates an expression from a resource. */
export type Evaluator = (resource: unknown) => Focus[];
/** Evaluates an expression relative to an element (composite components). */
export type RelativeEvaluator = (focus: Focus) => Focus[];

type Step =
  | { kind: 'member'; name: string }
  | { kind: 'as'; type: string }
  | { kind: 'where-eq'; name: string; value: string }
  | { kind: 'where-ref'; type: string };

type Obj = Record<string, unknown>;
const { path2Type, choiceTypePaths, pathsDefinedElsewhere, type2Parent, path2RefType } = r4model;

/** The FHIR type name of a model type (`System.String` → `string`). */
function typeName(modelType: string): string {
  if (!modelType.startsWith('System.')) return modelType;
  const t = modelType.slice(7);
  return t === 'String' ? 'string' : t.charAt(0).toLowerCase() + t.slice(1);
}

/** The type named by a choice suffix (`DateTime` → `dateTime`, `Quantity` → `Quantity`). */
function choiceType(suffix: string): string {
  const lower = suffix.charAt(0).toLowerCase() + suffix.slice(1);
  return path2Type[`${lower}.value`] !== undefined || lower === 'xhtml' ? lower : suffix;
}

/** Parses one path segment into a step, or undefined when it is not a simple step. */
function parseStep(segment: string): Step | undefined {
  let m = /^([A-Za-z][A-Za-z0-9]*)$/.exec(segment);
  if (m) return { kind: 'member', name: m[1] };
  m = /^(?:as|ofType)\(\s*([A-Za-z]+)\s*\)$/.exec(segment);
  if (m) return { kind: 'as', type: m[1] };
  m = /^where\(\s*([a-z][A-Za-z0-9]*)\s*=\s*'([^'\\]*)'\s*\)$/.exec(segment);
  if (m) return { kind: 'where-eq', name: m[1], value: m[2] };
  m = /^where\(\s*resolve\(\)\s+is\s+([A-Za-z]+)\s*\)$/.exec(segment);
  if (m) return { kind: 'where-ref', type: m[1] };
  return undefined;
}

/** Parses a simple expression part into its steps; undefined when it needs the FHIRPath engine. */
export function parseSimplePath(part: string, relative = false): Step[] | undefined {
  let text = part.trim();
  const steps: Step[] = [];
  const asForm = /^\((.+)\s+as\s+([A-Za-z]+)\s*\)(.*)$/.exec(text);
  let tail = '';
  if (asForm) {
    text = asForm[1];
    tail = asForm[3];
    if (tail && !tail.startsWith('.')) return undefined;
  }
  const segments = splitTopLevel(text, '.');
  for (const segment of relative ? segments : segments.slice(1)) {
    const step = parseStep(segment);
    if (!step) return undefined;
    steps.push(step);
  }
  if (asForm) {
    steps.push({ kind: 'as', type: asForm[2] });
    for (const segment of splitTopLevel(tail.slice(1), '.')) {
      const step = parseStep(segment);
      if (!step) return undefined;
      steps.push(step);
    }
  }
  return steps;
}

/** Pushes the value(s) of one element as foci. */
function pushValues(out: Focus[], raw: unknown, type: string, path: string): void {
  if (raw === undefined || raw === null) return;
  if (Array.isArray(raw)) {
    for (const v of raw) if (v !== null && v !== undefined) out.push({ data: v, type, path });
  } else out.push({ data: raw, type, path });
}

const choiceCache = new Map<string, Array<[property: string, type: string]> | null>();

/** The JSON properties and types of a choice element (`Condition.onset` → onsetDateTime: dateTime, ...). */
function choicesOf(key: string, name: string): Array<[string, string]> | null {
  let choices = choiceCache.get(key);
  if (choices === undefined) {
    const suffixes = choiceTypePaths[key];
    choices = suffixes
      ? suffixes.map((suffix) => [name + suffix, choiceType(suffix)] as [string, string])
      : null;
    choiceCache.set(key, choices);
  }
  return choices;
}

/** How a member name resolves below one model path: the choice properties, or one property. */
type Resolution =
  | { choices: Array<[property: string, type: string]> }
  | { property: string; type: string; path: string }
  | null;

/** Resolves `name` below the model path `path` (choice types and types from the model). */
function resolveMember(path: string, name: string): Resolution {
  const key = `${path}.${name}`;
  const choices = choicesOf(key, name);
  if (choices) return { choices };
  const at = pathsDefinedElsewhere[key] ?? key;
  const modelType = path2Type[at];
  if (modelType === undefined) return null;
  const backbone = modelType === 'BackboneElement' || modelType === 'Element';
  return { property: name, type: typeName(modelType), path: backbone ? at : typeName(modelType) };
}

/** A step following one member name from each focus; resolutions are cached per model path. */
function memberStep(name: string): (foci: Focus[]) => Focus[] {
  const cache = new Map<string, Resolution>();
  return (foci) => {
    const out: Focus[] = [];
    for (const f of foci) {
      if (typeof f.data !== 'object' || f.data === null) continue;
      const data = f.data as Obj;
      let r = cache.get(f.path);
      if (r === undefined) {
        r = resolveMember(f.path, name);
        cache.set(f.path, r);
      }
      if (r === null) continue;
      if ('choices' in r) {
        for (let i = 0; i < r.choices.length; i++) {
          const value = data[r.choices[i][0]];
          if (value !== undefined) pushValues(out, value, r.choices[i][1], r.choices[i][1]);
        }
      } else pushValues(out, data[r.property], r.type, r.path);
    }
    return out;
  };
}

/** Whether `type` is `wanted` or derives from it (Age is a Quantity). */
function isType(type: string, wanted: string): boolean {
  const lower = wanted.charAt(0).toLowerCase() + wanted.slice(1);
  for (let t: string | undefined = type; t; t = type2Parent[t]) if (t === wanted || t === lower) return true;
  return false;
}

/** Compiles one parsed step into a function over foci. */
function compileStep(step: Step): (foci: Focus[]) => Focus[] {
  switch (step.kind) {
    case 'member':
      return memberStep(step.name);
    case 'as': {
      const verdicts = new Map<string, boolean>();
      const ok = (type: string): boolean => {
        let v = verdicts.get(type);
        if (v === undefined) {
          v = isType(type, step.type);
          verdicts.set(type, v);
        }
        return v;
      };
      return (foci) => foci.filter((f) => ok(f.type));
    }
    case 'where-eq':
      return (foci) => foci.filter((f) => (f.data as Obj)[step.name] === step.value);
    case 'where-ref': {
      const re = new RegExp(`^(.*/)?${step.type}/[^/]+(/_history/[^/]+)?$`);
      return (foci) =>
        foci.filter((f) => {
          const ref = (f.data as Obj).reference;
          return typeof ref === 'string' && re.test(ref);
        });
    }
  }
}

/** Compiles parsed steps into one function from start foci to the selected foci. */
function compileSteps(steps: Step[]): (start: Focus[]) => Focus[] {
  const fns = steps.map(compileStep);
  return (start) => {
    let foci = start;
    for (const fn of fns) {
      foci = fn(foci);
      if (foci.length === 0) break;
    }
    return foci;
  };
}

/** Maps a fhirpath.js result item (node or raw value) to a Focus. */
function toFocus(item: unknown): Focus | undefined {
  if (item === null || item === undefined) return undefined;
  if (typeof item === 'object' && 'fhirNodeDataType' in item && 'data' in item) {
    const node = item as { fhirNodeDataType: string | null; data: unknown; path: string | null };
    if (node.data === undefined || node.data === null) return undefined;
    const type = node.fhirNodeDataType ?? '';
    return { data: node.data, type, path: node.path ?? type };
  }
  const kind = typeof item;
  if (kind === 'boolean') return { data: item, type: 'boolean', path: 'boolean' };
  if (kind === 'number') return { data: item, type: 'decimal', path: 'decimal' };
  if (kind === 'string') return { data: item, type: 'string', path: 'string' };
  return undefined;
}

/** Compiles with fhirpath.js, keeping internal types so each value carries its FHIR type. */
function compileFhirpath(expression: string, base?: string): (input: unknown) => Focus[] {
  const path = base ? { base, expression } : expression;
  const compiled = fhirpath.compile(path, r4model, { resolveInternalTypes: false });
  return (input) => {
    let out: unknown[];
    try {
      out = compiled(input) as unknown[];
    } catch {
      return []; // a value the expression cannot handle is not indexed; it must never fail the write
    }
    return out.map(toFocus).filter((f): f is Focus => f !== undefined);
  };
}

/** Compiles the expression parts of one type into one evaluator (native where possible). Throws if invalid. */
export function compileParts(root: string, parts: string[]): Evaluator {
  const evaluators = parts.map((part): Evaluator => {
    const steps = parseSimplePath(part);
    if (steps) {
      const run = compileSteps(steps);
      return (resource) => run([{ data: resource, type: root, path: root }]);
    }
    return compileFhirpath(rewriteResolveIs(part));
  });
  if (evaluators.length === 1) return evaluators[0];
  return (resource) => {
    const out: Focus[] = [];
    for (const e of evaluators) for (const f of e(resource)) out.push(f);
    return out;
  };
}

/** Compiles a component expression relative to a composite's base element (native, else FHIRPath per base). */
export function compileRelative(expression: string): RelativeEvaluator {
  const evaluators = splitTopLevel(expression, '|').map((part): RelativeEvaluator => {
    const steps = parseSimplePath(part, true);
    if (steps) {
      const run = compileSteps(steps);
      return (focus) => run([focus]);
    }
    const perBase = new Map<string, (input: unknown) => Focus[]>();
    return (focus) => {
      let fn = perBase.get(focus.path);
      if (!fn) {
        fn = compileFhirpath(part, focus.path);
        perBase.set(focus.path, fn);
      }
      return fn(focus.data);
    };
  });
  return (focus) => evaluators.flatMap((e) => e(focus));
}

/**
 * The reference target types the R4 model allows for a simple member path (`AllergyIntolerance.patient` →
 * Patient), or undefined when the part is not a plain member path or any resource type is allowed.
 */
export function modelReferenceTypes(root: string, part: string): string[] | undefined {
  const steps = parseSimplePath(part);
  if (!steps || steps.length === 0) return undefined;
  let state = root;
  let key = root;
  for (const step of steps) {
    if (step.kind === 'where-eq' || step.kind === 'where-ref') continue;
    if (step.kind !== 'member') return undefined;
    key = pathsDefinedElsewhere[`${state}.${step.name}`] ?? `${state}.${step.name}`;
    const modelType = path2Type[key];
    if (modelType === undefined) return undefined;
    state = modelType === 'BackboneElement' || modelType === 'Element' ? key : typeName(modelType);
  }
  const types = path2RefType[key];
  return types && !types.includes('Resource') ? types : undefined;
}

/**
 * The first member of a simple expression part that the R4 model does not define below its root
 * (`Observation.foo` → `foo`), or undefined when every member resolves or the part is not a simple path
 * (those are checked by compiling them).
 */
export function unknownMember(root: string, part: string): string | undefined {
  const steps = parseSimplePath(part);
  if (!steps) return undefined;
  let paths = [root];
  for (const step of steps) {
    if (step.kind !== 'member') continue;
    const next: string[] = [];
    for (const path of paths) {
      const r = resolveMember(path, step.name);
      if (r === null) continue;
      if ('choices' in r) for (const [, type] of r.choices) next.push(type);
      else next.push(r.path);
    }
    if (next.length === 0) return step.name;
    paths = next;
  }
  return undefined;
}
