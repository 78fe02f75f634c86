/**
 * The SMART servers the clinician app may be launched from, each with the app's client registration there
 * (SMART App Launch 2.2 app-launch.html "Register the app"): a client id and either a client secret
 * (`client_secret_basic`) or a private JWK (`private_key_jwt`, RS384/ES384). An `iss` not listed here is
 * refused before any redirect, so the app never sends a user to an unknown authorization server.
 */
import { readFileSync } from 'node:fs';

/** The app's registration at one issuer. */
export interface IssuerClient {
  /** The FHIR base URL the EHR sends as `iss` (no trailing slash). */
  iss: string;
  clientId: string;
  clientSecret?: string;
  /** A private JWK with `kid` and `alg` (RS384 or ES384) for private_key_jwt. */
  privateJwk?: { kid: string; alg: 'RS384' | 'ES384' } & Record<string, unknown>;
  /** The scopes asked for on an EHR launch (a standalone launch asks `launch/patient` instead of `launch`). */
  scope: string;
  /** A label for the standalone launch page. */
  name: string;
  /**
   * Whether the monthly note may be written back to this EHR as a DocumentReference (`write_back`; default
   * false). ccm-fhir's own trusted-issuer configuration (EHR_ISSUERS_FILE `write_back`), when it lists the
   * issuer, has the last word.
   */
  writeBack?: boolean;
}

/**
 * The scopes the app needs: launch context, the user's identity, read/write in the patient's record, the
 * practitioners (billing practitioner choices) and creating the Provenance of care plan versions (R4 keeps
 * a Provenance out of the patient compartment unless the Patient itself is its target).
 */
export const DEFAULT_SCOPE =
  'launch openid fhirUser online_access patient/*.cruds user/Practitioner.rs user/Provenance.c';

/** The demo registration of this project's app at its own server (fixtures/clients.json; demo only). */
export const DEMO_CLIENT = { clientId: 'ccm-app', clientSecret: 'ccm-app-demo-secret' } as const;

/** An issuer URL in the form the app compares: no trailing slash. */
export function normaliseIss(iss: string): string {
  return iss.trim().replace(/\/+$/, '');
}

/** A configuration error in the app's clients file. */
export class IssuerConfigError extends Error {
  constructor(message: string) {
    super(`SMART_APP_CLIENTS_FILE: ${message}`);
    this.name = 'IssuerConfigError';
  }
}

/** One entry of the clients file, checked. */
function parseEntry(raw: unknown, i: number): IssuerClient {
  const e = (raw ?? {}) as Record<string, unknown>;
  const where = `issuers[${i}]`;
  if (typeof e.iss !== 'string' || !/^https?:\/\//.test(e.iss))
    throw new IssuerConfigError(`${where}.iss must be an http(s) FHIR base URL`);
  if (typeof e.client_id !== 'string' || e.client_id === '')
    throw new IssuerConfigError(`${where}.client_id is required`);
  const secret = typeof e.client_secret === 'string' ? e.client_secret : undefined;
  const jwk = e.private_jwk as IssuerClient['privateJwk'] | undefined;
  if (!secret && !jwk) throw new IssuerConfigError(`${where} needs client_secret or private_jwk`);
  if (jwk && (typeof jwk.kid !== 'string' || !['RS384', 'ES384'].includes(jwk.alg)))
    throw new IssuerConfigError(`${where}.private_jwk needs a kid and alg RS384 or ES384`);
  if (e.write_back !== undefined && typeof e.write_back !== 'boolean')
    throw new IssuerConfigError(`${where}.write_back must be true or false`);
  return {
    iss: normaliseIss(e.iss),
    clientId: e.client_id,
    ...(secret ? { clientSecret: secret } : {}),
    ...(jwk && !secret ? { privateJwk: jwk } : {}),
    scope: typeof e.scope === 'string' && e.scope.trim() ? e.scope.trim() : DEFAULT_SCOPE,
    name: typeof e.name === 'string' && e.name ? e.name : normaliseIss(e.iss),
    ...(typeof e.write_back === 'boolean' ? { writeBack: e.write_back } : {}),
  };
}

/** Parses the clients file's text: `{"issuers": [{iss, client_id, client_secret | private_jwk, scope?, name?}]}`. */
export function parseIssuerClients(text: string): IssuerClient[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new IssuerConfigError('not valid JSON');
  }
  const list = (doc as { issuers?: unknown }).issuers;
  if (!Array.isArray(list)) throw new IssuerConfigError('expected {"issuers": [...]}');
  return list.map(parseEntry);
}

/** The issuers the app accepts: the clients file's, plus this server with the demo client when enabled. */
export function loadIssuerClients(opts: {
  file?: string;
  ownIss: string;
  demoClients: boolean;
}): IssuerClient[] {
  const out = opts.file ? parseIssuerClients(readFileSync(opts.file, 'utf8')) : [];
  const own = normaliseIss(opts.ownIss);
  if (opts.demoClients && !out.some((c) => c.iss === own)) {
    out.push({ iss: own, ...DEMO_CLIENT, scope: DEFAULT_SCOPE, name: 'This practice (demo client)' });
  }
  return out;
}
