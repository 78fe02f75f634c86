/**
 * Writing the ccm-fhir side of a link (#18) through the server's own FHIR layer (fhir/router.ts), as a
 * system client confined to the one type it writes: validation, indexing, versioning, the conditional key
 * that makes racing creates one resource (http.html#cond-update, fhir/interactions/write.ts) and the access
 * checks all apply. An existing link is merged (identifiers and extensions of other systems kept) and left
 * alone when nothing changed, so an unchanged EHR record adds no version.
 */
import type { Identifier, Resource } from 'fhir/r4.js';
import { randomUUID } from 'node:crypto';
import { accessContext } from '../../fhir/access/context.js';
import type { FhirRequest, FhirResponse } from '../../fhir/request.js';
import { FhirError } from '../../fhir/outcomes.js';
import { route } from '../../fhir/router.js';
import type { FhirServices } from '../../fhir/services.js';
import { identifierToken, mergeMirror, mirrorFingerprint } from './identity.js';

/** The id of the linked resource and whether this call created or changed it. */
export interface LinkResult {
  id: string;
  change: 'created' | 'updated' | 'unchanged';
}

/** A FHIR request made by the linking service itself, with system scopes on `type` only. */
function internalRequest(
  clientId: string,
  type: string,
  method: string,
  query: Array<[string, string]>,
  body?: Resource,
): FhirRequest {
  return {
    method,
    segments: [type],
    query,
    headers: body ? { 'content-type': 'application/fhir+json' } : {},
    ...(body ? { body, contentType: 'application/fhir+json' } : {}),
    requestId: `ehr-link-${randomUUID()}`,
    auth: accessContext({
      jti: `ehr-link-${randomUUID()}`,
      client_id: clientId,
      sub: clientId,
      scope: `system/${type}.crus`,
    }),
  };
}

/** The FHIR layer refused a link's write (e.g. the EHR's record does not validate): status and reason. */
export class LinkRefused extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'LinkRefused';
  }
}

/** Runs one internal request; a refusal (FhirError or a non-2xx reply) becomes LinkRefused. */
async function run(services: FhirServices, req: FhirRequest, what: string): Promise<FhirResponse> {
  let res: FhirResponse;
  try {
    res = await route(services, req);
  } catch (err) {
    if (err instanceof FhirError) throw new LinkRefused(err.status, `${what}: ${err.message.slice(0, 300)}`);
    throw err;
  }
  if (res.status >= 200 && res.status < 300) return res;
  throw new LinkRefused(res.status, `${what} answered ${res.status}`);
}

/**
 * Creates or refreshes the resource of `type` linked by `identifier` with the content `mirror` (no id):
 * search, merge, skip when unchanged, else conditional update on the identifier.
 */
export async function upsertLinked(
  services: FhirServices,
  clientId: string,
  type: string,
  identifier: Identifier,
  mirror: Resource,
): Promise<LinkResult> {
  const criteria: Array<[string, string]> = [['identifier', identifierToken(identifier)]];
  const found = (await run(services, internalRequest(clientId, type, 'GET', criteria), `search ${type}`))
    .body as { entry?: Array<{ resource?: Resource }> };
  const existing = (found.entry ?? []).map((e) => e.resource).filter((r): r is Resource => !!r);
  const body = existing.length === 1 ? mergeMirror(existing[0], mirror) : mirror;
  if (existing.length === 1 && mirrorFingerprint(existing[0]) === mirrorFingerprint(body))
    return { id: existing[0].id as string, change: 'unchanged' };
  const res = await run(services, internalRequest(clientId, type, 'PUT', criteria, body), `link ${type}`);
  const written = res.body as Resource | undefined;
  const id = written?.id ?? /\/([^/]+)\/_history\//.exec(res.headers.location ?? '')?.[1];
  if (!id) throw new Error(`conditional update ${type} returned no id`);
  return { id, change: res.status === 201 ? 'created' : 'updated' };
}
