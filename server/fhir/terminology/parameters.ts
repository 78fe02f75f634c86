/**
 * Input parameters of an operation (R4 operations.html#request): from the URL for GET (and alongside a
 * POST), from a Parameters resource in a POST body. Values keep their JSON form.
 */
import type { Coding, Parameters, ParametersParameter, Resource } from 'fhir/r4.js';
import { badRequest } from '../outcomes.js';
import type { FhirRequest } from '../request.js';

/** Read access to an operation's input parameters. */
export interface OperationInput {
  /** A primitive parameter as a string (valueCode, valueUri, valueString, valueInteger, ...). */
  text(name: string): string | undefined;
  /** A resource parameter (POST only). */
  resource(name: string): Resource | undefined;
  /** A Coding parameter (POST only). */
  coding(name: string): Coding | undefined;
  /** A CodeableConcept parameter's codings (POST only). */
  codings(name: string): Coding[] | undefined;
}

function primitiveOf(p: ParametersParameter): string | undefined {
  for (const [k, v] of Object.entries(p)) {
    if (k.startsWith('value') && (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean'))
      return String(v);
  }
  return undefined;
}

/** True when the body is a Parameters resource. */
export function isParameters(body: unknown): body is Parameters {
  return (
    typeof body === 'object' &&
    body !== null &&
    (body as { resourceType?: unknown }).resourceType === 'Parameters'
  );
}

/** The input of an operation request; a POST body must be a Parameters resource unless `bodyIsResource`. */
export function operationInput(req: FhirRequest): OperationInput {
  const params = isParameters(req.body) ? (req.body.parameter ?? []) : [];
  if (req.method === 'POST' && req.body !== undefined && !isParameters(req.body)) {
    throw badRequest('The body of this operation must be a Parameters resource', undefined, 'invalid');
  }
  const find = (name: string) => params.find((p) => p.name === name);
  return {
    text(name) {
      const p = find(name);
      if (p) return primitiveOf(p);
      return req.query.find(([k]) => k === name)?.[1];
    },
    resource: (name) => find(name)?.resource,
    coding: (name) => find(name)?.valueCoding,
    codings: (name) => find(name)?.valueCodeableConcept?.coding,
  };
}

/** An integer parameter within bounds, or a 400 naming it. */
export function integerParam(input: OperationInput, name: string, dflt: number, max: number): number {
  const raw = input.text(name);
  if (raw === undefined) return dflt;
  if (!/^\d+$/.test(raw) || Number(raw) > max)
    throw badRequest(`${name} must be an integer from 0 to ${max}`, name, 'invalid');
  return Number(raw);
}
