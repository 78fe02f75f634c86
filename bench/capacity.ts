/**
 * Capacity of one SQLite store: N Synthea-like resources (CAPACITY_RESOURCES, default 100,000; the issue's
 * 1,000,000 is passed explicitly) are loaded in-process into a fresh DATA_DIR (bench/capacity-load.ts),
 * then:
 *   1. `npm start` is started twice on it (first start after the load, then a second one) and the time from
 *      spawn to the first 200 on /fhir/metadata is measured (bench/capacity-start.ts);
 *   2. the server is started through bench/capacity-server.ts (the same Node flags as `npm start`, plus an
 *      event-loop delay histogram read on SIGUSR2), left to finish its background warm-up (until its CPU is
 *      idle), then loaded with autocannon at 16 connections: 30 s of `Condition?patient=<random>` and 60 s of
 *      a mixed load with 10 % writes (bench/capacity-phases.ts): latency, req/s, the longest event-loop stall
 *      and p99 of each phase, and the RSS sampled over the mixed load's last 20 s.
 * Everything listens on 127.0.0.1. Prints one JSON object; exits non-zero only on errors, never on a target.
 *
 *   node --import tsx bench/capacity.ts
 *   CAPACITY_RESOURCES=1000000 node --import tsx bench/capacity.ts
 *
 * Environment: CAPACITY_RESOURCES (100000), CAPACITY_CONNECTIONS (16), CAPACITY_SEARCH_SECONDS (30),
 * CAPACITY_MIXED_SECONDS (60), CAPACITY_DATA_DIR (load into this directory and keep it; a later run reuses
 * it as it is, including the writes of earlier mixed phases; default a temporary directory, removed),
 * CAPACITY_SERVER_LOG (keep the capacity server's log in this file; default a temporary file, removed;
 * the report summarises it: the slowest requests and every line that is not a request).
 */
import { mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import { keptDataset, loadDataset, type CapacityDataset } from './capacity-load.js';
import { mixedPhase, searchPhase, warmup, type PhaseResult, type Target } from './capacity-phases.js';
import { logLine, ProbeReader, summariseLog, type Probe, type Windows } from './capacity-probe.js';
import {
  npmStart,
  readyLine,
  startCapacityServer,
  stopCapacityServer,
  stopGroups,
  type CapacityServer,
} from './capacity-start.js';
import { serverNodeFlags } from './lib.js';
import {
  cleanupAll,
  gitCommit,
  installSignalCleanup,
  procSample,
  trackTempDir,
  untilIdle,
} from './support/processes.js';

const num = (name: string, fallback: number): number => {
  const v = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(v) || v <= 0)
    throw new Error(`${name}=${process.env[name]}: expected a positive number`);
  return v;
};
const RESOURCES = num('CAPACITY_RESOURCES', 100_000);
const CONNECTIONS = num('CAPACITY_CONNECTIONS', 16);
const SEARCH_SECONDS = num('CAPACITY_SEARCH_SECONDS', 30);
const MIXED_SECONDS = num('CAPACITY_MIXED_SECONDS', 60);
const WARMUP_SECONDS = 5;
/** The longest the background warm-up of the server is waited for before the load starts anyway. */
const IDLE_WAIT_MS = num('CAPACITY_IDLE_WAIT_SECONDS', 600) * 1000;

const load3 = () => loadavg().map((l) => Math.round(l * 100) / 100);
const log = (msg: string) => process.stderr.write(`${msg}\n`);

/** The data directory: CAPACITY_DATA_DIR (kept) or a temporary one (removed at exit). */
function dataDir(): string {
  const keep = process.env.CAPACITY_DATA_DIR;
  if (!keep) return trackTempDir(mkdtempSync(path.join(tmpdir(), 'ccm-capacity-')));
  mkdirSync(keep, { recursive: true });
  return path.resolve(keep);
}

/** The loaded dataset: kept from an earlier run, or loaded now into an empty directory. */
async function dataset(dir: string): Promise<CapacityDataset> {
  const kept = keptDataset(dir);
  if (kept) return kept;
  if (readdirSync(dir).length > 0) throw new Error(`${dir} is neither empty nor a capacity dataset`);
  log(`loading ${RESOURCES} resources into ${dir}`);
  return loadDataset(dir, RESOURCES);
}

/** Resolves with `p`, or with `fallback` after `ms`. */
function within<T>(p: Promise<T>, ms: number, fallback: T): Promise<T> {
  return Promise.race([p, new Promise<T>((resolve) => setTimeout(() => resolve(fallback), ms).unref())]);
}

/** Plain `npm start` twice: the first start right after the load, then a second start. */
async function npmStarts(dir: string, logDir: string): Promise<Record<string, unknown>> {
  log('npm start (first start after the load)');
  const first = await npmStart(dir, path.join(logDir, 'npm-start-1.log'));
  log('npm start (second start)');
  const second = await npmStart(dir, path.join(logDir, 'npm-start-2.log'));
  return {
    command: 'npm start',
    pollEveryMs: 20,
    firstStartMs: first.metadataMs,
    secondStartMs: second.metadataMs,
    readyLine: [first.ready, second.ready],
  };
}

