/**
 * The resource server's cache of verified access tokens: a token verified once is served from the cache
 * (no second signature check), yet revocation (RFC 7009 §2.1, in this process or only in the shared auth
 * state, as another server process would record it) and expiry (RFC 6750 §3.1 invalid_token) refuse it at
 * once, cached or not.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import {
  basic,
  makeSmartTestApp,
  mintToken,
  request,
  TEST_SECRET,
  testClock,
  type SmartTestApp,
} from '../helpers/smart-app.js';

let t: SmartTestApp;
const clock = testClock();
beforeAll(async () => {
  t = await makeSmartTestApp({ clock: clock.now });
});
afterAll(() => t.close());

const read = (token: string) =>
  request(t.app).get('/fhir/Patient/demo-patient-1').set('authorization', `Bearer ${token}`);
const claimsOf = (token: string) =>
  JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as { jti: string; gid: string };
const stats = () => t.smart.verified.stats();

describe('verified token cache', () => {
  test('a token is verified once, then served from the cache', async () => {
    const token = await mintToken(t.smart, 'user/*.rs');
    const before = stats();
    expect((await read(token)).status).toBe(200);
    expect((await read(token)).status).toBe(200);
    expect((await read(token)).status).toBe(200);
    const after = stats();
    expect(after.misses - before.misses).toBe(1);
    expect(after.hits - before.hits).toBe(2);
  });

  test('RFC 7009 §2.1: a cached token revoked at /auth/revoke is refused at once and leaves the cache', async () => {
    const token = await mintToken(t.smart, 'user/*.rs', { clientId: 'test-confidential' });
    expect((await read(token)).status).toBe(200);
    const size = stats().size;
    const res = await request(t.app)
      .post('/auth/revoke')
      .set('authorization', basic('test-confidential', TEST_SECRET))
      .type('form')
      .send({ token });
    expect(res.status).toBe(200);
    expect(stats().size).toBe(size - 1);
    const refused = await read(token);
    expect(refused.status).toBe(401);
    expect(refused.headers['www-authenticate']).toMatch(/error="invalid_token"/);
  });

  test('a cached token revoked only in the shared auth state (another process) is refused at once', async () => {
    const token = await mintToken(t.smart, 'user/*.rs');
    expect((await read(token)).status).toBe(200);
    const hits = stats().hits;
    await t.smart.state.set('at-revoked', claimsOf(token).jti, true, 3600);
    expect((await read(token)).status).toBe(401);
    // it was found in the cache, and refused all the same
    expect(stats().hits).toBe(hits + 1);
    expect((await read(token)).status).toBe(401);
  });

  test('a cached token whose grant was revoked in the shared auth state is refused at once', async () => {
    const token = await mintToken(t.smart, 'user/*.rs');
    expect((await read(token)).status).toBe(200);
    await t.smart.state.set('grant-revoked', claimsOf(token).gid, true, 3600);
    expect((await read(token)).status).toBe(401);
  });

  test('RFC 6750 §3.1: a cached token is refused the second it expires', async () => {
    const token = await mintToken(t.smart, 'user/*.rs', { seconds: 60 });
    expect((await read(token)).status).toBe(200);
    clock.advance(59);
    expect((await read(token)).status).toBe(200);
    const hits = stats().hits;
    clock.advance(1);
    const refused = await read(token);
    expect(refused.status).toBe(401);
    expect(refused.body.issue[0].diagnostics).toMatch(/expired/);
    expect(stats().hits).toBe(hits);
  });

  test('the cache is bounded: the oldest tokens are dropped first', async () => {
    const { VerifiedTokens } = await import('../../server/auth/verified-tokens.js');
    const cache = new VerifiedTokens(2);
    const entry = (jti: string) => ({
      claims: { jti, gid: 'g', client_id: 'c', sub: 's', scope: '', exp: 100, iat: 0 },
      context: { tokenId: jti, clientId: 'c', subject: 's', scopes: [], grants: [] },
    });
    cache.set('a', entry('a'));
    cache.set('b', entry('b'));
    cache.set('c', entry('c'));
    expect(cache.get('a', 50)).toBeUndefined();
    expect(cache.get('b', 50)?.claims.jti).toBe('b');
    expect(cache.get('c', 100)).toBeUndefined();
    expect(cache.stats().size).toBe(1);
  });
});
