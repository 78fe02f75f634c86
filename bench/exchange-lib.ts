/**
 * Shared steps of the exchange benchmarks (bench/ingest.ts, bench/export.ts): write a Synthea-shaped
 * population to files, start the server in its own process on 127.0.0.1, run the importer as its own
 * process, run a Bulk Data $export and check its NDJSON (counts per type, references resolved).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { Bundle, FhirResource } from 'fhir/r4.js';
import { bearer, DEMO_EHR, getBackendToken } from '../test/helpers/smart-token.js';
import { countByType, syntheaBundles } from '../test/helpers/synthea-bundles.js';
import { ROOT, SERVER_ENTRY, spawnTs } from './lib.js';

/** Writes one transaction Bundle file per patient; returns the resources per type. */
export function writePopulation(dir: string, patients: number): Record<string, number> {
  mkdirSync(dir, { recursive: true });
  const bundles = syntheaBundles({ patients });
  bundles.forEach((b, i) =>
    writeFileSync(path.join(dir, `patient-${String(i).padStart(4, '0')}.json`), JSON.stringify(b)),
  );
  return countByType(bundles);
}

/** The distinct resources per type (by fullUrl) in a directory of Synthea Bundle files (.json, .json.gz). */
export function syntheaCounts(dir: string): Record<string, number> {
  const ids: Record<string, Set<string>> = {};
  for (const f of readdirSync(dir).filter((n) => /\.json(\.gz)?$/.test(n))) {
    const raw = readFileSync(path.join(dir, f));
    const b = JSON.parse((f.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8')) as Bundle;
    for (const e of b.entry ?? []) {
      const type = e.resource?.resourceType;
      if (type) (ids[type] ??= new Set()).add(e.fullUrl ?? `${type}/${e.resource?.id}`);
    }
  }
  return Object.fromEntries(Object.entries(ids).map(([t, s]) => [t, s.size]));
}

/** A free TCP port on 127.0.0.1 (the server's base URL must name its real port: status and file URLs use it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Starts server/main.ts on a fresh data directory; resolves with the child and the FHIR base. */
export async function startServer(
  dataDir: string,
  env: Record<string, string> = {},
  nodeArgs: string[] = [],
): Promise<{ child: ChildProcess; base: string }> {
  const port = String(await freePort());
  const s = await spawnTs(
    SERVER_ENTRY,
    { PORT: port, DATA_DIR: dataDir, DEMO_DATA: 'false', BODY_LIMIT: '64mb', LOG_LEVEL: 'warn', ...env },
    /FHIR base:\s+(\S+)/,
    nodeArgs,
  );
  return { child: s.child, base: s.match[1] };
}

/** Authorization for the server process, which enforces SMART: a fresh Backend Services token (demo EHR client). */
export async function authHeaders(base: string): Promise<Record<string, string>> {
  return bearer(await getBackendToken(base));
}

/**
 * CPU seconds (user + system) a process has used so far, from /proc (Linux); null elsewhere. On a shared
 * machine, resources per server CPU second is the figure that does not depend on what else runs.
 */
export function cpuSeconds(pid: number | undefined): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks (USER_HZ = 100)
  } catch {
    return null;
  }
}

/**
 * CPU seconds per thread of a process so far (Linux /proc/<pid>/task): the main thread (`main`, its tid is
 * the pid) and the others summed by thread name (libuv's thread pool, V8's helpers, worker threads).
 * Threads that already ended are missing here (their time still counts in `cpuSeconds`).
 */
export function threadCpuSeconds(pid: number | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = tid === String(pid) ? 'main' : stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out[name] = (out[name] ?? 0) + (Number(fields[11]) + Number(fields[12])) / 100;
    } catch {
      // the thread ended meanwhile
    }
  }
  return out;
}

/** The importer's JSON summary. */
export interface ImporterSummary {
  files: number;
  filesFailed: number;
  resources: number;
  seconds: number;
  resourcesPerSecond: number;
  /** Requests retried and tokens obtained (the importer renews its token during long loads). */
  retries?: number;
  tokens?: number;
  errors: unknown[];
}

