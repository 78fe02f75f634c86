/**
 * The native invariant shortcuts (invariant-shortcuts.ts) must decide exactly what fhirpath.js decides: every
 * error-level constraint of the R4 resources and data types is checked, on every element of the official
 * examples of the CCM-related types and on mutated copies that break per-1, qty-3 and obs-6, against the
 * FHIRPath result (empty counts as satisfied, as in invariants.ts).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { ElementDefinitionConstraint } from 'fhir/r4.js';
import fhirpath from 'fhirpath';
import r4model from 'fhirpath/fhir-context/r4';
import { loadR4Definitions, R4_PACKAGE_DIR } from '../../../server/fhir/definitions.js';
import { compileShortcut } from '../../../server/fhir/profiles/invariant-shortcuts.js';

type Json = Record<string, unknown>;
const { path2Type, choiceTypePaths } = r4model;
const TYPES = ['Observation', 'Condition', 'Encounter', 'CarePlan', 'Goal', 'Procedure', 'Patient', 'Claim'];

/** Constraints by the model path they are declared on (resource element paths and data type names). */
function constraintsByPath(): Map<string, ElementDefinitionConstraint[]> {
  const defs = loadR4Definitions();
  const out = new Map<string, ElementDefinitionConstraint[]>();
  for (const sd of [...defs.resources.values(), ...defs.types.values()]) {
    for (const ed of sd.snapshot?.element ?? []) {
      const base = ed.path.replace(/\[x\]/g, '');
      for (const c of ed.constraint ?? []) {
        if (c.severity !== 'error' || !c.expression) continue;
        out.set(base, [...(out.get(base) ?? []), c]);
      }
    }
  }
  return out;
}

