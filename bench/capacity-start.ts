/**
 * Start-up of the capacity benchmark: the time from spawn to the first 200 on `/fhir/metadata` (polled every
 * 20 ms), for the plain `npm start` command line (npm, its shell and the server, stopped as one process
 * group) and for the capacity server (bench/capacity-server.ts: the same Node flags plus the event-loop
 * monitor), which also runs in a process group of its own, its log written to a file: a pipe to this
 * process, busy generating load, could fill and block the server's synchronous log writes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { logLine } from './capacity-probe.js';
import { serverNodeFlags, ROOT } from './lib.js';
import { request } from './support/http.js';
import { freePort } from './support/processes.js';

/** Process groups started here (npm start, the capacity server), stopped on exit whatever happens. */
const groups = new Set<number>();

/** The poll interval of `/fhir/metadata`. */
const POLL_MS = 20;

/** The environment of every server of the benchmark (the data already loaded, demo clients for a token). */
export function serverEnv(dataDir: string, port: number): Record<string, string> {
  return {
    DATA_DIR: dataDir,
    PORT: String(port),
    HOST: '127.0.0.1',
    DEMO: 'true',
    DEMO_DATA: 'false',
    LOG_LEVEL: 'info',
  };
}

/** Polls `url` every 20 ms until it answers 200; resolves with ms since `t0` (bounded). */
export async function firstOk(url: string, t0: number, timeoutMs = 300_000): Promise<number> {
  while (performance.now() - t0 < timeoutMs) {
    try {
      const r = await request(url, { timeoutMs: 10_000 });
      if (r.status === 200) return Math.round(performance.now() - t0);
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  throw new Error(`${url} did not answer 200 within ${timeoutMs} ms`);
}

/** Whether any process of group `pgid` is alive. */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Sends `signal` to group `pgid` when it is still there. */
function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // already gone
  }
}

/** Stops a process group started here: SIGTERM, SIGKILL after `graceMs`, until none of it is left. */
async function stopGroup(pgid: number, graceMs = 30_000): Promise<void> {
  signalGroup(pgid, 'SIGTERM');
  const t0 = performance.now();
  while (groupAlive(pgid)) {
    if (performance.now() - t0 > graceMs) signalGroup(pgid, 'SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  groups.delete(pgid);
}

/** Stops every group still running (on an error or Ctrl-C). */
export async function stopGroups(): Promise<void> {
  await Promise.all([...groups].map((g) => stopGroup(g, 5_000)));
}

/** One start of `npm start`. */
export interface NpmStart {
  /** Spawn to the first 200 on /fhir/metadata. */
  metadataMs: number;
  /** Where the time went, from the server's `ready` log line (null when it has none). */
  ready: ReadyLine | null;
}

/** The server's `ready` log line, placed in its start. */
export interface ReadyLine {
  /** Its own measure: main() to the app attached (after its modules loaded, before the warm-up). */
  serverMs: number;
  /** Spawn to the line (module loading, then `serverMs`; with npm start also npm's own start). */
  spawnToReadyMs: number;
  /** The line to the first 200 on /fhir/metadata: what held the first request after the app was attached. */
  readyToMetadataMs: number;
}

/** The server's `ready` line in `logFile`, placed against the spawn instant and the first 200. */
export function readyLine(logFile: string, spawnedAt: number, metadataMs: number): ReadyLine | null {
  const o = logLine(logFile, 'ready');
  if (!o) return null;
  const spawnToReadyMs = Number(o.time) - spawnedAt;
  return { serverMs: Number(o.ms), spawnToReadyMs, readyToMetadataMs: metadataMs - spawnToReadyMs };
}

/** One `npm start` on `dataDir` (its stdout into `logFile`), until /fhir/metadata answers 200; stops it. */
export async function npmStart(dataDir: string, logFile: string): Promise<NpmStart> {
  const port = await freePort();
  const log = openSync(logFile, 'w');
  const spawnedAt = Date.now();
  const t0 = performance.now();
  const child: ChildProcess = spawn('npm', ['start'], {
    cwd: ROOT,
    env: { ...process.env, ...serverEnv(dataDir, port) },
    detached: true, // its own process group: npm, sh and node are stopped together
    stdio: ['ignore', log, 'inherit'],
  });
  closeSync(log);
  const pgid = child.pid as number;
  groups.add(pgid);
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) => reject(new Error(`npm start exited with ${code} before answering`))),
  );
  let metadataMs: number;
  try {
    metadataMs = await Promise.race([firstOk(`http://127.0.0.1:${port}/fhir/metadata`, t0), exited]);
  } finally {
    exited.catch(() => undefined);
    await stopGroup(pgid);
  }
  // read once the server has exited: its log is then complete
  return { metadataMs, ready: readyLine(logFile, spawnedAt, metadataMs) };
}

/** The capacity server, started; `metadataMs` is spawn to the first 200 on /fhir/metadata. */
export interface CapacityServer {
  child: ChildProcess;
  pid: number;
  base: string;
  origin: string;
  metadataMs: number;
  spawnedAt: number;
  /** The server's stdout (its log), a file. */
  logFile: string;
  /** The pipe the server writes its probes to. */
  probePipe: Readable;
}

/**
 * Starts bench/capacity-server.ts on `dataDir` with the Node flags and environment of `npm start`, its own
 * process group, stdout (its log) into `logFile` and the probe lines on a pipe of their own (fd 3).
 */
export async function startCapacityServer(dataDir: string, logFile: string): Promise<CapacityServer> {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const log = openSync(logFile, 'w');
  const spawnedAt = Date.now();
  const t0 = performance.now();
  const child = spawn(
    process.execPath,
    [...serverNodeFlags(), '--import', 'tsx', 'bench/capacity-server.ts'],
    {
      cwd: ROOT,
      env: { ...process.env, ...serverEnv(dataDir, port), CAPACITY_PROBE_FD: '3' },
      detached: true,
      stdio: ['ignore', log, 'inherit', 'pipe'],
    },
  );
  closeSync(log);
  const pid = child.pid as number;
  groups.add(pid);
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) =>
      reject(new Error(`the capacity server exited with ${code} (log: ${logFile})`)),
    ),
  );
  exited.catch(() => undefined);
  const metadataMs = await Promise.race([firstOk(`${origin}/fhir/metadata`, t0), exited]);
  return {
    child,
    pid,
    base: `${origin}/fhir`,
    origin,
    metadataMs,
    spawnedAt,
    logFile,
    probePipe: child.stdio[3] as Readable,
  };
}

/** Stops the capacity server (SIGTERM: the server's graceful shutdown) and waits until it is gone. */
export function stopCapacityServer(server: CapacityServer): Promise<void> {
  return stopGroup(server.pid);
}
