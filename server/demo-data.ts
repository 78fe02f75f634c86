/**
 * Loads the demo practice (fixtures/demo-practice.json) into an empty store at start, once: a marker
 * document records that it was loaded, so deleting demo resources later does not bring them back.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Bundle, Resource } from 'fhir/r4.js';
import type { FhirServices } from './fhir/services.js';
import type { StoredDocument } from './storage/document-collection.js';

export const DEMO_PRACTICE_FILE = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  'fixtures',
  'demo-practice.json',
);

const SYSTEM_COLLECTION = 'system';
const MARKER_ID = 'demo-data-loaded';

/** Reads the demo practice bundle's resources. */
export function demoResources(file = DEMO_PRACTICE_FILE): Resource[] {
  const bundle = JSON.parse(readFileSync(file, 'utf8')) as Bundle;
  return (bundle.entry ?? []).flatMap((e) => (e.resource ? [e.resource] : []));
}

/**
 * Loads the demo practice unless it was loaded before; returns how many resources were written.
 * Each resource is validated like any client write; an invalid fixture stops the start.
 */
export async function loadDemoData(services: FhirServices, file = DEMO_PRACTICE_FILE): Promise<number> {
  const system = services.store.aux<StoredDocument>(SYSTEM_COLLECTION);
  if (await system.findOne({ _id: MARKER_ID })) return 0;
  const resources = demoResources(file);
  for (const r of resources) {
    const issues = services.validate(r, r.resourceType).filter((i) => i.severity === 'error');
    if (issues.length > 0 || !r.id) {
      throw new Error(
        `Demo fixture ${r.resourceType}/${r.id} is invalid: ${JSON.stringify(issues).slice(0, 500)}`,
      );
    }
  }
  for (const r of resources)
    await services.resources.put(r.resourceType, r.id as string, r, { method: 'PUT' });
  await system.insertOne({ _id: MARKER_ID, at: services.clock().toISOString(), count: resources.length });
  return resources.length;
}
