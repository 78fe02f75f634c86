/**
 * One dataset's benchmark session: fresh data directory, load (transactions, else direct), restart for the
 * cold start, the ceiling with the bodies the server answered, every scenario at every connection count,
 * `$export` and `$ccm-billing-report`; the server is stopped and the directory removed whatever happens.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Month } from '../../scripts/generate/dates.js';
import { billingScenario } from '../scenarios/billing-report.js';
import { exportScenario } from '../scenarios/bulk-export.js';
import { createScenario, readScenario, updateScenario, vreadScenario } from '../scenarios/crud.js';
import { ingest, probeTransactions, type IngestResult } from '../scenarios/ingest.js';
import { searchQueries, searchScenario } from '../scenarios/search.js';
import { unavailable, type ScenarioOutcome, type Target } from '../scenarios/target.js';
import { measureCeilings } from './ceiling.js';
import { authEnv, startAccess, type Access } from './auth.js';
import type { GenContext } from '../../scripts/generate/context.js';
import { DatasetIds, datasetContext, seedDirectly } from './dataset.js';
import { request, waitFor200 } from './http.js';
import { SERVER_ENTRY } from '../lib.js';
import {
  freePort,
  procSample,
  removeTempDir,
  startTs,
  stopProcess,
  trackTempDir,
  untilIdle,
  type Started,
} from './processes.js';
import type { DatasetReport } from './report.js';

/** Options of a session. */
export interface SessionOptions {
  patients: number;
  seed: number;
  endMonth: Month;
  month: string;
  seconds: number;
  connections: number[];
  scenarios: Set<string>;
  serverHeapMb?: number;
  /** Extra Node arguments of the server process for the load phase (e.g. --cpu-prof). */
  loadNodeArgs?: string[];
  /** A directory that keeps the loaded dataset between runs (loaded there on first use). */
  dataDir?: string;
  log: (line: string) => void;
}

const LOAD_SCENARIOS: Record<string, (t: Target, c: number) => Promise<ScenarioOutcome>> = {
  read: readScenario,
  vread: vreadScenario,
  search: searchScenario,
  create: createScenario,
  update: updateScenario,
};

/**
 * Starts the server on a fixed free port: with PORT=0 the server's base URL would say port 0, and the
 * absolute URLs it answers (Content-Location of $export, bundle links) would not reach it.
 */
export async function startServer(dir: string, heapMb?: number, nodeArgs: string[] = []): Promise<Started> {
  const env: Record<string, string> = {
    DATA_DIR: dir,
    DEMO_DATA: 'false',
    PORT: String(await freePort()),
    ...authEnv(),
  };
  const args = [...(heapMb ? [`--max-old-space-size=${heapMb}`] : []), ...nodeArgs];
  return startTs(SERVER_ENTRY, env, /FHIR base:\s+(http:\/\/127\.0\.0\.1:\d+)\/fhir/, 600_000, args);
}

/** A loaded dataset: ids for the scenarios, how it was loaded, the ingest phases. */
export interface Loaded {
  ids: DatasetIds;
  load: DatasetReport['load'];
  ingest: DatasetReport['ingest'];
}

/** Loads the dataset through the transaction endpoint (the ingest scenario), else directly. */
/** The ingest scenario: 20 % of the patients from 1 client, the rest from the largest connection count. */
async function ingestAll(
  o: SessionOptions,
  base: string,
  pid: number | undefined,
  ctx: GenContext,
  ids: DatasetIds,
  headers: Record<string, string>,
): Promise<IngestResult[]> {
  const firstPart = Math.max(1, Math.round(o.patients * 0.2));
  const c = Math.max(...o.connections);
  o.log(`  ingest: ${firstPart} bundles at 1 connection, ${o.patients - firstPart} at ${c}`);
  const phases = [await ingest(base, pid, ctx, ids, { from: 1, to: firstPart, connections: 1, headers })];
  if (firstPart < o.patients) {
    phases.push(
      await ingest(base, pid, ctx, ids, { from: firstPart + 1, to: o.patients, connections: c, headers }),
    );
  }
  return phases;
}

/** Loads the dataset through the transaction endpoint (the ingest scenario), else directly. */
export async function loadDataset(o: SessionOptions, dir: string): Promise<Loaded> {
  const ctx = datasetContext(o.patients, o.seed, o.endMonth);
  const ids = new DatasetIds();
  const t0 = performance.now();
  const server = await startServer(dir, o.serverHeapMb, o.loadNodeArgs);
  let reason: string | null;
  let phases: IngestResult[] = [];
  let access: Access | undefined;
  try {
    const base = `${server.match[1]}/fhir`;
    access = await startAccess(base);
    reason = await probeTransactions(base, ctx, ids, access.headers);
    if (reason === null) phases = await ingestAll(o, base, server.child.pid, ctx, ids, access.headers);
  } finally {
    access?.stop();
    await stopProcess(server.child);
  }
  const seconds = () => (performance.now() - t0) / 1000;
  if (reason === null) return { ids, load: { method: 'transaction', seconds: seconds() }, ingest: phases };
  o.log(`  transactions unavailable (${reason}); seeding the store directly`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const direct = new DatasetIds();
  await seedDirectly(ctx, dir, direct);
  return {
    ids: direct,
    load: { method: 'direct', reason, seconds: seconds() },
    ingest: { status: 'unavailable', reason },
  };
}

function message(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).slice(0, 300);
}

