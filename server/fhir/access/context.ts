/**
 * The access context of an authenticated FHIR request: who the token was issued to, what it grants and
 * its launch context (SMART App Launch 2.2 scopes-and-launch-context.html, token-introspection.html).
 */
import { resourceScopes, splitScopes, type ResourceScope } from './scopes.js';

/** What a verified access token allows, attached to the FhirRequest by the HTTP layer. */
export interface AccessContext {
  /** The token's `jti`. */
  tokenId: string;
  clientId: string;
  /** The token's `sub`: a practice user, or the client itself for Backend Services. */
  subject: string;
  /** Every granted scope, as granted. */
  scopes: string[];
  /** The clinical scopes among them, parsed. */
  grants: ResourceScope[];
  /** Launch context: the patient in context (id only), when there is one. */
  patient?: string;
  encounter?: string;
  /** The user's FHIR resource (`Practitioner/id`), when known. */
  fhirUser?: string;
}

/** Builds an access context from token claims. */
export function accessContext(claims: {
  jti: string;
  client_id: string;
  sub: string;
  scope: string;
  patient?: string;
  encounter?: string;
  fhirUser?: string;
}): AccessContext {
  const scopes = splitScopes(claims.scope);
  return {
    tokenId: claims.jti,
    clientId: claims.client_id,
    subject: claims.sub,
    scopes,
    grants: resourceScopes(scopes),
    patient: claims.patient,
    encounter: claims.encounter,
    fhirUser: claims.fhirUser,
  };
}
