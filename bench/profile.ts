/**
 * CPU profiles of the server under each scenario, to explain a missed target from evidence: the dataset
 * is loaded with the server under `--cpu-prof` (the ingest profile), then for each scenario a fresh server
 * process runs under `--cpu-prof` and only the samples taken during the load are summarised (self time by
 * module and function, inclusive time of project functions). Also profiles a cold start.
 * Writes bench/results/profile-<timestamp>.json and prints markdown.
 *
 *   npx tsx bench/profile.ts [--patients 1000] [--seconds 15] [--connections 16]
 *                            [--scenarios ingest,coldstart,read,search,create,update,export,billing] [--keep DIR]
 *                            [--data DIR: keep the loaded dataset there and reuse it]
 *                            [--warmup SECONDS: wait after the start (background loading) before the load]
 */
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { addMonths, formatMonth, monthOf } from '../scripts/generate/dates.js';
import { ROOT } from './lib.js';
import { billingScenario } from './scenarios/billing-report.js';
import { exportScenario } from './scenarios/bulk-export.js';
import { createScenario, readScenario, updateScenario, vreadScenario } from './scenarios/crud.js';
import { searchScenario } from './scenarios/search.js';
import type { Target } from './scenarios/target.js';
import { summariseProfile, type ProfileSummary } from './support/cpu-profile.js';
import { startAccess, type Access } from './support/auth.js';
import { waitFor200 } from './support/http.js';
import {
  cleanupAll,
  gitCommit,
  installSignalCleanup,
  stopProcess,
  trackTempDir,
} from './support/processes.js';
import {
  keptDataset,
  loadDataset,
  startServer,
  type Loaded,
  type SessionOptions,
} from './support/session.js';

const { values } = parseArgs({
  options: {
    patients: { type: 'string', default: '1000' },
    seconds: { type: 'string', default: '15' },
    connections: { type: 'string', default: '16' },
    scenarios: { type: 'string', default: 'ingest,coldstart,read,search,create,update,export,billing' },
    keep: { type: 'string' },
    data: { type: 'string' },
    warmup: { type: 'string', default: '0' },
  },
});
const patients = Number(values.patients);
const seconds = Number(values.seconds);
const warmupMs = Number(values.warmup) * 1000;
const connections = Number(values.connections);
const wanted = new Set(values.scenarios.split(','));
const log = (line: string) => process.stderr.write(`${line}\n`);

type Run = (t: Target) => Promise<unknown>;
const RUNS: Record<string, Run> = {
  coldstart: async () => ({ note: 'start only' }),
  read: (t) => readScenario(t, connections),
  vread: (t) => vreadScenario(t, connections),
  search: (t) => searchScenario(t, connections),
  create: (t) => createScenario(t, connections),
  update: (t) => updateScenario(t, connections),
  export: (t) => exportScenario(t),
  billing: (t) => billingScenario(t),
};

/** The main thread's profile (CPU.<date>.<time>.<pid>.<thread 0>.<seq>.cpuprofile; tsx's loader is thread 1). */
function newestProfile(dir: string): string {
  const files = readdirSync(dir)
    .filter((f) => /\.\d+\.0\.\d+\.cpuprofile$/.test(f))
    .sort();
  if (files.length === 0) throw new Error(`no .cpuprofile in ${dir}`);
  return path.join(dir, files[files.length - 1]);
}