/** What the capacity server did from spawn until its background warm-up was done. */
async function settle(server: CapacityServer, probes: ProbeReader): Promise<Record<string, unknown>> {
  const pid = server.pid;
  const idleAfterMs = await within(untilIdle(pid), IDLE_WAIT_MS, null);
  const startup: Probe = await probes.probe();
  const ccmWarmup = logLine(server.logFile, 'ccm practice model loaded');
  return {
    command: `node ${serverNodeFlags().join(' ')} --import tsx bench/capacity-server.ts`,
    note: "npm start's Node flags and environment; the entry adds only monitorEventLoopDelay (resolution 10 ms)",
    metadataMs: server.metadataMs,
    readyLine: readyLine(server.logFile, server.spawnedAt, server.metadataMs),
    idleAfterMs,
    idleWaitLimitMs: IDLE_WAIT_MS,
    ccmWarmupMs: ccmWarmup ? Number(ccmWarmup.ms) : null,
    eventLoopFromSpawnToIdle: startup,
    rssIdleMb: procSample(pid).rssMb,
  };
}

/** The phases against a started capacity server. */
async function measure(server: CapacityServer, data: CapacityDataset): Promise<Record<string, unknown>> {
  const probes = new ProbeReader(server.child, server.probePipe);
  const pid = server.pid;
  log("waiting for the server's background warm-up");
  const start = await settle(server, probes);
  const target: Target = {
    origin: server.origin,
    base: server.base,
    pid,
    probes,
    patientIds: data.patientIds,
    connections: CONNECTIONS,
  };
  log(`warm-up ${WARMUP_SECONDS} s`);
  const warm = await warmup(target, WARMUP_SECONDS);
  log(`search ${SEARCH_SECONDS} s at ${CONNECTIONS} connections`);
  const search = await searchPhase(target, SEARCH_SECONDS);
  log(`mixed ${MIXED_SECONDS} s at ${CONNECTIONS} connections`);
  const mixed = await mixedPhase(target, MIXED_SECONDS);
  await new Promise((resolve) => setTimeout(resolve, 5000));
  const rssAfterMixedIdle5sMb = procSample(pid).rssMb;
  return {
    server: start,
    warmup: { rps: warm.load.rps, p95: warm.load.p95, eventLoop: warm.eventLoop },
    search: summary(search),
    mixed: { ...summary(mixed), rssLast20sMb: mixed.rssLast20sMb, rssLast20sMaxMb: mixed.rssLast20sMaxMb },
    rssAfterMixedIdle5sMb,
    windows: { search: search.window, mixed: mixed.window },
  };
}

/** The numbers of a phase worth reading first, then the details. */
function summary(r: PhaseResult): Record<string, unknown> {
  const { load, eventLoop } = r;
  return {
    seconds: load.seconds,
    rps: load.rps,
    p50: load.p50,
    p95: load.p95,
    p99: load.p99,
    requests: load.requests,
    errors: load.errors,
    non2xx: load.non2xx,
    statuses: load.statuses,
    eventLoopMaxStallMs: eventLoop.maxMs,
    eventLoopP99Ms: eventLoop.p99Ms,
    eventLoop,
    serverCpuPercent: load.server?.cpuPercent,
    serverRssMaxMb: load.server?.rssMaxMb,
    loadGeneratorCpuPercent: r.loadGeneratorCpuPercent,
    byKind: load.byKind,
  };
}

/** The targets beside this run's values (informational: the benchmark never fails on them). */
function checks(report: Record<string, unknown>): Record<string, unknown> {
  const m = report.measured as {
    search: { p95: number };
    mixed: { eventLoopMaxStallMs: number; rssLast20sMaxMb: number };
  };
  const starts = report.npmStart as { secondStartMs: number; firstStartMs: number };
  const row = (value: number, limit: number, unit: string) => ({ value, limit, unit, within: value < limit });
  return {
    rssSteadyUnder1GB: row(m.mixed.rssLast20sMaxMb, 1024, 'MB'),
    npmStartMetadataUnder2s: row(Math.max(starts.firstStartMs, starts.secondStartMs), 2000, 'ms'),
    patientSearchP95Under10ms: row(m.search.p95, 10, 'ms'),
    mixedMaxStallUnder100ms: row(m.mixed.eventLoopMaxStallMs, 100, 'ms'),
  };
}

async function main(): Promise<void> {
  installSignalCleanup();
  process.once('SIGINT', () => void stopGroups());
  const startedAt = new Date().toISOString();
  const loadavgBefore = load3();
  const dir = dataDir();
  const data = await dataset(dir);
  const report: Record<string, unknown> = {
    benchmark: 'capacity',
    startedAt,
    node: process.version,
    ...gitCommit(),
    machine: { cpus: availableParallelism(), memoryGb: Math.round(totalmem() / 2 ** 30) },
    requestedResources: RESOURCES,
    resources: data.resources,
    patients: data.patients,
    connections: CONNECTIONS,
    load: data.load,
    dataDirMb: Math.round(data.dataDirBytes / 2 ** 20),
    byType: data.byType,
    loadavgBefore,
  };
  const logDir = trackTempDir(mkdtempSync(path.join(tmpdir(), 'ccm-capacity-log-')));
  report.npmStart = await npmStarts(dir, logDir);
  log('capacity server');
  const logFile = process.env.CAPACITY_SERVER_LOG ?? path.join(logDir, 'server.log');
  const server = await startCapacityServer(dir, logFile);
  try {
    report.measured = await measure(server, data);
  } finally {
    await stopCapacityServer(server);
  }
  const windows = (report.measured as { windows: Windows }).windows;
  report.serverLog = summariseLog(logFile, windows);
  report.checks = checks(report);
  report.loadavgAfter = load3();
  report.finishedAt = new Date().toISOString();
  report.totalSeconds = Math.round((Date.parse(report.finishedAt as string) - Date.parse(startedAt)) / 1000);
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
}

try {
  await main();
} catch (err) {
  process.stderr.write(
    `capacity benchmark failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exitCode = 1;
} finally {
  await stopGroups();
  await cleanupAll();
}