/**
 * Runs `scripts/import.ts --json` in its own process against `base`, as a user runs it: it gets (and
 * renews) its own tokens with the demo EHR client's credentials from the environment.
 */
export async function runImporter(
  base: string,
  inputs: string[],
  concurrency = 4,
  extraArgs: string[] = [],
): Promise<ImporterSummary> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'scripts/import.ts',
      '--base',
      base,
      '--json',
      '--no-progress',
      '--concurrency',
      String(concurrency),
      ...extraArgs,
      ...inputs,
    ],
    {
      cwd: ROOT,
      env: { ...process.env, FHIR_CLIENT_ID: DEMO_EHR.clientId, FHIR_CLIENT_SECRET: DEMO_EHR.secret },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve, reject) => {
    child.on('exit', () => {
      try {
        resolve(JSON.parse(out.trim().split('\n').pop() ?? '') as ImporterSummary);
      } catch {
        reject(new Error(`importer output: ${out}`));
      }
    });
  });
}

/** A Bulk Data manifest (export.html#response---complete-status). */
export interface Manifest {
  transactionTime: string;
  output: Array<{ type: string; url: string; count?: number }>;
}

/** Kicks off `[base]/$export`, polls until complete; returns the manifest and the seconds it took. */
export async function bulkExport(
  base: string,
): Promise<{ manifest: Manifest; seconds: number; polls: number }> {
  const auth = await authHeaders(base);
  const t0 = performance.now();
  const kick = await fetch(`${base}/$export`, {
    headers: { ...auth, accept: 'application/fhir+json', prefer: 'respond-async' },
  });
  const status = kick.headers.get('content-location');
  if (kick.status !== 202 || !status) throw new Error(`kick-off answered ${kick.status}`);
  for (let polls = 1; ; polls++) {
    const r = await fetch(status, { headers: auth });
    if (r.status === 200)
      return { manifest: (await r.json()) as Manifest, seconds: (performance.now() - t0) / 1000, polls };
    if (r.status !== 202) throw new Error(`status answered ${r.status}`);
    await new Promise((res) => setTimeout(res, 20));
  }
}

/** Downloads every output file; returns resources per type and references that resolve to no exported resource. */
export async function checkOutput(
  manifest: Manifest,
  auth: Record<string, string>,
): Promise<{ counts: Record<string, number>; references: number; unresolved: string[]; seconds: number }> {
  const t0 = performance.now();
  const counts: Record<string, number> = {};
  const ids = new Set<string>();
  const refs: string[] = [];
  const collect = (v: unknown, key: string): void => {
    if (typeof v === 'string' && key === 'reference') refs.push(v);
    else if (Array.isArray(v)) v.forEach((x) => collect(x, key));
    else if (typeof v === 'object' && v !== null) for (const [k, x] of Object.entries(v)) collect(x, k);
  };
  for (const item of manifest.output) {
    const text = await (await fetch(item.url, { headers: auth })).text();
    for (const line of text.split('\n')) {
      if (!line) continue;
      const r = JSON.parse(line) as FhirResource;
      counts[r.resourceType] = (counts[r.resourceType] ?? 0) + 1;
      ids.add(`${r.resourceType}/${r.id}`);
      collect(r, '');
    }
  }
  // `#id` points into the resource's own `contained` (Synthea's Claims and EOBs): not a stored resource.
  const unresolved = refs.filter((r) => !r.startsWith('#') && !ids.has(r));
  return { counts, references: refs.length, unresolved, seconds: (performance.now() - t0) / 1000 };
}

/** Resources per type as the server counts them (`_summary=count`). */
export async function serverCounts(base: string, types: string[]): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  const auth = await authHeaders(base);
  for (const t of types) {
    const r = (await (await fetch(`${base}/${t}?_count=0`, { headers: auth })).json()) as { total?: number };
    out[t] = r.total ?? -1;
  }
  return out;
}
