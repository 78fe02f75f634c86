/**
 * Benchmark of the base R4 validator: construction time and microseconds per validation of the official
 * R4 examples of the CCM resource types. Run: `npx tsx bench/validation.ts`; prints a JSON report.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { loadR4Definitions, R4_PACKAGE_DIR } from '../server/fhir/definitions.js';
import { createBaseValidator, type BaseValidator } from '../server/fhir/validation/base-validator.js';

const TYPES = ['Condition', 'CarePlan', 'Encounter', 'Consent', 'Task'] as const;
/** One typical example per type, named for the report. */
const TYPICAL: Record<(typeof TYPES)[number], string> = {
  Condition: 'Condition-example.json',
  CarePlan: 'CarePlan-example.json',
  Encounter: 'Encounter-f001.json',
  Consent: 'Consent-consent-example-basic.json',
  Task: 'Task-example1.json',
};
const MIN_MS = 300;

function load(file: string): unknown {
  return JSON.parse(readFileSync(path.join(R4_PACKAGE_DIR, file), 'utf8'));
}

/** Mean microseconds per validation over the given resources, after a warm-up. */
function measure(validator: BaseValidator, resources: unknown[]): number {
  for (let i = 0; i < 200; i++) for (const r of resources) validator.validate(r);
  let runs = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < MIN_MS) {
    for (const r of resources) validator.validate(r);
    runs += resources.length;
    elapsed = performance.now() - start;
  }
  return Math.round((elapsed * 1000 * 100) / runs) / 100;
}

function main(): void {
  const t0 = performance.now();
  const defs = loadR4Definitions();
  const t1 = performance.now();
  const validator = createBaseValidator(defs);
  const t2 = performance.now();
  const files = readdirSync(R4_PACKAGE_DIR);
  const perType: Record<string, unknown> = {};
  for (const type of TYPES) {
    const all = files.filter((f) => f.startsWith(`${type}-`) && f.endsWith('.json')).map(load);
    const typical = load(TYPICAL[type]);
    perType[type] = {
      typicalExample: TYPICAL[type],
      typicalBytes: JSON.stringify(typical).length,
      typicalMicros: measure(validator, [typical]),
      examples: all.length,
      meanMicrosAllExamples: measure(validator, all),
      errorsInTypical: validator.validate(typical).length,
    };
  }
  const report = {
    node: process.version,
    loadDefinitionsMs: Math.round(t1 - t0),
    constructValidatorMs: Math.round((t2 - t1) * 10) / 10,
    validation: perType,
  };
  console.log(JSON.stringify(report, null, 2));
}

main();
