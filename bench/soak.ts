/**
 * Soak test (issue 9, acceptance 3): a generated practice loaded into a fresh server, then mixed load at
 * 16 connections for `--minutes`, reading the server's RSS every second (and keeping a sample every 10 s
 * in the report). Reports errors/non-2xx and the RSS growth after a warm-up: the floor of the last minute
 * against the floor of the first minute after warm-up (see growth()), and the maximum; with how many
 * versions the writes added (data lives in the SQLite file; the CCM read model grows a little).
 * Writes bench/results/soak-<timestamp>.json.
 *
 *   npx tsx bench/soak.ts [--minutes 10] [--patients 1000] [--connections 16] [--write-share 0.02]
 *                         [--warmup-seconds 60] [--sample-seconds 10] [--seed 1] [--out FILE]
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { addMonths, formatMonth, monthOf } from '../scripts/generate/dates.js';
import { ROOT } from './lib.js';
import { mixedScript, ownObservations } from './scenarios/mixed.js';
import type { Target } from './scenarios/target.js';
import { startAccess, type Access } from './support/auth.js';
import { heapAfterGc, type HeapAfterGc } from './support/heap-probe.js';
import { waitFor200 } from './support/http.js';
import { runLoad } from './support/load.js';
import {
  cleanupAll,
  freePort,
  gitCommit,
  installSignalCleanup,
  procSample,
  removeTempDir,
  stopProcess,
  trackTempDir,
} from './support/processes.js';
import { loadDataset, startServer } from './support/session.js';
import { r2 } from './support/stats.js';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    patients: { type: 'string', default: '1000' },
    connections: { type: 'string', default: '16' },
    'write-share': { type: 'string', default: '0.02' },
    'warmup-seconds': { type: 'string', default: '60' },
    'sample-seconds': { type: 'string', default: '10' },
    seed: { type: 'string', default: '1' },
    out: { type: 'string' },
  },
});
const minutes = Number(values.minutes);
const patients = Number(values.patients);
const connections = Number(values.connections);
const writeShare = Number(values['write-share']);
const warmup = Number(values['warmup-seconds']);
const every = Number(values['sample-seconds']);
if (
  ![minutes, patients, connections, warmup, every].every((x) => x > 0) ||
  !(writeShare >= 0 && writeShare < 1)
) {
  throw new Error(
    'soak: --minutes, --patients, --connections, --warmup-seconds, --sample-seconds must be > 0; --write-share in [0, 1)',
  );
}
const log = (line: string) => process.stderr.write(`${line}\n`);

interface Sample {
  second: number;
  rssMb: number;
}

/**
 * RSS growth after warm-up. The server's RSS saws up and down with its garbage collector (hundreds of
 * MB within 30 s), so a few point samples say little: the floor of a window (its lowest per-second
 * sample, i.e. what the heap returns to after a collection) is compared between the first minute after
 * warm-up and the last minute. The maximum is reported beside it.
 */
function growth(fine: Sample[]) {
  const end = fine.length > 0 ? fine[fine.length - 1].second : 0;
  const floor = (from: number, to: number) =>
    Math.min(...fine.filter((s) => s.second >= from && s.second < to).map((s) => s.rssMb));
  const first = floor(warmup, warmup + 60);
  const last = floor(end - 60, end + 1);
  const max = Math.max(...fine.filter((s) => s.second >= warmup).map((s) => s.rssMb));
  const pct = (x: number) => (Number.isFinite(first) && first > 0 ? r2(((x - first) / first) * 100) : null);
  return {
    rssFloorAfterWarmupMb: r2(first),
    rssFloorEndMb: r2(last),
    rssMaxMb: r2(max),
    growthPercent: pct(last),
    growthMaxPercent: pct(max),
  };
}

/** A full-GC probe taken `second` seconds into the load. */
interface GcSample extends HeapAfterGc {
  second: number;
}

/**
 * Live-memory growth: the heap used right after a forced full GC at the end of the warm-up against the
 * same at the end. Unlike RSS, this does not depend on when the collector last ran or returned pages.
 */
function liveGrowth(gc: GcSample[]) {
  const base = gc.find((g) => g.second >= warmup) ?? gc[0];
  const end = gc[gc.length - 1];
  if (!base || !end || base === end) return { liveGrowthPercent: null };
  const pct = (a: number, b: number) => r2(((b - a) / a) * 100);
  return {
    heapAfterGcWarmupMb: base.heapUsedMb,
    heapAfterGcEndMb: end.heapUsedMb,
    liveGrowthPercent: pct(base.heapUsedMb, end.heapUsedMb),
    rssAfterGcWarmupMb: base.rssMb,
    rssAfterGcEndMb: end.rssMb,
    rssAfterGcGrowthPercent: pct(base.rssMb, end.rssMb),
  };
}