/** Runs one scenario against a fresh server under --cpu-prof; summarises the samples of the load only. */
async function profileScenario(
  name: string,
  dataDir: string,
  profDir: string,
  loaded: Loaded,
  month: string,
) {
  const dir = path.join(profDir, name);
  mkdirSync(dir, { recursive: true });
  const server = await startServer(dataDir, undefined, ['--cpu-prof', `--cpu-prof-dir=${dir}`]);
  const spawnedAt = performance.now() - server.readyMs;
  let result: unknown;
  let fromMs = 0;
  let access: Access | undefined;
  try {
    const origin = server.match[1];
    await waitFor200(`${origin}/fhir/metadata`);
    access = await startAccess(`${origin}/fhir`);
    const target: Target = {
      headers: access.headers,
      origin,
      base: `${origin}/fhir`,
      pid: server.child.pid,
      ids: loaded.ids,
      month,
      seconds,
    };
    if (name !== 'coldstart' && warmupMs > 0) await new Promise((r) => setTimeout(r, warmupMs));
    fromMs = name === 'coldstart' ? 0 : performance.now() - spawnedAt;
    result = await RUNS[name](target);
  } finally {
    access?.stop();
    await stopProcess(server.child);
  }
  return { scenario: name, result, profile: summariseProfile(newestProfile(dir), 20, fromMs) };
}

function table(title: string, rows: Array<{ name: string; ms: number; percent: number }>): string {
  return [
    `${title}`,
    '',
    '| % | ms | where |',
    '|---|---|---|',
    ...rows.map((r) => `| ${r.percent} | ${r.ms} | ${r.name.replace(/\|/g, '/')} |`),
    '',
  ].join('\n');
}

function render(name: string, p: ProfileSummary): string {
  return [
    `### ${name}: ${p.totalMs} ms sampled, idle ${p.idlePercent} %, GC ${p.gcPercent} %`,
    '',
    table('Self time by module', p.selfByModule.slice(0, 12)),
    table('Self time by function', p.selfByFunction.slice(0, 15)),
    table('Inclusive time of server functions', p.inclusiveProjectFunctions.slice(0, 15)),
  ].join('\n');
}

async function main(): Promise<void> {
  installSignalCleanup();
  const startedAt = new Date().toISOString();
  let dataDir = values.data ?? trackTempDir(mkdtempSync(path.join(os.tmpdir(), 'ccm-prof-data-')));
  const profDir = values.keep ?? trackTempDir(mkdtempSync(path.join(os.tmpdir(), 'ccm-prof-')));
  const endMonth = addMonths(monthOf(Date.now()), -1);
  const month = formatMonth(endMonth);
  const ingestDir = path.join(profDir, 'ingest');
  const out: Array<Record<string, unknown>> = [];
  try {
    log(`loading ${patients} patients${wanted.has('ingest') ? ' (profiled)' : ''}`);
    const session: SessionOptions = {
      patients,
      seed: 1,
      endMonth,
      month,
      seconds,
      connections: [connections],
      scenarios: new Set<string>(),
      log,
      loadNodeArgs: wanted.has('ingest') ? ['--cpu-prof', `--cpu-prof-dir=${ingestDir}`] : undefined,
    };
    const kept = values.data ? await keptDataset(session, values.data) : null;
    if (kept) dataDir = kept.dir;
    const loaded = kept ?? (await loadDataset(session, dataDir));
    if (wanted.has('ingest'))
      out.push({
        scenario: 'ingest',
        result: loaded.ingest,
        profile: summariseProfile(newestProfile(ingestDir)),
      });
    for (const name of Object.keys(RUNS).filter((n) => wanted.has(n))) {
      log(`profiling ${name}`);
      out.push(await profileScenario(name, dataDir, profDir, loaded, month));
    }
  } finally {
    await cleanupAll();
  }
  const file = path.join(ROOT, 'bench', 'results', `profile-${startedAt.replace(/[:.]/g, '-')}.json`);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(
    file,
    `${JSON.stringify({ startedAt, ...gitCommit(), patients, seconds, connections, loadavg: os.loadavg(), runs: out }, null, 2)}\n`,
  );
  process.stdout.write(out.map((o) => render(String(o.scenario), o.profile as ProfileSummary)).join('\n'));
  log(`report written to ${path.relative(process.cwd(), file)}`);
}

main().catch(async (err: unknown) => {
  process.stderr.write(
    `profile failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  await cleanupAll();
  process.exit(1);
});
