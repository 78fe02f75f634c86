/** Shared pieces of the benchmarks: child processes on 127.0.0.1 and autocannon runs. */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type autocannonType from 'autocannon';

const require = createRequire(import.meta.url);
const autocannon = require('autocannon') as typeof autocannonType;

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The server's entry point. */
export const SERVER_ENTRY = 'server/main.ts';

/**
 * The Node flags `npm start` gives the server (package.json `start`, between `node` and `--import`), so that a
 * benchmark measures the server as it is run.
 */
export function serverNodeFlags(): string[] {
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
    scripts: { start: string };
  };
  const words = pkg.scripts.start.split(/\s+/);
  const end = words.indexOf('--import');
  return end < 0 ? [] : words.slice(1, end).filter((w) => w.startsWith('--'));
}

/** Node arguments for `entry`: the server gets the flags of `npm start` before `extra`. */
export function nodeArgsFor(entry: string, extra: string[]): string[] {
  return entry === SERVER_ENTRY ? [...serverNodeFlags(), ...extra] : extra;
}

/**
 * Spawns a TypeScript entry point with tsx (after `nodeArgs`; the server also gets the flags of `npm start`)
 * and resolves once `ready` matches its stdout.
 */
export function spawnTs(
  entry: string,
  env: Record<string, string>,
  ready: RegExp,
  nodeArgs: string[] = [],
): Promise<{ child: ChildProcess; match: RegExpExecArray }> {
  const child = spawn(process.execPath, [...nodeArgsFor(entry, nodeArgs), '--import', 'tsx', entry], {
    cwd: ROOT,
    // The server runs with its demo clients (the benchmarks take demo tokens) unless `env` says otherwise.
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', DEMO: 'true', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = ready.exec(out);
      if (m) resolve({ child, match: m });
    });
    child.on('exit', (code) => reject(new Error(`${entry} exited with ${code}: ${out}`)));
  });
}

/** A Backend Services token of the demo EHR client (demo-only secret) from a server whose FHIR base is `base`. */
export async function demoToken(base: string): Promise<string> {
  const tokenUrl = `${new URL(base).origin}/auth/token`;
  const res = await fetch(tokenUrl, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from('demo-ehr:demo-ehr-demo-secret').toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: 'grant_type=client_credentials&scope=system%2F*.cruds',
  });
  const body = (await res.json()) as { access_token?: string };
  if (!body.access_token) throw new Error(`no token from ${tokenUrl}: ${res.status}`);
  return body.access_token;
}

/** Stops a child process and waits for it to exit. */
export async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

/** Summary of one autocannon run. */
export interface LoadResult {
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  errors: number;
  non2xx: number;
  /** Status and body start of the first non-2xx answer, when there was one. */
  firstFailure?: string;
}

/** Runs autocannon against 127.0.0.1 only; `paths` are requested in turn, each with `headers`. */
export async function load(opts: {
  url: string;
  connections: number;
  seconds: number;
  paths?: string[];
  headers?: Record<string, string>;
}): Promise<LoadResult> {
  if (!/^http:\/\/127\.0\.0\.1:/.test(opts.url)) throw new Error('load goes to 127.0.0.1 only');
  let firstFailure: string | undefined;
  const onResponse = (status: number, body: string) => {
    if (status >= 300 && !firstFailure) firstFailure = `${status} ${body.slice(0, 200)}`;
  };
  const r = await autocannon({
    url: opts.url,
    connections: opts.connections,
    duration: opts.seconds,
    headers: opts.headers,
    requests: opts.paths?.map((path) => ({
      method: 'GET' as const,
      path,
      headers: opts.headers,
      onResponse,
    })),
  });
  const lat = r.latency as unknown as Record<string, number>;
  return {
    rps: Math.round(r.requests.average),
    p50: lat.p50,
    p95: lat.p97_5 ?? lat.p95,
    p99: lat.p99,
    errors: r.errors + r.timeouts,
    non2xx: r.non2xx,
    ...(firstFailure ? { firstFailure } : {}),
  };
}
