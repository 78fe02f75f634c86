/**
 * Checks of a resource body before any write: present, of the URL's type, with the URL's id where the
 * interaction says so (R4 http.html#update), and structurally valid R4.
 */
import type { OperationOutcomeIssue, Resource } from 'fhir/r4.js';
import type { FhirRequest } from '../request.js';
import { badRequest, invalidResource } from '../outcomes.js';
import type { FhirServices } from '../services.js';

/** The warnings found when a body was validated (an unknown profile, say), by the body object checked. */
const warnings = new WeakMap<object, OperationOutcomeIssue[]>();

/** The non-error issues of the body `checkResource` accepted (empty when none or not checked). */
export function warningsOf(body: unknown): OperationOutcomeIssue[] {
  return typeof body === 'object' && body !== null ? (warnings.get(body) ?? []) : [];
}

/** Returns the request body as a resource of `type`, or throws a 400 OperationOutcome naming the problem. */
export function resourceBody(
  services: FhirServices,
  req: FhirRequest,
  type: string,
  urlId?: string,
): Resource {
  return checkResource(services, req.body, type, urlId);
}

/** Checks a parsed body (a request's, or a Bundle entry's resource) as `resourceBody` does. */
export function checkResource(services: FhirServices, body: unknown, type: string, urlId?: string): Resource {
  if (body === undefined) throw badRequest(`A ${type} resource body is required`, undefined, 'required');
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw badRequest('The body must be a JSON object holding a FHIR resource', undefined, 'structure');
  }
  const rt = (body as { resourceType?: unknown }).resourceType;
  if (rt !== type) {
    throw badRequest(
      `resourceType ${JSON.stringify(rt)} does not match the URL's type ${type}`,
      'resourceType',
      'invalid',
    );
  }
  if (urlId !== undefined) {
    const id = (body as { id?: unknown }).id;
    if (id === undefined)
      throw badRequest(`The body of an update must carry id ${urlId}`, `${type}.id`, 'required');
    if (id !== urlId)
      throw badRequest(
        `The body's id ${JSON.stringify(id)} does not match the URL's id ${urlId}`,
        `${type}.id`,
      );
  }
  const issues = services.validate(body, type);
  if (issues.some((i) => i.severity === 'error' || i.severity === 'fatal')) throw invalidResource(issues);
  const warned = issues.filter((i) => i.severity === 'warning');
  if (warned.length > 0) warnings.set(body, warned);
  return body as Resource;
}
