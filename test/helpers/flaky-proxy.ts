/**
 * A small HTTP proxy on 127.0.0.1 in front of a test server that can delay requests or answer them itself
 * (503, 401, ...), to test how a client copes with slow and failing servers. It counts what it saw.
 */
import { createServer, request, type IncomingMessage, type Server } from 'node:http';

/** What the proxy does with a request: pass it on (after `delayMs`) or answer it with `status`. */
export type ProxyAction =
  { pass: true; delayMs?: number } | { status: number; headers?: Record<string, string> };

/** A running proxy. */
export interface FlakyProxy {
  /** The proxy's URL for `path` on the target (e.g. the FHIR base). */
  url(path: string): string;
  /** Requests seen per `METHOD path`, in order, with what was done. */
  readonly log: Array<{ method: string; path: string; answered: number | 'passed' }>;
  /** Replaces the decision function. */
  setPolicy(policy: (req: IncomingMessage) => ProxyAction): void;
  close(): Promise<void>;
}

/** Starts a proxy to `target` (an origin such as http://127.0.0.1:1234) that passes everything until told otherwise. */
export async function startFlakyProxy(target: string): Promise<FlakyProxy> {
  const to = new URL(target);
  let policy: (req: IncomingMessage) => ProxyAction = () => ({ pass: true });
  const log: FlakyProxy['log'] = [];
  const server: Server = createServer((req, res) => {
    const action = policy(req);
    const entry = { method: req.method ?? '', path: req.url ?? '', answered: 'passed' as number | 'passed' };
    log.push(entry);
    if ('status' in action) {
      entry.answered = action.status;
      req.resume();
      req.on('end', () => {
        res.writeHead(action.status, { 'content-type': 'application/fhir+json', ...action.headers });
        res.end(
          JSON.stringify({
            resourceType: 'OperationOutcome',
            issue: [{ severity: 'error', code: 'transient', diagnostics: `proxy answered ${action.status}` }],
          }),
        );
      });
      return;
    }
    const forward = () => {
      const upstream = request(
        {
          host: to.hostname,
          port: to.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: to.host },
        },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      upstream.on('error', () => res.destroy());
      req.pipe(upstream);
    };
    if (action.delayMs) setTimeout(forward, action.delayMs);
    else forward();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    log,
    setPolicy: (p) => (policy = p),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
