/**
 * One load run with autocannon against 127.0.0.1. Each connection gets its own request script (so that
 * e.g. an update can carry the ETag its previous response returned); latencies are measured per request
 * and per request kind, and the server process is sampled (CPU, RSS) during the run.
 */
import { createRequire } from 'node:module';
import type autocannonType from 'autocannon';
import { assertLocal } from './http.js';
import { monitor, type ProcStats } from './processes.js';
import { latencySummary, r2 } from './stats.js';

const require = createRequire(import.meta.url);
const autocannon = require('autocannon') as typeof autocannonType;

/** One request of a script. */
export interface RequestSpec {
  /** Groups latencies in the report (e.g. the search query). */
  kind: string;
  method?: 'GET' | 'POST' | 'PUT';
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

/** What one connection sends: `next()` before each request, `onResponse` after each reply. */
export interface ConnectionScript {
  next(): RequestSpec;
  onResponse?(status: number, body: string, headers: Record<string, string | string[]>): void;
}

/** Latency and status of one request kind. */
export interface KindResult {
  requests: number;
  p50: number;
  p95: number;
  p99: number;
  non2xx: number;
}

/** Summary of one load run. */
export interface LoadResult {
  connections: number;
  seconds: number;
  requests: number;
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  errors: number;
  non2xx: number;
  statuses: Record<string, number>;
  byKind: Record<string, KindResult>;
  server: ProcStats | null;
}

/** Options of a load run. */
export interface LoadOptions {
  /** Origin, e.g. http://127.0.0.1:1234 */
  origin: string;
  connections: number;
  seconds: number;
  /** A script per connection (called once per connection). */
  script: (connection: number) => ConnectionScript;
  /** Server process to sample. */
  pid?: number;
  /** Headers sent with every request (e.g. Authorization). */
  headers?: Record<string, string>;
}

interface Samples {
  all: number[];
  byKind: Map<string, { lat: number[]; non2xx: number }>;
}

function record(samples: Samples, kind: string, ms: number, status: number): void {
  samples.all.push(ms);
  let k = samples.byKind.get(kind);
  if (!k) samples.byKind.set(kind, (k = { lat: [], non2xx: 0 }));
  k.lat.push(ms);
  if (status < 200 || status > 299) k.non2xx++;
}

function connectionRequests(
  script: ConnectionScript,
  samples: Samples,
  common: Record<string, string>,
): autocannonType.Request[] {
  let sentAt = 0;
  let kind = '';
  let first = true;
  return [
    {
      setupRequest: (req) => {
        const spec = script.next();
        kind = spec.kind;
        sentAt = performance.now();
        return {
          ...req,
          method: spec.method ?? 'GET',
          path: spec.path,
          headers: { accept: 'application/fhir+json', ...common, ...(spec.headers ?? {}) },
          ...(spec.body !== undefined ? { body: spec.body } : {}),
        };
      },
      onResponse: (status, body, _context, headers) => {
        // The first request of a connection also waited for the connection: not a latency sample.
        if (!first) record(samples, kind, performance.now() - sentAt, status);
        first = false;
        script.onResponse?.(status, body, headers as Record<string, string | string[]>);
      },
    },
  ];
}

/** Runs autocannon for `seconds` with `connections` connections and summarises the run. */
export async function runLoad(opts: LoadOptions): Promise<LoadResult> {
  assertLocal(`${opts.origin}/`);
  const samples: Samples = { all: [], byKind: new Map() };
  let next = 0;
  const mon = monitor(opts.pid);
  const result = await autocannon({
    url: opts.origin,
    connections: opts.connections,
    duration: opts.seconds,
    timeout: 30,
    setupClient: (client) =>
      client.setRequests(connectionRequests(opts.script(next++), samples, opts.headers ?? {})),
  });
  const server = mon.stop();
  const requests = result.requests.total;
  const byKind: Record<string, KindResult> = {};
  for (const [kind, k] of [...samples.byKind.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    byKind[kind] = { requests: k.lat.length, ...latencySummary(k.lat), non2xx: k.non2xx };
  }
  return {
    connections: opts.connections,
    seconds: opts.seconds,
    requests,
    rps: r2(requests / result.duration),
    ...latencySummary(samples.all),
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    statuses: statusCounts(result),
    byKind,
    server,
  };
}

function statusCounts(result: autocannonType.Result): Record<string, number> {
  const out: Record<string, number> = {};
  const stats = (result as unknown as { statusCodeStats?: Record<string, { count: number }> })
    .statusCodeStats;
  for (const [code, v] of Object.entries(stats ?? {})) out[code] = v.count;
  return out;
}
