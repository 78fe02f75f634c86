/**
 * System-level `$export` (Bulk Data Access IG 2.0, export.html): kick-off with `Prefer: respond-async`,
 * status polling until the manifest, download of every NDJSON file (lines counted while streaming), then
 * DELETE of the job. Reports resources/s from kick-off to the last byte.
 */
import { assertLocal, describeFailure, request } from '../support/http.js';
import { monitor, type ProcStats } from '../support/processes.js';
import { r2 } from '../support/stats.js';
import type { Target } from './target.js';

/** Outcome of one export. */
export type ExportOutcome =
  | {
      status: 'ok';
      resources: number;
      files: number;
      megabytes: number;
      seconds: number;
      resourcesPerSecond: number;
      manifestSeconds: number;
      server: ProcStats | null;
    }
  | { status: 'unavailable'; reason: string };

interface Manifest {
  output?: Array<{ type: string; url: string }>;
}

/** Polls a status URL until 200 (bounded); returns the final reply's text. */
async function poll(
  url: string,
  timeoutMs: number,
  headers: Record<string, string>,
): Promise<{ ok: true; text: string } | { ok: false; reason: string }> {
  const t0 = performance.now();
  while (performance.now() - t0 < timeoutMs) {
    const r = await request(url, { headers });
    if (r.status === 200) return { ok: true, text: r.text };
    if (r.status !== 202) return { ok: false, reason: `status ${describeFailure(r)}` };
    const retry = Number(r.headers.get('retry-after'));
    await new Promise((res) =>
      setTimeout(res, Number.isFinite(retry) && retry > 0 ? Math.min(retry * 1000, 250) : 100),
    );
  }
  return { ok: false, reason: `no manifest after ${timeoutMs} ms` };
}

/** Streams one file and counts its lines and bytes. */
async function download(
  url: string,
  headers: Record<string, string>,
): Promise<{ lines: number; bytes: number }> {
  assertLocal(url);
  const res = await fetch(url, {
    headers: { ...headers, accept: 'application/fhir+ndjson' },
    signal: AbortSignal.timeout(600_000),
  });
  if (res.status !== 200 || !res.body) throw new Error(`download ${url}: ${res.status}`);
  let lines = 0;
  let bytes = 0;
  for await (const chunk of res.body) {
    const buf = chunk as Uint8Array;
    bytes += buf.length;
    for (let i = 0; i < buf.length; i++) if (buf[i] === 10) lines++;
  }
  return { lines, bytes };
}

/** Runs one system-level export. */
export async function exportScenario(t: Target, timeoutMs = 20 * 60_000): Promise<ExportOutcome> {
  const mon = monitor(t.pid);
  const t0 = performance.now();
  const kick = await request(`${t.base}/$export`, { headers: { ...t.headers, prefer: 'respond-async' } });
  const statusUrl = kick.headers.get('content-location');
  if (kick.status !== 202 || !statusUrl) {
    mon.stop();
    return { status: 'unavailable', reason: `kick-off ${describeFailure(kick)}` };
  }
  assertLocal(statusUrl);
  const done = await poll(statusUrl, timeoutMs, t.headers);
  if (!done.ok) {
    mon.stop();
    return { status: 'unavailable', reason: done.reason };
  }
  const manifestSeconds = (performance.now() - t0) / 1000;
  const outputs = (JSON.parse(done.text) as Manifest).output ?? [];
  let resources = 0;
  let bytes = 0;
  for (const o of outputs) {
    const d = await download(o.url, t.headers);
    resources += d.lines;
    bytes += d.bytes;
  }
  const seconds = (performance.now() - t0) / 1000;
  const server = mon.stop();
  await request(statusUrl, { method: 'DELETE', headers: t.headers }).catch(() => undefined);
  return {
    status: 'ok',
    resources,
    files: outputs.length,
    megabytes: r2(bytes / 1e6),
    seconds: r2(seconds),
    resourcesPerSecond: Math.round(resources / seconds),
    manifestSeconds: r2(manifestSeconds),
    server,
  };
}
