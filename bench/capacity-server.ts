/**
 * The server of the capacity benchmark (bench/capacity.ts): `server/main.ts` unchanged, with one addition
 * made from outside, an event-loop delay histogram (`perf_hooks.monitorEventLoopDelay`, 10 ms resolution)
 * enabled before the server's modules load. On SIGUSR2 it writes one line,
 * `capacity-probe {"maxMs","p99Ms","meanMs","count","sinceMs","rssMb","heapUsedMb"}`, and resets the
 * histogram, so the benchmark reads the worst stall of each phase; with it the longest stalls and what the
 * main thread did during them (bench/capacity-stalls.ts). The line goes to the file descriptor
 * CAPACITY_PROBE_FD (a pipe of its own, so the server's log on stdout never waits for the benchmark), or to
 * stdout. Nothing else differs from `npm start` (the monitor, a 20 ms timer and a `gc` observer are all it adds).
 *
 *   node --max-semi-space-size=64 --import tsx bench/capacity-server.ts   (with the server's environment)
 */
import { writeSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { PROBE_PREFIX, type Probe } from './capacity-probe.js';
import { recordStalls } from './capacity-stalls.js';

const histogram = monitorEventLoopDelay({ resolution: 10 });
histogram.enable();
const stalls = recordStalls();
let since = performance.now();
const fd = process.env.CAPACITY_PROBE_FD ? Number(process.env.CAPACITY_PROBE_FD) : 1;

const mb = (bytes: number) => Math.round(bytes / 1024 / 102.4) / 10;
const ms = (ns: number) => Math.round(ns / 1e4) / 100;

process.on('SIGUSR2', () => {
  const mem = process.memoryUsage();
  const probe: Probe = {
    maxMs: ms(histogram.max),
    p99Ms: ms(histogram.percentile(99)),
    meanMs: ms(histogram.mean),
    count: histogram.count,
    sinceMs: Math.round(performance.now() - since),
    rssMb: mb(mem.rss),
    heapUsedMb: mb(mem.heapUsed),
    stalls: stalls.take(),
  };
  histogram.reset();
  since = performance.now();
  writeSync(fd, `${PROBE_PREFIX}${JSON.stringify(probe)}\n`);
});

await import('../server/main.js');
