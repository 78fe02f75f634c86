/** The importer's pure decisions: which failures are retried and how long it waits; which entries get stable ids. */
import { describe, expect, test } from '@jest/globals';
import type { Bundle, Observation, Organization } from 'fhir/r4.js';
import {
  backoffMs,
  retryableStatus,
  retryAfterMs,
  transientNetworkError,
} from '../../../scripts/import/retry.js';
import { NetworkError, withRetries } from '../../../scripts/import/http.js';
import { stableIdOf, withStableIds } from '../../../scripts/import/stable-ids.js';

describe('retry policy', () => {
  test('408, 429 and server errors other than 501 are retried; every other 4xx is final', () => {
    const retried = [400, 401, 403, 404, 408, 409, 412, 413, 422, 429, 500, 501, 502, 503, 504].filter(
      retryableStatus,
    );
    expect(retried).toEqual([408, 429, 500, 502, 503, 504]);
  });

  test('Retry-After as seconds or an HTTP-date; absent or unreadable is null', () => {
    expect(retryAfterMs('3')).toBe(3000);
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterMs('Thu, 01 Jan 2026 00:00:05 GMT', now)).toBe(5000);
    expect(retryAfterMs('Wed, 31 Dec 2025 23:59:00 GMT', now)).toBe(0);
    expect(retryAfterMs(null)).toBeNull();
    expect(retryAfterMs('soon')).toBeNull();
  });

  test('backoff doubles its ceiling per attempt, is jittered below it and capped; Retry-After wins but is capped', () => {
    const policy = { retries: 6, baseMs: 500, capMs: 30_000 };
    expect([1, 2, 3, 4, 7, 12].map((a) => backoffMs(policy, a, null, () => 1))).toEqual([
      500, 1000, 2000, 4000, 30_000, 30_000,
    ]);
    expect(backoffMs(policy, 3, null, () => 0.25)).toBe(500);
    expect(backoffMs(policy, 1, 2000)).toBe(2000);
    expect(backoffMs(policy, 1, 3_600_000)).toBe(30_000);
  });

  test('connection failures and timeouts are transient; other thrown errors are not', () => {
    const refused = Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
    expect(transientNetworkError(refused)).toBe(true);
    expect(transientNetworkError(new DOMException('timed out', 'TimeoutError'))).toBe(true);
    expect(transientNetworkError(new TypeError('x is not a function'))).toBe(false);
    expect(transientNetworkError(new DOMException('aborted', 'AbortError'))).toBe(false);
  });
});

describe('sending with retries', () => {
  const policy = { retries: 3, baseMs: 1, capMs: 5 };
  const refused = () => Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });

  test('a refused connection and a 503 are sent again; the 200 after them is returned with the attempts', async () => {
    const stats = { retries: 0 };
    const replies: Array<() => Response> = [
      () => {
        throw refused();
      },
      () => new Response('busy', { status: 503, headers: { 'retry-after': '0' } }),
      () => new Response('{}', { status: 200 }),
    ];
    const { res, attempts } = await withRetries(policy, stats, async () =>
      (replies.shift() as () => Response)(),
    );
    expect([res.status, attempts, stats.retries]).toEqual([200, 3, 2]);
  });

  test('a 400 is returned at once; connection failures beyond the retries end in a NetworkError', async () => {
    const stats = { retries: 0 };
    let calls = 0;
    const bad = await withRetries(policy, stats, async () => (calls++, new Response('', { status: 400 })));
    expect([bad.res.status, bad.attempts, calls]).toEqual([400, 1, 1]);
    const down = withRetries(policy, stats, async () => {
      throw refused();
    });
    await expect(down).rejects.toThrow(NetworkError);
    await expect(down).rejects.toMatchObject({ attempts: 4, message: 'ECONNREFUSED (after 4 attempts)' });
    expect(stats.retries).toBe(3);
  });
});

describe('stable ids for urn:uuid creates', () => {
  const uuid = '3F2504E0-4F89-41D3-9A0C-0305E82C3301';
  const bundle: Bundle = {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [
      {
        fullUrl: `urn:uuid:${uuid}`,
        resource: { resourceType: 'Patient', id: 'ignored' },
        request: { method: 'POST', url: 'Patient' },
      },
      {
        fullUrl: 'urn:uuid:9b1f3c1e-0000-4000-8000-000000000001',
        resource: {
          resourceType: 'Observation',
          status: 'final',
          code: {},
          subject: { reference: `urn:uuid:${uuid}` },
        } as Observation,
        request: { method: 'POST', url: 'Observation' },
      },
      {
        fullUrl: 'urn:uuid:9b1f3c1e-0000-4000-8000-000000000002',
        resource: { resourceType: 'Organization', name: 'A' } as Organization,
        request: { method: 'POST', url: 'Organization', ifNoneExist: 'identifier=x|1' },
      },
      {
        fullUrl: 'urn:oid:1.2.3',
        resource: { resourceType: 'Practitioner' },
        request: { method: 'POST', url: 'Practitioner' },
      },
      { resource: { resourceType: 'Practitioner' }, request: { method: 'POST', url: 'Practitioner' } },
      {
        fullUrl: 'urn:uuid:9b1f3c1e-0000-4000-8000-000000000003',
        resource: { resourceType: 'Practitioner', id: 'p1' },
        request: { method: 'PUT', url: 'Practitioner/p1' },
      },
    ],
  };

  test('a POST with a urn:uuid fullUrl becomes PUT [type]/<uuid, lower case>; its fullUrl and the references to it stay', () => {
    const out = withStableIds(bundle);
    const [p, o] = out.entry ?? [];
    const id = uuid.toLowerCase();
    expect(p).toEqual({
      fullUrl: `urn:uuid:${uuid}`,
      resource: { resourceType: 'Patient', id },
      request: { method: 'PUT', url: `Patient/${id}` },
    });
    expect(o.request).toEqual({ method: 'PUT', url: 'Observation/9b1f3c1e-0000-4000-8000-000000000001' });
    expect(o.resource).toMatchObject({ subject: { reference: `urn:uuid:${uuid}` } });
  });

  test('conditional creates, non-uuid fullUrls, entries without fullUrl and PUTs are kept as they are', () => {
    const out = withStableIds(bundle);
    expect(out.entry?.slice(2)).toEqual(bundle.entry?.slice(2));
    expect(bundle.entry?.slice(2).map(stableIdOf)).toEqual([null, null, null, null]);
  });

  test('the input Bundle is not changed', () => {
    const before = JSON.stringify(bundle);
    withStableIds(bundle);
    expect(JSON.stringify(bundle)).toBe(before);
  });
});
