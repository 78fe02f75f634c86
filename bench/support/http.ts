/** Small HTTP helpers of the benchmarks; every request goes to 127.0.0.1 only. */

/** A reply read fully. */
export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  ms: number;
}

/** Throws unless the URL is on 127.0.0.1. */
export function assertLocal(url: string): void {
  if (!/^http:\/\/127\.0\.0\.1:\d+\//.test(url))
    throw new Error(`benchmarks only talk to 127.0.0.1, not ${url}`);
}

const RESET = /ECONNRESET|EPIPE|UND_ERR_SOCKET|other side closed/;

/**
 * One request with a bounded wait; never throws on HTTP errors, only on connection failures and timeouts.
 * A GET or DELETE that meets a connection reset (a kept-alive socket the server closed, typically after
 * its event loop was blocked past the keep-alive timeout) is sent once more on a new connection.
 */
export async function request(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string; timeoutMs?: number } = {},
): Promise<Reply> {
  try {
    return await requestOnce(url, init);
  } catch (err) {
    const idempotent = (init.method ?? 'GET') === 'GET' || init.method === 'DELETE';
    if (!idempotent || !RESET.test(String(err))) throw err;
    return requestOnce(url, init);
  }
}

async function requestOnce(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string; timeoutMs?: number } = {},
): Promise<Reply> {
  assertLocal(url);
  const t0 = performance.now();
  try {
    const res = await fetch(url, {
      method: init.method ?? 'GET',
      headers: { accept: 'application/fhir+json', ...init.headers },
      body: init.body,
      signal: AbortSignal.timeout(init.timeoutMs ?? 120_000),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, text, ms: performance.now() - t0 };
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const why = cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err));
    throw new Error(`${init.method ?? 'GET'} ${url.slice(0, 200)} failed: ${why}`, { cause: err });
  }
}

/** POSTs FHIR JSON. */
export function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  return request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/fhir+json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** Polls `url` until it answers 200 (bounded); returns the milliseconds waited. */
export async function waitFor200(url: string, timeoutMs = 60_000): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; performance.now() - t0 < timeoutMs && i < 100_000; i++) {
    try {
      const r = await request(url, { timeoutMs: 5000 });
      if (r.status === 200) return performance.now() - t0;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`${url} did not answer 200 within ${timeoutMs} ms`);
}

/** A short description of a failed reply (status and the first diagnostics). */
export function describeFailure(r: Reply): string {
  let detail = r.text.slice(0, 200);
  try {
    const body = JSON.parse(r.text) as { issue?: Array<{ diagnostics?: string }> };
    detail = body.issue?.[0]?.diagnostics ?? detail;
  } catch {
    // not JSON
  }
  return `${r.status} ${detail}`.slice(0, 240);
}