/** The bodies the ceiling answers: a resource as read, and a searchset as searched. */
async function captureBodies(t: Target): Promise<Record<string, string>> {
  const patient = t.ids.ccmPatients[0] ?? t.ids.patients[0];
  const resource = await request(`${t.base}/Patient/${patient}`, { headers: t.headers });
  const search = await request(`${t.origin}${searchQueries(t.month)[0].path(patient)}`, {
    headers: t.headers,
  });
  return { resource: resource.text, bundle: search.status === 200 ? search.text : resource.text };
}

async function runScenarios(o: SessionOptions, t: Target): Promise<ScenarioOutcome[]> {
  const out: ScenarioOutcome[] = [];
  for (const [name, run] of Object.entries(LOAD_SCENARIOS)) {
    if (!o.scenarios.has(name)) continue;
    for (const c of o.connections) {
      o.log(`  ${name} at ${c} connection${c > 1 ? 's' : ''}`);
      out.push(await run(t, c).catch((err: unknown) => unavailable(name, c, `failed: ${message(err)}`)));
    }
  }
  return out;
}

/** Everything measured against a started server. */
async function measure(
  o: SessionOptions,
  target: Target,
): Promise<Pick<DatasetReport, 'ceilings' | 'scenarios' | 'billing' | 'export'>> {
  o.log('  ceiling');
  const ceilings = await measureCeilings(
    await captureBodies(target),
    o.connections,
    o.seconds,
    target.headers,
  );
  const scenarios = await runScenarios(o, target);
  const failed = (err: unknown) => ({ status: 'unavailable' as const, reason: `failed: ${message(err)}` });
  o.log('  $ccm-billing-report');
  const billing = o.scenarios.has('billing') ? await billingScenario(target).catch(failed) : null;
  o.log('  $export');
  const exported = o.scenarios.has('export') ? await exportScenario(target).catch(failed) : null;
  return { ceilings, scenarios, billing, export: exported };
}

/**
 * The dataset kept in `keep` (`data/` and the ids in `ids.json`), loaded there first when missing; its data
 * directory is the server's. Write scenarios change it for later runs.
 */
export async function keptDataset(o: SessionOptions, keep: string): Promise<Loaded & { dir: string }> {
  const dir = path.join(keep, 'data');
  const idsFile = path.join(keep, 'ids.json');
  if (existsSync(idsFile)) {
    const ids = DatasetIds.fromJson(readFileSync(idsFile, 'utf8'));
    return {
      dir,
      ids,
      load: { method: 'kept', seconds: 0 },
      ingest: { status: 'unavailable', reason: 'kept' },
    };
  }
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const loaded = await loadDataset(o, dir);
  writeFileSync(idsFile, loaded.ids.toJson());
  return { ...loaded, dir };
}

/** Runs every scenario on one dataset and returns its report. */
export async function benchDataset(o: SessionOptions): Promise<DatasetReport> {
  const temp = o.dataDir ? null : trackTempDir(mkdtempSync(path.join(tmpdir(), 'ccm-bench-')));
  try {
    o.log(`dataset of ${o.patients} patients: loading`);
    const kept = o.dataDir ? await keptDataset(o, o.dataDir) : null;
    const dir = kept?.dir ?? (temp as string);
    const loaded = kept ?? (await loadDataset(o, dir));
    const { seconds, method } = loaded.load;
    o.log(`  loaded ${loaded.ids.total()} resources in ${seconds.toFixed(1)} s (${method}); cold start`);
    const t0 = performance.now();
    const server = await startServer(dir, o.serverHeapMb);
    let access: Access | undefined;
    try {
      const origin = server.match[1];
      await waitFor200(`${origin}/fhir/metadata`);
      const coldStartMs = Math.round(performance.now() - t0);
      const pid = server.child.pid;
      const serverRssAfterStartMb = pid === undefined ? null : procSample(pid).rssMb;
      // The server listens before its data is parsed and indexed (and the CCM model loaded) in the
      // background; the scenarios measure the warm server, so wait until that work is done.
      const backgroundLoadMs = pid === undefined ? null : await untilIdle(pid);
      o.log(`  cold start ${coldStartMs} ms; background loading done ${backgroundLoadMs} ms later`);
      access = await startAccess(`${origin}/fhir`);
      const target: Target = {
        headers: access.headers,
        origin,
        base: `${origin}/fhir`,
        pid,
        ids: loaded.ids,
        month: o.month,
        seconds: o.seconds,
      };
      return {
        patients: o.patients,
        resources: loaded.ids.total(),
        byType: loaded.ids.counts(),
        month: o.month,
        load: loaded.load,
        ingest: loaded.ingest,
        coldStartMs,
        backgroundLoadMs,
        serverRssAfterStartMb,
        ...(await measure(o, target)),
      };
    } finally {
      access?.stop();
      await stopProcess(server.child);
    }
  } finally {
    if (temp) removeTempDir(temp);
  }
}
