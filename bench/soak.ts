/**
 * Soak test (issue 9, acceptance 3): a generated practice loaded into a fresh server, then mixed load at
 * 16 connections for `--minutes`, sampling the server's RSS every 10 s. Reports errors/non-2xx and the RSS
 * growth after a warm-up (mean of the last three samples against the mean of the first three after
 * warm-up, and the maximum), with how many versions the writes added (the embedded engine keeps data in
 * memory, so writes grow RSS by design). Writes bench/results/soak-<timestamp>.json.
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
import { waitFor200 } from './support/http.js';
import { runLoad } from './support/load.js';
import {
  cleanupAll,
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

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

function growth(samples: Sample[]) {
  const after = samples.filter((s) => s.second >= warmup);
  const base = mean(after.slice(0, 3).map((s) => s.rssMb));
  const end = mean(after.slice(-3).map((s) => s.rssMb));
  const max = Math.max(...after.map((s) => s.rssMb));
  return {
    rssAfterWarmupMb: r2(base),
    rssEndMb: r2(end),
    rssMaxMb: r2(max),
    growthPercent: base > 0 ? r2(((end - base) / base) * 100) : null,
    growthMaxPercent: base > 0 ? r2(((max - base) / base) * 100) : null,
  };
}

/** Runs the mixed load for the soak's duration, sampling RSS every `every` seconds. */
async function soakLoad(target: Target, pid: number): Promise<Record<string, unknown>> {
  const owned = await ownObservations(target, connections);
  const samples: Sample[] = [];
  const t0 = performance.now();
  const sample = () =>
    samples.push({ second: Math.round((performance.now() - t0) / 1000), rssMb: procSample(pid).rssMb });
  sample();
  const timer = setInterval(sample, every * 1000);
  const load = await runLoad({
    origin: target.origin,
    headers: target.headers,
    connections,
    seconds: minutes * 60,
    pid,
    script: (c) => mixedScript(target, c, owned[c], writeShare),
  }).finally(() => clearInterval(timer));
  sample();
  const versionsWritten = (load.byKind.create?.requests ?? 0) + (load.byKind.update?.requests ?? 0);
  return {
    minutes,
    connections,
    writeShare,
    warmupSeconds: warmup,
    load,
    versionsWritten,
    ...growth(samples),
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
  const server = await startServer(dir);
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
    return { patients, resources: loaded.ids.total(), ...(await soakLoad(target, pid)) };
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
      `| soak | minutes | conns | requests | req/s | p95 ms | p99 ms | errors | non-2xx | RSS after warm-up MB | RSS end MB | RSS max MB | growth % (end / max) | versions written |`,
      '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
      `| ${patients} patients | ${minutes} | ${connections} | ${load.requests} | ${load.rps} | ${load.p95} | ${load.p99} | ${load.errors} | ${load.non2xx} | ` +
        `${result.rssAfterWarmupMb} | ${result.rssEndMb} | ${result.rssMaxMb} | ${result.growthPercent} / ${result.growthMaxPercent} | ${result.versionsWritten} |`,
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
