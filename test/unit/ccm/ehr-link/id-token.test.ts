/** The trusted issuers' key sets: cached, fetched again for an unknown kid (at most once a minute), unreachable -> 503. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import { SignJWT, type JSONWebKeySet } from 'jose';
import { OAuthError } from '../../../../server/auth/errors.js';
import { generateSigningKeys, type SigningKeys } from '../../../../server/auth/keys.js';
import { IssuerKeys, verifyEhrIdToken } from '../../../../server/ccm/ehr-link/id-token.js';
import type { EhrIssuer } from '../../../../server/ccm/ehr-link/issuers.js';

let server: Server;
let served: JSONWebKeySet = { keys: [] };
let fetches = 0;
let origin: string;

beforeAll(async () => {
  server = createServer((_req, res) => {
    fetches++;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(served));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function issuer(): EhrIssuer {
  return {
    name: 'e',
    iss: `${origin}/fhir`,
    jwksUri: `${origin}/jwks`,
    idTokenAudience: 'app',
    writeBack: false,
  };
}

function idToken(key: SigningKeys, now: number): Promise<string> {
  return new SignJWT({ fhirUser: 'Practitioner/p1' })
    .setProtectedHeader({ alg: key.alg, kid: key.kid })
    .setIssuer(`${origin}/fhir`)
    .setSubject('u1')
    .setAudience('app')
    .setIssuedAt(now)
    .setExpirationTime(now + 300)
    .sign(key.privateKey);
}

describe('issuer keys', () => {
  it('caches the key set and fetches it again for a new kid at most once a minute', async () => {
    const first = await generateSigningKeys();
    const rotated = await generateSigningKeys();
    served = { keys: [first.publicJwk] };
    let t = Date.now();
    const keys = new IssuerKeys(() => new Date(t));
    const now = () => Math.floor(t / 1000);
    fetches = 0;
    const verified = await verifyEhrIdToken([issuer()], keys, await idToken(first, now()), new Date(t));
    expect(verified.user).toEqual({ type: 'Practitioner', id: 'p1' });
    await verifyEhrIdToken([issuer()], keys, await idToken(first, now()), new Date(t));
    expect(fetches).toBe(1);
    served = { keys: [first.publicJwk, rotated.publicJwk] };
    t += 10_000;
    await expect(
      verifyEhrIdToken([issuer()], keys, await idToken(rotated, now()), new Date(t)),
    ).rejects.toThrow(/No key of the EHR matches/);
    expect(fetches).toBe(1);
    t += 61_000;
    const after = await verifyEhrIdToken([issuer()], keys, await idToken(rotated, now()), new Date(t));
    expect(after.claims.sub).toBe('u1');
    expect(fetches).toBe(2);
  });

  it('answers temporarily_unavailable when the key set cannot be fetched', async () => {
    const key = await generateSigningKeys();
    const down: EhrIssuer = { ...issuer(), jwksUri: 'http://127.0.0.1:9/jwks' };
    const err = await verifyEhrIdToken(
      [down],
      new IssuerKeys(),
      await idToken(key, Math.floor(Date.now() / 1000)),
      new Date(),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OAuthError);
    expect({ error: (err as OAuthError).error, status: (err as OAuthError).status }).toEqual({
      error: 'temporarily_unavailable',
      status: 503,
    });
  });
});
