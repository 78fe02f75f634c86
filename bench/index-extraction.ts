/**
 * Benchmark of the search registry and of index extraction on write. Prints one JSON report:
 * registry build time (definitions already loaded) and µs per extractIndex call for typical resources.
 * Run: npx tsx bench/index-extraction.ts
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Resource } from 'fhir/r4.js';
import { loadR4Definitions, R4_PACKAGE_DIR } from '../server/fhir/definitions.js';
import { extractIndex } from '../server/fhir/search/extract.js';
import { buildSearchRegistry, type SearchRegistry } from '../server/fhir/search/registry.js';

const EXAMPLES: Record<string, string> = {
  Condition: 'Condition-example.json',
  Encounter: 'Encounter-example.json',
  CarePlan: 'CarePlan-example.json',
  Patient: 'Patient-example.json',
  Observation: 'Observation-example.json',
  'Observation (blood pressure, composites)': 'Observation-blood-pressure.json',
};

/** Reads one official example. */
function example(file: string): Resource {
  return JSON.parse(readFileSync(path.join(R4_PACKAGE_DIR, file), 'utf8')) as Resource;
}

/** Median µs per extraction over several timed rounds after a warm-up. */
function microsPerExtraction(registry: SearchRegistry, resource: Resource): number {
  const stamped = { ...resource, meta: { ...resource.meta, lastUpdated: '2024-05-01T10:00:00.000Z' } };
  for (let i = 0; i < 2000; i++) extractIndex(registry, stamped);
  const rounds: number[] = [];
  for (let round = 0; round < 7; round++) {
    const n = 2000;
    const start = performance.now();
    for (let i = 0; i < n; i++) extractIndex(registry, stamped);
    rounds.push(((performance.now() - start) * 1000) / n);
  }
  rounds.sort((a, b) => a - b);
  return Number(rounds[3].toFixed(1));
}

/** Runs the benchmark and prints the report. */
function main(): void {
  const t0 = performance.now();
  const definitions = loadR4Definitions();
  const loadMs = performance.now() - t0;
  const t1 = performance.now();
  const registry = buildSearchRegistry(definitions);
  const buildMs = performance.now() - t1;
  let params = 0;
  let supported = 0;
  for (const type of registry.resourceTypes) {
    for (const p of registry.params(type)) {
      params++;
      if (p.supported) supported++;
    }
  }
  const extractionMicros: Record<string, number> = {};
  for (const [name, file] of Object.entries(EXAMPLES))
    extractionMicros[name] = microsPerExtraction(registry, example(file));
  const report = {
    node: process.version,
    definitionsLoadMs: Number(loadMs.toFixed(1)),
    registryBuildMs: Number(buildMs.toFixed(1)),
    registryParams: params,
    registrySupported: supported,
    extractionMicros,
  };
  console.log(JSON.stringify(report, null, 2));
}

main();
