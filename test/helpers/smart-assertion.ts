/** Client assertions for SMART Backend Services tests (client-confidential-asymmetric.html). */
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';

/** A client key pair with its public JWK (kid set). */
export interface ClientKey {
  alg: 'RS384' | 'ES384';
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

/** Generates an RS384 or ES384 key pair. */
export async function clientKey(
  alg: 'RS384' | 'ES384',
  kid = `${alg}-${randomUUID().slice(0, 8)}`,
): Promise<ClientKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg };
  return { alg, kid, privateKey, publicJwk };
}

/** Signs an authentication JWT; `over` replaces claims or header values (to make bad ones). */
export async function assertion(
  key: ClientKey,
  clientId: string,
  aud: string,
  over: { claims?: Record<string, unknown>; header?: Record<string, unknown>; expIn?: number } = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const claims = {
    iss: clientId,
    sub: clientId,
    aud,
    jti: randomUUID(),
    exp: now + (over.expIn ?? 240),
    ...over.claims,
  };
  return new SignJWT(claims)
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT', ...over.header })
    .sign(key.privateKey);
}

export const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
