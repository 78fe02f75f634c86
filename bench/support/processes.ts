/**
 * Child processes of the benchmarks (the FHIR server and the bare-Express ceiling), always on 127.0.0.1:
 * every process started here is tracked and stopped on completion, on error and on Ctrl-C, and temporary
 * directories are removed. Also samples a process's CPU time and RSS from /proc.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { nodeArgsFor, ROOT } from '../lib.js';

const children = new Set<ChildProcess>();
const tempDirs = new Set<string>();

/** A started process and what its stdout matched. */
export interface Started {
  child: ChildProcess;
  match: RegExpExecArray;
  /** Milliseconds from spawn to the ready line. */
  readyMs: number;
}

/**
 * Spawns a TypeScript entry point with tsx (the server with the flags of `npm start`); resolves when `ready`
 * matches its stdout (bounded wait).
 */
export function startTs(
  entry: string,
  env: Record<string, string>,
  ready: RegExp,
  timeoutMs = 120_000,
  nodeArgs: string[] = [],
): Promise<Started> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [...nodeArgsFor(entry, nodeArgs), '--import', 'tsx', entry], {
    cwd: ROOT,
    // The server runs with its demo clients (the benchmarks take demo tokens) unless `env` says otherwise.
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', DEMO: 'true', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stopProcess(child);
      reject(new Error(`${entry} was not ready after ${timeoutMs} ms: ${out.slice(-500)}`));
    }, timeoutMs);
    const onData = (d: Buffer) => {
      if (out.length < 64 * 1024) out += d.toString();
      const m = ready.exec(out);
      if (m) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        child.stdout?.resume(); // keep draining stdout so the child never blocks on a full pipe
        resolve({ child, match: m, readyMs: performance.now() - t0 });
      }
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${entry} exited with ${code}: ${out.slice(-2000)}`));
    });
  });
}

/** A port that is free on 127.0.0.1 right now. */
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

/** Stops a child (SIGTERM, then SIGKILL after `graceMs`) and waits for it to exit. */
export async function stopProcess(child: ChildProcess, graceMs = 30_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Registers a temporary directory to remove at exit. */
export function trackTempDir(dir: string): string {
  tempDirs.add(dir);
  return dir;
}

/** Removes a temporary directory now. */
export function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  tempDirs.delete(dir);
}

/** Stops every tracked child and removes every tracked directory. */
export async function cleanupAll(): Promise<void> {
  await Promise.all([...children].map((c) => stopProcess(c, 10_000)));
  for (const d of [...tempDirs]) removeTempDir(d);
}

/** On SIGINT/SIGTERM: clean up, then exit (130/143). */
export function installSignalCleanup(): void {
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    process.once(signal, () => {
      process.stderr.write(`\n${signal}: stopping benchmark processes\n`);
      void cleanupAll().finally(() => process.exit(code));
    });
  }
}

let clockTicks = 0;

/** Clock ticks per second of /proc/<pid>/stat times. */
function ticksPerSecond(): number {
  if (clockTicks === 0) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** CPU seconds (user + system) and resident set size of a process, from /proc. */
export function procSample(pid: number): { cpuSeconds: number; rssMb: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const cpuSeconds = (Number(fields[11]) + Number(fields[12])) / ticksPerSecond();
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return { cpuSeconds, rssMb: Math.round(rssKb / 102.4) / 10 };
}

/** CPU and memory of a process over an interval. */
export interface ProcStats {
  /** Average CPU use in percent of one core. */
  cpuPercent: number;
  rssMb: number;
  rssMaxMb: number;
}

/** Samples a process every `everyMs` until stopped. */
export function monitor(pid: number | undefined, everyMs = 500): { stop(): ProcStats | null } {
  if (pid === undefined) return { stop: () => null };
  const t0 = performance.now();
  const first = procSample(pid);
  let max = first.rssMb;
  const timer = setInterval(() => {
    try {
      max = Math.max(max, procSample(pid).rssMb);
    } catch {
      clearInterval(timer);
    }
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      try {
        const last = procSample(pid);
        const seconds = (performance.now() - t0) / 1000;
        const cpuPercent = Math.round(((last.cpuSeconds - first.cpuSeconds) / seconds) * 1000) / 10;
        return { cpuPercent, rssMb: last.rssMb, rssMaxMb: Math.max(max, last.rssMb) };
      } catch {
        return null;
      }
    },
  };
}

/** The commit being measured (`git rev-parse HEAD`) and whether the tree has local changes. */
export function gitCommit(): { commit: string; dirty: boolean } {
  try {
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const status = execFileSync('git', ['status', '--porcelain'], { cwd: ROOT, encoding: 'utf8' });
    return { commit, dirty: status.trim().length > 0 };
  } catch {
    return { commit: 'unknown', dirty: true };
  }
}

/** Resolves (with the ms waited) once the process used under 5 % of a core over a whole second. */
export async function untilIdle(pid: number): Promise<number> {
  const t0 = performance.now();
  let last = procSample(pid).cpuSeconds;
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const now = procSample(pid).cpuSeconds;
    if (now - last < 0.05) return Math.round(performance.now() - t0);
    last = now;
  }
}