/** Every object of a resource with its model path (backbone path or data type name). */
function nodesOf(value: unknown, at: string, out: Array<[string, Json]>): void {
  if (Array.isArray(value)) {
    for (const v of value) nodesOf(v, at, out);
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  out.push([at, value as Json]);
  for (const [key, child] of Object.entries(value as Json)) {
    const type = choiceOf(at, key) ?? path2Type[`${at}.${key}`];
    if (!type || type.startsWith('System.')) continue;
    nodesOf(child, type === 'BackboneElement' || type === 'Element' ? `${at}.${key}` : type, out);
  }
}

/** The type of a choice property (`valueQuantity` under `Observation` → Quantity). */
function choiceOf(at: string, key: string): string | undefined {
  for (let i = key.length - 1; i > 0; i--) {
    const suffixes = choiceTypePaths[`${at}.${key.slice(0, i)}`];
    if (suffixes?.includes(key.slice(i))) return key.slice(i);
  }
  return undefined;
}

/** The examples of TYPES, plus copies that break per-1, qty-3 and obs-6. */
function corpus(): Json[] {
  const out: Json[] = [];
  for (const file of readdirSync(R4_PACKAGE_DIR)) {
    if (!TYPES.some((t) => file.startsWith(`${t}-`)) || !file.endsWith('.json')) continue;
    const r = JSON.parse(readFileSync(path.join(R4_PACKAGE_DIR, file), 'utf8')) as Json;
    const text = JSON.stringify(r);
    out.push(r);
    out.push(
      JSON.parse(text.replace(/"end":"(\d{4})/g, (_m, y: string) => `"end":"${Number(y) - 3}`)) as Json,
    );
    out.push(JSON.parse(text.replace(/"system":"http:\/\/unitsofmeasure.org",?/g, '')) as Json);
    if (r.resourceType === 'Observation') out.push({ ...r, dataAbsentReason: { text: 'unknown' } });
  }
  return out;
}

function fhirpathVerdict(node: Json, base: string, expression: string, resource: Json): boolean | 'error' {
  try {
    const out = fhirpath.evaluate(node, { base, expression }, { resource, rootResource: resource }, r4model, {
      traceFn: () => undefined,
    }) as unknown[];
    return out.length === 0 || (out.length === 1 && out[0] === true);
  } catch {
    return 'error';
  }
}

describe('invariant shortcuts', () => {
  it('decide as fhirpath.js does on every element of the examples', () => {
    const byPath = constraintsByPath();
    let decided = 0;
    let failed = 0;
    for (const resource of corpus()) {
      const nodes: Array<[string, Json]> = [];
      nodesOf(resource, String(resource.resourceType), nodes);
      for (const [at, node] of nodes) {
        for (const c of byPath.get(at) ?? []) {
          const verdict = compileShortcut(at, c.expression as string)?.(node);
          if (verdict === undefined) continue;
          const expected = fhirpathVerdict(node, at, c.expression as string, resource);
          if (expected === 'error') continue;
          decided++;
          if (!verdict) failed++;
          expect({ key: c.key, at, verdict }).toEqual({ key: c.key, at, verdict: expected });
        }
      }
    }
    expect(decided).toBeGreaterThan(500);
    expect(failed).toBeGreaterThan(10);
  });

  it('leave to FHIRPath what they cannot decide', () => {
    expect(compileShortcut('Period', 'start.exists() implies end.exists()')).toBeUndefined();
    expect(compileShortcut('Period', 'start.exists() xor end.exists()')).toBeUndefined();
    expect(compileShortcut('Period', '%resource.start.exists()')).toBeUndefined();
    const per1 = compileShortcut(
      'Period',
      'start.hasValue().not() or end.hasValue().not() or (start <= end)',
    );
    expect(per1?.({ start: '2020-01-01', end: '2020-01-02T10:00:00Z' })).toBeUndefined();
    expect(per1?.({ start: '2020-01-02T10:00:00Z', end: '2020-01-02T09:00:00Z' })).toBe(false);
    expect(per1?.({ start: '2020-01-02T10:00:00+02:00', end: '2020-01-02T09:00:00Z' })).toBeUndefined();
    expect(per1?.({ _start: { extension: [] }, end: '2020-01-02' })).toBe(true);
  });

  it('compare string fields in where() with literals', () => {
    const con5 =
      "verificationStatus.coding.where(system='http://terminology.hl7.org/CodeSystem/condition-ver-status' " +
      "and code='entered-in-error').empty() or clinicalStatus.empty()";
    const shortcut = compileShortcut('Condition', con5);
    const eie = {
      system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status',
      code: 'entered-in-error',
    };
    const active = { coding: [{ code: 'active' }] };
    const nodes: Json[] = [
      { verificationStatus: { coding: [eie] }, clinicalStatus: active },
      { verificationStatus: { coding: [eie] } },
      { verificationStatus: { coding: [{ code: 'entered-in-error' }] }, clinicalStatus: active },
      {
        verificationStatus: { coding: [{ system: eie.system, _code: { id: 'x' } }] },
        clinicalStatus: active,
      },
      { clinicalStatus: active },
    ];
    for (const node of nodes) {
      const expected = fhirpathVerdict(node, 'Condition', con5, { resourceType: 'Condition', ...node });
      expect({ node, verdict: shortcut?.(node) }).toEqual({ node, verdict: expected });
    }
  });

  it('see choice elements and primitive extensions as present', () => {
    const obs6 = compileShortcut('Observation', 'dataAbsentReason.empty() or value.empty()');
    expect(obs6?.({ dataAbsentReason: { text: 'x' }, valueString: 'a' })).toBe(false);
    expect(obs6?.({ dataAbsentReason: { text: 'x' }, _valueString: { extension: [] } })).toBe(false);
    expect(obs6?.({ dataAbsentReason: { text: 'x' } })).toBe(true);
    const qty3 = compileShortcut('Quantity', 'code.empty() or system.exists()');
    expect(qty3?.({ code: 'mg', _system: { id: 'x' } })).toBe(true);
    expect(qty3?.({ code: 'mg' })).toBe(false);
  });
});
