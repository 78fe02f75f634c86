/**
 * Transaction ingest (R4 http.html#transaction): generated patient bundles POSTed to [base] with
 * `Prefer: return=minimal`, by 1 or N concurrent clients; reports resources/s and per-bundle latency. The
 * created ids are recorded for the later scenarios.
 */
import type { Bundle } from 'fhir/r4.js';
import type { GenContext } from '../../scripts/generate/context.js';
import { bundles, recordResponse, type DatasetIds } from '../support/dataset.js';
import { describeFailure, postJson } from '../support/http.js';
import { monitor, type ProcStats } from '../support/processes.js';
import { latencySummary, r2 } from '../support/stats.js';

/** Result of one ingest phase. */
export interface IngestResult {
  connections: number;
  bundles: number;
  resources: number;
  seconds: number;
  resourcesPerSecond: number;
  bundlesPerSecond: number;
  p50: number;
  p95: number;
  p99: number;
  failures: number;
  /** POSTs retried after a connection reset (the request may not have reached the server). */
  retries: number;
  firstFailure?: string;
  server: ProcStats | null;
}

/** POSTs the practice bundle; null when the transaction endpoint works, else why not. */
export async function probeTransactions(
  base: string,
  ctx: GenContext,
  ids: DatasetIds,
  headers: Record<string, string>,
): Promise<string | null> {
  const first = bundles(ctx, 0, 0).next();
  if (first.done) return 'no practice bundle';
  const r = await postJson(base, first.value.bundle, { ...headers, prefer: 'return=minimal' });
  if (r.status !== 200) return describeFailure(r);
  recordResponse(ids, JSON.parse(r.text) as Bundle, false);
  return null;
}

/** POSTs patient bundles `from..to` with `connections` concurrent clients. */
export async function ingest(
  base: string,
  pid: number | undefined,
  ctx: GenContext,
  ids: DatasetIds,
  range: { from: number; to: number; connections: number; headers: Record<string, string> },
): Promise<IngestResult> {
  const source = bundles(ctx, range.from, range.to);
  const latencies: number[] = [];
  let resources = 0;
  let failures = 0;
  let retries = 0;
  let firstFailure: string | undefined;
  const mon = monitor(pid);
  const t0 = performance.now();
  const worker = async () => {
    for (let item = source.next(); !item.done; item = source.next()) {
      const { bundle, ccm } = item.value;
      const body = JSON.stringify(bundle);
      const post = () => postJson(base, body, { ...range.headers, prefer: 'return=minimal' });
      const r = await post().catch((err: unknown) => {
        if (!/ECONNRESET|UND_ERR_SOCKET|other side closed/.test(String(err))) throw err;
        retries++;
        return post();
      });
      latencies.push(r.ms);
      if (r.status === 200) {
        resources += recordResponse(ids, JSON.parse(r.text) as Bundle, ccm);
      } else {
        failures++;
        firstFailure ??= describeFailure(r);
      }
    }
  };
  await Promise.all(Array.from({ length: range.connections }, worker));
  const seconds = (performance.now() - t0) / 1000;
  return {
    connections: range.connections,
    bundles: latencies.length,
    resources,
    seconds: r2(seconds),
    resourcesPerSecond: Math.round(resources / seconds),
    bundlesPerSecond: r2(latencies.length / seconds),
    ...latencySummary(latencies),
    failures,
    retries,
    ...(firstFailure ? { firstFailure } : {}),
    server: mon.stop(),
  };
}
