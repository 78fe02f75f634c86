/**
 * Reading the capacity server's own measurements (bench/capacity-server.ts): SIGUSR2 makes it write one
 * `capacity-probe {...}` line with the event-loop delay histogram since the previous probe (then reset)
 * and its memory. Also a summary of the server's log (pino JSON lines, one `request` line per request).
 */
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Readable } from 'node:stream';
import type { Stall } from './capacity-stalls.js';
import { latencySummary } from './support/stats.js';

/** The marker of a probe line. */
export const PROBE_PREFIX = 'capacity-probe ';

/** What the server measured since its previous probe (or since it started). */
export interface Probe {
  /** The longest event-loop delay (a stall), ms. */
  maxMs: number;
  p99Ms: number;
  meanMs: number;
  /** Delay samples in the histogram. */
  count: number;
  /** Ms the histogram covers. */
  sinceMs: number;
  rssMb: number;
  heapUsedMb: number;
  /** Timer ticks more than 50 ms late, and the longest of them with their cause (capacity-stalls.ts). */
  stalls: { count: number; longest: Stall[] };
}

/** Probes of one running capacity server, read from its probe pipe. */
export class ProbeReader {
  private buffer = '';
  private readonly waiting: Array<(p: Probe) => void> = [];

  constructor(
    private readonly child: ChildProcess,
    pipe: Readable,
  ) {
    pipe.on('data', (d: Buffer) => this.take(d.toString()));
  }

  private take(text: string): void {
    this.buffer += text;
    let nl: number;
    while ((nl = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, nl);
      this.buffer = this.buffer.slice(nl + 1);
      if (line.startsWith(PROBE_PREFIX))
        this.waiting.shift()?.(JSON.parse(line.slice(PROBE_PREFIX.length)) as Probe);
    }
  }

  /** Sends SIGUSR2 and resolves with the probe line it writes (bounded wait). */
  probe(timeoutMs = 30_000): Promise<Probe> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no probe from the server in ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.waiting.push((p) => {
        clearTimeout(timer);
        resolve(p);
      });
      this.child.kill('SIGUSR2');
    });
  }
}

/** One request line of the server's log. */
interface RequestLine {
  time: string;
  method: string;
  path: string;
  status: number;
  ms: number;
}

/** A named time window (epoch ms) of the run. */
export type Windows = Record<string, { from: number; to: number }>;

/**
 * The server's log: requests logged, the slowest of them, every line that is not a request, and per window
 * the server's own time per request (`ms` of the request line: from the first middleware to the response's
 * end, without the time a request waited for the event loop before that).
 */
export function summariseLog(file: string, windows: Windows = {}): Record<string, unknown> {
  const slowest: RequestLine[] = [];
  const other: string[] = [];
  const inWindow = new Map<string, number[]>(Object.keys(windows).map((k) => [k, []]));
  let requests = 0;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    let o: Record<string, unknown>;
    try {
      o = JSON.parse(line) as Record<string, unknown>;
    } catch {
      continue; // the start-up banner
    }
    if (o.msg !== 'request') {
      const { hostname: _h, pid: _p, ...rest } = o;
      other.push(JSON.stringify({ ...rest, time: new Date(Number(o.time)).toISOString() }));
      continue;
    }
    requests++;
    for (const [name, w] of Object.entries(windows)) {
      if (Number(o.time) >= w.from && Number(o.time) <= w.to) inWindow.get(name)?.push(Number(o.ms));
    }
    const r: RequestLine = {
      time: new Date(Number(o.time)).toISOString(),
      method: String(o.method),
      path: String(o.path),
      status: Number(o.status),
      ms: Number(o.ms),
    };
    if (slowest.length < 10 || r.ms > slowest[slowest.length - 1].ms) {
      slowest.push(r);
      slowest.sort((a, b) => b.ms - a.ms);
      slowest.length = Math.min(slowest.length, 10);
    }
  }
  const serverMsPerRequest = Object.fromEntries(
    [...inWindow].map(([name, ms]) => [name, { requests: ms.length, ...latencySummary(ms) }]),
  );
  return {
    requestsLogged: requests,
    serverMsPerRequest,
    slowestRequests: slowest,
    otherLines: other.slice(-30),
  };
}

/** The first line of the server's log whose `msg` is `msg`, parsed; null when there is none yet. */
export function logLine(file: string, msg: string): Record<string, unknown> | null {
  const needle = `"msg":${JSON.stringify(msg)}`;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.includes(needle)) continue;
    try {
      return JSON.parse(line) as Record<string, unknown>;
    } catch {
      return null;
    }
  }
  return null;
}
