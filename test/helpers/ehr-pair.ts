/**
 * Two in-process servers for the EHR-link tests (#18): A, a ccm-fhir app listening on 127.0.0.1 that plays
 * the EHR (its own signing key, the demo practice, a registration of the clinician app), and B, ccm-fhir
 * trusting A in its EHR issuers and driven with supertest. A's id_tokens and access tokens are signed
 * directly with A's key (the launch flow itself is tested elsewhere); `claims` overrides make bad ones.
 */
import { createServer, type Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import { SignJWT, type JWK } from 'jose';
import type { ClientRegistration } from '../../server/auth/clients.js';
import { generateSigningKeys, type SigningKeys } from '../../server/auth/keys.js';
import type { SmartAccess } from '../../server/auth/smart-access.js';
import type { EhrIssuer } from '../../server/ccm/ehr-link/issuers.js';
import { exchangeForm } from '../../server/ccm/ehr-link/exchange-client.js';
import { makeSmartTestApp, mintToken, request, type SmartTestApp } from './smart-app.js';

/** The clinician app's client_id at the EHR (A): the audience of A's id_tokens. */
export const APP_AT_EHR = 'ccm-app-at-ehr';

/** A listening EHR (A). */
export interface Ehr {
  app: SmartTestApp;
  server: Server;
  /** A's FHIR base (`http://127.0.0.1:{port}/fhir`). */
  base: string;
  origin: string;
  keys: SigningKeys;
  close(): Promise<void>;
}

/**
 * Listens on a free 127.0.0.1 port first, then builds a SMART test app with that base URL (its own key) and
 * attaches it; the bulk export runner runs while it listens.
 */
export async function startListening(
  opts: { extraClients?: ClientRegistration[]; ehrIssuers?: EhrIssuer[] } = {},
): Promise<Ehr> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const origin = `http://127.0.0.1:${port}`;
  const keys = await generateSigningKeys();
  const app = await makeSmartTestApp({ baseUrl: `${origin}/fhir`, keys, ...opts });
  server.on('request', app.app);
  app.bulk.start();
  return {
    app,
    server,
    base: `${origin}/fhir`,
    origin,
    keys,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await app.bulk.stop();
      await app.close();
    },
  };
}

/** A listening EHR (A). */
export function startEhr(extraClients: ClientRegistration[] = []): Promise<Ehr> {
  return startListening({ extraClients });
}

/** B's issuer entry for A (keys by URL unless `jwks` is given). */
export function issuerFor(ehr: Pick<Ehr, 'base' | 'origin'>, over: Partial<EhrIssuer> = {}): EhrIssuer {
  return {
    name: 'clinic',
    iss: ehr.base,
    jwksUri: `${ehr.origin}/auth/jwks`,
    idTokenAudience: APP_AT_EHR,
    writeBack: false,
    ...over,
  };
}

/** An id_token as A issues it to the app for `fhirUser` (relative to A's base); `claims` replace any. */
export async function ehrIdToken(
  ehr: Pick<Ehr, 'base' | 'keys'>,
  opts: { fhirUser?: string; claims?: Record<string, unknown>; key?: SigningKeys } = {},
): Promise<string> {
  const key = opts.key ?? ehr.keys;
  const now = Math.floor(Date.now() / 1000);
  const claims = {
    iss: ehr.base,
    sub: 'okonkwo',
    aud: APP_AT_EHR,
    iat: now,
    exp: now + 300,
    fhirUser: `${ehr.base}/${opts.fhirUser ?? 'Practitioner/demo-pr-1'}`,
    ...opts.claims,
  };
  return new SignJWT(claims)
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' })
    .sign(key.privateKey);
}

/** An access token of A for the app, confined to `patient` at A. */
export function ehrAccessToken(smart: SmartAccess, patient: string): Promise<string> {
  return mintToken(smart, 'launch openid fhirUser patient/*.rs user/Practitioner.rs', {
    patient,
    clientId: APP_AT_EHR,
  });
}

/** B (ccm-fhir) trusting `issuers`, with the demo practice and the app's exchange client. */
export function startCcm(
  issuers: EhrIssuer[],
  extraClients: ClientRegistration[] = [],
): Promise<SmartTestApp> {
  return makeSmartTestApp({ ehrIssuers: issuers, extraClients });
}

/** The exchange form for B's token endpoint, signed with the app's key at B unless `key` is given. */
export async function exchangeBody(
  ccm: SmartTestApp,
  input: { idToken: string; actorToken: string; ehrPatient: string; scope?: string },
  over: { clientId?: string; key?: JWK } = {},
): Promise<string> {
  const link = ccm.smart.ehrLink;
  if (!link) throw new Error('B trusts no EHR');
  const form = await exchangeForm({
    tokenEndpoint: `${ccm.smart.authBase}/token`,
    clientId: over.clientId ?? link.appClient.clientId,
    privateJwk: over.key ?? link.appClient.privateJwk,
    ...input,
  });
  return form.toString();
}

/** Posts an exchange to B; the supertest response. */
export async function exchange(
  ccm: SmartTestApp,
  input: { idToken: string; actorToken: string; ehrPatient: string; scope?: string },
  over: { clientId?: string; key?: JWK } = {},
) {
  return request(ccm.app)
    .post('/auth/token')
    .type('form')
    .send(await exchangeBody(ccm, input, over));
}

/** A unique suffix for test data. */
export function unique(): string {
  return randomUUID().slice(0, 8);
}
