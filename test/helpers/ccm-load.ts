/**
 * Loads CCM scenario resources into a test app: through the FHIR REST API (PUT, validated like any client
 * write) or straight into the resource store (for large datasets).
 */
import type { Express } from 'express';
import type { FhirResource } from 'fhir/r4.js';
import request from 'supertest';
import type { FhirServices } from '../../server/fhir/services.js';

/** PUTs every resource through /fhir; throws with the OperationOutcome when a write is refused. */
export async function putAll(app: Express, resources: FhirResource[]): Promise<void> {
  for (const r of resources) {
    const res = await request(app)
      .put(`/fhir/${r.resourceType}/${r.id}`)
      .set('content-type', 'application/fhir+json')
      .send(r);
    if (res.status !== 200 && res.status !== 201) {
      throw new Error(
        `PUT ${r.resourceType}/${r.id}: ${res.status} ${JSON.stringify(res.body).slice(0, 800)}`,
      );
    }
  }
}

/** Writes resources straight into the versioned resource store (no HTTP, no validation). */
export async function storeAll(services: FhirServices, resources: FhirResource[]): Promise<void> {
  for (const r of resources)
    await services.resources.put(r.resourceType, r.id as string, r, { method: 'PUT' });
}

/** The first parameter of a name in a Parameters body. */
export interface Param {
  name: string;
  part?: Param[];
  valueString?: string;
  valueCode?: string;
  valueBoolean?: boolean;
  valueInteger?: number;
  valueCoding?: { system?: string; code?: string };
  valueReference?: { reference?: string };
}

/** Every parameter (or part) named `name`. */
export function params(owner: { parameter?: Param[]; part?: Param[] }, name: string): Param[] {
  return (owner.parameter ?? owner.part ?? []).filter((p) => p.name === name);
}

/** The one parameter (or part) named `name`; throws when absent. */
export function param(owner: { parameter?: Param[]; part?: Param[] }, name: string): Param {
  const p = params(owner, name)[0];
  if (!p) throw new Error(`no parameter ${name}`);
  return p;
}

/** `code×units` of every line of a month summary. */
export function lineCodes(summary: { parameter?: Param[] }): string[] {
  return params(summary, 'line').map(
    (l) => `${param(l, 'code').valueCoding?.code}×${param(l, 'units').valueInteger}`,
  );
}

/** name → passed of every gate of a month summary. */
export function gates(summary: { parameter?: Param[] }): Record<string, boolean> {
  return Object.fromEntries(
    params(summary, 'gate').map((g) => [param(g, 'name').valueCode, param(g, 'passed').valueBoolean]),
  );
}
