/**
 * Every error-level invariant of the R4 definitions is evaluated or listed with the reason it is not
 * (conformance-rules.html#constraints): the official examples (hl7.fhir.r4.examples, up to 25 of each type)
 * run through the R4 definitions of their types, and no constraint reports "could not be evaluated"; the examples that break an
 * invariant are the ones checked by hand and listed here with the reason.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from '@jest/globals';
import fhirpath from 'fhirpath';
import r4model from 'fhirpath/fhir-context/r4';
import { loadR4Definitions, R4_PACKAGE_DIR } from '../../../server/fhir/definitions.js';
import { SKIPPED_CONSTRAINT_REASONS } from '../../../server/fhir/profiles/invariants.js';
import { createConformanceServices } from '../../../server/fhir/profiles/setup.js';

const defs = loadR4Definitions();
const PER_TYPE = 25;

/** Official examples that break an R4 invariant (checked by hand against the R4 text). */
const KNOWN_BROKEN: Record<string, { files: string[]; reason: string }> = {
  'bdl-7': {
    files: ['Bundle-dataelements.json'],
    reason: 'entries repeat a fullUrl (e.g. de-Quantity.value) without distinct meta.versionId',
  },
  'sdf-4': {
    files: [
      'StructureDefinition-Definition.json',
      'StructureDefinition-Event.json',
      'StructureDefinition-FiveWs.json',
      'StructureDefinition-Request.json',
    ],
    reason: 'logical models that are not abstract and have no baseDefinition',
  },
};

describe('the R4 error-level constraints', () => {
  test('each compiles with fhirpath.js, or is skipped with its reason', () => {
    const failures: string[] = [];
    let n = 0;
    for (const sd of [...defs.resources.values(), ...defs.types.values()]) {
      for (const ed of sd.snapshot?.element ?? []) {
        for (const c of ed.constraint ?? []) {
          if (c.severity !== 'error' || !c.expression || c.key in SKIPPED_CONSTRAINT_REASONS) continue;
          n++;
          try {
            fhirpath.compile({ base: ed.path, expression: c.expression }, r4model);
          } catch (err) {
            failures.push(`${c.key} at ${ed.path}: ${(err as Error).message}`);
          }
        }
      }
    }
    expect(n).toBeGreaterThan(300);
    expect(failures).toEqual([]);
  });

  test('the skipped ones are listed with why', () => {
    expect(Object.keys(SKIPPED_CONSTRAINT_REASONS).sort()).toEqual([
      'dom-2',
      'dom-4',
      'dom-5',
      'ele-1',
      'ext-1',
      'txt-1',
      'txt-2',
    ]);
    for (const reason of Object.values(SKIPPED_CONSTRAINT_REASONS)) expect(reason.length).toBeGreaterThan(40);
  });
});

test('on every official example, each invariant is evaluated; only the hand-checked examples break one', () => {
  const conformance = createConformanceServices(defs);
  // Every type's examples, at most PER_TYPE of each (the thousands of CodeSystems, ValueSets, SearchParameters
  // and StructureDefinitions carry the same few invariants), and the hand-checked ones.
  const all = readdirSync(R4_PACKAGE_DIR)
    .filter((f) => /^[A-Z][A-Za-z]+-.+\.json$/.test(f))
    .sort();
  const known = new Set(Object.values(KNOWN_BROKEN).flatMap((k) => k.files));
  const perType = new Map<string, number>();
  const files = all.filter((f) => {
    const type = f.slice(0, f.indexOf('-'));
    const n = (perType.get(type) ?? 0) + 1;
    perType.set(type, n);
    return n <= PER_TYPE || known.has(f);
  });
  expect(perType.size).toBeGreaterThanOrEqual(140);
  expect(files.length).toBeGreaterThan(800);
  const unevaluated: string[] = [];
  const broken: Record<string, string[]> = {};
  for (const file of files) {
    const resource = JSON.parse(readFileSync(path.join(R4_PACKAGE_DIR, file), 'utf8')) as Record<
      string,
      unknown
    >;
    for (const issue of conformance.profiles.validateBase(resource)) {
      const text = issue.diagnostics ?? '';
      if (/could not be evaluated/.test(text)) unevaluated.push(`${file}: ${text}`);
      const failed = /^Constraint (\S+) failed/.exec(text);
      if (failed && issue.severity === 'error') (broken[failed[1]] ??= []).push(file);
    }
  }
  expect(unevaluated).toEqual([]);
  expect(broken).toEqual(Object.fromEntries(Object.entries(KNOWN_BROKEN).map(([k, v]) => [k, v.files])));
});
