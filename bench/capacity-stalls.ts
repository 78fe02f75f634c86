/**
 * Where the capacity server's event-loop stalls come from (loaded by bench/capacity-server.ts, inside the
 * server process). A 20 ms timer notes every tick that came more than 50 ms late, with what the main thread
 * did meanwhile, from /proc/self/task/<pid>/schedstat: time on a CPU (JavaScript, SQLite, a GC pause) and
 * time runnable but waiting for a CPU (the machine's other work); the rest it was blocked (a synchronous
 * fsync or file read) or asleep. Garbage collections overlapping the stall come from a `gc` performance
 * observer. Costs one small file read per tick.
 */
import { readFileSync } from 'node:fs';
import { PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';

/** One late tick of the timer: the event loop could not run for about `ms`. */
export interface Stall {
  /** When the stall ended (ISO). */
  at: string;
  /** Time between the late tick and the one before it (20 ms when nothing stalls). */
  ms: number;
  /** Main thread on a CPU during the stall. */
  cpuMs: number;
  /** Main thread runnable but not running (other processes had the CPUs). */
  runQueueMs: number;
  /** Neither: blocked in a system call (e.g. fsync) or asleep. */
  blockedMs: number;
  /** Garbage collection during the stall (all kinds, pause time). */
  gcMs: number;
}

const TICK_MS = 20;
const LATE_MS = 50;
const KEEP = 10;
const SCHEDSTAT = `/proc/self/task/${process.pid}/schedstat`;

/** Main-thread CPU and run-queue time in ms (0 when /proc has no schedstat). */
function sched(): { cpu: number; wait: number } {
  try {
    const [cpu, wait] = readFileSync(SCHEDSTAT, 'utf8').split(' ').map(Number);
    return { cpu: cpu / 1e6, wait: wait / 1e6 };
  } catch {
    return { cpu: 0, wait: 0 };
  }
}

const r1 = (x: number) => Math.round(x * 10) / 10;

/** Starts recording; `take()` returns the longest stalls since the previous take and forgets them. */
export function recordStalls(): { take(): { count: number; longest: Stall[] } } {
  const gcs: PerformanceEntry[] = [];
  new PerformanceObserver((list) => {
    gcs.push(...list.getEntries());
    if (gcs.length > 500) gcs.splice(0, gcs.length - 500);
  }).observe({ entryTypes: ['gc'] });
  let longest: Stall[] = [];
  let count = 0;
  let last = performance.now();
  let lastSched = sched();
  const timer = setInterval(() => {
    const now = performance.now();
    const s = sched();
    const late = now - last - TICK_MS;
    if (late > LATE_MS) {
      count++;
      const gcMs = gcs
        .filter((g) => g.startTime + g.duration > last && g.startTime < now)
        .reduce((n, g) => n + g.duration, 0);
      const cpuMs = s.cpu - lastSched.cpu;
      const runQueueMs = s.wait - lastSched.wait;
      longest.push({
        at: new Date().toISOString(),
        ms: r1(now - last),
        cpuMs: r1(cpuMs),
        runQueueMs: r1(runQueueMs),
        blockedMs: r1(Math.max(0, now - last - cpuMs - runQueueMs)),
        gcMs: r1(gcMs),
      });
      longest = longest.sort((a, b) => b.ms - a.ms).slice(0, KEEP);
    }
    last = now;
    lastSched = s;
  }, TICK_MS);
  timer.unref();
  return {
    take() {
      const out = { count, longest };
      longest = [];
      count = 0;
      return out;
    },
  };
}