/** Takes a full-GC probe at the end of the warm-up and then every minute until `until` seconds. */
function gcProbes(
  inspectPort: number,
  t0: number,
  until: number,
): { samples: GcSample[]; stop(): Promise<void> } {
  const samples: GcSample[] = [];
  let next = warmup;
  let running: Promise<void> = Promise.resolve();
  const tick = () => {
    const second = Math.round((performance.now() - t0) / 1000);
    if (second < next || second > until - 5) return;
    next += 60;
    running = running.then(() =>
      heapAfterGc(inspectPort).then(
        (h) => {
          samples.push({ second, ...h });
        },
        (err: unknown) => {
          log(`heap probe failed: ${String(err)}`);
        },
      ),
    );
  };
  const timer = setInterval(tick, 1000);
  return {
    samples,
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}

/** Runs the mixed load for the soak's duration, sampling RSS every `every` seconds. */
async function soakLoad(target: Target, pid: number, inspectPort: number): Promise<Record<string, unknown>> {
  const owned = await ownObservations(target, connections);
  const samples: Sample[] = [];
  const fine: Sample[] = [];
  const t0 = performance.now();
  const sample = () => {
    const second = Math.round((performance.now() - t0) / 1000);
    const s = { second, rssMb: procSample(pid).rssMb };
    fine.push(s);
    if (samples.length === 0 || second - samples[samples.length - 1].second >= every) samples.push(s);
  };
  sample();
  const timer = setInterval(sample, 1000);
  const probes = gcProbes(inspectPort, t0, minutes * 60);
  const load = await runLoad({
    origin: target.origin,
    headers: target.headers,
    connections,
    seconds: minutes * 60,
    pid,
    script: (c) => mixedScript(target, c, owned[c], writeShare),
  }).finally(() => clearInterval(timer));
  sample();
  await probes.stop();
  // The end probe: right after the load, before anything else runs on the server.
  const last = await heapAfterGc(inspectPort);
  probes.samples.push({ second: Math.round((performance.now() - t0) / 1000), ...last });
  const versionsWritten = (load.byKind.create?.requests ?? 0) + (load.byKind.update?.requests ?? 0);
  return {
    minutes,
    connections,
    writeShare,
    warmupSeconds: warmup,
    load,
    versionsWritten,
    ...liveGrowth(probes.samples),
    ...growth(fine),
    gcSamples: probes.samples,
    samples,
  };
}

async function soak(): Promise<Record<string, unknown>> {
  const dir = trackTempDir(mkdtempSync(path.join(os.tmpdir(), 'ccm-soak-')));
  const endMonth = addMonths(monthOf(Date.now()), -1);
  const month = formatMonth(endMonth);
  const loaded = await loadDataset(
    {
      patients,
      seed: Number(values.seed),
      endMonth,
      month,
      seconds: 10,
      connections: [connections],
      scenarios: new Set(),
      log,
    },
    dir,
  );
  log(
    `loaded ${loaded.ids.total()} resources (${loaded.load.method}); soaking ${minutes} min at ${connections} connections`,
  );
  const inspectPort = await freePort();
  const server = await startServer(dir, undefined, [`--inspect=127.0.0.1:${inspectPort}`]);
  let access: Access | undefined;
  try {
    const origin = server.match[1];
    await waitFor200(`${origin}/fhir/metadata`);
    const pid = server.child.pid as number;
    access = await startAccess(`${origin}/fhir`);
    const target: Target = {
      headers: access.headers,
      origin,
      base: `${origin}/fhir`,
      pid,
      ids: loaded.ids,
      month,
      seconds: minutes * 60,
    };
    return { patients, resources: loaded.ids.total(), ...(await soakLoad(target, pid, inspectPort)) };
  } finally {
    access?.stop();
    await stopProcess(server.child);
    removeTempDir(dir);
  }
}

async function main(): Promise<void> {
  installSignalCleanup();
  const startedAt = new Date().toISOString();
  const result = await soak().finally(cleanupAll);
  const report = {
    startedAt,
    finishedAt: new Date().toISOString(),
    ...gitCommit(),
    node: process.version,
    cpus: os.cpus().length,
    loadavg: os.loadavg(),
    ...result,
  };
  const file =
    values.out ?? path.join(ROOT, 'bench', 'results', `soak-${startedAt.replace(/[:.]/g, '-')}.json`);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  const load = result.load as {
    rps: number;
    requests: number;
    errors: number;
    non2xx: number;
    p95: number;
    p99: number;
  };
  process.stdout.write(
    [
      `| soak | minutes | conns | requests | req/s | p95 ms | p99 ms | errors | non-2xx | heap after full GC, warm-up → end MB | live growth % | RSS after full GC, warm-up → end MB | RSS growth after GC % | RSS floor first / last minute MB | RSS max MB | versions written |`,
      '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
      `| ${patients} patients | ${minutes} | ${connections} | ${load.requests} | ${load.rps} | ${load.p95} | ${load.p99} | ${load.errors} | ${load.non2xx} | ` +
        `${result.heapAfterGcWarmupMb} → ${result.heapAfterGcEndMb} | ${result.liveGrowthPercent} | ${result.rssAfterGcWarmupMb} → ${result.rssAfterGcEndMb} | ${result.rssAfterGcGrowthPercent} | ` +
        `${result.rssFloorAfterWarmupMb} / ${result.rssFloorEndMb} | ${result.rssMaxMb} | ${result.versionsWritten} |`,
      '',
    ].join('\n'),
  );
  log(`report written to ${path.relative(process.cwd(), file)}`);
}

main().catch(async (err: unknown) => {
  process.stderr.write(`soak failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  await cleanupAll();
  process.exit(1);
});
